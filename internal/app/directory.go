package app

import (
	"context"
	"database/sql"
	"strings"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// directory implements engine.Directory over the caller's transaction,
// loading lazily and remembering what it saw.
type directory struct {
	ctx       context.Context
	q         *store.Q
	accountID int64
	publicURL string
	users     map[int64]*engine.User
	byEmail   map[string]*engine.User
	groups    map[int64][]int64
	ownerID   int64
	claimed   map[int64]int64 // attachment id → field id, within this operation
	// kept: users kept across operations at cache generation gen
	// (PostgreSQL, when the operation's load was stamped; else nil).
	kept *genCache[userKey, engine.User]
	gen  int64
}

// userKey is a user of an account.
type userKey struct{ account, id int64 }

func (s *Service) newDirectory(ctx context.Context, q *store.Q, accountID int64) *directory {
	d := &directory{ctx: ctx, q: q, accountID: accountID, publicURL: s.cfg.PublicURL, users: map[int64]*engine.User{},
		byEmail: map[string]*engine.User{}, groups: map[int64][]int64{}, claimed: map[int64]int64{}}
	if gen, ok := q.GenStamp(); ok {
		d.kept, d.gen = &s.users, gen
	}
	return d
}

func toEngineUser(u *store.User) *engine.User {
	return &engine.User{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		Active: u.Status == store.UserActive, IsAdmin: u.IsAdmin, IsOwner: u.IsOwner}
}

func (d *directory) User(id int64) (engine.User, bool) {
	if u, ok := d.users[id]; ok {
		if u == nil {
			return engine.User{}, false
		}
		return *u, true
	}
	k := userKey{d.accountID, id}
	if d.kept != nil {
		if u, hit := d.kept.get(d.gen, k); hit {
			d.users[id] = &u
			return u, true
		}
	}
	su, err := d.q.UserByID(d.ctx, d.accountID, id)
	if err != nil {
		d.users[id] = nil
		return engine.User{}, false
	}
	u := toEngineUser(su)
	d.users[id] = u
	if d.kept != nil {
		d.kept.put(d.gen, k, *u)
	}
	return *u, true
}

func (d *directory) UserByEmail(email string) (engine.User, bool) {
	key := strings.ToLower(email)
	if u, ok := d.byEmail[key]; ok {
		if u == nil {
			return engine.User{}, false
		}
		return *u, true
	}
	su, err := d.q.UserByEmail(d.ctx, d.accountID, email)
	if err != nil {
		d.byEmail[key] = nil
		return engine.User{}, false
	}
	u := toEngineUser(su)
	d.byEmail[key], d.users[u.ID] = u, u
	return *u, true
}

func (d *directory) GroupMembers(id int64) ([]int64, bool) {
	if m, ok := d.groups[id]; ok {
		return m, m != nil
	}
	g, err := d.q.GroupByID(d.ctx, d.accountID, id)
	if err != nil {
		d.groups[id] = nil
		return nil, false
	}
	d.groups[id] = g.Users
	return g.Users, true
}

func (d *directory) OwnerID() int64 {
	if d.ownerID == 0 {
		if u, err := d.q.AccountOwner(d.ctx, d.accountID); err == nil {
			d.ownerID = u.ID
		}
	}
	return d.ownerID
}

func (d *directory) FreeAttachment(id int64, fieldID int64) (engine.Attachment, bool) {
	if f, ok := d.claimed[id]; ok && (fieldID == 0 || f != fieldID) {
		return engine.Attachment{}, false
	}
	a, err := d.q.AttachmentForField(d.ctx, d.accountID, id, fieldID)
	if err != nil {
		return engine.Attachment{}, false
	}
	d.claimed[id] = fieldID
	return engine.Attachment{ID: a.ID, Name: a.Name, URL: store.FileURL(d.publicURL, a.ID)}, true
}

var _ = sql.ErrNoRows
