package migratedata

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	_ "modernc.org/sqlite"             // the "sqlite" driver

	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// endpoint is one side of a migration: a SQLite file or a PostgreSQL URL.
type endpoint struct {
	dialect store.Dialect
	url     string // postgres://… as given
	path    string // the SQLite file
}

// parseEndpoint reads sqlite:///abs/file.db, sqlite://rel/file.db,
// sqlite:file.db (a folder means its pneumatic.db, like PNEUMATIC_DATA_DIR)
// or postgres://….
func parseEndpoint(raw string) (endpoint, error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		return endpoint{dialect: store.Postgres, url: raw}, nil
	case strings.HasPrefix(raw, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		if p == "" {
			return endpoint{}, fmt.Errorf("%q names no file", raw)
		}
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			p = filepath.Join(p, "pneumatic.db")
		}
		return endpoint{dialect: store.SQLite, path: p}, nil
	}
	return endpoint{}, fmt.Errorf("unsupported database URL %q (want sqlite:///path/to/pneumatic.db or postgres://…)", redact(raw))
}

// String names the endpoint without a password.
func (e endpoint) String() string {
	if e.dialect == store.Postgres {
		return redact(e.url)
	}
	return "sqlite://" + e.path
}

// storeOptions opens the endpoint through the store (to migrate it).
func (e endpoint) storeOptions() store.Options {
	if e.dialect == store.Postgres {
		return store.Options{DatabaseURL: e.url, MaxOpenConns: 2}
	}
	return store.Options{DatabaseURL: "sqlite://" + e.path, SQLiteSynchronous: "FULL"}
}

// open returns a one-connection pool for the copy. Sources are opened so
// that nothing can write through them; no statement timeout applies, as a
// table scan of a big instance may take a while.
func (e endpoint) open(ctx context.Context, source bool) (*sql.DB, error) {
	var db *sql.DB
	var err error
	if e.dialect == store.Postgres {
		db, err = sql.Open("pgx", e.url)
	} else {
		if source {
			if _, serr := os.Stat(e.path); errors.Is(serr, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s: no such database file", e)
			}
		}
		dsn := "file:" + e.path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)"
		if source {
			dsn += "&_pragma=query_only(1)"
		} else {
			dsn += "&_pragma=synchronous(FULL)&_txlock=immediate"
		}
		db, err = sql.Open("sqlite", dsn)
	}
	if err != nil {
		return nil, err
	}
	// One connection: the copy is one transaction on each side.
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", e, err)
	}
	return db, nil
}

func redact(u string) string {
	if i := strings.Index(u, "@"); i > 0 {
		if j := strings.Index(u, "://"); j > 0 && j < i {
			return u[:j+3] + "…" + u[i:]
		}
	}
	return u
}
