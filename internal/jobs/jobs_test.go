package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
)

func enqueue(t *testing.T, db *store.DB, kind string, args any, at time.Time, key string) {
	t.Helper()
	err := db.Write(context.Background(), func(q *store.Q) error {
		return Enqueue(context.Background(), q, kind, args, at, time.Now(), key)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestJobRunsOnceAndIsDeleted(t *testing.T) {
	db := storetest.Open(t)
	r := NewRunner(db, time.Now, slog.Default())
	var runs atomic.Int32
	var got struct{ N int }
	var mu sync.Mutex
	r.Handle("k", func(ctx context.Context, args json.RawMessage, attempt int) error {
		mu.Lock()
		defer mu.Unlock()
		runs.Add(1)
		return json.Unmarshal(args, &got)
	})
	enqueue(t, db, "k", map[string]int{"N": 7}, time.Now(), "")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	waitFor(t, "the job", func() bool { return runs.Load() == 1 })
	waitFor(t, "the row to go", func() bool {
		n, _ := db.Read().CountJobs(context.Background(), "k")
		return n == 0
	})
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if got.N != 7 || runs.Load() != 1 {
		t.Fatalf("runs=%d args=%+v", runs.Load(), got)
	}
}

func TestFailedJobIsRetriedThenDropped(t *testing.T) {
	db := storetest.Open(t)
	r := NewRunner(db, time.Now, slog.Default())
	var attempts []int
	var mu sync.Mutex
	r.Handle("flaky", func(ctx context.Context, args json.RawMessage, attempt int) error {
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, attempt)
		if attempt < 3 {
			return &Retry{At: time.Now(), Err: errors.New("not yet")}
		}
		return nil
	})
	enqueue(t, db, "flaky", struct{}{}, time.Now(), "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	waitFor(t, "three attempts", func() bool {
		n, _ := db.Read().CountJobs(context.Background(), "flaky")
		return n == 0
	})
	mu.Lock()
	defer mu.Unlock()
	if len(attempts) != 3 || attempts[0] != 1 || attempts[2] != 3 {
		t.Fatalf("attempts = %v, want [1 2 3]", attempts)
	}
}

func TestFutureJobWaitsAndUniqueKeyDedupes(t *testing.T) {
	db := storetest.Open(t)
	at := time.Now().Add(400 * time.Millisecond)
	enqueue(t, db, "later", struct{}{}, at, "only-one")
	enqueue(t, db, "later", struct{}{}, at, "only-one")
	if n, _ := db.Read().CountJobs(context.Background(), "later"); n != 1 {
		t.Fatalf("unique key: %d jobs, want 1", n)
	}
	r := NewRunner(db, time.Now, slog.Default())
	var ranAt atomic.Int64
	r.Handle("later", func(ctx context.Context, args json.RawMessage, attempt int) error {
		ranAt.Store(time.Now().UnixNano())
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	waitFor(t, "the scheduled job", func() bool { return ranAt.Load() != 0 })
	if got := time.Unix(0, ranAt.Load()); got.Before(at) {
		t.Fatalf("ran at %v, before its time %v", got, at)
	}
}

func TestExpiredLeaseMakesJobClaimableAgain(t *testing.T) {
	db := storetest.Open(t)
	ctx := context.Background()
	enqueue(t, db, "crash", struct{}{}, time.Now(), "")
	now := time.Now()
	var first []store.Job
	if err := db.Write(ctx, func(q *store.Q) error {
		var err error
		first, err = q.ClaimJobs(ctx, "dead-worker", 10, now, time.Second)
		return err
	}); err != nil || len(first) != 1 {
		t.Fatalf("first claim: %v %v", first, err)
	}
	// While the lease holds nobody else gets it; after it expires (the
	// worker died) another worker does.
	var again []store.Job
	_ = db.Write(ctx, func(q *store.Q) error {
		var err error
		again, err = q.ClaimJobs(ctx, "w2", 10, now, time.Second)
		return err
	})
	if len(again) != 0 {
		t.Fatalf("claimed during the lease: %v", again)
	}
	_ = db.Write(ctx, func(q *store.Q) error {
		var err error
		again, err = q.ClaimJobs(ctx, "w2", 10, now.Add(2*time.Second), time.Second)
		return err
	})
	if len(again) != 1 || again[0].Attempts != 2 {
		t.Fatalf("after the lease: %+v", again)
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	prev := time.Duration(0)
	for a := 1; a <= 20; a++ {
		d := Backoff(a)
		if d <= 0 || d > time.Hour+time.Hour/4 {
			t.Fatalf("Backoff(%d) = %v", a, d)
		}
		if a <= 5 && d < prev/2 {
			t.Fatalf("Backoff(%d) = %v shrank from %v", a, d, prev)
		}
		prev = d
	}
	if d := Backoff(1); d > 7*time.Second {
		t.Fatalf("first retry after %v, want within a few seconds", d)
	}
}
