// Package template holds the template document (the design a workflow is run
// from), its parsing from request bodies, api_name and id assignment, and the
// validation rules of saving and activation. It does no I/O.
package template

// Field types.
const (
	TypeString   = "string"
	TypeText     = "text"
	TypeRadio    = "radio"
	TypeCheckbox = "checkbox"
	TypeDropdown = "dropdown"
	TypeDate     = "date"
	TypeURL      = "url"
	TypeFile     = "file"
	TypeUser     = "user"
	TypeNumber   = "number"
)

// FieldTypes lists every field type, in the order the contract gives.
var FieldTypes = []string{TypeString, TypeText, TypeRadio, TypeCheckbox, TypeDropdown, TypeDate, TypeURL, TypeFile, TypeUser, TypeNumber}

// HasSelections reports whether a field type takes selections.
func HasSelections(fieldType string) bool {
	return fieldType == TypeRadio || fieldType == TypeCheckbox || fieldType == TypeDropdown
}

// Performer types.
const (
	PerformerUser    = "user"
	PerformerGroup   = "group"
	PerformerField   = "field"
	PerformerStarter = "workflow_starter"
)

// Condition actions.
const (
	ActionStartTask  = "start_task"
	ActionSkipTask   = "skip_task"
	ActionEndProcess = "end_process"
)

// Due date rules (the output spelling, with spaces).
const (
	RuleAfterTaskStarted     = "after task started"
	RuleAfterTaskCompleted   = "after task completed"
	RuleAfterWorkflowStarted = "after workflow started"
	RuleAfterField           = "after field"
	RuleBeforeField          = "before field"
)

// System variables usable in {{...}} besides field api_names.
var SystemVariables = []string{"workflow-starter", "template-name", "date"}

// Template is a template document: what is stored as a version and what a
// workflow is run from. Every nested object carries an id and an api_name.
type Template struct {
	ID               int64   `json:"id"`
	Name             string  `json:"name"`
	Description      string  `json:"description"`
	IsActive         bool    `json:"is_active"`
	IsPublic         bool    `json:"is_public"`
	IsEmbedded       bool    `json:"is_embedded"`
	PublicSuccessURL *string `json:"public_success_url"`
	Finalizable      bool    `json:"finalizable"`
	Owners           []int64 `json:"template_owners"`
	Kickoff          Kickoff `json:"kickoff"`
	Tasks            []Task  `json:"tasks"`
}

// Kickoff is the form filled in when a workflow is run.
type Kickoff struct {
	ID          int64   `json:"id"`
	Description string  `json:"description"`
	Fields      []Field `json:"fields"`
}

// Field is a kickoff field or a task output field.
type Field struct {
	ID          int64       `json:"id"`
	APIName     string      `json:"api_name"`
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	Description string      `json:"description"`
	Default     string      `json:"default"`
	IsRequired  bool        `json:"is_required"`
	Order       int         `json:"order"`
	Selections  []Selection `json:"selections"`
}

// Selection is one option of a radio, checkbox or dropdown field.
type Selection struct {
	ID      int64  `json:"id"`
	APIName string `json:"api_name"`
	Value   string `json:"value"`
}

// Task is one numbered step of the template.
type Task struct {
	ID                     int64       `json:"id"`
	APIName                string      `json:"api_name"`
	Number                 int         `json:"number"`
	Name                   string      `json:"name"`
	Description            string      `json:"description"`
	Delay                  *int64      `json:"delay"` // seconds; nil when there is none
	RequireCompletionByAll bool        `json:"require_completion_by_all"`
	DueDate                *DueDate    `json:"raw_due_date"`
	Performers             []Performer `json:"raw_performers"`
	Fields                 []Field     `json:"fields"`
	Checklists             []Checklist `json:"checklists"`
	Conditions             []Condition `json:"conditions"`
}

// DueDate is a task's due date rule.
type DueDate struct {
	ID             int64   `json:"id"`
	APIName        string  `json:"api_name"`
	Duration       int64   `json:"duration"` // seconds
	DurationMonths int     `json:"duration_months"`
	Rule           string  `json:"rule"`
	SourceID       *string `json:"source_id"`
}

// Performer is a raw performer: resolved to users when the task starts.
type Performer struct {
	ID       int64   `json:"id"`
	APIName  string  `json:"api_name"`
	Type     string  `json:"type"`
	SourceID *string `json:"source_id"`
}

// Checklist is a list of items to tick before a task can be completed.
type Checklist struct {
	ID      int64           `json:"id"`
	APIName string          `json:"api_name"`
	Items   []ChecklistItem `json:"selections"`
}

// ChecklistItem is one item of a checklist; Value may hold {{variables}}.
type ChecklistItem struct {
	ID      int64  `json:"id"`
	APIName string `json:"api_name"`
	Value   string `json:"value"`
}

// Condition decides, when a task's turn comes, whether it starts, is skipped
// or ends the workflow. It holds when any rule holds.
type Condition struct {
	ID      int64  `json:"id"`
	APIName string `json:"api_name"`
	Action  string `json:"action"`
	Order   int    `json:"order"`
	Rules   []Rule `json:"rules"`
}

// Rule holds when all of its predicates hold.
type Rule struct {
	ID         int64       `json:"id"`
	APIName    string      `json:"api_name"`
	Predicates []Predicate `json:"predicates"`
}

// Predicate compares a field's value with Value. For selection fields Value
// is the selection's api_name; for user fields a user id; for dates an instant.
type Predicate struct {
	ID        int64   `json:"id"`
	APIName   string  `json:"api_name"`
	FieldType string  `json:"field_type"`
	Field     string  `json:"field"`
	Operator  string  `json:"operator"`
	Value     *string `json:"value"`
}

// AllFields returns the kickoff fields then each task's fields, tasks in
// number order as stored.
func (t *Template) AllFields() []Field {
	out := append([]Field(nil), t.Kickoff.Fields...)
	for _, task := range t.Tasks {
		out = append(out, task.Fields...)
	}
	return out
}

// TaskByNumber returns the task with this number, or nil.
func (t *Template) TaskByNumber(n int) *Task {
	for i := range t.Tasks {
		if t.Tasks[i].Number == n {
			return &t.Tasks[i]
		}
	}
	return nil
}
