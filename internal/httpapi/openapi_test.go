package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/pneumatic-oss/pneumatic/api"
	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/blob"
	"github.com/pneumatic-oss/pneumatic/internal/httpapi"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
)

// Tests that keep api/openapi.json and the server in step: every route is
// documented and every documented operation routed (TestRoutesMatchSpec);
// every answer of a realistic session matches the documented schema for its
// path, method and status (TestResponsesMatchSchemas).

// htmlPrefixes are routes outside the JSON API (the web app's pages, public
// forms, their assets). They are not part of the description, so the
// route/spec test leaves them out.
var htmlPrefixes = []string{"/app", "/forms", "/static", "/login", "/logout", "/web"}

func isHTMLRoute(path string) bool {
	for _, p := range htmlPrefixes {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// specOps lists the documented operations as "METHOD /path".
func specOps(doc openapiDoc) []string {
	var out []string
	for path, item := range doc["paths"].(map[string]any) {
		for _, m := range methods {
			if _, ok := item.(map[string]any)[m]; ok {
				out = append(out, strings.ToUpper(m)+" "+path)
			}
		}
	}
	sort.Strings(out)
	return out
}

// handleRe finds mux registrations: Handle("GET /x", …) or HandleFunc.
var handleRe = regexp.MustCompile(`\.Handle(?:Func)?\(\s*"([^"]+)"`)

// registeredPatterns reads the patterns this package registers from its
// source. The mux cannot list its routes, and reading the source needs no
// hook in production code; the test then proves each pattern against the
// real mux, so a parsing slip cannot hide a route.
func registeredPatterns(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range handleRe.FindAllSubmatch(src, -1) {
			out = append(out, string(m[1]))
		}
	}
	sort.Strings(out)
	return out
}

var wildcardRe = regexp.MustCompile(`\{[^}]+\}`)

// sample is a request path for a pattern: every {x} becomes "1".
func sample(path string) string { return wildcardRe.ReplaceAllString(path, "1") }

func TestRoutesMatchSpec(t *testing.T) {
	doc := loadSpec(t)
	e := newEnv(t)
	// A server of its own for the mux, so that this test does not depend
	// on how newEnv wraps its handler.
	mux := httpapi.New(e.svc, publicURL, slog.New(slog.NewTextHandler(io.Discard, nil)), nil).Mux()
	routeOf := func(method, path string) string {
		_, pattern := mux.Handler(httptest.NewRequest(method, sample(path), nil))
		return pattern
	}

	documented := map[string]bool{}
	for _, op := range specOps(doc) {
		documented[op] = true
	}
	registered := map[string]bool{}
	for _, pattern := range registeredPatterns(t) {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok || !strings.HasPrefix(path, "/") {
			if isHTMLRoute(pattern) {
				continue
			}
			t.Errorf("route %q has no method: every API route names its method", pattern)
			continue
		}
		if isHTMLRoute(path) {
			continue
		}
		if got := routeOf(method, path); got != pattern {
			t.Errorf("source registers %q but the mux routes %s %s to %q", pattern, method, sample(path), got)
		}
		registered[pattern] = true
		if !documented[pattern] {
			t.Errorf("route %s is not in api/openapi.json", pattern)
		}
	}
	if len(registered) == 0 {
		t.Fatal("no routes found in the package source")
	}

	ops := specOps(doc)
	for _, op := range ops {
		method, path, _ := strings.Cut(op, " ")
		if got := routeOf(method, path); got != op {
			t.Errorf("api/openapi.json documents %s, the mux routes it to %q", op, got)
		}
		// The documented security is the real one: without a key, an
		// operation that needs one answers 401, one that does not never
		// does (files: only for unpublished ones, so either is fine).
		item := doc["paths"].(map[string]any)[path].(map[string]any)
		sec, hasSec := item[strings.ToLower(method)].(map[string]any)["security"].([]any)
		r := e.do(method, sample(path), "", nil)
		switch {
		case !hasSec && r.Code != 401:
			t.Errorf("%s needs a key by the description, but answers %d without one", op, r.Code)
		case hasSec && len(sec) == 0 && r.Code == 401:
			t.Errorf("%s needs no key by the description, but answers 401 without one", op)
		}
	}
	t.Logf("%d paths, %d operations documented; %d routes registered", len(doc["paths"].(map[string]any)), len(ops),
		len(registered))
}

// TestDocsPage checks the reference page: served without a key, from the
// binary, naming every operation, loading nothing from elsewhere.
func TestDocsPage(t *testing.T) {
	doc := loadSpec(t)
	e := newEnv(t)
	r := e.must(200, "GET", "/docs", "", nil)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
	csp := r.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	page := string(r.Body)
	for _, bad := range []string{"<script", "<link", "src=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q: it must load nothing", bad)
		}
	}
	for _, op := range specOps(doc) {
		method, path, _ := strings.Cut(op, " ")
		item := doc["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
		if id := item["operationId"].(string); !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("the page has no section for %s (%s)", op, id)
		}
	}
	for name := range doc["components"].(map[string]any)["schemas"].(map[string]any) {
		if !strings.Contains(page, `id="schema-`+name+`"`) {
			t.Errorf("the page has no section for schema %s", name)
		}
	}
	spec := e.must(200, "GET", "/openapi.json", "", nil)
	if !bytes.Equal(spec.Body, api.Spec) || spec.Header.Get("Content-Type") != "application/json" {
		t.Errorf("/openapi.json is not the embedded file (%s)", spec.Header.Get("Content-Type"))
	}
}

// checker is an http.Handler in front of the server that validates every
// answer against the description, and counts what it validated.
type checker struct {
	t    *testing.T
	doc  openapiDoc
	mux  *http.ServeMux
	next http.Handler

	mu        sync.Mutex
	seen      map[string]map[int]int // "METHOD /path" → status → answers
	validated int                    // JSON bodies validated
	requests  int                    // JSON request bodies validated
}

func (c *checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.t.Helper()
	_, pattern := c.mux.Handler(r)
	var reqBody []byte
	if r.Body != nil {
		reqBody, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	rec := httptest.NewRecorder()
	c.next.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
	for _, e := range c.check(r, pattern, reqBody, rec) {
		c.t.Errorf("%s %s → %d: %s", r.Method, r.URL.RequestURI(), rec.Code, e)
	}
}

// response finds the documented answer for a pattern and status.
func (c *checker) response(pattern string, status int) (op string, resp map[string]any, errs []string) {
	components := c.doc["components"].(map[string]any)["responses"].(map[string]any)
	if pattern == "" {
		// Not routed: the server's own 404 or 405.
		switch status {
		case 404:
			return "(no route)", components["NotFound"].(map[string]any), nil
		case 405:
			return "(no route)", components["MethodNotAllowed"].(map[string]any), nil
		}
		return "(no route)", nil, []string{"an unrouted request must be 404 or 405"}
	}
	method, path, _ := strings.Cut(pattern, " ")
	if method == "HEAD" {
		method = "GET"
	}
	item, ok := c.doc["paths"].(map[string]any)[path].(map[string]any)
	if !ok {
		return pattern, nil, []string{"path " + path + " is not documented"}
	}
	opv, ok := item[strings.ToLower(method)].(map[string]any)
	if !ok {
		return pattern, nil, []string{method + " " + path + " is not documented"}
	}
	responses := opv["responses"].(map[string]any)
	raw, ok := responses[strconv.Itoa(status)]
	if !ok {
		raw, ok = responses[fmt.Sprintf("%dXX", status/100)]
	}
	if !ok {
		return pattern, nil, []string{fmt.Sprintf("status %d is not documented for %s", status, pattern)}
	}
	resp = raw.(map[string]any)
	if ref, ok := resp["$ref"].(string); ok {
		target, err := c.doc.pointer(ref)
		if err != nil {
			return pattern, nil, []string{err.Error()}
		}
		resp = target.(map[string]any)
	}
	return method + " " + path, resp, nil
}

func (c *checker) check(r *http.Request, pattern string, reqBody []byte, rec *httptest.ResponseRecorder) []string {
	op, resp, errs := c.response(pattern, rec.Code)
	if resp == nil {
		return errs
	}
	c.mu.Lock()
	if c.seen[op] == nil {
		c.seen[op] = map[int]int{}
	}
	c.seen[op][rec.Code]++
	c.mu.Unlock()

	content, _ := resp["content"].(map[string]any)
	body := rec.Body.Bytes()
	if len(content) == 0 {
		if len(body) > 0 && r.Method != "HEAD" {
			errs = append(errs, fmt.Sprintf("documented without a body, got %q", short(string(body))))
		}
		return errs
	}
	media, isJSON := content["application/json"].(map[string]any)
	if !isJSON {
		// Bytes or a page: the type is all there is to check.
		ct, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
		if _, ok := content[ct]; !ok && content["*/*"] == nil {
			errs = append(errs, fmt.Sprintf("Content-Type %q is not documented", ct))
		}
		return errs
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		errs = append(errs, fmt.Sprintf("Content-Type %q, want application/json", ct))
	}
	v, err := decodeJSON(body)
	if err != nil {
		return append(errs, "body is not JSON: "+err.Error())
	}
	errs = append(errs, c.doc.validate(media["schema"], v, "$")...)
	c.mu.Lock()
	c.validated++
	c.mu.Unlock()

	// A request the server accepted must fit the documented request body
	// too: the description must not refuse what works.
	if rec.Code < 300 && len(reqBody) > 0 && pattern != "" {
		if reqCT, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); reqCT == "application/json" {
			method, path, _ := strings.Cut(op, " ")
			opv := c.doc["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
			rb, ok := opv["requestBody"].(map[string]any)
			if !ok {
				return append(errs, "a body was accepted, but the operation documents none")
			}
			schema := rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
			rv, err := decodeJSON(reqBody)
			if err == nil {
				for _, e := range c.doc.validate(schema, rv, "request") {
					errs = append(errs, e)
				}
				c.mu.Lock()
				c.requests++
				c.mu.Unlock()
			}
		}
	}
	return errs
}

// newCheckedEnv is newEnv with file storage, behind a checker.
func newCheckedEnv(t *testing.T) (*env, *checker) {
	t.Helper()
	db := storetest.Open(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := app.New(db, app.Config{PublicURL: publicURL}, nil, quiet)
	files, err := blob.NewDir(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	svc.SetBlobStore(files)
	if _, err := svc.Bootstrap(context.Background(), "owner@example.com", ownerKey); err != nil {
		t.Fatal(err)
	}
	srv := httpapi.New(svc, publicURL, quiet, nil)
	c := &checker{t: t, doc: loadSpec(t), mux: srv.Mux(), next: srv, seen: map[string]map[int]int{}}
	return &env{t: t, svc: svc, h: c, owner: ownerKey}, c
}

// send serves a request built by the test (headers the helpers do not set).
func (e *env) send(req *http.Request) *resp {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return &resp{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// localPath turns an absolute URL the server handed out into a request path.
func localPath(t *testing.T, u string) string {
	t.Helper()
	if !strings.HasPrefix(u, publicURL+"/") {
		t.Fatalf("URL %q is not on %s", u, publicURL)
	}
	return strings.TrimPrefix(u, publicURL)
}

func field(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		if i, err := strconv.Atoi(p); err == nil {
			cur = cur.([]any)[i]
			continue
		}
		cur = cur.(map[string]any)[p]
	}
	return cur
}

// fullTemplate uses every kind of nested object and field type.
func fullTemplate(owner, admin, group int64) map[string]any {
	sel := func(prefix string, values ...string) []any {
		var out []any
		for i, v := range values {
			out = append(out, map[string]any{"api_name": fmt.Sprintf("%s-%d", prefix, i+1), "value": v})
		}
		return out
	}
	return map[string]any{
		"name": "Deal desk", "description": "From lead to signed deal.", "is_active": true,
		"is_public": true, "is_embedded": true, "public_success_url": "https://example.com/thanks", "finalizable": true,
		"template_owners": []int64{owner, admin},
		"kickoff": map[string]any{"description": "Tell us about the deal.", "fields": []any{
			map[string]any{"api_name": "client", "name": "Client", "type": "string", "order": 0, "is_required": true},
			map[string]any{"api_name": "notes", "name": "Notes", "type": "text", "order": 1, "default": "none"},
			map[string]any{"api_name": "plan", "name": "Plan", "type": "dropdown", "order": 2, "selections": sel("plan", "Basic", "Pro")},
			map[string]any{"api_name": "extras", "name": "Extras", "type": "checkbox", "order": 3, "selections": sel("extra", "Support", "Training")},
			map[string]any{"api_name": "size", "name": "Size", "type": "radio", "order": 4, "selections": sel("size", "S", "M")},
			map[string]any{"api_name": "start", "name": "Start", "type": "date", "order": 5},
			map[string]any{"api_name": "site", "name": "Site", "type": "url", "order": 6},
			map[string]any{"api_name": "docs", "name": "Documents", "type": "file", "order": 7},
			map[string]any{"api_name": "manager", "name": "Manager", "type": "user", "order": 8, "is_required": true},
			map[string]any{"api_name": "seats", "name": "Seats", "type": "number", "order": 9},
		}},
		"tasks": []any{
			map[string]any{"api_name": "prepare", "number": 1, "name": "Prepare {{client}}", "description": "Plan {{plan}}",
				"raw_performers": []any{map[string]any{"type": "field", "source_id": "manager"}},
				"raw_due_date":   map[string]any{"api_name": "prepare-due", "duration": "1 00:00:00", "rule": "after task started", "source_id": "prepare"},
				"checklists": []any{map[string]any{"api_name": "cl", "selections": []any{
					map[string]any{"api_name": "cl-laptop", "value": "Laptop for {{client}}"},
					map[string]any{"api_name": "cl-badge", "value": "Badge"}}}},
				"fields": []any{map[string]any{"api_name": "approved", "name": "Approved?", "type": "radio", "is_required": true,
					"selections": []any{map[string]any{"api_name": "yes", "value": "Yes"}, map[string]any{"api_name": "no", "value": "No"}}}},
			},
			map[string]any{"api_name": "review", "number": 2, "name": "Review", "require_completion_by_all": false,
				"raw_performers": []any{map[string]any{"type": "user", "source_id": strconv.FormatInt(admin, 10)},
					map[string]any{"type": "group", "source_id": strconv.FormatInt(group, 10)}},
				"conditions": []any{map[string]any{"api_name": "only-approved", "action": "start_task", "order": 0, "rules": []any{
					map[string]any{"api_name": "r1", "predicates": []any{map[string]any{"api_name": "p1", "field_type": "radio",
						"field": "approved", "operator": "equals", "value": "yes"}}}}}},
			},
			map[string]any{"api_name": "wrap", "number": 3, "name": "Wrap up {{client}}",
				"raw_performers": []any{map[string]any{"type": "workflow_starter"}},
				"raw_due_date":   map[string]any{"duration": "02:00:00", "rule": "after workflow started"},
				"conditions": []any{map[string]any{"action": "skip_task", "order": 0, "rules": []any{
					map[string]any{"predicates": []any{map[string]any{"field_type": "string", "field": "client", "operator": "not_exists"}}}}}},
			},
		},
	}
}

// TestResponsesMatchSchemas drives every operation through a realistic
// session (and several failures) and validates each answer against the
// schema documented for its path, method and status. The checker does the
// validating; the session only has to reach every answer.
func TestResponsesMatchSchemas(t *testing.T) {
	e, c := newCheckedEnv(t)
	O := e.owner

	// Documentation and health.
	e.must(200, "GET", "/openapi.json", "", nil)
	e.must(200, "GET", "/docs", "", nil)
	e.must(200, "GET", "/healthz", "", nil)

	// Users, invitations, keys, groups.
	ownerID := e.me(O)
	admin := e.newUser(O, "admin@example.com", true)
	perf := e.newUser(O, "perf@example.com", false)
	e.must(200, "GET", "/accounts/users?status=active,invited&ordering=-email&limit=2", O, nil)
	e.must(200, "GET", "/accounts/users?order=desc&offset=1&limit=1", perf.Key, nil)
	e.must(200, "GET", "/accounts/users/"+ids(perf.ID), perf.Key, nil)
	e.must(200, "PATCH", "/accounts/users/"+ids(perf.ID), O, map[string]any{"first_name": "Pat", "phone": "+1 555 0100"})
	invited := e.must(200, "POST", "/accounts/invites", admin.Key, map[string]any{"users": []any{
		map[string]any{"email": "new@example.com", "first_name": "New"}}}).list(t)[0].(map[string]any)
	newcomer := num(t, invited["id"])
	e.must(200, "GET", "/accounts/users/"+ids(newcomer), O, nil) // with its invite object
	accepted := e.must(200, "POST", "/accounts/invites/"+field(invited, "invite", "id").(string)+"/accept", "",
		map[string]any{"token": invited["token"], "last_name": "Comer"}).obj(t)
	e.must(200, "GET", "/accounts/user", accepted["api_key"].(string), nil)
	e.must(200, "GET", "/accounts/api-keys", O, nil)
	k := e.must(201, "POST", "/accounts/api-keys", O, map[string]any{"name": "ci", "expires_at": "2030-01-01T00:00:00Z"}).obj(t)
	e.must(204, "DELETE", "/accounts/api-keys/"+ids(num(t, k["id"])), O, nil)
	e.must(200, "GET", "/accounts/users/"+ids(perf.ID)+"/api-keys", O, nil)
	k = e.must(201, "POST", "/accounts/users/"+ids(perf.ID)+"/api-keys", O, map[string]any{"name": "spare"}).obj(t)
	e.must(204, "DELETE", "/accounts/users/"+ids(perf.ID)+"/api-keys/"+ids(num(t, k["id"])), O, nil)
	group := num(t, e.must(201, "POST", "/accounts/groups", O, map[string]any{"name": "Team", "users": []int64{perf.ID}}).obj(t)["id"])
	e.must(200, "GET", "/accounts/groups", perf.Key, nil)
	e.must(200, "GET", "/accounts/groups/"+ids(group), perf.Key, nil)
	e.must(200, "PATCH", "/accounts/groups/"+ids(group), O, map[string]any{"name": "Team A"})
	e.must(200, "PUT", "/accounts/groups/"+ids(group), O, map[string]any{"name": "Team B", "users": []int64{perf.ID}})
	spare := num(t, e.must(201, "POST", "/accounts/groups", O, map[string]any{"name": "Spare"}).obj(t)["id"])
	e.must(204, "DELETE", "/accounts/groups/"+ids(spare), O, nil)
	e.must(204, "DELETE", "/accounts/users/"+ids(newcomer), admin.Key, nil)
	e.must(200, "GET", "/accounts/audit", O, nil)

	// Webhooks: subscribed before the workflows run, so that every event
	// is recorded as a delivery whose payload the schema test then checks.
	e.must(204, "POST", "/webhooks/events/workflow_started/subscribe", admin.Key, map[string]any{"url": "https://example.com/hook"})
	e.must(200, "GET", "/webhooks/events/workflow_started", O, nil)
	e.must(200, "POST", "/webhooks/subscribe", O, map[string]any{})
	e.must(200, "GET", "/webhooks/events", O, nil)

	// Attachments: one published, with a thumbnail; one for a file field.
	png := []byte("\x89PNG\r\n\x1a\n fake image bytes")
	slot := e.must(200, "POST", "/workflows/attachments", perf.Key, map[string]any{"filename": "pic.png",
		"content_type": "image/png", "size": len(png), "thumbnail": true}).obj(t)
	put := func(u string) {
		req := httptest.NewRequest("PUT", localPath(t, u), bytes.NewReader(png))
		req.Header.Set("Content-Type", "image/png")
		if r := e.send(req); r.Code != 200 {
			t.Fatalf("upload: %s", r)
		}
	}
	put(slot["file_upload_url"].(string))
	put(slot["thumbnail_upload_url"].(string))
	pub := e.must(200, "POST", "/workflows/attachments/"+ids(num(t, slot["id"]))+"/publish", perf.Key, nil).obj(t)
	e.must(200, "GET", localPath(t, pub["url"].(string)), "", nil)
	e.must(200, "GET", localPath(t, pub["thumbnail_url"].(string)), "", nil)
	rng := httptest.NewRequest("GET", localPath(t, pub["url"].(string)), nil)
	rng.Header.Set("Range", "bytes=0-3")
	if r := e.send(rng); r.Code != 206 {
		t.Errorf("range: %s", r)
	}
	slot2 := e.must(200, "POST", "/workflows/attachments", O, map[string]any{"filename": "contract.pdf",
		"content_type": "application/pdf", "size": len(png)}).obj(t)
	req := httptest.NewRequest("PUT", localPath(t, slot2["file_upload_url"].(string)), bytes.NewReader(png))
	req.Header.Set("Content-Type", "application/pdf")
	if r := e.send(req); r.Code != 200 {
		t.Fatalf("upload: %s", r)
	}

	// Templates.
	body := fullTemplate(ownerID, admin.ID, group)
	tpl := num(t, e.must(200, "POST", "/templates", admin.Key, body).obj(t)["id"])
	e.must(200, "GET", "/templates?ordering=name&is_active=true&limit=1", O, nil)
	e.must(200, "GET", "/templates", perf.Key, nil)
	e.must(200, "GET", "/templates/"+ids(tpl), O, nil)
	body["description"] = "From lead to signed deal, reviewed."
	e.must(200, "PUT", "/templates/"+ids(tpl), O, body)
	e.must(200, "PATCH", "/templates/"+ids(tpl), O, map[string]any{"finalizable": true})
	draft := num(t, e.must(200, "POST", "/templates", O, map[string]any{"name": "Draft"}).obj(t)["id"])
	e.must(204, "DELETE", "/templates/"+ids(draft), O, nil)
	delayed := e.template(O, map[string]any{"name": "Later", "is_active": true, "tasks": []any{map[string]any{
		"number": 1, "name": "Wait", "delay": "01:00:00", "raw_performers": []any{map[string]any{"type": "workflow_starter"}}}}})

	// A workflow through its whole life.
	kickoff := map[string]any{"client": "ACME", "notes": "Big one", "plan": "plan-2", "extras": []string{"extra-1", "extra-2"},
		"size": "S", "start": "2026-12-01", "site": "https://acme.example.com", "docs": []int64{num(t, slot2["id"])},
		"manager": perf.ID, "seats": 12}
	run := e.must(200, "POST", "/templates/"+ids(tpl)+"/run", O, map[string]any{"name": "Deal {{client}}",
		"kickoff": kickoff, "is_urgent": true, "due_date": "2030-01-01T00:00:00Z"}).obj(t)
	wf := ids(num(t, run["id"]))
	task := func(n int) string { return ids(num(t, field(run, "tasks", strconv.Itoa(n-1), "id"))) }
	e.must(200, "GET", "/workflows?status=running&template_id="+ids(tpl)+"&ordering=-urgent", O, nil)
	e.must(200, "GET", "/workflows", perf.Key, nil)
	e.must(200, "GET", "/workflows/"+wf, perf.Key, nil)
	e.must(200, "GET", "/workflows/fields?template_id="+ids(tpl)+"&fields=client,plan,extras,docs,manager", O, nil)
	e.must(200, "PATCH", "/workflows/"+wf, O, map[string]any{"name": "Deal ACME", "is_urgent": false})
	e.must(200, "POST", "/workflows/"+wf+"/comment", perf.Key, map[string]any{"text": "Kick-off call done"})
	e.must(200, "GET", "/workflows/"+wf+"/events", O, nil)
	e.must(200, "GET", "/v3/tasks", perf.Key, nil)
	e.must(200, "GET", "/v3/tasks?assigned_to="+ids(perf.ID)+"&ordering=-date", O, nil)
	detail := e.must(200, "GET", "/v2/tasks/"+task(1), perf.Key, nil).obj(t)
	cl := ids(num(t, field(detail, "checklists", "0", "id")))
	var items []string
	for _, it := range field(detail, "checklists", "0", "selections").([]any) {
		items = append(items, ids(num(t, it.(map[string]any)["id"])))
	}
	e.must(200, "GET", "/v2/tasks/checklists/"+cl, perf.Key, nil)
	for _, it := range items {
		e.must(200, "POST", "/v2/tasks/checklists/"+cl+"/mark", perf.Key, map[string]any{"selection_id": it})
	}
	e.must(200, "POST", "/v2/tasks/checklists/"+cl+"/unmark", perf.Key, map[string]any{"selection_id": items[0]})
	wantValidation(t, e.do("POST", "/workflows/"+wf+"/task-complete", perf.Key, map[string]any{"task_id": task(1),
		"output": map[string]any{"approved": "yes"}}), "", "", "")
	e.must(200, "POST", "/v2/tasks/checklists/"+cl+"/mark", perf.Key, map[string]any{"selection_id": items[0]})
	e.must(204, "POST", "/workflows/"+wf+"/task-complete", perf.Key, map[string]any{"task_id": task(1),
		"output": map[string]any{"approved": "yes"}})
	e.must(204, "POST", "/workflows/"+wf+"/task-revert", admin.Key, map[string]any{"comment": "Not yet"})
	e.must(200, "POST", "/v2/tasks/"+task(1)+"/complete", perf.Key, map[string]any{"output": map[string]any{"approved": "yes"}})
	e.must(204, "POST", "/v2/tasks/"+task(2)+"/revert", admin.Key, map[string]any{"comment": "Once more"})
	e.must(204, "POST", "/workflows/"+wf+"/task-complete", O, map[string]any{"task_id": task(1), "user_id": perf.ID})
	e.must(200, "POST", "/v2/tasks/"+task(2)+"/complete", admin.Key, nil)
	e.must(204, "POST", "/workflows/"+wf+"/return-to", O, map[string]any{"task_api_name": "review"})
	e.must(204, "POST", "/workflows/"+wf+"/task-complete", admin.Key, map[string]any{"task_id": task(2)})
	e.must(200, "POST", "/workflows/"+wf+"/snooze", O, map[string]any{"date": "2099-01-01T00:00:00Z"})
	e.must(200, "GET", "/workflows/"+wf, O, nil)
	e.must(200, "POST", "/workflows/"+wf+"/resume", O, nil)
	e.must(204, "POST", "/workflows/"+wf+"/task-complete", O, map[string]any{"task_id": task(3)})
	e.must(200, "GET", "/workflows/"+wf, O, nil)
	e.must(200, "GET", "/workflows/fields?template_id="+ids(tpl)+"&status=done", perf.Key, nil)
	e.must(200, "GET", "/v3/tasks?is_completed=true", perf.Key, nil)
	e.must(200, "GET", "/v2/tasks/"+task(3), O, nil)

	// Finish, delete, and a workflow waiting on a delay. (An attachment
	// belongs to one field: later runs leave the file field empty.)
	delete(kickoff, "docs")
	wf2 := ids(num(t, e.must(200, "POST", "/templates/"+ids(tpl)+"/run", O, map[string]any{"kickoff": kickoff}).obj(t)["id"]))
	e.must(204, "POST", "/workflows/"+wf2+"/finish", O, nil)
	wf3 := ids(num(t, e.must(200, "POST", "/templates/"+ids(tpl)+"/run", O, map[string]any{"kickoff": kickoff}).obj(t)["id"]))
	e.must(204, "DELETE", "/workflows/"+wf3, O, nil)
	later := e.must(200, "POST", "/templates/"+ids(delayed)+"/run", perf.Key, nil).obj(t)
	e.must(200, "GET", "/v2/tasks/"+ids(num(t, field(later, "tasks", "0", "id"))), perf.Key, nil)
	e.must(200, "GET", "/workflows?status=delayed", perf.Key, nil)

	// Idempotency-Key: a retry gets the stored answer; the same key with
	// another body is a 422.
	idem := func(body string) *resp {
		r := httptest.NewRequest("POST", "/templates/"+ids(delayed)+"/run", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+O)
		r.Header.Set("Idempotency-Key", "run-once")
		return e.send(r)
	}
	first, again := idem(`{"name": "Once"}`), idem(`{"name": "Once"}`)
	if first.Code != 200 || again.Code != 200 || !bytes.Equal(first.Body, again.Body) {
		t.Errorf("idempotent retry: %s then %s", first, again)
	}
	if r := idem(`{"name": "Twice"}`); r.Code != 422 {
		t.Errorf("a reused Idempotency-Key: %s", r)
	}

	// Webhook extensions; every event's payload, through the log.
	e.must(200, "GET", "/webhooks/secret", O, nil)
	e.must(200, "POST", "/webhooks/secret/rotate", O, nil)
	test := e.must(200, "POST", "/webhooks/events/task_returned/test", O, nil).obj(t)
	log := e.must(200, "GET", "/webhooks/deliveries?limit=1000", O, nil).obj(t)
	events := map[string]bool{}
	for _, d := range log["results"].([]any) {
		events[d.(map[string]any)["event"].(string)] = true
	}
	for _, ev := range []string{"workflow_started", "workflow_completed", "task_completed_v2", "task_returned"} {
		if !events[ev] {
			t.Errorf("no %s delivery recorded: its payload schema went unchecked", ev)
		}
	}
	e.must(200, "GET", "/webhooks/deliveries/"+ids(num(t, test["id"])), O, nil)
	e.must(200, "POST", "/webhooks/deliveries/"+ids(num(t, test["id"]))+"/redeliver", O, nil)
	e.must(204, "POST", "/webhooks/events/task_returned/unsubscribe", O, nil)
	e.must(204, "POST", "/webhooks/unsubscribe", O, nil)

	// Failures: each must be documented for its operation, in its shape.
	wantDetail(t, e.do("GET", "/accounts/user", "", nil), 401, "")
	wantDetail(t, e.do("GET", "/templates", "pn-"+strings.Repeat("x", 43), nil), 401, "")
	wantDetail(t, e.do("POST", "/accounts/users", perf.Key, map[string]any{"email": "x@example.com"}), 403, "")
	wantDetail(t, e.do("GET", "/webhooks/events", perf.Key, nil), 403, "")
	want404(t, e.do("GET", "/templates/999999", O, nil))
	want404(t, e.do("GET", "/workflows/"+wf3, O, nil))
	want404(t, e.do("GET", "/nowhere", O, nil))
	wantDetail(t, e.do("DELETE", "/accounts/user", O, nil), 405, "")
	wantValidation(t, e.do("POST", "/templates/"+ids(tpl)+"/run", O, map[string]any{"kickoff": map[string]any{"manager": perf.ID}}),
		"", "", "client")
	wantValidation(t, e.do("GET", "/workflows?limit=0", O, nil), "", "limit", "")
	wantValidation(t, e.do("GET", "/workflows/fields", O, nil), "", "template_id", "")
	wantValidation(t, e.do("POST", "/accounts/users", O, map[string]any{"email": "admin@example.com"}), "", "", "")
	wantValidation(t, e.do("POST", "/templates", O, map[string]any{"name": "Bad", "is_active": true, "tasks": []any{
		map[string]any{"number": 1, "name": "x", "raw_performers": []any{}}, map[string]any{"number": 3, "name": "y"}}}), "", "", "")
	wantValidation(t, e.do("POST", "/workflows/"+wf+"/task-complete", O, map[string]any{"task_id": task(1)}), "", "", "")
	wantValidation(t, e.do("POST", "/workflows/attachments", O, map[string]any{"filename": "big", "content_type": "text/plain",
		"size": 104857601}), "", "size", "")
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
	wantDetail(t, e.do("POST", "/accounts/groups", O, big), 413, "")
	wantDetail(t, e.send(func() *http.Request {
		r := httptest.NewRequest("PUT", "/files/upload/1.f."+strings.Repeat("a", 43), strings.NewReader("x"))
		r.Header.Set("Content-Type", "image/png")
		return r
	}()), 403, "")

	// Coverage: every documented operation answered with success at
	// least once, so none went unchecked.
	c.mu.Lock()
	defer c.mu.Unlock()
	var missing []string
	answers := 0
	for _, op := range specOps(c.doc) {
		ok := false
		for status, n := range c.seen[op] {
			answers += n
			if status < 300 {
				ok = true
			}
		}
		if !ok {
			missing = append(missing, op)
		}
	}
	if len(missing) > 0 {
		t.Errorf("no success answer checked for: %s", strings.Join(missing, ", "))
	}
	statuses := map[int]int{}
	for _, byStatus := range c.seen {
		for st, n := range byStatus {
			statuses[st] += n
		}
	}
	t.Logf("%d answers to %d operations checked (by status %v); %d JSON bodies validated, %d request bodies",
		answers, len(c.seen), statuses, c.validated, c.requests)
}
