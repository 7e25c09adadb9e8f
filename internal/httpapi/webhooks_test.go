package httpapi_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

func TestWebhookSubscriptionsHTTP(t *testing.T) {
	e := newEnv(t)
	user := e.newUser(e.owner, "user@example.com", false)
	admin := e.newUser(e.owner, "admin@example.com", true)

	events := e.must(200, "GET", "/webhooks/events", e.owner, nil).list(t)
	var names []string
	for _, ev := range events {
		m := ev.(map[string]any)
		names = append(names, m["event"].(string))
		if m["url"] != nil {
			t.Errorf("fresh account subscribed: %v", m)
		}
	}
	if strings.Join(names, ",") != "workflow_completed,workflow_started,task_completed_v2,task_returned" {
		t.Errorf("order %v", names)
	}
	// Form body, alias, one URL per event.
	e.must(204, "POST", "/webhooks/events/task_completed/subscribe", admin.Key, url.Values{"url": {"https://example.com/a"}})
	e.must(204, "POST", "/webhooks/events/task_completed_v2/subscribe", admin.Key, map[string]any{"url": "https://example.com/b"})
	if got := e.must(200, "GET", "/webhooks/events/task_completed", e.owner, nil).obj(t)["url"]; got != "https://example.com/b" {
		t.Errorf("url %v", got)
	}
	// This server does not allow private targets.
	wantValidation(t, e.do("POST", "/webhooks/events/workflow_started/subscribe", e.owner, map[string]any{"url": "http://127.0.0.1:9/"}), "", "url", "")
	wantValidation(t, e.do("POST", "/webhooks/events/workflow_started/subscribe", e.owner, map[string]any{"url": "ftp://example.com/"}), "", "url", "")
	wantValidation(t, e.do("POST", "/webhooks/events/workflow_started/subscribe", e.owner, map[string]any{"url": 5}), "", "url", "")
	want404(t, e.do("POST", "/webhooks/events/nope/subscribe", e.owner, map[string]any{"url": "https://example.com/"}))
	want404(t, e.do("GET", "/webhooks/events/nope", e.owner, nil))
	// Subscribe all reuses the one URL.
	if got := e.must(200, "POST", "/webhooks/subscribe", e.owner, nil).obj(t)["url"]; got != "https://example.com/b" {
		t.Errorf("subscribe all: %v", got)
	}
	for _, path := range []string{"/webhooks/events", "/webhooks/secret", "/webhooks/deliveries"} {
		wantDetail(t, e.do("GET", path, user.Key, nil), 403, "")
	}
	for _, path := range []string{"/webhooks/secret/rotate", "/webhooks/events/workflow_started/test", "/webhooks/unsubscribe"} {
		wantDetail(t, e.do("POST", path, user.Key, nil), 403, "")
	}
	e.must(204, "POST", "/webhooks/unsubscribe", admin.Key, nil)
	wantValidation(t, e.do("POST", "/webhooks/subscribe", e.owner, map[string]any{}), "", "url", "")
}

func TestWebhookSecretAndDeliveriesHTTP(t *testing.T) {
	e := newEnv(t)
	secret := e.must(200, "GET", "/webhooks/secret", e.owner, nil).obj(t)["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	rotated := e.must(200, "POST", "/webhooks/secret/rotate", e.owner, nil).obj(t)["secret"].(string)
	if rotated == secret || e.must(200, "GET", "/webhooks/secret", e.owner, nil).obj(t)["secret"] != rotated {
		t.Errorf("rotation: %q → %q", secret, rotated)
	}

	// No subscription: a test needs a url.
	wantValidation(t, e.do("POST", "/webhooks/events/workflow_started/test", e.owner, nil), "", "url", "")
	e.must(204, "POST", "/webhooks/events/task_returned/subscribe", e.owner, map[string]any{"url": "https://example.com/r"})
	tpl := e.template(e.owner, tplBody(true, taskSpec{performers: []int64{e.me(e.owner)}}))
	wf := e.run(e.owner, tpl, map[string]any{"name": "Sampled"})
	d := e.must(200, "POST", "/webhooks/events/task_returned/test", e.owner, nil).obj(t)
	if d["status"] != "pending" || d["event"] != "task_returned" || d["url"] != "https://example.com/r" ||
		!strings.HasPrefix(d["webhook_id"].(string), "msg_") || d["workflow_id"] != nil {
		t.Errorf("test delivery %v", d)
	}
	payload := d["payload"].(map[string]any)
	if hook := payload["hook"].(map[string]any); hook["id"] != d["id"] || hook["event"] != "task_returned" {
		t.Errorf("hook %v", hook)
	}
	task := payload["task"].(map[string]any)
	if task["id"].(json.Number).String() != ids(wf.Tasks[0]) || task["workflow"].(map[string]any)["name"] != "Sampled" {
		t.Errorf("sample is about the newest workflow: %v", task)
	}
	id := ids(num(t, d["id"]))

	env := e.must(200, "GET", "/webhooks/deliveries?event=task_completed&status=pending", e.owner, nil).obj(t)
	if num(t, env["count"]) != 0 {
		t.Errorf("filtered list %v", env)
	}
	env = e.must(200, "GET", "/webhooks/deliveries?limit=1", e.owner, nil).obj(t)
	if num(t, env["count"]) != 1 || len(env["results"].([]any)) != 1 || env["next"] != nil {
		t.Errorf("list %v", env)
	}
	wantValidation(t, e.do("GET", "/webhooks/deliveries?status=lost", e.owner, nil), "", "status", "")
	wantValidation(t, e.do("GET", "/webhooks/deliveries?event=nope", e.owner, nil), "", "event", "")

	one := e.must(200, "GET", "/webhooks/deliveries/"+id, e.owner, nil).obj(t)
	if log, ok := one["attempt_log"].([]any); !ok || len(log) != 0 {
		t.Errorf("attempt_log %v", one["attempt_log"])
	}
	if r := e.must(200, "POST", "/webhooks/deliveries/"+id+"/redeliver", e.owner, nil).obj(t); r["id"] != d["id"] || r["status"] != "pending" {
		t.Errorf("redeliver %v", r)
	}
	other := e.otherAccount("other")
	want404(t, e.do("GET", "/webhooks/deliveries/"+id, other, nil))
	want404(t, e.do("POST", "/webhooks/deliveries/"+id+"/redeliver", other, nil))
	want404(t, e.do("POST", "/webhooks/deliveries/abc/redeliver", e.owner, nil))
	if n := num(t, e.must(200, "GET", "/webhooks/deliveries", other, nil).obj(t)["count"]); n != 0 {
		t.Errorf("the other account sees %d deliveries", n)
	}
}
