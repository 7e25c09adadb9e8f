// Package app holds the use cases: one method per API action. It checks
// permissions, owns transactions, asks the engine and the template package
// for the rules, and persists through the store.
package app

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// Config is what the use cases need to know about the deployment.
type Config struct {
	PublicURL           string
	WebhookAllowPrivate bool
}

// Notifier wakes background workers after a commit that queued jobs.
type Notifier interface{ Notify() }

// Service runs the use cases.
type Service struct {
	db    *store.DB
	cfg   Config
	now   func() time.Time
	log   *slog.Logger
	jobs  Notifier
	blobs BlobStore

	versions sync.Map // template version id → *template.Template (immutable)
	// Reads kept while the store's generation holds (gencache.go).
	principals genCache[string, *store.Principal]   // by key hash (PostgreSQL: by cache generation)
	templates  genCache[int64, *store.TemplateMeta] // by template id
	subs       genCache[int64, map[string]string]   // webhook URLs by event, by account
	users      genCache[userKey, engine.User]       // PostgreSQL: the directory's users (directory.go)

	// Changes prepared off the writer (prepared.go): written as prepared,
	// or computed again by the writer because what they read had changed.
	prepUsed, prepRedone atomic.Int64
	keyLookups           atomic.Int64
	afterPrepare         func() // tests: runs between preparing and writing
}

// KeyLookups counts the API-key lookups the service made: the statements
// that its principal cache and deferred confirmation saved are missing.
func (s *Service) KeyLookups() int64 { return s.keyLookups.Load() }

// PreparedStats counts the runs and actions written as prepared off the
// writer and those the writer had to compute again (SQLite only).
func (s *Service) PreparedStats() (used, redone int64) {
	return s.prepUsed.Load(), s.prepRedone.Load()
}

// New builds a Service. now may be nil (wall clock).
func New(db *store.DB, cfg Config, now func() time.Time, log *slog.Logger) *Service {
	if now == nil {
		now = func() time.Time { return time.Now().UTC() }
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Service{db: db, cfg: cfg, now: now, log: log, jobs: nopNotifier{}}
	db.SetChecklistHint(s.versionWithoutChecklists)
	return s
}

// versionWithoutChecklists is true for a template version already decoded
// whose tasks have no checklist (the store then skips that query).
func (s *Service) versionWithoutChecklists(id int64) bool {
	v, ok := s.versions.Load(id)
	if !ok {
		return false
	}
	for _, t := range v.(*template.Template).Tasks {
		if len(t.Checklists) > 0 {
			return false
		}
	}
	return true
}

// SetNotifier sets the worker wake-up hook.
func (s *Service) SetNotifier(n Notifier) { s.jobs = n }

// SetBlobStore sets where attachment bytes live.
func (s *Service) SetBlobStore(b BlobStore) { s.blobs = b }

// DB exposes the database to the wiring (workers).
func (s *Service) DB() *store.DB { return s.db }

// Now is the service clock.
func (s *Service) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

type nopNotifier struct{}

func (nopNotifier) Notify() {}

// Actor is the authenticated caller.
type Actor struct {
	User  *store.User
	KeyID int64
	// pending is set while the key's principal, served from memory on
	// PostgreSQL, awaits confirmation by the request's first statement
	// (see AuthenticateDeferred).
	pending *pendingAuth
}

// pendingAuth is what confirming a cached principal needs.
type pendingAuth struct {
	hash string // the key's
	gen  int64  // cache generation the principal was read at
}

// Confirmed is false while the actor's key awaits confirmation.
func (a *Actor) Confirmed() bool { return a.pending == nil }

// AccountID of the caller.
func (a *Actor) AccountID() int64 { return a.User.AccountID }

// IsAdmin is true for admins and the account owner.
func (a *Actor) IsAdmin() bool { return a.User.IsAdmin || a.User.IsOwner }

// IsOwner is true for the account owner.
func (a *Actor) IsOwner() bool { return a.User.IsOwner }

func requireAdmin(a *Actor) error {
	if !a.IsAdmin() {
		return problem.Forbid("You do not have permission to perform this action.")
	}
	return nil
}

func (s *Service) write(ctx context.Context, fn func(q *store.Q) error) error {
	return s.db.Write(ctx, fn)
}
