package app

import (
	"context"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/auth"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/webhook"
)

// JobWebhookDelivery is the job kind that sends one webhook delivery.
const JobWebhookDelivery = "webhook_delivery"

type deliveryArgs struct {
	DeliveryID int64 `json:"delivery_id"`
}

// recordHooks turns an operation's webhooks into delivery rows and jobs in
// the same transaction: a rolled-back change sends nothing, a committed one
// loses nothing. Payloads are built now, so they show the workflow as this
// change left it, whenever they are sent. It answers how many it queued.
func (s *Service) recordHooks(ctx context.Context, q *store.Q, env engine.Env, wf *engine.Workflow, hooks []engine.Hook) (int, error) {
	if len(hooks) == 0 {
		return 0, nil
	}
	subs, err := s.subscriptions(ctx, q, wf.AccountID)
	if err != nil || len(subs) == 0 {
		return 0, err
	}
	n := 0
	wid := wf.ID
	for _, h := range hooks {
		url, ok := subs[h.Event]
		if !ok {
			continue
		}
		subject := webhook.NewSubject(wf, h.Task, env.Dir)
		if _, err := s.enqueueDelivery(ctx, q, wf.AccountID, &wid, h.Event, url, subject, env.Now); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// enqueueDelivery stores a pending delivery with its final body and queues
// the job that sends it. Ids grow in the order of the calls, which is the
// order deliveries of one workflow are sent in.
func (s *Service) enqueueDelivery(ctx context.Context, q *store.Q, accountID int64, workflowID *int64, event, url string,
	subject webhook.Subject, now time.Time) (*store.WebhookDelivery, error) {
	d := &store.WebhookDelivery{AccountID: accountID, WorkflowID: workflowID, Event: event, URL: url,
		WebhookID: "msg_" + auth.RandomToken(18), Payload: "{}", Status: store.WebhookPending}
	id, err := q.InsertWebhookDelivery(ctx, d, now)
	if err != nil {
		return nil, err
	}
	body, err := webhook.Body(webhook.Hook{ID: id, Event: event, Target: url}, subject)
	if err != nil {
		return nil, err
	}
	if err := q.SetWebhookDeliveryPayload(ctx, id, string(body)); err != nil {
		return nil, err
	}
	if err := jobs.Enqueue(ctx, q, JobWebhookDelivery, deliveryArgs{DeliveryID: id}, now, now, ""); err != nil {
		return nil, err
	}
	d.ID, d.Payload, d.DateCreated, d.RetrySince = id, string(body), now, now
	d.NextAttemptAt = &now
	return d, nil
}

// subscriptions answers an account's webhook URLs by event. It runs inside
// a write; on SQLite, while no ordinary write has happened since they were
// read (subscriptions change only through those) and none is pending in
// this group commit, the committed ones read on the read pool are the ones
// this transaction sees, and they are kept between calls.
//
// On PostgreSQL they are kept while the cache generation that q's stamped
// load read (store.Q.WithGenStamp) is the one they were read at: every
// change of a subscription moves it in its own transaction.
func (s *Service) subscriptions(ctx context.Context, q *store.Q, accountID int64) (map[string]string, error) {
	if gen, ok := q.GenStamp(); ok {
		if subs, hit := s.subs.get(gen, accountID); hit {
			return subs, nil
		}
		subs, err := q.WebhookSubscriptions(ctx, accountID)
		if err == nil {
			s.subs.put(gen, accountID, subs)
		}
		return subs, err
	}
	gen, ok := s.db.Generation()
	if !ok || !s.db.Unchanged(gen) {
		return q.WebhookSubscriptions(ctx, accountID)
	}
	if subs, hit := s.subs.get(gen, accountID); hit {
		return subs, nil
	}
	subs, err := s.db.Read().WebhookSubscriptions(ctx, accountID)
	if err == nil {
		s.subs.put(gen, accountID, subs)
	}
	return subs, err
}
