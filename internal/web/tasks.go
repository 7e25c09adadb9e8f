package web

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/template"
)

func (w *Web) taskRoutes() {
	m := w.mux
	m.Handle("GET /app/tasks", w.authed(w.taskList))
	m.Handle("GET /app/tasks/{id}", w.authed(w.taskPage))
	m.Handle("POST /app/tasks/{id}/complete", w.authed(w.taskComplete))
	m.Handle("POST /app/tasks/{id}/revert", w.authed(w.taskRevert))
	m.Handle("POST /app/tasks/{id}/checklist", w.authed(w.taskChecklist))
	m.Handle("GET /app/files/{id}", w.authed(w.file))
	m.Handle("POST /app/attachments", w.authed(w.attachmentCreate))
}

const pageSize = 25

type pager struct {
	Prev, Next      string
	From, To, Total int
}

// makePager links the neighbouring pages of a list at offset.
func makePager(r *http.Request, offset, shown, total int) pager {
	p := pager{Total: total, From: offset + 1, To: offset + shown}
	if shown == 0 {
		p.From = 0
	}
	link := func(off int) string {
		v := r.URL.Query()
		if off <= 0 {
			v.Del("offset")
		} else {
			v.Set("offset", strconv.Itoa(off))
		}
		if len(v) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + v.Encode()
	}
	if offset > 0 {
		p.Prev = link(offset - pageSize)
	}
	if offset+shown < total {
		p.Next = link(offset + pageSize)
	}
	return p
}

func offsetParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("offset"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

type taskListData struct {
	Tasks     []store.TaskListItem
	Completed bool
	Order     string
	Pager     pager
}

func (w *Web) taskList(q *rq) error {
	v := q.r.URL.Query()
	f := store.TaskFilter{Completed: v.Get("view") == "completed", Limit: pageSize, Offset: offsetParam(q.r)}
	switch o := v.Get("order"); o {
	case "overdue", "date", "-date":
		f.Order = o
	}
	tasks, total, err := w.svc.ListTasks(q.ctx, q.actor, f)
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "tasks", "My tasks", "tasks", taskListData{Tasks: tasks, Completed: f.Completed, Order: f.Order,
		Pager: makePager(q.r, f.Offset, len(tasks), total)})
}

// valueView is a field value as shown (not edited).
type valueView struct {
	Name  string
	Text  string
	Files []fileRef
}

func showValues(fs []*engine.Field, p *people) []valueView {
	out := make([]valueView, 0, len(fs))
	for _, f := range fs {
		v := valueView{Name: f.Name, Text: f.Value}
		if v.Name == "" {
			v.Name = f.APIName
		}
		switch f.Type {
		case template.TypeUser:
			if f.UserID != 0 {
				v.Text = p.Name(f.UserID)
			}
		case template.TypeDate:
			if t, err := engine.ParseInstant(f.Value); err == nil && f.Value != "" {
				v.Text = t.UTC().Format("2006-01-02")
			}
		case template.TypeFile:
			v.Text = ""
			for _, a := range f.Attachments {
				v.Files = append(v.Files, fileRef{ID: a.ID, Name: a.Name, URL: fileLink(a.ID)})
			}
		}
		out = append(out, v)
	}
	return out
}

type earlierTask struct {
	Number int
	Name   string
	Values []valueView
}

type taskPageData struct {
	Task       *engine.Task
	WF         *engine.Workflow
	People     *people
	Kickoff    []valueView
	Earlier    []earlierTask
	Form       []formField
	Multipart  bool
	CanAct     bool // may complete (the form is shown)
	CanRevert  bool
	Done       bool // the caller completed their share
	Checklists []engine.Checklist
	Events     []app.EventView
	FormError  string
	Own        []valueView // this task's outputs, shown when it is not for the caller to complete
}

// taskPage shows a task: what to do, what came before, the output form.
func (w *Web) taskPage(q *rq) error {
	return w.renderTask(q, http.StatusOK, nil, nil, "")
}

func (w *Web) loadTask(q *rq) (*app.TaskView, error) {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, problem.Notfound()
	}
	tv, err := w.svc.Task(q.ctx, q.actor, id)
	if err != nil {
		return nil, err
	}
	if tv.Task == nil {
		return nil, problem.Notfound()
	}
	return tv, nil
}

func (w *Web) renderTask(q *rq, status int, sent url.Values, errs map[string]string, formErr string) error {
	tv, err := w.loadTask(q)
	if err != nil {
		return err
	}
	p, err := w.loadPeople(q.ctx, q.actor)
	if err != nil {
		return err
	}
	t, wf := tv.Task, tv.WF
	d := taskPageData{Task: t, WF: wf, People: p, Kickoff: showValues(wf.KickoffFields(), p), FormError: formErr,
		Checklists: t.Checklists}
	for _, other := range wf.Tasks {
		if other.Number < t.Number && other.Status == engine.TaskCompleted {
			if vals := showValues(wf.TaskFields(other), p); len(vals) > 0 {
				d.Earlier = append(d.Earlier, earlierTask{Number: other.Number, Name: other.Name, Values: vals})
			}
		}
	}
	me := q.actor.User.ID
	for _, pf := range t.Performers {
		if pf.UserID == me && pf.IsCompleted {
			d.Done = true
		}
	}
	active := t.Status == engine.TaskActive && wf.Status == engine.StatusRunning
	d.CanAct = active && !d.Done && (t.Performs(me) || q.actor.IsOwner())
	d.CanRevert = active && (t.Performs(me) || q.actor.IsAdmin())
	d.Form = formFromFields(wf.TaskFields(t), sent, errs, p)
	if !d.CanAct {
		d.Own = showValues(wf.TaskFields(t), p)
	}
	for _, f := range d.Form {
		if f.Type == template.TypeFile {
			d.Multipart = true
		}
	}
	d.Events, _, err = w.svc.Events(q.ctx, q.actor, wf.ID, 200, 0)
	if err != nil {
		return err
	}
	return q.render(status, "task", t.Name, "tasks", d)
}

func (w *Web) taskComplete(q *rq) error {
	tv, err := w.loadTask(q)
	if err != nil {
		return err
	}
	if err := q.parseForm(); err != nil {
		return err
	}
	types := map[string]string{}
	for _, f := range tv.WF.TaskFields(tv.Task) {
		types[f.APIName] = f.Type
	}
	back := fmt.Sprintf("/app/tasks/%d", tv.Task.ID)
	if err := q.uploadFiles(types); err != nil {
		errs, general := fieldErrors(err, types)
		return w.renderTask(q, http.StatusBadRequest, q.r.Form, errs, general)
	}
	_, err = w.svc.CompleteTask(q.ctx, q.actor, tv.WF.ID, engine.CompleteInput{TaskID: tv.Task.ID, Output: readValues(q.r.Form, types)})
	if err != nil {
		if p, ok := problem.As(err); ok && p.Kind == problem.Invalid {
			errs, general := fieldErrors(err, types)
			return w.renderTask(q, http.StatusBadRequest, q.r.Form, errs, general)
		}
		return q.failTo(back, err)
	}
	return q.okTo("/app/tasks", fmt.Sprintf("Task “%s” completed.", tv.Task.Name))
}

func (w *Web) taskRevert(q *rq) error {
	tv, err := w.loadTask(q)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/app/tasks/%d", tv.Task.ID)
	if err := w.svc.RevertTaskByID(q.ctx, q.actor, tv.Task.ID, strings.TrimSpace(q.r.PostFormValue("comment"))); err != nil {
		return q.failTo(back, err)
	}
	return q.okTo(fmt.Sprintf("/app/workflows/%d", tv.WF.ID), "The workflow went back to the previous task.")
}

func (w *Web) taskChecklist(q *rq) error {
	tv, err := w.loadTask(q)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/app/tasks/%d#checklists", tv.Task.ID)
	cl, err1 := strconv.ParseInt(q.r.PostFormValue("checklist"), 10, 64)
	item, err2 := strconv.ParseInt(q.r.PostFormValue("item"), 10, 64)
	if err1 != nil || err2 != nil {
		return q.failTo(back, problem.Invalidf("No such checklist item."))
	}
	// The checklist must be this task's: the id in the path is what the
	// page showed, and a forged pair must not tick another task's items.
	found := false
	for _, c := range tv.Task.Checklists {
		found = found || c.ID == cl
	}
	if !found {
		return problem.Notfound()
	}
	mark := q.r.PostFormValue("mark") == "1"
	if _, err := w.svc.MarkChecklist(q.ctx, q.actor, cl, item, mark); err != nil {
		return q.failTo(back, err)
	}
	return q.redirect(back)
}

// file serves an attachment to a signed-in user of its account. Stored
// files are never shown inline as HTML: a page uploaded by one user must
// not run as this site for another.
func (w *Web) file(q *rq) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil {
		return problem.Notfound()
	}
	f, err := w.svc.OpenAttachment(q.ctx, q.actor, id, false)
	if err != nil {
		return err
	}
	defer f.Body.Close()
	h := q.w.Header()
	h.Set("Content-Type", f.Row.ContentType)
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-cache")
	disp := "attachment"
	if strings.HasPrefix(f.Row.ContentType, "image/") && !strings.Contains(f.Row.ContentType, "svg") {
		disp = "inline"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": f.Row.Name}))
	http.ServeContent(q.w, q.r, "", f.Row.DateCreated, f.Body)
	return nil
}

// attachmentCreate announces an upload for the page's JavaScript, which
// then PUTs the bytes to the signed upload URL itself (the attachment flow
// of the API, with the session instead of a key).
func (w *Web) attachmentCreate(q *rq) error {
	size, err := strconv.ParseInt(q.r.PostFormValue("size"), 10, 64)
	slot, err2 := w.svc.CreateAttachment(q.ctx, q.actor, app.AttachmentInput{Filename: q.r.PostFormValue("filename"),
		ContentType: q.r.PostFormValue("content_type"), Size: size, HasSize: err == nil})
	q.w.Header().Set("Content-Type", "application/json")
	if err2 != nil {
		p, ok := problem.As(err2)
		if !ok {
			return err2
		}
		q.w.WriteHeader(http.StatusBadRequest)
		return json.NewEncoder(q.w).Encode(map[string]string{"error": p.Message})
	}
	return json.NewEncoder(q.w).Encode(map[string]any{"id": slot.ID, "file_upload_url": slot.FileUploadURL})
}
