package httpapi_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/blob"
	"github.com/pneumatic-oss/pneumatic/internal/httpapi"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
)

// testClock is a clock a test moves; it starts at the wall clock so that
// "in the future" checks of the API behave as in production.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// hardEnv is an env with a clock, a blob store (attachments work) and a
// second connection to its database, for snapshots of every table.
type hardEnv struct {
	*env
	clock *testClock
	srv   *httpapi.Server
	raw   *sql.DB // read access to the same database
	pg    bool
	log   *syncBuffer // the server's log output

	verConn   *sql.Conn // SQLite: the connection whose data_version is read
	digestSQL string    // PostgreSQL: the digest query
}

// syncBuffer collects log output from concurrent requests.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newHardEnv(t *testing.T, limits *httpapi.Limits) *hardEnv {
	t.Helper()
	ctx := context.Background()
	h := &hardEnv{clock: &testClock{t: time.Now().UTC()}, log: &syncBuffer{}}
	var db *store.DB
	if base := os.Getenv(storetest.EnvURL); base != "" {
		db, h.raw = openPostgresInspectable(t, base)
		h.pg = true
	} else {
		dir := t.TempDir()
		var err error
		db, err = store.Open(ctx, store.Options{DataDir: dir, SQLiteSynchronous: "NORMAL"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		h.raw, err = sql.Open("sqlite", "file:"+filepath.Join(dir, "pneumatic.db")+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.raw.Close() })
	}
	logger := slog.New(slog.NewJSONHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc := app.New(db, app.Config{PublicURL: publicURL}, h.clock.now, logger)
	bs, err := blob.NewDir(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	svc.SetBlobStore(bs)
	if _, err := svc.Bootstrap(ctx, "owner@example.com", ownerKey); err != nil {
		t.Fatal(err)
	}
	h.srv = httpapi.New(svc, publicURL, logger, nil)
	if limits != nil {
		h.srv.SetLimits(*limits)
	}
	h.env = &env{t: t, svc: svc, h: h.srv, owner: ownerKey}
	return h
}

func openPostgresInspectable(t *testing.T, base string) (*store.DB, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	schema := fmt.Sprintf("h_%d", rand.Int64())
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := store.Open(ctx, store.Options{DatabaseURL: u.String(), MaxOpenConns: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, raw
}

// volatile columns change without a client's write: last_used is touched by
// authentication itself (at most once a minute of the test's frozen clock,
// so only on a key's first use).
var volatileColumns = map[string]bool{"last_used": true}

// mark is a point to compare the database with later (same): nothing
// changed in between when same says so. It must be released.
type mark struct {
	version string  // SQLite: data_version; PostgreSQL: the next transaction id
	tx      *sql.Tx // a read transaction holding the content as it was
}

// mark records the database's state and opens a read transaction that
// keeps seeing the content as it was; same compares. A cheap signal comes
// first: on SQLite PRAGMA data_version of a connection of its own (it
// changes with every commit of another connection), on PostgreSQL the next
// transaction id (any write takes one). Only when it moved (a commit that
// may have written nothing, such as a request rolled back to its savepoint
// inside a group commit, or another test writing to the same PostgreSQL
// cluster) are the two contents digested and compared.
func (h *hardEnv) mark() *mark {
	h.t.Helper()
	m := &mark{version: h.dataVersion()}
	opts := &sql.TxOptions{ReadOnly: true}
	if h.pg {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := h.raw.BeginTx(context.Background(), opts)
	if err != nil {
		h.t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow("SELECT 1").Scan(&n); err != nil { // takes the snapshot
		h.t.Fatal(err)
	}
	m.tx = tx
	return m
}

// same reports whether the database's content is what it was at m, and
// releases m.
func (h *hardEnv) same(m *mark) bool {
	h.t.Helper()
	defer m.tx.Rollback()
	if h.dataVersion() == m.version {
		return true
	}
	return h.digest(m.tx) == h.digest(h.raw)
}

func (h *hardEnv) release(m *mark) {
	if m.tx != nil {
		_ = m.tx.Rollback()
	}
}

func (h *hardEnv) dataVersion() string {
	ctx := context.Background()
	if h.pg {
		var v string
		if err := h.raw.QueryRowContext(ctx, "SELECT pg_snapshot_xmax(pg_current_snapshot())::text").Scan(&v); err != nil {
			h.t.Fatal(err)
		}
		return v
	}
	if h.verConn == nil {
		c, err := h.raw.Conn(ctx)
		if err != nil {
			h.t.Fatal(err)
		}
		h.verConn = c
		h.t.Cleanup(func() { c.Close() })
	}
	var v int64
	if err := h.verConn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		h.t.Fatal(err)
	}
	return fmt.Sprint(v)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// digest hashes every row of every table but volatile columns.
func (h *hardEnv) digest(q querier) string {
	h.t.Helper()
	ctx := context.Background()
	if h.pg {
		if h.digestSQL == "" {
			h.digestSQL = h.buildDigestSQL()
		}
		var d string
		if err := q.QueryRowContext(ctx, h.digestSQL).Scan(&d); err != nil {
			h.t.Fatal(err)
		}
		return d
	}
	rows, err := q.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		h.t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			h.t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	sum := sha256.New()
	for _, tb := range tables {
		rows, err := q.QueryContext(ctx, "SELECT * FROM "+tb)
		if err != nil {
			h.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				h.t.Fatal(err)
			}
			var b strings.Builder
			for i, c := range cols {
				if volatileColumns[c] {
					continue
				}
				if bs, ok := vals[i].([]byte); ok {
					vals[i] = string(bs)
				}
				fmt.Fprintf(&b, "%s=%v;", c, vals[i])
			}
			lines = append(lines, b.String())
		}
		rows.Close()
		sort.Strings(lines) // tables without an id column have no order
		fmt.Fprintf(sum, "%s:%d\n%s\n", tb, len(lines), strings.Join(lines, "\n"))
	}
	return hex.EncodeToString(sum.Sum(nil))
}

func (h *hardEnv) buildDigestSQL() string {
	rows, err := h.raw.Query(`SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	cols := map[string][]string{}
	var tables []string
	for rows.Next() {
		var tb, c string
		if err := rows.Scan(&tb, &c); err != nil {
			h.t.Fatal(err)
		}
		if _, ok := cols[tb]; !ok {
			tables = append(tables, tb)
		}
		if !volatileColumns[c] {
			cols[tb] = append(cols[tb], `"`+c+`"`)
		}
	}
	var parts []string
	for _, tb := range tables {
		row := "row(" + strings.Join(cols[tb], ", ") + ")::text"
		parts = append(parts, fmt.Sprintf(`SELECT '%s:' || count(*) || ':' || coalesce(md5(string_agg(%s, '|' ORDER BY %s)), '') AS x FROM "%s"`,
			tb, row, row, tb))
	}
	return "SELECT md5(string_agg(x, ',' ORDER BY x)) FROM (" + strings.Join(parts, " UNION ALL ") + ") d"
}

// countRows counts the rows of one table.
func (h *hardEnv) countRows(table string) int {
	h.t.Helper()
	var n int
	if err := h.raw.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// registeredRoute is one mux registration of the package.
type registeredRoute struct {
	Method, Pattern string
	Authed          bool // behind s.authed (an API key)
}

func (r registeredRoute) String() string { return r.Method + " " + r.Pattern }

var handleRE = regexp.MustCompile(`Handle\("([A-Z]+) ([^"]+)",\s*s\.(authed|open)(?:Deferred)?\(`)

// registeredRoutes reads the routes from the package's source, so that a
// route added later without a row in the tests' tables fails them.
func registeredRoutes(t *testing.T) []registeredRoute {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []registeredRoute
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range handleRE.FindAllStringSubmatch(string(b), -1) {
			out = append(out, registeredRoute{Method: m[1], Pattern: m[2], Authed: m[3] == "authed"})
		}
	}
	if len(out) < 60 {
		t.Fatalf("found only %d route registrations: has routes.go changed shape?", len(out))
	}
	return out
}

var _ = io.Discard
