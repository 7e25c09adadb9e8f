package httpapi_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The tenancy and role matrix: for every route of the JSON API (read from
// the mux registrations), what the account owner, an admin and a plain user
// get (CONTRACT §3–§7); that callers without a working key get 401; and that
// account B never learns anything about account A's objects: 404 for every
// path naming one (B's plain user: 404 or the very answer a nonexistent id
// gets, so no answer tells an A id from a free one), and lists, filters and
// searches without A's data. Every refused request is checked to have
// changed nothing in the database.

type role int

const (
	rOwner role = iota
	rAdmin
	rUser // a plain user, performer of the first task of f.tpl's workflows
)

var roleNames = [...]string{"owner", "admin", "user"}

// mfix is the matrix' world: account A with its people, keys and
// templates, account B with an owner and a plain user, and makers of fresh
// A objects for requests that change or consume them.
type mfix struct {
	*hardEnv
	admin, perf, member     person // member: a user whose keys others manage
	tpl, tplCheck, tplFinal int64
	wf                      flow
	checklist               int64
	group                   int64
	delivery                int64
	// Keys that must not work.
	revoked, deactivated, expired string
	// Account B.
	bOwner string
	bUser  person
	seq    atomic.Int64
	marker string // in A's names: must never appear in B's answers
	// The objects a hostile-body spec's path made, for its base body.
	lastFlow  flow
	lastItem  int64
	lastToken string
}

func (f *mfix) key(r role) string {
	switch r {
	case rAdmin:
		return f.admin.Key
	case rUser:
		return f.perf.Key
	}
	return f.owner
}

func (f *mfix) uniq(prefix string) string { return fmt.Sprintf("%s%d", prefix, f.seq.Add(1)) }

func newMatrixFixture(t *testing.T) *mfix {
	f := &mfix{hardEnv: newHardEnv(t, nil), marker: "Zq7SecretOfA"}
	e := f.env
	e.must(200, "PATCH", "/accounts/users/"+ids(e.me(e.owner)), e.owner, map[string]any{"first_name": f.marker + "Owner"})
	f.admin = e.newUser(e.owner, "madmin@a.example", true)
	f.perf = e.newUser(e.owner, "mperf@a.example", false)
	f.member = e.newUser(e.owner, "mmember@a.example", false)
	f.group = num(t, e.must(201, "POST", "/accounts/groups", e.owner, map[string]any{"name": f.marker + "Group", "users": []int64{f.perf.ID}}).obj(t)["id"])
	body := tplBody(true, taskSpec{performers: []int64{f.perf.ID}}, taskSpec{performers: []int64{f.admin.ID}})
	body["name"] = f.marker + "Template"
	f.tpl = e.template(e.owner, body)
	f.tplCheck = e.template(e.owner, tplBody(true, checklistTask(f.perf.ID)))
	fin := tplBody(true, taskSpec{performers: []int64{f.perf.ID}})
	fin["finalizable"] = true
	f.tplFinal = e.template(e.owner, fin)
	f.wf = e.run(e.owner, f.tpl, map[string]any{"name": f.marker + "Flow", "kickoff": map[string]any{"kf": f.marker + "Kickoff"}})
	f.checklist, _ = e.checklistOf(e.owner, e.run(e.owner, f.tplCheck, nil).Tasks[0])
	f.delivery = num(t, e.must(200, "POST", "/webhooks/events/workflow_started/test", e.owner, map[string]any{"url": "https://example.com/hook"}).obj(t)["id"])

	// A key of a user who is then deactivated; a revoked key; an expired key.
	gone := e.newUser(e.owner, "mgone@a.example", true)
	f.deactivated = gone.Key
	e.must(204, "DELETE", "/accounts/users/"+ids(gone.ID), e.owner, nil)
	rk := e.must(201, "POST", "/accounts/users/"+ids(f.admin.ID)+"/api-keys", e.owner, map[string]any{"name": "r"}).obj(t)
	f.revoked = rk["token"].(string)
	e.must(204, "DELETE", "/accounts/users/"+ids(f.admin.ID)+"/api-keys/"+ids(num(t, rk["id"])), e.owner, nil)
	f.expired = e.must(201, "POST", "/accounts/api-keys", e.owner, map[string]any{"name": "x",
		"expires_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)}).obj(t)["token"].(string)

	f.bOwner = e.otherAccount("tenantb")
	f.bUser = e.newUser(f.bOwner, "buser@b.example", false)
	// A key's first use records its last_used time (a write); the clock is
	// frozen, so after this there is none: snapshots then see only the
	// requests' own changes.
	for _, k := range []string{f.owner, f.admin.Key, f.perf.Key, f.member.Key, f.bOwner, f.bUser.Key} {
		e.must(200, "GET", "/accounts/user", k, nil)
	}
	return f
}

// Fresh A objects, made by the owner.
func (f *mfix) newUserID() int64 {
	return num(f.t, f.must(201, "POST", "/accounts/users", f.owner, map[string]any{"email": f.uniq("u") + "@a.example"}).obj(f.t)["id"])
}
func (f *mfix) newGroup() int64 {
	return num(f.t, f.must(201, "POST", "/accounts/groups", f.owner, map[string]any{"name": f.uniq("g")}).obj(f.t)["id"])
}
func (f *mfix) newTemplate() int64 {
	return f.template(f.owner, tplBody(true, taskSpec{performers: []int64{f.perf.ID}}))
}
func (f *mfix) newFlow() flow { return f.run(f.owner, f.tpl, nil) }
func (f *mfix) flowAtTask2() flow {
	fl := f.newFlow()
	f.must(204, "POST", "/workflows/"+ids(fl.ID)+"/task-complete", f.owner, map[string]any{"task_id": fl.Tasks[0]})
	return fl
}
func (f *mfix) snoozedFlow() flow {
	fl := f.newFlow()
	f.must(200, "POST", "/workflows/"+ids(fl.ID)+"/snooze", f.owner, map[string]any{"date": future()})
	return fl
}
func (f *mfix) newChecklist() (int64, int64) {
	return f.checklistOf(f.owner, f.run(f.owner, f.tplCheck, nil).Tasks[0])
}
func (f *mfix) newKeyOf(userID int64) int64 {
	return num(f.t, f.must(201, "POST", "/accounts/users/"+ids(userID)+"/api-keys", f.owner, map[string]any{"name": "k"}).obj(f.t)["id"])
}
func (f *mfix) ownNewKey(key string) int64 {
	return num(f.t, f.must(201, "POST", "/accounts/api-keys", key, map[string]any{"name": "own"}).obj(f.t)["id"])
}
func (f *mfix) uploadedAttachment() int64 {
	a := f.must(200, "POST", "/workflows/attachments", f.owner, map[string]any{"filename": "a.txt", "content_type": "text/plain", "size": 3}).obj(f.t)
	u := strings.TrimPrefix(a["file_upload_url"].(string), publicURL)
	req := httptest.NewRequest("PUT", u, bytes.NewReader([]byte("abc")))
	req.Header.Set("Content-Type", "text/plain")
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		f.t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	return num(f.t, a["id"])
}

// mrow is one route of the matrix. path and body build a request for a
// role; they may make fresh objects (made by A's owner) for it. want is the
// status for owner, admin and user. ids is true when the path names an
// object of the account (B must get 404); otherwise B acts on its own
// account and must see nothing of A's.
type mrow struct {
	route string
	path  func(f *mfix, r role) string
	body  func(f *mfix, r role) any
	want  [3]int
	ids   bool
}

func fixed(p string) func(*mfix, role) string       { return func(*mfix, role) string { return p } }
func noBody(*mfix, role) any                        { return nil }
func bodyOf(v map[string]any) func(*mfix, role) any { return func(*mfix, role) any { return v } }

var all200 = [3]int{200, 200, 200}
var admin200 = [3]int{200, 200, 403}
var admin201 = [3]int{201, 201, 403}
var admin204 = [3]int{204, 204, 403}

func matrixRows() []mrow {
	wfPath := func(fn func(f *mfix) flow, suffix string) func(*mfix, role) string {
		return func(f *mfix, _ role) string { return "/workflows/" + ids(fn(f).ID) + suffix }
	}
	cur := func(f *mfix) flow { return f.wf }
	fresh := (*mfix).newFlow
	at2 := (*mfix).flowAtTask2
	url := bodyOf(map[string]any{"url": "https://example.com/hook"})
	// task-complete: an admin who is not a performer completes on the
	// performer's behalf (§5.4); the owner completes outright.
	onBehalf := func(f *mfix, r role, m map[string]any) map[string]any {
		if r == rAdmin {
			m["user_id"] = f.perf.ID
		}
		return m
	}
	return []mrow{
		{route: "GET /accounts/user", path: fixed("/accounts/user"), body: noBody, want: all200},
		{route: "GET /accounts/users", path: fixed("/accounts/users"), body: noBody, want: all200},
		{route: "POST /accounts/users", path: fixed("/accounts/users"), want: admin201,
			body: func(f *mfix, _ role) any { return map[string]any{"email": f.uniq("new") + "@x.example"} }},
		{route: "GET /accounts/users/{id}", ids: true, body: noBody, want: all200,
			path: func(f *mfix, _ role) string { return "/accounts/users/" + ids(f.admin.ID) }},
		{route: "PATCH /accounts/users/{id}", ids: true, body: bodyOf(map[string]any{"first_name": "P"}), want: admin200,
			path: func(f *mfix, _ role) string { return "/accounts/users/" + ids(f.newUserID()) }},
		{route: "DELETE /accounts/users/{id}", ids: true, body: noBody, want: admin204,
			path: func(f *mfix, _ role) string { return "/accounts/users/" + ids(f.newUserID()) }},
		{route: "POST /accounts/invites", path: fixed("/accounts/invites"), want: admin200,
			body: func(f *mfix, _ role) any {
				return map[string]any{"users": []any{map[string]any{"email": f.uniq("inv") + "@x.example"}}}
			}},
		{route: "GET /accounts/api-keys", path: fixed("/accounts/api-keys"), body: noBody, want: all200},
		{route: "POST /accounts/api-keys", path: fixed("/accounts/api-keys"), body: bodyOf(map[string]any{"name": "n"}),
			want: [3]int{201, 201, 201}},
		{route: "DELETE /accounts/api-keys/{key}", ids: true, body: noBody, want: [3]int{204, 204, 204},
			path: func(f *mfix, r role) string { return "/accounts/api-keys/" + ids(f.ownNewKey(f.key(r))) }},
		{route: "GET /accounts/users/{id}/api-keys", ids: true, body: noBody, want: admin200,
			path: func(f *mfix, _ role) string { return "/accounts/users/" + ids(f.member.ID) + "/api-keys" }},
		{route: "POST /accounts/users/{id}/api-keys", ids: true, body: bodyOf(map[string]any{"name": "n"}), want: admin201,
			path: func(f *mfix, _ role) string { return "/accounts/users/" + ids(f.member.ID) + "/api-keys" }},
		{route: "DELETE /accounts/users/{id}/api-keys/{key}", ids: true, body: noBody, want: admin204,
			path: func(f *mfix, _ role) string {
				return "/accounts/users/" + ids(f.member.ID) + "/api-keys/" + ids(f.newKeyOf(f.member.ID))
			}},
		{route: "GET /accounts/groups", path: fixed("/accounts/groups"), body: noBody, want: all200},
		{route: "POST /accounts/groups", path: fixed("/accounts/groups"), body: bodyOf(map[string]any{"name": "G"}), want: admin201},
		{route: "GET /accounts/groups/{id}", ids: true, body: noBody, want: all200,
			path: func(f *mfix, _ role) string { return "/accounts/groups/" + ids(f.group) }},
		{route: "PATCH /accounts/groups/{id}", ids: true, body: bodyOf(map[string]any{"name": "G2"}), want: admin200,
			path: func(f *mfix, _ role) string { return "/accounts/groups/" + ids(f.newGroup()) }},
		{route: "PUT /accounts/groups/{id}", ids: true, body: bodyOf(map[string]any{"name": "G3", "users": []any{}}), want: admin200,
			path: func(f *mfix, _ role) string { return "/accounts/groups/" + ids(f.newGroup()) }},
		{route: "DELETE /accounts/groups/{id}", ids: true, body: noBody, want: admin204,
			path: func(f *mfix, _ role) string { return "/accounts/groups/" + ids(f.newGroup()) }},
		{route: "GET /accounts/audit", path: fixed("/accounts/audit"), body: noBody, want: admin200},

		{route: "GET /templates", path: fixed("/templates"), body: noBody, want: all200},
		{route: "POST /templates", path: fixed("/templates"), body: func(*mfix, role) any { return tplBody(false) }, want: admin200},
		{route: "GET /templates/{id}", ids: true, body: noBody, want: admin200,
			path: func(f *mfix, _ role) string { return "/templates/" + ids(f.tpl) }},
		{route: "PUT /templates/{id}", ids: true, want: admin200,
			path: func(f *mfix, _ role) string { return "/templates/" + ids(f.newTemplate()) },
			body: func(f *mfix, _ role) any { return tplBody(true, taskSpec{performers: []int64{f.perf.ID}}) }},
		{route: "PATCH /templates/{id}", ids: true, body: bodyOf(map[string]any{"name": "Renamed"}), want: admin200,
			path: func(f *mfix, _ role) string { return "/templates/" + ids(f.newTemplate()) }},
		{route: "DELETE /templates/{id}", ids: true, body: noBody, want: admin204,
			path: func(f *mfix, _ role) string { return "/templates/" + ids(f.newTemplate()) }},
		{route: "POST /templates/{id}/run", ids: true, body: bodyOf(map[string]any{}), want: all200,
			path: func(f *mfix, _ role) string { return "/templates/" + ids(f.tpl) + "/run" }},

		{route: "GET /workflows", path: fixed("/workflows"), body: noBody, want: all200},
		{route: "GET /workflows/fields", body: noBody, want: all200,
			path: func(f *mfix, _ role) string { return "/workflows/fields?template_id=" + ids(f.tpl) }},
		{route: "GET /workflows/{id}", ids: true, path: wfPath(cur, ""), body: noBody, want: all200},
		{route: "PATCH /workflows/{id}", ids: true, path: wfPath(fresh, ""), body: bodyOf(map[string]any{"name": "W"}), want: admin200},
		{route: "DELETE /workflows/{id}", ids: true, path: wfPath(fresh, ""), body: noBody, want: admin204},
		// The body names the task of the workflow the path names: see build.
		{route: "POST /workflows/{id}/task-complete", ids: true, want: [3]int{204, 204, 204}},
		{route: "POST /workflows/{id}/finish", ids: true, body: noBody, want: admin204,
			path: func(f *mfix, _ role) string {
				return "/workflows/" + ids(f.run(f.owner, f.tplFinal, nil).ID) + "/finish"
			}},
		{route: "POST /workflows/{id}/snooze", ids: true, path: wfPath(fresh, "/snooze"), want: admin200,
			body: func(*mfix, role) any { return map[string]any{"date": future()} }},
		{route: "POST /workflows/{id}/resume", ids: true, path: wfPath((*mfix).snoozedFlow, "/resume"), body: noBody, want: admin200},
		{route: "POST /workflows/{id}/task-revert", ids: true, path: wfPath(at2, "/task-revert"), body: bodyOf(map[string]any{"comment": "c"}), want: admin204},
		{route: "POST /workflows/{id}/return-to", ids: true, path: wfPath(at2, "/return-to"), want: admin204,
			body: func(*mfix, role) any { return map[string]any{"task_api_name": "task-1"} }},
		{route: "POST /workflows/{id}/comment", ids: true, path: wfPath(cur, "/comment"), body: bodyOf(map[string]any{"text": "hi"}), want: all200},
		{route: "GET /workflows/{id}/events", ids: true, path: wfPath(cur, "/events"), body: noBody, want: all200},

		{route: "GET /v3/tasks", path: fixed("/v3/tasks"), body: noBody, want: all200},
		{route: "GET /v2/tasks/{id}", ids: true, body: noBody, want: all200,
			path: func(f *mfix, _ role) string { return "/v2/tasks/" + ids(f.wf.Tasks[0]) }},
		{route: "POST /v2/tasks/{id}/complete", ids: true, want: all200,
			path: func(f *mfix, _ role) string { return "/v2/tasks/" + ids(f.newFlow().Tasks[0]) + "/complete" },
			body: func(f *mfix, r role) any { return onBehalf(f, r, map[string]any{}) }},
		{route: "POST /v2/tasks/{id}/revert", ids: true, body: bodyOf(map[string]any{"comment": "c"}), want: admin204,
			path: func(f *mfix, _ role) string { return "/v2/tasks/" + ids(f.flowAtTask2().Tasks[1]) + "/revert" }},
		{route: "GET /v2/tasks/checklists/{id}", ids: true, body: noBody, want: all200,
			path: func(f *mfix, _ role) string { return "/v2/tasks/checklists/" + ids(f.checklist) }},
		{route: "POST /v2/tasks/checklists/{id}/mark", ids: true, want: all200},   // see build
		{route: "POST /v2/tasks/checklists/{id}/unmark", ids: true, want: all200}, // see build

		{route: "GET /webhooks/events", path: fixed("/webhooks/events"), body: noBody, want: admin200},
		{route: "GET /webhooks/events/{event}", path: fixed("/webhooks/events/workflow_started"), body: noBody, want: admin200},
		{route: "POST /webhooks/events/{event}/subscribe", path: fixed("/webhooks/events/task_returned/subscribe"), body: url, want: admin204},
		{route: "POST /webhooks/events/{event}/unsubscribe", path: fixed("/webhooks/events/task_returned/unsubscribe"), body: noBody, want: admin204},
		{route: "POST /webhooks/events/{event}/test", path: fixed("/webhooks/events/workflow_completed/test"), body: url, want: admin200},
		{route: "POST /webhooks/subscribe", path: fixed("/webhooks/subscribe"), body: url, want: admin200},
		{route: "POST /webhooks/unsubscribe", path: fixed("/webhooks/unsubscribe"), body: noBody, want: admin204},
		{route: "GET /webhooks/secret", path: fixed("/webhooks/secret"), body: noBody, want: admin200},
		{route: "POST /webhooks/secret/rotate", path: fixed("/webhooks/secret/rotate"), body: noBody, want: admin200},
		{route: "GET /webhooks/deliveries", path: fixed("/webhooks/deliveries"), body: noBody, want: admin200},
		{route: "GET /webhooks/deliveries/{id}", ids: true, body: noBody, want: admin200,
			path: func(f *mfix, _ role) string { return "/webhooks/deliveries/" + ids(f.delivery) }},
		{route: "POST /webhooks/deliveries/{id}/redeliver", ids: true, body: noBody, want: admin200,
			path: func(f *mfix, _ role) string { return "/webhooks/deliveries/" + ids(f.delivery) + "/redeliver" }},

		{route: "POST /workflows/attachments", path: fixed("/workflows/attachments"), want: all200,
			body: bodyOf(map[string]any{"filename": "f.txt", "content_type": "text/plain", "size": 10})},
		{route: "POST /workflows/attachments/{id}/publish", ids: true, body: noBody, want: all200,
			path: func(f *mfix, _ role) string {
				return "/workflows/attachments/" + ids(f.uploadedAttachment()) + "/publish"
			}},
	}
}

// openRoutes need no key; they are checked elsewhere (invites, uploads,
// downloads) or are public (health, documentation).
var openRoutes = map[string]bool{
	"GET /healthz": true, "POST /accounts/invites/{invite}/accept": true, "PUT /files/upload/{token}": true,
	"GET /files/{id}": true, "GET /files/{id}/thumbnail": true,
}

// request is one planned call: built (fresh objects made) before it is sent.
type request struct {
	method, path string
	body         any
}

func TestTenancyMatrix(t *testing.T) {
	f := newMatrixFixture(t)
	rows := matrixRows()
	build := func(row mrow, r role) request {
		method := strings.SplitN(row.route, " ", 2)[0]
		switch row.route {
		case "POST /workflows/{id}/task-complete":
			fl := f.newFlow()
			b := map[string]any{"task_id": fl.Tasks[0]}
			if r == rAdmin {
				b["user_id"] = f.perf.ID
			}
			return request{method, "/workflows/" + ids(fl.ID) + "/task-complete", b}
		case "POST /v2/tasks/checklists/{id}/mark", "POST /v2/tasks/checklists/{id}/unmark":
			cl, item := f.newChecklist()
			verb := row.route[strings.LastIndex(row.route, "/"):]
			return request{method, "/v2/tasks/checklists/" + ids(cl) + verb, map[string]any{"selection_id": item}}
		}
		return request{method, row.path(f, r), row.body(f, r)}
	}

	// Every authenticated route has a row, and every row a route.
	byRoute := map[string]mrow{}
	for _, row := range rows {
		byRoute[row.route] = row
	}
	registered := map[string]bool{}
	for _, rt := range registeredRoutes(t) {
		registered[rt.String()] = true
		if !rt.Authed {
			if !openRoutes[rt.String()] && rt.Method != "GET" {
				t.Errorf("open route %s is not covered by the matrix", rt)
			}
			continue
		}
		if _, ok := byRoute[rt.String()]; !ok {
			t.Errorf("route %s has no row in the tenancy matrix", rt)
		}
	}
	for _, row := range rows {
		if !registered[row.route] {
			t.Errorf("matrix row %s is not a registered route", row.route)
		}
	}

	checked := 0
	for _, row := range rows {
		t.Run(row.route, func(t *testing.T) {
			// Roles of account A.
			for r := rOwner; r <= rUser; r++ {
				req := build(row, r)
				before := f.mark()
				got := f.do(req.method, req.path, f.key(r), req.body)
				checked++
				if got.Code != row.want[r] {
					t.Errorf("%s %s as %s: got %s, want %d", req.method, req.path, roleNames[r], got, row.want[r])
				}
				if got.Code >= 400 {
					wantDetail(t, got, got.Code, "")
					if !f.same(before) {
						t.Errorf("%s %s as %s: refused with %d but the database changed", req.method, req.path, roleNames[r], got.Code)
					}
				} else {
					f.release(before)
				}
			}

			// Callers without a working key: 401, nothing changed.
			req := build(row, rOwner)
			before := f.mark()
			for _, c := range []struct{ name, key, detail string }{
				{"no key", "", "Authentication credentials were not provided."},
				{"revoked key", f.revoked, "Invalid API key."},
				{"deactivated user's key", f.deactivated, "Invalid API key."},
				{"expired key", f.expired, "Invalid API key."},
				{"malformed key", "pn-short", "Invalid API key."},
			} {
				got := f.do(req.method, req.path, c.key, req.body)
				checked++
				wantDetail(t, got, 401, c.detail)
				if got.Header.Get("WWW-Authenticate") != `Bearer realm="api"` {
					t.Errorf("%s: 401 without WWW-Authenticate", c.name)
				}
			}

			// Account B: its owner (an admin of B) and a plain user of B.
			for _, b := range []struct {
				name, key string
			}{{"B owner", f.bOwner}, {"B user", f.bUser.Key}} {
				got := f.do(req.method, req.path, b.key, req.body)
				checked++
				if bytes.Contains(got.Body, []byte(f.marker)) {
					t.Errorf("%s %s as %s: answer shows account A's data: %s", req.method, req.path, b.name, got.Body)
				}
				if !row.ids {
					if got.Code >= 500 {
						t.Errorf("%s %s as %s: %s", req.method, req.path, b.name, got)
					}
					continue
				}
				if got.Code == 404 {
					want404(t, got)
					continue
				}
				// Only a plain user may get something else, and then exactly
				// what a nonexistent id gets: no oracle for A's ids.
				free := f.do(req.method, freeIDs(req.path), b.key, req.body)
				checked++
				if b.name != "B user" || got.Code != free.Code || !bytes.Equal(got.Body, free.Body) || got.Code < 400 {
					t.Errorf("%s %s as %s: got %s, want 404 (a nonexistent id gets %s)", req.method, req.path, b.name, got, free)
				}
			}
			if !f.same(before) && row.ids {
				t.Errorf("%s %s: a refused caller (no key, bad key or account B) changed the database", req.method, req.path)
			}
		})
	}
	t.Logf("tenancy matrix: %d routes, %d requests checked", len(rows), checked)
}

// freeIDs replaces every numeric path segment by an id no object has.
func freeIDs(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			parts[i] = "987654321"
		}
	}
	return strings.Join(parts, "/")
}

var _ = http.MethodGet
