package app

import (
	"context"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// RunnableTemplate returns a template the caller may run, for the web
// app's kickoff form: an active template for anyone of the account (the
// same rule as the template list), an inactive one for admins and owners
// only (to show why it cannot run). The document is the version a run
// would use when there is one.
func (s *Service) RunnableTemplate(ctx context.Context, a *Actor, id int64) (*TemplateView, error) {
	q := s.db.Read()
	row, err := q.TemplateByID(ctx, a.AccountID(), id, false)
	if err != nil {
		return nil, err
	}
	doc, err := decodeDoc(row.Doc)
	if err != nil {
		return nil, err
	}
	if !row.IsActive && !s.canManageTemplate(a, doc) {
		return nil, problem.Notfound()
	}
	if row.IsActive && row.VersionID != nil {
		if v, err := s.templateVersion(ctx, q, *row.VersionID); err == nil {
			doc = v
		}
	}
	return s.templateView(row, doc, nil), nil
}

// AccountDirectory lists every user and group of the caller's account, for
// pickers and for showing names (the web app shows people by name where
// the API gives ids).
func (s *Service) AccountDirectory(ctx context.Context, a *Actor) ([]*store.User, map[int64]*store.Group, error) {
	q := s.db.Read()
	users, err := q.AccountUsers(ctx, a.AccountID())
	if err != nil {
		return nil, nil, err
	}
	groups, err := q.AccountGroups(ctx, a.AccountID())
	if err != nil {
		return nil, nil, err
	}
	return users, groups, nil
}

// SetUserPassword sets another user's password (admins only), e.g. for a
// user an admin created directly rather than invited. Their sessions end.
func (s *Service) SetUserPassword(ctx context.Context, a *Actor, userID int64, password string) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	h, err := hashPassword(password)
	if err != nil {
		return err
	}
	return s.write(ctx, func(q *store.Q) error {
		u, err := q.UserByID(ctx, a.AccountID(), userID)
		if err != nil {
			return err
		}
		if u.IsOwner && !a.IsOwner() {
			return problem.Forbid("Only the account owner may set the owner's password.")
		}
		if err := q.SetPasswordHash(ctx, userID, h); err != nil {
			return err
		}
		if err := q.DeleteUserWebSessions(ctx, userID, ""); err != nil {
			return err
		}
		return s.audit(ctx, q, a, "user.password_set", "user", userID, nil)
	})
}
