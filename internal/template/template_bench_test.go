package template

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Benchmarks of saving a template (POST/PUT /templates): Parse, Assign and
// Validate of a 10-task template with every kind of nested object. Run with
//
//	go test -run='^$' -bench=. -benchmem ./internal/template/

// benchTmplDir is an account with users 1–6 and group 10.
type benchTmplDir struct{}

func (benchTmplDir) UserExists(id int64) bool  { return id >= 1 && id <= 6 }
func (benchTmplDir) GroupExists(id int64) bool { return id == 10 }
func (benchTmplDir) UserName(id int64) (string, bool) {
	return fmt.Sprintf("User %d", id), id >= 1 && id <= 6
}
func (benchTmplDir) GroupName(id int64) (string, bool) { return "Team", id == 10 }

// benchTemplateBody is a 10-task active template: 6 kickoff fields of
// different types; each task with {{variables}} in its name and
// description, 2–3 performers (starter, a user or the group, a user field),
// an output field, a checklist of 2 items, a due date, and from task 2 on a
// condition with 2 rules on earlier fields; every third task a delay.
func benchTemplateBody(tb testing.TB) map[string]any {
	tb.Helper()
	var b strings.Builder
	b.WriteString(`{"name": "Bench template", "description": "Ten tasks", "is_active": true, "template_owners": [1, 2],
 "kickoff": {"description": "Start here", "fields": [
  {"api_name": "title", "name": "Title", "type": "string", "order": 0, "is_required": true},
  {"api_name": "amount", "name": "Amount", "type": "number", "order": 1},
  {"api_name": "priority", "name": "Priority", "type": "dropdown", "order": 2,
   "selections": [{"api_name": "p-low", "value": "Low"}, {"api_name": "p-mid", "value": "Medium"}, {"api_name": "p-high", "value": "High"}]},
  {"api_name": "due", "name": "Due", "type": "date", "order": 3},
  {"api_name": "assignee", "name": "Assignee", "type": "user", "order": 4, "is_required": true},
  {"api_name": "tags", "name": "Tags", "type": "checkbox", "order": 5,
   "selections": [{"api_name": "tag-a", "value": "A"}, {"api_name": "tag-b", "value": "B"}]}]},
 "tasks": [`)
	for n := 1; n <= 10; n++ {
		if n > 1 {
			b.WriteString(",")
		}
		perf := `{"type": "workflow_starter"}, {"type": "field", "source_id": "assignee"}`
		if n%2 == 0 {
			perf += `, {"type": "user", "source_id": "2"}`
		} else {
			perf += `, {"type": "group", "source_id": "10"}`
		}
		fmt.Fprintf(&b, `
  {"number": %[1]d, "api_name": "task-%[1]d", "name": "Step %[1]d of {{title}}", "description": "For {{assignee}}, by {{due}}; {{template-name}}",
   "raw_performers": [%[2]s],
   "fields": [{"api_name": "out-%[1]d", "name": "Output %[1]d", "type": "string", "order": 0}],
   "checklists": [{"api_name": "cl-%[1]d", "selections": [{"api_name": "cl-%[1]d-a", "value": "Check {{title}}"}, {"api_name": "cl-%[1]d-b", "value": "Sign"}]}],
   "raw_due_date": {"api_name": "due-%[1]d", "duration": "1 00:00:00", "rule": "after task started", "source_id": "task-%[1]d"}`, n, perf)
		if n%3 == 0 {
			b.WriteString(`, "delay": "01:00:00"`)
		}
		if n > 1 {
			fmt.Fprintf(&b, `,
   "conditions": [{"api_name": "cond-%[1]d", "action": "skip_task", "order": 0, "rules": [
     {"api_name": "rule-%[1]d-a", "predicates": [
       {"api_name": "pred-%[1]d-a", "field": "amount", "field_type": "number", "operator": "more_than", "value": "1000"},
       {"api_name": "pred-%[1]d-b", "field": "out-%[2]d", "field_type": "string", "operator": "contains", "value": "skip"}]},
     {"api_name": "rule-%[1]d-b", "predicates": [
       {"api_name": "pred-%[1]d-c", "field": "priority", "field_type": "dropdown", "operator": "equals", "value": "Low"},
       {"api_name": "pred-%[1]d-d", "field": "due", "field_type": "date", "operator": "less_than", "value": "2027-01-01"}]}]}]`, n, n-1)
		}
		b.WriteString("}")
	}
	b.WriteString("]}")
	dec := json.NewDecoder(strings.NewReader(b.String()))
	dec.UseNumber() // as the HTTP layer decodes bodies
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		tb.Fatal(err)
	}
	return m
}

func benchSave(body map[string]any) (*Template, error) {
	doc, err := Parse(body)
	if err != nil {
		return nil, err
	}
	var n int64
	Assign(doc, nil, func() int64 { n++; return n }, RandomSuffix)
	SortFields(doc.Kickoff.Fields)
	for i := range doc.Tasks {
		SortFields(doc.Tasks[i].Fields)
	}
	return doc, Validate(doc, benchTmplDir{})
}

// BenchmarkTemplateSave is Parse + Assign + Validate of the 10-task
// template, what every template save does before its SQL.
func BenchmarkTemplateSave(b *testing.B) {
	body := benchTemplateBody(b)
	if _, err := benchSave(body); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := benchSave(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTemplateParts times the three steps apart.
func BenchmarkTemplateParts(b *testing.B) {
	body := benchTemplateBody(b)
	b.Run("parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("assign", func(b *testing.B) {
		doc, err := Parse(body)
		if err != nil {
			b.Fatal(err)
		}
		prev, _ := benchSave(body)
		b.ReportAllocs()
		for b.Loop() {
			// Matching an update to the saved version (by api_name) is the
			// common case; ids come from prev.
			var n int64
			Assign(doc, prev, func() int64 { n++; return 1000 + n }, RandomSuffix)
		}
	})
	b.Run("validate", func(b *testing.B) {
		doc, err := benchSave(body)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := Validate(doc, benchTmplDir{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode-stored-json", func(b *testing.B) {
		// What the server does with a stored version: decode it (app.decodeDoc).
		doc, err := benchSave(body)
		if err != nil {
			b.Fatal(err)
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			var t Template
			if err := json.Unmarshal(raw, &t); err != nil {
				b.Fatal(err)
			}
		}
	})
}
