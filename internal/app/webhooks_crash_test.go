package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/webhook"
)

const (
	crashDirEnv = "PNEUMATIC_WEBHOOK_CRASH_DIR"
	crashURLEnv = "PNEUMATIC_WEBHOOK_CRASH_URL"
)

func openDir(t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func serveJobs(db *store.DB, now func() time.Time) (*app.Service, *jobs.Runner) {
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := app.New(db, app.Config{PublicURL: "http://pneumatic.test", WebhookAllowPrivate: true}, now, log)
	r := jobs.NewRunner(db, now, log)
	svc.SetNotifier(r)
	r.Handle(app.JobResume, svc.HandleResume)
	r.Handle(app.JobWebhookDelivery, svc.NewWebhookSender(webhook.NewClient(webhook.ClientOptions{AllowPrivate: true})).Handle)
	return svc, r
}

// TestWebhookCrashChild is the process TestPendingDeliveriesSurviveKill
// kills: it records three deliveries of one workflow, starts sending and
// hangs (the receiver does not answer the first).
func TestWebhookCrashChild(t *testing.T) {
	dir := os.Getenv(crashDirEnv)
	if dir == "" {
		t.Skip("run by TestPendingDeliveriesSurviveKill")
	}
	ctx := context.Background()
	db := openDir(t, dir)
	svc, runner := serveJobs(db, nil)
	key, err := svc.CreateAccount(ctx, "Crash", "crash@example.com", "", "")
	if err != nil {
		t.Fatal(err)
	}
	owner, _ := svc.Authenticate(ctx, key)
	if _, err := svc.SubscribeAllWebhooks(ctx, owner, os.Getenv(crashURLEnv)); err != nil {
		t.Fatal(err)
	}
	tv, err := svc.CreateTemplate(ctx, owner, map[string]any{"name": "One", "is_active": true, "tasks": []any{
		map[string]any{"number": 1, "name": "Only", "raw_performers": []any{map[string]any{"type": "workflow_starter", "source_id": nil}}}}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := svc.Run(ctx, owner, tv.Row.ID, app.RunInput{Name: "Crash run"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CompleteTask(ctx, owner, v.WF.ID, engine.CompleteInput{TaskID: v.WF.Tasks[0].ID}); err != nil {
		t.Fatal(err)
	}
	go runner.Run(ctx)
	select {} // until killed
}

// TestPendingDeliveriesSurviveKill: deliveries pending (one in flight,
// two waiting behind it) when the process is killed with SIGKILL arrive,
// in order and with their webhook-ids, after a restart.
func TestPendingDeliveriesSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	type req struct {
		id    string
		event string
	}
	var mu sync.Mutex
	var got []req
	inflight := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Hook struct{ Event string } `json:"hook"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		got = append(got, req{r.Header.Get("webhook-id"), body.Hook.Event})
		first := len(got) == 1
		mu.Unlock()
		if first {
			inflight <- struct{}{}
			<-r.Context().Done() // never answer: the sender dies waiting
			return
		}
	}))
	defer srv.Close()

	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWebhookCrashChild$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir, crashURLEnv+"="+srv.URL+"/hook")
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-inflight:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("the child sent nothing:\n%s", out.String())
	}
	time.Sleep(300 * time.Millisecond) // let the others wait behind the first
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	mu.Lock()
	if len(got) != 1 {
		t.Fatalf("before the kill the receiver got %v, want only the first (the rest wait for it)", got)
	}
	first := got[0]
	mu.Unlock()

	// Restart: the dead worker's lease (2 min) must expire, so run the new
	// process' clock ahead.
	db := openDir(t, dir)
	defer db.Close()
	_, runner := serveJobs(db, func() time.Time { return time.Now().UTC().Add(3 * time.Minute) })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { runner.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	waitFor(t, "the deliveries after the restart", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 4 })
	mu.Lock()
	after := append([]req(nil), got[1:]...)
	mu.Unlock()
	want := []string{engine.HookWorkflowStarted, engine.HookTaskCompleted, engine.HookWorkflowCompleted}
	for i, w := range want {
		if after[i].event != w {
			t.Fatalf("after the restart: %v, want %v", after, want)
		}
	}
	if after[0].id != first.id || first.event != engine.HookWorkflowStarted {
		t.Errorf("the resent delivery has webhook-id %q, the first try had %q", after[0].id, first.id)
	}
	waitFor(t, "all delivered", func() bool {
		ds, _, _ := db.Read().ListWebhookDeliveries(context.Background(), 1, store.WebhookDeliveryFilter{Limit: 10})
		for _, d := range ds {
			if d.Status != store.WebhookDelivered {
				return false
			}
		}
		return len(ds) == 3
	})
}

type lockedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}
