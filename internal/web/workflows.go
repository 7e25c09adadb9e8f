package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

func (w *Web) workflowRoutes() {
	m := w.mux
	m.Handle("GET /app/workflows", w.authed(w.workflowList))
	m.Handle("GET /app/workflows/{id}", w.authed(w.workflowPage))
	m.Handle("POST /app/workflows/{id}/comment", w.authed(w.workflowComment))
	m.Handle("POST /app/workflows/{id}/snooze", w.authed(w.workflowSnooze))
	m.Handle("POST /app/workflows/{id}/resume", w.authed(w.workflowResume))
	m.Handle("POST /app/workflows/{id}/finish", w.authed(w.workflowFinish))
	m.Handle("POST /app/workflows/{id}/terminate", w.authed(w.workflowTerminate))
	m.Handle("POST /app/workflows/{id}/urgent", w.authed(w.workflowUrgent))
	m.Handle("POST /app/workflows/{id}/return-to", w.authed(w.workflowReturnTo))
	m.Handle("GET /app/run", w.authed(w.runList))
	m.Handle("GET /app/run/{id}", w.authed(w.runPage))
	m.Handle("POST /app/run/{id}", w.authed(w.run))
}

// wfRow is one workflow of the list.
type wfRow struct {
	WF        *engine.Workflow
	Done      int
	Total     int
	Current   *engine.Task
	Performer string
}

func progress(wf *engine.Workflow) (done, total int) {
	for _, t := range wf.Tasks {
		if t.Status == engine.TaskCompleted || t.Status == engine.TaskSkipped {
			done++
		}
	}
	return done, len(wf.Tasks)
}

type workflowListData struct {
	Rows      []wfRow
	Templates []*app.TemplateView
	People    *people
	Status    string
	Template  int64
	Performer int64
	Search    string
	Pager     pager
}

var statusFilter = map[string]int{"running": engine.StatusRunning, "done": engine.StatusDone, "delayed": engine.StatusDelayed}

func (w *Web) workflowList(q *rq) error {
	v := q.r.URL.Query()
	d := workflowListData{Status: v.Get("status"), Search: strings.TrimSpace(v.Get("search"))}
	d.Template, _ = strconv.ParseInt(v.Get("template"), 10, 64)
	d.Performer, _ = strconv.ParseInt(v.Get("performer"), 10, 64)
	f := store.WorkflowFilter{TemplateID: d.Template, CurrentPerformer: d.Performer, Search: d.Search, Limit: pageSize,
		Offset: offsetParam(q.r)}
	if s, ok := statusFilter[d.Status]; ok {
		f.Statuses = []int{s}
	} else {
		d.Status = ""
	}
	views, total, err := w.svc.ListWorkflows(q.ctx, q.actor, f)
	if err != nil {
		return err
	}
	if d.People, err = w.loadPeople(q.ctx, q.actor); err != nil {
		return err
	}
	for _, view := range views {
		r := wfRow{WF: view.WF}
		r.Done, r.Total = progress(view.WF)
		if view.WF.Status != engine.StatusDone {
			r.Current = view.WF.Current()
		}
		if r.Current != nil {
			ids := make([]int64, 0, len(r.Current.Performers))
			for _, p := range r.Current.Performers {
				ids = append(ids, p.UserID)
			}
			r.Performer = d.People.Names(ids)
		}
		d.Rows = append(d.Rows, r)
	}
	if d.Templates, _, err = w.svc.ListTemplates(q.ctx, q.actor, store.TemplateFilter{OrderBy: "name", Limit: 1000}); err != nil {
		return err
	}
	d.Pager = makePager(q.r, f.Offset, len(views), total)
	return q.render(http.StatusOK, "workflows", "Workflows", "workflows", d)
}

// timelineTask is a task of the workflow page's timeline.
type timelineTask struct {
	T          *engine.Task
	Performers []performerView
	Returned   int // how often the workflow came back to it
	Overdue    bool
}

type performerView struct {
	Name string
	Done bool
	When *time.Time
}

type workflowPageData struct {
	WF          *engine.Workflow
	Template    string
	People      *people
	Kickoff     []valueView
	Timeline    []timelineTask
	Done, Total int
	Current     *engine.Task
	Events      []app.EventView
	CanAdmin    bool // admins: snooze, resume, finish, terminate, return
	CanUrgent   bool // admins and the starter
	CanOpen     *engine.Task
	ReturnTo    []*engine.Task
	MinSnooze   string
}

func (w *Web) loadWorkflow(q *rq) (*app.WorkflowView, error) {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, problem.Notfound()
	}
	return w.svc.Workflow(q.ctx, q.actor, id)
}

func (w *Web) workflowPage(q *rq) error {
	view, err := w.loadWorkflow(q)
	if err != nil {
		return err
	}
	wf := view.WF
	d := workflowPageData{WF: wf, CanAdmin: q.actor.IsAdmin(), CanUrgent: q.actor.IsAdmin() || wf.StarterID == q.actor.User.ID,
		MinSnooze: w.svc.Now().Add(time.Hour).Format("2006-01-02T15:04")}
	if d.People, err = w.loadPeople(q.ctx, q.actor); err != nil {
		return err
	}
	d.Kickoff = showValues(wf.KickoffFields(), d.People)
	d.Done, d.Total = progress(wf)
	d.Events, _, err = w.svc.Events(q.ctx, q.actor, wf.ID, 200, 0)
	if err != nil {
		return err
	}
	returned := map[int64]int{}
	for _, e := range d.Events {
		if e.Type == engine.EventTaskReturned && e.TaskID != nil {
			returned[*e.TaskID]++
		}
	}
	now := w.svc.Now()
	for _, t := range wf.Tasks {
		tt := timelineTask{T: t, Returned: returned[t.ID],
			Overdue: t.DueDate != nil && t.DueDate.Before(now) && (t.Status == engine.TaskActive || t.Status == engine.TaskSnoozed)}
		for _, p := range t.Performers {
			tt.Performers = append(tt.Performers, performerView{Name: d.People.Name(p.UserID), Done: p.IsCompleted, When: p.DateCompleted})
		}
		d.Timeline = append(d.Timeline, tt)
	}
	if wf.Status != engine.StatusDone {
		d.Current = wf.Current()
		if d.Current != nil && d.Current.Performs(q.actor.User.ID) {
			d.CanOpen = d.Current
		}
	}
	if d.CanAdmin {
		for _, t := range wf.Tasks {
			if t.Status == engine.TaskCompleted && (wf.Status == engine.StatusDone || d.Current == nil || t.Number < d.Current.Number) {
				d.ReturnTo = append(d.ReturnTo, t)
			}
		}
	}
	d.Template = wf.TemplateName
	return q.render(http.StatusOK, "workflow", wf.Name, "workflows", d)
}

func wfBack(view *app.WorkflowView) string { return fmt.Sprintf("/app/workflows/%d", view.WF.ID) }

func (w *Web) workflowComment(q *rq) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil {
		return problem.Notfound()
	}
	back := localPath(q.r.PostFormValue("back"), fmt.Sprintf("/app/workflows/%d", id))
	if _, err := w.svc.Comment(q.ctx, q.actor, id, q.r.PostFormValue("text")); err != nil {
		return q.failTo(back, err)
	}
	return q.okTo(back+"#history", "Comment added.")
}

func (w *Web) workflowSnooze(q *rq) error {
	view, err := w.loadWorkflow(q)
	if err != nil {
		return err
	}
	until, err := parseLocalTime(q.r.PostFormValue("until"), q.r.PostFormValue("tz_offset"))
	if err != nil {
		return q.failTo(wfBack(view), problem.Field("until", "Give the date and time to snooze until."))
	}
	if _, err := w.svc.SnoozeWorkflow(q.ctx, q.actor, view.WF.ID, until); err != nil {
		return q.failTo(wfBack(view), err)
	}
	return q.okTo(wfBack(view), "The workflow is snoozed.")
}

// parseLocalTime reads a datetime-local input. The browser's offset from
// UTC in minutes (app.js fills tz_offset) makes it an instant; without it
// the time is taken as UTC.
func parseLocalTime(v, offset string) (time.Time, error) {
	t, err := time.Parse("2006-01-02T15:04", strings.TrimSpace(v))
	if err != nil {
		return time.Time{}, err
	}
	if m, err := strconv.Atoi(offset); err == nil && m > -24*60 && m < 24*60 {
		// getTimezoneOffset is UTC minus local, in minutes.
		t = t.Add(time.Duration(m) * time.Minute)
	}
	return t.UTC(), nil
}

func (w *Web) workflowResume(q *rq) error {
	view, err := w.loadWorkflow(q)
	if err != nil {
		return err
	}
	if _, err := w.svc.ResumeWorkflow(q.ctx, q.actor, view.WF.ID); err != nil {
		return q.failTo(wfBack(view), err)
	}
	return q.okTo(wfBack(view), "The workflow is running again.")
}

func (w *Web) workflowFinish(q *rq) error {
	view, err := w.loadWorkflow(q)
	if err != nil {
		return err
	}
	if err := w.svc.FinishWorkflow(q.ctx, q.actor, view.WF.ID); err != nil {
		return q.failTo(wfBack(view), err)
	}
	return q.okTo(wfBack(view), "The workflow is finished.")
}

func (w *Web) workflowTerminate(q *rq) error {
	view, err := w.loadWorkflow(q)
	if err != nil {
		return err
	}
	if err := w.svc.DeleteWorkflow(q.ctx, q.actor, view.WF.ID); err != nil {
		return q.failTo(wfBack(view), err)
	}
	return q.okTo("/app/workflows", fmt.Sprintf("The workflow “%s” was terminated.", view.WF.Name))
}

func (w *Web) workflowUrgent(q *rq) error {
	view, err := w.loadWorkflow(q)
	if err != nil {
		return err
	}
	urgent := q.r.PostFormValue("urgent") == "1"
	if _, err := w.svc.PatchWorkflow(q.ctx, q.actor, view.WF.ID, nil, &urgent, nil, false); err != nil {
		return q.failTo(wfBack(view), err)
	}
	if urgent {
		return q.okTo(wfBack(view), "The workflow is marked urgent.")
	}
	return q.okTo(wfBack(view), "The workflow is no longer urgent.")
}

func (w *Web) workflowReturnTo(q *rq) error {
	view, err := w.loadWorkflow(q)
	if err != nil {
		return err
	}
	tid, err := strconv.ParseInt(q.r.PostFormValue("task"), 10, 64)
	if err != nil {
		return q.failTo(wfBack(view), problem.Field("task", "Choose a task to return to."))
	}
	if err := w.svc.ReturnTo(q.ctx, q.actor, view.WF.ID, tid, ""); err != nil {
		return q.failTo(wfBack(view), err)
	}
	return q.okTo(wfBack(view), "The workflow went back to the chosen task.")
}

type runListData struct {
	Templates []*app.TemplateView
}

func (w *Web) runList(q *rq) error {
	active := true
	views, _, err := w.svc.ListTemplates(q.ctx, q.actor, store.TemplateFilter{IsActive: &active, OrderBy: "name", Limit: 1000})
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "run_list", "Run a workflow", "run", runListData{Templates: views})
}

type runData struct {
	T         *app.TemplateView
	Form      []formField
	Multipart bool
	Name      string
	Urgent    bool
	FormError string
}

func (w *Web) loadRunnable(q *rq) (*app.TemplateView, error) {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, problem.Notfound()
	}
	return w.svc.RunnableTemplate(q.ctx, q.actor, id)
}

func (w *Web) runPage(q *rq) error { return w.renderRun(q, http.StatusOK, nil, nil, "") }

func (w *Web) renderRun(q *rq, status int, sent url.Values, errs map[string]string, formErr string) error {
	tv, err := w.loadRunnable(q)
	if err != nil {
		return err
	}
	p, err := w.loadPeople(q.ctx, q.actor)
	if err != nil {
		return err
	}
	d := runData{T: tv, Form: formFromTemplate(tv.Doc.Kickoff.Fields, sent, errs, p, false), FormError: formErr}
	if sent != nil {
		d.Name, d.Urgent = sent.Get("name"), sent.Get("is_urgent") == "1"
	}
	if !tv.Row.IsActive && formErr == "" {
		d.FormError = "This template is not active: activate it before running it."
	}
	for _, f := range d.Form {
		d.Multipart = d.Multipart || f.Type == "file"
	}
	return q.render(status, "run", "Run "+tv.Doc.Name, "run", d)
}

func (w *Web) run(q *rq) error {
	tv, err := w.loadRunnable(q)
	if err != nil {
		return err
	}
	if err := q.parseForm(); err != nil {
		return err
	}
	types := map[string]string{}
	for _, f := range tv.Doc.Kickoff.Fields {
		types[f.APIName] = f.Type
	}
	if err := q.uploadFiles(types); err != nil {
		errs, general := fieldErrors(err, types)
		return w.renderRun(q, http.StatusBadRequest, q.r.Form, errs, general)
	}
	in := app.RunInput{Name: strings.TrimSpace(q.r.PostFormValue("name")), Kickoff: readValues(q.r.Form, types),
		IsUrgent: q.r.PostFormValue("is_urgent") == "1"}
	if due := q.r.PostFormValue("due_date"); due != "" {
		t, err := parseLocalTime(due, q.r.PostFormValue("tz_offset"))
		if err != nil {
			return w.renderRun(q, http.StatusBadRequest, q.r.Form, nil, "The due date is not a date and time.")
		}
		in.DueDate = &t
	}
	view, err := w.svc.Run(q.ctx, q.actor, tv.Row.ID, in)
	if err != nil {
		if p, ok := problem.As(err); ok && p.Kind == problem.Invalid {
			errs, general := fieldErrors(err, types)
			return w.renderRun(q, http.StatusBadRequest, q.r.Form, errs, general)
		}
		return err
	}
	// Straight to the first task when it is the runner's to do.
	if cur := view.WF.Current(); cur != nil && view.WF.Status == engine.StatusRunning && cur.Status == engine.TaskActive &&
		cur.Performs(q.actor.User.ID) {
		return q.okTo(fmt.Sprintf("/app/tasks/%d", cur.ID), fmt.Sprintf("Workflow “%s” started.", view.WF.Name))
	}
	return q.okTo(wfBack(view), fmt.Sprintf("Workflow “%s” started.", view.WF.Name))
}
