package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/httpapi"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
)

const publicURL = "http://test"

// ownerKey is the bootstrap key of every test environment's first account.
var ownerKey = "pn-" + strings.Repeat("A", 43)

// env is one server on a fresh database, with the first account's owner.
type env struct {
	t     *testing.T
	svc   *app.Service
	h     http.Handler
	owner string // the owner's key
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := storetest.Open(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := app.New(db, app.Config{PublicURL: publicURL}, nil, quiet)
	if _, err := svc.Bootstrap(context.Background(), "owner@example.com", ownerKey); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, svc: svc, h: httpapi.New(svc, publicURL, quiet, nil), owner: ownerKey}
}

// resp is a recorded answer.
type resp struct {
	Code   int
	Header http.Header
	Body   []byte
}

// obj decodes the body as an object.
func (r *resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("body is not a JSON object (status %d): %q", r.Code, r.Body)
	}
	return m
}

// list decodes the body as an array.
func (r *resp) list(t *testing.T) []any {
	t.Helper()
	var l []any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&l); err != nil {
		t.Fatalf("body is not a JSON array (status %d): %q", r.Code, r.Body)
	}
	return l
}

func (r *resp) String() string { return fmt.Sprintf("%d %s", r.Code, r.Body) }

// do sends a request: body nil (none), a string (raw JSON), url.Values
// (form) or anything else (marshalled to JSON). key "" sends no header.
func (e *env) do(method, path, key string, body any) *resp {
	e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	case url.Values:
		rd, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd, ct = bytes.NewReader(raw), "application/json"
	}
	req := httptest.NewRequest(method, path, rd)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return &resp{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// must sends a request and fails unless the status is want.
func (e *env) must(want int, method, path, key string, body any) *resp {
	e.t.Helper()
	r := e.do(method, path, key, body)
	if r.Code != want {
		e.t.Fatalf("%s %s: got %s, want %d", method, path, r, want)
	}
	return r
}

func num(t *testing.T, v any) int64 {
	t.Helper()
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			t.Fatalf("not an integer: %v", v)
		}
		return i
	case float64:
		return int64(n)
	}
	t.Fatalf("not a number: %#v", v)
	return 0
}

func ids(v int64) string { return strconv.FormatInt(v, 10) }

// person is a user of an account with a key.
type person struct {
	ID  int64
	Key string
}

// newUser creates an active user (admin or not) through the API, with a key.
func (e *env) newUser(ownerKey, email string, admin bool) person {
	e.t.Helper()
	u := e.must(201, "POST", "/accounts/users", ownerKey, map[string]any{"email": email, "first_name": "F" + email[:3],
		"last_name": "L", "is_admin": admin}).obj(e.t)
	id := num(e.t, u["id"])
	k := e.must(201, "POST", "/accounts/users/"+ids(id)+"/api-keys", ownerKey, map[string]any{"name": "k"}).obj(e.t)
	return person{ID: id, Key: k["token"].(string)}
}

// otherAccount creates a second tenant and returns its owner's key.
func (e *env) otherAccount(name string) string {
	e.t.Helper()
	key, err := e.svc.CreateAccount(context.Background(), name, name+"@example.org", "Other", "Owner")
	if err != nil {
		e.t.Fatal(err)
	}
	return key
}

// me returns the caller's user id.
func (e *env) me(key string) int64 {
	e.t.Helper()
	return num(e.t, e.must(200, "GET", "/accounts/user", key, nil).obj(e.t)["id"])
}

// taskSpec describes a template task for tplBody.
type taskSpec struct {
	performers []int64
	extra      map[string]any
}

// tplBody builds a template: one optional string kickoff field "kf", and a
// task per spec (numbered from 1) with user performers.
func tplBody(active bool, tasks ...taskSpec) map[string]any {
	list := []any{}
	for i, ts := range tasks {
		perfs := []any{}
		for _, p := range ts.performers {
			perfs = append(perfs, map[string]any{"type": "user", "source_id": ids(p)})
		}
		task := map[string]any{"number": i + 1, "name": fmt.Sprintf("Step %d", i+1), "api_name": fmt.Sprintf("task-%d", i+1),
			"raw_performers": perfs}
		for k, v := range ts.extra {
			task[k] = v
		}
		list = append(list, task)
	}
	return map[string]any{
		"name": "Onboarding", "is_active": active,
		"kickoff": map[string]any{"fields": []any{map[string]any{"api_name": "kf", "name": "Client", "type": "string"}}},
		"tasks":   list,
	}
}

// template creates a template and returns its id.
func (e *env) template(key string, body map[string]any) int64 {
	e.t.Helper()
	return num(e.t, e.must(200, "POST", "/templates", key, body).obj(e.t)["id"])
}

// flow is a started workflow.
type flow struct {
	ID    int64
	Tasks []int64 // task ids by number-1
}

// run starts a workflow of a template.
func (e *env) run(key string, tpl int64, body map[string]any) flow {
	e.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	w := e.must(200, "POST", "/templates/"+ids(tpl)+"/run", key, body).obj(e.t)
	f := flow{ID: num(e.t, w["id"])}
	for _, t := range w["tasks"].([]any) {
		f.Tasks = append(f.Tasks, num(e.t, t.(map[string]any)["id"]))
	}
	return f
}

// workflow reads a workflow's detail as the owner.
func (e *env) workflow(id int64) map[string]any {
	e.t.Helper()
	return e.must(200, "GET", "/workflows/"+ids(id), e.owner, nil).obj(e.t)
}

// taskStatus returns the status of task number n (1-based) of a workflow.
func (e *env) taskStatus(id int64, n int) string {
	e.t.Helper()
	w := e.workflow(id)
	return w["tasks"].([]any)[n-1].(map[string]any)["status"].(string)
}

// wantValidation checks a 400 in the validation envelope; message "" skips
// the message check; name/apiName "" skip the details check.
func wantValidation(t *testing.T, r *resp, message, name, apiName string) {
	t.Helper()
	if r.Code != 400 {
		t.Fatalf("got %s, want 400", r)
	}
	m := r.obj(t)
	if m["code"] != "validation_error" {
		t.Fatalf("code = %v, want validation_error: %s", m["code"], r.Body)
	}
	if _, ok := m["message"].(string); !ok {
		t.Fatalf("no message: %s", r.Body)
	}
	if message != "" && m["message"] != message {
		t.Fatalf("message = %q, want %q", m["message"], message)
	}
	d, ok := m["details"].(map[string]any)
	if !ok {
		t.Fatalf("no details object: %s", r.Body)
	}
	if _, ok := d["reason"].(string); !ok {
		t.Fatalf("details without reason: %s", r.Body)
	}
	if name != "" && d["name"] != name {
		t.Fatalf("details.name = %v, want %q: %s", d["name"], name, r.Body)
	}
	if apiName != "" && d["api_name"] != apiName {
		t.Fatalf("details.api_name = %v, want %q: %s", d["api_name"], apiName, r.Body)
	}
}

// wantDetail checks a {"detail"} answer with this status (text "" skips it).
func wantDetail(t *testing.T, r *resp, code int, text string) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("got %s, want %d", r, code)
	}
	m := r.obj(t)
	d, ok := m["detail"].(string)
	if !ok || d == "" {
		t.Fatalf("no detail: %s", r.Body)
	}
	if text != "" && d != text {
		t.Fatalf("detail = %q, want %q", d, text)
	}
}

func want404(t *testing.T, r *resp) { t.Helper(); wantDetail(t, r, 404, "Not found.") }
