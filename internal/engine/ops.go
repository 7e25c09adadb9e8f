package engine

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// Messages of the contract (§5.4, §5.6), quoted exactly.
const (
	MsgResumeFirst   = "You need to resume the workflow before completing the task."
	MsgWorkflowDone  = "You have already completed this workflow."
	MsgNotCurrent    = "Available for current task only."
	MsgTaskDone      = "You have already completed this task."
	MsgNoPermission  = "You don't have permission for complete the task."
	MsgChecklist     = "Check off all the items in the checklist before completing the task."
	MsgCannotFinish  = "You are not allowed to finish this workflow."
	MsgFirstTask     = "You can't revert from the first task."
	MsgDisabled      = "Your template is disabled. Please, enable this template before running."
	maxWorkflowName  = 120
	defaultNameStamp = "2006-01-02 15:04"
)

// Env is what every operation is given: the clock, the account directory,
// and the template version the workflow runs.
type Env struct {
	Now      time.Time
	Dir      Directory
	Template *template.Template
}

// RunInput is the body of a run.
type RunInput struct {
	Name       string
	Kickoff    map[string]any
	IsUrgent   bool
	DueDate    *time.Time
	StarterID  int64 // 0 for an external (public form) run
	IsExternal bool
}

// NewWorkflow builds a workflow from a template version: every task
// pending, every field created, kickoff values validated. Nothing is started.
func NewWorkflow(env Env, templateID int64, in RunInput) (*Workflow, error) {
	t := env.Template
	wf := &Workflow{
		TemplateID:         templateID,
		TemplateName:       t.Name,
		Description:        t.Description,
		KickoffDescription: t.Kickoff.Description,
		Status:             StatusRunning,
		StarterID:          in.StarterID,
		IsExternal:         in.IsExternal,
		IsUrgent:           in.IsUrgent,
		Finalizable:        t.Finalizable,
		DueDate:            in.DueDate,
		DateCreated:        env.Now,
		Dirty:              true,
	}
	for _, f := range t.Kickoff.Fields {
		wf.Fields = append(wf.Fields, newField(f, nil))
	}
	for i := range t.Tasks {
		tt := &t.Tasks[i]
		task := &Task{
			TemplateTaskID:         tt.ID,
			Number:                 tt.Number,
			APIName:                tt.APIName,
			Name:                   tt.Name,
			Description:            tt.Description,
			Status:                 TaskPending,
			RequireCompletionByAll: tt.RequireCompletionByAll,
			IsUrgent:               in.IsUrgent,
			Dirty:                  true,
		}
		if tt.Delay != nil && *tt.Delay > 0 {
			task.Delay = &Delay{Duration: time.Duration(*tt.Delay) * time.Second}
		}
		for _, cl := range tt.Checklists {
			c := Checklist{ID: cl.ID, APIName: cl.APIName}
			for _, it := range cl.Items {
				c.Items = append(c.Items, ChecklistItem{APIName: it.APIName, Template: it.Value, Value: it.Value, Dirty: true})
			}
			task.Checklists = append(task.Checklists, c)
		}
		wf.Tasks = append(wf.Tasks, task)
		for _, f := range tt.Fields {
			wf.Fields = append(wf.Fields, newField(f, task))
		}
	}
	if err := ApplyInputs(wf.KickoffFields(), in.Kickoff, env.Dir, true); err != nil {
		return nil, err
	}
	wf.Name = workflowName(env, wf, in.Name)
	return wf, nil
}

func newField(f template.Field, task *Task) *Field {
	nf := &Field{APIName: f.APIName, Type: f.Type, Name: f.Name, Description: f.Description, IsRequired: f.IsRequired,
		Order: f.Order, Dirty: true, task: task}
	for _, s := range f.Selections {
		nf.Selections = append(nf.Selections, Selection{ID: s.ID, APIName: s.APIName, Value: s.Value})
	}
	return nf
}

// workflowName is the given name (or "<template> — <date>") with kickoff
// variables rendered, cut to 120 characters ending in "…".
func workflowName(env Env, wf *Workflow, given string) string {
	name := strings.TrimSpace(given)
	if name == "" {
		name = env.Template.Name + " — " + env.Now.UTC().Format(defaultNameStamp)
	} else {
		name = Render(name, wf.vars(env, 0))
	}
	if utf8.RuneCountInString(name) > maxWorkflowName {
		r := []rune(name)
		name = string(r[:maxWorkflowName-1]) + "…"
	}
	return name
}

// KickoffFields returns the kickoff's fields in order.
func (wf *Workflow) KickoffFields() []*Field {
	var out []*Field
	for _, f := range wf.Fields {
		if f.task == nil && f.TaskID == 0 {
			out = append(out, f)
		}
	}
	return out
}

// TaskFields returns a task's output fields.
func (wf *Workflow) TaskFields(t *Task) []*Field {
	var out []*Field
	for _, f := range wf.Fields {
		if f.task == t || (t.ID != 0 && f.TaskID == t.ID) {
			out = append(out, f)
		}
	}
	return out
}

// FieldTask returns the task a field belongs to (nil for the kickoff).
func (wf *Workflow) FieldTask(f *Field) *Task {
	if f.task != nil {
		return f.task
	}
	if f.TaskID == 0 {
		return nil
	}
	for _, t := range wf.Tasks {
		if t.ID == f.TaskID {
			f.task = t
			return t
		}
	}
	return nil
}

// TaskByID finds a task of the workflow.
func (wf *Workflow) TaskByID(id int64) *Task {
	for _, t := range wf.Tasks {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// TaskByNumber finds a task of the workflow.
func (wf *Workflow) TaskByNumber(n int) *Task {
	for _, t := range wf.Tasks {
		if t.Number == n {
			return t
		}
	}
	return nil
}

// Current is the task being worked on: the active or snoozed one; for a
// done workflow the last completed task; else nil.
func (wf *Workflow) Current() *Task {
	for _, t := range wf.Tasks {
		if t.Status == TaskActive || t.Status == TaskSnoozed {
			return t
		}
	}
	var last *Task
	for _, t := range wf.Tasks {
		if t.Status == TaskCompleted && (last == nil || t.Number > last.Number) {
			last = t
		}
	}
	if wf.Status == StatusDone {
		return last
	}
	return nil
}

// visibleFields are the fields whose values task number n may read: the
// kickoff and the outputs of lower-numbered tasks (n = 0: kickoff only).
func (wf *Workflow) visibleFields(n int) map[string]*Field {
	out := map[string]*Field{}
	for _, f := range wf.Fields {
		t := wf.FieldTask(f)
		if t == nil || t.Number < n {
			out[f.APIName] = f
		}
	}
	return out
}

func (wf *Workflow) vars(env Env, n int) map[string]string {
	var visible []*Field
	for _, f := range wf.visibleFields(n) {
		visible = append(visible, f)
	}
	vars := FieldVars(visible, env.Dir)
	starter := "Guest"
	if wf.StarterID != 0 {
		if u, ok := env.Dir.User(wf.StarterID); ok {
			starter = strings.TrimSpace(u.FirstName + " " + u.LastName)
			if starter == "" {
				starter = u.Email
			}
		}
	}
	vars["workflow-starter"] = starter
	vars["template-name"] = env.Template.Name
	vars["date"] = env.Now.UTC().Format("Jan 02, 2006, 03:04PM")
	return vars
}

func (wf *Workflow) templateTask(env Env, t *Task) *template.Task {
	for i := range env.Template.Tasks {
		if env.Template.Tasks[i].APIName == t.APIName {
			return &env.Template.Tasks[i]
		}
	}
	return nil
}

func (wf *Workflow) event(out *Outcome, typ int, user int64, t *Task, text string) {
	out.Events = append(out.Events, Event{Type: typ, Text: text, UserID: user, Task: t})
}

// Start begins a new workflow: the run event, then task 1's turn, then the
// workflow_started webhook (after the first task started or the run ended).
func Start(env Env, wf *Workflow, actor int64) Outcome {
	var out Outcome
	wf.event(&out, EventRun, actor, nil, "")
	wf.advance(env, &out, 1, false)
	// workflow_started goes before anything the start itself produced.
	out.Hooks = append([]Hook{{Event: HookWorkflowStarted}}, out.Hooks...)
	return out
}

// advance gives task n its turn (§5.3), skipping as needed; completedLast
// tells whether the previous task was completed (for the end event).
func (wf *Workflow) advance(env Env, out *Outcome, n int, completedLast bool) {
	for ; n <= len(wf.Tasks); n++ {
		t := wf.TaskByNumber(n)
		if t == nil {
			continue
		}
		tt := wf.templateTask(env, t)
		var conds []template.Condition
		if tt != nil {
			conds = tt.Conditions
		}
		switch Decide(conds, wf.visibleFields(n)) {
		case "end":
			wf.finish(env, out, EventEndedByCondition, 0)
			return
		case "skip":
			wf.render(env, t)
			wf.skip(out, t, EventTaskSkipped)
			completedLast = false
			continue
		}
		wf.render(env, t)
		performers := wf.resolvePerformers(env, tt)
		if len(performers) == 0 {
			wf.skip(out, t, EventSkippedNoPerformer)
			completedLast = false
			continue
		}
		t.setPerformers(performers)
		if t.Delay != nil && t.Delay.End == nil {
			now := env.Now
			end := now.Add(t.Delay.Duration)
			t.Delay.Start, t.Delay.EstimatedEnd = &now, &end
			t.Status = TaskSnoozed
			t.Dirty = true
			wf.Status = StatusDelayed
			wf.Dirty = true
			wf.event(out, EventDelayed, 0, t, "")
			out.Wakes = append(out.Wakes, Wake{At: end})
			return
		}
		wf.activate(env, out, t)
		return
	}
	if completedLast {
		wf.finish(env, out, EventComplete, 0)
	} else {
		wf.finish(env, out, EventEnded, 0)
	}
}

func (wf *Workflow) skip(out *Outcome, t *Task, eventType int) {
	t.Status = TaskSkipped
	t.DateStarted, t.DateCompleted, t.DueDate = nil, nil, nil
	t.Dirty = true
	wf.event(out, eventType, 0, t, "")
}

// render fills a task's name, description and checklist items from the
// fields it may see.
func (wf *Workflow) render(env Env, t *Task) {
	tt := wf.templateTask(env, t)
	if tt == nil {
		return
	}
	vars := wf.vars(env, t.Number)
	t.Name = Render(tt.Name, vars)
	t.Description = Render(tt.Description, vars)
	for ci := range t.Checklists {
		for ii := range t.Checklists[ci].Items {
			it := &t.Checklists[ci].Items[ii]
			if v := Render(it.Template, vars); v != it.Value {
				it.Value = v
				it.Dirty = true
			}
		}
	}
	t.Dirty = true
}

// resolvePerformers turns raw performers into active users, deduplicated.
func (wf *Workflow) resolvePerformers(env Env, tt *template.Task) []Performer {
	if tt == nil {
		return nil
	}
	var out []Performer
	seen := map[int64]bool{}
	add := func(uid, gid int64) {
		if uid == 0 || seen[uid] {
			return
		}
		u, ok := env.Dir.User(uid)
		if !ok || !u.Active {
			return
		}
		seen[uid] = true
		out = append(out, Performer{UserID: uid, GroupID: gid})
	}
	for _, p := range tt.Performers {
		switch p.Type {
		case template.PerformerUser:
			add(parseID(p.SourceID), 0)
		case template.PerformerGroup:
			gid := parseID(p.SourceID)
			members, _ := env.Dir.GroupMembers(gid)
			for _, m := range members {
				add(m, gid)
			}
		case template.PerformerField:
			if p.SourceID != nil {
				if f := wf.visibleFields(tt.Number)[*p.SourceID]; f != nil {
					add(f.UserID, 0)
				}
			}
		case template.PerformerStarter:
			if wf.StarterID != 0 && !wf.IsExternal {
				add(wf.StarterID, 0)
			} else {
				add(env.Dir.OwnerID(), 0)
			}
		}
	}
	return out
}

func parseID(s *string) int64 {
	if s == nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(*s), 10, 64)
	return n
}

// setPerformers replaces a task's performers, keeping rows of users who
// stay (their completion reset) so that the store can update in place.
func (t *Task) setPerformers(ps []Performer) {
	old := map[int64]int{}
	for i, p := range t.Performers {
		old[p.UserID] = i
	}
	var next []Performer
	for _, p := range ps {
		if i, ok := old[p.UserID]; ok {
			cur := t.Performers[i]
			cur.IsCompleted, cur.DateCompleted, cur.GroupID, cur.Dirty = false, nil, p.GroupID, true
			next = append(next, cur)
			delete(old, p.UserID)
			continue
		}
		p.New, p.Dirty = true, true
		next = append(next, p)
	}
	for uid := range old {
		t.Removed = append(t.Removed, uid)
	}
	t.Performers = next
	t.Dirty = true
}

// activate makes a task active: started now, due date computed, urgency
// copied, completion reset.
func (wf *Workflow) activate(env Env, out *Outcome, t *Task) {
	now := env.Now
	t.Status = TaskActive
	t.DateStarted = &now
	if t.DateFirstStarted == nil {
		t.DateFirstStarted = &now
	}
	t.DateCompleted = nil
	t.IsUrgent = wf.IsUrgent
	for i := range t.Performers {
		t.Performers[i].IsCompleted, t.Performers[i].DateCompleted, t.Performers[i].Dirty = false, nil, true
	}
	t.DueDate = wf.dueDate(env, t)
	t.Dirty = true
	wf.event(out, EventTaskStarted, 0, t, "")
}

func (wf *Workflow) dueDate(env Env, t *Task) *time.Time {
	tt := wf.templateTask(env, t)
	if tt == nil || tt.DueDate == nil {
		return nil
	}
	byAPI := func(api string) *Task {
		for _, x := range wf.Tasks {
			if x.APIName == api {
				return x
			}
		}
		return nil
	}
	fields := wf.visibleFields(t.Number)
	return DueDate(*tt.DueDate, DueAnchors{
		TaskFirstStarted: func(api string) *time.Time {
			if x := byAPI(api); x != nil {
				return x.DateFirstStarted
			}
			return nil
		},
		TaskCompleted: func(api string) *time.Time {
			if x := byAPI(api); x != nil && x.Status == TaskCompleted {
				return x.DateCompleted
			}
			return nil
		},
		WorkflowCreated: wf.DateCreated,
		FieldInstant: func(api string) *time.Time {
			f := fields[api]
			if f == nil || f.Value == "" {
				return nil
			}
			ti, err := ParseInstant(f.Value)
			if err != nil {
				return nil
			}
			return &ti
		},
	})
}

// finish ends the workflow (done): by completion, condition, or /finish.
func (wf *Workflow) finish(env Env, out *Outcome, eventType int, user int64) {
	now := env.Now
	wf.Status = StatusDone
	wf.DateCompleted = &now
	wf.IsUrgent = false
	wf.SnoozedUntil = nil
	wf.Dirty = true
	for _, t := range wf.Tasks {
		if t.IsUrgent {
			t.IsUrgent = false
			t.Dirty = true
		}
		if t.Status == TaskSnoozed {
			// A waiting task does not outlive its workflow's end.
			t.Status = TaskPending
			t.Dirty = true
		}
	}
	wf.event(out, eventType, user, nil, "")
	out.Hooks = append(out.Hooks, Hook{Event: HookWorkflowCompleted})
}

// Actor is who asks for an action.
type Actor struct {
	UserID  int64
	IsAdmin bool
	IsOwner bool
}

// CompleteInput is the body of a completion.
type CompleteInput struct {
	TaskID   int64
	OnBehalf int64 // user_id; 0 when absent
	Output   map[string]any
}

// Complete records a performer's completion of the current task (§5.4) and,
// when the task completes, moves the workflow on.
func Complete(env Env, wf *Workflow, actor Actor, in CompleteInput) (Outcome, error) {
	var out Outcome
	acting := actor.UserID
	if in.OnBehalf != 0 && in.OnBehalf != actor.UserID {
		if !actor.IsAdmin {
			return out, problem.Forbid("You may complete a task on behalf of another user only as an admin.")
		}
		acting = in.OnBehalf
	}
	t := wf.TaskByID(in.TaskID)
	if t == nil {
		return out, problem.Field("task_id", MsgNotCurrent)
	}
	if wf.Status == StatusDelayed {
		return out, problem.Invalidf(MsgResumeFirst)
	}
	if wf.Status == StatusDone {
		return out, problem.Invalidf(MsgWorkflowDone)
	}
	if t.Status != TaskActive {
		return out, problem.Invalidf(MsgNotCurrent)
	}
	pi := t.performerIndex(acting)
	if pi >= 0 && t.Performers[pi].IsCompleted {
		return out, problem.Invalidf(MsgTaskDone)
	}
	force := false
	if pi < 0 {
		if !(actor.IsOwner && acting == actor.UserID) {
			return out, problem.Invalidf(MsgNoPermission)
		}
		force = true // the owner completes outright
	}
	for _, cl := range t.Checklists {
		for _, it := range cl.Items {
			if !it.IsSelected {
				return out, problem.Invalidf(MsgChecklist)
			}
		}
	}
	if err := ApplyInputs(wf.TaskFields(t), in.Output, env.Dir, false); err != nil {
		return out, err
	}
	now := env.Now
	wf.event(&out, EventTaskCompleted, acting, t, "")
	if pi >= 0 {
		t.Performers[pi].IsCompleted, t.Performers[pi].DateCompleted, t.Performers[pi].Dirty = true, &now, true
	}
	t.Dirty = true
	if !force && t.RequireCompletionByAll && !t.allCompleted() {
		return out, nil
	}
	wf.completeTask(env, &out, t)
	return out, nil
}

func (t *Task) performerIndex(uid int64) int {
	for i, p := range t.Performers {
		if p.UserID == uid {
			return i
		}
	}
	return -1
}

func (t *Task) allCompleted() bool {
	for _, p := range t.Performers {
		if !p.IsCompleted {
			return false
		}
	}
	return true
}

// completeTask closes a task and gives the next one its turn.
func (wf *Workflow) completeTask(env Env, out *Outcome, t *Task) {
	now := env.Now
	t.Status = TaskCompleted
	t.DateCompleted = &now
	if t.DateStarted == nil {
		t.DateStarted = &now
	}
	for i := range t.Performers {
		if !t.Performers[i].IsCompleted {
			t.Performers[i].IsCompleted, t.Performers[i].DateCompleted, t.Performers[i].Dirty = true, &now, true
		}
	}
	t.Dirty = true
	out.Hooks = append(out.Hooks, Hook{Event: HookTaskCompleted, Task: t})
	wf.advance(env, out, t.Number+1, true)
}

// Revert returns the current task to the nearest earlier completed task.
func Revert(env Env, wf *Workflow, actor Actor, comment string) (Outcome, error) {
	var out Outcome
	if wf.Status == StatusDone {
		return out, problem.Invalidf(MsgWorkflowDone)
	}
	if wf.Status == StatusDelayed {
		return out, problem.Invalidf("You need to resume the workflow before returning the task.")
	}
	cur := wf.Current()
	if cur == nil {
		return out, problem.Invalidf(MsgFirstTask)
	}
	if !actor.IsAdmin {
		pi := cur.performerIndex(actor.UserID)
		if pi < 0 {
			return out, problem.Forbid("Only a performer of the current task or an admin may return it.")
		}
	}
	var target *Task
	for n := cur.Number - 1; n >= 1; n-- {
		if t := wf.TaskByNumber(n); t != nil && t.Status == TaskCompleted {
			target = t
			break
		}
	}
	if target == nil {
		return out, problem.Invalidf(MsgFirstTask)
	}
	wf.returnTo(env, &out, target, actor.UserID, comment)
	return out, nil
}

// ReturnTo returns the workflow to a completed task below the current one
// (any completed task of a done workflow, which reopens).
func ReturnTo(env Env, wf *Workflow, actor Actor, target *Task) (Outcome, error) {
	var out Outcome
	if !actor.IsAdmin {
		return out, problem.Forbid("You do not have permission to perform this action.")
	}
	if target.Status != TaskCompleted {
		return out, problem.Field("task", fmt.Sprintf("The workflow can only return to a completed task; task %d is %s.", target.Number, target.Status))
	}
	if wf.Status != StatusDone {
		if cur := wf.Current(); cur != nil && target.Number >= cur.Number {
			return out, problem.Field("task", "A workflow can't return to a later task.")
		}
	}
	wf.returnTo(env, &out, target, actor.UserID, "")
	return out, nil
}

func (wf *Workflow) returnTo(env Env, out *Outcome, target *Task, user int64, comment string) {
	wf.Status = StatusRunning
	wf.DateCompleted = nil
	wf.SnoozedUntil = nil
	wf.Dirty = true
	for _, t := range wf.Tasks {
		if t.Number <= target.Number {
			continue
		}
		t.Status = TaskPending
		t.DateStarted, t.DateCompleted, t.DueDate = nil, nil, nil
		if t.Delay != nil {
			t.Delay = &Delay{Duration: t.Delay.Duration}
		}
		for i := range t.Performers {
			t.Performers[i].IsCompleted, t.Performers[i].DateCompleted, t.Performers[i].Dirty = false, nil, true
		}
		t.Dirty = true
	}
	wf.render(env, target)
	now := env.Now
	target.Status = TaskActive
	target.DateStarted = &now
	target.DateCompleted = nil
	target.IsUrgent = wf.IsUrgent
	for i := range target.Performers {
		target.Performers[i].IsCompleted, target.Performers[i].DateCompleted, target.Performers[i].Dirty = false, nil, true
	}
	target.DueDate = wf.dueDate(env, target)
	target.Dirty = true
	wf.event(out, EventTaskReturned, user, target, comment)
	out.Hooks = append(out.Hooks, Hook{Event: HookTaskReturned, Task: target})
}

// Finish ends a finalizable workflow early.
func Finish(env Env, wf *Workflow, actor Actor) (Outcome, error) {
	var out Outcome
	if !actor.IsAdmin {
		return out, problem.Forbid("You do not have permission to perform this action.")
	}
	if !wf.Finalizable {
		return out, problem.Invalidf(MsgCannotFinish)
	}
	if wf.Status == StatusDone {
		return out, problem.Invalidf(MsgWorkflowDone)
	}
	wf.finish(env, &out, EventEnded, actor.UserID)
	return out, nil
}

// Snooze delays a running workflow until a future instant.
func Snooze(env Env, wf *Workflow, actor Actor, until time.Time) (Outcome, error) {
	var out Outcome
	if !actor.IsAdmin {
		return out, problem.Forbid("You do not have permission to perform this action.")
	}
	if wf.Status == StatusDone {
		return out, problem.Invalidf(MsgWorkflowDone)
	}
	if !until.After(env.Now) {
		return out, problem.Field("date", "The date must be in the future.")
	}
	cur := wf.Current()
	if cur != nil && cur.Status == TaskActive {
		cur.Status = TaskSnoozed
		cur.Dirty = true
	}
	wf.Status = StatusDelayed
	wf.SnoozedUntil = &until
	wf.Dirty = true
	wf.event(&out, EventSnoozed, actor.UserID, cur, "")
	out.Wakes = append(out.Wakes, Wake{At: until})
	return out, nil
}

// Resume ends a delay (a task's or a manual snooze) now.
func Resume(env Env, wf *Workflow, actor Actor) (Outcome, error) {
	var out Outcome
	if !actor.IsAdmin {
		return out, problem.Forbid("You do not have permission to perform this action.")
	}
	if wf.Status != StatusDelayed {
		return out, nil
	}
	wf.resume(env, &out, actor.UserID)
	return out, nil
}

// Wake is the scheduled resume: it acts only when the delay has passed.
func WakeUp(env Env, wf *Workflow) Outcome {
	var out Outcome
	if wf.Status != StatusDelayed {
		return out
	}
	if wf.SnoozedUntil != nil {
		if wf.SnoozedUntil.After(env.Now) {
			return out
		}
	} else if cur := wf.Current(); cur != nil && cur.Delay != nil && cur.Delay.EstimatedEnd != nil && cur.Delay.EstimatedEnd.After(env.Now) {
		return out
	}
	wf.resume(env, &out, 0)
	return out
}

func (wf *Workflow) resume(env Env, out *Outcome, user int64) {
	now := env.Now
	wf.Status = StatusRunning
	wf.SnoozedUntil = nil
	wf.Dirty = true
	wf.event(out, EventResumed, user, nil, "")
	cur := wf.Current()
	if cur == nil || cur.Status != TaskSnoozed {
		return
	}
	if cur.Delay != nil && cur.Delay.Start != nil && cur.Delay.End == nil {
		cur.Delay.End = &now
	}
	if cur.DateStarted == nil {
		wf.activate(env, out, cur)
		return
	}
	cur.Status = TaskActive
	cur.Dirty = true
}

// SetUrgent flips the workflow's urgency and its started tasks'.
func SetUrgent(env Env, wf *Workflow, actor int64, urgent bool) Outcome {
	var out Outcome
	// A done workflow is never urgent (§5.4); the caller refuses the change.
	if wf.IsUrgent == urgent || wf.Status == StatusDone {
		return out
	}
	wf.IsUrgent = urgent
	wf.Dirty = true
	for _, t := range wf.Tasks {
		if t.Status == TaskActive || t.Status == TaskSnoozed {
			t.IsUrgent = urgent
			t.Dirty = true
		}
	}
	typ := EventNotUrgent
	if urgent {
		typ = EventUrgent
	}
	wf.event(&out, typ, actor, nil, "")
	return out
}

// RemovePerformer takes a deactivated user off the workflow's active task
// (§5.9): the others go on (and complete it if they all did), or the
// starter (or the account owner) takes it over.
func RemovePerformer(env Env, wf *Workflow, userID int64) Outcome {
	var out Outcome
	if wf.Status == StatusDone {
		return out
	}
	for _, t := range wf.Tasks {
		if t.Status != TaskActive && t.Status != TaskSnoozed {
			continue
		}
		i := t.performerIndex(userID)
		if i < 0 || t.Performers[i].IsCompleted {
			continue
		}
		t.Performers = append(t.Performers[:i], t.Performers[i+1:]...)
		t.Removed = append(t.Removed, userID)
		t.Dirty = true
		if len(t.Performers) == 0 {
			heir := wf.StarterID
			if heir == 0 || heir == userID {
				heir = env.Dir.OwnerID()
			}
			if u, ok := env.Dir.User(heir); !ok || !u.Active {
				heir = env.Dir.OwnerID()
			}
			t.Performers = append(t.Performers, Performer{UserID: heir, New: true, Dirty: true})
			continue
		}
		if t.Status == TaskActive && t.allCompleted() {
			wf.completeTask(env, &out, t)
		}
	}
	return out
}

func (t *Task) performs(uid int64) bool { return t.performerIndex(uid) >= 0 }

// Performs reports whether a user is a performer of the task.
func (t *Task) Performs(uid int64) bool { return t.performs(uid) }
