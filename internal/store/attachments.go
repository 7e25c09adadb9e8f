package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// AttachmentRow is an uploaded (or announced) file.
type AttachmentRow struct {
	ID                int64
	AccountID         int64
	FieldID           *int64
	Name              string
	ContentType       string
	Size              int64
	StorageKey        string
	ThumbnailKey      *string
	WantThumbnail     bool
	Uploaded          bool
	ThumbnailUploaded bool
	UploadExpires     time.Time
	Published         bool
	CreatedBy         *int64
	DateCreated       time.Time
	// UploadToken and ThumbnailToken are the SHA-256 (hex) of the secrets
	// in the upload URLs; nil once used.
	UploadToken    *string
	ThumbnailToken *string
}

const attachmentColumns = `id, account_id, field_id, name, content_type, size, storage_key, thumbnail_key, want_thumbnail,
	uploaded, thumbnail_uploaded, upload_expires, published, created_by, date_created, upload_token, thumbnail_token`

func scanAttachment(row interface{ Scan(...any) error }) (*AttachmentRow, error) {
	a := &AttachmentRow{}
	var field, by sql.NullInt64
	var thumb, tok, thumbTok sql.NullString
	var exp, created int64
	if err := row.Scan(&a.ID, &a.AccountID, &field, &a.Name, &a.ContentType, &a.Size, &a.StorageKey, &thumb, &a.WantThumbnail,
		&a.Uploaded, &a.ThumbnailUploaded, &exp, &a.Published, &by, &created, &tok, &thumbTok); err != nil {
		return nil, err
	}
	if field.Valid {
		a.FieldID = &field.Int64
	}
	if by.Valid {
		a.CreatedBy = &by.Int64
	}
	if thumb.Valid {
		a.ThumbnailKey = &thumb.String
	}
	if tok.Valid {
		a.UploadToken = &tok.String
	}
	if thumbTok.Valid {
		a.ThumbnailToken = &thumbTok.String
	}
	a.UploadExpires = FromMicros(exp)
	a.DateCreated = FromMicros(created)
	return a, nil
}

// AttachmentForField returns an uploaded attachment of the account that is
// free or already used by fieldID (0: must be free).
func (q *Q) AttachmentForField(ctx context.Context, accountID, id, fieldID int64) (*AttachmentRow, error) {
	a, err := scanAttachment(q.q.QueryRowContext(ctx, `SELECT `+attachmentColumns+` FROM attachments
		WHERE id = $1 AND account_id = $2 AND uploaded = TRUE AND (field_id IS NULL OR field_id = $3)`, id, accountID, fieldID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.Notfound()
	}
	return a, err
}

// InsertAttachment records an announced upload and sets a.ID. The bytes
// come later, through CommitUpload.
func (q *Q) InsertAttachment(ctx context.Context, a *AttachmentRow) error {
	return q.q.QueryRowContext(ctx, `INSERT INTO attachments (account_id, name, content_type, size, storage_key, want_thumbnail,
		upload_expires, created_by, date_created, upload_token, thumbnail_token)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		a.AccountID, a.Name, a.ContentType, a.Size, a.StorageKey, a.WantThumbnail, Micros(a.UploadExpires), a.CreatedBy,
		Micros(a.DateCreated), a.UploadToken, a.ThumbnailToken).Scan(&a.ID)
}

// Attachment returns an attachment of any account (upload and download
// find the account from the row); problem.Notfound when there is none.
func (q *Q) Attachment(ctx context.Context, id int64) (*AttachmentRow, error) {
	a, err := scanAttachment(q.q.QueryRowContext(ctx, `SELECT `+attachmentColumns+` FROM attachments WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.Notfound()
	}
	return a, err
}

// AccountAttachment returns an attachment of the account; problem.Notfound
// for unknown ids and other accounts' attachments alike.
func (q *Q) AccountAttachment(ctx context.Context, accountID, id int64) (*AttachmentRow, error) {
	a, err := scanAttachment(q.q.QueryRowContext(ctx, `SELECT `+attachmentColumns+` FROM attachments
		WHERE id = $1 AND account_id = $2`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.Notfound()
	}
	return a, err
}

// CommitUpload records that the bytes of the file (or its thumbnail) are
// stored under key, consuming the upload token. It is false, changing
// nothing, when the token does not match, was used already or expired:
// then the caller deletes what it stored.
func (q *Q) CommitUpload(ctx context.Context, id int64, thumbnail bool, tokenHash, key string, now time.Time) (bool, error) {
	query := `UPDATE attachments SET storage_key = $1, uploaded = TRUE, upload_token = NULL
		WHERE id = $2 AND upload_token = $3 AND uploaded = FALSE AND upload_expires > $4`
	if thumbnail {
		query = `UPDATE attachments SET thumbnail_key = $1, thumbnail_uploaded = TRUE, thumbnail_token = NULL
		WHERE id = $2 AND thumbnail_token = $3 AND thumbnail_uploaded = FALSE AND upload_expires > $4`
	}
	res, err := q.q.ExecContext(ctx, query, key, id, tokenHash, Micros(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PublishAttachment makes an attachment readable by anyone.
func (q *Q) PublishAttachment(ctx context.Context, id int64) error {
	_, err := q.q.ExecContext(ctx, `UPDATE attachments SET published = TRUE WHERE id = $1`, id)
	return err
}

// OrphanAttachments lists up to limit attachments created before `before`
// that no field uses and nobody published.
func (q *Q) OrphanAttachments(ctx context.Context, before time.Time, limit int) ([]*AttachmentRow, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+attachmentColumns+` FROM attachments
		WHERE field_id IS NULL AND published = FALSE AND date_created < $1 ORDER BY id LIMIT $2`, Micros(before), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*AttachmentRow
	for rows.Next() {
		a, err := scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// DeleteOrphanAttachment deletes the row of an attachment if it is still
// an orphan (a field may have taken it since it was listed); it reports
// whether the row went, so that only then its bytes are deleted.
func (q *Q) DeleteOrphanAttachment(ctx context.Context, id int64) (bool, error) {
	res, err := q.q.ExecContext(ctx, `DELETE FROM attachments WHERE id = $1 AND field_id IS NULL AND published = FALSE`, id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
