package app

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/auth"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// Bootstrap creates the first account and owner when the database has no
// account. It returns the owner's key when it generated one (to print once).
func (s *Service) Bootstrap(ctx context.Context, email, key string) (generated string, err error) {
	if key != "" && !auth.WellFormedKey(key) {
		return "", fmt.Errorf("PNEUMATIC_BOOTSTRAP_API_KEY must be pn- followed by at least 32 URL-safe characters")
	}
	err = s.write(ctx, func(q *store.Q) error {
		n, err := q.CountAccounts(ctx)
		if err != nil || n > 0 {
			return err
		}
		if key == "" {
			key = auth.NewKey()
			generated = key
		}
		_, err = s.createAccount(ctx, q, "Default account", email, "", "", key)
		return err
	})
	if err != nil {
		generated = ""
	}
	return generated, err
}

// CreateAccount makes a tenant with its owner and returns the owner's key.
func (s *Service) CreateAccount(ctx context.Context, name, email, first, last string) (string, error) {
	if strings.TrimSpace(name) == "" {
		return "", problem.Field("name", "The account needs a name.")
	}
	if err := checkEmail(email); err != nil {
		return "", err
	}
	key := auth.NewKey()
	err := s.write(ctx, func(q *store.Q) error {
		_, err := s.createAccount(ctx, q, name, email, first, last, key)
		return err
	})
	return key, err
}

func (s *Service) createAccount(ctx context.Context, q *store.Q, name, email, first, last, key string) (*store.User, error) {
	now := s.Now()
	id, err := q.CreateAccount(ctx, name, auth.NewWebhookSecret(), now)
	if err != nil {
		return nil, err
	}
	u, err := q.CreateUser(ctx, store.NewUser{AccountID: id, Email: email, FirstName: first, LastName: last,
		Status: store.UserActive, IsAdmin: true, IsOwner: true}, now)
	if err != nil {
		return nil, err
	}
	_, err = q.CreateAPIKey(ctx, store.APIKey{AccountID: id, UserID: u.ID, Name: "owner", Prefix: auth.KeyDisplayPrefix(key),
		DateCreated: now}, auth.HashKey(key))
	return u, err
}

// CreateUserCLI adds an active user to an account and returns a new key.
func (s *Service) CreateUserCLI(ctx context.Context, accountID int64, email string, admin bool) (string, error) {
	if err := checkEmail(email); err != nil {
		return "", err
	}
	key := auth.NewKey()
	err := s.write(ctx, func(q *store.Q) error {
		if _, err := q.AccountByID(ctx, accountID); err != nil {
			return fmt.Errorf("account %d: %w", accountID, err)
		}
		u, err := q.CreateUser(ctx, store.NewUser{AccountID: accountID, Email: email, Status: store.UserActive, IsAdmin: admin}, s.Now())
		if err != nil {
			return err
		}
		_, err = q.CreateAPIKey(ctx, store.APIKey{AccountID: accountID, UserID: u.ID, Name: "cli", Prefix: auth.KeyDisplayPrefix(key),
			DateCreated: s.Now()}, auth.HashKey(key))
		return err
	})
	return key, err
}

// CreateKeyCLI makes a key for the user with this e-mail (in any account;
// the e-mail must name exactly one user).
func (s *Service) CreateKeyCLI(ctx context.Context, email, name string) (string, error) {
	key := auth.NewKey()
	err := s.write(ctx, func(q *store.Q) error {
		users, err := q.UsersByEmailAnyAccount(ctx, email)
		if err != nil {
			return err
		}
		if len(users) == 0 {
			return fmt.Errorf("no user with e-mail %s", email)
		}
		if len(users) > 1 {
			return fmt.Errorf("e-mail %s names users in %d accounts", email, len(users))
		}
		u := users[0]
		_, err = q.CreateAPIKey(ctx, store.APIKey{AccountID: u.AccountID, UserID: u.ID, Name: name, Prefix: auth.KeyDisplayPrefix(key),
			DateCreated: s.Now()}, auth.HashKey(key))
		return err
	})
	return key, err
}

// ErrNoCredentials and ErrInvalidKey are the two 401 answers.
var (
	ErrNoCredentials = &problem.Error{Kind: problem.Unauthorized, Message: "Authentication credentials were not provided."}
	ErrInvalidKey    = &problem.Error{Kind: problem.Unauthorized, Message: "Invalid API key."}
)

// Authenticate resolves an API key to the caller.
func (s *Service) Authenticate(ctx context.Context, key string) (*Actor, error) {
	return s.authenticate(ctx, key, false)
}

// AuthenticateDeferred is Authenticate for requests whose first statement
// confirms the key (a stamped task-list page or workflow load: see
// confirm). On PostgreSQL a key seen before is then answered from memory,
// unconfirmed, saving the request its key lookup; the caller must see the
// actor confirmed (Confirmed, or Confirm) before it answers.
func (s *Service) AuthenticateDeferred(ctx context.Context, key string) (*Actor, error) {
	return s.authenticate(ctx, key, true)
}

func (s *Service) authenticate(ctx context.Context, key string, deferrable bool) (*Actor, error) {
	if !auth.WellFormedKey(key) {
		return nil, ErrInvalidKey
	}
	now := s.Now()
	hash := auth.HashKey(key)
	// On SQLite the cache is exact by itself: this process holds every
	// writer. On PostgreSQL other servers write too, so a cached principal
	// is only served to a request that confirms it.
	gen, local := s.db.Generation()
	var p *store.Principal
	var hit bool
	var pending *pendingAuth
	switch {
	case local:
		p, hit = s.principals.get(gen, hash)
	case deferrable:
		var g int64
		if p, g, hit = s.principals.peek(hash); hit {
			pending = &pendingAuth{hash: hash, gen: g}
		}
	}
	if hit && p.ExpiresAt != nil && !p.ExpiresAt.After(now) {
		hit, pending = false, nil
	}
	if !hit {
		var err error
		s.keyLookups.Add(1)
		if p, err = s.db.Read().PrincipalByKeyHash(ctx, hash, now); err != nil {
			return nil, err
		}
		if p == nil {
			return nil, ErrInvalidKey
		}
		if !local {
			gen = p.Gen
		}
		s.principals.put(gen, hash, p)
	}
	a := actorOf(p)
	a.pending = pending
	// last_used is kept to the minute: a write per request would compete
	// with real work for the single SQLite writer.
	if p.LastUsed == nil || now.Sub(*p.LastUsed) > time.Minute {
		if err := s.write(ctx, func(q *store.Q) error { return q.TouchAPIKey(ctx, p.KeyID, now) }); err != nil {
			s.log.WarnContext(ctx, "api key last_used", "err", err)
		} else if !local {
			// The touch leaves the cache generation alone (0011); the
			// cached principal must learn of it, or every later request
			// would touch again.
			touched := *p
			touched.LastUsed = &now
			if pending != nil {
				gen = pending.gen
			}
			s.principals.put(gen, hash, &touched)
		}
	}
	return a, nil
}

// actorOf gives a request its own copy of a (perhaps cached) principal.
func actorOf(p *store.Principal) *Actor {
	u := *p.User
	return &Actor{User: &u, KeyID: p.KeyID}
}

// confirm settles a deferred authentication with the cache generation that
// q's stamped statement read (store.Q.WithGenStamp). The same generation
// as the cached principal's: nothing that could change the key or its
// user was committed in between, so the principal held in the snapshot
// that statement read. Otherwise the key is looked up again, in q, and
// the actor updated; changed reports whether its user's authority
// (account, admin, owner) differs, in which case what was read for the old
// one must be read again.
func (s *Service) confirm(ctx context.Context, q *store.Q, a *Actor) (changed bool, err error) {
	if a.pending == nil {
		return false, nil
	}
	if gen, ok := q.GenStamp(); ok && gen == a.pending.gen {
		a.pending = nil
		return false, nil
	}
	s.keyLookups.Add(1)
	p, err := q.PrincipalByKeyHash(ctx, a.pending.hash, s.Now())
	if err != nil {
		return false, err
	}
	if p == nil {
		return false, ErrInvalidKey
	}
	s.principals.put(p.Gen, a.pending.hash, p)
	fresh := actorOf(p)
	changed = fresh.User.ID != a.User.ID || fresh.User.AccountID != a.User.AccountID ||
		fresh.User.IsAdmin != a.User.IsAdmin || fresh.User.IsOwner != a.User.IsOwner || fresh.KeyID != a.KeyID
	*a = *fresh
	return changed, nil
}

// Confirm confirms a deferred authentication with a lookup of its own: for
// a request that ended before a stamped statement (a 4xx). A confirmed
// actor is left alone.
func (s *Service) Confirm(ctx context.Context, a *Actor) error {
	_, err := s.confirm(ctx, s.db.Read(), a)
	return err
}

func checkEmail(email string) error {
	if email == "" {
		return problem.Field("email", "This field is required.")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		return problem.Field("email", "Enter a valid email address.")
	}
	return nil
}

// UserInput is the body of user creation and update.
type UserInput struct {
	Email     *string
	FirstName *string
	LastName  *string
	Phone     *string
	IsAdmin   *bool
}

func checkName(field string, v *string) error {
	if v != nil && len([]rune(*v)) > 150 {
		return problem.Field(field, "Ensure this field has no more than 150 characters.")
	}
	return nil
}

// CreateUser adds an active user (admins only).
func (s *Service) CreateUser(ctx context.Context, a *Actor, in UserInput) (*store.User, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	if in.Email == nil {
		return nil, problem.Field("email", "This field is required.")
	}
	if err := checkEmail(*in.Email); err != nil {
		return nil, err
	}
	for f, v := range map[string]*string{"first_name": in.FirstName, "last_name": in.LastName} {
		if err := checkName(f, v); err != nil {
			return nil, err
		}
	}
	var u *store.User
	err := s.write(ctx, func(q *store.Q) error {
		var err error
		u, err = q.CreateUser(ctx, store.NewUser{AccountID: a.AccountID(), Email: *in.Email, FirstName: deref(in.FirstName),
			LastName: deref(in.LastName), Status: store.UserActive, IsAdmin: in.IsAdmin != nil && *in.IsAdmin}, s.Now())
		if err != nil {
			return err
		}
		return s.audit(ctx, q, a, "user.created", "user", u.ID, map[string]any{"email": u.Email, "is_admin": u.IsAdmin})
	})
	return u, err
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// User returns a user of the caller's account.
func (s *Service) User(ctx context.Context, a *Actor, id int64) (*store.User, error) {
	return s.db.Read().UserByID(ctx, a.AccountID(), id)
}

// ListUsers answers the user list.
func (s *Service) ListUsers(ctx context.Context, a *Actor, f store.UserFilter) ([]*store.User, int, error) {
	return s.db.Read().ListUsers(ctx, a.AccountID(), f)
}

// PatchUser updates a user (admins only).
func (s *Service) PatchUser(ctx context.Context, a *Actor, id int64, in UserInput) (*store.User, error) {
	var u *store.User
	err := s.write(ctx, func(q *store.Q) error {
		var err error
		if _, err = q.UserByID(ctx, a.AccountID(), id); err != nil {
			return err
		}
		if err := requireAdmin(a); err != nil {
			return err
		}
		for f, v := range map[string]*string{"first_name": in.FirstName, "last_name": in.LastName, "phone": in.Phone} {
			if err := checkName(f, v); err != nil {
				return err
			}
		}
		if err := q.UpdateUser(ctx, a.AccountID(), id, store.UserPatch{FirstName: in.FirstName, LastName: in.LastName,
			Phone: in.Phone, IsAdmin: in.IsAdmin}); err != nil {
			return err
		}
		if in.IsAdmin != nil {
			if err := s.audit(ctx, q, a, "user.role_changed", "user", id, map[string]any{"is_admin": *in.IsAdmin}); err != nil {
				return err
			}
		}
		u, err = q.UserByID(ctx, a.AccountID(), id)
		return err
	})
	return u, err
}

// DeactivateUser makes a user inactive: their keys stop working and their
// active tasks go on without them (§5.9).
func (s *Service) DeactivateUser(ctx context.Context, a *Actor, id int64) error {
	err := s.write(ctx, func(q *store.Q) error {
		u, err := q.UserByID(ctx, a.AccountID(), id)
		if err != nil {
			return err
		}
		if err := requireAdmin(a); err != nil {
			return err
		}
		if u.IsOwner {
			return problem.Invalidf("The account owner cannot be deactivated.")
		}
		if u.Status == store.UserInactive {
			return nil
		}
		st := store.UserInactive
		if err := q.UpdateUser(ctx, a.AccountID(), id, store.UserPatch{Status: &st}); err != nil {
			return err
		}
		if err := s.audit(ctx, q, a, "user.deactivated", "user", id, nil); err != nil {
			return err
		}
		return s.handOverTasks(ctx, q, a.AccountID(), id)
	})
	if err == nil {
		s.jobs.Notify()
	}
	return err
}

// InviteInput is one person to invite.
type InviteInput struct {
	Email     string
	FirstName string
	LastName  string
}

// Invited is an invited user with the one-time token.
type Invited struct {
	User  *store.User
	Token string
}

// Invite creates invited users (admins only).
func (s *Service) Invite(ctx context.Context, a *Actor, people []InviteInput) ([]Invited, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	if len(people) == 0 {
		return nil, problem.Field("users", "This list may not be empty.")
	}
	for _, p := range people {
		if err := checkEmail(p.Email); err != nil {
			return nil, err
		}
	}
	var out []Invited
	err := s.write(ctx, func(q *store.Q) error {
		out = out[:0]
		for _, p := range people {
			token := auth.RandomToken(24)
			inviteID := auth.RandomToken(12)
			hash := auth.HashKey(token)
			by := a.User.ID
			from := "api"
			u, err := q.CreateUser(ctx, store.NewUser{AccountID: a.AccountID(), Email: p.Email, FirstName: p.FirstName,
				LastName: p.LastName, Status: store.UserInvited, InviteID: &inviteID, InviteTokenHash: &hash, InvitedBy: &by,
				InvitedFrom: &from}, s.Now())
			if err != nil {
				return err
			}
			out = append(out, Invited{User: u, Token: token})
			if err := s.audit(ctx, q, a, "user.invited", "user", u.ID, map[string]any{"email": u.Email}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// AcceptInvite spends an invite token: the user becomes active and gets a key.
func (s *Service) AcceptInvite(ctx context.Context, inviteID, token string, first, last *string) (*store.User, string, error) {
	key := auth.NewKey()
	var u *store.User
	err := s.write(ctx, func(q *store.Q) error {
		inv, hash, err := q.InviteByID(ctx, inviteID)
		if err != nil {
			return err
		}
		if inv.Status != store.UserInvited || hash == "" || auth.HashKey(token) != hash {
			return problem.Field("token", "The invite token is invalid or was already used.")
		}
		if err := q.AcceptInvite(ctx, inv.ID, first, last); err != nil {
			return err
		}
		if _, err := q.CreateAPIKey(ctx, store.APIKey{AccountID: inv.AccountID, UserID: inv.ID, Name: "invite",
			Prefix: auth.KeyDisplayPrefix(key), DateCreated: s.Now()}, auth.HashKey(key)); err != nil {
			return err
		}
		u, err = q.UserByID(ctx, inv.AccountID, inv.ID)
		return err
	})
	return u, key, err
}

// CreatedKey is a new key with its secret, shown once.
type CreatedKey struct {
	Key   store.APIKey
	Token string
}

// keyOwner checks that the caller may manage userID's keys.
func (s *Service) keyOwner(ctx context.Context, q *store.Q, a *Actor, userID int64) error {
	if userID == a.User.ID {
		return nil
	}
	if _, err := q.UserByID(ctx, a.AccountID(), userID); err != nil {
		return err
	}
	return requireAdmin(a)
}

// ListKeys lists a user's keys (their own, or any user's for admins).
func (s *Service) ListKeys(ctx context.Context, a *Actor, userID int64) ([]store.APIKey, error) {
	q := s.db.Read()
	if err := s.keyOwner(ctx, q, a, userID); err != nil {
		return nil, err
	}
	return q.ListAPIKeys(ctx, a.AccountID(), userID)
}

// CreateKey makes a key for a user.
func (s *Service) CreateKey(ctx context.Context, a *Actor, userID int64, name string, expires *time.Time) (*CreatedKey, error) {
	if len([]rune(name)) > 100 {
		return nil, problem.Field("name", "Ensure this field has no more than 100 characters.")
	}
	token := auth.NewKey()
	var out *CreatedKey
	err := s.write(ctx, func(q *store.Q) error {
		if err := s.keyOwner(ctx, q, a, userID); err != nil {
			return err
		}
		u, err := q.UserByID(ctx, a.AccountID(), userID)
		if err != nil {
			return err
		}
		if u.Status == store.UserInactive {
			return problem.Invalidf("The user is inactive.")
		}
		k := store.APIKey{AccountID: a.AccountID(), UserID: userID, Name: name, Prefix: auth.KeyDisplayPrefix(token),
			DateCreated: s.Now(), ExpiresAt: expires}
		k.ID, err = q.CreateAPIKey(ctx, k, auth.HashKey(token))
		if err != nil {
			return err
		}
		out = &CreatedKey{Key: k, Token: token}
		return s.audit(ctx, q, a, "api_key.created", "api_key", k.ID, map[string]any{"user_id": userID, "prefix": k.Prefix})
	})
	return out, err
}

// RevokeKey revokes a user's key.
func (s *Service) RevokeKey(ctx context.Context, a *Actor, userID, keyID int64) error {
	return s.write(ctx, func(q *store.Q) error {
		if err := s.keyOwner(ctx, q, a, userID); err != nil {
			return err
		}
		if err := q.RevokeAPIKey(ctx, a.AccountID(), userID, keyID, s.Now()); err != nil {
			return err
		}
		return s.audit(ctx, q, a, "api_key.revoked", "api_key", keyID, map[string]any{"user_id": userID})
	})
}

// GroupInput is a group's body.
type GroupInput struct {
	Name  *string
	Users *[]int64
}

func (s *Service) checkGroupInput(ctx context.Context, q *store.Q, a *Actor, in GroupInput, create bool) error {
	if in.Name != nil && (strings.TrimSpace(*in.Name) == "" || len([]rune(*in.Name)) > 200) {
		return problem.Field("name", "The name must have 1 to 200 characters.")
	}
	if create && in.Name == nil {
		return problem.Field("name", "This field is required.")
	}
	if in.Users != nil {
		users, err := q.UsersByIDs(ctx, a.AccountID(), *in.Users)
		if err != nil {
			return err
		}
		found := map[int64]bool{}
		for _, u := range users {
			found[u.ID] = true
		}
		for _, id := range *in.Users {
			if !found[id] {
				return problem.Field("users", fmt.Sprintf("User %d is not a user of the account.", id))
			}
		}
	}
	return nil
}

// CreateGroup makes a group (admins only).
func (s *Service) CreateGroup(ctx context.Context, a *Actor, in GroupInput) (*store.Group, error) {
	if err := requireAdmin(a); err != nil {
		return nil, err
	}
	var g *store.Group
	err := s.write(ctx, func(q *store.Q) error {
		if err := s.checkGroupInput(ctx, q, a, in, true); err != nil {
			return err
		}
		var users []int64
		if in.Users != nil {
			users = *in.Users
		}
		id, err := q.CreateGroup(ctx, a.AccountID(), strings.TrimSpace(*in.Name), users, s.Now())
		if err != nil {
			return err
		}
		g, err = q.GroupByID(ctx, a.AccountID(), id)
		return err
	})
	return g, err
}

// Group returns a group of the account.
func (s *Service) Group(ctx context.Context, a *Actor, id int64) (*store.Group, error) {
	return s.db.Read().GroupByID(ctx, a.AccountID(), id)
}

// ListGroups answers a page of groups.
func (s *Service) ListGroups(ctx context.Context, a *Actor, limit, offset int) ([]*store.Group, int, error) {
	return s.db.Read().ListGroups(ctx, a.AccountID(), limit, offset)
}

// UpdateGroup renames a group or replaces its members (admins only).
func (s *Service) UpdateGroup(ctx context.Context, a *Actor, id int64, in GroupInput) (*store.Group, error) {
	var g *store.Group
	err := s.write(ctx, func(q *store.Q) error {
		if _, err := q.GroupByID(ctx, a.AccountID(), id); err != nil {
			return err
		}
		if err := requireAdmin(a); err != nil {
			return err
		}
		if err := s.checkGroupInput(ctx, q, a, in, false); err != nil {
			return err
		}
		if in.Name != nil {
			if err := q.RenameGroup(ctx, id, strings.TrimSpace(*in.Name)); err != nil {
				return err
			}
		}
		if in.Users != nil {
			if err := q.SetGroupMembers(ctx, id, *in.Users); err != nil {
				return err
			}
		}
		var err error
		g, err = q.GroupByID(ctx, a.AccountID(), id)
		return err
	})
	return g, err
}

// DeleteGroup removes a group (admins only).
func (s *Service) DeleteGroup(ctx context.Context, a *Actor, id int64) error {
	return s.write(ctx, func(q *store.Q) error {
		if _, err := q.GroupByID(ctx, a.AccountID(), id); err != nil {
			return err
		}
		if err := requireAdmin(a); err != nil {
			return err
		}
		return q.DeleteGroup(ctx, a.AccountID(), id)
	})
}

var errStop = errors.New("stop")
