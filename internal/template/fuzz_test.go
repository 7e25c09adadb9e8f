package template

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzParse feeds arbitrary JSON objects through the whole save path: Parse
// must never panic, and what it accepts must survive Assign, Validate,
// PerformersCount, PerformerLabel and a second Assign as an update.
func FuzzParse(f *testing.F) {
	seeds := []string{
		`{}`,
		`{"name": "x", "is_active": true}`,
		`{"name": 1, "tasks": {"a": 1}}`,
		`{"tasks": [{"number": 1, "delay": "-5"}, {"number": "2", "delay": 90}]}`,
		`{"kickoff": {"fields": [{"type": "radio", "api_name": "r", "selections": [{"value": "a"}, {"value": "a"}]}]}}`,
		`{"kickoff": "{\"fields\": []}", "tasks": "[{\"number\": 1}]", "template_owners": "1,2"}`,
		`{"tasks": [{"number": 1, "api_name": "bad name", "raw_performers": [{"type": "user", "source_id": [1]}]}]}`,
		`{"tasks": [{"number": 1, "raw_due_date": {"duration": "P1DT2H", "rule": "after_field", "source_id": 5}}]}`,
		`{"tasks": [{"number": 1, "checklists": [{"selecions": [{"value": "{{x}}"}]}],
			"conditions": [{"action": "skip_task", "rules": [{"predicates": [{"field": "r", "field_type": "radio", "operator": "equals", "value": 3}]}]}]}]}`,
		`{"is_active": true, "tasks": [{"number": 1, "name": "{{ r }}", "raw_performers": [{"type": "field", "source_id": "r"}]}],
			"kickoff": {"fields": [{"type": "user", "api_name": "r", "is_required": "1"}]}}`,
		`{"template_owners": [1e400, -1, 2.0, "x"], "is_public": "1", "finalizable": 0}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Add(mustJSONBytes(seedBody()))
	f.Add(mustJSONBytes(everyKindBody()))
	f.Fuzz(func(t *testing.T, raw []byte) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var b map[string]any
		if dec.Decode(&b) != nil {
			return
		}
		tpl, err := Parse(b)
		if err != nil {
			details(t, err) // always a well-formed validation problem
			return
		}
		Assign(tpl, nil, ids(), suffixes())
		if err := Validate(tpl, fakeDir{}); err != nil {
			details(t, err)
		}
		PerformersCount(tpl)
		for _, task := range tpl.Tasks {
			for _, p := range task.Performers {
				PerformerLabel(p, tpl, fakeDir{})
			}
			VariableNames(task.Name)
		}
		again, err := Parse(b)
		if err != nil {
			t.Fatalf("Parse is not deterministic: %v", err)
		}
		Assign(again, tpl, ids(), RandomSuffix)
		if again.Kickoff.ID != tpl.Kickoff.ID {
			t.Fatalf("kickoff id changed on update")
		}
		_ = ApplyPatch(again, b)
	})
}

func mustJSONBytes(v any) []byte { return []byte(mustJSON(v)) }
