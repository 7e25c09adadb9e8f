package webhook

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
)

// Users looks up performer names; engine.Directory satisfies it.
type Users interface {
	User(id int64) (engine.User, bool)
}

// Hook is the "hook" object of a payload.
type Hook struct {
	ID     int64  `json:"id"`
	Event  string `json:"event"`
	Target string `json:"target"`
}

// Attachment is a file of a field value.
type Attachment struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// FieldValue is the contract's field value object (§5.8), the same in
// webhook payloads and API answers (httpapi builds it with FieldValues).
type FieldValue struct {
	ID          int64              `json:"id"`
	TaskID      *int64             `json:"task_id"`
	KickoffID   *int64             `json:"kickoff_id"`
	Type        string             `json:"type"`
	APIName     string             `json:"api_name"`
	Name        string             `json:"name"`
	Description string             `json:"description"`
	IsRequired  bool               `json:"is_required"`
	Order       int                `json:"order"`
	Value       *string            `json:"value"`
	UserID      *int64             `json:"user_id"`
	Selections  []engine.Selection `json:"selections"`
	Attachments []Attachment       `json:"attachments"`
}

// Performer is a performer with the names the seed shows.
type Performer struct {
	ID        int64  `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}

// CurrentTask is W.current_task.
type CurrentTask struct {
	ID               int64       `json:"id"`
	Name             string      `json:"name"`
	Description      string      `json:"description"`
	Number           int         `json:"number"`
	DateStarted      *string     `json:"date_started"`
	DateStartedTsp   *float64    `json:"date_started_tsp"`
	DateCompleted    *string     `json:"date_completed"`
	DateCompletedTsp *float64    `json:"date_completed_tsp"`
	DueDate          *string     `json:"due_date"`
	DueDateTsp       *float64    `json:"due_date_tsp"`
	Performers       []Performer `json:"performers"`
}

// TemplateRef is W.template.
type TemplateRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Kickoff is W.kickoff.
type Kickoff struct {
	ID          int64        `json:"id"`
	Description string       `json:"description"`
	Output      []FieldValue `json:"output"`
}

// Workflow is W, the workflow object of the seed's webhook schemas.
type Workflow struct {
	ID             int64        `json:"id"`
	Name           string       `json:"name"`
	Status         int          `json:"status"`
	DateCreated    *string      `json:"date_created"`
	DateCreatedTsp *float64     `json:"date_created_tsp"`
	Template       *TemplateRef `json:"template"`
	Kickoff        Kickoff      `json:"kickoff"`
	CurrentTask    *CurrentTask `json:"current_task"`
}

// Task is T, the task object of the seed's webhook schemas.
type Task struct {
	ID               int64        `json:"id"`
	Name             string       `json:"name"`
	Description      string       `json:"description"`
	Number           int          `json:"number"`
	DateStarted      *string      `json:"date_started"`
	DateStartedTsp   *float64     `json:"date_started_tsp"`
	DateCompleted    *string      `json:"date_completed"`
	DateCompletedTsp *float64     `json:"date_completed_tsp"`
	DueDate          *string      `json:"due_date"`
	DueDateTsp       *float64     `json:"due_date_tsp"`
	Output           []FieldValue `json:"output"`
	Performers       []Performer  `json:"performers"`
	Workflow         Workflow     `json:"workflow"`
}

// iso and tsp give an instant in the contract's two forms (§2).
func iso(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000Z")
	return &s
}

func tsp(t *time.Time) *float64 {
	if t == nil {
		return nil
	}
	v := float64(t.UnixMilli()) / 1000
	return &v
}

func fieldValue(wf *engine.Workflow, f *engine.Field) FieldValue {
	out := FieldValue{ID: f.ID, Type: f.Type, APIName: f.APIName, Name: f.Name, Description: f.Description,
		IsRequired: f.IsRequired, Order: f.Order, Selections: f.Selections, Attachments: []Attachment{}}
	if out.Selections == nil {
		out.Selections = []engine.Selection{}
	}
	if t := wf.FieldTask(f); t != nil {
		id := t.ID
		out.TaskID = &id
	} else {
		id := wf.ID
		out.KickoffID = &id
	}
	if f.Value != "" {
		v := f.Value
		out.Value = &v
	}
	if f.UserID != 0 {
		u := f.UserID
		out.UserID = &u
	}
	for _, a := range f.Attachments {
		out.Attachments = append(out.Attachments, Attachment{ID: a.ID, Name: a.Name, URL: a.URL})
	}
	return out
}

// FieldValues renders fields as the contract's field value objects.
func FieldValues(wf *engine.Workflow, fs []*engine.Field) []FieldValue {
	out := make([]FieldValue, 0, len(fs))
	for _, f := range fs {
		out = append(out, fieldValue(wf, f))
	}
	return out
}

func performers(t *engine.Task, users Users) []Performer {
	out := make([]Performer, 0, len(t.Performers))
	for _, p := range t.Performers {
		pf := Performer{ID: p.UserID}
		if users != nil {
			if u, ok := users.User(p.UserID); ok {
				pf.FirstName, pf.LastName = u.FirstName, u.LastName
			}
		}
		out = append(out, pf)
	}
	return out
}

// currentTask is the active (or snoozed) task; when there is none, the
// workflow's current one per the engine (done: the last completed), else
// the last task, so that receivers always get an object.
func currentTask(wf *engine.Workflow) *engine.Task {
	if t := wf.Current(); t != nil {
		return t
	}
	var last *engine.Task
	for _, t := range wf.Tasks {
		if last == nil || t.Number > last.Number {
			last = t
		}
	}
	return last
}

// WorkflowPayload builds W from the workflow as it is now.
func WorkflowPayload(wf *engine.Workflow, users Users) Workflow {
	out := Workflow{ID: wf.ID, Name: wf.Name, Status: wf.Status, DateCreated: iso(&wf.DateCreated),
		DateCreatedTsp: tsp(&wf.DateCreated), Template: &TemplateRef{ID: wf.TemplateID, Name: wf.TemplateName},
		Kickoff: Kickoff{ID: wf.ID, Description: wf.KickoffDescription, Output: FieldValues(wf, wf.KickoffFields())}}
	if t := currentTask(wf); t != nil {
		out.CurrentTask = &CurrentTask{ID: t.ID, Name: t.Name, Description: t.Description, Number: t.Number,
			DateStarted: iso(t.DateStarted), DateStartedTsp: tsp(t.DateStarted), DateCompleted: iso(t.DateCompleted),
			DateCompletedTsp: tsp(t.DateCompleted), DueDate: iso(t.DueDate), DueDateTsp: tsp(t.DueDate),
			Performers: performers(t, users)}
	}
	return out
}

// TaskPayload builds T for a task of the workflow as it is now.
func TaskPayload(wf *engine.Workflow, t *engine.Task, users Users) Task {
	return Task{ID: t.ID, Name: t.Name, Description: t.Description, Number: t.Number,
		DateStarted: iso(t.DateStarted), DateStartedTsp: tsp(t.DateStarted), DateCompleted: iso(t.DateCompleted),
		DateCompletedTsp: tsp(t.DateCompleted), DueDate: iso(t.DueDate), DueDateTsp: tsp(t.DueDate),
		Output: FieldValues(wf, wf.TaskFields(t)), Performers: performers(t, users), Workflow: WorkflowPayload(wf, users)}
}

// Subject is what a payload is about: the workflow, plus the task for task
// events.
type Subject struct {
	Workflow *Workflow
	Task     *Task
}

// NewSubject snapshots the subject of an event (t is nil for workflow events).
func NewSubject(wf *engine.Workflow, t *engine.Task, users Users) Subject {
	if t != nil {
		tp := TaskPayload(wf, t, users)
		return Subject{Task: &tp}
	}
	w := WorkflowPayload(wf, users)
	return Subject{Workflow: &w}
}

// Body is the JSON of a delivery: {"hook": …, "workflow": W} or
// {"hook": …, "task": T}.
func Body(h Hook, s Subject) ([]byte, error) {
	if s.Task != nil {
		return marshal(struct {
			Hook Hook  `json:"hook"`
			Task *Task `json:"task"`
		}{h, s.Task})
	}
	return marshal(struct {
		Hook     Hook      `json:"hook"`
		Workflow *Workflow `json:"workflow"`
	}{h, s.Workflow})
}

// marshal is json.Marshal without HTML escaping, so that names with < or &
// read as written.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
