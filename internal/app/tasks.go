package app

import (
	"context"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// TaskView is a task with its workflow, for the task detail.
type TaskView struct {
	Task *engine.Task
	WF   *engine.Workflow
}

// Task returns a task's detail (workflow members and admins).
func (s *Service) Task(ctx context.Context, a *Actor, taskID int64) (*TaskView, error) {
	q := s.db.Read()
	wid, err := q.TaskWorkflowID(ctx, a.AccountID(), taskID)
	if err != nil {
		return nil, err
	}
	wf, err := q.LoadWorkflow(ctx, a.AccountID(), wid, false, s.cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	if err := s.canSee(ctx, q, a, wf); err != nil {
		return nil, err
	}
	return &TaskView{Task: wf.TaskByID(taskID), WF: wf}, nil
}

// ListTasks answers a page of a person's tasks. Another user's list is for
// admins only.
func (s *Service) ListTasks(ctx context.Context, a *Actor, f store.TaskFilter) ([]store.TaskListItem, int, error) {
	if f.UserID == 0 {
		f.UserID = a.User.ID
	}
	if f.UserID != a.User.ID && !a.IsAdmin() {
		return nil, 0, problem.Invalidf(`Filter by "assigned_to" is only allowed for the admin.`)
	}
	q := s.db.Read()
	if f.UserID != a.User.ID {
		// Another account's user has no tasks here (and the list query
		// relies on the user being of the caller's account).
		if _, err := q.UserByID(ctx, a.AccountID(), f.UserID); err != nil {
			if problem.Is(err, problem.NotFound) {
				return []store.TaskListItem{}, 0, nil
			}
			return nil, 0, err
		}
	}
	if a.Confirmed() {
		return q.ListTasks(ctx, a.AccountID(), f)
	}
	q = q.WithGenStamp()
	items, total, err := q.ListTasks(ctx, a.AccountID(), f)
	if err != nil {
		return nil, 0, err
	}
	if changed, err := s.confirm(ctx, q, a); err != nil || changed {
		if err != nil {
			return nil, 0, err
		}
		return s.ListTasks(ctx, a, f) // read for who the key is now
	}
	return items, total, nil
}

// ChecklistView is a checklist with its task.
type ChecklistView struct {
	Checklist engine.Checklist
}

// Checklist returns one checklist of a task.
func (s *Service) Checklist(ctx context.Context, a *Actor, checklistID int64) (*ChecklistView, error) {
	q := s.db.Read()
	tid, wid, err := q.ChecklistWorkflow(ctx, a.AccountID(), checklistID)
	if err != nil {
		return nil, err
	}
	wf, err := q.LoadWorkflow(ctx, a.AccountID(), wid, false, s.cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	if err := s.canSee(ctx, q, a, wf); err != nil {
		return nil, err
	}
	return findChecklist(wf, tid, checklistID)
}

func findChecklist(wf *engine.Workflow, taskID, checklistID int64) (*ChecklistView, error) {
	t := wf.TaskByID(taskID)
	if t == nil {
		return nil, problem.Notfound()
	}
	for _, cl := range t.Checklists {
		if cl.ID == checklistID {
			return &ChecklistView{Checklist: cl}, nil
		}
	}
	return nil, problem.Notfound()
}

// MarkChecklist ticks (or unticks) an item of the active task's checklist,
// by its performers or admins.
func (s *Service) MarkChecklist(ctx context.Context, a *Actor, checklistID, itemID int64, selected bool) (*ChecklistView, error) {
	var view *ChecklistView
	err := s.write(ctx, func(q *store.Q) error {
		tid, wid, err := q.ChecklistWorkflow(ctx, a.AccountID(), checklistID)
		if err != nil {
			return err
		}
		wf, err := q.LoadWorkflow(ctx, a.AccountID(), wid, true, s.cfg.PublicURL)
		if err != nil {
			return err
		}
		if err := s.canSee(ctx, q, a, wf); err != nil {
			return err
		}
		t := wf.TaskByID(tid)
		if wf.Status == engine.StatusDelayed {
			return problem.Invalidf(engine.MsgResumeFirst)
		}
		if wf.Status == engine.StatusDone {
			return problem.Invalidf(engine.MsgWorkflowDone)
		}
		if t == nil || t.Status != engine.TaskActive {
			return problem.Invalidf(engine.MsgNotCurrent)
		}
		if !a.IsAdmin() && !t.Performs(a.User.ID) {
			return problem.Forbid("Only the task's performers and admins may tick its checklist.")
		}
		found := false
		for ci := range t.Checklists {
			if t.Checklists[ci].ID != checklistID {
				continue
			}
			for ii := range t.Checklists[ci].Items {
				it := &t.Checklists[ci].Items[ii]
				if it.ID == itemID {
					it.IsSelected, it.Dirty, found = selected, true, true
				}
			}
		}
		if !found {
			return problem.Field("selection_id", "No such item in this checklist.")
		}
		if err := q.SaveWorkflow(ctx, wf); err != nil {
			return err
		}
		view, err = findChecklist(wf, tid, checklistID)
		return err
	})
	return view, err
}

// FieldsFilter selects GET /workflows/fields.
type FieldsFilter struct {
	TemplateID    int64
	Statuses      []int
	Fields        []string
	Limit, Offset int
}

// WorkflowFields answers a page of workflows of a template with their
// field values, newest first.
func (s *Service) WorkflowFields(ctx context.Context, a *Actor, f FieldsFilter) ([]*engine.Workflow, int, error) {
	wf := store.WorkflowFilter{TemplateID: f.TemplateID, Statuses: f.Statuses, Limit: f.Limit, Offset: f.Offset, Order: "-date"}
	if !a.IsAdmin() {
		wf.VisibleTo = a.User.ID
	}
	q := s.db.Read()
	ids, total, err := q.ListWorkflowIDs(ctx, a.AccountID(), wf)
	if err != nil {
		return nil, 0, err
	}
	wfs, err := q.LoadWorkflows(ctx, a.AccountID(), ids, s.cfg.PublicURL)
	if err != nil {
		return nil, 0, err
	}
	if len(f.Fields) > 0 {
		want := map[string]bool{}
		for _, n := range f.Fields {
			want[n] = true
		}
		for _, w := range wfs {
			kept := w.Fields[:0]
			for _, fld := range w.Fields {
				if want[fld.APIName] {
					kept = append(kept, fld)
				}
			}
			w.Fields = kept
		}
	}
	return wfs, total, nil
}
