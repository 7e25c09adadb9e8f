package httpapi

import (
	"net/http"
	"strings"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/duration"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/template"
)

type selectionJSON struct {
	ID      int64  `json:"id"`
	APIName string `json:"api_name"`
	Value   string `json:"value"`
}

type fieldJSON struct {
	ID          int64           `json:"id"`
	APIName     string          `json:"api_name"`
	Order       int             `json:"order"`
	Name        string          `json:"name"`
	Type        string          `json:"type"`
	IsRequired  bool            `json:"is_required"`
	Description string          `json:"description"`
	Default     string          `json:"default"`
	Selections  []selectionJSON `json:"selections"`
}

func fieldsOut(fs []template.Field) []fieldJSON {
	out := make([]fieldJSON, 0, len(fs))
	for _, f := range fs {
		sel := make([]selectionJSON, 0, len(f.Selections))
		for _, s := range f.Selections {
			sel = append(sel, selectionJSON{ID: s.ID, APIName: s.APIName, Value: s.Value})
		}
		out = append(out, fieldJSON{ID: f.ID, APIName: f.APIName, Order: f.Order, Name: f.Name, Type: f.Type, IsRequired: f.IsRequired,
			Description: f.Description, Default: f.Default, Selections: sel})
	}
	return out
}

type kickoffJSON struct {
	ID          int64       `json:"id"`
	Description string      `json:"description"`
	Fields      []fieldJSON `json:"fields"`
}

type dueDateJSON struct {
	ID             int64   `json:"id"`
	APIName        string  `json:"api_name"`
	Duration       string  `json:"duration"`
	DurationMonths int     `json:"duration_months"`
	Rule           string  `json:"rule"`
	SourceID       *string `json:"source_id"`
}

type performerJSON struct {
	ID       int64   `json:"id"`
	APIName  string  `json:"api_name"`
	Type     string  `json:"type"`
	SourceID *string `json:"source_id"`
	Label    string  `json:"label"`
}

type checklistJSON struct {
	ID         int64           `json:"id"`
	APIName    string          `json:"api_name"`
	Selections []selectionJSON `json:"selections"`
}

type taskTemplateJSON struct {
	ID                     int64                `json:"id"`
	APIName                string               `json:"api_name"`
	Number                 int                  `json:"number"`
	Name                   string               `json:"name"`
	Description            string               `json:"description"`
	Delay                  *string              `json:"delay"`
	RequireCompletionByAll bool                 `json:"require_completion_by_all"`
	RawDueDate             *dueDateJSON         `json:"raw_due_date"`
	RawPerformers          []performerJSON      `json:"raw_performers"`
	Checklists             []checklistJSON      `json:"checklists"`
	Fields                 []fieldJSON          `json:"fields"`
	Conditions             []template.Condition `json:"conditions"`
}

type templateJSON struct {
	ID               int64               `json:"id"`
	Name             string              `json:"name"`
	Description      string              `json:"description"`
	IsActive         bool                `json:"is_active"`
	IsPublic         bool                `json:"is_public"`
	PublicURL        *string             `json:"public_url"`
	PublicSuccessURL *string             `json:"public_success_url"`
	IsEmbedded       bool                `json:"is_embedded"`
	EmbedURL         *string             `json:"embed_url"`
	Finalizable      bool                `json:"finalizable"`
	DateUpdated      *string             `json:"date_updated"`
	DateUpdatedTsp   *float64            `json:"date_updated_tsp"`
	UpdatedBy        *int64              `json:"updated_by"`
	TemplateOwners   []int64             `json:"template_owners"`
	TasksCount       int                 `json:"tasks_count"`
	PerformersCount  int                 `json:"performers_count"`
	Kickoff          kickoffJSON         `json:"kickoff"`
	Tasks            *[]taskTemplateJSON `json:"tasks,omitempty"`
}

func durationText(sec *int64) *string {
	if sec == nil {
		return nil
	}
	s := duration.Format(secondsDuration(*sec))
	return &s
}

func (s *Server) templateOut(v *app.TemplateView, withTasks bool) templateJSON {
	d := v.Doc
	owners := d.Owners
	if owners == nil {
		owners = []int64{}
	}
	out := templateJSON{ID: d.ID, Name: d.Name, Description: d.Description, IsActive: d.IsActive, IsPublic: d.IsPublic,
		PublicURL: v.PublicURL, PublicSuccessURL: d.PublicSuccessURL, IsEmbedded: d.IsEmbedded, EmbedURL: v.EmbedURL,
		Finalizable: d.Finalizable, DateUpdated: isoV(v.Row.DateUpdated), DateUpdatedTsp: tspV(v.Row.DateUpdated),
		UpdatedBy: v.Row.UpdatedBy, TemplateOwners: owners, TasksCount: v.TasksCount, PerformersCount: v.PerformersCount,
		Kickoff: kickoffJSON{ID: d.Kickoff.ID, Description: d.Kickoff.Description, Fields: fieldsOut(d.Kickoff.Fields)}}
	if !withTasks {
		return out
	}
	tasks := make([]taskTemplateJSON, 0, len(d.Tasks))
	out.Tasks = &tasks
	for _, t := range d.Tasks {
		tj := taskTemplateJSON{ID: t.ID, APIName: t.APIName, Number: t.Number, Name: t.Name, Description: t.Description,
			Delay: durationText(t.Delay), RequireCompletionByAll: t.RequireCompletionByAll, Fields: fieldsOut(t.Fields),
			Conditions: t.Conditions, RawPerformers: []performerJSON{}, Checklists: []checklistJSON{}}
		if tj.Conditions == nil {
			tj.Conditions = []template.Condition{}
		}
		for i := range tj.Conditions {
			if tj.Conditions[i].Rules == nil {
				tj.Conditions[i].Rules = []template.Rule{}
			}
		}
		if t.DueDate != nil {
			sec := t.DueDate.Duration
			tj.RawDueDate = &dueDateJSON{ID: t.DueDate.ID, APIName: t.DueDate.APIName, Duration: *durationText(&sec),
				DurationMonths: t.DueDate.DurationMonths, Rule: t.DueDate.Rule, SourceID: t.DueDate.SourceID}
		}
		for _, p := range t.Performers {
			tj.RawPerformers = append(tj.RawPerformers, performerJSON{ID: p.ID, APIName: p.APIName, Type: p.Type, SourceID: p.SourceID,
				Label: v.Labels[p.ID]})
		}
		for _, cl := range t.Checklists {
			cj := checklistJSON{ID: cl.ID, APIName: cl.APIName, Selections: []selectionJSON{}}
			for _, it := range cl.Items {
				cj.Selections = append(cj.Selections, selectionJSON{ID: it.ID, APIName: it.APIName, Value: it.Value})
			}
			tj.Checklists = append(tj.Checklists, cj)
		}
		tasks = append(tasks, tj)
	}
	return out
}

func (s *Server) handleTemplateList(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePage(r, 20)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.TemplateFilter{Limit: p.Limit, Offset: p.Offset, OrderBy: "date", Desc: true}
	switch o := q.Get("ordering"); o {
	case "", "-date":
	case "date":
		f.Desc = false
	case "name":
		f.OrderBy, f.Desc = "name", false
	case "-name":
		f.OrderBy = "name"
	default:
		return problem.Field("ordering", "ordering must be one of date, -date, name, -name.")
	}
	if v := q.Get("is_active"); v != "" {
		b := strings.EqualFold(v, "true") || v == "1"
		if !b && !strings.EqualFold(v, "false") && v != "0" {
			return problem.Field("is_active", "is_active must be true or false.")
		}
		f.IsActive = &b
	}
	views, total, err := s.app.ListTemplates(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	out := make([]templateJSON, 0, len(views))
	for _, v := range views {
		out = append(out, s.templateOut(v, false))
	}
	writeJSON(w, http.StatusOK, s.newEnvelope(r, p, total, out))
	return nil
}

func (s *Server) handleTemplateCreate(w http.ResponseWriter, r *http.Request) error {
	if !actor(r).IsAdmin() {
		return problem.Forbid("You do not have permission to perform this action.")
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	v, err := s.app.CreateTemplate(r.Context(), actor(r), raw)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.templateOut(v, true))
	return nil
}

func (s *Server) handleTemplateGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.app.Template(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.templateOut(v, true))
	return nil
}

func (s *Server) handleTemplatePut(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	v, err := s.app.UpdateTemplate(r.Context(), actor(r), id, raw)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.templateOut(v, true))
	return nil
}

func (s *Server) handleTemplatePatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	v, err := s.app.PatchTemplate(r.Context(), actor(r), id, raw)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.templateOut(v, true))
	return nil
}

func (s *Server) handleTemplateDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteTemplate(r.Context(), actor(r), id); err != nil {
		return err
	}
	noContent(w)
	return nil
}
