// Package store is the one persistence implementation: portable SQL through
// database/sql on SQLite (modernc.org/sqlite) or PostgreSQL (pgx stdlib),
// with a small dialect seam for the few real differences. It maps rows to
// the engine's and the template package's types; it holds no business rules.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"modernc.org/sqlite"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the database in use.
type Dialect int

// The two databases.
const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// Options configure Open.
type Options struct {
	DatabaseURL string // postgres://… selects PostgreSQL
	DataDir     string // SQLite file lives here when DatabaseURL is empty
	// SQLiteSynchronous is FULL (default: an acknowledged write survives a
	// power cut) or NORMAL (survives a process crash only; faster).
	SQLiteSynchronous string
	MaxOpenConns      int           // PostgreSQL pool size (default 20)
	ReadConns         int           // PostgreSQL pool of reads outside a transaction (default 2 per CPU, at least 4)
	ConnMaxIdleTime   time.Duration // PostgreSQL idle connection lifetime
	StatementTimeout  time.Duration // PostgreSQL statement_timeout (default 30s)
}

// DB is an open database: a writer and a reader pool.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	writer  *writer // SQLite group commit; nil on PostgreSQL
	readQ   Querier // the read pool, through the statement cache on SQLite
	wcache  *stmtCache
	rcache  *stmtCache
	ckpt    *checkpointer // SQLite: copies the WAL back off the writer
	// noChecklists: see SetChecklistHint; nil for none.
	noChecklists func(templateVersionID int64) bool

	// gen counts the writes that may change what a prepared change read
	// besides its own workflow (users, groups, templates, anything): raised
	// when such a write starts in the writer and again after its commit.
	gen atomic.Int64
}

// Open connects and configures the pools. It does not migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	if strings.HasPrefix(o.DatabaseURL, "postgres://") || strings.HasPrefix(o.DatabaseURL, "postgresql://") {
		return openPostgres(ctx, o)
	}
	if o.DatabaseURL != "" && !strings.HasPrefix(o.DatabaseURL, "sqlite:") {
		return nil, fmt.Errorf("store: unsupported database URL %q (want postgres://… or empty for SQLite)", redact(o.DatabaseURL))
	}
	return openSQLite(ctx, o)
}

func openSQLite(ctx context.Context, o Options) (*DB, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(o.DatabaseURL, "sqlite://"), "sqlite:")
	if path == "" {
		dir := o.DataDir
		if dir == "" {
			dir = "./data"
		}
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: data dir: %w", err)
		}
		path = filepath.Join(dir, "pneumatic.db")
	}
	sync := strings.ToUpper(o.SQLiteSynchronous)
	if sync != "NORMAL" {
		sync = "FULL"
	}
	// busy_timeout first so that the other pragmas wait for a lock too.
	// temp_store(MEMORY): each request of a group commit runs in a savepoint,
	// and SQLite journals the pages a savepoint touches in a temp file;
	// writing that file was a fifth of the server's CPU.
	// cache_size(-16000): 16 MiB of page cache per connection instead of
	// SQLite's 2 MiB; on a large database the default sent most index
	// reads to the kernel (a fifth of the CPU in pread under a read load).
	base := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-16000)"
	// wal_autocheckpoint(0): the checkpointer (checkpoint.go) copies the
	// log back from its own connection, not the writer in its commits.
	w, err := sql.Open("sqlite", base+"&_pragma=synchronous("+sync+")&_pragma=wal_autocheckpoint(0)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	// One writer connection: SQLite has one writer anyway, and queueing in
	// Go is cheaper than SQLITE_BUSY retries.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	// Each connection keeps its own page cache (16 MiB): more readers than
	// twice the cores bought no throughput, only memory.
	readers := max(2, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	r.SetConnMaxIdleTime(0)
	// The checkpointer copies log frames to the file; it needs no page cache.
	ck, err := sql.Open("sqlite", base+"&_pragma=synchronous("+sync+")&_pragma=cache_size(-1000)")
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	ck.SetMaxOpenConns(1)
	ck.SetConnMaxIdleTime(0)
	db := &DB{Dialect: SQLite, write: w, read: r, ckpt: startCheckpointer(ck)}
	db.wcache, db.rcache = newStmtCache(w, false), newStmtCache(r, true)
	db.readQ = cachedDB{db: r, c: db.rcache}
	db.writer = newWriter(w, db.wcache, db.ckpt, func() { db.gen.Add(1) })
	return db, nil
}

func openPostgres(ctx context.Context, o Options) (*DB, error) {
	timeout := o.StatementTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	dsn := o.DatabaseURL
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	if !strings.Contains(dsn, "statement_timeout") {
		dsn += sep + "statement_timeout=" + fmt.Sprint(timeout.Milliseconds())
		sep = "&"
	}
	// Statements are prepared once per connection (pgx's cache), but
	// PostgreSQL plans the first executions of each one anew and keeps doing
	// so while the generic plan looks dearer; for these index lookups that
	// planning cost more than running them (an inbox page: 1.1 ms of
	// planning for 0.3 ms of execution). Generic plans halved the database's
	// CPU per inbox read.
	if !strings.Contains(dsn, "plan_cache_mode") {
		dsn += sep + "plan_cache_mode=force_generic_plan"
	}
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	n := o.MaxOpenConns
	if n <= 0 {
		n = 20
	}
	p.SetMaxOpenConns(n)
	p.SetMaxIdleConns(n)
	idle := o.ConnMaxIdleTime
	if idle == 0 {
		idle = 5 * time.Minute
	}
	p.SetConnMaxIdleTime(idle)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("store: connect postgres %s: %w", redact(o.DatabaseURL), err)
	}
	// Reads outside a transaction (lists, details, the key and cache
	// checks) have a pool of their own, of about as many connections as
	// the cores can run: a read is CPU work for the database, and sixteen
	// of them at once on two cores only take turns inside PostgreSQL, each
	// taking longer, where here they wait their turn in order. Writes keep
	// the larger pool: they mostly wait for the disk, and more of them
	// share a flush. (Measured on 2 cores, one pool of 4 against one of
	// 20: inbox reads 2,714 -> 3,385 per second, p99 16.3 -> 14.2 ms, but
	// runs 581 -> 419 per second; hence two pools.)
	rn := o.ReadConns
	if rn <= 0 {
		rn = max(4, 2*runtime.GOMAXPROCS(0))
	}
	r, err := sql.Open("pgx", dsn)
	if err != nil {
		p.Close()
		return nil, err
	}
	r.SetMaxOpenConns(rn)
	r.SetMaxIdleConns(rn)
	r.SetConnMaxIdleTime(idle)
	return &DB{Dialect: Postgres, write: p, read: r, readQ: r}, nil
}

// Close closes the pools (after the writer drained).
func (db *DB) Close() error {
	if db.writer != nil {
		db.writer.close()
		db.wcache.close()
		db.rcache.close()
	}
	if db.ckpt != nil {
		db.ckpt.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		if e := db.read.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Read returns the pool for queries outside a write transaction.
func (db *DB) Read() *Q {
	q := &Q{q: db.readQ, d: db.Dialect, noChecklists: db.noChecklists}
	if db.Dialect == Postgres {
		q.pool = db.read
	}
	return q
}

// SetChecklistHint installs hint, true for a template version known to
// have no checklist: its workflows then have no checklist item and loading
// them skips that query. Set it before the database is used.
func (db *DB) SetChecklistHint(hint func(templateVersionID int64) bool) { db.noChecklists = hint }

// OnReadPool reports whether q reads committed data through the read pool
// (not a transaction, which may see its own uncommitted changes).
func (db *DB) OnReadPool(q *Q) bool { return q.q == db.readQ }

// Q runs the store's queries on a pool or a transaction.
type Q struct {
	q            Querier
	d            Dialect
	noChecklists func(templateVersionID int64) bool
	stamp        *int64 // see WithGenStamp
	// pool is the PostgreSQL read pool, from which a workflow load takes a
	// connection for its pipelined batch (pipeline.go); nil elsewhere.
	pool *sql.DB
}

// genColumn reads the cache generation (PostgreSQL, migration 0011)
// as one more column of a statement: an InitPlan, evaluated once.
const genColumn = "(SELECT gen FROM cache_generation WHERE id = 1)"

// WithGenStamp returns a Q whose workflow loads and task-list pages also
// read, on PostgreSQL and in the same statement (so the same snapshot),
// the cache generation (migration 0011): what a server keeps of users,
// keys, groups and subscriptions, read at that generation, is then known
// to hold for what the statement read. GenStamp answers it.
func (q *Q) WithGenStamp() *Q {
	c := *q
	if c.d == Postgres {
		c.stamp = new(int64)
		*c.stamp = -1
	}
	return &c
}

// GenStamp is the cache generation read by the last stamped statement;
// ok is false when none was read (SQLite, or no such statement ran).
func (q *Q) GenStamp() (gen int64, ok bool) {
	if q.stamp == nil || *q.stamp < 0 {
		return 0, false
	}
	return *q.stamp, true
}

// stamped is the extra select-list item and scan destination of a
// stamped statement ("" and nil when q is not stamped).
func (q *Q) stamped() (col string, dest any) {
	if q.stamp == nil {
		return "", nil
	}
	return ", " + genColumn, q.stamp
}

// Dialect of the database behind q.
func (q *Q) Dialect() Dialect { return q.d }

// Write runs fn in a write transaction and commits it. On SQLite several
// callers' functions may share one commit (group commit); each runs inside
// its own savepoint, so an error rolls back only its own work. fn must only
// use the Q it is given.
func (db *DB) Write(ctx context.Context, fn func(q *Q) error) error {
	if db.writer != nil {
		return db.writer.do(ctx, true, func(tx *sql.Tx) error {
			db.gen.Add(1)
			return fn(&Q{q: cachedTx{tx: tx, c: db.wcache}, d: SQLite, noChecklists: db.noChecklists})
		})
	}
	return db.writeRetrying(ctx, fn)
}

// Generation is the count of writes other than WriteWorkflow's, where one
// process holds every writer (SQLite); ok is false on PostgreSQL. Read it
// before reading: if it is the same later, nothing but workflow aggregates
// has changed since — a change prepared on a read snapshot may then be
// written by WriteWorkflow (see Unchanged), and what was read of users,
// keys, groups or templates may be served again.
func (db *DB) Generation() (gen int64, ok bool) {
	if db.writer == nil {
		return 0, false
	}
	return db.gen.Load(), true
}

// Unchanged is true, inside a WriteWorkflow, when no other kind of write
// has started or committed since Generation returned gen: what was read then
// besides the workflow itself (users, groups, templates) still holds.
//
// Besides the generation it checks that the current group commit holds no
// such write: one run earlier in the same batch is uncommitted, so it was
// in no snapshot read meanwhile, whatever the generation says.
func (db *DB) Unchanged(gen int64) bool {
	return db.gen.Load() == gen && (db.writer == nil || !db.writer.bumped)
}

// WriteWorkflow is Write for changes confined to workflow aggregates and
// what they record (events, jobs, webhook deliveries, idempotent answers):
// it leaves the generation alone, so concurrent prepared changes of other
// workflows stay valid. A workflow's own revision guards the aggregate.
func (db *DB) WriteWorkflow(ctx context.Context, fn func(q *Q) error) error {
	if db.writer != nil {
		return db.writer.do(ctx, false, func(tx *sql.Tx) error {
			return fn(&Q{q: cachedTx{tx: tx, c: db.wcache}, d: SQLite, noChecklists: db.noChecklists})
		})
	}
	return db.writeRetrying(ctx, fn)
}

func (db *DB) writeRetrying(ctx context.Context, fn func(q *Q) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.writeOnce(ctx, fn)
		if !isRetryable(err) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
	}
	return err
}

func (db *DB) writeOnce(ctx context.Context, fn func(q *Q) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(&Q{q: tx, d: db.Dialect, noChecklists: db.noChecklists}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// isRetryable is true for PostgreSQL serialization failures and deadlocks.
func isRetryable(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "40001" || pg.Code == "40P01"
	}
	return false
}

// IsUniqueViolation classifies a unique-constraint error on both databases.
func IsUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == 2067 || se.Code() == 1555
	}
	return false
}

func redact(u string) string {
	if i := strings.Index(u, "@"); i > 0 {
		if j := strings.Index(u, "://"); j > 0 && j < i {
			return u[:j+3] + "…" + u[i:]
		}
	}
	return u
}

// Micros converts a time to the stored form.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// MicrosPtr converts an optional time to the stored form.
func MicrosPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

// FromMicros converts a stored instant.
func FromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// FromNullMicros converts a nullable stored instant.
func FromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := FromMicros(v.Int64)
	return &t
}

func errNotFound() error { return problem.Notfound() }
