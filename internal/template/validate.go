package template

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// Directory answers Validate's and PerformerLabel's questions about the
// caller's account.
type Directory interface {
	// UserExists reports whether id is a user of the account, in any status.
	UserExists(id int64) bool
	// GroupExists reports whether id is a group of the account.
	GroupExists(id int64) bool
	// GroupName returns the name of a group of the account.
	GroupName(id int64) (string, bool)
	// UserName returns the display name of a user of the account:
	// "First Last" (PerformerLabel trims it).
	UserName(id int64) (string, bool)
}

// Validate checks the rules of a save on a parsed, assigned (and
// normalized) template; shape and types are Parse's. Every problem found is
// returned in one *problem.Error of kind Invalid: problems of nested objects
// name their api_name, template-level ones the request field.
//
// Every save, draft or not, checks: api_name syntax and uniqueness per kind;
// template_owners are users of the account; no user field is optional;
// selection values are unique within a field; enums (performer types, rules,
// actions, predicate field types and operators); and every reference that is
// present resolves: user and group performers exist, field performers name a
// user field, due-date sources name a task or a date field (or are null for
// "after workflow started"), predicates name a field of their field_type and
// carry a value of the right kind (number, date, user id, selection).
//
// An active template (t.IsActive) must also be complete: ≥1 task, numbered
// exactly 1..N; every task has a name and ≥1 performer, none repeated;
// selection fields have ≥1 selection with a value; references are present
// where needed and point only backwards (a kickoff field or a field of a
// lower-numbered task; "after task completed" an earlier task, "after task
// started" an earlier task or itself); conditions have rules and rules
// predicates; non-unary predicates have a value; and every {{variable}} in
// task names, descriptions and checklist items names an available field or
// a system variable. A draft skips these, so it may be saved unfinished.
//
// Validate first runs NormalizePredicates on t, so that selection predicate
// values are stored as api_names: this is the one change it makes to t.
// Run it after Assign, which gives selections the ids values may name.
func Validate(t *Template, dir Directory) error {
	NormalizePredicates(t)
	if dir == nil {
		dir = noDirectory{}
	}
	v := &validator{t: t, dir: dir, active: t.IsActive, fields: map[string]fieldRef{}, tasks: map[string]*Task{}}
	// An oversized template is refused before the other checks: they, the
	// engine and every workflow run from it cost time in proportion to it.
	v.limits()
	if len(v.errs.Details) > 0 {
		return v.errs.Err()
	}
	v.index()
	v.template()
	v.apiNames()
	for i := range t.Kickoff.Fields {
		v.field(&t.Kickoff.Fields[i])
	}
	for i := range t.Tasks {
		v.task(&t.Tasks[i])
	}
	return v.errs.Err()
}

// Size limits of one template. The JSON body is at most 1 MiB already; these
// bound what a body of that size could still ask for (tens of thousands of
// one-line tasks), so that a save, a run and every step of the engine stay
// cheap. Each is far above what a person designs by hand.
const (
	MaxTasks          = 500  // tasks of a template
	MaxFields         = 500  // fields of the kickoff, and of each task
	MaxSelections     = 1000 // selections of one field
	MaxPerformers     = 500  // raw performers of one task
	MaxChecklists     = 100  // checklists of one task
	MaxChecklistItems = 1000 // items of one checklist
	MaxConditions     = 100  // conditions of one task
	MaxRules          = 100  // rules of one condition
	MaxPredicates     = 100  // predicates of one rule
	MaxTemplateOwners = 1000 // template_owners
)

// limits checks the size limits; every problem names the request field or
// the api_name of the object that is too big.
func (v *validator) limits() {
	t := v.t
	if len(t.Tasks) > MaxTasks {
		v.byName("tasks", "A template may have at most %d tasks.", MaxTasks)
	}
	if len(t.Owners) > MaxTemplateOwners {
		v.byName("template_owners", "A template may have at most %d owners.", MaxTemplateOwners)
	}
	selections := func(fs []Field) {
		for i := range fs {
			if len(fs[i].Selections) > MaxSelections {
				v.byAPIName(fs[i].APIName, "A field may have at most %d selections.", MaxSelections)
			}
		}
	}
	if len(t.Kickoff.Fields) > MaxFields {
		v.byName("kickoff", "The kickoff form may have at most %d fields.", MaxFields)
	}
	selections(t.Kickoff.Fields)
	for i := range t.Tasks {
		task := &t.Tasks[i]
		if len(task.Fields) > MaxFields {
			v.byAPIName(task.APIName, "Task %d: a task may have at most %d fields.", task.Number, MaxFields)
		}
		selections(task.Fields)
		if len(task.Performers) > MaxPerformers {
			v.byAPIName(task.APIName, "Task %d: a task may have at most %d performers.", task.Number, MaxPerformers)
		}
		if len(task.Checklists) > MaxChecklists {
			v.byAPIName(task.APIName, "Task %d: a task may have at most %d checklists.", task.Number, MaxChecklists)
		}
		for _, c := range task.Checklists {
			if len(c.Items) > MaxChecklistItems {
				v.byAPIName(c.APIName, "Task %d: a checklist may have at most %d items.", task.Number, MaxChecklistItems)
			}
		}
		if len(task.Conditions) > MaxConditions {
			v.byAPIName(task.APIName, "Task %d: a task may have at most %d conditions.", task.Number, MaxConditions)
		}
		for _, c := range task.Conditions {
			if len(c.Rules) > MaxRules {
				v.byAPIName(c.APIName, "Task %d: a condition may have at most %d rules.", task.Number, MaxRules)
			}
			for _, r := range c.Rules {
				if len(r.Predicates) > MaxPredicates {
					v.byAPIName(r.APIName, "Task %d: a rule may have at most %d predicates.", task.Number, MaxPredicates)
				}
			}
		}
	}
}

// noDirectory is an account with nobody in it.
type noDirectory struct{}

func (noDirectory) UserExists(int64) bool          { return false }
func (noDirectory) GroupExists(int64) bool         { return false }
func (noDirectory) GroupName(int64) (string, bool) { return "", false }
func (noDirectory) UserName(int64) (string, bool)  { return "", false }

// fieldRef locates a field: in the kickoff, or in the task numbered number.
type fieldRef struct {
	f       *Field
	kickoff bool
	number  int
}

type validator struct {
	t      *Template
	dir    Directory
	active bool
	errs   problem.List
	fields map[string]fieldRef // by api_name; the first of duplicates
	tasks  map[string]*Task    // by api_name; the first of duplicates
}

func (v *validator) full() bool { return len(v.errs.Details) >= maxProblems }

func (v *validator) byName(name, format string, args ...any) {
	if !v.full() {
		v.errs.AddName(name, fmt.Sprintf(format, args...))
	}
}

func (v *validator) byAPIName(apiName, format string, args ...any) {
	if !v.full() {
		v.errs.AddAPIName(apiName, fmt.Sprintf(format, args...))
	}
}

func (v *validator) index() {
	for i := range v.t.Kickoff.Fields {
		f := &v.t.Kickoff.Fields[i]
		if _, dup := v.fields[f.APIName]; !dup {
			v.fields[f.APIName] = fieldRef{f: f, kickoff: true}
		}
	}
	for i := range v.t.Tasks {
		task := &v.t.Tasks[i]
		if _, dup := v.tasks[task.APIName]; !dup {
			v.tasks[task.APIName] = task
		}
		for j := range task.Fields {
			f := &task.Fields[j]
			if _, dup := v.fields[f.APIName]; !dup {
				v.fields[f.APIName] = fieldRef{f: f, number: task.Number}
			}
		}
	}
}

// availableTo reports whether a task numbered n may use field r: kickoff
// fields and fields of lower-numbered tasks are filled in before it starts.
func (r fieldRef) availableTo(n int) bool { return r.kickoff || r.number < n }

func (v *validator) template() {
	t := v.t
	if strings.TrimSpace(t.Name) == "" {
		v.byName("name", "A template needs a name.")
	} else if utf8.RuneCountInString(t.Name) > MaxTemplateName {
		v.byName("name", "The template name must be at most %d characters long.", MaxTemplateName)
	}
	for _, id := range t.Owners {
		if id <= 0 || !v.dir.UserExists(id) {
			v.byName("template_owners", "Template owner %d is not a user of this account.", id)
		}
	}
	if !v.active {
		return
	}
	if len(t.Tasks) == 0 {
		v.byName("tasks", "Tasks data not provided, one task required.")
		return
	}
	numbers := make([]int, 0, len(t.Tasks))
	for _, task := range t.Tasks {
		numbers = append(numbers, task.Number)
	}
	slices.Sort(numbers)
	for i, n := range numbers {
		if n != i+1 {
			v.byName("tasks", "Incorrect tasks order: task numbers must be exactly 1 to %d, without gaps or repeats.", len(numbers))
			break
		}
	}
}

// kindLabels names the kinds in messages.
var kindLabels = map[string]string{
	KindTask: "task", KindField: "field", KindSelection: "selection", KindChecklist: "checklist",
	KindChecklistItem: "checklist item", KindCondition: "condition", KindRule: "rule",
	KindPredicate: "predicate", KindPerformer: "performer", KindDueDate: "due date",
}

// apiNames checks api_name syntax and uniqueness per kind: on update objects
// are matched by api_name, so two objects of a kind may not share one.
func (v *validator) apiNames() {
	seen := map[string]map[string]bool{}
	walk(v.t, func(kind string, api *string, _ *int64) {
		switch {
		case *api == "":
			v.byName("api_name", "A %s has no api_name.", kindLabels[kind])
		case !ValidAPIName(*api):
			v.byAPIName(*api, "An api_name is 1 to 200 characters of A-Z, a-z, 0-9, _ and -.")
		case seen[kind][*api]:
			v.byAPIName(*api, "The api_name %q is used by more than one %s.", *api, kindLabels[kind])
		default:
			if seen[kind] == nil {
				seen[kind] = map[string]bool{}
			}
			seen[kind][*api] = true
		}
	})
}

func (v *validator) field(f *Field) {
	if !slices.Contains(FieldTypes, f.Type) {
		v.byAPIName(f.APIName, "Field %q: the type must be one of %s.", f.Name, strings.Join(FieldTypes, ", "))
		return
	}
	if v.active && strings.TrimSpace(f.Name) == "" {
		v.byAPIName(f.APIName, "A field needs a name.")
	}
	if f.Type == TypeUser && !f.IsRequired {
		v.byAPIName(f.APIName, "A field with a type 'User' should be required.")
	}
	if !HasSelections(f.Type) {
		return
	}
	if v.active && len(f.Selections) == 0 {
		v.byAPIName(f.APIName, "Field %q: a %s field needs at least one selection.", f.Name, f.Type)
	}
	values := map[string]bool{}
	for _, s := range f.Selections {
		switch {
		case v.active && strings.TrimSpace(s.Value) == "":
			v.byAPIName(f.APIName, "Field %q: a selection needs a value.", f.Name)
		case values[s.Value]:
			v.byAPIName(f.APIName, "Field %q: the selection value %q is repeated.", f.Name, s.Value)
		}
		values[s.Value] = true
	}
}

func (v *validator) task(task *Task) {
	for i := range task.Fields {
		v.field(&task.Fields[i])
	}
	if v.active && strings.TrimSpace(task.Name) == "" {
		v.byAPIName(task.APIName, "Task %d needs a name.", task.Number)
	}
	if v.active && len(task.Performers) == 0 {
		v.byAPIName(task.APIName, "You should set task performers before setting template to active.")
	}
	seen := map[string]bool{}
	for i := range task.Performers {
		p := &task.Performers[i]
		v.performer(task, p)
		key := p.Type + "\x00" + deref(p.SourceID)
		if v.active && seen[key] {
			v.byAPIName(task.APIName, "One or more performers are repeated.")
		}
		seen[key] = true
	}
	if task.DueDate != nil {
		v.dueDate(task, task.DueDate)
	}
	for i := range task.Conditions {
		v.condition(task, &task.Conditions[i])
	}
	if v.active {
		v.variables(task)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// sourceInt reads a user or group source_id.
func sourceInt(s *string) (int64, bool) {
	if s == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(*s), 10, 64)
	return n, err == nil && n > 0
}

func (v *validator) performer(task *Task, p *Performer) {
	if p.SourceID == nil {
		if v.active && p.Type != PerformerStarter {
			v.byAPIName(p.APIName, "Task %d: a %s performer needs a source_id.", task.Number, p.Type)
		}
		return
	}
	src := *p.SourceID
	switch p.Type {
	case PerformerUser:
		if id, ok := sourceInt(p.SourceID); !ok || !v.dir.UserExists(id) {
			v.byAPIName(p.APIName, "Task %d: performer %q is not a user of this account.", task.Number, src)
		}
	case PerformerGroup:
		if id, ok := sourceInt(p.SourceID); !ok || !v.dir.GroupExists(id) {
			v.byAPIName(p.APIName, "Task %d: performer %q is not a group of this account.", task.Number, src)
		}
	case PerformerField:
		ref, ok := v.fields[src]
		switch {
		case !ok || ref.f.Type != TypeUser:
			v.byAPIName(p.APIName, "Task %d: performer field %q is not a user field of this template.", task.Number, src)
		case v.active && !ref.availableTo(task.Number):
			v.byAPIName(p.APIName, "Task %d: performer field %q must be a kickoff field or a field of an earlier task.", task.Number, src)
		}
	case PerformerStarter:
	default:
		v.byAPIName(p.APIName, "Task %d: unknown performer type %q.", task.Number, p.Type)
	}
}

func (v *validator) dueDate(task *Task, due *DueDate) {
	if due.Duration < 0 || due.DurationMonths < 0 {
		v.byAPIName(due.APIName, "Task %d: a due date cannot be negative.", task.Number)
	}
	switch due.Rule {
	case RuleAfterWorkflowStarted:
		if due.SourceID != nil {
			v.byAPIName(due.APIName, "Task %d: the rule %q takes no source_id.", task.Number, due.Rule)
		}
		return
	case RuleAfterTaskStarted, RuleAfterTaskCompleted, RuleAfterField, RuleBeforeField:
	default:
		v.byAPIName(due.APIName, "Task %d: unknown due date rule %q.", task.Number, due.Rule)
		return
	}
	if due.SourceID == nil {
		if v.active {
			v.byAPIName(due.APIName, "Task %d: the rule %q needs a source_id.", task.Number, due.Rule)
		}
		return
	}
	src := *due.SourceID
	if due.Rule == RuleAfterField || due.Rule == RuleBeforeField {
		ref, ok := v.fields[src]
		switch {
		case !ok || ref.f.Type != TypeDate:
			v.byAPIName(due.APIName, "Task %d: due date source %q is not a date field of this template.", task.Number, src)
		case v.active && !ref.availableTo(task.Number):
			v.byAPIName(due.APIName, "Task %d: due date field %q must be a kickoff field or a field of an earlier task.", task.Number, src)
		}
		return
	}
	other, ok := v.tasks[src]
	switch {
	case !ok:
		v.byAPIName(due.APIName, "Task %d: due date source %q is not a task of this template.", task.Number, src)
	case !v.active:
	case due.Rule == RuleAfterTaskStarted && other.Number > task.Number:
		v.byAPIName(due.APIName, "Task %d: %q must name this task or an earlier one.", task.Number, due.Rule)
	case due.Rule == RuleAfterTaskCompleted && other.Number >= task.Number:
		v.byAPIName(due.APIName, "Task %d: %q must name an earlier task.", task.Number, due.Rule)
	}
}

func (v *validator) condition(task *Task, c *Condition) {
	if !slices.Contains(actions, c.Action) {
		v.byAPIName(c.APIName, "Task %d: the condition action must be one of %s.", task.Number, strings.Join(actions, ", "))
	}
	if v.active && len(c.Rules) == 0 {
		v.byAPIName(c.APIName, "Task %d: a condition needs at least one rule.", task.Number)
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if v.active && len(r.Predicates) == 0 {
			v.byAPIName(r.APIName, "Task %d: a condition rule needs at least one predicate.", task.Number)
		}
		for j := range r.Predicates {
			v.predicate(task, &r.Predicates[j])
		}
	}
}

func (v *validator) predicate(task *Task, p *Predicate) {
	if !slices.Contains(FieldTypes, p.FieldType) {
		v.byAPIName(p.APIName, "Task %d: the predicate field_type must be one of %s.", task.Number, strings.Join(FieldTypes, ", "))
		return
	}
	if !slices.Contains(Operators, p.Operator) {
		v.byAPIName(p.APIName, "Task %d: unknown operator %q.", task.Number, p.Operator)
		return
	}
	if !OperatorAllowed(p.FieldType, p.Operator) {
		v.byAPIName(p.APIName, "Task %d: the operator %q does not apply to %s fields.", task.Number, p.Operator, p.FieldType)
		return
	}
	var ref fieldRef
	var found bool
	if p.Field == "" {
		if v.active {
			v.byAPIName(p.APIName, "Task %d: a predicate needs a field.", task.Number)
		}
	} else if ref, found = v.fields[p.Field]; !found {
		v.byAPIName(p.APIName, "Task %d: the predicate field %q is not a field of this template.", task.Number, p.Field)
	} else if ref.f.Type != p.FieldType {
		v.byAPIName(p.APIName, "Task %d: the predicate field %q is a %s field, not %s.", task.Number, p.Field, ref.f.Type, p.FieldType)
		found = false
	} else if v.active && !ref.availableTo(task.Number) {
		v.byAPIName(p.APIName, "Task %d: the predicate field %q must be a kickoff field or a field of an earlier task.", task.Number, p.Field)
	}
	if IsUnary(p.Operator) {
		return
	}
	if p.Value == nil {
		if v.active {
			v.byAPIName(p.APIName, "Task %d: the operator %q needs a value.", task.Number, p.Operator)
		}
		return
	}
	val := *p.Value
	switch p.FieldType {
	case TypeNumber:
		if !IsNumber(val) {
			v.byAPIName(p.APIName, "Task %d: %q is not a number.", task.Number, val)
		}
	case TypeDate:
		if _, ok := ParseDate(val); !ok {
			v.byAPIName(p.APIName, "Task %d: %q is not a date (ISO 8601 or Unix seconds).", task.Number, val)
		}
	case TypeUser:
		if id, ok := sourceInt(&val); !ok || !v.dir.UserExists(id) {
			v.byAPIName(p.APIName, "Task %d: %q is not a user of this account.", task.Number, val)
		}
	case TypeRadio, TypeCheckbox, TypeDropdown:
		if found {
			if _, ok := FindSelection(ref.f, val); !ok {
				v.byAPIName(p.APIName, "Task %d: %q is not a selection of field %q.", task.Number, val, p.Field)
			}
		}
	}
}

// variables checks that every {{variable}} of a task's texts is available.
func (v *validator) variables(task *Task) {
	check := func(apiName, what, s string) {
		for _, name := range VariableNames(s) {
			if slices.Contains(SystemVariables, name) {
				continue
			}
			if ref, ok := v.fields[name]; !ok || !ref.availableTo(task.Number) {
				v.byAPIName(apiName, "Task %d: {{%s}} in the %s is not a kickoff field or a field of an earlier task.",
					task.Number, name, what)
			}
		}
	}
	check(task.APIName, "name", task.Name)
	check(task.APIName, "description", task.Description)
	for _, c := range task.Checklists {
		for _, item := range c.Items {
			check(item.APIName, "checklist", item.Value)
		}
	}
}
