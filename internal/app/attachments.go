package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/jobs"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// Attachment limits (CONTRACT §7).
const (
	// MaxAttachmentSize is the largest file (and thumbnail) accepted.
	MaxAttachmentSize = 104857600
	// UploadURLTTL is how long an upload URL may be used.
	UploadURLTTL = 15 * time.Minute
	// OrphanTTL is how long an attachment no field uses is kept (unless
	// published: a published file's URL may be shared anywhere).
	OrphanTTL = 24 * time.Hour
	// JobAttachmentCleanup is the periodic job that deletes orphans.
	JobAttachmentCleanup = "attachment_cleanup"

	msgTooBig = "The size limit for attachments is 100.0 Mb."
	// cleanupEvery is the pause between two cleanup runs; a full batch
	// makes the next run come sooner.
	cleanupEvery = time.Hour
	cleanupBatch = 200
)

// Upload errors the HTTP layer shows as they are.
var (
	// ErrUploadURL covers an unknown, expired or already used upload URL,
	// without telling which.
	ErrUploadURL = problem.Forbid("This upload URL is invalid, expired or already used.")
	// ErrUploadTooLarge is a body longer than the declared size.
	ErrUploadTooLarge = &problem.Error{Kind: problem.TooLarge, Message: "The upload is larger than the declared size."}
	// ErrUploadTooShort is a body shorter than the declared size.
	ErrUploadTooShort = problem.Field("size", "The upload is shorter than the declared size.")
)

// AttachmentInput announces an upload.
type AttachmentInput struct {
	Filename    string
	ContentType string
	Size        int64
	HasSize     bool
	Thumbnail   bool
}

// AttachmentSlot is where to upload the announced bytes.
type AttachmentSlot struct {
	ID                 int64
	FileUploadURL      string
	ThumbnailUploadURL *string
}

// CreateAttachment announces an upload and returns its signed, single-use
// upload URLs (valid UploadURLTTL). Any user of the account may upload.
func (s *Service) CreateAttachment(ctx context.Context, a *Actor, in AttachmentInput) (*AttachmentSlot, error) {
	in.Filename = strings.TrimSpace(in.Filename)
	in.ContentType = strings.TrimSpace(in.ContentType)
	var errs problem.List
	switch {
	case in.Filename == "":
		errs.AddName("filename", "This field is required.")
	case len(in.Filename) > 256:
		errs.AddName("filename", "Ensure this field has no more than 256 characters.")
	case strings.ContainsFunc(in.Filename, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		errs.AddName("filename", "The file name must not contain control characters.")
	}
	switch {
	case in.ContentType == "":
		errs.AddName("content_type", "This field is required.")
	case len(in.ContentType) > 256:
		errs.AddName("content_type", "Ensure this field has no more than 256 characters.")
	default:
		if _, _, err := mime.ParseMediaType(in.ContentType); err != nil {
			errs.AddName("content_type", "Enter a valid media type, such as image/png.")
		}
	}
	switch {
	case !in.HasSize:
		errs.AddName("size", "This field is required.")
	case in.Size < 0:
		errs.AddName("size", "Ensure this value is greater than or equal to 0.")
	case in.Size > MaxAttachmentSize:
		errs.AddName("size", msgTooBig)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if s.blobs == nil {
		return nil, problem.Forbid("Saving files is not available: no file storage is configured.")
	}
	now := s.Now()
	fileSecret, fileHash := newUploadSecret()
	row := &store.AttachmentRow{AccountID: a.AccountID(), Name: in.Filename, ContentType: in.ContentType, Size: in.Size,
		WantThumbnail: in.Thumbnail, UploadExpires: now.Add(UploadURLTTL), CreatedBy: &a.User.ID, DateCreated: now,
		UploadToken: &fileHash}
	var thumbSecret string
	if in.Thumbnail {
		var thumbHash string
		thumbSecret, thumbHash = newUploadSecret()
		row.ThumbnailToken = &thumbHash
	}
	var slot *AttachmentSlot
	if err := s.write(ctx, func(q *store.Q) error {
		if err := q.InsertAttachment(ctx, row); err != nil {
			return err
		}
		slot = &AttachmentSlot{ID: row.ID, FileUploadURL: s.uploadURL(row.ID, false, fileSecret)}
		if in.Thumbnail {
			u := s.uploadURL(row.ID, true, thumbSecret)
			slot.ThumbnailUploadURL = &u
		}
		// With an Idempotency-Key the answer (upload URLs included) is kept
		// for replays; the URLs expire after UploadURLTTL all the same.
		return s.remember(ctx, q, slot)
	}); err != nil {
		return nil, err
	}
	return slot, nil
}

// newUploadSecret returns a random URL secret and the hash the row keeps:
// a copy of the database does not give the power to upload.
func newUploadSecret() (secret, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret)
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// uploadURL is "<public>/files/upload/<id>.<f|t>.<secret>".
func (s *Service) uploadURL(id int64, thumbnail bool, secret string) string {
	kind := "f"
	if thumbnail {
		kind = "t"
	}
	return fmt.Sprintf("%s/files/upload/%d.%s.%s", s.cfg.PublicURL, id, kind, secret)
}

func parseUploadToken(token string) (id int64, thumbnail bool, secret string, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || (parts[1] != "f" && parts[1] != "t") || len(parts[2]) != 43 {
		return 0, false, "", false
	}
	id, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || id <= 0 {
		return 0, false, "", false
	}
	return id, parts[1] == "t", parts[2], true
}

// UploadResult is what a successful upload answers.
type UploadResult struct {
	ID        int64
	Size      int64
	Thumbnail bool
}

// Upload stores the bytes sent to an upload URL. contentType must be the
// declared one; contentLength is the request's (-1: unknown). The file must
// be exactly its declared size, a thumbnail at most MaxAttachmentSize.
// Nothing is stored unless everything checks out.
func (s *Service) Upload(ctx context.Context, token, contentType string, contentLength int64, body io.Reader) (*UploadResult, error) {
	id, thumb, secret, ok := parseUploadToken(token)
	if !ok {
		return nil, ErrUploadURL
	}
	row, err := s.db.Read().Attachment(ctx, id)
	if problem.Is(err, problem.NotFound) {
		return nil, ErrUploadURL
	}
	if err != nil {
		return nil, err
	}
	want, done := row.UploadToken, row.Uploaded
	if thumb {
		want, done = row.ThumbnailToken, row.ThumbnailUploaded
	}
	hash := hashSecret(secret)
	if want == nil || done || subtle.ConstantTimeCompare([]byte(*want), []byte(hash)) != 1 || !s.Now().Before(row.UploadExpires) {
		return nil, ErrUploadURL
	}
	if !sameMediaType(contentType, row.ContentType) {
		return nil, problem.Field("Content-Type", fmt.Sprintf("The Content-Type must be the declared one, %q.", row.ContentType))
	}
	size, limit := row.Size, int64(row.Size)
	if thumb {
		size, limit = contentLength, MaxAttachmentSize
	}
	switch {
	case contentLength > limit:
		if thumb {
			return nil, &problem.Error{Kind: problem.TooLarge, Message: msgTooBig}
		}
		return nil, ErrUploadTooLarge
	case !thumb && contentLength >= 0 && contentLength < size:
		return nil, ErrUploadTooShort
	}
	if s.blobs == nil {
		return nil, problem.Forbid("Saving files is not available: no file storage is configured.")
	}
	suffix := ""
	if thumb {
		suffix = "-thumb"
	}
	// A fresh key per attempt: two racing PUTs of one URL never write the
	// same object, and the loser's bytes are deleted below.
	key := fmt.Sprintf("%d/%d/%s%s", row.AccountID, row.ID, randomHex(8), suffix)
	src := &exactReader{r: body, remaining: limit, exact: !thumb}
	if err := s.blobs.Put(ctx, key, src, size, row.ContentType); err != nil {
		s.deleteBlob(key)
		switch {
		case src.err == errTooLong:
			if thumb {
				return nil, &problem.Error{Kind: problem.TooLarge, Message: msgTooBig}
			}
			return nil, ErrUploadTooLarge
		case src.err == io.ErrUnexpectedEOF:
			return nil, ErrUploadTooShort
		case src.err != nil || ctx.Err() != nil:
			// The client's side failed (disconnect, timeout): no server fault.
			return nil, problem.Invalidf("The upload was interrupted.")
		}
		return nil, fmt.Errorf("store upload of attachment %d: %w", row.ID, err)
	}
	if !src.complete() {
		// A store that stopped reading early must not pass for success.
		s.deleteBlob(key)
		return nil, ErrUploadTooShort
	}
	var committed bool
	err = s.write(ctx, func(q *store.Q) error {
		var err error
		committed, err = q.CommitUpload(ctx, row.ID, thumb, hash, key, s.Now())
		return err
	})
	if err != nil || !committed {
		s.deleteBlob(key)
		if err != nil {
			return nil, err
		}
		return nil, ErrUploadURL
	}
	return &UploadResult{ID: row.ID, Size: src.read, Thumbnail: thumb}, nil
}

func (s *Service) deleteBlob(key string) {
	// The request may be gone; the deletion must still happen.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.blobs.Delete(ctx, key); err != nil {
		s.log.Warn("attachments: delete blob", "key", key, "err", err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sameMediaType compares Content-Type values as media types: case and
// spacing of the type, and the order of parameters, do not matter.
func sameMediaType(got, declared string) bool {
	if strings.EqualFold(strings.TrimSpace(got), strings.TrimSpace(declared)) {
		return true
	}
	gt, gp, err1 := mime.ParseMediaType(got)
	dt, dp, err2 := mime.ParseMediaType(declared)
	if err1 != nil || err2 != nil || gt != dt || len(gp) != len(dp) {
		return false
	}
	for k, v := range dp {
		if !strings.EqualFold(gp[k], v) {
			return false
		}
	}
	return true
}

var errTooLong = errors.New("upload longer than allowed")

// exactReader passes at most remaining bytes through. When it has passed
// them all it probes for one more byte, so that a body longer than allowed
// fails even when the consumer reads exactly the announced size and stops.
// With exact, an early end is io.ErrUnexpectedEOF.
type exactReader struct {
	r         io.Reader
	remaining int64
	exact     bool
	read      int64
	err       error
	eof       bool
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.eof {
		return 0, io.EOF
	}
	if e.remaining == 0 {
		return 0, e.finish()
	}
	if int64(len(p)) > e.remaining {
		p = p[:e.remaining]
	}
	n, err := e.r.Read(p)
	e.read += int64(n)
	e.remaining -= int64(n)
	switch {
	case err == io.EOF:
		if e.exact && e.remaining > 0 {
			e.err = io.ErrUnexpectedEOF
			return n, e.err
		}
		e.eof = true
		return n, io.EOF
	case err != nil:
		e.err = err
		return n, err
	case e.remaining == 0:
		return n, e.finish()
	}
	return n, nil
}

// finish checks that the source is exhausted once the limit is reached.
func (e *exactReader) finish() error {
	var one [1]byte
	for {
		n, err := e.r.Read(one[:])
		if n > 0 {
			e.err = errTooLong
			return e.err
		}
		if err == io.EOF {
			e.eof = true
			return io.EOF
		}
		if err != nil {
			e.err = err
			return err
		}
	}
}

// complete is true when the source ended within the limit (and, if exact,
// exactly at it).
func (e *exactReader) complete() bool {
	return e.eof && e.err == nil && (!e.exact || e.remaining == 0)
}

// PublishAttachment makes an attachment of the caller's account readable by
// anyone at its URL.
func (s *Service) PublishAttachment(ctx context.Context, a *Actor, id int64) (*store.AttachmentRow, error) {
	var row *store.AttachmentRow
	err := s.write(ctx, func(q *store.Q) error {
		var err error
		row, err = q.AccountAttachment(ctx, a.AccountID(), id)
		if err != nil {
			return err
		}
		if !row.Uploaded {
			return problem.Invalidf("Blob object doesn't exist.")
		}
		row.Published = true
		return q.PublishAttachment(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	return row, nil
}

// AttachmentFile is an open attachment (or thumbnail) to serve.
type AttachmentFile struct {
	Row       *store.AttachmentRow
	Body      io.ReadSeekCloser
	Size      int64
	Thumbnail bool
}

// OpenAttachment opens the bytes of an attachment (or its thumbnail) for
// caller, nil for an anonymous request. A published file is for anyone; an
// unpublished one for users of its account only: an anonymous caller gets
// 401 and another account's user 404, whether or not the id exists.
func (s *Service) OpenAttachment(ctx context.Context, caller *Actor, id int64, thumbnail bool) (*AttachmentFile, error) {
	row, err := s.db.Read().Attachment(ctx, id)
	if err != nil && !problem.Is(err, problem.NotFound) {
		return nil, err
	}
	readable := row != nil && (row.Published || (caller != nil && caller.AccountID() == row.AccountID))
	if !readable {
		if caller == nil {
			return nil, ErrNoCredentials
		}
		return nil, problem.Notfound()
	}
	key, ok := row.StorageKey, row.Uploaded
	if thumbnail {
		ok = row.ThumbnailUploaded && row.ThumbnailKey != nil
		if ok {
			key = *row.ThumbnailKey
		}
	}
	if !ok || s.blobs == nil {
		return nil, problem.Notfound()
	}
	body, size, err := s.blobs.Open(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("open attachment %d: %w", id, err)
	}
	return &AttachmentFile{Row: row, Body: body, Size: size, Thumbnail: thumbnail}, nil
}

// ScheduleAttachmentCleanup queues the periodic orphan cleanup unless it is
// queued already (one job for the whole cluster).
func (s *Service) ScheduleAttachmentCleanup(ctx context.Context) error {
	now := s.Now()
	err := s.write(ctx, func(q *store.Q) error {
		return jobs.Enqueue(ctx, q, JobAttachmentCleanup, struct{}{}, now, now, JobAttachmentCleanup)
	})
	if err == nil {
		s.jobs.Notify()
	}
	return err
}

// HandleAttachmentCleanup is the periodic job: it deletes one batch of
// orphans and asks to run again.
func (s *Service) HandleAttachmentCleanup(ctx context.Context, _ json.RawMessage, _ int) error {
	n, err := s.CleanupAttachments(ctx, cleanupBatch)
	next := s.Now().Add(cleanupEvery)
	if err != nil {
		s.log.Warn("attachments: cleanup", "err", err)
		next = s.Now().Add(time.Minute)
	} else if n == cleanupBatch {
		next = s.Now().Add(time.Second)
	}
	return &jobs.Retry{At: next}
}

// CleanupAttachments deletes up to limit attachments (rows and bytes) that
// no field took and nobody published within OrphanTTL of their creation.
// It returns how many it deleted.
func (s *Service) CleanupAttachments(ctx context.Context, limit int) (int, error) {
	orphans, err := s.db.Read().OrphanAttachments(ctx, s.Now().Add(-OrphanTTL), limit)
	if err != nil {
		return 0, err
	}
	deleted := 0
	for _, a := range orphans {
		var gone bool
		if err := s.write(ctx, func(q *store.Q) error {
			var err error
			gone, err = q.DeleteOrphanAttachment(ctx, a.ID)
			return err
		}); err != nil {
			return deleted, err
		}
		if !gone {
			continue
		}
		deleted++
		// The row goes first: a crash between the two leaks bytes, never
		// leaves a row whose bytes are missing.
		if s.blobs != nil {
			for _, key := range []*string{&a.StorageKey, a.ThumbnailKey} {
				if key != nil && *key != "" {
					s.deleteBlob(*key)
				}
			}
		}
	}
	return deleted, nil
}
