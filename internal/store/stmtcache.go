package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements per SQL text. modernc's SQLite
// compiles every statement it is handed anew; under load the SQL parser
// was about a third of the server's CPU. PostgreSQL needs none of this:
// pgx caches prepared statements itself.
//
// On the write pool (one connection, held by the writer's transaction) a
// statement cannot be prepared while a transaction runs — that would wait
// for the very connection the transaction holds. So a miss there is run
// unprepared and only noted; the writer prepares the noted statements
// between two transactions, when the connection is free.
type stmtCache struct {
	db     *sql.DB
	lazy   bool // prepare on a miss (read pool) rather than between transactions
	mu     sync.RWMutex
	stmts  map[string]*sql.Stmt
	wanted map[string]struct{}
}

// maxStmts bounds the cache: queries built with variable IN lists have
// many texts, and those are simply not cached past the bound.
const maxStmts = 512

func newStmtCache(db *sql.DB, lazy bool) *stmtCache {
	return &stmtCache{db: db, lazy: lazy, stmts: map[string]*sql.Stmt{}, wanted: map[string]struct{}{}}
}

func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.RLock()
	st := c.stmts[query]
	full := len(c.stmts)+len(c.wanted) >= maxStmts
	c.mu.RUnlock()
	if st != nil || full {
		return st
	}
	if !c.lazy {
		c.mu.Lock()
		c.wanted[query] = struct{}{}
		c.mu.Unlock()
		return nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.stmts[query]; prev != nil {
		st.Close()
		return prev
	}
	c.stmts[query] = st
	return st
}

// prepareWanted prepares the statements noted during transactions; the
// caller guarantees that no transaction holds the connection.
func (c *stmtCache) prepareWanted() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q := range c.wanted {
		if st, err := c.db.PrepareContext(context.Background(), q); err == nil {
			c.stmts[q] = st
		}
		delete(c.wanted, q)
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		st.Close()
		delete(c.stmts, q)
	}
}

// cachedTx runs a transaction's statements through the cache.
type cachedTx struct {
	tx *sql.Tx
	c  *stmtCache
}

func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.c.get(ctx, query); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t cachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.c.get(ctx, query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.c.get(ctx, query); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// cachedDB runs pool queries through the cache.
type cachedDB struct {
	db *sql.DB
	c  *stmtCache
}

func (d cachedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := d.c.get(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.db.ExecContext(ctx, query, args...)
}

func (d cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.c.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.db.QueryContext(ctx, query, args...)
}

func (d cachedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := d.c.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.db.QueryRowContext(ctx, query, args...)
}
