package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

func (w *Web) templateRoutes() {
	m := w.mux
	m.Handle("GET /app/templates", w.admin(w.templateList))
	m.Handle("GET /app/templates/new", w.admin(w.templateNew))
	m.Handle("POST /app/templates/new", w.admin(w.templateCreate))
	m.Handle("GET /app/templates/{id}", w.admin(w.templateEdit))
	m.Handle("POST /app/templates/{id}", w.admin(w.templateSave))
	m.Handle("POST /app/templates/{id}/flags", w.admin(w.templateFlags))
	m.Handle("POST /app/templates/{id}/delete", w.admin(w.templateDelete))
}

type templateListData struct {
	Templates []*app.TemplateView
	Pager     pager
}

func (w *Web) templateList(q *rq) error {
	off := offsetParam(q.r)
	views, total, err := w.svc.ListTemplates(q.ctx, q.actor, store.TemplateFilter{OrderBy: "name", Limit: pageSize, Offset: off})
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "templates", "Templates", "templates", templateListData{Templates: views,
		Pager: makePager(q.r, off, len(views), total)})
}

// editorData feeds the template editor (static/editor.js): the document as
// JSON in the shape POST/PUT /templates take, the account's people for the
// performer pickers, and the problems of a refused save.
type editorData struct {
	ID        int64
	Name      string
	Doc       string
	People    string
	Errors    string
	PublicURL *string
	EmbedURL  *string
	Active    bool
}

type personJSON struct {
	ID    int64  `json:"id"`
	Label string `json:"label"`
}

func (w *Web) editor(q *rq, status int, d editorData) error {
	p, err := w.loadPeople(q.ctx, q.actor)
	if err != nil {
		return err
	}
	users, groups := []personJSON{}, []personJSON{}
	for _, u := range p.Active() {
		users = append(users, personJSON{ID: u.ID, Label: displayName(u) + " <" + u.Email + ">"})
	}
	for _, g := range p.Groups() {
		groups = append(groups, personJSON{ID: g.ID, Label: g.Name})
	}
	b, err := json.Marshal(map[string]any{"users": users, "groups": groups})
	if err != nil {
		return err
	}
	d.People = string(b)
	if d.Errors == "" {
		d.Errors = "[]"
	}
	title := "New template"
	if d.ID != 0 {
		title = "Edit " + d.Name
	}
	return q.render(status, "template_edit", title, "templates", d)
}

// newTemplateDoc is where a new template starts: one task, done by whoever
// runs the workflow.
const newTemplateDoc = `{"name":"","description":"","is_active":false,"kickoff":{"description":"","fields":[]},
"tasks":[{"number":1,"name":"","description":"","raw_performers":[{"type":"workflow_starter"}],"fields":[],"checklists":[],"conditions":[]}]}`

func (w *Web) templateNew(q *rq) error {
	return w.editor(q, http.StatusOK, editorData{Doc: newTemplateDoc})
}

func (w *Web) loadTemplate(q *rq) (*app.TemplateView, error) {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, problem.Notfound()
	}
	return w.svc.Template(q.ctx, q.actor, id)
}

func (w *Web) templateEdit(q *rq) error {
	tv, err := w.loadTemplate(q)
	if err != nil {
		return err
	}
	return w.editorFor(q, http.StatusOK, tv, "", "")
}

func (w *Web) editorFor(q *rq, status int, tv *app.TemplateView, doc, errs string) error {
	if doc == "" {
		b, err := json.Marshal(tv.Doc)
		if err != nil {
			return err
		}
		doc = string(b)
	}
	return w.editor(q, status, editorData{ID: tv.Row.ID, Name: tv.Doc.Name, Doc: doc, Errors: errs, PublicURL: tv.PublicURL,
		EmbedURL: tv.EmbedURL, Active: tv.Row.IsActive})
}

// decodeTemplateJSON reads the editor's document; numbers stay exact.
func decodeTemplateJSON(s string) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil || body == nil {
		return nil, problem.Field("template", "The editor sent a template that is not valid JSON.")
	}
	return body, nil
}

// problemsJSON lists a refused save's problems for the editor, which shows
// each beside the item with that api_name (or the request field name).
func problemsJSON(err error) (string, bool) {
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.Invalid {
		return "", false
	}
	ds := p.Details
	if len(ds) == 0 {
		ds = []problem.Detail{{Reason: p.Message}}
	}
	b, _ := json.Marshal(ds)
	return string(b), true
}

func (w *Web) templateCreate(q *rq) error {
	raw := q.r.PostFormValue("template_json")
	body, err := decodeTemplateJSON(raw)
	var tv *app.TemplateView
	if err == nil {
		tv, err = w.svc.CreateTemplate(q.ctx, q.actor, body)
	}
	if err != nil {
		errs, ok := problemsJSON(err)
		if !ok {
			return err
		}
		if _, perr := decodeTemplateJSON(raw); perr != nil {
			raw = newTemplateDoc
		}
		return w.editor(q, http.StatusBadRequest, editorData{Doc: raw, Errors: errs})
	}
	return q.okTo(fmt.Sprintf("/app/templates/%d", tv.Row.ID), fmt.Sprintf("Template “%s” saved.", tv.Doc.Name))
}

func (w *Web) templateSave(q *rq) error {
	tv, err := w.loadTemplate(q)
	if err != nil {
		return err
	}
	raw := q.r.PostFormValue("template_json")
	body, err := decodeTemplateJSON(raw)
	var saved *app.TemplateView
	if err == nil {
		saved, err = w.svc.UpdateTemplate(q.ctx, q.actor, tv.Row.ID, body)
	}
	if err != nil {
		errs, ok := problemsJSON(err)
		if !ok {
			return err
		}
		if _, perr := decodeTemplateJSON(raw); perr != nil {
			raw = ""
		}
		return w.editorFor(q, http.StatusBadRequest, tv, raw, errs)
	}
	return q.okTo(fmt.Sprintf("/app/templates/%d", saved.Row.ID), fmt.Sprintf("Template “%s” saved.", saved.Doc.Name))
}

// templateFlags switches one of is_active, is_public, is_embedded.
func (w *Web) templateFlags(q *rq) error {
	tv, err := w.loadTemplate(q)
	if err != nil {
		return err
	}
	key := q.r.PostFormValue("flag")
	switch key {
	case "is_active", "is_public", "is_embedded":
	default:
		return q.failTo("/app/templates", problem.Field("flag", "Unknown setting."))
	}
	on := q.r.PostFormValue("on") == "1"
	back := localPath(q.r.PostFormValue("back"), "/app/templates")
	if _, err := w.svc.PatchTemplate(q.ctx, q.actor, tv.Row.ID, map[string]any{key: on}); err != nil {
		return q.failTo(back, err)
	}
	what := map[string]string{"is_active": "active", "is_public": "public form", "is_embedded": "embedded form"}[key]
	state := "off"
	if on {
		state = "on"
	}
	return q.okTo(back, fmt.Sprintf("%s: %s is %s.", tv.Doc.Name, what, state))
}

func (w *Web) templateDelete(q *rq) error {
	tv, err := w.loadTemplate(q)
	if err != nil {
		return err
	}
	if err := w.svc.DeleteTemplate(q.ctx, q.actor, tv.Row.ID); err != nil {
		return q.failTo("/app/templates", err)
	}
	return q.okTo("/app/templates", fmt.Sprintf("Template “%s” deleted; its running workflows go on.", tv.Doc.Name))
}
