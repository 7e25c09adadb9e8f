package template

import (
	"regexp"
	"strings"
	"testing"
)

// collect returns kind → api_names → ids of every nested object of t.
func collect(t *Template) map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	walk(t, func(kind string, api *string, id *int64) {
		if out[kind] == nil {
			out[kind] = map[string]int64{}
		}
		out[kind][*api] = *id
	})
	return out
}

// everyKindBody has one object of each kind without an api_name.
func everyKindBody() obj {
	return body("Kinds", list(
		task(1, "One", list(starter()),
			"fields", list(field("checkbox", "Pick", "", "selections", sels("x", "y"))),
			"checklists", list(obj{"selections": list(obj{"value": "item"})}),
			"raw_due_date", obj{"duration": "01:00:00", "rule": "after workflow started"}),
		task(2, "Two", list(starter()),
			"conditions", list(cond("skip_task", pred("kf", "string", "exists", nil)))),
	), list(field("string", "K", "kf"), field("dropdown", "D", "", "selections", sels("a"))))
}

func TestAssignGeneratesNames(t *testing.T) {
	tpl := mustParse(t, jsonBody(t, everyKindBody()))
	Assign(tpl, nil, ids(), RandomSuffix)
	seen := map[int64]bool{}
	counts := map[string]int{}
	walk(tpl, func(kind string, api *string, id *int64) {
		counts[kind]++
		if *api == "kf" {
			return // given by the client: kept verbatim
		}
		if !regexp.MustCompile(`^` + regexp.QuoteMeta(kind) + `-[a-z0-9]{6}$`).MatchString(*api) {
			t.Errorf("%s api_name %q", kind, *api)
		}
		if *id == 0 || seen[*id] {
			t.Errorf("%s %q: id %d is zero or repeated", kind, *api, *id)
		}
		seen[*id] = true
	})
	for _, kind := range []string{KindTask, KindField, KindSelection, KindChecklist, KindChecklistItem,
		KindCondition, KindRule, KindPredicate, KindPerformer, KindDueDate} {
		if counts[kind] == 0 {
			t.Errorf("no %s in the body", kind)
		}
	}
	if tpl.Kickoff.ID == 0 || seen[tpl.Kickoff.ID] || tpl.ID != 0 {
		t.Errorf("kickoff id %d, template id %d", tpl.Kickoff.ID, tpl.ID)
	}
	if err := Validate(tpl, fakeDir{}); err != nil {
		t.Fatalf("generated names must validate: %v", err)
	}
}

func TestAssignCollisions(t *testing.T) {
	tests := []struct {
		name   string
		suffix func() string
	}{
		{"a source that always repeats", func() string { return "aaaaaa" }},
		{"a broken source", func() string { return "NOT-OK" }},
		{"an empty source", func() string { return "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := body("C", list(
				task(1, "A", list(starter()), "api_name", "task-aaaaaa"),
				task(2, "B", list(starter())), task(3, "C", list(starter())), task(4, "D", list(starter())),
			), nil)
			tpl := mustParse(t, jsonBody(t, b))
			Assign(tpl, nil, ids(), tt.suffix)
			names := map[string]bool{}
			for _, task := range tpl.Tasks {
				if names[task.APIName] || !regexp.MustCompile(`^task-[a-z0-9]{6}$`).MatchString(task.APIName) {
					t.Errorf("api_name %q repeated or malformed", task.APIName)
				}
				names[task.APIName] = true
			}
			if tpl.Tasks[0].APIName != "task-aaaaaa" {
				t.Errorf("the client's api_name changed to %q", tpl.Tasks[0].APIName)
			}
		})
	}
}

func TestAssignUpdateMatchesByAPIName(t *testing.T) {
	before := mustParse(t, jsonBody(t, body("Editable", list(
		task(1, "First", list(starter()), "api_name", "t-one",
			"fields", list(field("string", "Gone soon", "tf-gone"))),
		task(2, "Second", list(starter()), "api_name", "t-two",
			"conditions", list(with(cond("skip_task", with(pred("kf-keep", "string", "exists", nil), "api_name", "p1")), "api_name", "c1"))),
	), list(field("string", "Keep", "kf-keep"), field("string", "Drop", "kf-drop"),
		field("radio", "R", "r", "selections", list(obj{"value": "a", "api_name": "ra"}, obj{"value": "b"}))))))
	Assign(before, nil, ids(), suffixes())
	old := collect(before)
	generatedSel := before.Kickoff.Fields[2].Selections[1].APIName

	after := mustParse(t, jsonBody(t, body("Editable v2", list(
		task(1, "First renamed", list(starter()), "api_name", "t-one"),
		task(2, "Second", list(starter()), "api_name", "t-two",
			"conditions", list(with(cond("skip_task", with(pred("kf-keep", "string", "exists", nil), "api_name", "p1")), "api_name", "c1"))),
		task(3, "Third", list(starter()), "api_name", "t-three"),
	), list(field("string", "Kept and renamed", "kf-keep"), field("string", "Added", "kf-new"),
		field("radio", "R", "r", "selections", list(obj{"value": "a", "api_name": "ra"}, obj{"value": "b", "api_name": generatedSel}, obj{"value": "c"}))))))
	next := ids()
	for range 100 {
		next() // ids of the second save come after the first's
	}
	Assign(after, before, next, suffixes())
	got := collect(after)
	for _, k := range []struct{ kind, api string }{
		{KindTask, "t-one"}, {KindTask, "t-two"}, {KindField, "kf-keep"}, {KindField, "r"},
		{KindSelection, "ra"}, {KindSelection, generatedSel}, {KindCondition, "c1"}, {KindPredicate, "p1"},
	} {
		if got[k.kind][k.api] != old[k.kind][k.api] || got[k.kind][k.api] == 0 {
			t.Errorf("%s %q: id %d, want the previous %d", k.kind, k.api, got[k.kind][k.api], old[k.kind][k.api])
		}
	}
	for _, k := range []struct{ kind, api string }{{KindTask, "t-three"}, {KindField, "kf-new"}} {
		if got[k.kind][k.api] <= 1100 {
			t.Errorf("%s %q: id %d, want a new one", k.kind, k.api, got[k.kind][k.api])
		}
	}
	if after.Kickoff.ID != before.Kickoff.ID {
		t.Errorf("kickoff id %d, want %d", after.Kickoff.ID, before.Kickoff.ID)
	}
	// A new object never takes a name (and so the id) of one that existed.
	for kind, names := range got {
		for api, id := range names {
			if oldID, ok := old[kind][api]; ok && oldID != id {
				t.Errorf("%s %q reuses an old name with a new id", kind, api)
			}
		}
	}
	newSel := after.Kickoff.Fields[2].Selections[2]
	if _, clash := old[KindSelection][newSel.APIName]; clash || !strings.HasPrefix(newSel.APIName, "selection-") {
		t.Errorf("new selection api_name %q", newSel.APIName)
	}
}

func TestAssignAvoidsPreviousNames(t *testing.T) {
	prev := &Template{Tasks: []Task{{APIName: "task-000001", ID: 5}}}
	tpl := &Template{Tasks: []Task{{Number: 1}}}
	Assign(tpl, prev, ids(), suffixes())
	if tpl.Tasks[0].APIName == "task-000001" || tpl.Tasks[0].ID == 5 {
		t.Fatalf("a new task took a deleted task's name: %+v", tpl.Tasks[0])
	}
}

func TestAssignDuplicatesGetDistinctIDs(t *testing.T) {
	prev := &Template{Tasks: []Task{{APIName: "same", ID: 5}}}
	tpl := &Template{Tasks: []Task{{APIName: "same"}, {APIName: "same"}}}
	Assign(tpl, prev, ids(), suffixes())
	if tpl.Tasks[0].ID != 5 || tpl.Tasks[1].ID == 5 {
		t.Fatalf("ids %d, %d", tpl.Tasks[0].ID, tpl.Tasks[1].ID)
	}
}

func TestRandomSuffix(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		s := RandomSuffix()
		if !validSuffix(s) {
			t.Fatalf("RandomSuffix() = %q", s)
		}
		seen[s] = true
	}
	if len(seen) < 990 {
		t.Fatalf("only %d distinct suffixes in 1000", len(seen))
	}
}
