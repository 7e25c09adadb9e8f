package app

import (
	"context"
	"encoding/json"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/jobs"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/webhook"
)

// orderWait is how soon a delivery waiting for an older one of its
// workflow looks again.
const orderWait = 200 * time.Millisecond

// WebhookSender works the delivery jobs.
type WebhookSender struct {
	svc    *Service
	client *webhook.Client
}

// NewWebhookSender builds the delivery worker. A nil client means the
// default one (10 s timeout, private targets as configured).
func (s *Service) NewWebhookSender(c *webhook.Client) *WebhookSender {
	if c == nil {
		c = webhook.NewClient(webhook.ClientOptions{AllowPrivate: s.cfg.WebhookAllowPrivate})
	}
	return &WebhookSender{svc: s, client: c}
}

// Handle is the jobs.Handler of JobWebhookDelivery: one attempt of one
// delivery. A crash before the result is recorded makes the job run again
// (the lease expires), so a receiver may see an attempt twice, with the
// same webhook-id.
func (w *WebhookSender) Handle(ctx context.Context, raw json.RawMessage, _ int) error {
	var args deliveryArgs
	if err := json.Unmarshal(raw, &args); err != nil {
		return &jobs.Retry{Drop: true, Err: err}
	}
	s := w.svc
	q := s.db.Read()
	d, err := q.WebhookDeliveryByID(ctx, args.DeliveryID)
	if problem.Is(err, problem.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.Status != store.WebhookPending {
		return nil // delivered or given up meanwhile (a redelivery's twin job)
	}
	now := s.Now()
	if d.WorkflowID != nil {
		older, err := q.OlderPendingWebhookDelivery(ctx, d.AccountID, *d.WorkflowID, d.URL, d.ID)
		if err != nil {
			return err
		}
		if older != nil {
			at := now.Add(orderWait)
			if older.NextAttemptAt != nil && older.NextAttemptAt.After(now) {
				at = older.NextAttemptAt.Add(orderWait)
			}
			return &jobs.Retry{At: at}
		}
	}
	acct, err := q.AccountByID(ctx, d.AccountID)
	if problem.Is(err, problem.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	n, err := q.CountWebhookAttemptsSince(ctx, d.ID, d.RetrySince)
	if err != nil {
		return err
	}
	res := w.client.Send(ctx, webhook.Request{URL: d.URL, MsgID: d.WebhookID, Timestamp: now, Secret: acct.WebhookSecret,
		Body: []byte(d.Payload)})
	done := s.Now()
	attempt := store.WebhookAttempt{DeliveryID: d.ID, AttemptedAt: now, LatencyMS: res.Latency.Milliseconds()}
	if res.StatusCode != 0 {
		code := res.StatusCode
		attempt.StatusCode = &code
		body := res.Body
		attempt.ResponseBody = &body
	}
	if res.Err != nil {
		msg := res.Err.Error()
		attempt.Error = &msg
	}
	result := store.WebhookAttemptResult{Status: store.WebhookFailed}
	switch webhook.Classify(res) {
	case webhook.Delivered:
		result.Status = store.WebhookDelivered
	case webhook.RetryLater:
		if at, ok := webhook.NextAttempt(n+1, d.RetrySince, done); ok {
			result.Status, result.NextAttemptAt = store.WebhookPending, &at
		} else if attempt.Error == nil {
			msg := "gave up: no success within the retry window"
			attempt.Error = &msg
		}
	}
	if err := s.db.Write(context.Background(), func(q *store.Q) error {
		return q.RecordWebhookAttempt(context.Background(), attempt, result)
	}); err != nil {
		return err
	}
	if result.Status != store.WebhookDelivered {
		s.log.Info("webhook: attempt failed", "delivery", d.ID, "event", d.Event, "status_code", res.StatusCode,
			"err", res.Err, "outcome", result.Status)
	}
	if result.Status == store.WebhookPending {
		return &jobs.Retry{At: *result.NextAttemptAt}
	}
	return nil
}
