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
}

const attachmentColumns = `id, account_id, field_id, name, content_type, size, storage_key, thumbnail_key, want_thumbnail,
	uploaded, thumbnail_uploaded, upload_expires, published, created_by, date_created`

func scanAttachment(row interface{ Scan(...any) error }) (*AttachmentRow, error) {
	a := &AttachmentRow{}
	var field, by sql.NullInt64
	var thumb sql.NullString
	var exp, created int64
	if err := row.Scan(&a.ID, &a.AccountID, &field, &a.Name, &a.ContentType, &a.Size, &a.StorageKey, &thumb, &a.WantThumbnail,
		&a.Uploaded, &a.ThumbnailUploaded, &exp, &a.Published, &by, &created); err != nil {
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
