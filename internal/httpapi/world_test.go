package httpapi_test

import (
	"testing"
)

// world is an account with an admin, a performer, an outsider (a user of
// the account in no workflow), a group, templates and a running workflow;
// and a second account with objects of every kind.
type world struct {
	*env
	admin, perf, outsider person
	group                 int64
	tpl                   int64 // active, two tasks, performer perf then admin
	tplCheck              int64 // active, one task with a checklist, performer perf
	wf                    flow  // of tpl, started by the owner
	wfCheck               flow  // of tplCheck
	checklist             int64 // checklist of wfCheck's task 1
	item                  int64 // its first item
	ownKey                int64 // id of the owner's second key

	other struct {
		key       string
		user      person
		group     int64
		keyID     int64 // a key of the other owner
		userKeyID int64 // a key of the other user
		tpl       int64
		wf        flow
		checklist int64
		item      int64
	}
}

func checklistTask(perf int64) taskSpec {
	return taskSpec{performers: []int64{perf}, extra: map[string]any{
		"checklists": []any{map[string]any{"api_name": "cl", "selections": []any{
			map[string]any{"api_name": "cl-1", "value": "first"}, map[string]any{"api_name": "cl-2", "value": "second {{kf}}"},
		}}},
	}}
}

// checklistOf returns the first checklist id and its first item id of a task.
func (e *env) checklistOf(key string, task int64) (int64, int64) {
	e.t.Helper()
	d := e.must(200, "GET", "/v2/tasks/"+ids(task), key, nil).obj(e.t)
	cls := d["checklists"].([]any)
	if len(cls) == 0 {
		e.t.Fatalf("task %d has no checklist: %v", task, d)
	}
	cl := cls[0].(map[string]any)
	item := cl["selections"].([]any)[0].(map[string]any)
	return num(e.t, cl["id"]), num(e.t, item["id"])
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{env: newEnv(t)}
	e := w.env
	w.admin = e.newUser(e.owner, "admin@example.com", true)
	w.perf = e.newUser(e.owner, "perf@example.com", false)
	w.outsider = e.newUser(e.owner, "out@example.com", false)
	w.group = num(t, e.must(201, "POST", "/accounts/groups", e.owner, map[string]any{"name": "Team", "users": []int64{w.perf.ID}}).obj(t)["id"])
	w.ownKey = num(t, e.must(201, "POST", "/accounts/api-keys", e.owner, map[string]any{"name": "second"}).obj(t)["id"])
	w.tpl = e.template(e.owner, tplBody(true, taskSpec{performers: []int64{w.perf.ID}}, taskSpec{performers: []int64{w.admin.ID}}))
	w.tplCheck = e.template(e.owner, tplBody(true, checklistTask(w.perf.ID)))
	w.wf = e.run(e.owner, w.tpl, map[string]any{"name": "Main", "kickoff": map[string]any{"kf": "ACME"}})
	w.wfCheck = e.run(e.owner, w.tplCheck, nil)
	w.checklist, w.item = e.checklistOf(e.owner, w.wfCheck.Tasks[0])

	o := &w.other
	o.key = e.otherAccount("other")
	o.user = e.newUser(o.key, "ouser@example.org", false)
	o.group = num(t, e.must(201, "POST", "/accounts/groups", o.key, map[string]any{"name": "OT", "users": []int64{o.user.ID}}).obj(t)["id"])
	o.keyID = num(t, e.must(201, "POST", "/accounts/api-keys", o.key, map[string]any{"name": "x"}).obj(t)["id"])
	keys := e.must(200, "GET", "/accounts/users/"+ids(o.user.ID)+"/api-keys", o.key, nil).list(t)
	o.userKeyID = num(t, keys[0].(map[string]any)["id"])
	o.tpl = e.template(o.key, tplBody(true, checklistTask(o.user.ID), taskSpec{performers: []int64{o.user.ID}}))
	o.wf = e.run(o.key, o.tpl, nil)
	o.checklist, o.item = e.checklistOf(o.key, o.wf.Tasks[0])
	return w
}
