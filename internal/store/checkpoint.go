package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointer copies the SQLite write-ahead log back into the database
// file from its own connection. SQLite would otherwise do it inside the
// commit that crosses 1,000 log pages — in the single writer, which then
// stalls every waiting request for the copy and the file sync (a fifth of
// the writer's time under a completion load on 100,000 workflows). A
// PASSIVE checkpoint does not block the writer, which keeps appending.
//
// A PASSIVE checkpoint never finishes while the writer keeps appending, and
// SQLite starts the log over only after one did; so when the log passes
// walLimit frames the writer itself runs one between two batches (with
// nothing appended meanwhile it completes, copying only what this one has
// not yet copied).
type checkpointer struct {
	db     *sql.DB
	quit   chan struct{}
	closed sync.Once
	wg     sync.WaitGroup
	frames atomic.Int64 // log size at the last checkpoint, in pages
}

// walLimit is the log size, in pages (4 KiB), past which the writer
// checkpoints: 16 MiB, four times SQLite's own default.
const walLimit = 4096

// checkpointIdle is the pause after a checkpoint that found nothing to
// copy; after one that did, the next starts at once.
const checkpointIdle = 100 * time.Millisecond

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, quit: make(chan struct{})}
	c.wg.Add(1)
	go c.loop()
	return c
}

func (c *checkpointer) loop() {
	defer c.wg.Done()
	for {
		wait := checkpointIdle
		if c.once() {
			wait = time.Millisecond
		}
		select {
		case <-c.quit:
			return
		case <-time.After(wait):
		}
	}
}

// once runs one PASSIVE checkpoint and reports whether it copied pages.
func (c *checkpointer) once() bool {
	var busy, logFrames, done int
	err := c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done)
	if err != nil {
		return false
	}
	c.frames.Store(int64(logFrames))
	return done > 0 && done < logFrames
}

func (c *checkpointer) close() {
	c.closed.Do(func() {
		close(c.quit)
		c.wg.Wait()
		_ = c.db.Close()
	})
}

// overLimit reports whether the writer should checkpoint now.
func (c *checkpointer) overLimit() bool { return c != nil && c.frames.Load() > walLimit }

// writerCheckpoint runs a PASSIVE checkpoint on the writer's connection
// between batches.
func (c *checkpointer) writerCheckpoint(w *sql.DB) {
	var busy, logFrames, done int
	if err := w.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done); err == nil && done == logFrames {
		c.frames.Store(0)
	}
}
