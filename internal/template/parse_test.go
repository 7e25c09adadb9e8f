package template

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, b obj) *Template {
	t.Helper()
	tpl, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return tpl
}

func TestParseDefaults(t *testing.T) {
	tpl := mustParse(t, decodeBody(t, `{"name": "Minimal"}`))
	want := &Template{Name: "Minimal", Kickoff: Kickoff{Fields: []Field{}}, Tasks: []Task{}}
	if !reflect.DeepEqual(tpl, want) {
		t.Fatalf("got %+v, want %+v", tpl, want)
	}
	// Lists store as [], never null; owners stay null for the caller to fill.
	raw, _ := json.Marshal(tpl)
	if !strings.Contains(string(raw), `"fields":[]`) || !strings.Contains(string(raw), `"template_owners":null`) {
		t.Errorf("stored form: %s", raw)
	}

	tpl = mustParse(t, decodeBody(t, `{"name": "T", "description": null, "kickoff": null, "template_owners": null,
		"public_success_url": "", "tasks": [{"number": 1, "fields": [{"type": "string"}],
		"raw_due_date": {"duration": "10", "rule": "after workflow started"}}]}`))
	task := tpl.Tasks[0]
	if task.Performers == nil || task.Checklists == nil || task.Conditions == nil || task.Fields[0].Selections == nil {
		t.Errorf("nil lists in %+v", task)
	}
	if task.DueDate.DurationMonths != 0 || task.DueDate.SourceID != nil || task.DueDate.Duration != 10 {
		t.Errorf("due date %+v", task.DueDate)
	}
	if tpl.PublicSuccessURL != nil || tpl.Owners != nil {
		t.Errorf("public_success_url %v, owners %v", tpl.PublicSuccessURL, tpl.Owners)
	}
}

func TestParseName(t *testing.T) {
	tests := []struct {
		body    string
		want    string
		wantErr bool
	}{
		{`{"name": "Mine", "is_active": true}`, "Mine", false},
		{`{}`, DefaultName, false},
		{`{"name": null}`, DefaultName, false},
		{`{"name": ""}`, DefaultName, false},
		{`{"name": "  ", "is_active": false}`, DefaultName, false},
		{`{"is_active": true}`, "", true},
		{`{"name": null, "is_active": true}`, "", true},
		{`{"name": " ", "is_active": true}`, "", true},
		{`{"name": 5}`, "", true},
		{`{"name": "` + strings.Repeat("é", 120) + `", "is_active": true}`, strings.Repeat("é", 120), false},
		{`{"name": "` + strings.Repeat("a", 121) + `"}`, "", true},
	}
	for _, tt := range tests {
		tpl, err := Parse(decodeBody(t, tt.body))
		if tt.wantErr {
			wantDetail(t, err, "name", "")
			continue
		}
		if err != nil || tpl.Name != tt.want {
			t.Errorf("%s: got %v, %v; want name %q", tt.body, tpl, err, tt.want)
		}
	}
}

func TestParseBooleans(t *testing.T) {
	for _, tt := range []struct {
		v       any
		want    bool
		wantErr bool
	}{
		{true, true, false}, {false, false, false}, {nil, false, false},
		{"true", true, false}, {"True", true, false}, {"false", false, false}, {"1", true, false}, {"0", false, false},
		{json.Number("1"), true, false}, {json.Number("0"), false, false}, {[]any{"true"}, false, true},
		{"yes", false, true}, {json.Number("2"), false, true}, {"", false, true}, {[]any{}, false, true}, {obj{}, false, true},
	} {
		tpl, err := Parse(obj{"name": "B", "finalizable": tt.v})
		if tt.wantErr {
			wantDetail(t, err, "finalizable", "")
			continue
		}
		if err != nil || tpl.Finalizable != tt.want {
			t.Errorf("finalizable %#v: got %v, %v", tt.v, tpl, err)
		}
	}
}

func TestParseFormBody(t *testing.T) {
	// A form-encoded body: every value a string, nested values as JSON text.
	tpl := mustParse(t, obj{
		"name": "Form", "is_active": "true", "is_public": "0", "template_owners": "1, 2,2",
		"kickoff": `{"fields": [{"type": "string", "name": "K", "order": "3", "is_required": "1"}]}`,
		"tasks":   `[{"number": "1", "name": "One", "delay": "90", "raw_performers": [{"type": "user", "source_id": "2"}]}]`,
	})
	if !tpl.IsActive || tpl.IsPublic || !reflect.DeepEqual(tpl.Owners, []int64{1, 2}) {
		t.Errorf("top level: %+v", tpl)
	}
	f := tpl.Kickoff.Fields[0]
	if f.Order != 3 || !f.IsRequired {
		t.Errorf("field %+v", f)
	}
	if tpl.Tasks[0].Number != 1 || *tpl.Tasks[0].Delay != 90 || *tpl.Tasks[0].Performers[0].SourceID != "2" {
		t.Errorf("task %+v", tpl.Tasks[0])
	}
	for _, owners := range []any{[]any{"1", json.Number("2")}, "[1, 2]", json.Number("1"), []any{1.0, 2.0, 1.0}} {
		tpl := mustParse(t, obj{"template_owners": owners})
		if len(tpl.Owners) == 0 || tpl.Owners[0] != 1 {
			t.Errorf("owners %#v: %v", owners, tpl.Owners)
		}
	}
	tpl = mustParse(t, obj{"template_owners": []any{}})
	if tpl.Owners == nil || len(tpl.Owners) != 0 {
		t.Errorf("an empty list stays empty, got %#v", tpl.Owners)
	}
}

func TestParseDelay(t *testing.T) {
	tests := []struct {
		v       any
		want    int64 // 0: no delay
		wantErr bool
	}{
		{"01:30:00", 5400, false},
		{"90", 90, false},
		{"1 00:00:00", 86400, false},
		{"P1DT2H", 93600, false},
		{"2 03:04:05", 2*86400 + 3*3600 + 4*60 + 5, false},
		{"90.9", 90, false},
		{json.Number("90"), 90, false},
		{json.Number("1.5"), 1, false},
		{nil, 0, false},
		{"", 0, false},
		{"0", 0, false},
		{"00:00:00", 0, false},
		{json.Number("0"), 0, false},
		{"-5", 0, true},
		{"abc", 0, true},
		{"1:2:3:4", 0, true},
		{"-01:00:00", 0, true},
		{json.Number("-1"), 0, true},
		{json.Number("1e300"), 0, true},
		{json.Number("1e400"), 0, true},
		{"999999999 00:00:00", 0, true},
		{true, 0, true},
		{[]any{"1", "2"}, 0, true},
	}
	for _, tt := range tests {
		b := obj{"tasks": []any{obj{"number": json.Number("1"), "delay": tt.v}}}
		tpl, err := Parse(b)
		if tt.wantErr {
			wantDetail(t, err, "tasks[0].delay", "")
			continue
		}
		if err != nil {
			t.Errorf("delay %#v: %v", tt.v, err)
			continue
		}
		got := tpl.Tasks[0].Delay
		if tt.want == 0 && got != nil || tt.want != 0 && (got == nil || *got != tt.want) {
			t.Errorf("delay %#v: got %v, want %d", tt.v, got, tt.want)
		}
	}
}

func TestParseNested(t *testing.T) {
	tpl := mustParse(t, decodeBody(t, `{"name": "N", "tasks": [
		{"number": 2, "name": "Second", "raw_performers": [
			{"type": "user", "source_id": 7, "label": "ignored", "id": 99},
			{"type": "group", "source_id": " 010 "},
			{"type": "workflow_starter", "source_id": "5"},
			{"type": "field", "source_id": "who"}],
		 "raw_due_date": {"duration": 3600, "duration_months": "2", "rule": "After_Task_Completed", "source_id": "t1"},
		 "checklists": [{"api_name": "cl", "selecions": [{"value": "Typo key"}]}, {"selections": [{"value": "Right key"}]}],
		 "conditions": [{"action": "end_process", "rules": [{"predicates": [
			{"field_type": "number", "field": "n", "operator": "equals", "value": 10.5},
			{"field_type": "string", "field": "s", "operator": "exists", "value": null}]}]}]},
		{"number": 1, "name": "First", "api_name": "t1",
		 "fields": [{"type": "string", "name": "S", "selections": [{"value": "dropped"}], "default:": "seed typo"},
			{"type": "dropdown", "name": "D", "selections": [{"value": "a", "api_name": "sel-a", "id": 3}]}]}]}`))
	if tpl.Tasks[0].Number != 1 || tpl.Tasks[1].Number != 2 {
		t.Fatalf("tasks are sorted by number: %+v", tpl.Tasks)
	}
	first, second := tpl.Tasks[0], tpl.Tasks[1]
	if len(first.Fields[0].Selections) != 0 || first.Fields[0].Default != "seed typo" {
		t.Errorf("string field %+v", first.Fields[0])
	}
	if want := []Selection{{APIName: "sel-a", Value: "a"}}; !reflect.DeepEqual(first.Fields[1].Selections, want) {
		t.Errorf("selections %+v", first.Fields[1].Selections)
	}
	var sources []string
	for _, p := range second.Performers {
		sources = append(sources, p.Type+"="+deref(p.SourceID))
		if p.ID != 0 {
			t.Errorf("client ids are ignored: %+v", p)
		}
	}
	if want := []string{"user=7", "group=10", "workflow_starter=", "field=who"}; !reflect.DeepEqual(sources, want) {
		t.Errorf("performers %v, want %v", sources, want)
	}
	due := second.DueDate
	if due.Duration != 3600 || due.DurationMonths != 2 || due.Rule != RuleAfterTaskCompleted || *due.SourceID != "t1" {
		t.Errorf("due date %+v", due)
	}
	if got := second.Checklists; got[0].Items[0].Value != "Typo key" || got[1].Items[0].Value != "Right key" {
		t.Errorf("checklists %+v", got)
	}
	preds := second.Conditions[0].Rules[0].Predicates
	if *preds[0].Value != "10.5" || preds[1].Value != nil || second.Conditions[0].Order != 0 {
		t.Errorf("predicates %+v", preds)
	}
}

func TestParseRules(t *testing.T) {
	for in, want := range map[string]string{
		"after task started": RuleAfterTaskStarted, "after_task_started": RuleAfterTaskStarted,
		"after task completed": RuleAfterTaskCompleted, "after_workflow_started": RuleAfterWorkflowStarted,
		"after_field": RuleAfterField, "before field": RuleBeforeField, " BEFORE_FIELD ": RuleBeforeField,
	} {
		tpl := mustParse(t, obj{"tasks": []any{obj{"number": "1", "raw_due_date": obj{"duration": "1", "rule": in}}}})
		if got := tpl.Tasks[0].DueDate.Rule; got != want {
			t.Errorf("rule %q: got %q, want %q", in, got, want)
		}
	}
}

// TestParseErrors checks that each wrong value gives a problem naming the
// request field, or the enclosing object's api_name when it has one.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantName string
		wantAPI  string
	}{
		{"name not a string", `{"name": ["x"]}`, "name", ""},
		{"description not a string", `{"description": 1}`, "description", ""},
		{"is_active not a boolean", `{"is_active": "maybe"}`, "is_active", ""},
		{"public_success_url not a string", `{"public_success_url": true}`, "public_success_url", ""},
		{"owners not a list", `{"template_owners": {"a": 1}}`, "template_owners", ""},
		{"owner not an int", `{"template_owners": [1, "x"]}`, "template_owners[1]", ""},
		{"owner a float", `{"template_owners": [1.5]}`, "template_owners[0]", ""},
		{"owner zero", `{"template_owners": [0]}`, "template_owners[0]", ""},
		{"kickoff not an object", `{"kickoff": []}`, "kickoff", ""},
		{"kickoff fields not a list", `{"kickoff": {"fields": {}}}`, "kickoff.fields", ""},
		{"field null", `{"kickoff": {"fields": [null]}}`, "kickoff.fields[0]", ""},
		{"field name an int (the seed's example)", `{"kickoff": {"fields": [{"type": "string", "name": 1}]}}`, "kickoff.fields[0].name", ""},
		{"field name in a named field", `{"kickoff": {"fields": [{"api_name": "f1", "type": "string", "name": 1}]}}`, "", "f1"},
		{"field type unknown", `{"kickoff": {"fields": [{"type": "radiobutton", "name": "R"}]}}`, "kickoff.fields[0].type", ""},
		{"field type missing", `{"kickoff": {"fields": [{"name": "R", "api_name": "r"}]}}`, "", "r"},
		{"field type an int (the seed's example)", `{"kickoff": {"fields": [{"type": 1, "name": "R"}]}}`, "kickoff.fields[0].type", ""},
		{"field order a string", `{"kickoff": {"fields": [{"type": "string", "order": "first"}]}}`, "kickoff.fields[0].order", ""},
		{"field order too big", `{"kickoff": {"fields": [{"type": "string", "order": 3000000000}]}}`, "kickoff.fields[0].order", ""},
		{"is_required a string", `{"kickoff": {"fields": [{"type": "string", "is_required": "yes"}]}}`, "kickoff.fields[0].is_required", ""},
		{"selection value too long", `{"kickoff": {"fields": [{"type": "radio", "api_name": "r", "selections": [{"value": "` + strings.Repeat("v", 201) + `"}]}]}}`, "", "r"},
		{"selection value too long, named", `{"kickoff": {"fields": [{"type": "radio", "selections": [{"api_name": "s1", "value": "` + strings.Repeat("v", 201) + `"}]}]}}`, "", "s1"},
		{"selections not a list", `{"kickoff": {"fields": [{"type": "radio", "selections": "a,b"}]}}`, "kickoff.fields[0].selections", ""},
		{"api_name with a space", `{"kickoff": {"fields": [{"type": "string", "api_name": "has space"}]}}`, "", "has space"},
		{"api_name with a bang", `{"kickoff": {"fields": [{"type": "string", "api_name": "bad!"}]}}`, "", "bad!"},
		{"api_name too long", `{"kickoff": {"fields": [{"type": "string", "api_name": "` + strings.Repeat("a", 201) + `"}]}}`, "", strings.Repeat("a", 201)},
		{"api_name not a string", `{"tasks": [{"number": 1, "api_name": 5}]}`, "tasks[0].api_name", ""},
		{"tasks not a list", `{"tasks": {"number": 1}}`, "tasks", ""},
		{"task not an object", `{"tasks": [1]}`, "tasks[0]", ""},
		{"task number missing", `{"tasks": [{"name": "x"}]}`, "tasks[0].number", ""},
		{"task number a float", `{"tasks": [{"number": 1.5}]}`, "tasks[0].number", ""},
		{"task number not a number", `{"tasks": [{"number": "one", "api_name": "t"}]}`, "", "t"},
		{"task name too long", `{"tasks": [{"number": 1, "name": "` + strings.Repeat("n", 281) + `"}]}`, "tasks[0].name", ""},
		{"require_completion_by_all not a bool", `{"tasks": [{"number": 1, "require_completion_by_all": []}]}`, "tasks[0].require_completion_by_all", ""},
		{"performers not a list", `{"tasks": [{"number": 1, "raw_performers": "user"}]}`, "tasks[0].raw_performers", ""},
		{"performer type unknown", `{"tasks": [{"number": 1, "raw_performers": [{"type": "robot"}]}]}`, "tasks[0].raw_performers[0].type", ""},
		{"performer in a named task", `{"tasks": [{"number": 1, "api_name": "t1", "raw_performers": [{"type": "robot"}]}]}`, "", "t1"},
		{"performer source_id a bool", `{"tasks": [{"number": 1, "raw_performers": [{"type": "user", "source_id": true}]}]}`, "tasks[0].raw_performers[0].source_id", ""},
		{"performer source_id a list", `{"tasks": [{"number": 1, "raw_performers": [{"type": "user", "source_id": [1]}]}]}`, "tasks[0].raw_performers[0].source_id", ""},
		{"due date not an object", `{"tasks": [{"number": 1, "raw_due_date": "tomorrow"}]}`, "tasks[0].raw_due_date", ""},
		{"due date without duration", `{"tasks": [{"number": 1, "raw_due_date": {"rule": "after workflow started"}}]}`, "tasks[0].raw_due_date.duration", ""},
		{"due date bad duration", `{"tasks": [{"number": 1, "raw_due_date": {"duration": "soon", "rule": "after workflow started"}}]}`, "tasks[0].raw_due_date.duration", ""},
		{"due date negative months", `{"tasks": [{"number": 1, "raw_due_date": {"api_name": "d", "duration": "1", "duration_months": -1, "rule": "after workflow started"}}]}`, "", "d"},
		{"due date unknown rule", `{"tasks": [{"number": 1, "raw_due_date": {"duration": "1", "rule": "whenever"}}]}`, "tasks[0].raw_due_date.rule", ""},
		{"due date without rule", `{"tasks": [{"number": 1, "raw_due_date": {"duration": "1"}}]}`, "tasks[0].raw_due_date.rule", ""},
		{"checklist items not a list", `{"tasks": [{"number": 1, "checklists": [{"selections": "x"}]}]}`, "tasks[0].checklists[0].selections", ""},
		{"checklist typo items not a list", `{"tasks": [{"number": 1, "checklists": [{"selecions": "x"}]}]}`, "tasks[0].checklists[0].selecions", ""},
		{"checklist item too long", `{"tasks": [{"number": 1, "checklists": [{"api_name": "c", "selections": [{"value": "` + strings.Repeat("c", 2001) + `"}]}]}]}`, "", "c"},
		{"checklist item not a string", `{"tasks": [{"number": 1, "checklists": [{"selections": [{"value": 1}]}]}]}`, "tasks[0].checklists[0].selections[0].value", ""},
		{"condition action unknown", `{"tasks": [{"number": 1, "conditions": [{"action": "pause"}]}]}`, "tasks[0].conditions[0].action", ""},
		{"condition order a bool", `{"tasks": [{"number": 1, "conditions": [{"action": "skip_task", "order": true}]}]}`, "tasks[0].conditions[0].order", ""},
		{"rules not a list", `{"tasks": [{"number": 1, "conditions": [{"action": "skip_task", "rules": {}}]}]}`, "tasks[0].conditions[0].rules", ""},
		{"predicate value a bool", `{"tasks": [{"number": 1, "conditions": [{"action": "skip_task", "rules": [{"predicates": [{"value": false}]}]}]}]}`, "tasks[0].conditions[0].rules[0].predicates[0].value", ""},
		{"predicate value too long", `{"tasks": [{"number": 1, "conditions": [{"action": "skip_task", "rules": [{"api_name": "r", "predicates": [{"value": "` + strings.Repeat("p", 201) + `"}]}]}]}]}`, "", "r"},
		{"predicate field an int", `{"tasks": [{"number": 1, "conditions": [{"action": "skip_task", "rules": [{"predicates": [{"api_name": "p", "field": 1}]}]}]}]}`, "", "p"},
		{"a NUL character", `{"description": "a\u0000b"}`, "description", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(decodeBody(t, tt.body))
			wantDetail(t, err, tt.wantName, tt.wantAPI)
		})
	}
}

func TestParseInvalidUTF8(t *testing.T) {
	// Form bodies are not cleaned by a JSON decoder.
	_, err := Parse(obj{"name": "ok", "description": "bad \xff"})
	wantDetail(t, err, "description", "")
	_, err = Parse(obj{"kickoff": obj{"fields": []any{obj{"type": "string", "api_name": "x\xff"}}}})
	wantDetail(t, err, "kickoff.fields[0].api_name", "")
}

func TestParseCollectsProblems(t *testing.T) {
	_, err := Parse(decodeBody(t, `{"name": 1, "is_active": "x", "tasks": [{"number": "x"}, {"number": 2, "delay": "-1"}]}`))
	ds := details(t, err)
	var names []string
	for _, d := range ds {
		names = append(names, d.Name)
	}
	want := []string{"is_active", "name", "tasks[0].number", "tasks[1].delay"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("details %v, want %v", names, want)
	}
	// A huge bad body gives a bounded answer.
	var tasks []any
	for range 500 {
		tasks = append(tasks, obj{"number": "x"})
	}
	_, err = Parse(obj{"tasks": tasks})
	if n := len(details(t, err)); n != maxProblems {
		t.Fatalf("%d details, want %d", n, maxProblems)
	}
}

func TestParseAcceptsPlainGoNumbers(t *testing.T) {
	// Bodies decoded without UseNumber (tests, internal callers) work too.
	var b obj
	if err := json.Unmarshal([]byte(`{"template_owners": [1], "tasks": [{"number": 1, "delay": 90,
		"raw_performers": [{"type": "user", "source_id": 2}]}]}`), &b); err != nil {
		t.Fatal(err)
	}
	tpl := mustParse(t, b)
	if tpl.Owners[0] != 1 || tpl.Tasks[0].Number != 1 || *tpl.Tasks[0].Delay != 90 || *tpl.Tasks[0].Performers[0].SourceID != "2" {
		t.Fatalf("got %+v", tpl)
	}
}
