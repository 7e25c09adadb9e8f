package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
	"github.com/pneumatic-oss/pneumatic/internal/webhook"
)

// clock is wall time plus an offset the test can move forward, so that
// retries scheduled seconds or hours ahead come due at once.
type clock struct{ off atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().UTC().Add(time.Duration(c.off.Load())) }
func (c *clock) advance(d time.Duration) { c.off.Add(int64(d)) }

type received struct {
	header http.Header
	body   []byte
	json   map[string]any
}

func (r received) event() string { return r.json["hook"].(map[string]any)["event"].(string) }

// subjectID is the id of the workflow or task the delivery is about.
func (r received) subjectID() int64 {
	for _, k := range []string{"task", "workflow"} {
		if o, ok := r.json[k].(map[string]any); ok {
			return int64(o["id"].(float64))
		}
	}
	return 0
}

// sink is an HTTP receiver that records every delivery; statuses are the
// answers, one per request (the last repeats); delay slows some answers.
type sink struct {
	t        *testing.T
	srv      *httptest.Server
	mu       sync.Mutex
	got      []received
	statuses []int
	delay    func(received) time.Duration
}

func newSink(t *testing.T, statuses ...int) *sink {
	s := &sink{t: t, statuses: statuses}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec := received{header: r.Header.Clone(), body: b}
		_ = json.Unmarshal(b, &rec.json)
		s.mu.Lock()
		code := 200
		if n := len(s.statuses); n > 0 {
			code = s.statuses[min(len(s.got), n-1)]
		}
		delay := s.delay
		s.mu.Unlock()
		if delay != nil {
			time.Sleep(delay(rec))
		}
		s.mu.Lock()
		s.got = append(s.got, rec)
		s.mu.Unlock()
		w.WriteHeader(code)
		fmt.Fprintf(w, "answer %d", code)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) url() string { return s.srv.URL + "/hook" }

func (s *sink) all() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

// wait returns the deliveries once there are at least n.
func (s *sink) wait(n int) []received {
	s.t.Helper()
	waitFor(s.t, fmt.Sprintf("%d deliveries", n), func() bool { return len(s.all()) >= n })
	return s.all()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type harness struct {
	t      *testing.T
	ctx    context.Context
	db     *store.DB
	svc    *app.Service
	clock  *clock
	runner *jobs.Runner
	owner  *app.Actor
	users  []*app.Actor
}

type options struct {
	client *webhook.Client // default: private targets allowed, 10 s timeout
	noRun  bool            // do not start the job runner
}

func setup(t *testing.T, o options) *harness {
	t.Helper()
	ctx := context.Background()
	h := &harness{t: t, ctx: ctx, db: storetest.Open(t), clock: &clock{}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h.svc = app.New(h.db, app.Config{PublicURL: "http://pneumatic.test", WebhookAllowPrivate: true}, h.clock.now, log)
	h.runner = jobs.NewRunner(h.db, h.clock.now, log)
	h.svc.SetNotifier(h.runner)
	client := o.client
	if client == nil {
		client = webhook.NewClient(webhook.ClientOptions{AllowPrivate: true})
	}
	h.runner.Handle(app.JobResume, h.svc.HandleResume)
	h.runner.Handle(app.JobWebhookDelivery, h.svc.NewWebhookSender(client).Handle)
	if !o.noRun {
		h.start()
	}
	key, err := h.svc.CreateAccount(ctx, "Acme", "owner@example.com", "Olive", "Owner")
	if err != nil {
		t.Fatal(err)
	}
	if h.owner, err = h.svc.Authenticate(ctx, key); err != nil {
		t.Fatal(err)
	}
	for i, n := range [][2]string{{"Wanda", "Hook"}, {"Walter", "Sink"}} {
		email, first, last := fmt.Sprintf("u%d@example.com", i), n[0], n[1]
		u, err := h.svc.CreateUser(ctx, h.owner, app.UserInput{Email: &email, FirstName: &first, LastName: &last})
		if err != nil {
			t.Fatal(err)
		}
		h.users = append(h.users, &app.Actor{User: u})
	}
	return h
}

func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { h.runner.Run(ctx); close(done) }()
	h.t.Cleanup(func() { cancel(); <-done })
}

// later moves the clock and wakes the runner.
func (h *harness) later(d time.Duration) {
	h.clock.advance(d)
	h.runner.Notify()
}

// template: kickoff field "topic" (required), task 1 by user 0 with an
// output "note", task 2 by user 1.
func (h *harness) template() int64 {
	h.t.Helper()
	perf := func(a *app.Actor) []any {
		return []any{map[string]any{"type": "user", "source_id": strconv.FormatInt(a.User.ID, 10)}}
	}
	v, err := h.svc.CreateTemplate(h.ctx, h.owner, map[string]any{
		"name": "Hooked", "is_active": true,
		"kickoff": map[string]any{"fields": []any{map[string]any{"type": "string", "name": "Topic", "api_name": "topic",
			"is_required": true, "order": 0}}},
		"tasks": []any{
			map[string]any{"number": 1, "name": "First {{topic}}", "description": "first description", "raw_performers": perf(h.users[0]),
				"fields": []any{map[string]any{"type": "string", "name": "Note", "api_name": "note", "order": 0}}},
			map[string]any{"number": 2, "name": "Second", "raw_performers": perf(h.users[1])},
		},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return v.Row.ID
}

func (h *harness) run(tpl int64) *engine.Workflow {
	h.t.Helper()
	v, err := h.svc.Run(h.ctx, h.owner, tpl, app.RunInput{Name: "Hooked run", Kickoff: map[string]any{"topic": "hooks"}})
	if err != nil {
		h.t.Fatal(err)
	}
	return v.WF
}

func (h *harness) complete(by *app.Actor, wf *engine.Workflow, n int, output map[string]any) {
	h.t.Helper()
	if _, err := h.svc.CompleteTask(h.ctx, by, wf.ID, engine.CompleteInput{TaskID: wf.TaskByNumber(n).ID, Output: output}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) deliveries() []*store.WebhookDelivery {
	h.t.Helper()
	ds, _, err := h.svc.WebhookDeliveries(h.ctx, h.owner, store.WebhookDeliveryFilter{Limit: 100})
	if err != nil {
		h.t.Fatal(err)
	}
	return ds
}

func (h *harness) delivery(id int64) (*store.WebhookDelivery, []store.WebhookAttempt) {
	h.t.Helper()
	d, at, err := h.svc.WebhookDelivery(h.ctx, h.owner, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return d, at
}

func (h *harness) only() *store.WebhookDelivery {
	h.t.Helper()
	ds := h.deliveries()
	if len(ds) != 1 {
		h.t.Fatalf("%d deliveries, want 1", len(ds))
	}
	return ds[0]
}

func (h *harness) verify(r received) {
	h.t.Helper()
	secret, err := h.svc.WebhookSecret(h.ctx, h.owner)
	if err != nil {
		h.t.Fatal(err)
	}
	ts, err := strconv.ParseInt(r.header.Get("webhook-timestamp"), 10, 64)
	if err != nil {
		h.t.Fatalf("webhook-timestamp %q", r.header.Get("webhook-timestamp"))
	}
	if r.header.Get("Content-Type") != "application/json" {
		h.t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
	}
	if !webhook.Verify(secret, r.header.Get("webhook-id"), ts, r.body, r.header.Get("webhook-signature")) {
		h.t.Errorf("signature of %s does not verify", r.event())
	}
}

func TestLifecycleDeliveriesInOrder(t *testing.T) {
	h := setup(t, options{})
	s := newSink(t)
	// Slow answers to task events: without the ordering guard the
	// workflow_completed queued with the last task_completed_v2 would
	// overtake it.
	s.delay = func(r received) time.Duration {
		if r.event() == engine.HookTaskCompleted {
			return 150 * time.Millisecond
		}
		return 0
	}
	if u, err := h.svc.SubscribeAllWebhooks(h.ctx, h.owner, s.url()); err != nil || u != s.url() {
		t.Fatal(u, err)
	}
	wf := h.run(h.template())
	h.complete(h.users[0], wf, 1, map[string]any{"note": "noted"})
	h.complete(h.users[1], wf, 2, nil)

	got := s.wait(4)
	t1, t2 := wf.TaskByNumber(1).ID, wf.TaskByNumber(2).ID
	want := []struct {
		event string
		id    int64
	}{{engine.HookWorkflowStarted, wf.ID}, {engine.HookTaskCompleted, t1}, {engine.HookTaskCompleted, t2},
		{engine.HookWorkflowCompleted, wf.ID}}
	ids := map[string]bool{}
	for i, w := range want {
		if got[i].event() != w.event || got[i].subjectID() != w.id {
			t.Fatalf("delivery %d is %s about %d, want %s about %d", i, got[i].event(), got[i].subjectID(), w.event, w.id)
		}
		h.verify(got[i])
		ids[got[i].header.Get("webhook-id")] = true
		hook := got[i].json["hook"].(map[string]any)
		if hook["target"] != s.url() || hook["id"].(float64) <= 0 {
			t.Errorf("hook %v", hook)
		}
	}
	if len(ids) != 4 {
		t.Errorf("webhook-ids %v: want one per delivery", ids)
	}

	started := got[0].json["workflow"].(map[string]any)
	ct := started["current_task"].(map[string]any)
	if started["status"].(float64) != 0 || ct["name"] != "First hooks" || ct["description"] != "first description" {
		t.Errorf("workflow_started: %v", started)
	}
	if p := ct["performers"].([]any)[0].(map[string]any); p["first_name"] != "Wanda" || p["last_name"] != "Hook" {
		t.Errorf("performer %v", p)
	}
	kick := started["kickoff"].(map[string]any)["output"].([]any)[0].(map[string]any)
	if kick["api_name"] != "topic" || kick["value"] != "hooks" {
		t.Errorf("kickoff output %v", kick)
	}
	task := got[1].json["task"].(map[string]any)
	if task["output"].([]any)[0].(map[string]any)["value"] != "noted" || task["date_completed"] == nil || task["number"].(float64) != 1 {
		t.Errorf("task_completed_v2: %v", task)
	}
	// A snapshot: the first task's workflow shows the second task current.
	if cur := task["workflow"].(map[string]any)["current_task"].(map[string]any); cur["number"].(float64) != 2 {
		t.Errorf("snapshot current_task %v", cur)
	}
	if done := got[3].json["workflow"].(map[string]any); done["status"].(float64) != 1 {
		t.Errorf("workflow_completed status %v", done["status"])
	}

	waitFor(t, "every delivery recorded as delivered", func() bool {
		for _, d := range h.deliveries() {
			if d.Status != store.WebhookDelivered {
				return false
			}
		}
		return true
	})
	for _, d := range h.deliveries() {
		if d.Attempts != 1 || d.LastStatusCode == nil || *d.LastStatusCode != 200 || d.DateDelivered == nil {
			t.Errorf("delivery %+v", d)
		}
	}
	// The list filters.
	ds, n, err := h.svc.WebhookDeliveries(h.ctx, h.owner, store.WebhookDeliveryFilter{Event: "task_completed", Limit: 10})
	if err != nil || n != 2 || len(ds) != 2 {
		t.Errorf("filter by event: %d, %v", n, err)
	}
	if _, n, _ := h.svc.WebhookDeliveries(h.ctx, h.owner, store.WebhookDeliveryFilter{Status: store.WebhookFailed, Limit: 10}); n != 0 {
		t.Errorf("filter by status: %d failed", n)
	}
}

func TestServerErrorIsRetriedWithTheSameID(t *testing.T) {
	h := setup(t, options{})
	s := newSink(t, 500, 200)
	if err := h.svc.SubscribeWebhook(h.ctx, h.owner, engine.HookWorkflowStarted, s.url()); err != nil {
		t.Fatal(err)
	}
	wf := h.run(h.template())
	s.wait(1)
	var d *store.WebhookDelivery
	waitFor(t, "the failed attempt recorded", func() bool { d = h.only(); return d.Attempts == 1 })
	if d.Status != store.WebhookPending || d.NextAttemptAt == nil || d.NextAttemptAt.Sub(h.clock.now()) > 30*time.Second {
		t.Fatalf("after a 500: %+v", d)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(s.all()); n != 1 {
		t.Fatalf("retried before the backoff: %d requests", n)
	}
	h.later(30 * time.Second)
	got := s.wait(2)
	if got[0].header.Get("webhook-id") != got[1].header.Get("webhook-id") || string(got[0].body) != string(got[1].body) {
		t.Errorf("a retry must carry the same webhook-id and body")
	}
	h.verify(got[1])
	if got[1].subjectID() != wf.ID {
		t.Errorf("about %d", got[1].subjectID())
	}
	waitFor(t, "delivered", func() bool { d = h.only(); return d.Status == store.WebhookDelivered })
	_, attempts := h.delivery(d.ID)
	if len(attempts) != 2 || *attempts[0].StatusCode != 500 || *attempts[1].StatusCode != 200 || *attempts[0].ResponseBody != "answer 500" {
		t.Errorf("attempts %+v", attempts)
	}
}

func TestClientErrorIsNotRetried(t *testing.T) {
	h := setup(t, options{})
	s := newSink(t, 400)
	if err := h.svc.SubscribeWebhook(h.ctx, h.owner, engine.HookWorkflowStarted, s.url()); err != nil {
		t.Fatal(err)
	}
	h.run(h.template())
	s.wait(1)
	var d *store.WebhookDelivery
	waitFor(t, "the failure recorded", func() bool { d = h.only(); return d.Status == store.WebhookFailed })
	if d.Attempts != 1 || d.NextAttemptAt != nil || *d.LastStatusCode != 400 {
		t.Errorf("after a 400: %+v", d)
	}
	h.later(2 * time.Hour)
	time.Sleep(500 * time.Millisecond)
	if n := len(s.all()); n != 1 {
		t.Errorf("a 400 was retried: %d requests", n)
	}
	if n, _ := h.db.Read().CountJobs(h.ctx, app.JobWebhookDelivery); n != 0 {
		t.Errorf("%d delivery jobs left", n)
	}
}

func TestTimeoutIsRetried(t *testing.T) {
	h := setup(t, options{client: webhook.NewClient(webhook.ClientOptions{AllowPrivate: true, Timeout: 100 * time.Millisecond})})
	s := newSink(t)
	var calls atomic.Int32
	s.delay = func(received) time.Duration {
		if calls.Add(1) == 1 {
			return 500 * time.Millisecond // longer than the client's timeout
		}
		return 0
	}
	if err := h.svc.SubscribeWebhook(h.ctx, h.owner, engine.HookWorkflowStarted, s.url()); err != nil {
		t.Fatal(err)
	}
	h.run(h.template())
	var d *store.WebhookDelivery
	waitFor(t, "the timed-out attempt recorded", func() bool { d = h.only(); return d.Attempts == 1 })
	if d.Status != store.WebhookPending || d.LastError == nil || !strings.Contains(*d.LastError, "timeout") || d.LastStatusCode != nil {
		t.Fatalf("after a timeout: %+v", d)
	}
	h.later(time.Minute)
	waitFor(t, "delivered", func() bool { d = h.only(); return d.Status == store.WebhookDelivered })
	if d.Attempts != 2 {
		t.Errorf("attempts %d", d.Attempts)
	}
}

func TestPrivateTargetsRefused(t *testing.T) {
	h := setup(t, options{client: webhook.NewClient(webhook.ClientOptions{})})
	s := newSink(t)
	// The account may name it (the service allows private URLs), but the
	// client checks the address it connects to: localhost is 127.0.0.1.
	target := strings.Replace(s.url(), "127.0.0.1", "localhost", 1)
	if err := h.svc.SubscribeWebhook(h.ctx, h.owner, engine.HookWorkflowStarted, target); err != nil {
		t.Fatal(err)
	}
	h.run(h.template())
	var d *store.WebhookDelivery
	waitFor(t, "the refusal recorded", func() bool { d = h.only(); return d.Status == store.WebhookFailed })
	if d.LastError == nil || !strings.Contains(*d.LastError, "not a public address") {
		t.Errorf("delivery %+v", d)
	}
	if n := len(s.all()); n != 0 {
		t.Errorf("the receiver got %d requests", n)
	}
}

func TestSubscribeRefusesPrivateURLsWhenNotAllowed(t *testing.T) {
	h := setup(t, options{noRun: true})
	svc := app.New(h.db, app.Config{}, nil, nil)
	for _, u := range []string{"http://127.0.0.1/x", "http://localhost:8080/", "http://[::1]/", "not a url", ""} {
		if err := svc.SubscribeWebhook(h.ctx, h.owner, engine.HookWorkflowStarted, u); err == nil {
			t.Errorf("subscribed %q", u)
		}
	}
	if err := svc.SubscribeWebhook(h.ctx, h.owner, "task_completed", "https://example.com/hook"); err != nil {
		t.Error(err)
	}
	evs, err := svc.WebhookEvents(h.ctx, h.owner)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range evs {
		order = append(order, e.Event)
	}
	if strings.Join(order, ",") != "workflow_completed,workflow_started,task_completed_v2,task_returned" || evs[2].URL == nil {
		t.Errorf("events %v", order)
	}
	if _, err := svc.WebhookEvents(h.ctx, h.users[0]); err == nil {
		t.Error("a user listed the webhooks")
	}
}

func TestNoDeliveryForAFailedChange(t *testing.T) {
	h := setup(t, options{})
	s := newSink(t)
	if _, err := h.svc.SubscribeAllWebhooks(h.ctx, h.owner, s.url()); err != nil {
		t.Fatal(err)
	}
	tpl := h.template()
	if _, err := h.svc.Run(h.ctx, h.owner, tpl, app.RunInput{}); err == nil {
		t.Fatal("a run without its required kickoff field succeeded")
	}
	wf := h.run(h.template())
	// Completing a task one does not perform fails: nothing is recorded.
	if _, err := h.svc.CompleteTask(h.ctx, h.users[1], wf.ID, engine.CompleteInput{TaskID: wf.TaskByNumber(1).ID}); err == nil {
		t.Fatal("a non-performer completed the task")
	}
	got := s.wait(1)
	time.Sleep(300 * time.Millisecond)
	if len(h.deliveries()) != 1 || len(s.all()) != 1 || got[0].subjectID() != wf.ID {
		t.Errorf("%d deliveries, %d received", len(h.deliveries()), len(s.all()))
	}
}

func TestTaskReturnedIsAboutTheTaskReturnedTo(t *testing.T) {
	h := setup(t, options{})
	s := newSink(t)
	if err := h.svc.SubscribeWebhook(h.ctx, h.owner, engine.HookTaskReturned, s.url()); err != nil {
		t.Fatal(err)
	}
	wf := h.run(h.template())
	h.complete(h.users[0], wf, 1, nil)
	if err := h.svc.RevertTask(h.ctx, h.owner, wf.ID, "once more"); err != nil {
		t.Fatal(err)
	}
	got := s.wait(1)
	task := got[0].json["task"].(map[string]any)
	if got[0].event() != engine.HookTaskReturned || task["number"].(float64) != 1 || task["date_completed"] != nil {
		t.Errorf("task_returned: %v", task)
	}
	h.verify(got[0])
	time.Sleep(200 * time.Millisecond)
	if n := len(s.all()); n != 1 {
		t.Errorf("%d deliveries: only the subscribed event is sent", n)
	}
}

func TestRedeliverTestEventAndRotation(t *testing.T) {
	h := setup(t, options{})
	s := newSink(t)
	if err := h.svc.SubscribeWebhook(h.ctx, h.owner, engine.HookWorkflowStarted, s.url()); err != nil {
		t.Fatal(err)
	}
	// A test delivery with no workflow in the account: a made-up sample.
	if _, err := h.svc.TestWebhook(h.ctx, h.owner, engine.HookWorkflowStarted, ""); err != nil {
		t.Fatal(err)
	}
	if got := s.wait(1); got[0].event() != engine.HookWorkflowStarted || got[0].json["workflow"] == nil {
		t.Fatalf("test delivery %v", got[0].json)
	}
	if _, err := h.svc.TestWebhook(h.ctx, h.owner, engine.HookTaskReturned, ""); err == nil {
		t.Error("a test of an unsubscribed event without a url")
	}
	h.run(h.template())
	s.wait(2)
	var d *store.WebhookDelivery
	waitFor(t, "delivered", func() bool {
		ds := h.deliveries()
		d = ds[0]
		return len(ds) == 2 && d.Status == store.WebhookDelivered
	})
	old, err := h.svc.WebhookSecret(h.ctx, h.owner)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := h.svc.RotateWebhookSecret(h.ctx, h.owner)
	if err != nil || secret == old || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("rotate: %q %v", secret, err)
	}
	if _, err := h.svc.RedeliverWebhook(h.ctx, h.owner, d.ID); err != nil {
		t.Fatal(err)
	}
	got := s.wait(3)
	if got[2].header.Get("webhook-id") != got[1].header.Get("webhook-id") || string(got[2].body) != string(got[1].body) {
		t.Error("a redelivery sends the same message")
	}
	h.verify(got[2]) // signed with the new secret
	// Another account's delivery is not found.
	key, err := h.svc.CreateAccount(h.ctx, "Other", "other@example.com", "", "")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := h.svc.Authenticate(h.ctx, key)
	if _, err := h.svc.RedeliverWebhook(h.ctx, other, d.ID); err == nil {
		t.Error("redelivered another account's delivery")
	}
}

// TestSubscriptionChangesTakeEffectAtOnce: the subscriptions read by a
// change are kept between changes (hooks.go); a new URL or an unsubscribe
// must apply to the very next change all the same.
func TestSubscriptionChangesTakeEffectAtOnce(t *testing.T) {
	h := setup(t, options{noRun: true})
	tpl := h.template()
	byURL := func() map[string]int {
		m := map[string]int{}
		for _, d := range h.deliveries() {
			if d.WorkflowID != nil {
				m[d.URL]++
			}
		}
		return m
	}
	const a, b = "http://a.example/hook", "http://b.example/hook"
	if _, err := h.svc.SubscribeAllWebhooks(h.ctx, h.owner, a); err != nil {
		t.Fatal(err)
	}
	h.run(tpl)
	h.run(tpl) // the second run finds the subscriptions kept
	first := byURL()
	if first[a] == 0 || first[a]%2 != 0 || len(first) != 1 {
		t.Fatalf("deliveries by URL after two runs: %v", first)
	}
	if _, err := h.svc.SubscribeAllWebhooks(h.ctx, h.owner, b); err != nil {
		t.Fatal(err)
	}
	h.run(tpl)
	if got := byURL(); got[a] != first[a] || got[b] != first[a]/2 {
		t.Fatalf("after moving to %s: %v, want %d to it and none more to %s", b, got, first[a]/2, a)
	}
	if err := h.svc.UnsubscribeAllWebhooks(h.ctx, h.owner); err != nil {
		t.Fatal(err)
	}
	before := byURL()
	h.run(tpl)
	if got := byURL(); got[a] != before[a] || got[b] != before[b] {
		t.Fatalf("a run after unsubscribing was recorded: %v, before %v", got, before)
	}
}

type countingNotifier struct{ n atomic.Int64 }

func (c *countingNotifier) Notify() { c.n.Add(1) }

// TestRunnerWokenOnlyWhenAJobWasQueued: each wake-up of the job runner is a
// query, so a change that queued nothing must not wake it; one that queued a
// delivery must, or the delivery waits for the runner's next poll.
func TestRunnerWokenOnlyWhenAJobWasQueued(t *testing.T) {
	h := setup(t, options{noRun: true})
	c := &countingNotifier{}
	h.svc.SetNotifier(c)
	tpl := h.template()
	wf := h.run(tpl)
	h.complete(h.users[0], wf, 1, nil)
	if n := c.n.Load(); n != 0 {
		t.Fatalf("%d wake-ups for a run and a completion that queued nothing", n)
	}
	if _, err := h.svc.SubscribeAllWebhooks(h.ctx, h.owner, "http://hooks.example/in"); err != nil {
		t.Fatal(err)
	}
	before := c.n.Load()
	wf = h.run(tpl)
	if c.n.Load() == before {
		t.Fatal("a run that queued deliveries did not wake the runner")
	}
	before = c.n.Load()
	h.complete(h.users[0], wf, 1, nil)
	if c.n.Load() == before {
		t.Fatal("a completion that queued deliveries did not wake the runner")
	}
}
