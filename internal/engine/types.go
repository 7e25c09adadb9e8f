// Package engine is the workflow engine as pure code: a workflow aggregate
// (the workflow, its tasks, field values, performers and checklists) and the
// operations that move it (run, advance, complete, return, snooze, resume,
// finish). It does no I/O: lookups go through the Directory interface and the
// caller persists what changed.
package engine

import "time"

// Workflow statuses (integers on the wire).
const (
	StatusRunning = 0
	StatusDone    = 1
	StatusDelayed = 3
)

// Task statuses.
const (
	TaskPending   = "pending"
	TaskActive    = "active"
	TaskSnoozed   = "snoozed"
	TaskCompleted = "completed"
	TaskSkipped   = "skipped"
)

// User is what the engine needs to know about a user of the account.
type User struct {
	ID        int64
	Email     string
	FirstName string
	LastName  string
	Active    bool
	IsAdmin   bool
	IsOwner   bool
}

// Attachment is an uploaded file as shown in field values.
type Attachment struct {
	ID   int64
	Name string
	URL  string
}

// Directory answers the engine's questions about the account. The app layer
// implements it over the database (inside the transaction); tests use maps.
type Directory interface {
	// User returns any user of the account, active or not.
	User(id int64) (User, bool)
	// UserByEmail finds a user of the account by e-mail, case-insensitively.
	UserByEmail(email string) (User, bool)
	// GroupMembers returns the user ids of a group of the account.
	GroupMembers(groupID int64) ([]int64, bool)
	// FreeAttachment returns an uploaded attachment of the account that no
	// field uses yet (or that field fieldID already uses).
	FreeAttachment(id int64, fieldID int64) (Attachment, bool)
	// OwnerID is the account owner's user id.
	OwnerID() int64
}

// Selection is one option of a workflow field, copied from the template.
type Selection struct {
	ID         int64  `json:"id"`
	APIName    string `json:"api_name"`
	Value      string `json:"value"`
	IsSelected bool   `json:"is_selected"`
}

// Field is a kickoff value or a task output of a workflow.
type Field struct {
	ID          int64
	TaskID      int64 // 0 for kickoff fields
	APIName     string
	Type        string
	Name        string
	Description string
	IsRequired  bool
	Order       int
	// Value is the canonical text: the string, the selected value(s) joined
	// by ", ", the ISO instant of a date, the user id, the number, or the
	// attachment URLs joined by ", ". Empty means no value.
	Value       string
	UserID      int64
	Selections  []Selection
	Attachments []Attachment

	Dirty bool // changed since loaded

	task *Task // the owning task before ids exist (nil for kickoff)
}

// SetTask links a loaded field to its task.
func (f *Field) SetTask(t *Task) { f.task = t }

// Performer is a user who may act on a task.
type Performer struct {
	UserID        int64
	GroupID       int64 // the group that brought the user, 0 when direct
	IsCompleted   bool
	DateCompleted *time.Time

	New   bool // added since loaded
	Dirty bool
	// Row is the stored row as the store last read or wrote it, so that
	// it rewrites only rows whose columns change; the engine ignores it.
	Row PerformerRow
}

// PerformerRow is a performer's stored columns (times in microseconds, 0
// for none), including those derived from its task and workflow.
type PerformerRow struct {
	Valid                        bool
	GroupID                      int64
	IsCompleted, Inbox, IsUrgent bool
	DateCompleted, DateStarted   int64
	// What an inbox page shows of the task and workflow (migration 0012).
	DueDate, TemplateTaskID int64
	TaskName, WorkflowName  string
}

// ChecklistItem is one rendered item of a task's checklist.
type ChecklistItem struct {
	ID         int64
	APIName    string
	Template   string // the template text with {{variables}}
	Value      string // rendered
	IsSelected bool
	Dirty      bool
}

// Checklist belongs to one task.
type Checklist struct {
	ID      int64
	APIName string
	Items   []ChecklistItem
}

// Delay is a task's waiting time before it becomes active.
type Delay struct {
	Duration     time.Duration
	Start        *time.Time
	End          *time.Time
	EstimatedEnd *time.Time
}

// Task is one task of a workflow.
type Task struct {
	ID                     int64
	TemplateTaskID         int64
	Number                 int
	APIName                string
	Name                   string // rendered
	Description            string // rendered
	Status                 string
	RequireCompletionByAll bool
	DateStarted            *time.Time
	DateFirstStarted       *time.Time
	DateCompleted          *time.Time
	DueDate                *time.Time
	IsUrgent               bool
	Delay                  *Delay // nil when the template task has no delay
	Performers             []Performer
	Checklists             []Checklist
	Removed                []int64 // performer user ids taken off since loaded

	Dirty bool
}

// Workflow is the aggregate the engine works on.
type Workflow struct {
	ID                 int64
	AccountID          int64
	TemplateID         int64
	TemplateVersionID  int64
	TemplateName       string
	Name               string
	Description        string
	Status             int
	StarterID          int64 // 0 for external runs
	IsExternal         bool
	IsUrgent           bool
	Finalizable        bool
	DueDate            *time.Time
	DateCreated        time.Time
	DateCompleted      *time.Time
	SnoozedUntil       *time.Time // manual snooze end
	KickoffDescription string
	Tasks              []*Task
	Fields             []*Field

	Dirty bool
	// Version is the stored revision the aggregate was read at (the
	// store's; the engine does not use it).
	Version int64
}

// Event types (the integers of the API).
const (
	EventRun                = 0
	EventComplete           = 1
	EventTaskStarted        = 2
	EventTaskCompleted      = 3
	EventTaskReturned       = 4
	EventComment            = 5
	EventEnded              = 6
	EventDelayed            = 7
	EventTaskSkipped        = 9
	EventEndedByCondition   = 10
	EventUrgent             = 11
	EventNotUrgent          = 12
	EventSkippedNoPerformer = 13
	EventResumed            = 16
	EventSnoozed            = 17
	EventDueDateChanged     = 18
)

// Event is one entry of a workflow's history, produced by an operation.
type Event struct {
	Type   int
	Text   string
	UserID int64
	Task   *Task // nil for workflow-level events
}

// Webhook events an operation asks to send, in order.
const (
	HookWorkflowStarted   = "workflow_started"
	HookWorkflowCompleted = "workflow_completed"
	HookTaskCompleted     = "task_completed_v2"
	HookTaskReturned      = "task_returned"
)

// Hook is a webhook to send about a task (Task set) or the workflow.
type Hook struct {
	Event string
	Task  *Task
}

// Wake asks the caller to schedule a resume of the workflow at At (a task
// delay's end or a manual snooze's end).
type Wake struct {
	At time.Time
}

// Outcome collects the side effects of an operation for the caller to persist.
type Outcome struct {
	Events []Event
	Hooks  []Hook
	Wakes  []Wake
}
