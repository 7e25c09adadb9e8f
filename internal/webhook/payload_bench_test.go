package webhook

import (
	"strconv"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
)

// Benchmarks of payload building: every completion with a subscribed
// account builds a task_completed_v2 body (and the last one a
// workflow_completed body) inside its transaction. Run with
//
//	go test -run='^$' -bench=. -benchmem ./internal/webhook/

type benchUsers map[int64]engine.User

func (u benchUsers) User(id int64) (engine.User, bool) { x, ok := u[id]; return x, ok }

// benchPayloadWorkflow is the load template's workflow at task 3: tasks 1
// and 2 completed with their outputs, task 3 active with two performers,
// 5 kickoff values (string, number, dropdown, date, user) and 5 outputs.
func benchPayloadWorkflow() (*engine.Workflow, benchUsers) {
	at := func(min int) *time.Time {
		t := time.Date(2026, 12, 3, 10, min, 0, 123e6, time.UTC)
		return &t
	}
	wf := &engine.Workflow{ID: 5001, AccountID: 1, TemplateID: 3, TemplateName: "Load", Name: "Load — 2026-12-03 10:00",
		Status: engine.StatusRunning, DateCreated: *at(0), KickoffDescription: "What to process", StarterID: 1}
	names := []string{"Check Order 1017", "Price Order 1017", "Review Order 1017 with User 3", "Schedule Order 1017", "Close Order 1017"}
	for i, n := range names {
		t := &engine.Task{ID: int64(9001 + i), Number: i + 1, APIName: "load-t" + strconv.Itoa(i+1), Name: n, Status: engine.TaskPending}
		switch {
		case i < 2:
			t.Status, t.DateStarted, t.DateCompleted = engine.TaskCompleted, at(i), at(i+1)
			t.Performers = []engine.Performer{{UserID: 1, IsCompleted: true, DateCompleted: at(i + 1)}}
		case i == 2:
			t.Status, t.DateStarted, t.DueDate = engine.TaskActive, at(2), at(50)
			t.Description = "Due Mar 01, 2027, 12:00AM"
			t.Performers = []engine.Performer{{UserID: 1}, {UserID: 3}}
		}
		wf.Tasks = append(wf.Tasks, t)
	}
	sel := func(chosen string, pairs ...string) []engine.Selection {
		var out []engine.Selection
		for i := 0; i+1 < len(pairs); i += 2 {
			out = append(out, engine.Selection{ID: int64(100 + i), APIName: pairs[i], Value: pairs[i+1], IsSelected: pairs[i] == chosen})
		}
		return out
	}
	wf.Fields = []*engine.Field{
		{ID: 1, APIName: "title", Type: "string", Name: "Title", IsRequired: true, Value: "Order 1017"},
		{ID: 2, APIName: "amount", Type: "number", Name: "Amount", Order: 1, Value: "1234.5"},
		{ID: 3, APIName: "priority", Type: "dropdown", Name: "Priority", Order: 2, Value: "High",
			Selections: sel("p-high", "p-low", "Low", "p-high", "High")},
		{ID: 4, APIName: "due", Type: "date", Name: "Due", Order: 3, Value: "2027-03-01T00:00:00.000Z"},
		{ID: 5, APIName: "assignee", Type: "user", Name: "Assignee", Order: 4, IsRequired: true, Value: "3", UserID: 3},
		{ID: 6, TaskID: 9001, APIName: "note1", Type: "string", Name: "Note", Value: "Checked by the load tool"},
		{ID: 7, TaskID: 9002, APIName: "price", Type: "number", Name: "Price", Value: "42.5"},
		{ID: 8, TaskID: 9003, APIName: "verdict", Type: "dropdown", Name: "Verdict", Selections: sel("", "v-ok", "OK", "v-no", "Not OK")},
		{ID: 9, TaskID: 9004, APIName: "when", Type: "date", Name: "When"},
		{ID: 10, TaskID: 9005, APIName: "summary", Type: "text", Name: "Summary"},
	}
	return wf, benchUsers{1: {ID: 1, FirstName: "Olga", LastName: "Owner"}, 3: {ID: 3, FirstName: "User", LastName: "3"}}
}

// BenchmarkTaskCompletedBody is a task_completed_v2 delivery body: the
// task payload (with the workflow's) and its JSON.
func BenchmarkTaskCompletedBody(b *testing.B) {
	wf, us := benchPayloadWorkflow()
	t := wf.Tasks[1]
	hook := Hook{ID: 77, Event: engine.HookTaskCompleted, Target: "https://hooks.example.com/pneumatic"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Body(hook, NewSubject(wf, t, us)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWorkflowBody is a workflow_started / workflow_completed body.
func BenchmarkWorkflowBody(b *testing.B) {
	wf, us := benchPayloadWorkflow()
	hook := Hook{ID: 78, Event: engine.HookWorkflowStarted, Target: "https://hooks.example.com/pneumatic"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Body(hook, NewSubject(wf, nil, us)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTaskPayload is building the payload structs alone (no JSON).
func BenchmarkTaskPayload(b *testing.B) {
	wf, us := benchPayloadWorkflow()
	t := wf.Tasks[1]
	b.ReportAllocs()
	for b.Loop() {
		_ = TaskPayload(wf, t, us)
	}
}

// BenchmarkSign is the Standard Webhooks signature of a 3 KB body.
func BenchmarkSign(b *testing.B) {
	wf, us := benchPayloadWorkflow()
	body, err := Body(Hook{ID: 1, Event: engine.HookTaskCompleted, Target: "https://x.test"}, NewSubject(wf, wf.Tasks[1], us))
	if err != nil {
		b.Fatal(err)
	}
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	if _, err := Sign(secret, "msg_1", 1796300000, body); err != nil {
		b.Skipf("secret format: %v", err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Sign(secret, "msg_1", 1796300000, body); err != nil {
			b.Fatal(err)
		}
	}
}
