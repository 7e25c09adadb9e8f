package app

import (
	"context"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/auth"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/webhook"
)

// WebhookEvent is one entry of GET /webhooks/events.
type WebhookEvent struct {
	Event string
	URL   *string
}

func canonicalEvent(name string) (string, error) {
	e, ok := webhook.Canonical(name)
	if !ok {
		return "", problem.Notfound()
	}
	return e, nil
}

func (s *Service) checkTarget(url string) error {
	if url == "" {
		return problem.Field("url", "This field is required.")
	}
	if err := webhook.CheckURL(url, s.cfg.WebhookAllowPrivate); err != nil {
		return problem.Field("url", err.Error())
	}
	return nil
}

// WebhookEvents lists every event with its URL (null when unsubscribed),
// in the contract's order.
func (s *Service) WebhookEvents(ctx context.Context, a *Actor) ([]WebhookEvent, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	subs, err := s.db.Read().WebhookSubscriptions(ctx, a.AccountID())
	if err != nil {
		return nil, err
	}
	out := make([]WebhookEvent, 0, len(webhook.Events))
	for _, e := range webhook.Events {
		ev := WebhookEvent{Event: e}
		if u, ok := subs[e]; ok {
			ev.URL = &u
		}
		out = append(out, ev)
	}
	return out, nil
}

// WebhookEventURL is the URL an event goes to (nil when none).
func (s *Service) WebhookEventURL(ctx context.Context, a *Actor, event string) (*string, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	e, err := canonicalEvent(event)
	if err != nil {
		return nil, err
	}
	subs, err := s.db.Read().WebhookSubscriptions(ctx, a.AccountID())
	if err != nil {
		return nil, err
	}
	if u, ok := subs[e]; ok {
		return &u, nil
	}
	return nil, nil
}

// SubscribeWebhook points one event at url.
func (s *Service) SubscribeWebhook(ctx context.Context, a *Actor, event, url string) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	e, err := canonicalEvent(event)
	if err != nil {
		return err
	}
	if err := s.checkTarget(url); err != nil {
		return err
	}
	return s.write(ctx, func(q *store.Q) error {
		if err := q.SetWebhookSubscription(ctx, a.AccountID(), e, url, s.Now()); err != nil {
			return err
		}
		return s.audit(ctx, q, a, "webhook.subscribe", "webhook", 0, map[string]any{"event": e, "url": url})
	})
}

// UnsubscribeWebhook stops one event.
func (s *Service) UnsubscribeWebhook(ctx context.Context, a *Actor, event string) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	e, err := canonicalEvent(event)
	if err != nil {
		return err
	}
	return s.write(ctx, func(q *store.Q) error {
		if err := q.DeleteWebhookSubscription(ctx, a.AccountID(), e); err != nil {
			return err
		}
		return s.audit(ctx, q, a, "webhook.unsubscribe", "webhook", 0, map[string]any{"event": e})
	})
}

// SubscribeAllWebhooks points every event at url. Without a url, the one
// URL already subscribed is reused; none or several is a 400.
func (s *Service) SubscribeAllWebhooks(ctx context.Context, a *Actor, url string) (string, error) {
	if err := requireAdmin(a); err != nil {
		return "", err
	}
	if url != "" {
		if err := s.checkTarget(url); err != nil {
			return "", err
		}
	}
	err := s.write(ctx, func(q *store.Q) error {
		if url == "" {
			subs, err := q.WebhookSubscriptions(ctx, a.AccountID())
			if err != nil {
				return err
			}
			distinct := map[string]bool{}
			for _, u := range subs {
				distinct[u] = true
			}
			if len(distinct) != 1 {
				return problem.Field("url", "This field is required unless exactly one URL is subscribed already.")
			}
			for u := range distinct {
				url = u
			}
		}
		now := s.Now()
		for _, e := range webhook.Events {
			if err := q.SetWebhookSubscription(ctx, a.AccountID(), e, url, now); err != nil {
				return err
			}
		}
		return s.audit(ctx, q, a, "webhook.subscribe", "webhook", 0, map[string]any{"event": "*", "url": url})
	})
	if err != nil {
		return "", err
	}
	return url, nil
}

// UnsubscribeAllWebhooks stops every event.
func (s *Service) UnsubscribeAllWebhooks(ctx context.Context, a *Actor) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return s.write(ctx, func(q *store.Q) error {
		if err := q.DeleteWebhookSubscriptions(ctx, a.AccountID()); err != nil {
			return err
		}
		return s.audit(ctx, q, a, "webhook.unsubscribe", "webhook", 0, map[string]any{"event": "*"})
	})
}

// WebhookSecret is the account's signing secret.
func (s *Service) WebhookSecret(ctx context.Context, a *Actor) (string, error) {
	if err := requireAdmin(a); err != nil {
		return "", err
	}
	acct, err := s.db.Read().AccountByID(ctx, a.AccountID())
	if err != nil {
		return "", err
	}
	return acct.WebhookSecret, nil
}

// RotateWebhookSecret replaces the signing secret; deliveries sent from
// now on, retries included, are signed with the new one.
func (s *Service) RotateWebhookSecret(ctx context.Context, a *Actor) (string, error) {
	if err := requireAdmin(a); err != nil {
		return "", err
	}
	secret := auth.NewWebhookSecret()
	err := s.write(ctx, func(q *store.Q) error {
		if err := q.SetWebhookSecret(ctx, a.AccountID(), secret); err != nil {
			return err
		}
		return s.audit(ctx, q, a, "webhook.secret_rotate", "account", a.AccountID(), nil)
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// WebhookDeliveries lists the account's deliveries, newest first.
func (s *Service) WebhookDeliveries(ctx context.Context, a *Actor, f store.WebhookDeliveryFilter) ([]*store.WebhookDelivery, int, error) {
	if err := requireAdmin(a); err != nil {
		return nil, 0, err
	}
	if f.Event != "" {
		e, ok := webhook.Canonical(f.Event)
		if !ok {
			return nil, 0, problem.Field("event", "Unknown event.")
		}
		f.Event = e
	}
	switch f.Status {
	case "", store.WebhookPending, store.WebhookDelivered, store.WebhookFailed:
	default:
		return nil, 0, problem.Field("status", "status must be pending, delivered or failed.")
	}
	return s.db.Read().ListWebhookDeliveries(ctx, a.AccountID(), f)
}

// WebhookDelivery is one delivery of the account with its attempts.
func (s *Service) WebhookDelivery(ctx context.Context, a *Actor, id int64) (*store.WebhookDelivery, []store.WebhookAttempt, error) {
	if err := requireAdmin(a); err != nil {
		return nil, nil, err
	}
	q := s.db.Read()
	d, err := q.AccountWebhookDelivery(ctx, a.AccountID(), id)
	if err != nil {
		return nil, nil, err
	}
	at, err := q.WebhookAttempts(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	return d, at, nil
}

// RedeliverWebhook sends a delivery again (same body, same webhook-id, so
// a receiver that has it already can tell), with a new retry window.
func (s *Service) RedeliverWebhook(ctx context.Context, a *Actor, id int64) (*store.WebhookDelivery, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var d *store.WebhookDelivery
	err := s.write(ctx, func(q *store.Q) error {
		if _, err := q.AccountWebhookDelivery(ctx, a.AccountID(), id); err != nil {
			return err
		}
		now := s.Now()
		if err := q.RequeueWebhookDelivery(ctx, id, now); err != nil {
			return err
		}
		if err := jobs.Enqueue(ctx, q, JobWebhookDelivery, deliveryArgs{DeliveryID: id}, now, now, ""); err != nil {
			return err
		}
		var err error
		d, err = q.AccountWebhookDelivery(ctx, a.AccountID(), id)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.jobs.Notify()
	return d, nil
}

// TestWebhook queues a sample delivery of an event: about the account's
// newest workflow when there is one, else about a made-up one. url
// overrides the subscribed URL; one of them is needed.
func (s *Service) TestWebhook(ctx context.Context, a *Actor, event, url string) (*store.WebhookDelivery, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	e, err := canonicalEvent(event)
	if err != nil {
		return nil, err
	}
	if url != "" {
		if err := s.checkTarget(url); err != nil {
			return nil, err
		}
	}
	var d *store.WebhookDelivery
	err = s.write(ctx, func(q *store.Q) error {
		if url == "" {
			subs, err := q.WebhookSubscriptions(ctx, a.AccountID())
			if err != nil {
				return err
			}
			if url = subs[e]; url == "" {
				return problem.Field("url", "The event has no subscription: send a url to test with.")
			}
		}
		subject, err := s.sampleSubject(ctx, q, a, e)
		if err != nil {
			return err
		}
		// No workflow id: a test is not ordered with the workflow's real
		// deliveries.
		d, err = s.enqueueDelivery(ctx, q, a.AccountID(), nil, e, url, subject, s.Now())
		return err
	})
	if err != nil {
		return nil, err
	}
	s.jobs.Notify()
	return d, nil
}

func (s *Service) sampleSubject(ctx context.Context, q *store.Q, a *Actor, event string) (webhook.Subject, error) {
	dir := s.newDirectory(ctx, q, a.AccountID())
	wf, err := s.newestWorkflow(ctx, q, a.AccountID())
	if err != nil {
		return webhook.Subject{}, err
	}
	if wf == nil {
		wf = sampleWorkflow(a, s.Now())
	}
	var task *engine.Task
	if webhook.IsTaskEvent(event) {
		task = wf.Current()
		if task == nil && len(wf.Tasks) > 0 {
			task = wf.Tasks[0]
		}
		if task == nil {
			task = sampleWorkflow(a, s.Now()).Tasks[0]
		}
	}
	return webhook.NewSubject(wf, task, dir), nil
}

func (s *Service) newestWorkflow(ctx context.Context, q *store.Q, accountID int64) (*engine.Workflow, error) {
	ids, _, err := q.ListWorkflowIDs(ctx, accountID, store.WorkflowFilter{Limit: 1})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	wf, err := q.LoadWorkflow(ctx, accountID, ids[0], false, s.cfg.PublicURL)
	if problem.Is(err, problem.NotFound) {
		return nil, nil
	}
	return wf, err
}

// sampleWorkflow is a made-up running workflow with one active task
// performed by the caller, for tests of an account with no workflow.
func sampleWorkflow(a *Actor, now time.Time) *engine.Workflow {
	started := now.Add(-time.Hour)
	t := &engine.Task{ID: 1, Number: 1, APIName: "task-1", Name: "Sample task", Description: "A sample task.",
		Status: engine.TaskActive, DateStarted: &started, Performers: []engine.Performer{{UserID: a.User.ID}}}
	return &engine.Workflow{ID: 1, AccountID: a.AccountID(), TemplateID: 1, TemplateName: "Sample template",
		Name: "Sample workflow", Status: engine.StatusRunning, DateCreated: started, KickoffDescription: "A sample kickoff.",
		Tasks:  []*engine.Task{t},
		Fields: []*engine.Field{{ID: 1, APIName: "sample-field", Type: "string", Name: "Sample field", Value: "sample value"}}}
}
