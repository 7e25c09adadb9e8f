package store

import (
	"context"
	"database/sql"
	"time"
)

// Job is a claimed background job.
type Job struct {
	ID       int64
	Kind     string
	Args     []byte
	Attempts int
}

// InsertJob queues a job in the caller's transaction. A non-empty uniqueKey
// makes the insert a no-op when a job with that key already exists.
func (q *Q) InsertJob(ctx context.Context, kind string, args []byte, runAt time.Time, uniqueKey string, now time.Time) error {
	var key any
	if uniqueKey != "" {
		key = uniqueKey
	}
	_, err := q.q.ExecContext(ctx, `INSERT INTO jobs (kind, args, run_at, unique_key, date_created) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (unique_key) DO NOTHING`, kind, string(args), Micros(runAt), key, Micros(now))
	return err
}

// NextJobAt is the earliest run time of a job no worker holds (nil: none).
func (q *Q) NextJobAt(ctx context.Context, now time.Time) (*time.Time, error) {
	var v sql.NullInt64
	err := q.q.QueryRowContext(ctx, `SELECT MIN(run_at) FROM jobs WHERE locked_until IS NULL OR locked_until < $1`, Micros(now)).Scan(&v)
	return FromNullMicros(v), err
}

// ClaimJobs locks up to n due jobs for a worker for the lease.
func (q *Q) ClaimJobs(ctx context.Context, worker string, n int, now time.Time, lease time.Duration) ([]Job, error) {
	skip := ""
	if q.d == Postgres {
		skip = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := q.q.QueryContext(ctx, `UPDATE jobs SET locked_until = $1, locked_by = $2, attempts = attempts + 1
		WHERE id IN (SELECT id FROM jobs WHERE run_at <= $3 AND (locked_until IS NULL OR locked_until < $3)
		ORDER BY run_at, id LIMIT $4`+skip+`) RETURNING id, kind, args, attempts`,
		Micros(now.Add(lease)), worker, Micros(now), n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		var j Job
		var args string
		if err := rows.Scan(&j.ID, &j.Kind, &args, &j.Attempts); err != nil {
			return nil, err
		}
		j.Args = []byte(args)
		out = append(out, j)
	}
	return out, rows.Err()
}

// FinishJob removes a done job.
func (q *Q) FinishJob(ctx context.Context, id int64, worker string) error {
	_, err := q.q.ExecContext(ctx, `DELETE FROM jobs WHERE id = $1 AND locked_by = $2`, id, worker)
	return err
}

// RescheduleJob releases a job to run again at runAt.
func (q *Q) RescheduleJob(ctx context.Context, id int64, worker string, runAt time.Time, lastError string) error {
	_, err := q.q.ExecContext(ctx, `UPDATE jobs SET locked_until = NULL, locked_by = NULL, run_at = $1, last_error = $2
		WHERE id = $3 AND locked_by = $4`, Micros(runAt), nullString(lastError), id, worker)
	return err
}

// ResetJobAttempts sets a periodic job's attempt count back to zero.
func (q *Q) ResetJobAttempts(ctx context.Context, id int64) error {
	_, err := q.q.ExecContext(ctx, `UPDATE jobs SET attempts = 0 WHERE id = $1`, id)
	return err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CountJobs counts queued jobs (tests and status).
func (q *Q) CountJobs(ctx context.Context, kind string) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = $1`, kind).Scan(&n)
	return n, err
}
