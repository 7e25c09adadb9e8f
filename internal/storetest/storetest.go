// Package storetest opens a fresh, migrated database for a test: SQLite in
// a temp dir by default, or PostgreSQL (a schema of its own, dropped after
// the test) when PNEUMATIC_TEST_DATABASE_URL is set.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// EnvURL names the variable that selects PostgreSQL for tests.
const EnvURL = "PNEUMATIC_TEST_DATABASE_URL"

// Open returns a migrated database, closed (and dropped) at the end of the test.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	db, _ := open(tb)
	return db
}

// OpenTwice returns two handles on one migrated database, as two servers
// sharing it have on PostgreSQL. On SQLite, where one process holds the
// database, both are the same handle.
func OpenTwice(tb testing.TB) (*store.DB, *store.DB) {
	tb.Helper()
	db, opts := open(tb)
	if opts.DatabaseURL == "" {
		return db, db
	}
	other, err := store.Open(context.Background(), opts)
	if err != nil {
		tb.Fatalf("storetest: open: %v", err)
	}
	tb.Cleanup(func() { other.Close() })
	return db, other
}

func open(tb testing.TB) (*store.DB, store.Options) {
	tb.Helper()
	ctx := context.Background()
	opts := store.Options{DataDir: tb.TempDir(), SQLiteSynchronous: "NORMAL"}
	if base := os.Getenv(EnvURL); base != "" {
		schema := fmt.Sprintf("t_%d", rand.Int64())
		admin, err := sql.Open("pgx", base)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			tb.Fatalf("storetest: create schema: %v", err)
		}
		tb.Cleanup(func() {
			_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			admin.Close()
		})
		u, err := url.Parse(base)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		opts = store.Options{DatabaseURL: u.String(), MaxOpenConns: 10}
	}
	db, err := store.Open(ctx, opts)
	if err != nil {
		tb.Fatalf("storetest: open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		tb.Fatalf("storetest: migrate: %v", err)
	}
	return db, opts
}
