package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// IdempotencyRecord is the stored answer to a request sent with an
// Idempotency-Key, kept per (user, route, key).
type IdempotencyRecord struct {
	AccountID   int64
	UserID      int64
	Key         string
	Route       string
	RequestHash string
	Status      int
	Body        string
	Created     time.Time
}

// IdempotencyRecord returns the answer stored under (user, route, key) no
// older than since, or nil.
func (q *Q) IdempotencyRecord(ctx context.Context, userID int64, route, key string, since time.Time) (*IdempotencyRecord, error) {
	r := &IdempotencyRecord{UserID: userID, Route: route, Key: key}
	var created int64
	err := q.q.QueryRowContext(ctx, `SELECT account_id, request_hash, status, body, date_created FROM idempotency_keys
		WHERE user_id = $1 AND route = $2 AND idem_key = $3 AND date_created >= $4`, userID, route, key, Micros(since)).
		Scan(&r.AccountID, &r.RequestHash, &r.Status, &r.Body, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r.Created = FromMicros(created)
	return r, nil
}

// InsertIdempotencyRecord stores an answer in the caller's transaction. It
// first drops an expired record under the same key (older than
// expiredBefore), which the purge may not have reached yet. It returns
// false, storing nothing, when a live record holds the key already (a
// concurrent twin committed first; on PostgreSQL the insert waits for the
// twin's transaction to end).
func (q *Q) InsertIdempotencyRecord(ctx context.Context, r IdempotencyRecord, expiredBefore time.Time) (bool, error) {
	if _, err := q.q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE user_id = $1 AND route = $2 AND idem_key = $3
		AND date_created < $4`, r.UserID, r.Route, r.Key, Micros(expiredBefore)); err != nil {
		return false, err
	}
	res, err := q.q.ExecContext(ctx, `INSERT INTO idempotency_keys (account_id, user_id, idem_key, route, request_hash, status, body,
		date_created) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id, route, idem_key) DO NOTHING`,
		r.AccountID, r.UserID, r.Key, r.Route, r.RequestHash, r.Status, r.Body, Micros(r.Created))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PurgeIdempotencyRecords deletes the answers stored before before.
func (q *Q) PurgeIdempotencyRecords(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE date_created < $1`, Micros(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
