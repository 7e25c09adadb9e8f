package app

import (
	"context"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// PublicFormView is what a public (or embedded) form page shows: the
// template's name, description and kickoff, from the version a run would use.
type PublicFormView struct {
	TemplateID int64
	AccountID  int64
	Doc        *template.Template
}

// publicForm finds the active template behind a form token. An unknown
// token, a switched-off form and an inactive template all look the same
// (404): a visitor learns nothing about the account.
func (s *Service) publicForm(ctx context.Context, q *store.Q, token string, embed bool) (*store.TemplateRow, *template.Template, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, problem.Notfound()
	}
	row, err := q.TemplateByToken(ctx, token, embed)
	if err != nil {
		return nil, nil, err
	}
	if !row.IsActive || row.VersionID == nil {
		return nil, nil, problem.Notfound()
	}
	doc, err := s.templateVersion(ctx, q, *row.VersionID)
	if err != nil {
		return nil, nil, err
	}
	if (embed && !doc.IsEmbedded) || (!embed && !doc.IsPublic) {
		return nil, nil, problem.Notfound()
	}
	return row, doc, nil
}

// PublicForm returns the form behind a public_url or embed_url token.
func (s *Service) PublicForm(ctx context.Context, token string, embed bool) (*PublicFormView, error) {
	row, doc, err := s.publicForm(ctx, s.db.Read(), token, embed)
	if err != nil {
		return nil, err
	}
	return &PublicFormView{TemplateID: row.ID, AccountID: row.AccountID, Doc: doc}, nil
}

// RunPublicForm runs a workflow from a public or embedded form, signed out:
// an external run with no starter (the engine gives the account owner the
// starter's tasks). It returns the workflow and the template's
// public_success_url ("" when none). File fields cannot be filled from a
// public form: attachments need a user of the account.
func (s *Service) RunPublicForm(ctx context.Context, token string, embed bool, in RunInput) (*WorkflowView, string, error) {
	row, doc, err := s.publicForm(ctx, s.db.Read(), token, embed)
	if err != nil {
		return nil, "", err
	}
	for _, f := range doc.Kickoff.Fields {
		if f.Type == template.TypeFile {
			delete(in.Kickoff, f.APIName)
		}
	}
	in.IsExternal, in.StarterID = true, 0
	// A visitor names neither the workflow nor its urgency or due date.
	in.Name, in.IsUrgent, in.DueDate = "", false, nil
	view, err := s.run(ctx, row.AccountID, row.ID, in, 0)
	if err != nil {
		return nil, "", err
	}
	success := ""
	if doc.PublicSuccessURL != nil {
		success = *doc.PublicSuccessURL
	}
	return view, success, nil
}
