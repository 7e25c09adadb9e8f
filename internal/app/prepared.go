package app

import (
	"context"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// On SQLite every write goes through one goroutine (store's group commit),
// so whatever a change computes inside it runs on one core while the rest
// wait. A run or an action on a workflow is therefore first prepared on a
// read snapshot — loading the aggregate, the template, the users, running
// the engine, building the answer — and the writer only checks that what
// was read still holds and writes the result. When it does not hold (the
// workflow was saved meanwhile, or users, groups or templates changed), the
// writer computes the change itself as before; an error while preparing
// also leaves the answer to the writer, so every outcome is one the writer
// would have given.

// preparedChange is an engine outcome computed off the writer.
type preparedChange struct {
	gen  int64 // store generation before the reads
	wf   *engine.Workflow
	env  engine.Env
	out  engine.Outcome
	view *WorkflowView
	row  *store.TemplateRow // runs: the template the workflow starts from
}

// prepareAct computes op on a snapshot of the workflow; nil when the writer
// must do it (PostgreSQL, an error, an attachment claimed).
func (s *Service) prepareAct(ctx context.Context, a *Actor, id int64, op func(env engine.Env, wf *engine.Workflow) (engine.Outcome, error)) *preparedChange {
	gen, ok := s.db.Generation()
	if !ok {
		return nil
	}
	q := s.db.Read()
	wf, env, meta, err := s.loadForChange(ctx, q, a.AccountID(), id)
	if err != nil {
		return nil
	}
	if s.canSee(ctx, q, a, wf) != nil {
		return nil
	}
	out, err := op(env, wf)
	if err != nil || claimedAttachments(env) {
		return nil
	}
	view, err := s.workflowViewOf(ctx, q, wf, meta)
	if err != nil {
		return nil
	}
	return &preparedChange{gen: gen, wf: wf, env: env, out: out, view: view}
}

// prepareRun computes a run off the writer; nil when the writer must.
func (s *Service) prepareRun(ctx context.Context, accountID, templateID int64, in RunInput, actor int64) *preparedChange {
	gen, ok := s.db.Generation()
	if !ok {
		return nil
	}
	q := s.db.Read()
	row, err := q.TemplateByID(ctx, accountID, templateID, false)
	if err != nil || !row.IsActive || row.VersionID == nil {
		return nil
	}
	doc, err := s.templateVersion(ctx, q, *row.VersionID)
	if err != nil {
		return nil
	}
	now := s.Now()
	if in.DueDate != nil && !in.DueDate.After(now) {
		return nil
	}
	env := engine.Env{Now: now, Dir: s.newDirectory(ctx, q, accountID), Template: doc}
	wf, err := engine.NewWorkflow(env, templateID, in)
	if err != nil {
		return nil
	}
	wf.AccountID, wf.TemplateVersionID = accountID, *row.VersionID
	out := engine.Start(env, wf, actor)
	if claimedAttachments(env) {
		return nil
	}
	view, err := s.workflowView(ctx, q, wf, row)
	if err != nil {
		return nil
	}
	return &preparedChange{gen: gen, wf: wf, env: env, out: out, view: view, row: row}
}

// holds reports, in the writer, whether what p read besides its workflow
// still holds; the workflow's own revision is checked by the conditional
// save of an action (a run's workflow does not exist yet).
func (s *Service) holds(p *preparedChange) bool {
	return p != nil && s.db.Unchanged(p.gen)
}

// count records whether a prepared change was written as prepared.
func (s *Service) count(used bool) {
	if used {
		s.prepUsed.Add(1)
	} else {
		s.prepRedone.Add(1)
	}
}

func (s *Service) prepared(p *preparedChange) *preparedChange {
	if p != nil && s.afterPrepare != nil {
		s.afterPrepare()
	}
	return p
}

// claimedAttachments is true when the operation took attachments for file
// fields: two prepared operations could claim the same one, so the writer
// decides.
func claimedAttachments(env engine.Env) bool {
	d, ok := env.Dir.(*directory)
	return !ok || len(d.claimed) > 0
}
