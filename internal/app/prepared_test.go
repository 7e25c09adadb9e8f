package app_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
)

// On SQLite, runs and actions are prepared off the writer and written only
// if what they read still holds; these tests change that in between.

func sqliteOnly(t *testing.T, svc *app.Service) {
	t.Helper()
	if svc.DB().Dialect != store.SQLite {
		t.Skip("changes are prepared off the writer on SQLite only")
	}
}

// TestPreparedUsedWhenNothingChanged: sequential actions are written as
// prepared, none computed twice.
func TestPreparedUsedWhenNothingChanged(t *testing.T) {
	svc, owner, wv := concSetup(t)
	sqliteOnly(t, svc)
	ctx := context.Background()
	used0, redone0 := svc.PreparedStats()
	for n := 1; n <= 2; n++ {
		if _, err := svc.CompleteTask(ctx, owner, wv.WF.ID, engine.CompleteInput{TaskID: wv.WF.TaskByNumber(n).ID}); err != nil {
			t.Fatalf("complete task %d: %v", n, err)
		}
	}
	used, redone := svc.PreparedStats()
	if used-used0 != 2 || redone != redone0 {
		t.Fatalf("prepared used %d, redone %d; want 2 and 0", used-used0, redone-redone0)
	}
	got, err := svc.Workflow(ctx, owner, wv.WF.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.WF.Status != engine.StatusDone {
		t.Fatalf("status %d, want done", got.WF.Status)
	}
}

// TestPreparedRedoneAfterSameWorkflowSaved: another completion of the same
// task commits between the preparation and the write; the prepared one must
// not be written over it: the writer recomputes and refuses.
func TestPreparedRedoneAfterSameWorkflowSaved(t *testing.T) {
	svc, owner, wv := concSetup(t)
	sqliteOnly(t, svc)
	ctx := context.Background()
	task1 := wv.WF.TaskByNumber(1).ID
	fired := false
	app.SetAfterPrepare(svc, func() {
		if fired {
			return
		}
		fired = true
		if _, err := svc.CompleteTask(ctx, owner, wv.WF.ID, engine.CompleteInput{TaskID: task1}); err != nil {
			t.Errorf("inner completion: %v", err)
		}
	})
	_, redone0 := svc.PreparedStats()
	_, err := svc.CompleteTask(ctx, owner, wv.WF.ID, engine.CompleteInput{TaskID: task1})
	if !problem.Is(err, problem.Invalid) {
		t.Fatalf("outer completion: %v, want a 400 (the task was completed meanwhile)", err)
	}
	if _, redone := svc.PreparedStats(); redone-redone0 != 1 {
		t.Fatalf("redone %d, want 1", redone-redone0)
	}
	got, err := svc.Workflow(ctx, owner, wv.WF.ID)
	if err != nil {
		t.Fatal(err)
	}
	cur := got.WF.Current()
	if cur == nil || cur.Number != 2 {
		t.Fatalf("current task %+v, want task 2 (one advance)", cur)
	}
}

// TestPreparedRedoneAfterDirectoryChange: the performer of task 1 is
// deactivated between preparing a run and writing it; the run must come out
// as a run started after the deactivation does.
func TestPreparedRedoneAfterDirectoryChange(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	svc := app.New(db, app.Config{PublicURL: "http://test"}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	sqliteOnly(t, svc)
	key := "pn-" + strings.Repeat("D", 43)
	if _, err := svc.Bootstrap(ctx, "owner@example.com", key); err != nil {
		t.Fatal(err)
	}
	owner, err := svc.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	email := "ann@example.com"
	ann, err := svc.CreateUser(ctx, owner, app.UserInput{Email: &email})
	if err != nil {
		t.Fatal(err)
	}
	perf := []any{map[string]any{"type": "user", "source_id": strconv.FormatInt(ann.ID, 10)}}
	tv, err := svc.CreateTemplate(ctx, owner, map[string]any{"name": "Hand-over", "is_active": true, "tasks": []any{
		map[string]any{"number": 1, "name": "One", "raw_performers": perf},
	}})
	if err != nil {
		t.Fatal(err)
	}
	fired := false
	app.SetAfterPrepare(svc, func() {
		if !fired {
			fired = true
			if err := svc.DeactivateUser(ctx, owner, ann.ID); err != nil {
				t.Errorf("deactivate: %v", err)
			}
		}
	})
	_, redone0 := svc.PreparedStats()
	raced, err := svc.Run(ctx, owner, tv.Row.ID, app.RunInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, redone := svc.PreparedStats(); redone-redone0 != 1 {
		t.Fatalf("redone %d, want 1", redone-redone0)
	}
	after, err := svc.Run(ctx, owner, tv.Row.ID, app.RunInput{})
	if err != nil {
		t.Fatal(err)
	}
	perfs := func(v *app.WorkflowView) []int64 {
		var ids []int64
		for _, p := range v.WF.TaskByNumber(1).Performers {
			ids = append(ids, p.UserID)
		}
		slices.Sort(ids)
		return ids
	}
	if got, want := perfs(raced), perfs(after); !slices.Equal(got, want) || slices.Contains(got, ann.ID) {
		t.Fatalf("performers of the raced run %v, of a later run %v; the deactivated user %d must be in neither", got, want, ann.ID)
	}
}

// TestAuthCacheFollowsChanges: a key answered from the cache stops working
// at once when it is revoked, its user deactivated, or it expires.
func TestAuthCacheFollowsChanges(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	now := time.Now().UTC()
	svc := app.New(db, app.Config{PublicURL: "http://test"}, func() time.Time { return now }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	key := "pn-" + strings.Repeat("K", 43)
	if _, err := svc.Bootstrap(ctx, "owner@example.com", key); err != nil {
		t.Fatal(err)
	}
	owner, err := svc.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	email := "bob@example.com"
	bob, err := svc.CreateUser(ctx, owner, app.UserInput{Email: &email})
	if err != nil {
		t.Fatal(err)
	}
	soon := now.Add(time.Hour)
	revoked, err := svc.CreateKey(ctx, owner, bob.ID, "revoked", nil)
	if err != nil {
		t.Fatal(err)
	}
	expiring, err := svc.CreateKey(ctx, owner, bob.ID, "expiring", &soon)
	if err != nil {
		t.Fatal(err)
	}
	other, err := svc.CreateKey(ctx, owner, owner.User.ID, "other", nil)
	if err != nil {
		t.Fatal(err)
	}
	authOK := func(k string) bool {
		t.Helper()
		if _, err := svc.Authenticate(ctx, k); err != nil {
			if err == app.ErrInvalidKey {
				return false
			}
			t.Fatal(err)
		}
		return true
	}
	// warm makes k's next answer come from the cache: the first use
	// records last_used (a write, which empties the cache), the next read
	// is kept.
	warm := func(k string) {
		t.Helper()
		for range 3 {
			if !authOK(k) {
				t.Fatalf("key %s refused before any change", k[:8])
			}
		}
	}
	warm(revoked.Token)
	if err := svc.RevokeKey(ctx, owner, bob.ID, revoked.Key.ID); err != nil {
		t.Fatal(err)
	}
	if authOK(revoked.Token) {
		t.Fatal("revoked key still accepted")
	}
	warm(expiring.Token)
	now = soon.Add(time.Second) // no write: only the clock moves
	if authOK(expiring.Token) {
		t.Fatal("expired key still accepted")
	}
	now = soon.Add(-time.Minute)
	warm(expiring.Token)
	warm(other.Token)
	if err := svc.DeactivateUser(ctx, owner, bob.ID); err != nil {
		t.Fatal(err)
	}
	if authOK(expiring.Token) {
		t.Fatal("key of a deactivated user still accepted")
	}
	if !authOK(other.Token) {
		t.Fatal("another user's key refused")
	}
}

// TestPreparedRedoneAfterSameBatchWrite: a user is deactivated by a write
// that is still uncommitted in the writer's current group commit when a run
// is prepared (its generation already counted); the run joins that group
// commit and must not be written as prepared.
func TestPreparedRedoneAfterSameBatchWrite(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	svc := app.New(db, app.Config{PublicURL: "http://test"}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	sqliteOnly(t, svc)
	key := "pn-" + strings.Repeat("B", 43)
	if _, err := svc.Bootstrap(ctx, "owner@example.com", key); err != nil {
		t.Fatal(err)
	}
	owner, err := svc.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	email := "cy@example.com"
	cy, err := svc.CreateUser(ctx, owner, app.UserInput{Email: &email})
	if err != nil {
		t.Fatal(err)
	}
	tv, err := svc.CreateTemplate(ctx, owner, map[string]any{"name": "Batch", "is_active": true, "tasks": []any{
		map[string]any{"number": 1, "name": "One", "raw_performers": []any{map[string]any{"type": "user", "source_id": strconv.FormatInt(cy.ID, 10)}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.Write(ctx, func(q *store.Q) error {
			status := store.UserInactive
			if err := q.UpdateUser(ctx, owner.AccountID(), cy.ID, store.UserPatch{Status: &status}); err != nil {
				return err
			}
			close(started)
			<-release // the run is prepared and queued meanwhile
			return nil
		})
	}()
	<-started
	app.SetAfterPrepare(svc, func() {
		go func() {
			time.Sleep(100 * time.Millisecond) // the run waits for the writer by then
			close(release)
		}()
	})
	raced, err := svc.Run(ctx, owner, tv.Row.ID, app.RunInput{})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, p := range raced.WF.TaskByNumber(1).Performers {
		if p.UserID == cy.ID {
			t.Fatalf("the run written as prepared: task 1 went to user %d, deactivated in the same group commit", cy.ID)
		}
	}
}
