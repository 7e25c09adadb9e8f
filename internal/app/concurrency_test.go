package app_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
)

// concSetup makes an account whose owner runs a two-task template with
// task 1 performed by the owner.
func concSetup(t *testing.T) (*app.Service, *app.Actor, *app.WorkflowView) {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t)
	svc := app.New(db, app.Config{PublicURL: "http://test"}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	key := "pn-" + strings.Repeat("C", 43)
	if _, err := svc.Bootstrap(ctx, "owner@example.com", key); err != nil {
		t.Fatal(err)
	}
	owner, err := svc.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	me := strconv.FormatInt(owner.User.ID, 10)
	perf := []any{map[string]any{"type": "user", "source_id": me}}
	tv, err := svc.CreateTemplate(ctx, owner, map[string]any{"name": "Race", "is_active": true, "tasks": []any{
		map[string]any{"number": 1, "name": "One", "raw_performers": perf},
		map[string]any{"number": 2, "name": "Two", "raw_performers": perf},
	}})
	if err != nil {
		t.Fatal(err)
	}
	wv, err := svc.Run(ctx, owner, tv.Row.ID, app.RunInput{})
	if err != nil {
		t.Fatal(err)
	}
	return svc, owner, wv
}

// TestConcurrentCompletion: 50 goroutines complete the same task at once;
// exactly one succeeds, the others get a 400, and the workflow advances once.
func TestConcurrentCompletion(t *testing.T) {
	svc, owner, wv := concSetup(t)
	ctx := context.Background()
	wfID, task1 := wv.WF.ID, wv.WF.TaskByNumber(1).ID
	const n = 50
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = svc.CompleteTask(ctx, owner, wfID, engine.CompleteInput{TaskID: task1})
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case problem.Is(err, problem.Invalid):
			if m := err.Error(); m != engine.MsgNotCurrent && m != engine.MsgTaskDone {
				t.Errorf("goroutine %d: unexpected message %q", i, m)
			}
		default:
			t.Errorf("goroutine %d: %v (want a 400 problem)", i, err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d completions succeeded, want exactly 1", ok)
	}
	got, err := svc.Workflow(ctx, owner, wfID)
	if err != nil {
		t.Fatal(err)
	}
	if s := got.WF.TaskByNumber(1).Status; s != engine.TaskCompleted {
		t.Fatalf("task 1 is %s", s)
	}
	if s := got.WF.TaskByNumber(2).Status; s != engine.TaskActive {
		t.Fatalf("task 2 is %s", s)
	}
	evs, _, err := svc.Events(ctx, owner, wfID, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	completed, started := 0, 0
	for _, e := range evs {
		if e.Type == engine.EventTaskCompleted && e.TaskID != nil && *e.TaskID == task1 {
			completed++
		}
		if e.Type == engine.EventTaskStarted {
			started++
		}
	}
	if completed != 1 || started != 2 {
		t.Fatalf("events: %d task-completed for task 1 (want 1), %d task-started (want 2)", completed, started)
	}
}
