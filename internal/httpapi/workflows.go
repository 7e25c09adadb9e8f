package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/duration"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/webhook"
)

func secondsDuration(sec int64) time.Duration { return time.Duration(sec) * time.Second }

type delayJSON struct {
	ID                  int64    `json:"id"`
	Duration            string   `json:"duration"`
	StartDate           *string  `json:"start_date"`
	StartDateTsp        *float64 `json:"start_date_tsp"`
	EndDate             *string  `json:"end_date"`
	EndDateTsp          *float64 `json:"end_date_tsp"`
	EstimatedEndDate    *string  `json:"estimated_end_date"`
	EstimatedEndDateTsp *float64 `json:"estimated_end_date_tsp"`
}

func delayOut(t *engine.Task) *delayJSON {
	if t.Delay == nil {
		return nil
	}
	d := t.Delay
	return &delayJSON{ID: t.ID, Duration: duration.Format(d.Duration), StartDate: iso(d.Start), StartDateTsp: tsp(d.Start),
		EndDate: iso(d.End), EndDateTsp: tsp(d.End), EstimatedEndDate: iso(d.EstimatedEnd), EstimatedEndDateTsp: tsp(d.EstimatedEnd)}
}

func performerIDs(t *engine.Task) []int64 {
	out := make([]int64, 0, len(t.Performers))
	for _, p := range t.Performers {
		out = append(out, p.UserID)
	}
	return out
}

func checklistCounts(t *engine.Task) (total, marked int) {
	for _, cl := range t.Checklists {
		for _, it := range cl.Items {
			total++
			if it.IsSelected {
				marked++
			}
		}
	}
	return
}

type currentTaskJSON struct {
	ID               int64      `json:"id"`
	Name             string     `json:"name"`
	Number           int        `json:"number"`
	Description      string     `json:"description"`
	DateStarted      *string    `json:"date_started"`
	DateStartedTsp   *float64   `json:"date_started_tsp"`
	DateCompleted    *string    `json:"date_completed"`
	DateCompletedTsp *float64   `json:"date_completed_tsp"`
	DueDate          *string    `json:"due_date"`
	DueDateTsp       *float64   `json:"due_date_tsp"`
	Performers       []int64    `json:"performers"`
	ChecklistsTotal  int        `json:"checklists_total"`
	ChecklistsMarked int        `json:"checklists_marked"`
	Delay            *delayJSON `json:"delay"`
}

type taskItemJSON struct {
	ID               int64    `json:"id"`
	Number           int      `json:"number"`
	Name             string   `json:"name"`
	APIName          string   `json:"api_name"`
	Status           string   `json:"status"`
	DateStarted      *string  `json:"date_started"`
	DateStartedTsp   *float64 `json:"date_started_tsp"`
	DateCompleted    *string  `json:"date_completed"`
	DateCompletedTsp *float64 `json:"date_completed_tsp"`
	DueDate          *string  `json:"due_date"`
	DueDateTsp       *float64 `json:"due_date_tsp"`
	Performers       []int64  `json:"performers"`
}

type passedTaskJSON struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Number int    `json:"number"`
}

type workflowTemplateJSON struct {
	ID             int64   `json:"id"`
	Name           string  `json:"name"`
	IsActive       bool    `json:"is_active"`
	TemplateOwners []int64 `json:"template_owners"`
}

type workflowKickoffJSON struct {
	ID          int64                `json:"id"`
	Description string               `json:"description"`
	Output      []webhook.FieldValue `json:"output"`
}

type workflowJSON struct {
	ID               int64                `json:"id"`
	WorkflowID       *int64               `json:"workflow_id,omitempty"`
	Name             string               `json:"name"`
	Description      string               `json:"description"`
	Status           int                  `json:"status"`
	Template         workflowTemplateJSON `json:"template"`
	CurrentTask      *currentTaskJSON     `json:"current_task"`
	TasksCount       int                  `json:"tasks_count"`
	WorkflowStarter  *int64               `json:"workflow_starter"`
	Finalizable      bool                 `json:"finalizable"`
	IsExternal       bool                 `json:"is_external"`
	IsUrgent         bool                 `json:"is_urgent"`
	Kickoff          workflowKickoffJSON  `json:"kickoff"`
	PassedTasks      []passedTaskJSON     `json:"passed_tasks"`
	DateCreated      *string              `json:"date_created"`
	DateCreatedTsp   *float64             `json:"date_created_tsp"`
	DateCompleted    *string              `json:"date_completed"`
	DateCompletedTsp *float64             `json:"date_completed_tsp"`
	DueDate          *string              `json:"due_date"`
	DueDateTsp       *float64             `json:"due_date_tsp"`
	Tasks            []taskItemJSON       `json:"tasks"`
}

func currentTaskOut(t *engine.Task) *currentTaskJSON {
	if t == nil {
		return nil
	}
	total, marked := checklistCounts(t)
	return &currentTaskJSON{ID: t.ID, Name: t.Name, Number: t.Number, Description: t.Description,
		DateStarted: iso(t.DateStarted), DateStartedTsp: tsp(t.DateStarted), DateCompleted: iso(t.DateCompleted),
		DateCompletedTsp: tsp(t.DateCompleted), DueDate: iso(t.DueDate), DueDateTsp: tsp(t.DueDate), Performers: performerIDs(t),
		ChecklistsTotal: total, ChecklistsMarked: marked, Delay: delayOut(t)}
}

func workflowOut(v *app.WorkflowView) workflowJSON {
	wf := v.WF
	out := workflowJSON{ID: wf.ID, Name: wf.Name, Description: wf.Description, Status: wf.Status,
		Template:    workflowTemplateJSON{ID: wf.TemplateID, Name: wf.TemplateName, IsActive: v.TemplateActive, TemplateOwners: v.TemplateOwners},
		CurrentTask: currentTaskOut(wf.Current()), TasksCount: len(wf.Tasks), Finalizable: wf.Finalizable, IsExternal: wf.IsExternal,
		IsUrgent:    wf.IsUrgent,
		Kickoff:     workflowKickoffJSON{ID: wf.ID, Description: wf.KickoffDescription, Output: webhook.FieldValues(wf, wf.KickoffFields())},
		PassedTasks: []passedTaskJSON{}, DateCreated: isoV(wf.DateCreated), DateCreatedTsp: tspV(wf.DateCreated),
		DateCompleted: iso(wf.DateCompleted), DateCompletedTsp: tsp(wf.DateCompleted), DueDate: iso(wf.DueDate),
		DueDateTsp: tsp(wf.DueDate), Tasks: make([]taskItemJSON, 0, len(wf.Tasks))}
	if wf.StarterID != 0 {
		id := wf.StarterID
		out.WorkflowStarter = &id
	}
	for _, t := range wf.Tasks {
		if t.Status == engine.TaskCompleted {
			out.PassedTasks = append(out.PassedTasks, passedTaskJSON{ID: t.ID, Name: t.Name, Number: t.Number})
		}
		out.Tasks = append(out.Tasks, taskItemJSON{ID: t.ID, Number: t.Number, Name: t.Name, APIName: t.APIName, Status: t.Status,
			DateStarted: iso(t.DateStarted), DateStartedTsp: tsp(t.DateStarted), DateCompleted: iso(t.DateCompleted),
			DateCompletedTsp: tsp(t.DateCompleted), DueDate: iso(t.DueDate), DueDateTsp: tsp(t.DueDate), Performers: performerIDs(t)})
	}
	return out
}

func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	b := body(raw)
	var in app.RunInput
	if in.Name, _, err = b.str("name"); err != nil {
		return err
	}
	if in.Kickoff, _, err = b.object("kickoff"); err != nil {
		return problem.Field("kickoff", "Expected an object of kickoff values keyed by api_name.")
	}
	if in.IsUrgent, _, err = b.boolean("is_urgent"); err != nil {
		return err
	}
	if t, ok, err := instantField(b, "due_date"); err != nil {
		return err
	} else if ok {
		in.DueDate = &t
	}
	return s.idempotent(w, r, raw, func(res any) (int, any) {
		out := workflowOut(res.(*app.WorkflowView))
		out.WorkflowID = &out.ID
		return http.StatusOK, out
	}, func(ctx context.Context) (any, error) { return s.app.Run(ctx, actor(r), id, in) })
}

var workflowStatusWords = map[string]int{"running": engine.StatusRunning, "done": engine.StatusDone,
	"delayed": engine.StatusDelayed, "snoozed": engine.StatusDelayed}

func parseStatuses(v string) ([]int, error) {
	if v == "" {
		return nil, nil
	}
	var out []int
	for _, w := range strings.Split(v, ",") {
		st, ok := workflowStatusWords[strings.TrimSpace(strings.ToLower(w))]
		if !ok {
			if n, err := strconv.Atoi(strings.TrimSpace(w)); err == nil && (n == 0 || n == 1 || n == 3) {
				st, ok = n, true
			}
		}
		if !ok {
			return nil, problem.Field("status", "status must be running, delayed (or snoozed) or done.")
		}
		out = append(out, st)
	}
	return out, nil
}

func queryID(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, problem.Field(name, name+" must be a positive integer.")
	}
	return n, nil
}

func (s *Server) handleWorkflowList(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePage(r, 15)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.WorkflowFilter{Limit: p.Limit, Offset: p.Offset, Search: q.Get("search")}
	if f.Statuses, err = parseStatuses(q.Get("status")); err != nil {
		return err
	}
	if f.TemplateID, err = queryID(r, "template_id"); err != nil {
		return err
	}
	if f.StarterID, err = queryID(r, "workflow_starter"); err != nil {
		return err
	}
	if f.CurrentPerformer, err = queryID(r, "current_performer"); err != nil {
		return err
	}
	switch o := q.Get("ordering"); o {
	case "", "-date", "date", "-urgent":
		f.Order = o
	default:
		return problem.Field("ordering", "ordering must be date, -date or -urgent.")
	}
	views, total, err := s.app.ListWorkflows(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	out := make([]workflowJSON, 0, len(views))
	for _, v := range views {
		out = append(out, workflowOut(v))
	}
	writeJSON(w, http.StatusOK, s.newEnvelope(r, p, total, out))
	return nil
}

func (s *Server) handleWorkflowGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.app.Workflow(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, workflowOut(v))
	return nil
}

func (s *Server) handleWorkflowPatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	b := body(raw)
	var name *string
	if v, ok, err := b.str("name"); err != nil {
		return err
	} else if ok {
		name = &v
	}
	var urgent *bool
	if v, ok, err := b.boolean("is_urgent"); err != nil {
		return err
	} else if ok {
		urgent = &v
	}
	var due *time.Time
	dueSet := b.has("due_date") || b.has("due_date_tsp")
	if t, ok, err := instantField(b, "due_date"); err != nil {
		return err
	} else if ok {
		due = &t
	}
	v, err := s.app.PatchWorkflow(r.Context(), actor(r), id, name, urgent, due, dueSet)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, workflowOut(v))
	return nil
}

func (s *Server) handleWorkflowDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteWorkflow(r.Context(), actor(r), id); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func completeInput(b body) (engine.CompleteInput, error) {
	var in engine.CompleteInput
	var err error
	if in.OnBehalf, _, err = b.integer("user_id"); err != nil {
		return in, err
	}
	if in.Output, _, err = b.object("output"); err != nil {
		return in, problem.Field("output", "Expected an object of output values keyed by api_name.")
	}
	return in, nil
}

func (s *Server) handleTaskComplete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	b := body(raw)
	in, err := completeInput(b)
	if err != nil {
		return err
	}
	tid, ok, err := b.integer("task_id")
	if err != nil {
		return err
	}
	if !ok {
		return problem.Field("task_id", "This field is required.")
	}
	in.TaskID = tid
	return s.idempotent(w, r, raw, func(any) (int, any) { return http.StatusNoContent, nil },
		func(ctx context.Context) (any, error) { return s.app.CompleteTask(ctx, actor(r), id, in) })
}

func (s *Server) handleFinish(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.FinishWorkflow(r.Context(), actor(r), id); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *Server) handleSnooze(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	until, ok, err := instantField(body(raw), "date")
	if err != nil {
		return err
	}
	if !ok {
		return problem.Field("date", "This field is required.")
	}
	v, err := s.app.SnoozeWorkflow(r.Context(), actor(r), id, until)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, workflowOut(v))
	return nil
}

func (s *Server) handleResume(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.app.ResumeWorkflow(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, workflowOut(v))
	return nil
}

func (s *Server) handleRevert(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	comment, _, err := body(raw).str("comment")
	if err != nil {
		return err
	}
	if err := s.app.RevertTask(r.Context(), actor(r), id, comment); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *Server) handleReturnTo(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	b := body(raw)
	tid, _, err := b.integer("task")
	if err != nil {
		return err
	}
	api, _, err := b.str("task_api_name")
	if err != nil {
		return err
	}
	if tid == 0 && api == "" {
		return problem.Field("task", "Give the task to return to (task or task_api_name).")
	}
	if err := s.app.ReturnTo(r.Context(), actor(r), id, tid, api); err != nil {
		return err
	}
	noContent(w)
	return nil
}

type eventJSON struct {
	ID         int64           `json:"id"`
	Type       int             `json:"type"`
	Text       string          `json:"text"`
	UserID     *int64          `json:"user_id"`
	Task       *passedTaskJSON `json:"task"`
	WorkflowID int64           `json:"workflow_id"`
	Created    *string         `json:"created"`
	CreatedTsp *float64        `json:"created_tsp"`
}

func eventOut(e *store.EventRow) eventJSON {
	out := eventJSON{ID: e.ID, Type: e.Type, Text: e.Text, UserID: e.UserID, WorkflowID: e.WorkflowID, Created: isoV(e.Created),
		CreatedTsp: tspV(e.Created)}
	if e.TaskID != nil {
		out.Task = &passedTaskJSON{ID: *e.TaskID, Name: *e.TaskName, Number: *e.TaskNumber}
	}
	return out
}

func (s *Server) handleComment(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	text, _, err := body(raw).str("text")
	if err != nil {
		return err
	}
	ev, err := s.app.Comment(r.Context(), actor(r), id, text)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, eventOut(ev))
	return nil
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := parsePage(r, 20)
	if err != nil {
		return err
	}
	evs, total, err := s.app.Events(r.Context(), actor(r), id, p.Limit, p.Offset)
	if err != nil {
		return err
	}
	out := make([]eventJSON, 0, len(evs))
	for i := range evs {
		out = append(out, eventOut(&evs[i]))
	}
	writeJSON(w, http.StatusOK, s.newEnvelope(r, p, total, out))
	return nil
}

type fieldsItemJSON struct {
	ID               int64                `json:"id"`
	Name             string               `json:"name"`
	Status           int                  `json:"status"`
	DateCreated      *string              `json:"date_created"`
	DateCreatedTsp   *float64             `json:"date_created_tsp"`
	DateCompleted    *string              `json:"date_completed"`
	DateCompletedTsp *float64             `json:"date_completed_tsp"`
	Fields           []webhook.FieldValue `json:"fields"`
}

func (s *Server) handleWorkflowFields(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("template_id") == "" {
		return problem.Field("template_id", "template_id is required.")
	}
	tid, err := queryID(r, "template_id")
	if err != nil {
		return err
	}
	p, err := parsePage(r, 15)
	if err != nil {
		return err
	}
	f := app.FieldsFilter{TemplateID: tid, Limit: p.Limit, Offset: p.Offset}
	if f.Statuses, err = parseStatuses(q.Get("status")); err != nil {
		return err
	}
	if v := q.Get("fields"); v != "" {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				f.Fields = append(f.Fields, n)
			}
		}
	}
	wfs, total, err := s.app.WorkflowFields(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	out := make([]fieldsItemJSON, 0, len(wfs))
	for _, wf := range wfs {
		out = append(out, fieldsItemJSON{ID: wf.ID, Name: wf.Name, Status: wf.Status, DateCreated: isoV(wf.DateCreated),
			DateCreatedTsp: tspV(wf.DateCreated), DateCompleted: iso(wf.DateCompleted), DateCompletedTsp: tsp(wf.DateCompleted),
			Fields: webhook.FieldValues(wf, wf.Fields)})
	}
	writeJSON(w, http.StatusOK, s.newEnvelope(r, p, total, out))
	return nil
}
