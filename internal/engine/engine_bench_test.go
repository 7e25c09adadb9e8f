package engine

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// Benchmarks of the engine's hot paths: what every run and completion of
// the server goes through. Run with
//
//	go test -run='^$' -bench=. -benchmem ./internal/engine/
//
// The template is the load tool's (5 kickoff fields of 5 types, 5 tasks with
// an output each, a task with two performers), plus conditions on tasks 2
// and 4 so that Decide has work to do on the way.

// benchDir is the account of the benchmarks: user 1 owns it, 2–6 are users.
type benchDir struct{ users map[int64]User }

func newBenchDir() *benchDir {
	d := &benchDir{users: map[int64]User{}}
	for id := int64(1); id <= 6; id++ {
		d.users[id] = User{ID: id, Email: "u" + strconv.FormatInt(id, 10) + "@bench.test", FirstName: "User",
			LastName: strconv.FormatInt(id, 10), Active: true, IsAdmin: id == 1, IsOwner: id == 1}
	}
	return d
}

func (d *benchDir) User(id int64) (User, bool) { u, ok := d.users[id]; return u, ok }
func (d *benchDir) UserByEmail(e string) (User, bool) {
	for _, u := range d.users {
		if strings.EqualFold(u.Email, e) {
			return u, true
		}
	}
	return User{}, false
}
func (d *benchDir) GroupMembers(int64) ([]int64, bool)             { return nil, false }
func (d *benchDir) FreeAttachment(int64, int64) (Attachment, bool) { return Attachment{}, false }
func (d *benchDir) OwnerID() int64                                 { return 1 }
func (d *benchDir) UserExists(id int64) bool                       { _, ok := d.users[id]; return ok }
func (d *benchDir) GroupExists(int64) bool                         { return false }
func (d *benchDir) GroupName(int64) (string, bool)                 { return "", false }
func (d *benchDir) UserName(id int64) (string, bool) {
	u, ok := d.users[id]
	return u.FirstName + " " + u.LastName, ok
}

const benchTemplateJSON = `{
 "name": "Bench", "is_active": true,
 "kickoff": {"fields": [
  {"api_name": "title", "name": "Title", "type": "string", "order": 0, "is_required": true},
  {"api_name": "amount", "name": "Amount", "type": "number", "order": 1},
  {"api_name": "priority", "name": "Priority", "type": "dropdown", "order": 2,
   "selections": [{"api_name": "p-low", "value": "Low"}, {"api_name": "p-high", "value": "High"}]},
  {"api_name": "due", "name": "Due", "type": "date", "order": 3},
  {"api_name": "assignee", "name": "Assignee", "type": "user", "order": 4, "is_required": true}]},
 "tasks": [
  {"number": 1, "api_name": "t1", "name": "Check {{title}}", "description": "Amount {{amount}}, priority {{priority}}",
   "raw_performers": [{"type": "workflow_starter"}],
   "fields": [{"api_name": "note1", "name": "Note", "type": "string", "order": 0}]},
  {"number": 2, "api_name": "t2", "name": "Price {{title}}", "raw_performers": [{"type": "workflow_starter"}],
   "fields": [{"api_name": "price", "name": "Price", "type": "number", "order": 0}],
   "conditions": [{"action": "skip_task", "order": 0, "rules": [
     {"predicates": [{"field": "amount", "field_type": "number", "operator": "more_than", "value": "1000000"},
                     {"field": "title", "field_type": "string", "operator": "contains", "value": "skip"}]},
     {"predicates": [{"field": "priority", "field_type": "dropdown", "operator": "equals", "value": "p-low"},
                     {"field": "due", "field_type": "date", "operator": "less_than", "value": "2000-01-01"}]}]}]},
  {"number": 3, "api_name": "t3", "name": "Review {{title}} with {{assignee}}", "description": "Due {{due}}",
   "raw_performers": [{"type": "workflow_starter"}, {"type": "field", "source_id": "assignee"}],
   "fields": [{"api_name": "verdict", "name": "Verdict", "type": "dropdown", "order": 0,
     "selections": [{"api_name": "v-ok", "value": "OK"}, {"api_name": "v-no", "value": "Not OK"}]}]},
  {"number": 4, "api_name": "t4", "name": "Schedule {{title}}", "raw_performers": [{"type": "workflow_starter"}],
   "fields": [{"api_name": "when", "name": "When", "type": "date", "order": 0}],
   "conditions": [
     {"action": "end_process", "order": 0, "rules": [{"predicates": [
       {"field": "verdict", "field_type": "dropdown", "operator": "equals", "value": "v-no"}]}]},
     {"action": "start_task", "order": 1, "rules": [{"predicates": [
       {"field": "price", "field_type": "number", "operator": "exists"},
       {"field": "assignee", "field_type": "user", "operator": "not_equals", "value": "6"}]}]}]},
  {"number": 5, "api_name": "t5", "name": "Close {{title}}", "description": "{{note1}} / {{verdict}}",
   "raw_performers": [{"type": "workflow_starter"}],
   "fields": [{"api_name": "summary", "name": "Summary", "type": "text", "order": 0}]}]}`

func benchDecode(tb testing.TB, s string) map[string]any {
	tb.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber() // as the HTTP layer decodes bodies
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		tb.Fatal(err)
	}
	return m
}

func benchTemplate(tb testing.TB, dir *benchDir) *template.Template {
	tb.Helper()
	doc, err := template.Parse(benchDecode(tb, benchTemplateJSON))
	if err != nil {
		tb.Fatal(err)
	}
	var n int64
	template.Assign(doc, nil, func() int64 { n++; return n }, template.RandomSuffix)
	if err := template.Validate(doc, dir); err != nil {
		tb.Fatal(err)
	}
	return doc
}

var benchOutputs = []map[string]any{
	{"note1": "Checked"},
	{"price": json.Number("42.5")},
	{"verdict": "v-ok"},
	{"when": "2027-06-01"},
	{"summary": "All done."},
}

func benchKickoff() map[string]any {
	return map[string]any{"title": "Order 1017", "amount": json.Number("1234.5"), "priority": "p-high",
		"due": "2027-03-01", "assignee": json.Number("3")}
}

// benchWorkflow is a started workflow with stand-in ids (the store gives
// real ones), its task 1 active.
func benchWorkflow(tb testing.TB, env Env) *Workflow {
	tb.Helper()
	wf, err := NewWorkflow(env, 1, RunInput{StarterID: 1, Kickoff: benchKickoff()})
	if err != nil {
		tb.Fatal(err)
	}
	wf.ID = 100
	for i, t := range wf.Tasks {
		t.ID = int64(1000 + i)
	}
	for i, f := range wf.Fields {
		f.ID = int64(2000 + i)
	}
	Start(env, wf, 1)
	return wf
}

func benchEnv(tb testing.TB) Env {
	dir := newBenchDir()
	return Env{Now: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC), Dir: dir, Template: benchTemplate(tb, dir)}
}

// BenchmarkStart is a run: the aggregate from the template version, the
// kickoff values checked and stored, task 1's turn (conditions, rendering,
// performers, due date).
func BenchmarkStart(b *testing.B) {
	env := benchEnv(b)
	b.ReportAllocs()
	for b.Loop() {
		wf, err := NewWorkflow(env, 1, RunInput{StarterID: 1, Kickoff: benchKickoff()})
		if err != nil {
			b.Fatal(err)
		}
		Start(env, wf, 1)
	}
}

// BenchmarkComplete completes the current task of a started workflow with
// its output, which gives the next task its turn (conditions included).
// Each iteration completes one task of a fresh workflow, tasks 1–4 in turn;
// building it is not timed.
func BenchmarkComplete(b *testing.B) {
	env := benchEnv(b)
	actor := Actor{UserID: 1, IsAdmin: true, IsOwner: true}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		wf := benchWorkflow(b, env)
		k := i % 4
		for j := range k {
			if _, err := Complete(env, wf, actor, CompleteInput{TaskID: wf.Tasks[j].ID, Output: benchOutputs[j]}); err != nil {
				b.Fatal(err)
			}
		}
		cur := wf.Current()
		b.StartTimer()
		if _, err := Complete(env, wf, actor, CompleteInput{TaskID: cur.ID, Output: benchOutputs[cur.Number-1]}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompleteAll runs a workflow from start to done: a run and 5
// completions, all timed.
func BenchmarkCompleteAll(b *testing.B) {
	env := benchEnv(b)
	actor := Actor{UserID: 1, IsAdmin: true, IsOwner: true}
	b.ReportAllocs()
	for b.Loop() {
		wf := benchWorkflow(b, env)
		for wf.Status == StatusRunning {
			cur := wf.Current()
			if _, err := Complete(env, wf, actor, CompleteInput{TaskID: cur.ID, Output: benchOutputs[cur.Number-1]}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkDecide evaluates task 4's conditions (an end_process that does
// not hold, then a start_task) against the fields visible to it.
func BenchmarkDecide(b *testing.B) {
	env := benchEnv(b)
	wf := benchWorkflow(b, env)
	actor := Actor{UserID: 1, IsAdmin: true, IsOwner: true}
	for j := range 2 {
		if _, err := Complete(env, wf, actor, CompleteInput{TaskID: wf.Tasks[j].ID, Output: benchOutputs[j]}); err != nil {
			b.Fatal(err)
		}
	}
	conds := env.Template.Tasks[3].Conditions
	fields := wf.visibleFields(4)
	if got := Decide(conds, fields); got != DecideStart {
		b.Fatalf("Decide = %q, want start", got)
	}
	b.Run("task4", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Decide(conds, fields)
		}
	})
	skip := env.Template.Tasks[1].Conditions
	b.Run("task2-two-rules", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Decide(skip, fields)
		}
	})
	b.Run("visible-fields+task4", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Decide(conds, wf.visibleFields(4))
		}
	})
}

// BenchmarkEvalPredicate is one predicate per field type and operator kind.
func BenchmarkEvalPredicate(b *testing.B) {
	env := benchEnv(b)
	wf := benchWorkflow(b, env)
	fields := wf.visibleFields(2)
	val := func(s string) *string { return &s }
	cases := []struct {
		name string
		p    template.Predicate
	}{
		{"string-contains", template.Predicate{Field: "title", FieldType: "string", Operator: OpContains, Value: val("1017")}},
		{"string-equals", template.Predicate{Field: "title", FieldType: "string", Operator: OpEquals, Value: val("Order 1017")}},
		{"number-more-than", template.Predicate{Field: "amount", FieldType: "number", Operator: OpMoreThan, Value: val("100.25")}},
		{"date-less-than", template.Predicate{Field: "due", FieldType: "date", Operator: OpLessThan, Value: val("2028-01-01")}},
		{"dropdown-equals", template.Predicate{Field: "priority", FieldType: "dropdown", Operator: OpEquals, Value: val("p-high")}},
		{"user-equals", template.Predicate{Field: "assignee", FieldType: "user", Operator: OpEquals, Value: val("3")}},
		{"exists", template.Predicate{Field: "amount", FieldType: "number", Operator: OpExists}},
		{"missing-field", template.Predicate{Field: "nope", FieldType: "string", Operator: OpEquals, Value: val("x")}},
	}
	for _, c := range cases {
		EvalPredicate(c.p, fields) // must not panic before timing
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				EvalPredicate(c.p, fields)
			}
		})
	}
}

// BenchmarkRender renders a task name from the variables of a workflow (the
// map built once, as render does per task).
func BenchmarkRender(b *testing.B) {
	env := benchEnv(b)
	wf := benchWorkflow(b, env)
	vars := wf.vars(env, 3)
	b.Run("render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Render("Review {{title}} with {{assignee}}, due {{ due }}", vars)
		}
	})
	b.Run("vars+render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Render("Review {{title}} with {{assignee}}, due {{ due }}", wf.vars(env, 3))
		}
	})
}
