package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
)

// PostgreSQL pipelining. On PostgreSQL every statement sent through
// database/sql is a round trip: the server's and the database's time goes
// into waking each other up rather than into the statements. pgx can send
// several statements at once (a batch, answered in one round trip), which
// database/sql cannot express; these helpers use it on a connection taken
// from the pool, where the statements need no answer before the next is
// sent: a workflow's row, tasks and fields (all keyed by its id), and a
// change's writes, which go with its COMMIT.

// withPgx runs fn with the pgx connection behind c.
func withPgx(c *sql.Conn, fn func(pc *pgx.Conn) error) error {
	return c.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: not a pgx connection: %T", dc)
		}
		return fn(sc.Conn())
	})
}

// loadWorkflowPiped is loadWorkflow in one round trip: the workflow's row,
// its tasks and its fields in one batch. On a change's connection (c not
// nil) the batch opens the transaction too; on the read pool (c nil) it
// takes a connection of its own. What only some workflows need
// (checklists, attachments) follows as ordinary statements.
func (q *Q) loadWorkflowPiped(ctx context.Context, c *sql.Conn, accountID, id int64, forUpdate, withTemplate bool, publicURL string) (*engine.Workflow, *TemplateMeta, error) {
	begin := c != nil
	if c == nil {
		var err error
		if c, err = q.pool.Conn(ctx); err != nil {
			return nil, nil, err
		}
		defer c.Close()
	}
	wq := q.workflowQuery(accountID, id, forUpdate, withTemplate)
	pl := newPartsLoad([]*engine.Workflow{{ID: id}}, publicURL)
	tq, targs := pl.tasksQuery()
	fq, fargs := pl.fieldsQuery()
	var wf *engine.Workflow
	var m *TemplateMeta
	err := withPgx(c, func(pc *pgx.Conn) (err error) {
		b := &pgx.Batch{}
		if begin {
			b.Queue("BEGIN")
		}
		b.Queue(wq.query, wq.args...)
		b.Queue(tq, targs...)
		b.Queue(fq, fargs...)
		br := pc.SendBatch(ctx, b)
		defer func() {
			if cerr := br.Close(); err == nil {
				err = cerr
			}
		}()
		if begin {
			if _, err := br.Exec(); err != nil {
				return err
			}
		}
		if wf, m, err = wq.scan(br.QueryRow()); err != nil {
			return err
		}
		pl.adopt(wf)
		for _, scan := range []func(rowScanner) error{pl.scanTasks, pl.scanFields} {
			rows, err := br.Query()
			if err != nil {
				return err
			}
			err = scan(rows)
			rows.Close()
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return wf, m, pl.finish(ctx, q)
}

// scanRows runs a query and hands its rows to scan. On the PostgreSQL read
// pool it goes through pgx itself, which scans into typed destinations;
// database/sql boxes every value of every row first (the inbox page's
// allocations were mostly that).
func (q *Q) scanRows(ctx context.Context, query string, args []any, scan func(rowScanner) error) error {
	if q.pool == nil {
		rows, err := q.q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return scan(rows)
	}
	c, err := q.pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return withPgx(c, func(pc *pgx.Conn) error {
		rows, err := pc.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return scan(rows)
	})
}

// adopt puts the loaded workflow in the place of the one the queries were
// built for (same id).
func (pl *partsLoad) adopt(wf *engine.Workflow) {
	pl.wfs = []*engine.Workflow{wf}
	pl.byWF = map[int64]*engine.Workflow{wf.ID: wf}
}

// ChangeWorkflow runs fn in a write transaction that begins with the
// workflow's load for update (LoadWorkflowAndTemplate, stamped: see
// WithGenStamp), with what fn writes confined to workflow aggregates as in
// WriteWorkflow. On PostgreSQL the BEGIN and the load are one round trip,
// and fn's writes (statements whose results nobody reads before the
// commit) are sent with the COMMIT, in one more; a statement fn reads
// sends the writes queued before it first.
func (db *DB) ChangeWorkflow(ctx context.Context, accountID, id int64, publicURL string,
	fn func(q *Q, wf *engine.Workflow, m *TemplateMeta) error) error {
	if db.Dialect != Postgres {
		return db.WriteWorkflow(ctx, func(q *Q) error {
			q = q.WithGenStamp()
			wf, m, err := q.LoadWorkflowAndTemplate(ctx, accountID, id, true, publicURL)
			if err != nil {
				return err
			}
			return fn(q, wf, m)
		})
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = db.changeOnce(ctx, accountID, id, publicURL, fn)
		if !isRetryable(err) {
			return err
		}
	}
	return err
}

func (db *DB) changeOnce(ctx context.Context, accountID, id int64, publicURL string,
	fn func(q *Q, wf *engine.Workflow, m *TemplateMeta) error) (err error) {
	c, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	p := &pipedConn{c: c}
	defer func() {
		if err != nil {
			if p.err != nil {
				err = p.err // the first failure, not the aborted transaction's
			}
			// A failed ROLLBACK leaves the transaction open: the pool
			// then drops the connection (stdlib's ResetSession).
			_, _ = c.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	q := (&Q{q: p, d: Postgres, noChecklists: db.noChecklists}).WithGenStamp()
	wf, m, err := q.loadWorkflowPiped(ctx, c, accountID, id, true, true, publicURL)
	if err != nil {
		return err
	}
	if err := fn(q, wf, m); err != nil {
		return err
	}
	p.queue("COMMIT", nil)
	return p.flush(ctx)
}

// pipedConn is a Querier on one connection in a transaction that holds
// back statements executed for their effect and sends them in one batch
// with the next statement that answers rows (or with the COMMIT).
type pipedConn struct {
	c       *sql.Conn
	pending []pendingStmt
	err     error // the first failure of a batch: the transaction is aborted
}

type pendingStmt struct {
	query string
	args  []any
	res   *pendingResult
}

// pendingResult is the result of a held-back statement: asking for its
// rows affected sends it.
type pendingResult struct {
	p    *pipedConn
	n    int64
	sent bool
}

func (r *pendingResult) LastInsertId() (int64, error) {
	return 0, errors.New("store: LastInsertId is not supported on PostgreSQL")
}

func (r *pendingResult) RowsAffected() (int64, error) {
	if !r.sent {
		if err := r.p.flush(context.Background()); err != nil {
			return 0, err
		}
	}
	return r.n, nil
}

func (p *pipedConn) queue(query string, args []any) *pendingResult {
	r := &pendingResult{p: p}
	p.pending = append(p.pending, pendingStmt{query: query, args: args, res: r})
	return r
}

// flush sends the held-back statements in one round trip.
func (p *pipedConn) flush(ctx context.Context) error {
	if p.err != nil {
		return p.err
	}
	if len(p.pending) == 0 {
		return nil
	}
	pending := p.pending
	p.pending = nil
	err := withPgx(p.c, func(pc *pgx.Conn) (err error) {
		b := &pgx.Batch{}
		for _, s := range pending {
			b.Queue(s.query, s.args...)
		}
		br := pc.SendBatch(ctx, b)
		defer func() {
			if cerr := br.Close(); err == nil {
				err = cerr
			}
		}()
		for _, s := range pending {
			tag, err := br.Exec()
			if err != nil {
				return err
			}
			s.res.n, s.res.sent = tag.RowsAffected(), true
		}
		return nil
	})
	if err != nil {
		p.err = err
	}
	return err
}

func (p *pipedConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if p.err != nil {
		return nil, p.err
	}
	return p.queue(query, args), nil
}

func (p *pipedConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := p.flush(ctx); err != nil {
		return nil, err
	}
	return p.c.QueryContext(ctx, query, args...)
}

// QueryRowContext cannot answer a failed flush itself (sql.Row has no
// constructor): the statement then fails as the aborted transaction's
// next one, and ChangeWorkflow reports the flush's error.
func (p *pipedConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	_ = p.flush(ctx)
	return p.c.QueryRowContext(ctx, query, args...)
}
