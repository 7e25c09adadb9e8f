package store_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
)

// TestInsertManyIDsFollowRows: rows written by one multi-row INSERT (more
// than one statement's worth here) get their own ids back, in row order.
func TestInsertManyIDsFollowRows(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	svc := app.New(db, app.Config{PublicURL: "http://test"}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	key := "pn-" + strings.Repeat("M", 43)
	if _, err := svc.Bootstrap(ctx, "owner@example.com", key); err != nil {
		t.Fatal(err)
	}
	owner, err := svc.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	tv, err := svc.CreateTemplate(ctx, owner, map[string]any{"name": "Many", "is_active": true, "tasks": []any{
		map[string]any{"number": 1, "name": "One", "raw_performers": []any{map[string]any{"type": "user", "source_id": strconv.FormatInt(owner.User.ID, 10)}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	wv, err := svc.Run(ctx, owner, tv.Row.ID, app.RunInput{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 250
	events := make([]engine.Event, n)
	for i := range events {
		events[i] = engine.Event{Type: engine.EventComment, Text: "e" + strconv.Itoa(i), UserID: owner.User.ID}
	}
	var ids []int64
	if err := db.Write(ctx, func(q *store.Q) error {
		ids, err = q.InsertEvents(ctx, wv.WF, events, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(ids) != n {
		t.Fatalf("%d ids for %d events", len(ids), n)
	}
	rows, _, err := db.Read().ListEvents(ctx, wv.WF.ID, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	text := map[int64]string{}
	for _, r := range rows {
		text[r.ID] = r.Text
	}
	for i, id := range ids {
		if want := "e" + strconv.Itoa(i); text[id] != want {
			t.Fatalf("event %d: id %d holds %q, want %q", i, id, text[id], want)
		}
		if i > 0 && id <= ids[i-1] {
			t.Fatalf("ids not increasing: %d then %d", ids[i-1], id)
		}
	}
}
