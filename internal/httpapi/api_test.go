package httpapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
)

func future() string { return time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339) }

// TestOtherAccountIDs: every route with an id answers 404 {"detail":"Not
// found."} for another account's object, even to the account owner.
func TestOtherAccountIDs(t *testing.T) {
	w := newWorld(t)
	o := w.other
	u, g, tp, wf, task, cl := ids(o.user.ID), ids(o.group), ids(o.tpl), ids(o.wf.ID), ids(o.wf.Tasks[0]), ids(o.checklist)
	cases := []struct {
		method, path string
		body         any
	}{
		{"GET", "/accounts/users/" + u, nil},
		{"PATCH", "/accounts/users/" + u, map[string]any{"first_name": "X"}},
		{"DELETE", "/accounts/users/" + u, nil},
		{"DELETE", "/accounts/api-keys/" + ids(o.keyID), nil},
		{"GET", "/accounts/users/" + u + "/api-keys", nil},
		{"POST", "/accounts/users/" + u + "/api-keys", map[string]any{"name": "x"}},
		{"DELETE", "/accounts/users/" + u + "/api-keys/" + ids(o.userKeyID), nil},
		{"GET", "/accounts/groups/" + g, nil},
		{"PATCH", "/accounts/groups/" + g, map[string]any{"name": "Y"}},
		{"PUT", "/accounts/groups/" + g, map[string]any{"name": "Y"}},
		{"DELETE", "/accounts/groups/" + g, nil},
		{"GET", "/templates/" + tp, nil},
		{"PUT", "/templates/" + tp, tplBody(false)},
		{"PATCH", "/templates/" + tp, map[string]any{"name": "Z"}},
		{"DELETE", "/templates/" + tp, nil},
		{"POST", "/templates/" + tp + "/run", map[string]any{}},
		{"GET", "/workflows/" + wf, nil},
		{"PATCH", "/workflows/" + wf, map[string]any{"name": "Z"}},
		{"DELETE", "/workflows/" + wf, nil},
		{"POST", "/workflows/" + wf + "/task-complete", map[string]any{"task_id": o.wf.Tasks[0]}},
		{"POST", "/workflows/" + wf + "/finish", nil},
		{"POST", "/workflows/" + wf + "/snooze", map[string]any{"date": future()}},
		{"POST", "/workflows/" + wf + "/resume", nil},
		{"POST", "/workflows/" + wf + "/task-revert", map[string]any{"comment": "x"}},
		{"POST", "/workflows/" + wf + "/return-to", map[string]any{"task": o.wf.Tasks[0]}},
		{"POST", "/workflows/" + wf + "/comment", map[string]any{"text": "hi"}},
		{"GET", "/workflows/" + wf + "/events", nil},
		{"GET", "/v2/tasks/" + task, nil},
		{"POST", "/v2/tasks/" + task + "/complete", map[string]any{}},
		{"POST", "/v2/tasks/" + task + "/revert", map[string]any{"comment": "x"}},
		{"GET", "/v2/tasks/checklists/" + cl, nil},
		{"POST", "/v2/tasks/checklists/" + cl + "/mark", map[string]any{"selection_id": o.item}},
		{"POST", "/v2/tasks/checklists/" + cl + "/unmark", map[string]any{"selection_id": o.item}},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			want404(t, w.do(c.method, c.path, w.owner, c.body))
		})
	}
	// The other account's objects are untouched and still theirs.
	w.must(200, "GET", "/workflows/"+wf, o.key, nil)
	w.must(200, "GET", "/templates/"+tp, o.key, nil)
	w.must(200, "GET", "/accounts/groups/"+g, o.key, nil)
	if got := w.must(200, "GET", "/accounts/users/"+u, o.key, nil).obj(t)["status"]; got != "active" {
		t.Fatalf("other user status = %v", got)
	}
	// Lists never show the other account's objects; filters by their ids find nothing.
	for _, path := range []string{"/workflows?template_id=" + tp, "/workflows/fields?template_id=" + tp, "/v3/tasks?template_id=" + tp} {
		if n := num(t, w.must(200, "GET", path, w.owner, nil).obj(t)["count"]); n != 0 {
			t.Errorf("%s: count %d, want 0", path, n)
		}
	}
	// A user of another account given as assigned_to or task_id is not acknowledged either.
	r := w.do("POST", "/workflows/"+ids(w.wf.ID)+"/task-complete", w.owner, map[string]any{"task_id": o.wf.Tasks[0]})
	if r.Code != 400 && r.Code != 404 {
		t.Fatalf("task_id of another account: %s", r)
	}
	// Unknown and malformed ids are 404s too.
	for _, p := range []string{"/workflows/999999999", "/workflows/abc", "/templates/0", "/v2/tasks/-1", "/accounts/users/x"} {
		want404(t, w.do("GET", p, w.owner, nil))
	}
}

// TestWrongRole: a plain user (or a member without the right) gets 403.
func TestWrongRole(t *testing.T) {
	w := newWorld(t)
	perf, out := w.perf.Key, w.outsider.Key
	wf, task := ids(w.wf.ID), ids(w.wf.Tasks[0])
	cases := []struct {
		name         string
		key          string
		method, path string
		body         any
	}{
		{"create user", perf, "POST", "/accounts/users", map[string]any{"email": "n@example.com"}},
		{"patch user", perf, "PATCH", "/accounts/users/" + ids(w.outsider.ID), map[string]any{"first_name": "X"}},
		{"deactivate user", perf, "DELETE", "/accounts/users/" + ids(w.outsider.ID), nil},
		{"invite", perf, "POST", "/accounts/invites", map[string]any{"users": []any{map[string]any{"email": "i@example.com"}}}},
		{"list another's keys", perf, "GET", "/accounts/users/" + ids(w.outsider.ID) + "/api-keys", nil},
		{"create another's key", perf, "POST", "/accounts/users/" + ids(w.outsider.ID) + "/api-keys", map[string]any{}},
		{"revoke another's key", perf, "DELETE", "/accounts/users/" + ids(w.admin.ID) + "/api-keys/" + ids(w.ownKey), nil},
		{"create group", perf, "POST", "/accounts/groups", map[string]any{"name": "G"}},
		{"patch group", perf, "PATCH", "/accounts/groups/" + ids(w.group), map[string]any{"name": "G"}},
		{"put group", perf, "PUT", "/accounts/groups/" + ids(w.group), map[string]any{"name": "G"}},
		{"delete group", perf, "DELETE", "/accounts/groups/" + ids(w.group), nil},
		{"audit", perf, "GET", "/accounts/audit", nil},
		{"create template", perf, "POST", "/templates", tplBody(false)},
		{"get template", perf, "GET", "/templates/" + ids(w.tpl), nil},
		{"put template", perf, "PUT", "/templates/" + ids(w.tpl), tplBody(false)},
		{"patch template", perf, "PATCH", "/templates/" + ids(w.tpl), map[string]any{"name": "x"}},
		{"delete template", perf, "DELETE", "/templates/" + ids(w.tpl), nil},
		{"get workflow (not a member)", out, "GET", "/workflows/" + wf, nil},
		{"patch workflow (not starter)", perf, "PATCH", "/workflows/" + wf, map[string]any{"name": "x"}},
		{"delete workflow", perf, "DELETE", "/workflows/" + wf, nil},
		{"finish", perf, "POST", "/workflows/" + wf + "/finish", nil},
		{"snooze", perf, "POST", "/workflows/" + wf + "/snooze", map[string]any{"date": future()}},
		{"resume", perf, "POST", "/workflows/" + wf + "/resume", nil},
		{"task-revert (not a member)", out, "POST", "/workflows/" + wf + "/task-revert", map[string]any{}},
		{"return-to", perf, "POST", "/workflows/" + wf + "/return-to", map[string]any{"task": w.wf.Tasks[0]}},
		{"comment (not a member)", out, "POST", "/workflows/" + wf + "/comment", map[string]any{"text": "x"}},
		{"events (not a member)", out, "GET", "/workflows/" + wf + "/events", nil},
		{"complete on behalf (not admin)", perf, "POST", "/workflows/" + wf + "/task-complete", map[string]any{"task_id": w.wf.Tasks[0], "user_id": w.admin.ID}},
		{"complete (not a member)", out, "POST", "/workflows/" + wf + "/task-complete", map[string]any{"task_id": w.wf.Tasks[0]}},
		{"task detail (not a member)", out, "GET", "/v2/tasks/" + task, nil},
		{"v2 complete (not a member)", out, "POST", "/v2/tasks/" + task + "/complete", map[string]any{}},
		{"v2 revert (not a member)", out, "POST", "/v2/tasks/" + task + "/revert", map[string]any{"comment": "x"}},
		{"checklist (not a member)", out, "GET", "/v2/tasks/checklists/" + ids(w.checklist), nil},
		{"mark (not a member)", out, "POST", "/v2/tasks/checklists/" + ids(w.checklist) + "/mark", map[string]any{"selection_id": w.item}},
		{"unmark (not a member)", out, "POST", "/v2/tasks/checklists/" + ids(w.checklist) + "/unmark", map[string]any{"selection_id": w.item}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantDetail(t, w.do(c.method, c.path, c.key, c.body), 403, "")
		})
	}
	// Nothing was changed by the refused calls.
	wfd := w.workflow(w.wf.ID)
	if wfd["name"] != "Main" || num(t, wfd["status"]) != 0 || w.taskStatus(w.wf.ID, 1) != "active" {
		t.Fatalf("workflow changed by refused calls: %v", wfd)
	}
	// A plain user may read the account's users and groups and their own keys.
	w.must(200, "GET", "/accounts/users", perf, nil)
	w.must(200, "GET", "/accounts/groups/"+ids(w.group), perf, nil)
	w.must(200, "GET", "/accounts/api-keys", perf, nil)
	// A user may see only their own tasks.
	wantValidation(t, w.do("GET", "/v3/tasks?assigned_to="+ids(w.admin.ID), perf, nil),
		`Filter by "assigned_to" is only allowed for the admin.`, "", "")
}

// TestBadInput: each endpoint with a body or query answers 400 in the
// validation envelope for a bad one.
func TestBadInput(t *testing.T) {
	w := newWorld(t)
	own := w.owner
	wf := ids(w.wf.ID)
	long := strings.Repeat("x", 151)
	cases := []struct {
		name         string
		method, path string
		body         any
		field        string // details.name ("" to skip)
	}{
		{"users limit", "GET", "/accounts/users?limit=0", nil, "limit"},
		{"users status", "GET", "/accounts/users?status=sleeping", nil, "status"},
		{"users ordering", "GET", "/accounts/users?ordering=age", nil, "ordering"},
		{"users order", "GET", "/accounts/users?order=up", nil, "order"},
		{"create user without email", "POST", "/accounts/users", map[string]any{"first_name": "A"}, "email"},
		{"create user bad email", "POST", "/accounts/users", map[string]any{"email": "not-an-email"}, "email"},
		{"create user taken email", "POST", "/accounts/users", map[string]any{"email": "perf@example.com"}, ""},
		{"create user long name", "POST", "/accounts/users", map[string]any{"email": "z@example.com", "first_name": long}, "first_name"},
		{"create user is_admin type", "POST", "/accounts/users", map[string]any{"email": "z@example.com", "is_admin": "maybe"}, "is_admin"},
		{"patch user type", "PATCH", "/accounts/users/" + ids(w.perf.ID), map[string]any{"first_name": 5}, "first_name"},
		{"patch user long", "PATCH", "/accounts/users/" + ids(w.perf.ID), map[string]any{"last_name": long}, "last_name"},
		{"deactivate owner", "DELETE", "/accounts/users/" + ids(w.me(own)), nil, ""},
		{"invite not a list", "POST", "/accounts/invites", map[string]any{"users": "x"}, "users"},
		{"invite empty", "POST", "/accounts/invites", map[string]any{"users": []any{}}, "users"},
		{"invite bad email", "POST", "/accounts/invites", map[string]any{"users": []any{map[string]any{"email": "x"}}}, ""},
		{"create key long name", "POST", "/accounts/api-keys", map[string]any{"name": strings.Repeat("k", 101)}, "name"},
		{"create key bad expiry", "POST", "/accounts/api-keys", map[string]any{"expires_at": "soon"}, "expires_at"},
		{"create user key long name", "POST", "/accounts/users/" + ids(w.perf.ID) + "/api-keys", map[string]any{"name": strings.Repeat("k", 101)}, "name"},
		{"groups limit", "GET", "/accounts/groups?limit=1001", nil, "limit"},
		{"create group no name", "POST", "/accounts/groups", map[string]any{"users": []int64{}}, "name"},
		{"create group unknown user", "POST", "/accounts/groups", map[string]any{"name": "G", "users": []int64{w.other.user.ID}}, "users"},
		{"patch group blank name", "PATCH", "/accounts/groups/" + ids(w.group), map[string]any{"name": " "}, "name"},
		{"put group users type", "PUT", "/accounts/groups/" + ids(w.group), map[string]any{"users": "abc"}, "users"},
		{"audit offset", "GET", "/accounts/audit?offset=-1", nil, "offset"},
		{"templates ordering", "GET", "/templates?ordering=size", nil, "ordering"},
		{"templates is_active", "GET", "/templates?is_active=perhaps", nil, "is_active"},
		{"create template bad type", "POST", "/templates", map[string]any{"name": 5}, ""},
		{"put template no tasks", "PUT", "/templates/" + ids(w.tpl), map[string]any{"name": "x", "is_active": true, "tasks": []any{}}, "tasks"},
		{"patch template bad bool", "PATCH", "/templates/" + ids(w.tpl), map[string]any{"is_active": "perhaps"}, ""},
		{"run kickoff not an object", "POST", "/templates/" + ids(w.tpl) + "/run", map[string]any{"kickoff": "x"}, "kickoff"},
		{"run past due date", "POST", "/templates/" + ids(w.tpl) + "/run", map[string]any{"due_date_tsp": 1000}, ""},
		{"run bad due date", "POST", "/templates/" + ids(w.tpl) + "/run", map[string]any{"due_date": "tomorrow-ish"}, "due_date"},
		{"workflows status", "GET", "/workflows?status=sleeping", nil, "status"},
		{"workflows ordering", "GET", "/workflows?ordering=size", nil, "ordering"},
		{"workflows template_id", "GET", "/workflows?template_id=abc", nil, "template_id"},
		{"fields without template_id", "GET", "/workflows/fields", nil, "template_id"},
		{"fields bad status", "GET", "/workflows/fields?template_id=" + ids(w.tpl) + "&status=lost", nil, "status"},
		{"patch workflow blank name", "PATCH", "/workflows/" + wf, map[string]any{"name": ""}, "name"},
		{"patch workflow past due", "PATCH", "/workflows/" + wf, map[string]any{"due_date": "2001-01-01T00:00:00Z"}, "due_date"},
		{"patch workflow urgent type", "PATCH", "/workflows/" + wf, map[string]any{"is_urgent": "very"}, "is_urgent"},
		{"complete without task_id", "POST", "/workflows/" + wf + "/task-complete", map[string]any{}, "task_id"},
		{"complete task_id type", "POST", "/workflows/" + wf + "/task-complete", map[string]any{"task_id": "first"}, "task_id"},
		{"complete output type", "POST", "/workflows/" + wf + "/task-complete", map[string]any{"task_id": w.wf.Tasks[0], "output": []any{1}}, "output"},
		{"finish not finalizable", "POST", "/workflows/" + wf + "/finish", nil, ""},
		{"snooze without date", "POST", "/workflows/" + wf + "/snooze", map[string]any{}, "date"},
		{"snooze past", "POST", "/workflows/" + wf + "/snooze", map[string]any{"date": "2001-01-01T00:00:00Z"}, "date"},
		{"snooze bad date", "POST", "/workflows/" + wf + "/snooze", map[string]any{"date_tsp": "x"}, "date_tsp"},
		{"revert first task", "POST", "/workflows/" + wf + "/task-revert", map[string]any{}, ""},
		{"return-to nothing", "POST", "/workflows/" + wf + "/return-to", map[string]any{}, "task"},
		{"return-to current", "POST", "/workflows/" + wf + "/return-to", map[string]any{"task": w.wf.Tasks[0]}, "task"},
		{"return-to pending", "POST", "/workflows/" + wf + "/return-to", map[string]any{"task_api_name": "task-2"}, "task"},
		{"return-to unknown", "POST", "/workflows/" + wf + "/return-to", map[string]any{"task_api_name": "nope"}, "task"},
		{"comment blank", "POST", "/workflows/" + wf + "/comment", map[string]any{"text": "  "}, "text"},
		{"comment type", "POST", "/workflows/" + wf + "/comment", map[string]any{"text": 5}, "text"},
		{"events limit", "GET", "/workflows/" + wf + "/events?limit=x", nil, "limit"},
		{"tasks is_completed", "GET", "/v3/tasks?is_completed=maybe", nil, "is_completed"},
		{"tasks ordering", "GET", "/v3/tasks?ordering=size", nil, "ordering"},
		{"tasks assigned_to", "GET", "/v3/tasks?assigned_to=me", nil, "assigned_to"},
		{"v2 complete user_id type", "POST", "/v2/tasks/" + ids(w.wf.Tasks[0]) + "/complete", map[string]any{"user_id": "x"}, "user_id"},
		{"v2 revert without comment", "POST", "/v2/tasks/" + ids(w.wf.Tasks[0]) + "/revert", map[string]any{}, "comment"},
		{"mark without selection", "POST", "/v2/tasks/checklists/" + ids(w.checklist) + "/mark", map[string]any{}, "selection_id"},
		{"mark unknown selection", "POST", "/v2/tasks/checklists/" + ids(w.checklist) + "/mark", map[string]any{"selection_id": w.other.item}, "selection_id"},
		{"unmark unknown selection", "POST", "/v2/tasks/checklists/" + ids(w.checklist) + "/unmark", map[string]any{"selection_id": 999999}, "selection_id"},
		{"malformed JSON", "POST", "/accounts/groups", `{"name": `, ""},
		{"JSON not an object", "POST", "/accounts/groups", `[1,2]`, ""},
		{"accept without token", "POST", "/accounts/invites/abc/accept", map[string]any{}, "token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantValidation(t, w.do(c.method, c.path, own, c.body), "", c.field, "")
		})
	}
	// Nothing moved.
	if w.taskStatus(w.wf.ID, 1) != "active" || w.workflow(w.wf.ID)["name"] != "Main" {
		t.Fatal("a refused call changed the workflow")
	}
	wantValidation(t, w.do("POST", "/workflows/"+wf+"/finish", own, nil), engine.MsgCannotFinish, "", "")
	wantValidation(t, w.do("POST", "/workflows/"+wf+"/task-revert", own, nil), engine.MsgFirstTask, "", "")
}

// TestCompleteMessages walks §5.4's checks in order, each with its exact
// message, through both completion endpoints.
func TestCompleteMessages(t *testing.T) {
	w := newWorld(t)
	e := w.env
	for _, v2 := range []bool{false, true} {
		t.Run(fmt.Sprintf("v2=%v", v2), func(t *testing.T) {
			complete := func(key string, f flow, task int64, out map[string]any) *resp {
				t.Helper()
				if v2 {
					return e.do("POST", "/v2/tasks/"+ids(task)+"/complete", key, map[string]any{"output": out})
				}
				return e.do("POST", "/workflows/"+ids(f.ID)+"/task-complete", key, map[string]any{"task_id": task, "output": out})
			}
			ok := 204
			if v2 {
				ok = 200
			}
			tplAll := e.template(e.owner, tplBody(true,
				taskSpec{performers: []int64{w.perf.ID, w.admin.ID}, extra: map[string]any{"require_completion_by_all": true,
					"fields": []any{map[string]any{"api_name": "out-n", "name": "N", "type": "number"}}}},
				taskSpec{performers: []int64{w.admin.ID}}))
			f := e.run(e.owner, tplAll, nil)

			// 3. not the current task.
			wantValidation(t, complete(w.admin.Key, f, f.Tasks[1], nil), engine.MsgNotCurrent, "", "")
			// 5. not a performer (the outsider is not a member: 403 by visibility; a
			// starter who is not a performer gets the message).
			starter := e.newUser(e.owner, fmt.Sprintf("starter%v@example.com", v2), false)
			fs := e.run(starter.Key, tplAll, nil)
			r := complete(starter.Key, fs, fs.Tasks[0], nil)
			if r.Code == 403 {
				wantDetail(t, r, 403, "")
			} else {
				wantValidation(t, r, engine.MsgNoPermission, "", "")
			}
			// 7. output values are validated per type.
			wantValidation(t, complete(w.perf.Key, f, f.Tasks[0], map[string]any{"out-n": "twelve"}), "", "", "out-n")
			// first share; the task stays (require_completion_by_all).
			if r := complete(w.perf.Key, f, f.Tasks[0], map[string]any{"out-n": 12}); r.Code != ok {
				t.Fatalf("complete share: %s", r)
			}
			if st := e.taskStatus(f.ID, 1); st != "active" {
				t.Fatalf("task 1 after one share: %s", st)
			}
			// 4. already completed by this user.
			wantValidation(t, complete(w.perf.Key, f, f.Tasks[0], nil), engine.MsgTaskDone, "", "")
			// 1. delayed.
			e.must(200, "POST", "/workflows/"+ids(f.ID)+"/snooze", e.owner, map[string]any{"date": future()})
			wantValidation(t, complete(w.admin.Key, f, f.Tasks[0], nil), engine.MsgResumeFirst, "", "")
			e.must(200, "POST", "/workflows/"+ids(f.ID)+"/resume", e.owner, nil)
			if r := complete(w.admin.Key, f, f.Tasks[0], nil); r.Code != ok {
				t.Fatalf("complete last share: %s", r)
			}
			if st := e.taskStatus(f.ID, 2); st != "active" {
				t.Fatalf("task 2 after all shares: %s", st)
			}
			if r := complete(w.admin.Key, f, f.Tasks[1], nil); r.Code != ok {
				t.Fatalf("complete task 2: %s", r)
			}
			// 2. done.
			wantValidation(t, complete(w.admin.Key, f, f.Tasks[1], nil), engine.MsgWorkflowDone, "", "")
			wd := e.workflow(f.ID)
			if num(t, wd["status"]) != 1 || wd["date_completed"] == nil || wd["is_urgent"] != false {
				t.Fatalf("done workflow: %v", wd)
			}
			// 6. checklist.
			fc := e.run(e.owner, w.tplCheck, nil)
			wantValidation(t, complete(w.perf.Key, fc, fc.Tasks[0], nil), engine.MsgChecklist, "", "")
			// The owner completes outright although not a performer.
			o := e.run(e.owner, w.tpl, nil)
			if r := complete(e.owner, o, o.Tasks[0], nil); r.Code != ok {
				t.Fatalf("owner force-complete: %s", r)
			}
			if st := e.taskStatus(o.ID, 2); st != "active" {
				t.Fatalf("after owner completion task 2 is %s", st)
			}
			// An admin completes on behalf of a performer.
			o2 := e.run(e.owner, w.tpl, nil)
			if v2 {
				e.must(200, "POST", "/v2/tasks/"+ids(o2.Tasks[0])+"/complete", w.admin.Key, map[string]any{"user_id": w.perf.ID})
			} else {
				e.must(204, "POST", "/workflows/"+ids(o2.ID)+"/task-complete", w.admin.Key, map[string]any{"task_id": o2.Tasks[0], "user_id": w.perf.ID})
			}
			if st := e.taskStatus(o2.ID, 1); st != "completed" {
				t.Fatalf("on behalf: task 1 is %s", st)
			}
		})
	}
}

// TestRunMessages: disabled template, required kickoff fields, malformed
// kickoff values; nothing is created when a run fails.
func TestRunMessages(t *testing.T) {
	e := newEnv(t)
	me := e.me(e.owner)
	draft := e.template(e.owner, tplBody(false, taskSpec{performers: []int64{me}}))
	wantValidation(t, e.do("POST", "/templates/"+ids(draft)+"/run", e.owner, map[string]any{}), engine.MsgDisabled, "", "")

	body := tplBody(true, taskSpec{performers: []int64{me}})
	body["kickoff"] = map[string]any{"fields": []any{
		map[string]any{"api_name": "need", "name": "Needed", "type": "string", "is_required": true},
		map[string]any{"api_name": "n", "name": "Num", "type": "number"},
		map[string]any{"api_name": "d", "name": "Date", "type": "date"},
		map[string]any{"api_name": "r", "name": "Radio", "type": "radio", "selections": []any{map[string]any{"value": "yes"}}},
		map[string]any{"api_name": "u", "name": "URL", "type": "url"},
	}}
	tpl := e.template(e.owner, body)
	run := func(kick map[string]any) *resp {
		return e.do("POST", "/templates/"+ids(tpl)+"/run", e.owner, map[string]any{"kickoff": kick})
	}
	wantValidation(t, run(map[string]any{}), engine.RequiredMessage, "", "need")
	wantValidation(t, run(map[string]any{"need": ""}), engine.RequiredMessage, "", "need")
	wantValidation(t, run(map[string]any{"need": nil}), engine.RequiredMessage, "", "need")
	for api, v := range map[string]any{"n": "abc", "d": "someday", "r": "no-such", "u": "not a url"} {
		wantValidation(t, run(map[string]any{"need": "x", api: v}), "", "", api)
	}
	if n := num(t, e.must(200, "GET", "/workflows", e.owner, nil).obj(t)["count"]); n != 0 {
		t.Fatalf("failed runs created %d workflows", n)
	}
	r := e.must(200, "POST", "/templates/"+ids(tpl)+"/run", e.owner, map[string]any{"name": "For {{need}}",
		"kickoff": map[string]any{"need": "ACME", "n": "12.5", "r": "yes", "d": "2030-01-02"}, "is_urgent": true}).obj(t)
	if r["name"] != "For ACME" || r["workflow_id"] == nil || r["is_urgent"] != true || r["current_task"] == nil {
		t.Fatalf("run answer: %v", r)
	}
	// Unknown body keys and unknown kickoff keys are ignored; the default name.
	r = e.must(200, "POST", "/templates/"+ids(tpl)+"/run", e.owner, map[string]any{"bogus": 1, "tasks": []any{1},
		"kickoff": map[string]any{"need": "x", "ghost": 1}}).obj(t)
	if !strings.HasPrefix(r["name"].(string), "Onboarding — ") {
		t.Fatalf("default name: %v", r["name"])
	}
}

// TestAccountsEndpoints: the success paths of §3.
func TestAccountsEndpoints(t *testing.T) {
	e := newEnv(t)
	me := e.must(200, "GET", "/accounts/user", e.owner, nil).obj(t)
	if me["email"] != "owner@example.com" || me["is_account_owner"] != true || me["is_admin"] != true || me["type"] != "user" {
		t.Fatalf("me: %v", me)
	}
	for _, k := range []string{"id", "first_name", "last_name", "phone", "photo", "status", "is_staff", "invite", "date_joined", "date_joined_tsp"} {
		if _, ok := me[k]; !ok {
			t.Errorf("user object without %q", k)
		}
	}
	u := e.must(201, "POST", "/accounts/users", e.owner, map[string]any{"email": "b@example.com", "first_name": "Bea", "last_name": "Zed"}).obj(t)
	if u["status"] != "active" || u["is_admin"] != false {
		t.Fatalf("created user: %v", u)
	}
	uid := ids(num(t, u["id"]))
	e.must(201, "POST", "/accounts/users", e.owner, url.Values{"email": {"a@example.com"}, "last_name": {"Alpha"}, "is_admin": {"true"}})
	if got := e.must(200, "GET", "/accounts/users/"+uid, e.owner, nil).obj(t)["email"]; got != "b@example.com" {
		t.Fatalf("get user: %v", got)
	}
	p := e.must(200, "PATCH", "/accounts/users/"+uid, e.owner, map[string]any{"first_name": "Bee", "is_admin": true, "phone": "+1"}).obj(t)
	if p["first_name"] != "Bee" || p["is_admin"] != true || p["phone"] != "+1" {
		t.Fatalf("patched: %v", p)
	}
	// Ordering by last_name (default), descending, and status filters.
	l := e.must(200, "GET", "/accounts/users?ordering=-email", e.owner, nil).obj(t)
	res := l["results"].([]any)
	if num(t, l["count"]) != 3 || res[0].(map[string]any)["email"] != "owner@example.com" {
		t.Fatalf("users -email: %v", l)
	}
	l = e.must(200, "GET", "/accounts/users?order=desc", e.owner, nil).obj(t)
	if res := l["results"].([]any); res[0].(map[string]any)["last_name"] != "Zed" {
		t.Fatalf("users order=desc: %v", l)
	}

	// Keys: create, list without secrets, use, revoke.
	k := e.must(201, "POST", "/accounts/users/"+uid+"/api-keys", e.owner, map[string]any{"name": "ci"}).obj(t)
	tok := k["token"].(string)
	if !strings.HasPrefix(tok, "pn-") {
		t.Fatalf("token %q", tok)
	}
	e.must(200, "GET", "/accounts/user", tok, nil)
	keys := e.must(200, "GET", "/accounts/users/"+uid+"/api-keys", e.owner, nil).list(t)
	if len(keys) != 1 || keys[0].(map[string]any)["token"] != nil {
		t.Fatalf("keys: %v", keys)
	}
	own := e.must(201, "POST", "/accounts/api-keys", tok, map[string]any{"name": "mine"}).obj(t)
	if n := len(e.must(200, "GET", "/accounts/api-keys", tok, nil).list(t)); n != 2 {
		t.Fatalf("own keys: %d", n)
	}
	e.must(204, "DELETE", "/accounts/api-keys/"+ids(num(t, own["id"])), tok, nil)
	wantDetail(t, e.do("GET", "/accounts/user", own["token"].(string), nil), 401, "Invalid API key.")
	e.must(204, "DELETE", "/accounts/users/"+uid+"/api-keys/"+ids(num(t, k["id"])), e.owner, nil)
	wantDetail(t, e.do("GET", "/accounts/user", tok, nil), 401, "Invalid API key.")

	// Deactivation: the user's keys stop working; inactive filter.
	k2 := e.must(201, "POST", "/accounts/users/"+uid+"/api-keys", e.owner, nil).obj(t)["token"].(string)
	e.must(204, "DELETE", "/accounts/users/"+uid, e.owner, nil)
	wantDetail(t, e.do("GET", "/accounts/user", k2, nil), 401, "Invalid API key.")
	l = e.must(200, "GET", "/accounts/users?status=inactive", e.owner, nil).obj(t)
	if num(t, l["count"]) != 1 {
		t.Fatalf("inactive users: %v", l)
	}

	// Invites and acceptance.
	inv := e.must(200, "POST", "/accounts/invites", e.owner, map[string]any{"users": []any{map[string]any{"email": "inv@example.com", "first_name": "In"}}}).list(t)
	iu := inv[0].(map[string]any)
	invite := iu["invite"].(map[string]any)
	if iu["status"] != "invited" || iu["token"] == "" || invite["invited_from"] != "api" {
		t.Fatalf("invited: %v", iu)
	}
	path := "/accounts/invites/" + invite["id"].(string) + "/accept"
	wantValidation(t, e.do("POST", path, "", map[string]any{"token": "wrong"}), "", "token", "")
	acc := e.must(200, "POST", path, "", map[string]any{"token": iu["token"], "last_name": "Vited"}).obj(t)
	if acc["user"].(map[string]any)["status"] != "active" {
		t.Fatalf("accepted: %v", acc)
	}
	e.must(200, "GET", "/accounts/user", acc["api_key"].(string), nil)
	wantValidation(t, e.do("POST", path, "", map[string]any{"token": iu["token"]}), "", "token", "")
	want404(t, e.do("POST", "/accounts/invites/nope/accept", "", map[string]any{"token": "x"}))

	// Groups.
	g := e.must(201, "POST", "/accounts/groups", e.owner, map[string]any{"name": "Ops", "users": []any{num(t, me["id"])}}).obj(t)
	gid := ids(num(t, g["id"]))
	if got := e.must(200, "GET", "/accounts/groups/"+gid, e.owner, nil).obj(t); got["name"] != "Ops" || len(got["users"].([]any)) != 1 {
		t.Fatalf("group: %v", got)
	}
	if got := e.must(200, "PATCH", "/accounts/groups/"+gid, e.owner, map[string]any{"users": []any{}}).obj(t); len(got["users"].([]any)) != 0 {
		t.Fatalf("patched group: %v", got)
	}
	if got := e.must(200, "PUT", "/accounts/groups/"+gid, e.owner, map[string]any{"name": "Ops2"}).obj(t); got["name"] != "Ops2" {
		t.Fatalf("put group: %v", got)
	}
	if l := e.must(200, "GET", "/accounts/groups", e.owner, nil).obj(t); num(t, l["count"]) != 1 {
		t.Fatalf("groups: %v", l)
	}
	e.must(204, "DELETE", "/accounts/groups/"+gid, e.owner, nil)
	want404(t, e.do("GET", "/accounts/groups/"+gid, e.owner, nil))

	// Audit.
	a := e.must(200, "GET", "/accounts/audit", e.owner, nil).obj(t)
	if num(t, a["count"]) == 0 {
		t.Fatalf("audit empty: %v", a)
	}
}

// TestTemplatesEndpoints: list, create, get, put, patch, delete.
func TestTemplatesEndpoints(t *testing.T) {
	e := newEnv(t)
	me := e.me(e.owner)
	user := e.newUser(e.owner, "u@example.com", false)
	created := e.must(200, "POST", "/templates", e.owner, tplBody(true, taskSpec{performers: []int64{me}})).obj(t)
	id := ids(num(t, created["id"]))
	for _, k := range []string{"id", "name", "description", "is_active", "template_owners", "kickoff", "tasks", "tasks_count", "performers_count", "public_url", "embed_url"} {
		if _, ok := created[k]; !ok {
			t.Errorf("template detail without %q", k)
		}
	}
	task := created["tasks"].([]any)[0].(map[string]any)
	if task["api_name"] != "task-1" || task["id"] == nil {
		t.Fatalf("task: %v", task)
	}
	e.template(e.owner, tplBody(false))
	got := e.must(200, "GET", "/templates/"+id, e.owner, nil).obj(t)
	if got["name"] != "Onboarding" {
		t.Fatalf("get: %v", got)
	}
	// The list: all for admins, active ones for users, with the envelope.
	if l := e.must(200, "GET", "/templates", e.owner, nil).obj(t); num(t, l["count"]) != 2 {
		t.Fatalf("admin list: %v", l)
	}
	if l := e.must(200, "GET", "/templates?is_active=false", e.owner, nil).obj(t); num(t, l["count"]) != 1 {
		t.Fatalf("admin drafts: %v", l)
	}
	if l := e.must(200, "GET", "/templates?ordering=name", user.Key, nil).obj(t); num(t, l["count"]) != 1 {
		t.Fatalf("user list: %v", l)
	}
	// PUT matches by api_name: the task keeps its id.
	body := tplBody(true, taskSpec{performers: []int64{me}}, taskSpec{performers: []int64{user.ID}})
	body["name"] = "Renamed"
	put := e.must(200, "PUT", "/templates/"+id, e.owner, body).obj(t)
	t1 := put["tasks"].([]any)[0].(map[string]any)
	if put["name"] != "Renamed" || num(t, t1["id"]) != num(t, task["id"]) || num(t, put["tasks_count"]) != 2 {
		t.Fatalf("put: %v", put)
	}
	patched := e.must(200, "PATCH", "/templates/"+id, e.owner, map[string]any{"description": "D", "finalizable": true}).obj(t)
	if patched["description"] != "D" || patched["finalizable"] != true || len(patched["tasks"].([]any)) != 2 {
		t.Fatalf("patch: %v", patched)
	}
	// A template owner who is not an admin may read and edit it.
	e.must(200, "PATCH", "/templates/"+id, e.owner, map[string]any{"template_owners": []int64{me, user.ID}})
	e.must(200, "GET", "/templates/"+id, user.Key, nil)
	e.must(200, "PATCH", "/templates/"+id, user.Key, map[string]any{"name": "By owner"})
	// Running workflows go on after a delete.
	f := e.run(e.owner, num(t, created["id"]), nil)
	e.must(204, "DELETE", "/templates/"+id, e.owner, nil)
	want404(t, e.do("GET", "/templates/"+id, e.owner, nil))
	e.must(204, "POST", "/workflows/"+ids(f.ID)+"/task-complete", e.owner, map[string]any{"task_id": f.Tasks[0]})
}

// TestWorkflowEndpoints: the success paths of §5's workflow and task endpoints.
func TestWorkflowEndpoints(t *testing.T) {
	w := newWorld(t)
	e := w.env
	wf := ids(w.wf.ID)

	// Reading.
	d := e.workflow(w.wf.ID)
	for _, k := range []string{"id", "name", "description", "status", "template", "current_task", "tasks_count", "workflow_starter",
		"finalizable", "is_external", "is_urgent", "kickoff", "passed_tasks", "date_created", "date_created_tsp", "date_completed", "due_date", "tasks"} {
		if _, ok := d[k]; !ok {
			t.Errorf("workflow detail without %q", k)
		}
	}
	cur := d["current_task"].(map[string]any)
	if num(t, cur["id"]) != w.wf.Tasks[0] || num(t, cur["number"]) != 1 {
		t.Fatalf("current_task: %v", cur)
	}
	e.must(200, "GET", "/workflows/"+wf, w.perf.Key, nil) // a performer is a member
	l := e.must(200, "GET", "/workflows?status=running&ordering=-urgent", e.owner, nil).obj(t)
	if num(t, l["count"]) != 2 {
		t.Fatalf("workflows: %v", l)
	}
	if l := e.must(200, "GET", "/workflows", w.outsider.Key, nil).obj(t); num(t, l["count"]) != 0 {
		t.Fatalf("outsider sees %v", l)
	}
	if l := e.must(200, "GET", "/workflows?template_id="+ids(w.tpl)+"&search=Main", e.owner, nil).obj(t); num(t, l["count"]) != 1 {
		t.Fatalf("search: %v", l)
	}
	tl := e.must(200, "GET", "/v3/tasks", w.perf.Key, nil).obj(t)
	if num(t, tl["count"]) != 2 {
		t.Fatalf("perf tasks: %v", tl)
	}
	if tl := e.must(200, "GET", "/v3/tasks?assigned_to="+ids(w.perf.ID), w.admin.Key, nil).obj(t); num(t, tl["count"]) != 2 {
		t.Fatalf("admin assigned_to: %v", tl)
	}
	td := e.must(200, "GET", "/v2/tasks/"+ids(w.wf.Tasks[0]), w.perf.Key, nil).obj(t)
	if td["status"] != "active" || td["workflow"].(map[string]any)["id"] == nil || td["api_name"] != "task-1" {
		t.Fatalf("task detail: %v", td)
	}

	// Patch (urgency copies to the task), comment, events.
	pw := e.must(200, "PATCH", "/workflows/"+wf, e.owner, map[string]any{"is_urgent": true, "name": "Main!", "due_date": future()}).obj(t)
	if pw["is_urgent"] != true || pw["name"] != "Main!" || pw["due_date"] == nil {
		t.Fatalf("patched: %v", pw)
	}
	if td := e.must(200, "GET", "/v2/tasks/"+ids(w.wf.Tasks[0]), e.owner, nil).obj(t); td["is_urgent"] != true {
		t.Fatalf("urgency not copied: %v", td)
	}
	c := e.must(200, "POST", "/workflows/"+wf+"/comment", w.perf.Key, url.Values{"text": {"hello"}}).obj(t)
	if num(t, c["type"]) != engine.EventComment || c["text"] != "hello" {
		t.Fatalf("comment: %v", c)
	}
	ev := e.must(200, "GET", "/workflows/"+wf+"/events", w.perf.Key, nil).obj(t)
	first := ev["results"].([]any)[0].(map[string]any)
	if num(t, first["type"]) != engine.EventComment { // newest first
		t.Fatalf("events: %v", ev)
	}

	// Complete task 1 with the v2 endpoint, then revert, then complete again and return-to.
	td = e.must(200, "POST", "/v2/tasks/"+ids(w.wf.Tasks[0])+"/complete", w.perf.Key, map[string]any{}).obj(t)
	if td["is_completed"] != true || td["status"] != "completed" {
		t.Fatalf("v2 complete: %v", td)
	}
	if st := e.taskStatus(w.wf.ID, 2); st != "active" {
		t.Fatalf("task 2: %s", st)
	}
	if tl := e.must(200, "GET", "/v3/tasks?is_completed=true", w.perf.Key, nil).obj(t); num(t, tl["count"]) != 1 {
		t.Fatalf("completed tasks: %v", tl)
	}
	e.must(204, "POST", "/workflows/"+wf+"/task-revert", w.admin.Key, map[string]any{"comment": "again"})
	if st := e.taskStatus(w.wf.ID, 1); st != "active" {
		t.Fatalf("after revert task 1 is %s", st)
	}
	e.must(204, "POST", "/workflows/"+wf+"/task-complete", w.perf.Key, url.Values{"task_id": {ids(w.wf.Tasks[0])}})
	e.must(204, "POST", "/v2/tasks/"+ids(w.wf.Tasks[1])+"/revert", w.admin.Key, map[string]any{"comment": "back"})
	e.must(204, "POST", "/workflows/"+wf+"/task-complete", w.perf.Key, map[string]any{"task_id": w.wf.Tasks[0]})
	e.must(204, "POST", "/workflows/"+wf+"/return-to", w.admin.Key, map[string]any{"task_api_name": "task-1"})
	if st := e.taskStatus(w.wf.ID, 1); st != "active" {
		t.Fatalf("after return-to task 1 is %s", st)
	}
	e.must(204, "POST", "/workflows/"+wf+"/task-complete", w.perf.Key, map[string]any{"task_id": w.wf.Tasks[0]})
	e.must(204, "POST", "/workflows/"+wf+"/task-complete", w.admin.Key, map[string]any{"task_id": w.wf.Tasks[1]})
	d = e.workflow(w.wf.ID)
	if num(t, d["status"]) != 1 || d["is_urgent"] != false || len(d["passed_tasks"].([]any)) != 2 {
		t.Fatalf("done: %v", d)
	}
	// return-to on a done workflow reopens it.
	e.must(204, "POST", "/workflows/"+wf+"/return-to", e.owner, map[string]any{"task": w.wf.Tasks[1]})
	if d := e.workflow(w.wf.ID); num(t, d["status"]) != 0 || d["date_completed"] != nil {
		t.Fatalf("reopened: %v", d)
	}

	// /workflows/fields
	fl := e.must(200, "GET", "/workflows/fields?template_id="+ids(w.tpl)+"&fields=kf", e.owner, nil).obj(t)
	item := fl["results"].([]any)[0].(map[string]any)
	fields := item["fields"].([]any)
	if len(fields) != 1 || fields[0].(map[string]any)["value"] != "ACME" {
		t.Fatalf("fields: %v", fl)
	}

	// Snooze, resume, finish, delete.
	f := e.run(e.owner, w.tpl, nil)
	s := e.must(200, "POST", "/workflows/"+ids(f.ID)+"/snooze", e.owner, map[string]any{"date_tsp": time.Now().Add(time.Hour).Unix()}).obj(t)
	if num(t, s["status"]) != 3 {
		t.Fatalf("snoozed: %v", s)
	}
	if l := e.must(200, "GET", "/workflows?status=snoozed", e.owner, nil).obj(t); num(t, l["count"]) != 1 {
		t.Fatalf("snoozed list: %v", l)
	}
	if r := e.must(200, "POST", "/workflows/"+ids(f.ID)+"/resume", e.owner, nil).obj(t); num(t, r["status"]) != 0 {
		t.Fatalf("resumed: %v", r)
	}
	fin := e.template(e.owner, func() map[string]any {
		b := tplBody(true, taskSpec{performers: []int64{w.perf.ID}})
		b["finalizable"] = true
		return b
	}())
	ff := e.run(e.owner, fin, nil)
	e.must(204, "POST", "/workflows/"+ids(ff.ID)+"/finish", w.admin.Key, nil)
	if d := e.workflow(ff.ID); num(t, d["status"]) != 1 {
		t.Fatalf("finished: %v", d)
	}
	e.must(204, "DELETE", "/workflows/"+ids(f.ID), w.admin.Key, nil)
	want404(t, e.do("GET", "/workflows/"+ids(f.ID), e.owner, nil))
	if tl := e.must(200, "GET", "/v3/tasks", w.perf.Key, nil).obj(t); num(t, tl["count"]) != 1 { // wfCheck's task only
		t.Fatalf("tasks after delete: %v", tl)
	}
}

// TestChecklists: read, mark, unmark, then completion succeeds.
func TestChecklists(t *testing.T) {
	w := newWorld(t)
	e := w.env
	cl := e.must(200, "GET", "/v2/tasks/checklists/"+ids(w.checklist), w.perf.Key, nil).obj(t)
	sels := cl["selections"].([]any)
	if len(sels) != 2 || sels[1].(map[string]any)["value"] != "second " {
		t.Fatalf("checklist: %v", cl)
	}
	for _, s := range sels {
		sid := num(t, s.(map[string]any)["id"])
		m := e.must(200, "POST", "/v2/tasks/checklists/"+ids(w.checklist)+"/mark", w.perf.Key, map[string]any{"selection_id": sid}).obj(t)
		_ = m
	}
	un := e.must(200, "POST", "/v2/tasks/checklists/"+ids(w.checklist)+"/unmark", w.admin.Key, url.Values{"selection_id": {ids(w.item)}}).obj(t)
	if un["selections"].([]any)[0].(map[string]any)["is_selected"] != false {
		t.Fatalf("unmark: %v", un)
	}
	wantValidation(t, e.do("POST", "/workflows/"+ids(w.wfCheck.ID)+"/task-complete", w.perf.Key, map[string]any{"task_id": w.wfCheck.Tasks[0]}), engine.MsgChecklist, "", "")
	e.must(200, "POST", "/v2/tasks/checklists/"+ids(w.checklist)+"/mark", w.perf.Key, map[string]any{"selection_id": w.item})
	td := e.must(200, "GET", "/v2/tasks/"+ids(w.wfCheck.Tasks[0]), w.perf.Key, nil).obj(t)
	if num(t, td["checklists_total"]) != 2 || num(t, td["checklists_marked"]) != 2 {
		t.Fatalf("counts: %v", td)
	}
	e.must(204, "POST", "/workflows/"+ids(w.wfCheck.ID)+"/task-complete", w.perf.Key, map[string]any{"task_id": w.wfCheck.Tasks[0]})
	// Only on the active task.
	wantValidation(t, e.do("POST", "/v2/tasks/checklists/"+ids(w.checklist)+"/unmark", w.perf.Key, map[string]any{"selection_id": w.item}), "", "", "")
}
