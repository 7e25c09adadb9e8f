package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// TestHostileBodies throws malformed and hostile bodies at every POST, PUT
// and PATCH route of the API: wrong types for every key, nulls everywhere,
// arrays where objects belong, deep nesting, huge strings (10 MB: 413),
// invalid UTF-8, NUL characters, huge numbers, duplicate keys, broken JSON,
// odd content types and form encodings. No answer may be a 5xx, and an
// answer that refuses (4xx) must leave every table of the database as it
// was. Hostile query strings go to every GET route too.
func TestHostileBodies(t *testing.T) {
	f := newMatrixFixture(t)
	specs := hostileSpecs()
	covered := map[string]bool{}
	for _, rt := range registeredRoutes(t) {
		if rt.Method == "GET" || rt.Method == "DELETE" {
			continue
		}
		if _, ok := specs[rt.String()]; !ok {
			t.Errorf("route %s has no hostile-body spec", rt)
		}
		covered[rt.String()] = true
	}

	// "Nothing changed" is checked on SQLite, where a refused request is
	// rolled back to its savepoint inside a shared group commit (the subtle
	// case); on PostgreSQL it is a plain rolled back transaction, and a
	// digest of the database per request would take minutes. There the
	// test looks for 5xx answers (encodings, overflows the database sees).
	checkUnchanged := !f.pg
	markDB, same, release := f.mark, f.same, f.release
	if !checkUnchanged {
		markDB = func() *mark { return nil }
		same = func(*mark) bool { return true }
		release = func(*mark) {}
	}
	var sent, refused, accepted, tooLarge int
	var acceptedLog []string
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, route := range names {
		sp := specs[route]
		if !covered[route] {
			t.Errorf("hostile spec %s is not a registered route", route)
			continue
		}
		method := strings.SplitN(route, " ", 2)[0]
		var path string
		var base map[string]any
		fresh := true
		var baseline *mark
		path, base = sp.path(f), sp.base(f)
		baseline = markDB()
		fresh = false
		for _, hb := range hostileBodies(base, sp.keys) {
			if fresh {
				release(baseline)
				path, base = sp.path(f), sp.base(f)
				baseline = markDB()
				fresh = false
			}
			if len(sp.keys) == 0 {
				// A route that reads no body may ignore one; it must still not fail.
				hb.mustRefuse, hb.wantTooLarge = false, false
			}
			got := f.send(method, path, hb)
			sent++
			switch {
			case got.Code >= 500:
				t.Errorf("%s %s with %s: %s", method, path, hb.name, got)
			case got.Code >= 400:
				refused++
				if got.Code == 413 {
					tooLarge++
				}
				if hb.wantTooLarge && got.Code != 413 {
					t.Errorf("%s %s with %s: got %d, want 413", method, path, hb.name, got.Code)
				}
				if !json.Valid(got.Body) {
					t.Errorf("%s %s with %s: a non-JSON error body: %q", method, path, hb.name, got.Body)
				}
				if !same(baseline) {
					t.Errorf("%s %s with %s: refused with %s, but the database changed", method, path, hb.name, got)
				}
				baseline = markDB()
			default:
				accepted++
				if hb.mustRefuse {
					t.Errorf("%s %s with %s: accepted (%s), want a 4xx", method, path, hb.name, got)
				}
				acceptedLog = append(acceptedLog, fmt.Sprintf("%s %s ← %s", method, path, hb.name))
				release(baseline)
				baseline = markDB()
				fresh = sp.consumes
			}
		}
	}

	// Hostile query strings on every GET list and object.
	queries := []string{"limit=99999999999999999999", "limit=1e400", "limit=-0", "limit=0x10", "offset=-1",
		"offset=9223372036854775807", "limit=1000&offset=9223372036854775807", "limit=%FF", "limit=%00", "offset=1e3",
		"template_id=1e400", "template_id=-1", "template_id=%FF", "status=%FF%FE", "ordering=%00", "search=%00",
		"search=" + strings.Repeat("%25", 3000), "fields=" + strings.Repeat("a,", 5000), "assigned_to=99999999999999999999",
		"is_completed=%FF", "event=%00", "search=%FF%FE", "search=a%00b", "%FF=1", "ordering=%C0%80", "workflow_id=1e400", "limit=1&limit=2&offset=x"}
	for _, rt := range registeredRoutes(t) {
		if rt.Method != "GET" || !rt.Authed {
			continue
		}
		path := getPath(f, rt.Pattern)
		for _, q := range queries {
			sep := "?"
			if strings.Contains(path, "?") {
				sep = "&"
			}
			got := f.do("GET", path+sep+q, f.owner, nil)
			sent++
			if got.Code >= 500 {
				t.Errorf("GET %s%s%s: %s", path, sep, q, got)
			}
		}
	}
	t.Logf("hostile requests: %d sent, %d refused (%d with 413), %d accepted", sent, refused, tooLarge, accepted)
	if testing.Verbose() {
		t.Logf("accepted hostile bodies (valid after all, or lax):\n%s", strings.Join(acceptedLog, "\n"))
	}
}

// hostileSpec is what a route needs: a path to an object of the owner's
// account, a valid body to start from, the keys it reads, and whether a
// success consumes the object (the next request then needs a fresh one).
type hostileSpec struct {
	path     func(f *mfix) string
	base     func(f *mfix) map[string]any
	keys     []string
	consumes bool
}

func hostileSpecs() map[string]hostileSpec {
	empty := func(*mfix) map[string]any { return map[string]any{} }
	at := func(p string) func(*mfix) string { return func(*mfix) string { return p } }
	tplKeys := []string{"name", "description", "is_active", "kickoff", "tasks", "template_owners", "is_public", "is_embedded",
		"public_success_url", "finalizable"}
	tpl := func(f *mfix) map[string]any {
		return tplBody(true, taskSpec{performers: []int64{f.perf.ID}}, taskSpec{performers: []int64{f.admin.ID}})
	}
	url := func(*mfix) map[string]any { return map[string]any{"url": "https://example.com/h"} }
	return map[string]hostileSpec{
		"POST /accounts/users": {path: at("/accounts/users"), keys: []string{"email", "first_name", "last_name", "is_admin"},
			base: func(f *mfix) map[string]any { return map[string]any{"email": f.uniq("h") + "@x.example"} }, consumes: true},
		"PATCH /accounts/users/{id}": {path: func(f *mfix) string { return "/accounts/users/" + ids(f.member.ID) },
			keys: []string{"first_name", "last_name", "is_admin", "phone"}, base: func(*mfix) map[string]any { return map[string]any{"first_name": "A"} }},
		"POST /accounts/invites": {path: at("/accounts/invites"), keys: []string{"users"}, consumes: true,
			base: func(f *mfix) map[string]any {
				return map[string]any{"users": []any{map[string]any{"email": f.uniq("i") + "@x.example"}}}
			}},
		"POST /accounts/invites/{invite}/accept": {keys: []string{"token", "first_name", "last_name"}, consumes: true,
			path: func(f *mfix) string {
				inv := f.must(200, "POST", "/accounts/invites", f.owner, map[string]any{"users": []any{map[string]any{"email": f.uniq("acc") + "@x.example"}}}).list(f.t)
				u := inv[0].(map[string]any)
				f.lastToken = u["token"].(string)
				return "/accounts/invites/" + u["invite"].(map[string]any)["id"].(string) + "/accept"
			},
			base: func(f *mfix) map[string]any { return map[string]any{"token": f.lastToken} }},
		"POST /accounts/api-keys": {path: at("/accounts/api-keys"), keys: []string{"name", "expires_at", "expires_at_tsp"}, base: empty},
		"POST /accounts/users/{id}/api-keys": {path: func(f *mfix) string { return "/accounts/users/" + ids(f.member.ID) + "/api-keys" },
			keys: []string{"name", "expires_at"}, base: empty},
		"POST /accounts/groups": {path: at("/accounts/groups"), keys: []string{"name", "users"},
			base: func(*mfix) map[string]any { return map[string]any{"name": "G"} }},
		"PATCH /accounts/groups/{id}": {path: func(f *mfix) string { return "/accounts/groups/" + ids(f.group) },
			keys: []string{"name", "users"}, base: func(*mfix) map[string]any { return map[string]any{"name": "G"} }},
		"PUT /accounts/groups/{id}": {path: func(f *mfix) string { return "/accounts/groups/" + ids(f.group) },
			keys: []string{"name", "users"}, base: func(*mfix) map[string]any { return map[string]any{"name": "G"} }},
		"POST /templates":       {path: at("/templates"), keys: tplKeys, base: tpl},
		"PUT /templates/{id}":   {path: func(f *mfix) string { return "/templates/" + ids(f.tpl) }, keys: tplKeys, base: tpl},
		"PATCH /templates/{id}": {path: func(f *mfix) string { return "/templates/" + ids(f.tpl) }, keys: tplKeys, base: empty},
		"POST /templates/{id}/run": {path: func(f *mfix) string { return "/templates/" + ids(f.tpl) + "/run" },
			keys: []string{"name", "kickoff", "is_urgent", "due_date", "due_date_tsp"}, base: empty},
		"PATCH /workflows/{id}": {path: func(f *mfix) string { return "/workflows/" + ids(f.wf.ID) },
			keys: []string{"name", "is_urgent", "due_date", "due_date_tsp"}, base: empty},
		"POST /workflows/{id}/task-complete": {keys: []string{"task_id", "user_id", "output"}, consumes: true,
			path: func(f *mfix) string {
				f.lastFlow = f.newFlow()
				return "/workflows/" + ids(f.lastFlow.ID) + "/task-complete"
			},
			base: func(f *mfix) map[string]any { return map[string]any{"task_id": f.lastFlow.Tasks[0]} }},
		"POST /workflows/{id}/finish": {keys: nil, base: empty, consumes: true,
			path: func(f *mfix) string { return "/workflows/" + ids(f.run(f.owner, f.tplFinal, nil).ID) + "/finish" }},
		"POST /workflows/{id}/snooze": {keys: []string{"date", "date_tsp"}, base: empty, consumes: true,
			path: func(f *mfix) string { return "/workflows/" + ids(f.newFlow().ID) + "/snooze" }},
		"POST /workflows/{id}/resume": {keys: nil, base: empty, consumes: true,
			path: func(f *mfix) string { return "/workflows/" + ids(f.snoozedFlow().ID) + "/resume" }},
		"POST /workflows/{id}/task-revert": {keys: []string{"comment"}, base: empty, consumes: true,
			path: func(f *mfix) string { return "/workflows/" + ids(f.flowAtTask2().ID) + "/task-revert" }},
		"POST /workflows/{id}/return-to": {keys: []string{"task", "task_api_name"}, consumes: true,
			path: func(f *mfix) string {
				f.lastFlow = f.flowAtTask2()
				return "/workflows/" + ids(f.lastFlow.ID) + "/return-to"
			},
			base: func(f *mfix) map[string]any { return map[string]any{"task": f.lastFlow.Tasks[0]} }},
		"POST /workflows/{id}/comment": {path: func(f *mfix) string { return "/workflows/" + ids(f.wf.ID) + "/comment" },
			keys: []string{"text"}, base: func(*mfix) map[string]any { return map[string]any{"text": "t"} }},
		"POST /v2/tasks/{id}/complete": {keys: []string{"user_id", "output"}, base: empty, consumes: true,
			path: func(f *mfix) string { return "/v2/tasks/" + ids(f.newFlow().Tasks[0]) + "/complete" }},
		"POST /v2/tasks/{id}/revert": {keys: []string{"comment"}, consumes: true,
			path: func(f *mfix) string { return "/v2/tasks/" + ids(f.flowAtTask2().Tasks[1]) + "/revert" },
			base: func(*mfix) map[string]any { return map[string]any{"comment": "c"} }},
		"POST /v2/tasks/checklists/{id}/mark": {keys: []string{"selection_id"},
			path: func(f *mfix) string {
				cl, item := f.newChecklist()
				f.lastItem = item
				return "/v2/tasks/checklists/" + ids(cl) + "/mark"
			},
			base: func(f *mfix) map[string]any { return map[string]any{"selection_id": f.lastItem} }},
		"POST /v2/tasks/checklists/{id}/unmark": {keys: []string{"selection_id"},
			path: func(f *mfix) string {
				cl, item := f.newChecklist()
				f.lastItem = item
				return "/v2/tasks/checklists/" + ids(cl) + "/unmark"
			},
			base: func(f *mfix) map[string]any { return map[string]any{"selection_id": f.lastItem} }},
		"POST /webhooks/events/{event}/subscribe":   {path: at("/webhooks/events/workflow_started/subscribe"), keys: []string{"url"}, base: url},
		"POST /webhooks/events/{event}/unsubscribe": {path: at("/webhooks/events/workflow_started/unsubscribe"), base: empty},
		"POST /webhooks/events/{event}/test":        {path: at("/webhooks/events/task_returned/test"), keys: []string{"url"}, base: url},
		"POST /webhooks/subscribe":                  {path: at("/webhooks/subscribe"), keys: []string{"url"}, base: url},
		"POST /webhooks/unsubscribe":                {path: at("/webhooks/unsubscribe"), base: empty},
		"POST /webhooks/secret/rotate":              {path: at("/webhooks/secret/rotate"), base: empty},
		"POST /webhooks/deliveries/{id}/redeliver": {path: func(f *mfix) string { return "/webhooks/deliveries/" + ids(f.delivery) + "/redeliver" },
			base: empty},
		"POST /workflows/attachments": {path: at("/workflows/attachments"), keys: []string{"filename", "content_type", "size", "thumbnail"},
			base: func(*mfix) map[string]any {
				return map[string]any{"filename": "a.txt", "content_type": "text/plain", "size": 5}
			}},
		"POST /workflows/attachments/{id}/publish": {path: func(f *mfix) string { return "/workflows/attachments/" + ids(f.uploadedAttachment()) + "/publish" },
			base: empty},
		"PUT /files/upload/{token}": {keys: nil, base: empty, consumes: true,
			path: func(f *mfix) string {
				a := f.must(200, "POST", "/workflows/attachments", f.owner, map[string]any{"filename": "u.bin", "content_type": "application/json", "size": 40}).obj(f.t)
				return strings.TrimPrefix(a["file_upload_url"].(string), publicURL)
			}},
	}
}

// getPath fills a GET pattern with objects of the owner's account.
func getPath(f *mfix, pattern string) string {
	r := strings.NewReplacer("{event}", "workflow_started")
	p := r.Replace(pattern)
	switch {
	case strings.HasPrefix(p, "/accounts/users/{id}"):
		p = strings.Replace(p, "{id}", ids(f.member.ID), 1)
	case strings.HasPrefix(p, "/accounts/groups/"):
		p = strings.Replace(p, "{id}", ids(f.group), 1)
	case strings.HasPrefix(p, "/templates/"):
		p = strings.Replace(p, "{id}", ids(f.tpl), 1)
	case strings.HasPrefix(p, "/workflows/{id}"):
		p = strings.Replace(p, "{id}", ids(f.wf.ID), 1)
	case strings.HasPrefix(p, "/v2/tasks/checklists/"):
		p = strings.Replace(p, "{id}", ids(f.checklist), 1)
	case strings.HasPrefix(p, "/v2/tasks/"):
		p = strings.Replace(p, "{id}", ids(f.wf.Tasks[0]), 1)
	case strings.HasPrefix(p, "/webhooks/deliveries/"):
		p = strings.Replace(p, "{id}", ids(f.delivery), 1)
	case p == "/workflows/fields":
		p += "?template_id=" + ids(f.tpl)
	}
	return p
}

// hostileBody is one raw request body with its content type.
type hostileBody struct {
	name         string
	ct           string // "" sends no Content-Type
	raw          []byte
	wantTooLarge bool
	mustRefuse   bool // anything but a 4xx is a bug
}

var (
	tenMB      = append(append([]byte(`{"name":"`), bytes.Repeat([]byte("x"), 10<<20)...), `"}`...)
	justOver   = append(append([]byte(`{"name":"`), bytes.Repeat([]byte("y"), 1<<20)...), `"}`...)
	deepArrays = strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
)

// hostileValues replace one key of a valid body at a time.
func hostileValues() map[string]string {
	nested := `{"a":` + strings.Repeat(`{"a":`, 28) + `1` + strings.Repeat(`}`, 29)
	return map[string]string{
		"null": `null`, "true": `true`, "false": `false`, "zero": `0`, "minus one": `-1`, "fraction": `1.5`,
		"1e400": `1e400`, "-1e400": `-1e400`, "1e-400": `1e-400`, "20 digits": `99999999999999999999`,
		"-20 digits": `-99999999999999999999`, "int64 overflow": `9223372036854775808`, "empty string": `""`,
		"blank": `"   "`, "word": `"x"`, "NUL": `"a\u0000b"`, "lone surrogate": `"\ud800"`, "BOM": `"\ufeff"`,
		"numeric string 1e400": `"1e400"`, "huge numeric string": `"99999999999999999999"`, "bad date": `"2026-02-30T25:61:00Z"`,
		"year 0": `"0000-01-01"`, "year 99999": `"99999-01-01T00:00:00Z"`, "html": `"<script>alert(1)</script>"`,
		"100k string": `"` + strings.Repeat("z", 100000) + `"`, "empty list": `[]`, "list of null": `[null]`,
		"mixed list": `[1,"a",[],{},null,true,1e400]`, "empty object": `{}`, "object": `{"a":{"b":null}}`,
		"nested 29": nested, "list of objects": `[{"email":1},{"x":[]}]`, "emoji": `"👩‍👩‍👧‍👦🏳️‍🌈"`,
		"rtl": `"\u202eevil"`, "negative zero": `-0`, "exponent int": `1e2`,
	}
}

// hostileBodies is the list of bodies for one route.
func hostileBodies(base map[string]any, keys []string) []hostileBody {
	var out []hostileBody
	enc := func(m map[string]any) []byte { b, _ := json.Marshal(m); return b }
	vals := hostileValues()
	vnames := make([]string, 0, len(vals))
	for n := range vals {
		vnames = append(vnames, n)
	}
	sort.Strings(vnames)
	// One key replaced by each hostile value.
	for _, k := range keys {
		for _, vn := range vnames {
			m := map[string]json.RawMessage{}
			for bk, bv := range base {
				b, _ := json.Marshal(bv)
				m[bk] = b
			}
			m[k] = json.RawMessage(vals[vn])
			b, _ := json.Marshal(m)
			out = append(out, hostileBody{name: fmt.Sprintf("%s=%s", k, vn), ct: "application/json", raw: b, mustRefuse: vn == "NUL"})
		}
		// The same key as a form value, odd encodings included.
		for _, fv := range []string{"", "%FF%FE", "%00", "%ZZ", "1e400", "99999999999999999999", "true", "null", "[]", "{}"} {
			out = append(out, hostileBody{name: "form " + k + "=" + fv, ct: "application/x-www-form-urlencoded",
				raw: []byte(url.QueryEscape(k) + "=" + fv), mustRefuse: fv == "%FF%FE" || fv == "%00"})
		}
		out = append(out, hostileBody{name: "form " + k + " twice", ct: "application/x-www-form-urlencoded",
			raw: []byte(url.QueryEscape(k) + "=a&" + url.QueryEscape(k) + "=b")})
		// Duplicate keys: refused (400) whatever the values.
		out = append(out, hostileBody{name: "duplicate " + k, ct: "application/json", raw: []byte(`{"` + k + `":1,"` + k + `":2}`), mustRefuse: true})
	}
	// Nulls everywhere.
	nulls := map[string]any{}
	for _, k := range keys {
		nulls[k] = nil
	}
	out = append(out, hostileBody{name: "every key null", ct: "application/json", raw: enc(nulls)})
	// Whole bodies.
	wholes := []hostileBody{
		{name: "empty", ct: "application/json", raw: nil},
		{name: "JSON null", ct: "application/json", raw: []byte(`null`), mustRefuse: true},
		{name: "JSON list", ct: "application/json", raw: []byte(`[]`), mustRefuse: true},
		{name: "list of the body", ct: "application/json", raw: append(append([]byte("["), enc(base)...), ']'), mustRefuse: true},
		{name: "JSON string", ct: "application/json", raw: []byte(`"x"`), mustRefuse: true},
		{name: "JSON number", ct: "application/json", raw: []byte(`1e400`), mustRefuse: true},
		{name: "truncated", ct: "application/json", raw: []byte(`{"a":1`), mustRefuse: true},
		{name: "trailing brace", ct: "application/json", raw: []byte(`{"a":1}}`), mustRefuse: true},
		{name: "two objects", ct: "application/json", raw: []byte(`{"a":1} {"b":2}`), mustRefuse: true},
		{name: "single quotes", ct: "application/json", raw: []byte(`{'a':1}`), mustRefuse: true},
		{name: "NaN", ct: "application/json", raw: []byte(`{"a":NaN}`), mustRefuse: true},
		{name: "leading zero", ct: "application/json", raw: []byte(`{"a":01}`), mustRefuse: true},
		{name: "raw control char", ct: "application/json", raw: []byte("{\"a\":\"\x01\"}"), mustRefuse: true},
		{name: "invalid UTF-8", ct: "application/json", raw: []byte("{\"name\":\"\xff\xfe\"}"), mustRefuse: true},
		{name: "UTF-8 BOM", ct: "application/json", raw: append([]byte("\xef\xbb\xbf"), enc(base)...)},
		{name: "UTF-16", ct: "application/json; charset=utf-16", raw: []byte("\xff\xfe{\x00}\x00"), mustRefuse: true},
		{name: "duplicate nested keys", ct: "application/json", raw: []byte(`{"kickoff":{"a":1,"a":2},"output":{"a":1,"a":2}}`), mustRefuse: true},
		{name: "deep arrays", ct: "application/json", raw: []byte(`{"a":` + deepArrays + `}`), mustRefuse: true},
		{name: "depth 33", ct: "application/json", raw: []byte(strings.Repeat(`{"a":`, 33) + "1" + strings.Repeat("}", 33)), mustRefuse: true},
		{name: "10 MB string", ct: "application/json", raw: tenMB, wantTooLarge: true, mustRefuse: true},
		{name: "1 MiB + 11 bytes", ct: "application/json", raw: justOver, wantTooLarge: true, mustRefuse: true},
		{name: "text/plain JSON", ct: "text/plain", raw: enc(base)},
		{name: "XML", ct: "application/xml", raw: []byte(`<a/>`), mustRefuse: true},
		{name: "multipart", ct: "multipart/form-data; boundary=x", raw: []byte("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--\r\n"), mustRefuse: true},
		{name: "bad content type", ct: ";;;", raw: enc(base), mustRefuse: true},
		{name: "no content type, JSON", ct: "", raw: enc(base)},
		{name: "no content type, garbage", ct: "", raw: []byte("\x00\x01\x02")},
		{name: "form garbage", ct: "application/x-www-form-urlencoded", raw: []byte("%%%;;&&==%ZZ")},
		{name: "form invalid UTF-8 bytes", ct: "application/x-www-form-urlencoded", raw: []byte("name=\xff"), mustRefuse: true},
		{name: "form huge key", ct: "application/x-www-form-urlencoded", raw: []byte(strings.Repeat("k", 500000) + "=1")},
		{name: "form 10 MB", ct: "application/x-www-form-urlencoded", raw: bytes.Repeat([]byte("a=1&"), 10<<18), wantTooLarge: true, mustRefuse: true},
	}
	return append(out, wholes...)
}

// send posts a raw body with a content type as the owner.
func (f *mfix) send(method, path string, b hostileBody) *resp {
	req := httptest.NewRequest(method, path, io.NopCloser(bytes.NewReader(b.raw)))
	if b.ct != "" {
		req.Header.Set("Content-Type", b.ct)
	}
	req.Header.Set("Authorization", "Bearer "+f.owner)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return &resp{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}
