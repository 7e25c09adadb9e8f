package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/httpapi"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
)

// Two servers on one database (on SQLite one server plays both): server A
// answers its hottest routes from a cached key whose confirmation rides on
// the request's first statement, and what server B changes about the key
// or its user must hold on A at once (CONTRACT §5.9), on every deferred
// route, including requests that fail before reaching that statement.
func TestCachedKeysFollowTheOtherServerAtOnce(t *testing.T) {
	dbA, dbB := storetest.OpenTwice(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svcA := app.New(dbA, app.Config{PublicURL: publicURL}, nil, quiet)
	svcB := app.New(dbB, app.Config{PublicURL: publicURL}, nil, quiet)
	if _, err := svcA.Bootstrap(context.Background(), "owner@example.com", ownerKey); err != nil {
		t.Fatal(err)
	}
	a := &env{t: t, svc: svcA, h: httpapi.New(svcA, publicURL, quiet, nil), owner: ownerKey}
	b := &env{t: t, svc: svcB, h: httpapi.New(svcB, publicURL, quiet, nil), owner: ownerKey}
	pg := os.Getenv(storetest.EnvURL) != ""

	admin := a.newUser(ownerKey, "adm@example.com", true)
	plain := a.newUser(ownerKey, "pla@example.com", false)
	tpl := a.template(ownerKey, tplBody(true, taskSpec{performers: []int64{admin.ID, plain.ID}}, taskSpec{performers: []int64{admin.ID}}))
	f := a.run(ownerKey, tpl, nil)
	detail := "/workflows/" + ids(f.ID)

	// Known keys cost the hot routes no lookup of their own.
	for _, k := range []string{admin.Key, plain.Key} {
		a.must(200, "GET", "/v3/tasks", k, nil)
	}
	before := svcA.KeyLookups()
	for range 3 {
		a.must(200, "GET", "/v3/tasks", admin.Key, nil)
		a.must(200, "GET", detail, plain.Key, nil)
	}
	if n := svcA.KeyLookups() - before; pg && n != 0 {
		t.Fatalf("%d key lookups for keys the server knew", n)
	}

	// Demoted on B: A refuses at once what only an admin may do.
	a.must(200, "GET", "/v3/tasks?assigned_to="+ids(plain.ID), admin.Key, nil)
	b.must(200, "PATCH", "/accounts/users/"+ids(admin.ID), ownerKey, map[string]any{"is_admin": false})
	wantValidation(t, a.do("GET", "/v3/tasks?assigned_to="+ids(plain.ID), admin.Key, nil), "", "", "")
	a.must(200, "GET", "/v3/tasks", admin.Key, nil)

	// An answer to replay, made while the key was good.
	complete := map[string]any{"task_id": f.Tasks[0]}
	if r := a.keyed("POST", detail+"/task-complete", plain.Key, "once", complete); r.Code != 204 {
		t.Fatalf("complete: %s", r)
	}
	a.must(200, "GET", "/v3/tasks?is_completed=true", plain.Key, nil)

	// Revoked on B: every deferred route of A answers 401.
	keys := b.must(200, "GET", "/accounts/users/"+ids(plain.ID)+"/api-keys", ownerKey, nil).list(t)
	kid := num(t, keys[0].(map[string]any)["id"])
	b.must(204, "DELETE", "/accounts/users/"+ids(plain.ID)+"/api-keys/"+ids(kid), ownerKey, nil)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/v3/tasks", nil},
		{"GET", "/v3/tasks?is_completed=maybe", nil}, // a 400 before any statement
		{"GET", detail, nil},
		{"GET", "/workflows/99999999", nil}, // a 404: no row to confirm with
		{"POST", detail + "/task-complete", map[string]any{"task_id": f.Tasks[1]}},
		{"POST", detail + "/task-complete", map[string]any{}}, // a 400 before any statement
	} {
		if r := a.do(c.method, c.path, plain.Key, c.body); r.Code != 401 {
			t.Fatalf("%s %s with a key revoked on the other server: got %s, want 401", c.method, c.path, r)
		}
	}
	if r := a.keyed("POST", detail+"/task-complete", plain.Key, "once", complete); r.Code != 401 {
		t.Fatalf("replay with a key revoked on the other server: got %s, want 401", r)
	}

	// Deactivated on B: the user's keys stop working on A.
	a.must(200, "GET", detail, admin.Key, nil)
	b.must(204, "DELETE", "/accounts/users/"+ids(admin.ID), ownerKey, nil)
	for _, path := range []string{"/v3/tasks", detail} {
		if r := a.do("GET", path, admin.Key, nil); r.Code != 401 {
			t.Fatalf("GET %s as a user deactivated on the other server: got %s, want 401", path, r)
		}
	}

	// The owner, untouched, is still served, and known again after one lookup.
	a.must(200, "GET", "/v3/tasks", ownerKey, nil)
	before = svcA.KeyLookups()
	a.must(200, "GET", detail, ownerKey, nil)
	if n := svcA.KeyLookups() - before; pg && n != 0 {
		t.Fatalf("%d key lookups once the cache had caught up", n)
	}
}

// What a change uses of users and webhook subscriptions may be kept by
// server A between changes (PostgreSQL), but never past a change made on
// server B: a user deactivated on B is not made a performer by A's next
// completion, and a subscription made on B gets A's next completion's
// delivery.
func TestKeptUsersAndSubscriptionsFollowTheOtherServer(t *testing.T) {
	dbA, dbB := storetest.OpenTwice(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svcA := app.New(dbA, app.Config{PublicURL: publicURL}, nil, quiet)
	svcB := app.New(dbB, app.Config{PublicURL: publicURL}, nil, quiet)
	if _, err := svcA.Bootstrap(context.Background(), "owner@example.com", ownerKey); err != nil {
		t.Fatal(err)
	}
	a := &env{t: t, svc: svcA, h: httpapi.New(svcA, publicURL, quiet, nil), owner: ownerKey}
	b := &env{t: t, svc: svcB, h: httpapi.New(svcB, publicURL, quiet, nil), owner: ownerKey}
	owner := a.me(ownerKey)
	u1 := a.newUser(ownerKey, "one@example.com", false)
	u2 := a.newUser(ownerKey, "two@example.com", false)
	tpl := a.template(ownerKey, tplBody(true, taskSpec{performers: []int64{owner}}, taskSpec{performers: []int64{u1.ID, u2.ID}}))
	performers := func(f flow) []any {
		return a.workflow(f.ID)["tasks"].([]any)[1].(map[string]any)["performers"].([]any)
	}
	deliveries := func() int64 {
		return num(t, a.must(200, "GET", "/webhooks/deliveries?event=task_completed", ownerKey, nil).obj(t)["count"])
	}

	// A's first completion reads, and may keep, both users and no subscription.
	first, second, third := a.run(ownerKey, tpl, nil), a.run(ownerKey, tpl, nil), a.run(ownerKey, tpl, nil)
	complete := func(f flow) {
		a.must(204, "POST", "/workflows/"+ids(f.ID)+"/task-complete", ownerKey, map[string]any{"task_id": f.Tasks[0]})
	}
	complete(first)
	if p := performers(first); len(p) != 2 || deliveries() != 0 {
		t.Fatalf("before any change on B: performers %v, %d deliveries", p, deliveries())
	}

	// One change on B at a time, so that each shows on its own.
	b.must(204, "DELETE", "/accounts/users/"+ids(u1.ID), ownerKey, nil)
	complete(second)
	if p := performers(second); len(p) != 1 || num(t, p[0]) != u2.ID {
		t.Errorf("after u1 was deactivated on the other server, task 2's performers are %v, want [%d]", p, u2.ID)
	}
	b.must(204, "POST", "/webhooks/events/task_completed/subscribe", ownerKey, map[string]any{"url": "https://example.com/done"})
	complete(third)
	if n := deliveries(); n != 1 {
		t.Errorf("after a subscription on the other server, %d task_completed deliveries, want 1", n)
	}
}

// A key over its rate on server A and revoked on server B gets A's 401,
// not a 429: a throttled request confirms its deferred key first.
func TestThrottledRevokedKeyGets401(t *testing.T) {
	dbA, dbB := storetest.OpenTwice(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svcA := app.New(dbA, app.Config{PublicURL: publicURL}, nil, quiet)
	svcB := app.New(dbB, app.Config{PublicURL: publicURL}, nil, quiet)
	if _, err := svcA.Bootstrap(context.Background(), "owner@example.com", ownerKey); err != nil {
		t.Fatal(err)
	}
	srvA := httpapi.New(svcA, publicURL, quiet, nil)
	stopped := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // no refill
	srvA.SetLimits(httpapi.Limits{RatePerSecond: 1, Burst: 2, Now: func() time.Time { return stopped }})
	a := &env{t: t, svc: svcA, h: srvA, owner: ownerKey}
	b := &env{t: t, svc: svcB, h: httpapi.New(svcB, publicURL, quiet, nil), owner: ownerKey}
	u := b.newUser(ownerKey, "thr@example.com", false)

	a.must(200, "GET", "/v3/tasks", u.Key, nil)
	a.must(200, "GET", "/v3/tasks", u.Key, nil)
	wantDetail(t, a.do("GET", "/v3/tasks", u.Key, nil), 429, "") // the bucket is empty
	keys := b.must(200, "GET", "/accounts/users/"+ids(u.ID)+"/api-keys", ownerKey, nil).list(t)
	b.must(204, "DELETE", "/accounts/users/"+ids(u.ID)+"/api-keys/"+ids(num(t, keys[0].(map[string]any)["id"])), ownerKey, nil)
	wantDetail(t, a.do("GET", "/v3/tasks", u.Key, nil), 401, "")
}
