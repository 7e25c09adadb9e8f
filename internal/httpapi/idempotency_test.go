package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// keyed sends a JSON request with an Idempotency-Key.
func (e *env) keyed(method, path, key, idem string, body any) *resp {
	e.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Idempotency-Key", idem)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return &resp{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

func sameAnswer(t *testing.T, first, again *resp) {
	t.Helper()
	if again.Code != first.Code || !bytes.Equal(again.Body, first.Body) {
		t.Fatalf("replay differs:\nfirst %s\nagain %s", first, again)
	}
	if again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay without Idempotent-Replayed: %v", again.Header)
	}
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatal("a first answer marked as replayed")
	}
}

// TestIdempotentRun: the same key replays the first answer and starts no
// second workflow; another body under the key is a 422; another user, or
// no key, runs anew; a failed request stores nothing, so its retry runs.
func TestIdempotentRun(t *testing.T) {
	h := newHardEnv(t, nil)
	me := h.me(h.owner)
	tpl := h.template(h.owner, tplBody(true, taskSpec{performers: []int64{me}}))
	path := "/templates/" + ids(tpl) + "/run"
	body := map[string]any{"name": "Once", "kickoff": map[string]any{"kf": "A"}}

	first := h.keyed("POST", path, h.owner, "run-1", body)
	if first.Code != 200 {
		t.Fatalf("run: %s", first)
	}
	for i := 0; i < 3; i++ {
		sameAnswer(t, first, h.keyed("POST", path, h.owner, "run-1", body))
	}
	// Key order and spacing do not matter; a value does.
	sameAnswer(t, first, h.keyed("POST", path, h.owner, "run-1", map[string]any{"kickoff": map[string]any{"kf": "A"}, "name": "Once"}))
	r := h.keyed("POST", path, h.owner, "run-1", map[string]any{"name": "Twice"})
	if r.Code != 422 || !strings.Contains(string(r.Body), "Idempotency-Key") {
		t.Fatalf("another body under the key: %s", r)
	}
	if n := h.countRows("workflows"); n != 1 {
		t.Fatalf("%d workflows, want 1", n)
	}
	// The same key on another route (another template) is another request too.
	tpl2 := h.template(h.owner, tplBody(true, taskSpec{performers: []int64{me}}))
	if r := h.keyed("POST", "/templates/"+ids(tpl2)+"/run", h.owner, "run-1", body); r.Code != 422 {
		t.Fatalf("the key on another template: %s", r)
	}
	// Another user's key space is theirs.
	admin := h.newUser(h.owner, "adm@example.com", true)
	if r := h.keyed("POST", path, admin.Key, "run-1", body); r.Code != 200 || bytes.Equal(r.Body, first.Body) {
		t.Fatalf("another user: %s", r)
	}
	// Without a key: a new workflow every time.
	h.must(200, "POST", path, h.owner, body)
	if n := h.countRows("workflows"); n != 3 {
		t.Fatalf("%d workflows, want 3", n)
	}
	// A refused request stores nothing: after the fix, the same key runs.
	h.must(200, "PATCH", "/templates/"+ids(tpl), h.owner, map[string]any{"is_active": false})
	if r := h.keyed("POST", path, h.owner, "run-2", body); r.Code != 400 {
		t.Fatalf("run of a disabled template: %s", r)
	}
	h.must(200, "PATCH", "/templates/"+ids(tpl), h.owner, map[string]any{"is_active": true})
	if r := h.keyed("POST", path, h.owner, "run-2", body); r.Code != 200 || r.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("retry after the failure: %s", r)
	}
	// Malformed keys.
	for _, k := range []string{strings.Repeat("k", 256), "a\x01b", "é"} {
		wantValidation(t, h.keyed("POST", path, h.owner, k, body), "", "Idempotency-Key", "")
	}
}

// TestIdempotentCompletion: both completion routes complete once; the
// replay is the first answer (204, or the task detail as the completion
// left it, the same as a fresh GET of the task).
func TestIdempotentCompletion(t *testing.T) {
	h := newHardEnv(t, nil)
	perf := h.newUser(h.owner, "perf@example.com", false)
	tpl := h.template(h.owner, tplBody(true, taskSpec{performers: []int64{perf.ID}}, taskSpec{performers: []int64{perf.ID}},
		taskSpec{performers: []int64{perf.ID}}))

	f := h.run(h.owner, tpl, nil)
	path := "/workflows/" + ids(f.ID) + "/task-complete"
	first := h.keyed("POST", path, perf.Key, "c-1", map[string]any{"task_id": f.Tasks[0]})
	if first.Code != 204 || len(first.Body) != 0 {
		t.Fatalf("complete: %s", first)
	}
	sameAnswer(t, first, h.keyed("POST", path, perf.Key, "c-1", map[string]any{"task_id": f.Tasks[0]}))
	if st := h.taskStatus(f.ID, 2); st != "active" {
		t.Fatalf("task 2 is %s: the workflow advanced more than once", st)
	}
	// Without the key the repeat is refused (the task is done).
	wantValidation(t, h.do("POST", path, perf.Key, map[string]any{"task_id": f.Tasks[0]}), "", "", "")

	v2 := "/v2/tasks/" + ids(f.Tasks[1]) + "/complete"
	first = h.keyed("POST", v2, perf.Key, "c-2", map[string]any{})
	if first.Code != 200 {
		t.Fatalf("v2 complete: %s", first)
	}
	sameAnswer(t, first, h.keyed("POST", v2, perf.Key, "c-2", map[string]any{}))
	// The stored answer is what a read of the task shows now.
	got := h.must(200, "GET", "/v2/tasks/"+ids(f.Tasks[1]), perf.Key, nil)
	if !bytes.Equal(got.Body, first.Body) {
		t.Fatalf("v2 answer differs from the task's detail:\nanswer %s\nGET    %s", first.Body, got.Body)
	}
	if st := h.taskStatus(f.ID, 3); st != "active" {
		t.Fatalf("task 3 is %s", st)
	}
	if n := h.countRows("idempotency_keys"); n != 2 {
		t.Fatalf("%d stored answers, want 2", n)
	}
}

// TestIdempotentAttachment: one attachment, the same upload URL.
func TestIdempotentAttachment(t *testing.T) {
	h := newHardEnv(t, nil)
	body := map[string]any{"filename": "a.pdf", "content_type": "application/pdf", "size": 10, "thumbnail": true}
	first := h.keyed("POST", "/workflows/attachments", h.owner, "att-1", body)
	if first.Code != 200 {
		t.Fatalf("create: %s", first)
	}
	sameAnswer(t, first, h.keyed("POST", "/workflows/attachments", h.owner, "att-1", body))
	if n := h.countRows("attachments"); n != 1 {
		t.Fatalf("%d attachments", n)
	}
}

// TestIdempotentConcurrent: twins sent at once do the work once and all
// get the first answer.
func TestIdempotentConcurrent(t *testing.T) {
	h := newHardEnv(t, nil)
	me := h.me(h.owner)
	tpl := h.template(h.owner, tplBody(true, taskSpec{performers: []int64{me}}, taskSpec{performers: []int64{me}}))
	f := h.run(h.owner, tpl, nil)
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"/templates/" + ids(tpl) + "/run", map[string]any{"name": "Twin"}},
		{"/workflows/" + ids(f.ID) + "/task-complete", map[string]any{"task_id": f.Tasks[0]}},
	} {
		const n = 8
		answers := make([]*resp, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				answers[i] = h.keyed("POST", c.path, h.owner, "twin", c.body)
			}(i)
		}
		wg.Wait()
		replays := 0
		for _, a := range answers {
			if a.Code != answers[0].Code || !bytes.Equal(a.Body, answers[0].Body) || a.Code >= 300 {
				t.Fatalf("%s: twins answered differently: %s / %s", c.path, answers[0], a)
			}
			if a.Header.Get("Idempotent-Replayed") == "true" {
				replays++
			}
		}
		if replays != n-1 {
			t.Fatalf("%s: %d replays of %d twins", c.path, replays, n)
		}
	}
	if n := h.countRows("workflows"); n != 2 {
		t.Fatalf("%d workflows, want 2", n)
	}
	if st := h.taskStatus(f.ID, 2); st != "active" {
		t.Fatalf("task 2 is %s", st)
	}
}

// TestIdempotencyExpiry: answers are replayed for 24 hours, then the key
// is free again, and the purge deletes them.
func TestIdempotencyExpiry(t *testing.T) {
	h := newHardEnv(t, nil)
	me := h.me(h.owner)
	tpl := h.template(h.owner, tplBody(true, taskSpec{performers: []int64{me}}))
	path := "/templates/" + ids(tpl) + "/run"
	first := h.keyed("POST", path, h.owner, "day", map[string]any{})
	h.clock.add(23 * time.Hour)
	sameAnswer(t, first, h.keyed("POST", path, h.owner, "day", map[string]any{}))
	h.clock.add(2 * time.Hour)
	if n, err := h.svc.PurgeIdempotency(t.Context()); err != nil || n != 1 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	again := h.keyed("POST", path, h.owner, "day", map[string]any{})
	if again.Code != 200 || bytes.Equal(again.Body, first.Body) || again.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("after 25 h: %s", again)
	}
	// An expired record the purge has not reached yet does not block the key.
	h.clock.add(25 * time.Hour)
	third := h.keyed("POST", path, h.owner, "day", map[string]any{})
	if third.Code != 200 || bytes.Equal(third.Body, again.Body) {
		t.Fatalf("expired but not purged: %s", third)
	}
	if n := h.countRows("workflows"); n != 3 {
		t.Fatalf("%d workflows", n)
	}
}
