package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/store"
)

func TestOpenMigratesAndWrites(t *testing.T) {
	db := Open(t)
	ctx := context.Background()
	// Migrating twice is a no-op.
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var id int64
	err := db.Write(ctx, func(q *store.Q) error {
		var err error
		id, err = q.CreateAccount(ctx, "acme", "whsec_x", time.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.Read().AccountByID(ctx, id)
	if err != nil || a.Name != "acme" {
		t.Fatalf("account %d: %+v, %v", id, a, err)
	}
	first, err := func() (int64, error) {
		var v int64
		err := db.Write(ctx, func(q *store.Q) error { var e error; v, e = q.NextIDs(ctx, "c", 10); return e })
		return v, err
	}()
	if err != nil || first != 1 {
		t.Fatalf("NextIDs first block = %d, %v; want 1", first, err)
	}
	var second int64
	if err := db.Write(ctx, func(q *store.Q) error { var e error; second, e = q.NextIDs(ctx, "c", 5); return e }); err != nil || second != 11 {
		t.Fatalf("NextIDs second block = %d, %v; want 11", second, err)
	}
}
