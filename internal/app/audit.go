package app

import (
	"context"
	"encoding/json"

	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// audit records a security-relevant action in the same transaction as the
// change, so the log and the change cannot disagree.
func (s *Service) audit(ctx context.Context, q *store.Q, a *Actor, action, objectType string, objectID int64, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	var uid *int64
	if a != nil {
		uid = &a.User.ID
	}
	oid := &objectID
	if objectID == 0 {
		oid = nil
	}
	accountID := int64(0)
	if a != nil {
		accountID = a.AccountID()
	}
	return q.InsertAudit(ctx, accountID, store.AuditEntry{UserID: uid, Action: action, ObjectType: objectType, ObjectID: oid,
		Details: string(b), Created: s.Now()})
}

// ListAudit answers the account's audit log (admins only).
func (s *Service) ListAudit(ctx context.Context, a *Actor, limit, offset int) ([]store.AuditEntry, int, error) {
	if err := requireAdmin(a); err != nil {
		return nil, 0, err
	}
	return s.db.Read().ListAudit(ctx, a.AccountID(), limit, offset)
}
