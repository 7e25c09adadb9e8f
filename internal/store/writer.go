package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// writer serialises SQLite writes through one goroutine and commits the
// functions that arrive while one runs together (group commit). SQLite has a
// single writer and a commit costs a WAL sync; sharing it between requests is
// what lets the server keep up with many small transactions.
type writer struct {
	db    *sql.DB
	cache *stmtCache
	reqs  chan *writeReq
	quit  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
	// afterCommit runs in the writer after a commit that held a request
	// marked bump, before the next batch starts.
	afterCommit func()
	ckpt        *checkpointer
	// bumped is true while the current batch holds a write marked bump,
	// uncommitted: what it changed is in no read snapshot yet. Only the
	// writer goroutine (and functions it runs) touches it.
	bumped bool
}

type writeReq struct {
	ctx  context.Context
	fn   func(*sql.Tx) error
	bump bool
	err  error
	done chan struct{}
}

// maxBatch bounds one commit, so one slow batch cannot hold many callers.
const maxBatch = 64

var errClosed = errors.New("store: database is closed")

func newWriter(db *sql.DB, cache *stmtCache, ckpt *checkpointer, afterCommit func()) *writer {
	w := &writer{db: db, cache: cache, ckpt: ckpt, afterCommit: afterCommit, reqs: make(chan *writeReq), quit: make(chan struct{})}
	w.wg.Add(1)
	go w.loop()
	return w
}

func (w *writer) do(ctx context.Context, bump bool, fn func(*sql.Tx) error) error {
	r := &writeReq{ctx: ctx, fn: fn, bump: bump, done: make(chan struct{})}
	select {
	case w.reqs <- r:
	case <-w.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	<-r.done
	return r.err
}

func (w *writer) close() {
	w.once.Do(func() { close(w.quit) })
	w.wg.Wait()
}

func (w *writer) loop() {
	defer w.wg.Done()
	for {
		select {
		case r := <-w.reqs:
			w.batch(r)
			// Between transactions the connection is free: prepare what
			// the last batch ran unprepared, and bound the log.
			w.cache.prepareWanted()
			if w.ckpt.overLimit() {
				w.ckpt.writerCheckpoint(w.db)
			}
		case <-w.quit:
			return
		}
	}
}

func (w *writer) batch(first *writeReq) {
	var batch []*writeReq
	finish := func(err error) {
		for _, r := range batch {
			if r.err == nil {
				r.err = err
			}
			close(r.done)
		}
	}
	batch = append(batch, first)
	w.bumped = false
	defer func() { w.bumped = false }()
	tx, err := w.db.BeginTx(context.Background(), nil)
	if err != nil {
		finish(fmt.Errorf("store: begin: %w", err))
		return
	}
	if err := w.run(tx, first); err != nil {
		_ = tx.Rollback()
		finish(err)
		return
	}
	// Take whatever arrived meanwhile into the same commit.
	for len(batch) < maxBatch {
		var r *writeReq
		select {
		case r = <-w.reqs:
		default:
		}
		if r == nil {
			break
		}
		batch = append(batch, r)
		if err := w.run(tx, r); err != nil {
			_ = tx.Rollback()
			finish(err)
			return
		}
	}
	err = tx.Commit()
	if w.afterCommit != nil {
		for _, r := range batch {
			if r.bump {
				w.afterCommit()
				break
			}
		}
	}
	if err != nil {
		finish(fmt.Errorf("store: commit: %w", err))
		return
	}
	finish(nil)
}

// run executes one request inside a savepoint. Its own failure is stored in
// r.err and rolled back to the savepoint; the returned error is a failure of
// the shared transaction itself.
func (w *writer) run(tx *sql.Tx, r *writeReq) error {
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return nil
	}
	ct := cachedTx{tx: tx, c: w.cache}
	w.bumped = w.bumped || r.bump
	if _, err := ct.ExecContext(context.Background(), "SAVEPOINT req"); err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	ferr := call(r.fn, tx)
	if ferr != nil {
		r.err = ferr
		if _, err := ct.ExecContext(context.Background(), "ROLLBACK TO SAVEPOINT req"); err != nil {
			return fmt.Errorf("store: rollback to savepoint: %w", err)
		}
	}
	if _, err := ct.ExecContext(context.Background(), "RELEASE SAVEPOINT req"); err != nil {
		return fmt.Errorf("store: release savepoint: %w", err)
	}
	return nil
}

func call(fn func(*sql.Tx) error, tx *sql.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: panic in transaction: %v", p)
		}
	}()
	return fn(tx)
}
