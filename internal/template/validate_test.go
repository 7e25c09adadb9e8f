package template

import (
	"strings"
	"testing"
)

func TestSeedBodyIsValid(t *testing.T) {
	tpl, err := build(t, seedBody())
	if err != nil {
		t.Fatalf("the base body must be valid: %v", err)
	}
	if got := *tpl.Tasks[1].Conditions[0].Rules[0].Predicates[0].Value; got != tpl.Kickoff.Fields[1].Selections[0].APIName {
		t.Errorf("radio predicate value = %q, want the Basic selection's api_name", got)
	}
	if got := *tpl.Tasks[2].Conditions[0].Rules[0].Predicates[2].Value; got != "1" {
		t.Errorf("user predicate value = %q, want \"1\"", got)
	}
	// The same template as a draft is valid too.
	draft := seedBody()
	draft["is_active"] = false
	if _, err := build(t, draft); err != nil {
		t.Fatalf("draft: %v", err)
	}
}

// validationCase mutates a valid body so that exactly one rule fails, and
// names the detail that rule gives. draftToo says whether a draft is refused
// as well (shape, types and present references), or only an active template.
type validationCase struct {
	name     string
	mutate   func(b obj)
	wantName string
	wantAPI  string
	draftToo bool
}

func task0(b obj, i int) obj { return get(b, "tasks", i).(obj) }

func kickoffFields(b obj) []any { return get(b, "kickoff", "fields").([]any) }

func setPred(b obj, p obj) {
	p["api_name"] = "the-pred"
	task0(b, 2)["conditions"] = list(cond("skip_task", p))
}

func activationCases() []validationCase {
	return []validationCase{
		{name: "no task", mutate: func(b obj) { b["tasks"] = list() }, wantName: "tasks"},
		{name: "a task without performers", mutate: func(b obj) {
			task0(b, 2)["raw_performers"] = list()
			task0(b, 2)["api_name"] = "lonely-task"
		}, wantAPI: "lonely-task"},
		{name: "a repeated performer", mutate: func(b obj) {
			task0(b, 2)["raw_performers"] = list(userP("1"), obj{"type": "user", "source_id": 1})
			task0(b, 2)["api_name"] = "twice"
		}, wantAPI: "twice"},
		{name: "a repeated starter", mutate: func(b obj) {
			task0(b, 2)["raw_performers"] = list(starter(), starter())
			task0(b, 2)["api_name"] = "twice"
		}, wantAPI: "twice"},
		{name: "task numbers 1, 2, 4", mutate: func(b obj) { task0(b, 2)["number"] = 4 }, wantName: "tasks"},
		{name: "task numbers 1, 2, 2", mutate: func(b obj) { task0(b, 2)["number"] = 2 }, wantName: "tasks"},
		{name: "task numbers 0, 1, 2", mutate: func(b obj) {
			for i := range 3 {
				task0(b, i)["number"] = i
			}
		}, wantName: "tasks"},
		{name: "task number 2 alone", mutate: func(b obj) {
			b["tasks"] = list(task(2, "A", list(starter())))
		}, wantName: "tasks"},
		{name: "a task without a name", mutate: func(b obj) { task0(b, 0)["name"] = " " }, wantAPI: "prepare"},
		{name: "a field without a name", mutate: func(b obj) { kickoffFields(b)[0].(obj)["name"] = "" }, wantAPI: "client-name"},
		{name: "a radio field without selections", mutate: func(b obj) {
			kickoffFields(b)[1].(obj)["selections"] = list()
			task0(b, 1)["conditions"] = list()
		}, wantAPI: "plan"},
		{name: "a selection without a value", mutate: func(b obj) {
			kickoffFields(b)[1].(obj)["selections"] = list(obj{"value": "Basic"}, obj{"value": ""})
		}, wantAPI: "plan"},
		{name: "an unknown variable in a task name", mutate: func(b obj) {
			task0(b, 0)["name"] = "Hello {{nobody}}"
		}, wantAPI: "prepare"},
		{name: "a variable of a later task", mutate: func(b obj) {
			task0(b, 0)["name"] = "Uses {{contract-url}}"
			task0(b, 1)["name"] = "Review"
			task0(b, 0)["fields"] = list()
			task0(b, 1)["fields"] = list(field("url", "Contract link", "contract-url"), field("user", "Approver", "approver", "is_required", true))
			task0(b, 1)["raw_performers"] = list(starter())
		}, wantAPI: "prepare"},
		{name: "a variable of the task's own field", mutate: func(b obj) {
			task0(b, 0)["description"] = "See {{contract-url}}"
		}, wantAPI: "prepare"},
		{name: "an unknown variable in a description", mutate: func(b obj) {
			task0(b, 0)["description"] = "See {{ missing-var }}"
		}, wantAPI: "prepare"},
		{name: "an unknown variable in a checklist item", mutate: func(b obj) {
			get(b, "tasks", 0, "checklists", 0, "selections", 0).(obj)["value"] = "{{nope}}"
		}, wantAPI: "docs-signed"},
		{name: "a predicate on a later task's field", mutate: func(b obj) {
			task0(b, 0)["conditions"] = list(cond("skip_task", obj{"api_name": "early", "field": "contract-url",
				"field_type": "url", "operator": "exists"}))
			task0(b, 1)["conditions"] = list()
		}, wantAPI: "early"},
		{name: "a predicate on the task's own field", mutate: func(b obj) {
			task0(b, 0)["conditions"] = list(cond("skip_task", obj{"api_name": "own", "field": "contract-url",
				"field_type": "url", "operator": "exists"}))
		}, wantAPI: "own"},
		{name: "a predicate without a value", mutate: func(b obj) {
			setPred(b, obj{"field": "client-name", "field_type": "string", "operator": "equals"})
		}, wantAPI: "the-pred"},
		{name: "a predicate with a null value", mutate: func(b obj) {
			setPred(b, obj{"field": "amount", "field_type": "number", "operator": "less_than", "value": nil})
		}, wantAPI: "the-pred"},
		{name: "a predicate without a field", mutate: func(b obj) {
			setPred(b, obj{"field_type": "string", "operator": "exists"})
		}, wantAPI: "the-pred"},
		{name: "a condition without rules", mutate: func(b obj) {
			task0(b, 2)["conditions"] = list(obj{"api_name": "empty", "action": "skip_task", "rules": list()})
		}, wantAPI: "empty"},
		{name: "a rule without predicates", mutate: func(b obj) {
			task0(b, 2)["conditions"] = list(obj{"action": "skip_task", "rules": list(obj{"api_name": "r0", "predicates": list()})})
		}, wantAPI: "r0"},
		{name: "a field performer of a later task", mutate: func(b obj) {
			task0(b, 0)["raw_performers"] = list(with(fieldP("approver"), "api_name", "p-early"))
		}, wantAPI: "p-early"},
		{name: "a user performer without source_id", mutate: func(b obj) {
			task0(b, 0)["raw_performers"] = list(obj{"type": "user", "api_name": "p-none"})
		}, wantAPI: "p-none"},
		{name: "a field performer without source_id", mutate: func(b obj) {
			task0(b, 0)["raw_performers"] = list(obj{"type": "field", "source_id": "", "api_name": "p-none"})
		}, wantAPI: "p-none"},
		{name: "after task completed naming the task itself", mutate: func(b obj) {
			task0(b, 0)["raw_due_date"] = obj{"api_name": "due", "duration": "10", "rule": "after task completed", "source_id": "prepare"}
		}, wantAPI: "due"},
		{name: "after task started naming a later task", mutate: func(b obj) {
			task0(b, 2)["api_name"] = "close"
			task0(b, 0)["raw_due_date"] = obj{"api_name": "due", "duration": "10", "rule": "after task started", "source_id": "close"}
		}, wantAPI: "due"},
		{name: "a due date on a later task's date field", mutate: func(b obj) {
			task0(b, 2)["fields"] = list(field("date", "Late", "late-date"))
			task0(b, 1)["raw_due_date"] = obj{"api_name": "due", "duration": "10", "rule": "after field", "source_id": "late-date"}
		}, wantAPI: "due"},
		{name: "a task rule without source_id", mutate: func(b obj) {
			task0(b, 1)["raw_due_date"] = obj{"api_name": "due", "duration": "10", "rule": "after task started"}
		}, wantAPI: "due"},
		{name: "a field rule without source_id", mutate: func(b obj) {
			task0(b, 1)["raw_due_date"] = obj{"api_name": "due", "duration": "10", "rule": "before_field", "source_id": nil}
		}, wantAPI: "due"},
	}
}

func everySaveCases() []validationCase {
	return []validationCase{
		{name: "duplicate kickoff field api_names", mutate: func(b obj) {
			b["kickoff"] = obj{"fields": list(field("string", "A", "dup"), field("text", "B", "dup"))}
		}, wantAPI: "dup"},
		{name: "a kickoff and a task field sharing an api_name", mutate: func(b obj) {
			task0(b, 0)["fields"] = list(field("string", "B", "client-name"))
		}, wantAPI: "client-name"},
		{name: "duplicate task api_names", mutate: func(b obj) {
			task0(b, 1)["api_name"] = "prepare"
		}, wantAPI: "prepare"},
		{name: "duplicate selection api_names across fields", mutate: func(b obj) {
			kickoffFields(b)[0] = field("dropdown", "D", "dd", "selections", list(obj{"value": "x", "api_name": "plan-pro"}))
		}, wantAPI: "plan-pro"},
		{name: "duplicate checklist item api_names", mutate: func(b obj) {
			get(b, "tasks", 0, "checklists", 0, "selections", 1).(obj)["api_name"] = "docs-signed"
		}, wantAPI: "docs-signed"},
		{name: "duplicate condition api_names", mutate: func(b obj) {
			task0(b, 2)["conditions"] = list(with(cond("skip_task", pred("plan", "radio", "exists", nil)), "api_name", "skip-basic"))
		}, wantAPI: "skip-basic"},
		{name: "duplicate performer api_names", mutate: func(b obj) {
			task0(b, 0)["raw_performers"] = list(with(userP("1"), "api_name", "pp"), with(userP("2"), "api_name", "pp"))
		}, wantAPI: "pp"},
		{name: "an owner from another account", mutate: func(b obj) { b["template_owners"] = list(1, 99) }, wantName: "template_owners"},
		{name: "a user field that is not required", mutate: func(b obj) {
			kickoffFields(b)[2].(obj)["is_required"] = false
		}, wantAPI: "reviewer"},
		{name: "repeated selection values", mutate: func(b obj) {
			kickoffFields(b)[1].(obj)["selections"] = sels("a", "a")
		}, wantAPI: "plan"},
		{name: "a user performer from another account", mutate: func(b obj) {
			task0(b, 0)["raw_performers"] = list(with(userP("99"), "api_name", "p1"))
		}, wantAPI: "p1"},
		{name: "a user performer that is not an id", mutate: func(b obj) {
			task0(b, 0)["raw_performers"] = list(with(userP("olga"), "api_name", "p1"))
		}, wantAPI: "p1"},
		{name: "an unknown group", mutate: func(b obj) {
			task0(b, 0)["raw_performers"] = list(obj{"type": "group", "source_id": "11", "api_name": "p1"})
		}, wantAPI: "p1"},
		{name: "a field performer on a non-user field", mutate: func(b obj) {
			task0(b, 1)["raw_performers"] = list(with(fieldP("client-name"), "api_name", "p1"))
		}, wantAPI: "p1"},
		{name: "a field performer on an unknown field", mutate: func(b obj) {
			task0(b, 1)["raw_performers"] = list(with(fieldP("nobody"), "api_name", "p1"))
		}, wantAPI: "p1"},
		{name: "after workflow started with a source_id", mutate: func(b obj) {
			task0(b, 1)["raw_due_date"] = obj{"api_name": "due", "duration": "10", "rule": "after workflow started", "source_id": "prepare"}
		}, wantAPI: "due"},
		{name: "a task rule on an unknown task", mutate: func(b obj) {
			task0(b, 1)["raw_due_date"] = obj{"api_name": "due", "duration": "10", "rule": "after task completed", "source_id": "nope"}
		}, wantAPI: "due"},
		{name: "a field rule on a non-date field", mutate: func(b obj) {
			task0(b, 1)["raw_due_date"] = obj{"api_name": "due", "duration": "10", "rule": "after field", "source_id": "client-name"}
		}, wantAPI: "due"},
		{name: "an unknown operator", mutate: func(b obj) {
			setPred(b, pred("client-name", "string", "sounds_like", "x"))
		}, wantAPI: "the-pred", draftToo: true},
		{name: "more_than on a string", mutate: func(b obj) {
			setPred(b, pred("client-name", "string", "more_than", "x"))
		}, wantAPI: "the-pred"},
		{name: "contains on a number", mutate: func(b obj) { setPred(b, pred("amount", "number", "contains", "1")) }, wantAPI: "the-pred"},
		{name: "contains on a radio", mutate: func(b obj) { setPred(b, pred("plan", "radio", "contains", "Basic")) }, wantAPI: "the-pred"},
		{name: "equals on a file", mutate: func(b obj) {
			b["kickoff"].(obj)["fields"] = append(kickoffFields(b), field("file", "F", "f"))
			setPred(b, pred("f", "file", "equals", "x"))
		}, wantAPI: "the-pred"},
		{name: "an unknown field_type", mutate: func(b obj) { setPred(b, pred("client-name", "strings", "exists", nil)) }, wantAPI: "the-pred"},
		{name: "a predicate on an unknown field", mutate: func(b obj) {
			setPred(b, pred("no-such-field", "string", "equals", "x"))
		}, wantAPI: "the-pred"},
		{name: "a predicate whose field_type is not the field's", mutate: func(b obj) {
			setPred(b, pred("client-name", "number", "equals", "1"))
		}, wantAPI: "the-pred"},
		{name: "a number predicate on text", mutate: func(b obj) { setPred(b, pred("amount", "number", "equals", "ten")) }, wantAPI: "the-pred"},
		{name: "a number predicate on NaN", mutate: func(b obj) { setPred(b, pred("amount", "number", "equals", "NaN")) }, wantAPI: "the-pred"},
		{name: "a date predicate on text", mutate: func(b obj) {
			setPred(b, pred("deadline", "date", "more_than", "next tuesday"))
		}, wantAPI: "the-pred"},
		{name: "a user predicate on a stranger", mutate: func(b obj) { setPred(b, pred("reviewer", "user", "equals", "99")) }, wantAPI: "the-pred"},
		{name: "a user predicate on a name", mutate: func(b obj) { setPred(b, pred("reviewer", "user", "equals", "Olga")) }, wantAPI: "the-pred"},
		{name: "a selection predicate naming no selection", mutate: func(b obj) {
			setPred(b, pred("plan", "radio", "equals", "Enterprise"))
		}, wantAPI: "the-pred"},
	}
}

func TestValidateRules(t *testing.T) {
	run := func(t *testing.T, c validationCase, active, wantErr bool) {
		b := seedBody()
		c.mutate(b)
		b["is_active"] = active
		_, err := build(t, b)
		if !wantErr {
			if err != nil {
				t.Fatalf("want no problem, got %v", err)
			}
			return
		}
		wantDetail(t, err, c.wantName, c.wantAPI)
	}
	for _, c := range activationCases() {
		t.Run("active/"+c.name, func(t *testing.T) { run(t, c, true, true) })
		t.Run("draft/"+c.name, func(t *testing.T) { run(t, c, false, c.draftToo) })
	}
	for _, c := range everySaveCases() {
		t.Run("active/"+c.name, func(t *testing.T) { run(t, c, true, true) })
		t.Run("draft/"+c.name, func(t *testing.T) { run(t, c, false, true) })
	}
}

// TestConformanceShapes replays the bodies of the conformance suite that
// must be accepted.
func TestConformanceShapes(t *testing.T) {
	ok := map[string]obj{
		"variables of earlier tasks and system variables": body("Vars", list(
			task(1, "Hi {{kick}}", list(starter()), "fields", list(field("string", "E", "earlier"))),
			task(2, "Then {{earlier}}", list(starter()), "description", "{{workflow-starter}} {{template-name}} {{date}}"),
		), list(field("string", "K", "kick"))),
		"number more_than": body("Pred", list(
			task(1, "One", list(starter()), "conditions", list(cond("skip_task", pred("n-field", "number", "more_than", "10")))),
			task(2, "Two", list(starter()), "fields", list(field("string", "Late", "late-field"))),
		), list(field("string", "S", "s-field"), field("number", "N", "n-field"))),
		"due date rules": body("Due", list(
			task(1, "One", list(starter()), "api_name", "due-one",
				"raw_due_date", obj{"duration": "01:00:00", "rule": "after_task_started", "source_id": "due-one"}),
			task(2, "Two", list(starter()),
				"raw_due_date", obj{"duration": "00:30:00", "duration_months": 2, "rule": "after task completed", "source_id": "due-one"}),
			task(3, "Three", list(starter()),
				"raw_due_date", obj{"duration": "1 00:00:00", "rule": "before_field", "source_id": "deadline"}),
			task(4, "Four", list(starter()),
				"raw_due_date", obj{"duration": "90", "rule": "after workflow started", "source_id": nil}),
		), list(field("date", "Deadline", "deadline"))),
		"condition operators": body("Cond", list(
			task(1, "T1", list(starter()), "conditions", list(
				cond("skip_task", pred("c", "checkbox", "contains", "A1"), pred("c", "checkbox", "equals", "A1")),
				cond("skip_task", pred("r", "radio", "not_equals", "R1"), pred("dd", "dropdown", "equals", "dd-two")),
				cond("skip_task", pred("dt", "date", "more_than", "2026-01-01T00:00:00Z"), pred("f", "file", "not_exists", nil)),
				cond("skip_task", pred("t", "text", "exists", nil), pred("u", "url", "contains", "example")),
			)),
		), list(
			field("text", "T", "t"), field("url", "U", "u"),
			field("checkbox", "C", "c", "selections", sels("A1", "B2")),
			field("radio", "R", "r", "selections", sels("R1", "R2")),
			field("dropdown", "DD", "dd", "selections", list(obj{"value": "D1", "api_name": "dd-one"}, obj{"value": "D2", "api_name": "dd-two"})),
			field("date", "Dt", "dt"), field("file", "F", "f"),
		)),
		"a draft without tasks":           with(body("Draft", list(), nil), "is_active", false),
		"a draft task without performers": with(body("Draft", list(task(1, "No one", list())), nil), "is_active", false),
		"a draft with gaps in numbering":  with(body("Draft", list(task(2, "B", list()), task(5, "E", list())), nil), "is_active", false),
		"a draft with open references": with(body("Draft", list(task(1, "{{later}}", list(obj{"type": "user"}),
			"conditions", list(cond("skip_task", obj{"field_type": "string", "operator": "equals"})),
			"raw_due_date", obj{"duration": "10", "rule": "after task started"},
		)), list(field("radio", "R", "r"))), "is_active", false),
	}
	for name, b := range ok {
		t.Run(name, func(t *testing.T) {
			if _, err := build(t, b); err != nil {
				t.Fatalf("want no problem, got %v", err)
			}
		})
	}
	// The conformance suite's activation failures, with the details it asks for.
	uid := "1"
	bad := []struct {
		name    string
		b       obj
		wantAPI string
	}{
		{"no task", body("Empty", list(), nil), ""},
		{"a task without performers", body("NP", list(task(1, "One", list(starter())), task(2, "Two", list(), "api_name", "lonely-task")), nil), "lonely-task"},
		{"a repeated performer", body("Twice", list(task(1, "One", list(userP(uid), userP(uid)))), nil), ""},
		{"task numbers 1, 3", body("N", list(task(1, "A", list(starter())), task(3, "B", list(starter()))), nil), ""},
		{"a user field that is not required", body("U", list(task(1, "One", list(starter()))), list(field("user", "Who", "who-field"))), "who-field"},
		{"a radio field without selections", body("S", list(task(1, "One", list(starter()))), list(field("radio", "R", "", "selections", list()))), ""},
		{"a later variable", body("V", list(task(1, "Uses {{later}}", list(starter())),
			task(2, "Two", list(starter()), "fields", list(field("string", "L", "later")))), nil), ""},
		{"a bad due date rule", body("D", list(task(1, "One", list(starter()),
			"raw_due_date", obj{"duration": "01:00:00", "rule": "whenever", "source_id": nil})), nil), ""},
		{"an unknown field type in a draft", with(body("D", list(task(1, "One", list())), list(field("no-such-type", "X", ""))), "is_active", false), ""},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := build(t, c.b)
			wantDetail(t, err, "", c.wantAPI)
		})
	}
}

func TestValidateCollectsEveryProblem(t *testing.T) {
	b := seedBody()
	b["template_owners"] = list(98, 99)
	task0(b, 0)["raw_performers"] = list()
	_, err := build(t, b)
	ds := details(t, err)
	if len(ds) != 3 {
		t.Fatalf("want 3 details, got %+v", ds)
	}
	if ds[0].Name != "template_owners" || !strings.Contains(ds[0].Reason, "98") {
		t.Errorf("first detail = %+v", ds[0])
	}
}

func TestValidateNilDirectory(t *testing.T) {
	tpl, err := Parse(jsonBody(t, body("X", list(task(1, "One", list(starter()))), nil)))
	if err != nil {
		t.Fatal(err)
	}
	Assign(tpl, nil, ids(), suffixes())
	if err := Validate(tpl, nil); err != nil {
		t.Fatalf("no directory is needed without references: %v", err)
	}
	tpl.Owners = []int64{1}
	wantDetail(t, Validate(tpl, nil), "template_owners", "")
}

func TestValidateUnassignedAndStoredShapes(t *testing.T) {
	// Validate may see documents that did not come from Parse (a stored
	// draft after PATCH): it rechecks what Parse would have refused.
	tpl := &Template{Name: "X", IsActive: true, Tasks: []Task{{Number: 1, Name: "One", APIName: "t1",
		Performers: []Performer{{APIName: "p", Type: "robot"}},
		Fields:     []Field{{APIName: "f", Name: "F", Type: "blob"}, {Name: "G", Type: TypeString}},
		Conditions: []Condition{{APIName: "c", Action: "explode", Rules: []Rule{{APIName: "r", Predicates: []Predicate{{APIName: "pr", FieldType: TypeString, Operator: OpExists, Field: "g"}}}}}},
		DueDate:    &DueDate{APIName: "d", Rule: "someday", Duration: -1},
	}}}
	err := Validate(tpl, fakeDir{})
	for _, want := range []struct{ name, api string }{{"", "p"}, {"", "f"}, {"api_name", ""}, {"", "c"}, {"", "d"}} {
		wantDetail(t, err, want.name, want.api)
	}
}
