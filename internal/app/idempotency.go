package app

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// IdempotencyTTL is how long the answer to a keyed request is replayed.
const IdempotencyTTL = 24 * time.Hour

// purgeEvery spaces the deletions of expired answers made by one process.
const purgeEvery = 10 * time.Minute

// Idempotency describes a request sent with an Idempotency-Key.
type Idempotency struct {
	Route string // the route pattern, e.g. "POST /templates/{id}/run"
	Key   string // the header's value
	Hash  string // fingerprint of the request (path and body)
	// Render turns the use case's result into the HTTP answer. It runs
	// inside the use case's write transaction, so that the stored answer
	// commits together with the change, or neither does.
	Render func(result any) (status int, body []byte, err error)
}

// Answer is an HTTP answer, stored or fresh.
type Answer struct {
	Status   int
	Body     []byte
	Replayed bool // a stored answer to an earlier request
}

// ErrIdempotencyKeyReused is a key sent again with a different request.
var ErrIdempotencyKeyReused = problem.Field("Idempotency-Key",
	"This Idempotency-Key was already used for a different request (another path or body).")

// errKeyTaken aborts a transaction whose key a concurrent twin stored first.
var errKeyTaken = errors.New("app: idempotency key taken by a concurrent request")

type idemCtxKey struct{}

// idemScope travels in the context of a keyed call down to remember.
type idemScope struct {
	Idempotency
	actor  *Actor
	answer *Answer // set by remember when the transaction stored it
}

// Idempotent runs call at most once per (user, route, key) within
// IdempotencyTTL. The first successful call stores its answer in its own
// write transaction (see remember); later calls with the same key get that
// answer without running. A twin running at the same time waits for the
// first (SQLite has one writer; on PostgreSQL the workflow row lock or the
// key's primary key make it wait), fails on the state the first left or on
// the key, and then gets the first's answer. Failed calls store nothing:
// they changed nothing, so a retry simply runs again.
func (s *Service) Idempotent(ctx context.Context, a *Actor, in Idempotency, call func(ctx context.Context) (any, error)) (*Answer, error) {
	if ans, err := s.storedAnswer(ctx, a, in); ans != nil || err != nil {
		return ans, err
	}
	sc := &idemScope{Idempotency: in, actor: a}
	res, err := call(context.WithValue(ctx, idemCtxKey{}, sc))
	if err != nil {
		if ans, err2 := s.storedAnswer(ctx, a, in); err2 != nil || ans != nil {
			return ans, err2
		}
		if errors.Is(err, errKeyTaken) {
			// The twin's record expired between its commit and our read:
			// nothing better to say than that the request was a duplicate.
			return nil, &problem.Error{Kind: problem.Conflict, Message: "A request with this Idempotency-Key was processed concurrently; retry it."}
		}
		return nil, err
	}
	s.purgeIdempotency(ctx)
	if sc.answer != nil {
		return sc.answer, nil
	}
	// The use case wrote nothing (it has no write transaction of its own to
	// join): there is nothing to do twice, so render without storing.
	status, body, err := in.Render(res)
	if err != nil {
		return nil, err
	}
	return &Answer{Status: status, Body: body}, nil
}

// storedAnswer is the live answer under the key, or nil; a record of a
// different request is ErrIdempotencyKeyReused.
func (s *Service) storedAnswer(ctx context.Context, a *Actor, in Idempotency) (*Answer, error) {
	rec, err := s.db.Read().IdempotencyRecord(ctx, a.User.ID, in.Route, in.Key, s.Now().Add(-IdempotencyTTL))
	if err != nil || rec == nil {
		return nil, err
	}
	if rec.RequestHash != in.Hash {
		return nil, ErrIdempotencyKeyReused
	}
	return &Answer{Status: rec.Status, Body: []byte(rec.Body), Replayed: true}, nil
}

// remember stores the answer of a keyed call in the use case's write
// transaction q, at the end of its work. Use cases call it with their
// result; without a key in ctx it does nothing.
func (s *Service) remember(ctx context.Context, q *store.Q, result any) error {
	sc, _ := ctx.Value(idemCtxKey{}).(*idemScope)
	if sc == nil {
		return nil
	}
	status, body, err := sc.Render(result)
	if err != nil {
		return err
	}
	now := s.Now()
	ok, err := q.InsertIdempotencyRecord(ctx, store.IdempotencyRecord{AccountID: sc.actor.AccountID(), UserID: sc.actor.User.ID,
		Key: sc.Key, Route: sc.Route, RequestHash: sc.Hash, Status: status, Body: string(body), Created: now},
		now.Add(-IdempotencyTTL))
	if err != nil {
		return err
	}
	if !ok {
		return errKeyTaken // roll back this twin's change
	}
	sc.answer = &Answer{Status: status, Body: body}
	return nil
}

var lastPurge atomic.Int64 // unix nanos of this process' last purge

// purgeIdempotency deletes expired answers, at most every purgeEvery per
// process; reads ignore expired answers anyway, so this only bounds the
// table (one indexed DELETE, after the caller's change committed). It is
// best effort: a failure is logged and the next purge tries again.
func (s *Service) purgeIdempotency(ctx context.Context) {
	now := time.Now().UnixNano()
	last := lastPurge.Load()
	if now-last < int64(purgeEvery) || !lastPurge.CompareAndSwap(last, now) {
		return
	}
	if _, err := s.PurgeIdempotency(context.WithoutCancel(ctx)); err != nil {
		s.log.WarnContext(ctx, "idempotency: purge", "err", err)
	}
}

// PurgeIdempotency deletes the answers older than IdempotencyTTL now
// (tests, and operators who want it on a schedule).
func (s *Service) PurgeIdempotency(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(q *store.Q) error {
		var err error
		n, err = q.PurgeIdempotencyRecords(ctx, s.Now().Add(-IdempotencyTTL))
		return err
	})
	return n, err
}
