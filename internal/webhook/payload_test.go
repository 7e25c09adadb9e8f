package webhook

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

type users map[int64]engine.User

func (u users) User(id int64) (engine.User, bool) { x, ok := u[id]; return x, ok }

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// fixture is a two-task workflow with the first task completed, its output
// given, and the second task active.
func fixture() (*engine.Workflow, users) {
	t1 := &engine.Task{ID: 11, Number: 1, APIName: "task-1", Name: "First hooks", Description: "first description",
		Status: engine.TaskCompleted, DateStarted: at("2026-03-01T10:00:00.123Z"), DateCompleted: at("2026-03-01T11:30:00.5Z"),
		DueDate:    at("2026-03-02T10:00:00Z"),
		Performers: []engine.Performer{{UserID: 7, IsCompleted: true, DateCompleted: at("2026-03-01T11:30:00.5Z")}}}
	t2 := &engine.Task{ID: 12, Number: 2, APIName: "task-2", Name: "Second", Status: engine.TaskActive,
		DateStarted: at("2026-03-01T11:30:00.5Z"), Performers: []engine.Performer{{UserID: 8}, {UserID: 99}}}
	wf := &engine.Workflow{ID: 5, AccountID: 1, TemplateID: 3, TemplateName: "Hooked", Name: "Hooked run",
		Status: engine.StatusRunning, DateCreated: *at("2026-03-01T10:00:00.123Z"), KickoffDescription: "kick",
		Tasks: []*engine.Task{t1, t2},
		Fields: []*engine.Field{
			{ID: 21, APIName: "topic", Type: "string", Name: "Topic", IsRequired: true, Value: "hooks"},
			{ID: 22, APIName: "choice", Type: "radio", Name: "Choice", Order: 1, Value: "B",
				Selections: []engine.Selection{{ID: 1, APIName: "a", Value: "A"}, {ID: 2, APIName: "b", Value: "B", IsSelected: true}}},
			{ID: 23, TaskID: 11, APIName: "note", Type: "string", Name: "Note", Value: "noted"},
			{ID: 24, TaskID: 11, APIName: "who", Type: "user", Name: "Who", Value: "7", UserID: 7},
			{ID: 25, TaskID: 11, APIName: "doc", Type: "file", Name: "Doc", Value: "https://x.test/f/1",
				Attachments: []engine.Attachment{{ID: 1, Name: "a.png", URL: "https://x.test/f/1"}}},
		}}
	return wf, users{7: {ID: 7, FirstName: "Wanda", LastName: "Hook"}, 8: {ID: 8, FirstName: "Walter", LastName: "Sink"}}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", name, err, got)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/webhook -update to create it)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", name, path, pretty.Bytes())
	}
}

func TestPayloadsGolden(t *testing.T) {
	wf, dir := fixture()
	cases := []struct {
		event string
		task  *engine.Task
	}{
		{engine.HookWorkflowStarted, nil},
		{engine.HookTaskCompleted, wf.Tasks[0]},
		{engine.HookTaskReturned, wf.Tasks[0]},
	}
	for _, c := range cases {
		body, err := Body(Hook{ID: 42, Event: c.event, Target: "https://receiver.test/hook"}, NewSubject(wf, c.task, dir))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, c.event, body)
	}
	// Completed: the current task is the last completed one.
	wf.Tasks[1].Status, wf.Tasks[1].DateCompleted = engine.TaskCompleted, at("2026-03-01T12:00:00Z")
	wf.Status, wf.DateCompleted = engine.StatusDone, at("2026-03-01T12:00:00Z")
	body, err := Body(Hook{ID: 43, Event: engine.HookWorkflowCompleted, Target: "https://receiver.test/hook"}, NewSubject(wf, nil, dir))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, engine.HookWorkflowCompleted, body)
}

// The keys the seed's schemas (and the conformance suite) require.
func TestPayloadKeys(t *testing.T) {
	wf, dir := fixture()
	body, err := Body(Hook{ID: 1, Event: engine.HookTaskCompleted, Target: "u"}, NewSubject(wf, wf.Tasks[0], dir))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	has := func(where string, obj map[string]any, keys ...string) {
		t.Helper()
		for _, k := range keys {
			if _, ok := obj[k]; !ok {
				t.Errorf("%s lacks %q", where, k)
			}
		}
	}
	has("hook", m["hook"], "id", "event", "target")
	task := m["task"]
	has("task", task, "id", "name", "description", "number", "date_started", "date_started_tsp", "date_completed",
		"date_completed_tsp", "due_date", "due_date_tsp", "output", "performers", "workflow")
	w := task["workflow"].(map[string]any)
	has("workflow", w, "id", "name", "status", "date_created", "date_created_tsp", "template", "kickoff", "current_task")
	has("current_task", w["current_task"].(map[string]any), "id", "name", "description", "number", "date_started",
		"date_started_tsp", "date_completed", "date_completed_tsp", "performers")
	if got := task["date_started"]; got != "2026-03-01T10:00:00.123Z" {
		t.Errorf("date_started = %v", got)
	}
	if got := task["date_started_tsp"]; got != 1772359200.123 {
		t.Errorf("date_started_tsp = %v", got)
	}
	ps := w["current_task"].(map[string]any)["performers"].([]any)
	if len(ps) != 2 || ps[0].(map[string]any)["first_name"] != "Walter" || ps[1].(map[string]any)["first_name"] != "" {
		t.Errorf("current_task performers = %v (an unknown user keeps its id with empty names)", ps)
	}
}

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{"task_completed": "task_completed_v2", "task_completed_v2": "task_completed_v2",
		"workflow_started": "workflow_started", "task_returned": "task_returned", "workflow_completed": "workflow_completed"} {
		if got, ok := Canonical(in); !ok || got != want {
			t.Errorf("Canonical(%q) = %q, %v", in, got, ok)
		}
	}
	if _, ok := Canonical("nope"); ok {
		t.Error("unknown event accepted")
	}
}
