// Package jobs runs durable background work stored in the jobs table: a job
// is queued in the same transaction as the change that causes it, claimed
// by one worker of the cluster under a lease, and deleted when done. A crash
// loses nothing: an expired lease makes the job claimable again.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// Handler works one job. Returning nil deletes the job; a *Retry error
// reschedules it; any other error reschedules it with exponential backoff.
type Handler func(ctx context.Context, args json.RawMessage, attempt int) error

// Retry asks for the job to run again at At (or to be dropped if Drop).
type Retry struct {
	At   time.Time
	Drop bool
	Err  error
}

func (r *Retry) Error() string {
	if r.Err != nil {
		return r.Err.Error()
	}
	return "retry"
}

// Enqueue queues a job inside the caller's transaction.
func Enqueue(ctx context.Context, q *store.Q, kind string, args any, runAt, now time.Time, uniqueKey string) error {
	b, err := json.Marshal(args)
	if err != nil {
		return err
	}
	return q.InsertJob(ctx, kind, b, runAt, uniqueKey, now)
}

// Runner polls for due jobs and works them.
type Runner struct {
	db       *store.DB
	now      func() time.Time
	log      *slog.Logger
	handlers map[string]Handler
	worker   string
	wake     chan struct{}
	lease    time.Duration
	parallel int
	wg       sync.WaitGroup
}

// NewRunner builds a runner; register handlers before Run.
func NewRunner(db *store.DB, now func() time.Time, log *slog.Logger) *Runner {
	host, _ := os.Hostname()
	return &Runner{db: db, now: now, log: log, handlers: map[string]Handler{},
		worker: fmt.Sprintf("%s-%d-%d", host, os.Getpid(), rand.Int64()), wake: make(chan struct{}, 1),
		lease: 2 * time.Minute, parallel: 8}
}

// Handle registers the handler of a job kind.
func (r *Runner) Handle(kind string, h Handler) { r.handlers[kind] = h }

// Notify wakes the runner (after a commit that queued a job).
func (r *Runner) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// maxIdle bounds the wait between polls, so jobs queued by another server
// (or scheduled for later) are picked up within a second.
const maxIdle = time.Second

// Run works jobs until ctx is cancelled, then waits for running handlers.
func (r *Runner) Run(ctx context.Context) {
	sem := make(chan struct{}, r.parallel)
	for {
		wait := r.poll(ctx, sem)
		select {
		case <-ctx.Done():
			r.wg.Wait()
			return
		case <-r.wake:
		case <-time.After(wait):
		}
	}
}

// poll claims and starts due jobs; it returns how long to wait next.
func (r *Runner) poll(ctx context.Context, sem chan struct{}) time.Duration {
	now := r.now()
	next, err := r.db.Read().NextJobAt(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("jobs: poll", "err", err)
		}
		return maxIdle
	}
	if next == nil {
		return maxIdle
	}
	if d := next.Sub(now); d > 0 {
		return min(d, maxIdle)
	}
	free := cap(sem) - len(sem)
	if free == 0 {
		return 50 * time.Millisecond
	}
	var claimed []store.Job
	err = r.db.Write(ctx, func(q *store.Q) error {
		var err error
		claimed, err = q.ClaimJobs(ctx, r.worker, free, now, r.lease)
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			r.log.Warn("jobs: claim", "err", err)
		}
		return maxIdle
	}
	for _, j := range claimed {
		sem <- struct{}{}
		r.wg.Add(1)
		go func(j store.Job) {
			defer func() { <-sem; r.wg.Done() }()
			r.work(j)
		}(j)
	}
	if len(claimed) == free {
		return 0 // there may be more
	}
	return 10 * time.Millisecond
}

// work runs one job on a context of its own: a shutdown lets it finish.
func (r *Runner) work(j store.Job) {
	ctx, cancel := context.WithTimeout(context.Background(), r.lease/2)
	defer cancel()
	h := r.handlers[j.Kind]
	var err error
	if h == nil {
		err = &Retry{Drop: true, Err: fmt.Errorf("no handler for job kind %q", j.Kind)}
	} else {
		err = safe(func() error { return h(ctx, json.RawMessage(j.Args), j.Attempts) })
	}
	now := r.now()
	werr := r.db.Write(context.Background(), func(q *store.Q) error {
		if err == nil {
			return q.FinishJob(context.Background(), j.ID, r.worker)
		}
		var rt *Retry
		if errors.As(err, &rt) {
			if rt.Drop {
				return q.FinishJob(context.Background(), j.ID, r.worker)
			}
			return q.RescheduleJob(context.Background(), j.ID, r.worker, rt.At, rt.Error())
		}
		return q.RescheduleJob(context.Background(), j.ID, r.worker, now.Add(Backoff(j.Attempts)), err.Error())
	})
	if err != nil {
		var rt *Retry
		if !errors.As(err, &rt) || rt.Err != nil {
			r.log.Warn("jobs: job failed", "kind", j.Kind, "id", j.ID, "attempt", j.Attempts, "err", err)
		}
	}
	if werr != nil {
		r.log.Error("jobs: record result", "kind", j.Kind, "id", j.ID, "err", werr)
	}
}

func safe(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn()
}

// Backoff is exponential from 5 s, capped at 1 h, with ±25% jitter.
func Backoff(attempt int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	jitter := time.Duration(rand.Int64N(int64(d) / 2))
	return d - d/4 + jitter
}
