package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/webhook"
)

type taskListItemJSON struct {
	ID             int64    `json:"id"`
	Name           string   `json:"name"`
	WorkflowName   string   `json:"workflow_name"`
	WorkflowID     int64    `json:"workflow_id"`
	DueDate        *string  `json:"due_date"`
	DueDateTsp     *float64 `json:"due_date_tsp"`
	DateStarted    *string  `json:"date_started"`
	DateStartedTsp *float64 `json:"date_started_tsp"`
	TemplateID     int64    `json:"template_id"`
	TemplateTaskID int64    `json:"template_task_id"`
	IsUrgent       bool     `json:"is_urgent"`
	Status         string   `json:"status"`
}

// taskListItemOut is an inbox row as the contract shows it; appendTaskList
// writes the same JSON by hand.
func taskListItemOut(it store.TaskListItem) taskListItemJSON {
	return taskListItemJSON{ID: it.ID, Name: it.Name, WorkflowName: it.WorkflowName, WorkflowID: it.WorkflowID,
		DueDate: iso(it.DueDate), DueDateTsp: tsp(it.DueDate), DateStarted: iso(it.DateStarted), DateStartedTsp: tsp(it.DateStarted),
		TemplateID: it.TemplateID, TemplateTaskID: it.TemplateTaskID, IsUrgent: it.IsUrgent, Status: it.Status}
}

func (s *Server) handleTaskList(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePage(r, 20)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.TaskFilter{Limit: p.Limit, Offset: p.Offset}
	if v := q.Get("assigned_to"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return problem.Field("assigned_to", "assigned_to must be a user id.")
		}
		f.UserID = n
	}
	if f.TemplateID, err = queryID(r, "template_id"); err != nil {
		return err
	}
	switch v := q.Get("is_completed"); v {
	case "", "false", "0":
	case "true", "1":
		f.Completed = true
	default:
		return problem.Field("is_completed", "is_completed must be true or false.")
	}
	switch o := q.Get("ordering"); o {
	case "", "date", "-date", "overdue":
		f.Order = o
	default:
		return problem.Field("ordering", "ordering must be date, -date or overdue.")
	}
	items, total, err := s.app.ListTasks(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	writeJSONBytes(w, http.StatusOK, appendTaskList(make([]byte, 0, 512+330*len(items)), s.newEnvelope(r, p, total, nil), items))
	return nil
}

type checklistItemJSON struct {
	ID         int64  `json:"id"`
	APIName    string `json:"api_name"`
	Value      string `json:"value"`
	IsSelected bool   `json:"is_selected"`
}

type taskChecklistJSON struct {
	ID         int64               `json:"id"`
	APIName    string              `json:"api_name"`
	Selections []checklistItemJSON `json:"selections"`
}

func checklistOut(cl engine.Checklist) taskChecklistJSON {
	out := taskChecklistJSON{ID: cl.ID, APIName: cl.APIName, Selections: []checklistItemJSON{}}
	for _, it := range cl.Items {
		out.Selections = append(out.Selections, checklistItemJSON{ID: it.ID, APIName: it.APIName, Value: it.Value, IsSelected: it.IsSelected})
	}
	return out
}

type taskWorkflowJSON struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Status       int    `json:"status"`
	TemplateID   int64  `json:"template_id"`
	TemplateName string `json:"template_name"`
}

type taskDetailJSON struct {
	ID                     int64                `json:"id"`
	Name                   string               `json:"name"`
	Description            string               `json:"description"`
	DateStarted            *string              `json:"date_started"`
	DateStartedTsp         *float64             `json:"date_started_tsp"`
	DateCompleted          *string              `json:"date_completed"`
	DateCompletedTsp       *float64             `json:"date_completed_tsp"`
	DueDate                *string              `json:"due_date"`
	DueDateTsp             *float64             `json:"due_date_tsp"`
	IsCompleted            bool                 `json:"is_completed"`
	IsUrgent               bool                 `json:"is_urgent"`
	RequireCompletionByAll bool                 `json:"require_completion_by_all"`
	Performers             []int64              `json:"performers"`
	Delay                  *delayJSON           `json:"delay"`
	Output                 []webhook.FieldValue `json:"output"`
	Number                 int                  `json:"number"`
	APIName                string               `json:"api_name"`
	Status                 string               `json:"status"`
	Workflow               taskWorkflowJSON     `json:"workflow"`
	ChecklistsTotal        int                  `json:"checklists_total"`
	ChecklistsMarked       int                  `json:"checklists_marked"`
	Checklists             []taskChecklistJSON  `json:"checklists"`
}

func taskDetailOut(v *app.TaskView) taskDetailJSON {
	t, wf := v.Task, v.WF
	total, marked := checklistCounts(t)
	out := taskDetailJSON{ID: t.ID, Name: t.Name, Description: t.Description, DateStarted: iso(t.DateStarted),
		DateStartedTsp: tsp(t.DateStarted), DateCompleted: iso(t.DateCompleted), DateCompletedTsp: tsp(t.DateCompleted),
		DueDate: iso(t.DueDate), DueDateTsp: tsp(t.DueDate), IsCompleted: t.Status == engine.TaskCompleted, IsUrgent: t.IsUrgent,
		RequireCompletionByAll: t.RequireCompletionByAll, Performers: performerIDs(t), Delay: delayOut(t),
		Output: webhook.FieldValues(wf, wf.TaskFields(t)), Number: t.Number, APIName: t.APIName, Status: t.Status,
		Workflow:        taskWorkflowJSON{ID: wf.ID, Name: wf.Name, Status: wf.Status, TemplateID: wf.TemplateID, TemplateName: wf.TemplateName},
		ChecklistsTotal: total, ChecklistsMarked: marked, Checklists: []taskChecklistJSON{}}
	for _, cl := range t.Checklists {
		out.Checklists = append(out.Checklists, checklistOut(cl))
	}
	return out
}

func (s *Server) handleTaskGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.app.Task(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, taskDetailOut(v))
	return nil
}

func (s *Server) handleTaskCompleteV2(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	in, err := completeInput(body(raw))
	if err != nil {
		return err
	}
	return s.idempotent(w, r, raw, func(res any) (int, any) {
		if wv, ok := res.(*app.WorkflowView); ok {
			// Inside the completion's transaction (a keyed request): the
			// task as the completion left it.
			return http.StatusOK, taskDetailOut(&app.TaskView{Task: wv.WF.TaskByID(id), WF: wv.WF})
		}
		return http.StatusOK, taskDetailOut(res.(*app.TaskView))
	}, func(ctx context.Context) (any, error) { return s.app.CompleteTaskByID(ctx, actor(r), id, in) })
}

func (s *Server) handleTaskRevertV2(w http.ResponseWriter, r *http.Request) error {
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
	if comment == "" {
		return problem.Field("comment", "You must supply a comment.")
	}
	if err := s.app.RevertTaskByID(r.Context(), actor(r), id, comment); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *Server) handleChecklistGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.app.Checklist(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, checklistOut(v.Checklist))
	return nil
}

func (s *Server) checklistMark(w http.ResponseWriter, r *http.Request, selected bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	sel, ok, err := body(raw).integer("selection_id")
	if err != nil {
		return err
	}
	if !ok {
		return problem.Field("selection_id", "This field is required.")
	}
	v, err := s.app.MarkChecklist(r.Context(), actor(r), id, sel, selected)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, checklistOut(v.Checklist))
	return nil
}

func (s *Server) handleChecklistMark(w http.ResponseWriter, r *http.Request) error {
	return s.checklistMark(w, r, true)
}

func (s *Server) handleChecklistUnmark(w http.ResponseWriter, r *http.Request) error {
	return s.checklistMark(w, r, false)
}
