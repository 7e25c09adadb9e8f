package httpapi

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
)

// Benchmarks of the workflow JSON: the answer of every run, workflow
// detail and (15 at a time) workflow list page. Run with
//
//	go test -run='^$' -bench=Workflow -benchmem ./internal/httpapi/

// benchDiscard is a ResponseWriter that keeps nothing, so that only the
// shaping and the encoding are timed.
type benchDiscard struct{ h http.Header }

func (d *benchDiscard) Header() http.Header         { return d.h }
func (d *benchDiscard) Write(p []byte) (int, error) { return len(p), nil }
func (d *benchDiscard) WriteHeader(int)             {}

// benchWorkflowView is the load template's workflow at task 3 (2 tasks
// done, 5 kickoff values of 5 types, 5 outputs).
func benchWorkflowView() *app.WorkflowView {
	at := func(min int) *time.Time {
		t := time.Date(2026, 12, 3, 10, min, 0, 123e6, time.UTC)
		return &t
	}
	wf := &engine.Workflow{ID: 5001, AccountID: 1, TemplateID: 3, TemplateName: "Load", Name: "Load — 2026-12-03 10:00",
		Description: "Template of the load tool", Status: engine.StatusRunning, DateCreated: *at(0),
		KickoffDescription: "What to process", StarterID: 1}
	for i := range 5 {
		t := &engine.Task{ID: int64(9001 + i), Number: i + 1, APIName: "load-t" + strconv.Itoa(i+1),
			Name: "Task " + strconv.Itoa(i+1) + " of Order 1017", Status: engine.TaskPending}
		switch {
		case i < 2:
			t.Status, t.DateStarted, t.DateCompleted = engine.TaskCompleted, at(i), at(i+1)
			t.Performers = []engine.Performer{{UserID: 1, IsCompleted: true, DateCompleted: at(i + 1)}}
		case i == 2:
			t.Status, t.DateStarted, t.DueDate = engine.TaskActive, at(2), at(50)
			t.Performers = []engine.Performer{{UserID: 1}, {UserID: 3}}
		}
		wf.Tasks = append(wf.Tasks, t)
	}
	sels := []engine.Selection{{ID: 100, APIName: "p-low", Value: "Low"}, {ID: 101, APIName: "p-high", Value: "High", IsSelected: true}}
	wf.Fields = []*engine.Field{
		{ID: 1, APIName: "title", Type: "string", Name: "Title", IsRequired: true, Value: "Order 1017"},
		{ID: 2, APIName: "amount", Type: "number", Name: "Amount", Order: 1, Value: "1234.5"},
		{ID: 3, APIName: "priority", Type: "dropdown", Name: "Priority", Order: 2, Value: "High", Selections: sels},
		{ID: 4, APIName: "due", Type: "date", Name: "Due", Order: 3, Value: "2027-03-01T00:00:00.000Z"},
		{ID: 5, APIName: "assignee", Type: "user", Name: "Assignee", Order: 4, IsRequired: true, Value: "3", UserID: 3},
		{ID: 6, TaskID: 9001, APIName: "note1", Type: "string", Name: "Note", Value: "Checked"},
		{ID: 7, TaskID: 9002, APIName: "price", Type: "number", Name: "Price", Value: "42.5"},
		{ID: 8, TaskID: 9003, APIName: "verdict", Type: "dropdown", Name: "Verdict"},
		{ID: 9, TaskID: 9004, APIName: "when", Type: "date", Name: "When"},
		{ID: 10, TaskID: 9005, APIName: "summary", Type: "text", Name: "Summary"},
	}
	return &app.WorkflowView{WF: wf, TemplateActive: true, TemplateOwners: []int64{1}}
}

// BenchmarkWorkflowJSON is a workflow detail answer: shaping and encoding.
func BenchmarkWorkflowJSON(b *testing.B) {
	v := benchWorkflowView()
	w := &benchDiscard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		writeJSON(w, http.StatusOK, workflowOut(v))
	}
}

// BenchmarkWorkflowShape is workflowOut alone (no JSON).
func BenchmarkWorkflowShape(b *testing.B) {
	v := benchWorkflowView()
	b.ReportAllocs()
	for b.Loop() {
		_ = workflowOut(v)
	}
}

// BenchmarkWorkflowListJSON is the items of a list page of 15 workflows.
func BenchmarkWorkflowListJSON(b *testing.B) {
	views := make([]*app.WorkflowView, 15)
	for i := range views {
		views[i] = benchWorkflowView()
	}
	w := &benchDiscard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		out := make([]workflowJSON, 0, len(views))
		for _, v := range views {
			out = append(out, workflowOut(v))
		}
		writeJSON(w, http.StatusOK, out)
	}
}
