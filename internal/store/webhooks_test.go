package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
)

func write(t *testing.T, db *store.DB, fn func(q *store.Q) error) {
	t.Helper()
	if err := db.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func TestWebhookSubscriptions(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	now := time.Now()
	var acct int64
	write(t, db, func(q *store.Q) error {
		var err error
		acct, err = q.CreateAccount(ctx, "A", "whsec_AAAA", now)
		if err != nil {
			return err
		}
		if err := q.SetWebhookSubscription(ctx, acct, "workflow_started", "https://a.test/1", now); err != nil {
			return err
		}
		// One URL per account and event: a second subscribe replaces it.
		if err := q.SetWebhookSubscription(ctx, acct, "workflow_started", "https://a.test/2", now); err != nil {
			return err
		}
		return q.SetWebhookSubscription(ctx, acct, "task_returned", "https://a.test/3", now)
	})
	subs, err := db.Read().WebhookSubscriptions(ctx, acct)
	if err != nil || len(subs) != 2 || subs["workflow_started"] != "https://a.test/2" || subs["task_returned"] != "https://a.test/3" {
		t.Fatalf("subscriptions %v, %v", subs, err)
	}
	write(t, db, func(q *store.Q) error { return q.DeleteWebhookSubscription(ctx, acct, "task_returned") })
	if subs, _ := db.Read().WebhookSubscriptions(ctx, acct); len(subs) != 1 {
		t.Errorf("after one unsubscribe: %v", subs)
	}
	write(t, db, func(q *store.Q) error { return q.DeleteWebhookSubscriptions(ctx, acct) })
	if subs, _ := db.Read().WebhookSubscriptions(ctx, acct); len(subs) != 0 {
		t.Errorf("after unsubscribe all: %v", subs)
	}
}

func TestWebhookDeliveries(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	var acct, other, d1, d2, d3 int64
	wid := int64(77)
	write(t, db, func(q *store.Q) error {
		var err error
		if acct, err = q.CreateAccount(ctx, "A", "whsec_AAAA", now); err != nil {
			return err
		}
		if other, err = q.CreateAccount(ctx, "B", "whsec_BBBB", now); err != nil {
			return err
		}
		ins := func(event, url string, w *int64) int64 {
			id, e := q.InsertWebhookDelivery(ctx, &store.WebhookDelivery{AccountID: acct, WorkflowID: w, Event: event, URL: url,
				WebhookID: "msg_" + event, Payload: "{}"}, now)
			if e != nil {
				err = e
			}
			return id
		}
		d1 = ins("task_completed_v2", "https://a.test/x", &wid)
		d2 = ins("workflow_completed", "https://a.test/x", &wid)
		d3 = ins("workflow_started", "https://a.test/x", nil)
		if err != nil {
			return err
		}
		return q.SetWebhookDeliveryPayload(ctx, d2, `{"hook":{"id":2}}`)
	})
	q := db.Read()
	d, err := q.AccountWebhookDelivery(ctx, acct, d2)
	if err != nil || d.Payload != `{"hook":{"id":2}}` || d.Status != store.WebhookPending || d.WorkflowID == nil || *d.WorkflowID != wid ||
		!d.RetrySince.Equal(now) || d.NextAttemptAt == nil || d.Attempts != 0 {
		t.Fatalf("delivery %+v, %v", d, err)
	}
	if _, err := q.AccountWebhookDelivery(ctx, other, d2); err == nil {
		t.Error("another account's delivery was found")
	}
	// Ordering: d2 waits for d1 (same workflow and URL), not d3.
	if o, err := q.OlderPendingWebhookDelivery(ctx, acct, wid, "https://a.test/x", d2); err != nil || o == nil || o.ID != d1 {
		t.Errorf("older of d2: %+v, %v", o, err)
	}
	if o, _ := q.OlderPendingWebhookDelivery(ctx, acct, wid, "https://other.test/", d2); o != nil {
		t.Errorf("another URL does not hold d2 back: %+v", o)
	}

	// d1: a 503, to retry; then delivered.
	code503, code200, body := 503, 200, "busy"
	next := now.Add(5 * time.Second)
	write(t, db, func(q *store.Q) error {
		return q.RecordWebhookAttempt(ctx, store.WebhookAttempt{DeliveryID: d1, AttemptedAt: now, StatusCode: &code503, LatencyMS: 12,
			ResponseBody: &body}, store.WebhookAttemptResult{Status: store.WebhookPending, NextAttemptAt: &next})
	})
	d, _ = q.WebhookDeliveryByID(ctx, d1)
	if d.Status != store.WebhookPending || d.Attempts != 1 || *d.LastStatusCode != 503 || !d.NextAttemptAt.Equal(next) {
		t.Errorf("after a 503: %+v", d)
	}
	if n, _ := q.CountWebhookAttemptsSince(ctx, d1, now); n != 1 {
		t.Errorf("attempts since: %d", n)
	}
	later := now.Add(6 * time.Second)
	write(t, db, func(q *store.Q) error {
		return q.RecordWebhookAttempt(ctx, store.WebhookAttempt{DeliveryID: d1, AttemptedAt: later, StatusCode: &code200, LatencyMS: 3},
			store.WebhookAttemptResult{Status: store.WebhookDelivered})
	})
	d, _ = q.WebhookDeliveryByID(ctx, d1)
	if d.Status != store.WebhookDelivered || d.Attempts != 2 || d.NextAttemptAt != nil || d.DateDelivered == nil || !d.DateDelivered.Equal(later) {
		t.Errorf("after a 200: %+v", d)
	}
	// A late failure of a concurrent twin does not undo "delivered".
	msg := "timeout"
	write(t, db, func(q *store.Q) error {
		return q.RecordWebhookAttempt(ctx, store.WebhookAttempt{DeliveryID: d1, AttemptedAt: later, Error: &msg},
			store.WebhookAttemptResult{Status: store.WebhookFailed})
	})
	if d, _ = q.WebhookDeliveryByID(ctx, d1); d.Status != store.WebhookDelivered {
		t.Errorf("a delivered delivery became %s", d.Status)
	}
	at, err := q.WebhookAttempts(ctx, d1)
	if err != nil || len(at) != 3 || *at[0].StatusCode != 503 || *at[0].ResponseBody != "busy" || at[0].LatencyMS != 12 ||
		at[2].StatusCode != nil || *at[2].Error != "timeout" {
		t.Errorf("attempts %+v, %v", at, err)
	}
	if o, _ := q.OlderPendingWebhookDelivery(ctx, acct, wid, "https://a.test/x", d2); o != nil {
		t.Errorf("d1 is delivered and still holds d2 back")
	}

	// Requeue opens a new retry window.
	again := now.Add(time.Hour)
	write(t, db, func(q *store.Q) error { return q.RequeueWebhookDelivery(ctx, d1, again) })
	d, _ = q.WebhookDeliveryByID(ctx, d1)
	if d.Status != store.WebhookPending || !d.RetrySince.Equal(again) || d.DateDelivered != nil || d.Attempts != 3 {
		t.Errorf("requeued: %+v", d)
	}
	if n, _ := q.CountWebhookAttemptsSince(ctx, d1, again); n != 0 {
		t.Errorf("attempts in the new window: %d", n)
	}

	// Lists: newest first, filters, pages.
	ds, n, err := q.ListWebhookDeliveries(ctx, acct, store.WebhookDeliveryFilter{Limit: 2})
	if err != nil || n != 3 || len(ds) != 2 || ds[0].ID != d3 || ds[1].ID != d2 {
		t.Errorf("page 1: %d %v", n, err)
	}
	if ds, n, _ := q.ListWebhookDeliveries(ctx, acct, store.WebhookDeliveryFilter{Limit: 2, Offset: 2}); n != 3 || len(ds) != 1 || ds[0].ID != d1 {
		t.Errorf("page 2: %d", n)
	}
	if _, n, _ := q.ListWebhookDeliveries(ctx, acct, store.WebhookDeliveryFilter{Event: "workflow_started", Limit: 10}); n != 1 {
		t.Errorf("by event: %d", n)
	}
	if _, n, _ := q.ListWebhookDeliveries(ctx, acct, store.WebhookDeliveryFilter{Status: store.WebhookPending, WorkflowID: wid, Limit: 10}); n != 2 {
		t.Errorf("by status and workflow: %d", n)
	}
	if _, n, _ := q.ListWebhookDeliveries(ctx, other, store.WebhookDeliveryFilter{Limit: 10}); n != 0 {
		t.Errorf("other account: %d", n)
	}
}
