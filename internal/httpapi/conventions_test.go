package httpapi_test

import (
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestAuth401(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, header, detail string
	}{
		{"no header", "", "Authentication credentials were not provided."},
		{"scheme only", "Bearer", "Authentication credentials were not provided."},
		{"empty key", "Bearer   ", "Authentication credentials were not provided."},
		{"other scheme", "Basic dXNlcjpwYXNz", "Invalid API key."},
		{"malformed key", "Bearer nope", "Invalid API key."},
		{"unknown key", "Bearer pn-" + strings.Repeat("B", 43), "Invalid API key."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/accounts/user", nil)
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			r := &resp{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
			wantDetail(t, r, 401, c.detail)
			if got := r.Header.Get("WWW-Authenticate"); got != `Bearer realm="api"` {
				t.Fatalf("WWW-Authenticate = %q", got)
			}
		})
	}
	// The scheme word is case-insensitive.
	req := httptest.NewRequest("GET", "/accounts/user", nil)
	req.Header.Set("Authorization", "bEaReR "+e.owner)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("lower-case scheme: %d %s", rec.Code, rec.Body)
	}
	// Every authenticated route refuses an anonymous caller.
	for _, p := range []string{"/accounts/users", "/templates", "/workflows", "/v3/tasks", "/workflows/fields", "/accounts/audit"} {
		wantDetail(t, e.do("GET", p, "", nil), 401, "Authentication credentials were not provided.")
	}
}

func TestConventions(t *testing.T) {
	e := newEnv(t)
	me := e.me(e.owner)

	t.Run("trailing slash", func(t *testing.T) {
		e.must(200, "GET", "/accounts/user/", e.owner, nil)
		e.must(200, "GET", "/templates/", e.owner, nil)
	})
	t.Run("unknown path", func(t *testing.T) {
		want404(t, e.do("GET", "/nope", e.owner, nil))
		want404(t, e.do("GET", "/api/templates", e.owner, nil))
	})
	t.Run("405 with Allow", func(t *testing.T) {
		r := e.do("DELETE", "/templates", e.owner, nil)
		wantDetail(t, r, 405, `Method "DELETE" not allowed.`)
		allow := r.Header.Get("Allow")
		if !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
			t.Fatalf("Allow = %q", allow)
		}
		r = e.do("PUT", "/workflows/1/finish", e.owner, nil)
		wantDetail(t, r, 405, `Method "PUT" not allowed.`)
		if !strings.Contains(r.Header.Get("Allow"), "POST") {
			t.Fatalf("Allow = %q", r.Header.Get("Allow"))
		}
	})
	t.Run("413 over 1 MiB", func(t *testing.T) {
		big := `{"name": "` + strings.Repeat("x", 1<<20) + `"}`
		wantDetail(t, e.do("POST", "/accounts/groups", e.owner, big), 413, "")
		// Just under the limit is read (and refused for its content, not its size).
		under := `{"name": "` + strings.Repeat("x", 1<<20-20) + `"}`
		if r := e.do("POST", "/accounts/groups", e.owner, under); r.Code != 400 {
			t.Fatalf("under the limit: %d", r.Code)
		}
	})
	t.Run("malformed bodies are 400", func(t *testing.T) {
		for _, b := range []string{`{`, `{"a":1}{`, `"str"`, `{"a": [` + strings.Repeat("[", 100) + `]}`, "\xff\xfe"} {
			wantValidation(t, e.do("POST", "/accounts/groups", e.owner, b), "", "", "")
		}
		req := httptest.NewRequest("POST", "/accounts/groups", strings.NewReader("<xml/>"))
		req.Header.Set("Content-Type", "application/xml")
		req.Header.Set("Authorization", "Bearer "+e.owner)
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		wantValidation(t, &resp{Code: rec.Code, Body: rec.Body.Bytes()}, "", "", "")
	})
	t.Run("form bodies", func(t *testing.T) {
		g := e.must(201, "POST", "/accounts/groups", e.owner, url.Values{"name": {"Form"}, "users": {fmt.Sprint(me)}}).obj(t)
		if g["name"] != "Form" || len(g["users"].([]any)) != 1 {
			t.Fatalf("form group: %v", g)
		}
		tpl := e.template(e.owner, tplBody(true, taskSpec{performers: []int64{me}}))
		w := e.must(200, "POST", "/templates/"+ids(tpl)+"/run", e.owner, url.Values{"name": {"From a form"}, "is_urgent": {"true"}}).obj(t)
		if w["name"] != "From a form" || w["is_urgent"] != true {
			t.Fatalf("form run: %v", w)
		}
	})
	t.Run("responses are JSON with time pairs", func(t *testing.T) {
		r := e.must(200, "GET", "/accounts/user", e.owner, nil)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("Content-Type %q", ct)
		}
		u := r.obj(t)
		dj := u["date_joined"].(string)
		if len(dj) != len("2026-12-03T15:42:02.123Z") || !strings.HasSuffix(dj, "Z") {
			t.Fatalf("date_joined %q", dj)
		}
		if _, ok := u["date_joined_tsp"]; !ok {
			t.Fatal("no date_joined_tsp")
		}
		if r.Header.Get("X-Request-Id") == "" {
			t.Fatal("no request id")
		}
	})
	t.Run("204 has no body", func(t *testing.T) {
		g := e.must(201, "POST", "/accounts/groups", e.owner, map[string]any{"name": "Tmp"}).obj(t)
		r := e.must(204, "DELETE", "/accounts/groups/"+ids(num(t, g["id"])), e.owner, nil)
		if len(r.Body) != 0 {
			t.Fatalf("204 body %q", r.Body)
		}
	})
}

func TestPagination(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		e.must(201, "POST", "/accounts/users", e.owner, map[string]any{"email": fmt.Sprintf("p%d@example.com", i), "last_name": fmt.Sprintf("P%d", i)})
	}
	// 6 users in all.
	page := func(q string) map[string]any {
		return e.must(200, "GET", "/accounts/users"+q, e.owner, nil).obj(t)
	}
	p := page("")
	if num(t, p["count"]) != 6 || p["next"] != nil || p["previous"] != nil || len(p["results"].([]any)) != 6 {
		t.Fatalf("default page: %v", p)
	}
	p = page("?limit=2&status=active")
	next, _ := p["next"].(string)
	if !strings.HasPrefix(next, publicURL+"/accounts/users?") || p["previous"] != nil || len(p["results"].([]any)) != 2 {
		t.Fatalf("first page: %v", p)
	}
	nu, _ := url.Parse(next)
	if q := nu.Query(); q.Get("limit") != "2" || q.Get("offset") != "2" || q.Get("status") != "active" {
		t.Fatalf("next %q", next)
	}
	p = page("?" + nu.RawQuery)
	prev, _ := p["previous"].(string)
	if !strings.HasPrefix(prev, publicURL+"/accounts/users?") || p["next"] == nil {
		t.Fatalf("middle page: %v", p)
	}
	if pu, _ := url.Parse(prev); pu.Query().Get("offset") != "" && pu.Query().Get("offset") != "0" {
		t.Fatalf("previous %q", prev)
	}
	p = page("?limit=2&offset=4")
	if p["next"] != nil || p["previous"] == nil || len(p["results"].([]any)) != 2 {
		t.Fatalf("last page: %v", p)
	}
	p = page("?limit=2&offset=100")
	if len(p["results"].([]any)) != 0 || num(t, p["count"]) != 6 {
		t.Fatalf("past the end: %v", p)
	}
	// Stable order: walking pages sees every user once.
	seen := map[int64]bool{}
	for off := 0; off < 6; off++ {
		r := page(fmt.Sprintf("?limit=1&offset=%d", off))["results"].([]any)
		id := num(t, r[0].(map[string]any)["id"])
		if seen[id] {
			t.Fatalf("user %d on two pages", id)
		}
		seen[id] = true
	}
	page("?limit=1")
	page("?limit=1000")
	page("?offset=0")
	page("?unknown=1")
	for _, path := range []string{"/accounts/users", "/templates", "/workflows", "/v3/tasks", "/accounts/groups", "/accounts/audit"} {
		for _, q := range []string{"limit=0", "limit=1001", "limit=-1", "limit=x", "offset=-1", "offset=y"} {
			r := e.do("GET", path+"?"+q, e.owner, nil)
			field := strings.Split(q, "=")[0]
			wantValidation(t, r, "", field, "")
		}
		env := e.must(200, "GET", path, e.owner, nil).obj(t)
		for _, k := range []string{"count", "next", "previous", "results"} {
			if _, ok := env[k]; !ok {
				t.Errorf("%s: envelope without %q", path, k)
			}
		}
	}
}
