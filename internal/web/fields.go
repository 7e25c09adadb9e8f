package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// formField is one input of a kickoff or task output form, ready for the
// "field" template: the same shape for every field type.
type formField struct {
	ID          string // the input's id
	Name        string // the form key: "f:<api_name>"
	APIName     string
	Label       string
	Description string
	Type        string // a template field type, or "user-email" on public forms
	Required    bool
	Value       string
	Options     []option
	Files       []fileRef
	Error       string
	Uploads     bool // file fields: uploads possible (not on public forms)
}

type option struct {
	Value    string
	Label    string
	Selected bool
}

type fileRef struct {
	ID   int64
	Name string
	URL  string
}

// DescribedBy is the aria-describedby of the input.
func (f formField) DescribedBy() string {
	var ids []string
	if f.Description != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-err")
	}
	return strings.Join(ids, " ")
}

func fieldKey(apiName string) string  { return "f:" + apiName }
func uploadKey(apiName string) string { return "upload:" + apiName }

// people names the users of an account for pages and user pickers.
type people struct {
	byID  map[int64]*store.User
	list  []*store.User
	group map[int64]*store.Group
}

func (w *Web) loadPeople(ctx context.Context, a *app.Actor) (*people, error) {
	users, groups, err := w.svc.AccountDirectory(ctx, a)
	if err != nil {
		return nil, err
	}
	p := &people{byID: map[int64]*store.User{}, list: users, group: groups}
	for _, u := range users {
		p.byID[u.ID] = u
	}
	sort.SliceStable(p.list, func(i, j int) bool {
		return strings.ToLower(displayName(p.list[i])) < strings.ToLower(displayName(p.list[j]))
	})
	return p, nil
}

func displayName(u *store.User) string {
	if n := u.FullName(); n != "" {
		return n
	}
	return u.Email
}

// Name shows a user by name ("Unknown user" for an id not of the account).
func (p *people) Name(id int64) string {
	if p == nil {
		return fmt.Sprintf("User %d", id)
	}
	if u := p.byID[id]; u != nil {
		return displayName(u)
	}
	if id == 0 {
		return "Nobody"
	}
	return "Unknown user"
}

// Names shows several users.
func (p *people) Names(ids []int64) string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, p.Name(id))
	}
	return strings.Join(out, ", ")
}

// Active lists the active users, for pickers.
func (p *people) Active() []*store.User {
	var out []*store.User
	for _, u := range p.list {
		if u.Status == store.UserActive {
			out = append(out, u)
		}
	}
	return out
}

// All lists every user.
func (p *people) All() []*store.User { return p.list }

// Groups lists the groups by name.
func (p *people) Groups() []*store.Group {
	out := make([]*store.Group, 0, len(p.group))
	for _, g := range p.group {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}

func (p *people) userOptions(selected string) []option {
	opts := []option{{Value: "", Label: "— nobody —"}}
	for _, u := range p.Active() {
		id := strconv.FormatInt(u.ID, 10)
		opts = append(opts, option{Value: id, Label: displayName(u) + " <" + u.Email + ">", Selected: id == selected})
	}
	return opts
}

// formFromTemplate builds the kickoff form of a run (defaults filled in,
// or what was sent when the form comes back with errors).
func formFromTemplate(fs []template.Field, sent url.Values, errs map[string]string, p *people, public bool) []formField {
	out := make([]formField, 0, len(fs))
	for _, f := range fs {
		ff := formField{ID: "f-" + f.APIName, Name: fieldKey(f.APIName), APIName: f.APIName, Label: f.Name, Description: f.Description,
			Type: f.Type, Required: f.IsRequired, Error: errs[f.APIName], Uploads: !public}
		if ff.Label == "" {
			ff.Label = f.APIName
		}
		chosen := map[string]bool{}
		if sent != nil {
			ff.Value = sent.Get(ff.Name)
			for _, v := range sent[ff.Name] {
				chosen[v] = true
			}
		} else if f.Default != "" {
			ff.Value = f.Default
			for _, part := range strings.Split(f.Default, ",") {
				chosen[strings.TrimSpace(part)] = true
			}
		}
		for _, s := range f.Selections {
			ff.Options = append(ff.Options, option{Value: s.APIName, Label: s.Value, Selected: chosen[s.APIName] || chosen[s.Value]})
		}
		switch f.Type {
		case template.TypeUser:
			if public {
				ff.Type = "user-email"
			} else {
				ff.Options = p.userOptions(ff.Value)
			}
		case template.TypeDate:
			ff.Value = dateInput(ff.Value)
		}
		out = append(out, ff)
	}
	return out
}

// formFromFields builds a task's output form from its current values (or
// from what was sent when the form comes back with errors).
func formFromFields(fs []*engine.Field, sent url.Values, errs map[string]string, p *people) []formField {
	out := make([]formField, 0, len(fs))
	for _, f := range fs {
		ff := formField{ID: "f-" + f.APIName, Name: fieldKey(f.APIName), APIName: f.APIName, Label: f.Name, Description: f.Description,
			Type: f.Type, Required: f.IsRequired, Error: errs[f.APIName], Uploads: true, Value: f.Value}
		if ff.Label == "" {
			ff.Label = f.APIName
		}
		chosen := map[string]bool{}
		for _, s := range f.Selections {
			chosen[s.APIName] = s.IsSelected
		}
		if sent != nil {
			ff.Value = sent.Get(ff.Name)
			chosen = map[string]bool{}
			for _, v := range sent[ff.Name] {
				chosen[v] = true
			}
		}
		for _, s := range f.Selections {
			ff.Options = append(ff.Options, option{Value: s.APIName, Label: s.Value, Selected: chosen[s.APIName]})
		}
		switch f.Type {
		case template.TypeUser:
			if sent == nil && f.UserID != 0 {
				ff.Value = strconv.FormatInt(f.UserID, 10)
			}
			ff.Options = p.userOptions(ff.Value)
		case template.TypeDate:
			ff.Value = dateInput(ff.Value)
		case template.TypeFile:
			ff.Value = ""
			for _, a := range f.Attachments {
				if sent == nil || chosen[strconv.FormatInt(a.ID, 10)] {
					ff.Files = append(ff.Files, fileRef{ID: a.ID, Name: a.Name, URL: fileLink(a.ID)})
				}
			}
		}
		out = append(out, ff)
	}
	return out
}

// fileLink is where the signed-in app serves an attachment (the API's
// /files/{id} wants an API key for unpublished files).
func fileLink(id int64) string { return "/app/files/" + strconv.FormatInt(id, 10) }

// dateInput turns a stored instant into an <input type=date> value.
func dateInput(v string) string {
	if len(v) >= 10 && v[4] == '-' && v[7] == '-' {
		return v[:10]
	}
	return v
}

// readValues collects the values of fields from a submitted form, in the
// shapes the engine takes: one string, or a list for checkbox and file
// fields. Every field is present, so a cleared input clears its value.
func readValues(form url.Values, fieldTypes map[string]string) map[string]any {
	out := map[string]any{}
	for apiName, typ := range fieldTypes {
		vals := form[fieldKey(apiName)]
		switch typ {
		case template.TypeCheckbox, template.TypeFile:
			list := []any{}
			for _, v := range vals {
				if v = strings.TrimSpace(v); v != "" {
					list = append(list, v)
				}
			}
			out[apiName] = list
		default:
			if len(vals) > 0 {
				out[apiName] = vals[0]
			} else {
				out[apiName] = ""
			}
		}
	}
	return out
}

// fieldErrors maps a validation problem to the inputs it is about (by
// api_name), with what is left over for the top of the form.
func fieldErrors(err error, known map[string]string) (map[string]string, string) {
	p, ok := problem.As(err)
	if !ok {
		return nil, ""
	}
	errs := map[string]string{}
	var general []string
	for _, d := range p.Details {
		if _, ok := known[d.APIName]; d.APIName != "" && ok {
			if errs[d.APIName] == "" {
				errs[d.APIName] = d.Reason
			}
			continue
		}
		general = append(general, d.Reason)
	}
	if len(p.Details) == 0 {
		general = append(general, p.Message)
	}
	return errs, strings.Join(general, " ")
}

// uploadFiles stores files sent in a multipart form (the path without
// JavaScript) through the attachment flow, adding their ids to the form's
// values of their fields.
func (q *rq) uploadFiles(fieldTypes map[string]string) error {
	mf := q.r.MultipartForm
	if mf == nil {
		return nil
	}
	for apiName, typ := range fieldTypes {
		if typ != template.TypeFile {
			continue
		}
		for _, fh := range mf.File[uploadKey(apiName)] {
			if fh.Filename == "" {
				continue
			}
			ct := fh.Header.Get("Content-Type")
			if ct == "" {
				ct = "application/octet-stream"
			}
			slot, err := q.web.svc.CreateAttachment(q.ctx, q.actor, app.AttachmentInput{Filename: fh.Filename, ContentType: ct,
				Size: fh.Size, HasSize: true})
			if err != nil {
				return problem.APIName(apiName, problemText(err))
			}
			f, err := fh.Open()
			if err != nil {
				return err
			}
			token := slot.FileUploadURL[strings.LastIndex(slot.FileUploadURL, "/")+1:]
			_, err = q.web.svc.Upload(q.ctx, token, ct, fh.Size, f)
			f.Close()
			if err != nil {
				return problem.APIName(apiName, problemText(err))
			}
			q.r.MultipartForm.Value[fieldKey(apiName)] = append(q.r.MultipartForm.Value[fieldKey(apiName)], strconv.FormatInt(slot.ID, 10))
			q.r.Form[fieldKey(apiName)] = append(q.r.Form[fieldKey(apiName)], strconv.FormatInt(slot.ID, 10))
		}
	}
	return nil
}

func problemText(err error) string {
	if p, ok := problem.As(err); ok {
		return p.Message
	}
	return "The file could not be stored."
}

// parseForm reads a urlencoded or multipart body.
func (q *rq) parseForm() error {
	if strings.HasPrefix(q.r.Header.Get("Content-Type"), "multipart/") {
		if err := q.r.ParseMultipartForm(32 << 20); err != nil && err != http.ErrNotMultipart {
			return err
		}
		return nil
	}
	return q.r.ParseForm()
}
