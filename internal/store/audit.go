package store

import (
	"context"
	"database/sql"
	"time"
)

// AuditEntry is one security-relevant action.
type AuditEntry struct {
	ID         int64
	UserID     *int64
	Action     string
	ObjectType string
	ObjectID   *int64
	Details    string // JSON object
	Created    time.Time
}

// InsertAudit records an action.
func (q *Q) InsertAudit(ctx context.Context, accountID int64, e AuditEntry) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO audit_log (account_id, user_id, what, object_type, object_id, details, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, accountID, e.UserID, e.Action, e.ObjectType, e.ObjectID, e.Details, Micros(e.Created))
	return err
}

// ListAudit answers a page of the account's audit log, newest first.
func (q *Q) ListAudit(ctx context.Context, accountID int64, limit, offset int) ([]AuditEntry, int, error) {
	var total int
	if err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE account_id = $1`, accountID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.q.QueryContext(ctx, `SELECT id, user_id, what, object_type, object_id, details, created FROM audit_log
		WHERE account_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`, accountID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var uid, oid sql.NullInt64
		var created int64
		if err := rows.Scan(&e.ID, &uid, &e.Action, &e.ObjectType, &oid, &e.Details, &created); err != nil {
			return nil, 0, err
		}
		if uid.Valid {
			e.UserID = &uid.Int64
		}
		if oid.Valid {
			e.ObjectID = &oid.Int64
		}
		e.Created = FromMicros(created)
		out = append(out, e)
	}
	return out, total, rows.Err()
}
