package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/pneumatic-oss/pneumatic/internal/auth"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// TemplateView is a template with what the API shows beside its document.
type TemplateView struct {
	Row             *store.TemplateRow
	Doc             *template.Template
	Labels          map[int64]string // performer id → label
	PublicURL       *string
	EmbedURL        *string
	TasksCount      int
	PerformersCount int
}

// templateDirectory answers the template package's questions about the
// account, lazily, inside the caller's transaction.
type templateDirectory struct {
	ctx       context.Context
	q         *store.Q
	accountID int64
	users     map[int64]*store.User
	groups    map[int64]*store.Group
}

func newTemplateDirectory(ctx context.Context, q *store.Q, accountID int64) *templateDirectory {
	return &templateDirectory{ctx: ctx, q: q, accountID: accountID}
}

func (d *templateDirectory) load() {
	if d.users != nil {
		return
	}
	d.users = map[int64]*store.User{}
	users, err := d.q.AccountUsers(d.ctx, d.accountID)
	if err == nil {
		for _, u := range users {
			d.users[u.ID] = u
		}
	}
	d.groups, err = d.q.AccountGroups(d.ctx, d.accountID)
	if err != nil {
		d.groups = map[int64]*store.Group{}
	}
}

func (d *templateDirectory) UserExists(id int64) bool  { d.load(); return d.users[id] != nil }
func (d *templateDirectory) GroupExists(id int64) bool { d.load(); return d.groups[id] != nil }
func (d *templateDirectory) UserName(id int64) (string, bool) {
	d.load()
	u := d.users[id]
	if u == nil {
		return "", false
	}
	if n := u.FullName(); n != "" {
		return n, true
	}
	return u.Email, true
}
func (d *templateDirectory) GroupName(id int64) (string, bool) {
	d.load()
	g := d.groups[id]
	if g == nil {
		return "", false
	}
	return g.Name, true
}

func randSuffix() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// idAllocator hands out template object ids from the database counter in
// blocks, inside the saving transaction.
func idAllocator(ctx context.Context, q *store.Q, err *error) func() int64 {
	var next, last int64
	return func() int64 {
		if next == 0 || next > last {
			first, e := q.NextIDs(ctx, "template_object", 64)
			if e != nil {
				*err = e
				return 0
			}
			next, last = first, first+63
		}
		id := next
		next++
		return id
	}
}

func (s *Service) canManageTemplate(a *Actor, doc *template.Template) bool {
	return a.IsAdmin() || slices.Contains(doc.Owners, a.User.ID)
}

// CreateTemplate saves a new template (admins only).
func (s *Service) CreateTemplate(ctx context.Context, a *Actor, body map[string]any) (*TemplateView, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	doc, err := template.Parse(body)
	if err != nil {
		return nil, err
	}
	if len(doc.Owners) == 0 {
		doc.Owners = []int64{a.User.ID}
	}
	var view *TemplateView
	err = s.write(ctx, func(q *store.Q) error {
		now := s.Now()
		id, err := q.InsertTemplate(ctx, a.AccountID(), store.TemplateSave{Name: doc.Name, Doc: []byte("{}"), UpdatedBy: a.User.ID, Now: now})
		if err != nil {
			return err
		}
		doc.ID = id
		row := &store.TemplateRow{ID: id, AccountID: a.AccountID()}
		view, err = s.saveTemplate(ctx, q, a, row, doc, nil)
		return err
	})
	return view, err
}

// saveTemplate assigns ids, validates, writes the row and, for an active
// template, a new immutable version.
func (s *Service) saveTemplate(ctx context.Context, q *store.Q, a *Actor, row *store.TemplateRow, doc, prev *template.Template) (*TemplateView, error) {
	var idErr error
	template.Assign(doc, prev, idAllocator(ctx, q, &idErr), randSuffix)
	if idErr != nil {
		return nil, idErr
	}
	template.SortFields(doc.Kickoff.Fields)
	for i := range doc.Tasks {
		template.SortFields(doc.Tasks[i].Fields)
	}
	dir := newTemplateDirectory(ctx, q, a.AccountID())
	if err := template.Validate(doc, dir); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	save := store.TemplateSave{Name: doc.Name, IsActive: doc.IsActive, IsPublic: doc.IsPublic, IsEmbedded: doc.IsEmbedded,
		PublicToken: row.PublicToken, EmbedToken: row.EmbedToken, Doc: raw, VersionID: row.VersionID, Version: row.Version,
		UpdatedBy: a.User.ID, Now: now}
	if doc.IsPublic && save.PublicToken == nil {
		t := auth.RandomToken(12)
		save.PublicToken = &t
	} else if !doc.IsPublic {
		save.PublicToken = nil
	}
	if doc.IsEmbedded && save.EmbedToken == nil {
		t := auth.RandomToken(12)
		save.EmbedToken = &t
	} else if !doc.IsEmbedded {
		save.EmbedToken = nil
	}
	if doc.IsActive {
		save.Version = row.Version + 1
		vid, err := q.InsertTemplateVersion(ctx, doc.ID, save.Version, raw, now)
		if err != nil {
			return nil, err
		}
		save.VersionID = &vid
	}
	if err := q.UpdateTemplate(ctx, doc.ID, save); err != nil {
		return nil, err
	}
	if err := s.audit(ctx, q, a, "template.saved", "template", doc.ID, map[string]any{"is_active": doc.IsActive, "version": save.Version}); err != nil {
		return nil, err
	}
	row.Doc, row.IsActive, row.PublicToken, row.EmbedToken = raw, doc.IsActive, save.PublicToken, save.EmbedToken
	row.VersionID, row.Version, row.DateUpdated, row.UpdatedBy = save.VersionID, save.Version, now, &a.User.ID
	if row.DateCreated.IsZero() {
		row.DateCreated = now
	}
	return s.templateView(row, doc, dir), nil
}

func (s *Service) templateView(row *store.TemplateRow, doc *template.Template, dir template.Directory) *TemplateView {
	v := &TemplateView{Row: row, Doc: doc, Labels: map[int64]string{}, TasksCount: len(doc.Tasks),
		PerformersCount: template.PerformersCount(doc)}
	if dir != nil {
		for _, t := range doc.Tasks {
			for _, p := range t.Performers {
				v.Labels[p.ID] = template.PerformerLabel(p, doc, dir)
			}
		}
	}
	if row.PublicToken != nil {
		u := s.cfg.PublicURL + "/forms/" + *row.PublicToken
		v.PublicURL = &u
	}
	if row.EmbedToken != nil {
		u := s.cfg.PublicURL + "/forms/embed/" + *row.EmbedToken
		v.EmbedURL = &u
	}
	return v
}

func decodeDoc(raw []byte) (*template.Template, error) {
	doc := &template.Template{}
	if err := json.Unmarshal(raw, doc); err != nil {
		return nil, fmt.Errorf("app: template document: %w", err)
	}
	return doc, nil
}

// Template returns a template's detail (admins and template owners).
func (s *Service) Template(ctx context.Context, a *Actor, id int64) (*TemplateView, error) {
	q := s.db.Read()
	row, err := q.TemplateByID(ctx, a.AccountID(), id, false)
	if err != nil {
		return nil, err
	}
	doc, err := decodeDoc(row.Doc)
	if err != nil {
		return nil, err
	}
	if !s.canManageTemplate(a, doc) {
		return nil, problem.Forbid("You do not have permission to perform this action.")
	}
	return s.templateView(row, doc, newTemplateDirectory(ctx, q, a.AccountID())), nil
}

// UpdateTemplate replaces a template (PUT), matching nested objects by api_name.
func (s *Service) UpdateTemplate(ctx context.Context, a *Actor, id int64, body map[string]any) (*TemplateView, error) {
	var view *TemplateView
	err := s.write(ctx, func(q *store.Q) error {
		row, prev, err := s.lockTemplate(ctx, q, a, id)
		if err != nil {
			return err
		}
		doc, err := template.Parse(body)
		if err != nil {
			return err
		}
		doc.ID = id
		if len(doc.Owners) == 0 {
			doc.Owners = prev.Owners
		}
		view, err = s.saveTemplate(ctx, q, a, row, doc, prev)
		return err
	})
	return view, err
}

// PatchTemplate changes top-level keys of a template.
func (s *Service) PatchTemplate(ctx context.Context, a *Actor, id int64, body map[string]any) (*TemplateView, error) {
	var view *TemplateView
	err := s.write(ctx, func(q *store.Q) error {
		row, prev, err := s.lockTemplate(ctx, q, a, id)
		if err != nil {
			return err
		}
		doc, err := decodeDoc(row.Doc)
		if err != nil {
			return err
		}
		if err := template.ApplyPatch(doc, body); err != nil {
			return err
		}
		view, err = s.saveTemplate(ctx, q, a, row, doc, prev)
		return err
	})
	return view, err
}

// DeleteTemplate hides a template; its running workflows go on.
func (s *Service) DeleteTemplate(ctx context.Context, a *Actor, id int64) error {
	return s.write(ctx, func(q *store.Q) error {
		if _, _, err := s.lockTemplate(ctx, q, a, id); err != nil {
			return err
		}
		if err := q.DeleteTemplate(ctx, a.AccountID(), id, s.Now()); err != nil {
			return err
		}
		return s.audit(ctx, q, a, "template.deleted", "template", id, nil)
	})
}

func (s *Service) lockTemplate(ctx context.Context, q *store.Q, a *Actor, id int64) (*store.TemplateRow, *template.Template, error) {
	row, err := q.TemplateByID(ctx, a.AccountID(), id, true)
	if err != nil {
		return nil, nil, err
	}
	prev, err := decodeDoc(row.Doc)
	if err != nil {
		return nil, nil, err
	}
	if !s.canManageTemplate(a, prev) {
		return nil, nil, problem.Forbid("You do not have permission to perform this action.")
	}
	return row, prev, nil
}

// ListTemplates answers the templates the caller may run: all for admins,
// the active ones for users.
func (s *Service) ListTemplates(ctx context.Context, a *Actor, f store.TemplateFilter) ([]*TemplateView, int, error) {
	if !a.IsAdmin() {
		if f.IsActive != nil && !*f.IsActive {
			return []*TemplateView{}, 0, nil
		}
		t := true
		f.IsActive = &t
	}
	rows, total, err := s.db.Read().ListTemplates(ctx, a.AccountID(), f)
	if err != nil {
		return nil, 0, err
	}
	out := make([]*TemplateView, 0, len(rows))
	for _, row := range rows {
		doc, err := decodeDoc(row.Doc)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, s.templateView(row, doc, nil))
	}
	return out, total, nil
}

// templateVersion loads (and caches: versions never change) a snapshot.
func (s *Service) templateVersion(ctx context.Context, q *store.Q, versionID int64) (*template.Template, error) {
	if v, ok := s.versions.Load(versionID); ok {
		return v.(*template.Template), nil
	}
	raw, err := q.TemplateVersionDoc(ctx, versionID)
	if err != nil {
		return nil, err
	}
	doc, err := decodeDoc(raw)
	if err != nil {
		return nil, err
	}
	s.versions.Store(versionID, doc)
	return doc, nil
}
