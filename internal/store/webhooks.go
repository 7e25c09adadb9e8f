package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Webhook delivery statuses.
const (
	WebhookPending   = "pending"
	WebhookDelivered = "delivered"
	WebhookFailed    = "failed"
)

// WebhookSubscriptions returns an account's event → URL map.
func (q *Q) WebhookSubscriptions(ctx context.Context, accountID int64) (map[string]string, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT event, url FROM webhook_subscriptions WHERE account_id = $1`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var e, u string
		if err := rows.Scan(&e, &u); err != nil {
			return nil, err
		}
		out[e] = u
	}
	return out, rows.Err()
}

// SetWebhookSubscription points an event of the account at url (one URL per
// account and event).
func (q *Q) SetWebhookSubscription(ctx context.Context, accountID int64, event, url string, now time.Time) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO webhook_subscriptions (account_id, event, url, date_created) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, event) DO UPDATE SET url = excluded.url, date_created = excluded.date_created`,
		accountID, event, url, Micros(now))
	return err
}

// DeleteWebhookSubscription removes one event's subscription (no-op if none).
func (q *Q) DeleteWebhookSubscription(ctx context.Context, accountID int64, event string) error {
	_, err := q.q.ExecContext(ctx, `DELETE FROM webhook_subscriptions WHERE account_id = $1 AND event = $2`, accountID, event)
	return err
}

// DeleteWebhookSubscriptions removes every subscription of the account.
func (q *Q) DeleteWebhookSubscriptions(ctx context.Context, accountID int64) error {
	_, err := q.q.ExecContext(ctx, `DELETE FROM webhook_subscriptions WHERE account_id = $1`, accountID)
	return err
}

// WebhookDelivery is one event sent (or to send) to one URL.
type WebhookDelivery struct {
	ID             int64
	AccountID      int64
	WorkflowID     *int64 // nil for test deliveries
	Event          string
	URL            string
	WebhookID      string // the webhook-id header, stable across attempts
	Payload        string // the exact body sent
	Status         string
	Attempts       int
	NextAttemptAt  *time.Time
	LastStatusCode *int
	LastError      *string
	DateCreated    time.Time
	DateDelivered  *time.Time
	RetrySince     time.Time // start of the current retry window
}

const deliveryColumns = `id, account_id, workflow_id, event, url, webhook_id, payload, status, attempts, next_attempt_at,
	last_status_code, last_error, date_created, date_delivered, retry_since`

func scanDelivery(row interface{ Scan(...any) error }) (*WebhookDelivery, error) {
	var d WebhookDelivery
	var wid, next, code, delivered, since sql.NullInt64
	var lastErr sql.NullString
	var created int64
	if err := row.Scan(&d.ID, &d.AccountID, &wid, &d.Event, &d.URL, &d.WebhookID, &d.Payload, &d.Status, &d.Attempts, &next,
		&code, &lastErr, &created, &delivered, &since); err != nil {
		return nil, err
	}
	if wid.Valid {
		d.WorkflowID = &wid.Int64
	}
	d.NextAttemptAt = FromNullMicros(next)
	if code.Valid {
		c := int(code.Int64)
		d.LastStatusCode = &c
	}
	if lastErr.Valid {
		d.LastError = &lastErr.String
	}
	d.DateCreated = FromMicros(created)
	d.DateDelivered = FromNullMicros(delivered)
	d.RetrySince = d.DateCreated
	if since.Valid {
		d.RetrySince = FromMicros(since.Int64)
	}
	return &d, nil
}

// InsertWebhookDelivery records a pending delivery due now and returns its
// id. The payload may be set afterwards (it carries the id).
func (q *Q) InsertWebhookDelivery(ctx context.Context, d *WebhookDelivery, now time.Time) (int64, error) {
	var wid any
	if d.WorkflowID != nil {
		wid = *d.WorkflowID
	}
	var id int64
	err := q.q.QueryRowContext(ctx, `INSERT INTO webhook_deliveries (account_id, workflow_id, event, url, webhook_id, payload, status,
		attempts, next_attempt_at, date_created, retry_since) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8, $8) RETURNING id`,
		d.AccountID, wid, d.Event, d.URL, d.WebhookID, d.Payload, WebhookPending, Micros(now)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: insert webhook delivery: %w", err)
	}
	return id, nil
}

// SetWebhookDeliveryPayload stores the body of a delivery.
func (q *Q) SetWebhookDeliveryPayload(ctx context.Context, id int64, payload string) error {
	_, err := q.q.ExecContext(ctx, `UPDATE webhook_deliveries SET payload = $1 WHERE id = $2`, payload, id)
	return err
}

// WebhookDeliveryByID loads a delivery of any account (workers).
func (q *Q) WebhookDeliveryByID(ctx context.Context, id int64) (*WebhookDelivery, error) {
	d, err := scanDelivery(q.q.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound()
	}
	return d, err
}

// AccountWebhookDelivery loads a delivery of the account (404 otherwise).
func (q *Q) AccountWebhookDelivery(ctx context.Context, accountID, id int64) (*WebhookDelivery, error) {
	d, err := scanDelivery(q.q.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1 AND account_id = $2`,
		id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound()
	}
	return d, err
}

// OlderPendingWebhookDelivery returns the oldest pending delivery of the
// same workflow to the same URL created before delivery id (nil when
// none): deliveries of one workflow to one receiver go out in order.
func (q *Q) OlderPendingWebhookDelivery(ctx context.Context, accountID, workflowID int64, url string, id int64) (*WebhookDelivery, error) {
	d, err := scanDelivery(q.q.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE workflow_id = $1 AND account_id = $2 AND id < $3 AND status = $4 AND url = $5 ORDER BY id LIMIT 1`,
		workflowID, accountID, id, WebhookPending, url))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return d, err
}

// WebhookAttempt is one try of a delivery.
type WebhookAttempt struct {
	ID           int64
	DeliveryID   int64
	AttemptedAt  time.Time
	StatusCode   *int
	LatencyMS    int64
	Error        *string
	ResponseBody *string
}

// WebhookAttemptResult is how an attempt leaves its delivery.
type WebhookAttemptResult struct {
	Status        string     // pending (retry), delivered or failed
	NextAttemptAt *time.Time // when pending
}

// RecordWebhookAttempt stores an attempt and updates its delivery. A
// delivery already delivered (by a concurrent redelivery) stays delivered.
func (q *Q) RecordWebhookAttempt(ctx context.Context, a WebhookAttempt, r WebhookAttemptResult) error {
	var code, errText, body any
	if a.StatusCode != nil {
		code = *a.StatusCode
	}
	if a.Error != nil {
		errText = *a.Error
	}
	if a.ResponseBody != nil {
		body = *a.ResponseBody
	}
	if _, err := q.q.ExecContext(ctx, `INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, error, response_body)
		VALUES ($1, $2, $3, $4, $5, $6)`, a.DeliveryID, Micros(a.AttemptedAt), code, a.LatencyMS, errText, body); err != nil {
		return fmt.Errorf("store: insert webhook attempt: %w", err)
	}
	var delivered any
	if r.Status == WebhookDelivered {
		delivered = Micros(a.AttemptedAt)
	}
	_, err := q.q.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = $1, last_error = $2,
		status = CASE WHEN status = $3 THEN status ELSE $4 END,
		next_attempt_at = CASE WHEN status = $3 THEN NULL ELSE CAST($5 AS BIGINT) END,
		date_delivered = CASE WHEN status = $3 THEN date_delivered ELSE CAST($6 AS BIGINT) END
		WHERE id = $7`, code, errText, WebhookDelivered, r.Status, MicrosPtr(r.NextAttemptAt), delivered, a.DeliveryID)
	return err
}

// CountWebhookAttemptsSince counts a delivery's attempts from since on (the
// current retry window).
func (q *Q) CountWebhookAttemptsSince(ctx context.Context, deliveryID int64, since time.Time) (int, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_attempts WHERE delivery_id = $1 AND attempted_at >= $2`,
		deliveryID, Micros(since)).Scan(&n)
	return n, err
}

// RequeueWebhookDelivery makes a delivery pending again with a new retry
// window starting now.
func (q *Q) RequeueWebhookDelivery(ctx context.Context, id int64, now time.Time) error {
	_, err := q.q.ExecContext(ctx, `UPDATE webhook_deliveries SET status = $1, next_attempt_at = $2, retry_since = $2, date_delivered = NULL
		WHERE id = $3`, WebhookPending, Micros(now), id)
	return err
}

// WebhookAttempts lists a delivery's attempts, oldest first.
func (q *Q) WebhookAttempts(ctx context.Context, deliveryID int64) ([]WebhookAttempt, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT id, delivery_id, attempted_at, status_code, latency_ms, error, response_body
		FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id`, deliveryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []WebhookAttempt{}
	for rows.Next() {
		var a WebhookAttempt
		var at int64
		var code sql.NullInt64
		var errText, body sql.NullString
		if err := rows.Scan(&a.ID, &a.DeliveryID, &at, &code, &a.LatencyMS, &errText, &body); err != nil {
			return nil, err
		}
		a.AttemptedAt = FromMicros(at)
		if code.Valid {
			c := int(code.Int64)
			a.StatusCode = &c
		}
		if errText.Valid {
			a.Error = &errText.String
		}
		if body.Valid {
			a.ResponseBody = &body.String
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// WebhookDeliveryFilter selects deliveries of an account.
type WebhookDeliveryFilter struct {
	Event         string // "" for all
	Status        string // "" for all
	WorkflowID    int64  // 0 for all
	Limit, Offset int
}

// ListWebhookDeliveries answers a page of deliveries, newest first, and
// the total count.
func (q *Q) ListWebhookDeliveries(ctx context.Context, accountID int64, f WebhookDeliveryFilter) ([]*WebhookDelivery, int, error) {
	where := []string{"account_id = $1"}
	args := []any{accountID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Event != "" {
		add("event = $%d", f.Event)
	}
	if f.Status != "" {
		add("status = $%d", f.Status)
	}
	if f.WorkflowID != 0 {
		add("workflow_id = $%d", f.WorkflowID)
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_deliveries WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM webhook_deliveries WHERE %s ORDER BY id DESC LIMIT $%d OFFSET $%d`,
		deliveryColumns, w, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}
