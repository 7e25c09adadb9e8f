package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// TemplateRow is a template's row: the current document and bookkeeping.
type TemplateRow struct {
	ID          int64
	AccountID   int64
	Doc         []byte
	IsActive    bool
	PublicToken *string
	EmbedToken  *string
	VersionID   *int64
	Version     int
	DateCreated time.Time
	DateUpdated time.Time
	UpdatedBy   *int64
}

const templateColumns = `id, account_id, doc, is_active, public_token, embed_token, version_id, version, date_created, date_updated, updated_by`

func scanTemplate(row interface{ Scan(...any) error }) (*TemplateRow, error) {
	t := &TemplateRow{}
	var doc string
	var pub, emb sql.NullString
	var vid, by sql.NullInt64
	var created, updated int64
	if err := row.Scan(&t.ID, &t.AccountID, &doc, &t.IsActive, &pub, &emb, &vid, &t.Version, &created, &updated, &by); err != nil {
		return nil, err
	}
	t.Doc = []byte(doc)
	if pub.Valid {
		t.PublicToken = &pub.String
	}
	if emb.Valid {
		t.EmbedToken = &emb.String
	}
	if vid.Valid {
		t.VersionID = &vid.Int64
	}
	if by.Valid {
		t.UpdatedBy = &by.Int64
	}
	t.DateCreated = FromMicros(created)
	t.DateUpdated = FromMicros(updated)
	return t, nil
}

// TemplateSave is what a create or update writes.
type TemplateSave struct {
	Name        string
	IsActive    bool
	IsPublic    bool
	IsEmbedded  bool
	PublicToken *string
	EmbedToken  *string
	Doc         []byte
	VersionID   *int64
	Version     int
	UpdatedBy   int64
	Now         time.Time
}

// InsertTemplate creates a template row and returns its id; the document
// is written by UpdateTemplate once the id is known.
func (q *Q) InsertTemplate(ctx context.Context, accountID int64, s TemplateSave) (int64, error) {
	var id int64
	err := q.q.QueryRowContext(ctx, `INSERT INTO templates (account_id, name, name_lower, is_active, is_public, is_embedded,
		public_token, embed_token, doc, version, date_created, date_updated, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $10, $11) RETURNING id`,
		accountID, s.Name, strings.ToLower(s.Name), s.IsActive, s.IsPublic, s.IsEmbedded, s.PublicToken, s.EmbedToken,
		string(s.Doc), Micros(s.Now), s.UpdatedBy).Scan(&id)
	return id, err
}

// UpdateTemplate rewrites a template's row.
func (q *Q) UpdateTemplate(ctx context.Context, id int64, s TemplateSave) error {
	_, err := q.q.ExecContext(ctx, `UPDATE templates SET name = $1, name_lower = $2, is_active = $3, is_public = $4,
		is_embedded = $5, public_token = $6, embed_token = $7, doc = $8, version_id = $9, version = $10, date_updated = $11,
		updated_by = $12 WHERE id = $13`,
		s.Name, strings.ToLower(s.Name), s.IsActive, s.IsPublic, s.IsEmbedded, s.PublicToken, s.EmbedToken, string(s.Doc),
		s.VersionID, s.Version, Micros(s.Now), s.UpdatedBy, id)
	return err
}

// InsertTemplateVersion stores an immutable snapshot and returns its id.
func (q *Q) InsertTemplateVersion(ctx context.Context, templateID int64, version int, doc []byte, now time.Time) (int64, error) {
	var id int64
	err := q.q.QueryRowContext(ctx, `INSERT INTO template_versions (template_id, version, doc, date_created) VALUES ($1, $2, $3, $4) RETURNING id`,
		templateID, version, string(doc), Micros(now)).Scan(&id)
	return id, err
}

// TemplateVersionDoc loads a snapshot.
func (q *Q) TemplateVersionDoc(ctx context.Context, versionID int64) ([]byte, error) {
	var doc string
	err := q.q.QueryRowContext(ctx, `SELECT doc FROM template_versions WHERE id = $1`, versionID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.Notfound()
	}
	return []byte(doc), err
}

// TemplateByID loads a live template of the account; forUpdate locks the
// row on PostgreSQL (SQLite's single writer already serialises).
func (q *Q) TemplateByID(ctx context.Context, accountID, id int64, forUpdate bool) (*TemplateRow, error) {
	lock := ""
	if forUpdate && q.d == Postgres {
		lock = " FOR UPDATE"
	}
	t, err := scanTemplate(q.q.QueryRowContext(ctx, `SELECT `+templateColumns+` FROM templates
		WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL`+lock, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.Notfound()
	}
	return t, err
}

// TemplateByToken finds a public or embedded template by its form token.
func (q *Q) TemplateByToken(ctx context.Context, token string, embed bool) (*TemplateRow, error) {
	col := "public_token"
	if embed {
		col = "embed_token"
	}
	t, err := scanTemplate(q.q.QueryRowContext(ctx, `SELECT `+templateColumns+` FROM templates WHERE `+col+` = $1 AND deleted_at IS NULL`, token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.Notfound()
	}
	return t, err
}

// DeleteTemplate hides a template; its workflows go on.
func (q *Q) DeleteTemplate(ctx context.Context, accountID, id int64, now time.Time) error {
	_, err := q.q.ExecContext(ctx, `UPDATE templates SET deleted_at = $1, public_token = NULL, embed_token = NULL
		WHERE id = $2 AND account_id = $3`, Micros(now), id, accountID)
	return err
}

// TemplateFilter selects the template list.
type TemplateFilter struct {
	IsActive *bool
	OrderBy  string // date or name
	Desc     bool
	Limit    int
	Offset   int
}

// ListTemplates answers a page of the account's templates.
func (q *Q) ListTemplates(ctx context.Context, accountID int64, f TemplateFilter) ([]*TemplateRow, int, error) {
	where := "account_id = $1 AND deleted_at IS NULL"
	args := []any{accountID}
	if f.IsActive != nil {
		args = append(args, *f.IsActive)
		where += fmt.Sprintf(" AND is_active = $%d", len(args))
	}
	var total int
	if err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM templates WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	col := "date_created"
	if f.OrderBy == "name" {
		col = "name_lower"
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM templates WHERE %s ORDER BY %s %s, id %s LIMIT $%d OFFSET $%d`,
		templateColumns, where, col, dir, dir, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*TemplateRow
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, t)
	}
	return out, total, rows.Err()
}

// TemplateMeta is what a workflow's detail shows of its template, read
// without the document.
type TemplateMeta struct {
	AccountID int64
	IsActive  bool
	VersionID *int64
}

// TemplateMetaByID reads a live template's activity and current version.
func (q *Q) TemplateMetaByID(ctx context.Context, accountID, id int64) (*TemplateMeta, error) {
	m := &TemplateMeta{AccountID: accountID}
	var vid sql.NullInt64
	err := q.q.QueryRowContext(ctx, `SELECT is_active, version_id FROM templates WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL`,
		id, accountID).Scan(&m.IsActive, &vid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.Notfound()
	}
	if vid.Valid {
		m.VersionID = &vid.Int64
	}
	return m, err
}
