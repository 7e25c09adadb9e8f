package app

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// JobResume is the job kind that ends a delay or a snooze on time.
const JobResume = "resume_workflow"

type resumeArgs struct {
	AccountID  int64 `json:"account_id"`
	WorkflowID int64 `json:"workflow_id"`
}

// WorkflowView is a workflow with what its detail shows beside the aggregate.
type WorkflowView struct {
	WF             *engine.Workflow
	TemplateActive bool
	TemplateOwners []int64
	Users          map[int64]*store.User // performers and starter, for payloads
}

func engineActor(a *Actor) engine.Actor {
	return engine.Actor{UserID: a.User.ID, IsAdmin: a.IsAdmin(), IsOwner: a.IsOwner()}
}

// RunInput is the body of POST /templates/{id}/run.
type RunInput = engine.RunInput

// Run starts a workflow from the template's current version.
func (s *Service) Run(ctx context.Context, a *Actor, templateID int64, in RunInput) (*WorkflowView, error) {
	in.StarterID = a.User.ID
	return s.run(ctx, a.AccountID(), templateID, in, a.User.ID)
}

func (s *Service) run(ctx context.Context, accountID, templateID int64, in RunInput, actor int64) (*WorkflowView, error) {
	var view *WorkflowView
	var queued bool
	prep := s.prepared(s.prepareRun(ctx, accountID, templateID, in, actor))
	err := s.db.WriteWorkflow(ctx, func(q *store.Q) (err error) {
		ok := s.holds(prep)
		if prep != nil {
			s.count(ok)
		}
		if ok {
			view = prep.view
			if err := q.InsertWorkflow(ctx, prep.wf, s.cfg.PublicURL); err != nil {
				return err
			}
			if queued, err = s.persistOutcome(ctx, q, prep.env, prep.wf, prep.out); err != nil {
				return err
			}
			return s.remember(ctx, q, view)
		}
		row, err := q.TemplateByID(ctx, accountID, templateID, false)
		if err != nil {
			return err
		}
		if !row.IsActive || row.VersionID == nil {
			return problem.Invalidf(engine.MsgDisabled)
		}
		doc, err := s.templateVersion(ctx, q, *row.VersionID)
		if err != nil {
			return err
		}
		now := s.Now()
		if in.DueDate != nil && !in.DueDate.After(now) {
			return problem.Field("due_date", "The due date must be in the future.")
		}
		env := engine.Env{Now: now, Dir: s.newDirectory(ctx, q, accountID), Template: doc}
		wf, err := engine.NewWorkflow(env, templateID, in)
		if err != nil {
			return err
		}
		wf.AccountID, wf.TemplateVersionID = accountID, *row.VersionID
		out := engine.Start(env, wf, actor)
		if err := q.InsertWorkflow(ctx, wf, s.cfg.PublicURL); err != nil {
			return err
		}
		if queued, err = s.persistOutcome(ctx, q, env, wf, out); err != nil {
			return err
		}
		if view, err = s.workflowView(ctx, q, wf, row); err != nil {
			return err
		}
		return s.remember(ctx, q, view) // an Idempotency-Key's answer, in this transaction
	})
	if err != nil {
		return nil, err
	}
	if queued {
		s.jobs.Notify()
	}
	return view, nil
}

// persistOutcome writes an operation's events, webhooks and wake-ups, and
// reports whether it queued a job: only then is the job runner woken (each
// wake-up is a query, and most completions queue nothing).
func (s *Service) persistOutcome(ctx context.Context, q *store.Q, env engine.Env, wf *engine.Workflow, out engine.Outcome) (bool, error) {
	if _, err := q.InsertEvents(ctx, wf, out.Events, env.Now); err != nil {
		return false, err
	}
	for _, w := range out.Wakes {
		if err := jobs.Enqueue(ctx, q, JobResume, resumeArgs{AccountID: wf.AccountID, WorkflowID: wf.ID}, w.At, env.Now, ""); err != nil {
			return false, err
		}
	}
	n, err := s.recordHooks(ctx, q, env, wf, out.Hooks)
	return len(out.Wakes) > 0 || n > 0, err
}

// workflowView answers a workflow with its template's state, from the
// template's row when the caller has it (nil: from its cached metadata).
func (s *Service) workflowView(ctx context.Context, q *store.Q, wf *engine.Workflow, row *store.TemplateRow) (*WorkflowView, error) {
	if row != nil {
		return s.viewOfRow(ctx, q, wf, row), nil
	}
	m, err := s.templateMeta(ctx, q, wf.AccountID, wf.TemplateID)
	if problem.Is(err, problem.NotFound) {
		m, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.workflowViewOf(ctx, q, wf, m)
}

// workflowViewOf is workflowView given the template's activity and version
// (nil: the template is deleted). Most reads: an active template's current
// document is its latest version, cached; only an inactive one needs its
// row read and its document decoded.
func (s *Service) workflowViewOf(ctx context.Context, q *store.Q, wf *engine.Workflow, m *store.TemplateMeta) (*WorkflowView, error) {
	switch {
	case m == nil:
		return &WorkflowView{WF: wf, TemplateOwners: []int64{}}, nil
	case m.IsActive && m.VersionID != nil:
		return s.viewOfVersion(ctx, q, wf, *m.VersionID), nil
	}
	row, err := q.TemplateByID(ctx, wf.AccountID, wf.TemplateID, false)
	if err != nil {
		return nil, err
	}
	return s.viewOfRow(ctx, q, wf, row), nil
}

func (s *Service) viewOfRow(ctx context.Context, q *store.Q, wf *engine.Workflow, row *store.TemplateRow) *WorkflowView {
	if row.IsActive && row.VersionID != nil {
		return s.viewOfVersion(ctx, q, wf, *row.VersionID)
	}
	v := &WorkflowView{WF: wf, TemplateActive: row.IsActive, TemplateOwners: []int64{}}
	if doc, err := decodeDoc(row.Doc); err == nil && doc.Owners != nil {
		v.TemplateOwners = doc.Owners
	}
	return v
}

// viewOfVersion: the template is active at versionID, whose owners it has.
func (s *Service) viewOfVersion(ctx context.Context, q *store.Q, wf *engine.Workflow, versionID int64) *WorkflowView {
	v := &WorkflowView{WF: wf, TemplateActive: true, TemplateOwners: []int64{}}
	if doc, err := s.templateVersion(ctx, q, versionID); err == nil && doc.Owners != nil {
		v.TemplateOwners = doc.Owners
	}
	return v
}

// templateMeta reads whether a template is active and its version, from
// the generation cache when it holds (only for reads on the read pool: a
// transaction may see its own uncommitted template change).
func (s *Service) templateMeta(ctx context.Context, q *store.Q, accountID, id int64) (*store.TemplateMeta, error) {
	gen, ok := s.db.Generation()
	ok = ok && s.db.OnReadPool(q)
	if ok {
		if m, hit := s.templates.get(gen, id); hit && m.AccountID == accountID {
			return m, nil
		}
	}
	m, err := q.TemplateMetaByID(ctx, accountID, id)
	if err == nil && ok {
		s.templates.put(gen, id, m)
	}
	return m, err
}

// canSee: admins see every workflow of the account; users those they
// started or perform in.
func (s *Service) canSee(ctx context.Context, q *store.Q, a *Actor, wf *engine.Workflow) error {
	if a.IsAdmin() || wf.StarterID == a.User.ID {
		return nil
	}
	for _, t := range wf.Tasks {
		if t.Performs(a.User.ID) {
			return nil
		}
	}
	return problem.Forbid("You do not have permission to perform this action.")
}

// Workflow returns a workflow's detail.
func (s *Service) Workflow(ctx context.Context, a *Actor, id int64) (*WorkflowView, error) {
	q := s.db.Read()
	if !a.Confirmed() {
		q = q.WithGenStamp()
	}
	wf, m, err := q.LoadWorkflowAndTemplate(ctx, a.AccountID(), id, false, s.cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	// The load is keyed by the account, which a key's user never leaves.
	if _, err := s.confirm(ctx, q, a); err != nil {
		return nil, err
	}
	if err := s.canSee(ctx, q, a, wf); err != nil {
		return nil, err
	}
	return s.workflowViewOf(ctx, q, wf, m)
}

// ListWorkflows answers a page of workflows the caller may see.
func (s *Service) ListWorkflows(ctx context.Context, a *Actor, f store.WorkflowFilter) ([]*WorkflowView, int, error) {
	if !a.IsAdmin() {
		f.VisibleTo = a.User.ID
	}
	q := s.db.Read()
	ids, total, err := q.ListWorkflowIDs(ctx, a.AccountID(), f)
	if err != nil {
		return nil, 0, err
	}
	wfs, err := q.LoadWorkflows(ctx, a.AccountID(), ids, s.cfg.PublicURL)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*WorkflowView, 0, len(wfs))
	rows := map[int64]*store.TemplateRow{}
	for _, wf := range wfs {
		row, ok := rows[wf.TemplateID]
		if !ok {
			row, _ = q.TemplateByID(ctx, a.AccountID(), wf.TemplateID, false)
			rows[wf.TemplateID] = row
		}
		v, err := s.workflowView(ctx, q, wf, row)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	return out, total, nil
}

// act loads a workflow for a change under the write lock, runs op, and
// persists the result (on SQLite usually prepared off the writer: see
// prepared.go). op may run twice, so it must not keep state between calls.
func (s *Service) act(ctx context.Context, a *Actor, id int64, op func(env engine.Env, wf *engine.Workflow) (engine.Outcome, error)) (*WorkflowView, error) {
	var view *WorkflowView
	var queued bool
	// change applies op to the workflow as loaded for update. On
	// PostgreSQL the load read the cache generation, which confirms a
	// deferred key and lets the change use what this server keeps of users
	// and subscriptions.
	change := func(q *store.Q, wf *engine.Workflow, meta *store.TemplateMeta) error {
		env, err := s.envFor(ctx, q, wf)
		if err != nil {
			return err
		}
		if _, err := s.confirm(ctx, q, a); err != nil {
			return err
		}
		if err := s.canSee(ctx, q, a, wf); err != nil {
			return err
		}
		out, err := op(env, wf)
		if err != nil {
			return err
		}
		if err := q.SaveWorkflow(ctx, wf); err != nil {
			return err
		}
		if queued, err = s.persistOutcome(ctx, q, env, wf, out); err != nil {
			return err
		}
		if view, err = s.workflowViewOf(ctx, q, wf, meta); err != nil {
			return err
		}
		return s.remember(ctx, q, view) // an Idempotency-Key's answer, in this transaction
	}
	var err error
	if prep := s.prepared(s.prepareAct(ctx, a, id, op)); prep == nil {
		// Nothing prepared (always so on PostgreSQL).
		err = s.db.ChangeWorkflow(ctx, a.AccountID(), id, s.cfg.PublicURL, change)
	} else {
		err = s.db.WriteWorkflow(ctx, func(q *store.Q) error {
			if s.holds(prep) {
				saved, err := q.SaveWorkflowIfCurrent(ctx, prep.wf)
				if err != nil {
					return err
				}
				s.count(saved)
				if saved {
					view = prep.view
					if queued, err = s.persistOutcome(ctx, q, prep.env, prep.wf, prep.out); err != nil {
						return err
					}
					return s.remember(ctx, q, view)
				}
			} else {
				s.count(false)
			}
			wf, meta, err := q.LoadWorkflowAndTemplate(ctx, a.AccountID(), id, true, s.cfg.PublicURL)
			if err != nil {
				return err
			}
			return change(q, wf, meta)
		})
	}
	if err != nil {
		return nil, err
	}
	if queued {
		s.jobs.Notify()
	}
	return view, nil
}

// loadForChange loads a workflow for an action, with the engine's
// environment and its template's state (for the view the action answers).
func (s *Service) loadForChange(ctx context.Context, q *store.Q, accountID, id int64) (*engine.Workflow, engine.Env, *store.TemplateMeta, error) {
	wf, m, err := q.LoadWorkflowAndTemplate(ctx, accountID, id, true, s.cfg.PublicURL)
	if err != nil {
		return nil, engine.Env{}, nil, err
	}
	env, err := s.envFor(ctx, q, wf)
	return wf, env, m, err
}

// envFor is the engine's environment for a change of wf read through q.
func (s *Service) envFor(ctx context.Context, q *store.Q, wf *engine.Workflow) (engine.Env, error) {
	doc, err := s.templateVersion(ctx, q, wf.TemplateVersionID)
	if err != nil {
		return engine.Env{}, err
	}
	return engine.Env{Now: s.Now(), Dir: s.newDirectory(ctx, q, wf.AccountID), Template: doc}, nil
}

// CompleteTask completes (a performer's share of) a workflow's current task.
func (s *Service) CompleteTask(ctx context.Context, a *Actor, workflowID int64, in engine.CompleteInput) (*WorkflowView, error) {
	return s.act(ctx, a, workflowID, func(env engine.Env, wf *engine.Workflow) (engine.Outcome, error) {
		if wf.TaskByID(in.TaskID) == nil {
			return engine.Outcome{}, problem.Field("task_id", engine.MsgNotCurrent)
		}
		return engine.Complete(env, wf, engineActor(a), in)
	})
}

// CompleteTaskByID is POST /v2/tasks/{id}/complete.
func (s *Service) CompleteTaskByID(ctx context.Context, a *Actor, taskID int64, in engine.CompleteInput) (*TaskView, error) {
	wid, err := s.db.Read().TaskWorkflowID(ctx, a.AccountID(), taskID)
	if err != nil {
		return nil, err
	}
	in.TaskID = taskID
	if _, err := s.CompleteTask(ctx, a, wid, in); err != nil {
		return nil, err
	}
	return s.Task(ctx, a, taskID)
}

// PatchWorkflow renames a workflow, or changes its urgency or due date.
func (s *Service) PatchWorkflow(ctx context.Context, a *Actor, id int64, name *string, urgent *bool, due *time.Time, dueSet bool) (*WorkflowView, error) {
	return s.act(ctx, a, id, func(env engine.Env, wf *engine.Workflow) (engine.Outcome, error) {
		var out engine.Outcome
		if !a.IsAdmin() && wf.StarterID != a.User.ID {
			return out, problem.Forbid("Only an admin or the workflow starter may change the workflow.")
		}
		if name != nil {
			n := strings.TrimSpace(*name)
			if n == "" || len([]rune(n)) > 120 {
				return out, problem.Field("name", "The name must have 1 to 120 characters.")
			}
			wf.Name, wf.Dirty = n, true
		}
		if dueSet {
			if due != nil && !due.After(env.Now) {
				return out, problem.Field("due_date", "The due date must be in the future.")
			}
			wf.DueDate, wf.Dirty = due, true
			out.Events = append(out.Events, engine.Event{Type: engine.EventDueDateChanged, UserID: a.User.ID})
		}
		if urgent != nil {
			if *urgent && wf.Status == engine.StatusDone {
				return out, problem.Field("is_urgent", engine.MsgWorkflowDone)
			}
			o := engine.SetUrgent(env, wf, a.User.ID, *urgent)
			out.Events = append(out.Events, o.Events...)
		}
		return out, nil
	})
}

// DeleteWorkflow terminates a workflow (admins): it leaves every list.
func (s *Service) DeleteWorkflow(ctx context.Context, a *Actor, id int64) error {
	return s.write(ctx, func(q *store.Q) error {
		wf, err := q.LoadWorkflow(ctx, a.AccountID(), id, true, s.cfg.PublicURL)
		if err != nil {
			return err
		}
		if err := requireAdmin(a); err != nil {
			return err
		}
		if err := q.MarkWorkflowDeleted(ctx, wf.ID, s.Now()); err != nil {
			return err
		}
		return s.audit(ctx, q, a, "workflow.terminated", "workflow", id, nil)
	})
}

// FinishWorkflow ends a finalizable workflow early.
func (s *Service) FinishWorkflow(ctx context.Context, a *Actor, id int64) error {
	_, err := s.act(ctx, a, id, func(env engine.Env, wf *engine.Workflow) (engine.Outcome, error) {
		return engine.Finish(env, wf, engineActor(a))
	})
	return err
}

// SnoozeWorkflow delays a workflow until a future instant.
func (s *Service) SnoozeWorkflow(ctx context.Context, a *Actor, id int64, until time.Time) (*WorkflowView, error) {
	return s.act(ctx, a, id, func(env engine.Env, wf *engine.Workflow) (engine.Outcome, error) {
		return engine.Snooze(env, wf, engineActor(a), until)
	})
}

// ResumeWorkflow ends a delay now.
func (s *Service) ResumeWorkflow(ctx context.Context, a *Actor, id int64) (*WorkflowView, error) {
	return s.act(ctx, a, id, func(env engine.Env, wf *engine.Workflow) (engine.Outcome, error) {
		return engine.Resume(env, wf, engineActor(a))
	})
}

// RevertTask returns the current task to the previous completed one.
func (s *Service) RevertTask(ctx context.Context, a *Actor, id int64, comment string) error {
	_, err := s.act(ctx, a, id, func(env engine.Env, wf *engine.Workflow) (engine.Outcome, error) {
		return engine.Revert(env, wf, engineActor(a), comment)
	})
	return err
}

// RevertTaskByID is POST /v2/tasks/{id}/revert: the task must be current.
func (s *Service) RevertTaskByID(ctx context.Context, a *Actor, taskID int64, comment string) error {
	wid, err := s.db.Read().TaskWorkflowID(ctx, a.AccountID(), taskID)
	if err != nil {
		return err
	}
	_, err = s.act(ctx, a, wid, func(env engine.Env, wf *engine.Workflow) (engine.Outcome, error) {
		if cur := wf.Current(); cur == nil || cur.ID != taskID || wf.Status == engine.StatusDone {
			return engine.Outcome{}, problem.Invalidf(engine.MsgNotCurrent)
		}
		return engine.Revert(env, wf, engineActor(a), comment)
	})
	return err
}

// ReturnTo returns a workflow to a completed task, by id or api_name.
func (s *Service) ReturnTo(ctx context.Context, a *Actor, id int64, taskID int64, apiName string) error {
	_, err := s.act(ctx, a, id, func(env engine.Env, wf *engine.Workflow) (engine.Outcome, error) {
		var target *engine.Task
		for _, t := range wf.Tasks {
			if (taskID != 0 && t.ID == taskID) || (taskID == 0 && apiName != "" && t.APIName == apiName) {
				target = t
			}
		}
		if target == nil {
			return engine.Outcome{}, problem.Field("task", "No such task in this workflow.")
		}
		return engine.ReturnTo(env, wf, engineActor(a), target)
	})
	return err
}

// EventView is a history entry as shown.
type EventView = store.EventRow

// Comment adds a comment to a workflow's history.
func (s *Service) Comment(ctx context.Context, a *Actor, id int64, text string) (*EventView, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, problem.Field("text", "This field may not be blank.")
	}
	if len([]rune(text)) > 10000 {
		return nil, problem.Field("text", "Ensure this field has no more than 10000 characters.")
	}
	var ev *EventView
	err := s.write(ctx, func(q *store.Q) error {
		wf, err := q.LoadWorkflow(ctx, a.AccountID(), id, true, s.cfg.PublicURL)
		if err != nil {
			return err
		}
		if err := s.canSee(ctx, q, a, wf); err != nil {
			return err
		}
		now := s.Now()
		ids, err := q.InsertEvents(ctx, wf, []engine.Event{{Type: engine.EventComment, Text: text, UserID: a.User.ID}}, now)
		if err != nil {
			return err
		}
		uid := a.User.ID
		ev = &EventView{ID: ids[0], WorkflowID: wf.ID, Type: engine.EventComment, Text: text, UserID: &uid, Created: now}
		return nil
	})
	return ev, err
}

// Events answers a page of a workflow's history, newest first.
func (s *Service) Events(ctx context.Context, a *Actor, id int64, limit, offset int) ([]EventView, int, error) {
	q := s.db.Read()
	wf, err := q.LoadWorkflow(ctx, a.AccountID(), id, false, s.cfg.PublicURL)
	if err != nil {
		return nil, 0, err
	}
	if err := s.canSee(ctx, q, a, wf); err != nil {
		return nil, 0, err
	}
	return q.ListEvents(ctx, id, limit, offset)
}

// handOverTasks applies a deactivation to every workflow where the user
// was still to act (§5.9).
func (s *Service) handOverTasks(ctx context.Context, q *store.Q, accountID, userID int64) error {
	ids, err := q.WorkflowsOfPerformer(ctx, accountID, userID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		wf, env, _, err := s.loadForChange(ctx, q, accountID, id)
		if err != nil {
			return err
		}
		out := engine.RemovePerformer(env, wf, userID)
		if err := q.SaveWorkflow(ctx, wf); err != nil {
			return err
		}
		if _, err := s.persistOutcome(ctx, q, env, wf, out); err != nil {
			return err
		}
	}
	return nil
}

// HandleResume is the job that ends a delay or a snooze on time.
func (s *Service) HandleResume(ctx context.Context, raw json.RawMessage, attempt int) error {
	var args resumeArgs
	if err := json.Unmarshal(raw, &args); err != nil {
		return &jobs.Retry{Drop: true, Err: err}
	}
	err := s.write(ctx, func(q *store.Q) error {
		wf, env, _, err := s.loadForChange(ctx, q, args.AccountID, args.WorkflowID)
		if problem.Is(err, problem.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		out := engine.WakeUp(env, wf)
		if err := q.SaveWorkflow(ctx, wf); err != nil {
			return err
		}
		_, err = s.persistOutcome(ctx, q, env, wf, out)
		return err
	})
	if err == nil {
		s.jobs.Notify()
	}
	return err
}

var _ = template.TypeFile
