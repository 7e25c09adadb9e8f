package httpapi_test

import (
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/httpapi"
)

// TestAuditTrail: every security-relevant action leaves an entry (who,
// what, which object, when) that admins read through GET /accounts/audit,
// newest first, in the list envelope; plain users get 403; another
// account sees none of them; refused actions leave none.
func TestAuditTrail(t *testing.T) {
	h := newHardEnv(t, nil)
	e := h.env
	owner := e.me(e.owner)
	admin := e.newUser(e.owner, "adm@example.com", true) // user.created, api_key.created
	user := e.newUser(admin.Key, "usr@example.com", false)

	// Refused: nothing recorded.
	e.must(403, "POST", "/accounts/users", user.Key, map[string]any{"email": "no@example.com"})
	e.must(403, "POST", "/webhooks/secret/rotate", user.Key, nil)

	key := e.must(201, "POST", "/accounts/api-keys", user.Key, map[string]any{"name": "mine"}).obj(t)
	e.must(204, "DELETE", "/accounts/api-keys/"+ids(num(t, key["id"])), user.Key, nil)
	e.must(200, "PATCH", "/accounts/users/"+ids(user.ID), admin.Key, map[string]any{"is_admin": true})
	e.must(200, "PATCH", "/accounts/users/"+ids(user.ID), admin.Key, map[string]any{"is_admin": false})
	e.must(200, "POST", "/accounts/invites", admin.Key, map[string]any{"users": []any{map[string]any{"email": "inv@example.com"}}})
	gone := e.newUser(e.owner, "gone@example.com", false)
	e.must(204, "DELETE", "/accounts/users/"+ids(gone.ID), admin.Key, nil)
	tpl := e.template(admin.Key, tplBody(false))
	e.must(200, "PATCH", "/templates/"+ids(tpl), admin.Key, map[string]any{"name": "Renamed"})
	e.must(204, "DELETE", "/templates/"+ids(tpl), admin.Key, nil)
	e.must(204, "POST", "/webhooks/events/workflow_started/subscribe", admin.Key, map[string]any{"url": "https://example.com/a"})
	e.must(204, "POST", "/webhooks/events/workflow_started/unsubscribe", admin.Key, nil)
	e.must(200, "POST", "/webhooks/subscribe", admin.Key, map[string]any{"url": "https://example.com/all"})
	e.must(204, "POST", "/webhooks/unsubscribe", admin.Key, nil)
	e.must(200, "POST", "/webhooks/secret/rotate", admin.Key, nil)

	type entry struct {
		action, objectType string
		userID, objectID   int64
	}
	want := []entry{
		{"user.created", "user", owner, admin.ID}, {"api_key.created", "api_key", owner, 0},
		{"user.created", "user", admin.ID, user.ID}, {"api_key.created", "api_key", admin.ID, 0},
		{"api_key.created", "api_key", user.ID, num(t, key["id"])}, {"api_key.revoked", "api_key", user.ID, num(t, key["id"])},
		{"user.role_changed", "user", admin.ID, user.ID}, {"user.role_changed", "user", admin.ID, user.ID},
		{"user.invited", "user", admin.ID, 0}, {"user.created", "user", owner, gone.ID}, {"api_key.created", "api_key", owner, 0},
		{"user.deactivated", "user", admin.ID, gone.ID}, {"template.saved", "template", admin.ID, tpl},
		{"template.saved", "template", admin.ID, tpl}, {"template.deleted", "template", admin.ID, tpl},
		{"webhook.subscribe", "webhook", admin.ID, 0}, {"webhook.unsubscribe", "webhook", admin.ID, 0},
		{"webhook.subscribe", "webhook", admin.ID, 0}, {"webhook.unsubscribe", "webhook", admin.ID, 0},
		{"webhook.secret_rotate", "account", admin.ID, 0},
	}
	page := e.must(200, "GET", "/accounts/audit?limit=100", admin.Key, nil).obj(t)
	if num(t, page["count"]) != int64(len(want)) {
		t.Fatalf("count %v, want %d: %s", page["count"], len(want), page["results"])
	}
	results := page["results"].([]any)
	for i, w := range want {
		got := results[len(results)-1-i].(map[string]any) // newest first
		if got["action"] != w.action || got["object_type"] != w.objectType || num(t, got["user_id"]) != w.userID ||
			(w.objectID != 0 && num(t, got["object_id"]) != w.objectID) || got["created"] == nil || got["created_tsp"] == nil {
			t.Errorf("entry %d: got %v, want %+v", i, got, w)
		}
	}
	if d := results[len(results)-6].(map[string]any)["details"].(map[string]any); d["user_id"] == nil {
		t.Errorf("revocation without the key's user: %v", d)
	}
	if s := string(e.must(200, "GET", "/accounts/audit?limit=100", e.owner, nil).Body); strings.Contains(s, "whsec_") ||
		regexp.MustCompile(`pn-[A-Za-z0-9_-]{12,}`).MatchString(s) {
		t.Errorf("the audit log shows a secret (keys appear by their 10-character display prefix only): %s", s)
	}
	// Envelope and paging.
	p2 := e.must(200, "GET", "/accounts/audit?limit=5&offset=5", e.owner, nil).obj(t)
	if len(p2["results"].([]any)) != 5 || p2["next"] == nil || p2["previous"] == nil {
		t.Errorf("paging: %v", p2)
	}
	wantDetail(t, e.do("GET", "/accounts/audit", user.Key, nil), 403, "")
	other := e.otherAccount("other")
	if n := num(t, e.must(200, "GET", "/accounts/audit", other, nil).obj(t)["count"]); n != 0 {
		t.Errorf("another account sees %d entries", n)
	}
}

// TestKeyExpiryAndLastUsed: a key with an expiry works until then and is
// refused (401) after; last_used follows use (to the minute).
func TestKeyExpiryAndLastUsed(t *testing.T) {
	h := newHardEnv(t, nil)
	e := h.env
	exp := h.clock.now().Add(time.Hour).Truncate(time.Second)
	k := e.must(201, "POST", "/accounts/api-keys", e.owner, map[string]any{"name": "ci", "expires_at": exp.Format(time.RFC3339)}).obj(t)
	tok := k["token"].(string)
	if k["expires_at"] != exp.Format("2006-01-02T15:04:05.000Z") {
		t.Fatalf("expires_at %v", k["expires_at"])
	}
	keyOf := func() map[string]any {
		for _, it := range e.must(200, "GET", "/accounts/api-keys", e.owner, nil).list(t) {
			if m := it.(map[string]any); num(t, m["id"]) == num(t, k["id"]) {
				return m
			}
		}
		t.Fatal("key not listed")
		return nil
	}
	if keyOf()["last_used"] != nil {
		t.Fatal("last_used before any use")
	}
	e.must(200, "GET", "/accounts/user", tok, nil)
	used := keyOf()["last_used"]
	if used == nil {
		t.Fatal("last_used not set by a use")
	}
	h.clock.add(30 * time.Minute)
	e.must(200, "GET", "/accounts/user", tok, nil)
	if again := keyOf()["last_used"]; again == used {
		t.Fatal("last_used not moved after 30 minutes")
	}
	h.clock.add(31 * time.Minute)
	wantDetail(t, e.do("GET", "/accounts/user", tok, nil), 401, "Invalid API key.")
	// Expiry by a Unix time works the same; the other keys are untouched.
	k2 := e.must(201, "POST", "/accounts/api-keys", e.owner, map[string]any{"expires_at_tsp": h.clock.now().Add(time.Minute).Unix()}).obj(t)
	e.must(200, "GET", "/accounts/user", k2["token"].(string), nil)
	h.clock.add(2 * time.Minute)
	wantDetail(t, e.do("GET", "/accounts/user", k2["token"].(string), nil), 401, "Invalid API key.")
	e.must(200, "GET", "/accounts/user", e.owner, nil)
}

// TestKeysNeverLogged: whatever happens to a request (success, 401, 403,
// 404, 400, 429, a panic-free error), the log shows no Authorization header
// and no API key, valid or not, nor a fragment long enough to use.
func TestKeysNeverLogged(t *testing.T) {
	h := newHardEnv(t, &httpapi.Limits{RatePerSecond: 1, Burst: 2})
	// writeError logs through the default logger: capture it too.
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(h.log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(prev)
	e := h.env
	user := e.newUser(e.owner, "u@example.com", false)
	bad := "pn-" + strings.Repeat("Q", 43)
	for _, c := range []struct {
		method, path, key string
		body              any
	}{
		{"GET", "/accounts/user", user.Key, nil},
		{"GET", "/accounts/user", bad, nil},
		{"POST", "/accounts/users", user.Key, map[string]any{"email": "x@example.com"}},
		{"GET", "/templates/999", user.Key, nil},
		{"POST", "/accounts/api-keys", user.Key, map[string]any{"name": strings.Repeat("n", 200)}},
		{"GET", "/accounts/user", user.Key, nil}, // 429 by now
		{"GET", "/accounts/user", user.Key, nil},
		{"GET", "/accounts/user?key=" + bad, "", nil},
	} {
		e.do(c.method, c.path, c.key, c.body)
	}
	logs := h.log.String()
	if !strings.Contains(logs, `"status":429`) || !strings.Contains(logs, `"status":401`) {
		t.Fatalf("the log lacks the requests:\n%s", logs)
	}
	for _, secret := range []string{user.Key, bad, e.owner} {
		if strings.Contains(logs, secret[3:15]) {
			t.Errorf("the log contains (part of) a key %s…:\n%s", secret[:8], logs)
		}
	}
	for _, word := range []string{"Authorization", "authorization", "Bearer"} {
		if strings.Contains(logs, word) {
			t.Errorf("the log mentions %q:\n%s", word, logs)
		}
	}
}
