package httpapi_test

import (
	"encoding/json"
	"testing"
)

// TestActivationRules posts one invalid active template per rule of
// CONTRACT §4.1 and checks the 400 names the offender; the same body as a
// draft (is_active false) is accepted where drafts may be incomplete.
func TestActivationRules(t *testing.T) {
	e := newEnv(t)
	me := ids(e.me(e.owner))
	perf := func(src string) map[string]any { return map[string]any{"type": "user", "source_id": src} }
	task := func(n int, api, name string, perfs ...any) map[string]any {
		return map[string]any{"number": n, "api_name": api, "name": name, "raw_performers": perfs}
	}
	pred := func(field, typ, op string, value any) map[string]any {
		return map[string]any{"api_name": "cond", "action": "skip_task", "order": 1, "rules": []any{map[string]any{"api_name": "rule",
			"predicates": []any{map[string]any{"api_name": "pred", "field": field, "field_type": typ, "operator": op, "value": value}}}}}
	}
	with := func(t map[string]any, k string, v any) map[string]any { t[k] = v; return t }
	kickoff := map[string]any{"fields": []any{
		map[string]any{"api_name": "ks", "name": "S", "type": "string"},
		map[string]any{"api_name": "kd", "name": "D", "type": "date"},
	}}
	userField := []any{map[string]any{"api_name": "who", "name": "Who", "type": "user", "is_required": true}}
	dateField := []any{map[string]any{"api_name": "when", "name": "When", "type": "date"}}
	cases := []struct {
		rule    string
		tasks   []any
		name    string // details.name
		apiName string // details.api_name
		draftOK bool
	}{
		{"at least one task", []any{}, "tasks", "", true},
		{"numbers start at 1", []any{task(2, "t2", "B", perf(me))}, "tasks", "", true},
		{"numbers without gaps", []any{task(1, "t1", "A", perf(me)), task(3, "t3", "C", perf(me))}, "tasks", "", true},
		{"numbers not repeated", []any{task(1, "t1", "A", perf(me)), task(1, "t1b", "B", perf(me))}, "tasks", "", true},
		{"a performer per task", []any{task(1, "t1", "A")}, "", "t1", true},
		{"performers not repeated", []any{task(1, "t1", "A", perf(me), perf(me))}, "", "t1", true},
		{"unknown variable in name", []any{task(1, "t1", "Call {{nobody}}", perf(me))}, "", "t1", true},
		{"later field in description", []any{with(task(1, "t1", "A", perf(me)), "description", "see {{later}}"),
			with(task(2, "t2", "B", perf(me)), "fields", []any{map[string]any{"api_name": "later", "name": "L", "type": "string"}})}, "", "t1", true},
		{"same task's field in name", []any{with(task(1, "t1", "A {{own}}", perf(me)), "fields", []any{map[string]any{"api_name": "own", "name": "O", "type": "string"}})}, "", "t1", true},
		{"unknown variable in checklist", []any{with(task(1, "t1", "A", perf(me)), "checklists", []any{map[string]any{"api_name": "cl",
			"selections": []any{map[string]any{"api_name": "item", "value": "{{ghost}}"}}}})}, "", "item", true},
		{"predicate on a later field", []any{with(task(1, "t1", "A", perf(me)), "conditions", []any{pred("later", "string", "exists", nil)}),
			with(task(2, "t2", "B", perf(me)), "fields", []any{map[string]any{"api_name": "later", "name": "L", "type": "string"}})}, "", "pred", true},
		{"predicate on an unknown field", []any{with(task(1, "t1", "A", perf(me)), "conditions", []any{pred("ghost", "string", "exists", nil)})}, "", "pred", false},
		{"operator not allowed for the type", []any{with(task(1, "t1", "A", perf(me)), "conditions", []any{pred("ks", "string", "more_than", "3")})}, "", "pred", false},
		{"operator not allowed for date", []any{with(task(1, "t1", "A", perf(me)), "conditions", []any{pred("kd", "date", "contains", "3")})}, "", "pred", false},
		{"field type mismatch", []any{with(task(1, "t1", "A", perf(me)), "conditions", []any{pred("ks", "number", "equals", "3")})}, "", "pred", false},
		{"binary operator needs a value", []any{with(task(1, "t1", "A", perf(me)), "conditions", []any{pred("ks", "string", "equals", nil)})}, "", "pred", true},
		{"field performer from a later task", []any{task(1, "t1", "A", map[string]any{"api_name": "pf", "type": "field", "source_id": "who"}),
			with(task(2, "t2", "B", perf(me)), "fields", userField)}, "", "pf", true},
		{"due date field from a later task", []any{with(task(1, "t1", "A", perf(me)), "raw_due_date", map[string]any{"api_name": "due",
			"rule": "after field", "source_id": "when", "duration": "01:00:00"}), with(task(2, "t2", "B", perf(me)), "fields", dateField)}, "", "due", true},
		{"user field must be required", []any{with(task(1, "t1", "A", perf(me)), "fields", []any{map[string]any{"api_name": "u", "name": "U", "type": "user"}})}, "", "u", false},
		{"selection field needs selections", []any{with(task(1, "t1", "A", perf(me)), "fields", []any{map[string]any{"api_name": "r", "name": "R", "type": "radio"}})}, "", "r", true},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			body := map[string]any{"name": "Rules", "is_active": true, "kickoff": kickoff, "tasks": c.tasks}
			wantValidation(t, e.do("POST", "/templates", e.owner, body), "", c.name, c.apiName)
			// The same through PUT onto an existing draft.
			draft := e.template(e.owner, map[string]any{"name": "Draft", "is_active": false})
			wantValidation(t, e.do("PUT", "/templates/"+ids(draft), e.owner, body), "", c.name, c.apiName)
			body["is_active"] = false
			r := e.do("POST", "/templates", e.owner, body)
			if c.draftOK && r.Code != 200 {
				t.Fatalf("draft refused: %s", r)
			}
			if !c.draftOK {
				wantValidation(t, r, "", c.name, c.apiName)
				return
			}
			// A draft cannot be activated by PATCH while the rule is broken.
			id := ids(num(t, r.obj(t)["id"]))
			wantValidation(t, e.do("PATCH", "/templates/"+id, e.owner, map[string]any{"is_active": true}), "", c.name, c.apiName)
			if got := e.must(200, "GET", "/templates/"+id, e.owner, nil).obj(t)["is_active"]; got != false {
				t.Fatalf("refused activation left is_active=%v", got)
			}
		})
	}
	// An active template needs a name; a draft gets a default one.
	wantValidation(t, e.do("POST", "/templates", e.owner, map[string]any{"is_active": true, "tasks": []any{task(1, "t1", "A", perf(me))}}), "", "", "")
	e.must(200, "POST", "/templates", e.owner, map[string]any{"is_active": false})

	// The valid template of the same shape is accepted active, and runs.
	ok := map[string]any{"name": "Fine", "is_active": true, "kickoff": kickoff, "tasks": []any{
		with(task(1, "t1", "Hi {{ks}} {{workflow-starter}} {{template-name}} {{date}}", perf(me)), "conditions", []any{pred("ks", "string", "equals", "skip")}),
		with(with(task(2, "t2", "B", map[string]any{"type": "workflow_starter"}), "fields", userField), "raw_due_date",
			map[string]any{"rule": "after field", "source_id": "kd", "duration": "1 00:00:00"}),
		task(3, "t3", "C {{who}}", map[string]any{"type": "field", "source_id": "who"}),
	}}
	raw, _ := json.Marshal(ok)
	var okBody map[string]any
	_ = json.Unmarshal(raw, &okBody)
	tpl := e.template(e.owner, okBody)
	e.run(e.owner, tpl, map[string]any{"kickoff": map[string]any{"ks": "skip"}})
}
