package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/pneumatic-oss/pneumatic/internal/auth"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// Web sign-in settings.
const (
	// SessionTTL is how long a web session lasts from sign-in.
	SessionTTL = 7 * 24 * time.Hour
	// MinPasswordLength and MaxPasswordBytes bound a password. bcrypt reads
	// at most 72 bytes; a longer password would be silently cut, so it is
	// refused instead.
	MinPasswordLength = 8
	MaxPasswordBytes  = 72
	// signInWindow and the limits below throttle password guessing: failed
	// attempts per e-mail address and per client address within the window.
	signInWindow      = 15 * time.Minute
	signInPerEmail    = 10
	signInPerClient   = 50
	signInLimiterSize = 10000
)

// Sign-in errors shown to a person as they are.
var (
	// ErrBadCredentials does not tell a wrong password from an unknown
	// e-mail or an inactive user: that would confirm who has an account.
	ErrBadCredentials = &problem.Error{Kind: problem.Invalid, Message: "The e-mail or the password is wrong.",
		Details: []problem.Detail{{Reason: "The e-mail or the password is wrong.", Name: "password"}}}
	ErrTooManySignIns = &problem.Error{Kind: problem.Invalid, Message: "Too many failed sign-ins. Wait a few minutes and try again.",
		Details: []problem.Detail{{Reason: "Too many failed sign-ins. Wait a few minutes and try again.", Name: "email"}}}
	// ErrNoSession is a missing, unknown, expired or ended session.
	ErrNoSession = &problem.Error{Kind: problem.Unauthorized, Message: "Please sign in."}
)

// dummyHash is compared against when no user matches, so that an unknown
// e-mail costs as much time as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("pneumatic-dummy-password"), bcrypt.DefaultCost)

// WebSessionInfo is a new session: the cookie secret (shown once), its
// CSRF token and end, and who it signs in.
type WebSessionInfo struct {
	Token   string
	CSRF    string
	Expires time.Time
	Actor   *Actor
}

// CheckPassword applies the password policy.
func CheckPassword(pw string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		return problem.Field("password", fmt.Sprintf("The password needs at least %d characters.", MinPasswordLength))
	case len(pw) > MaxPasswordBytes:
		return problem.Field("password", fmt.Sprintf("The password may have at most %d bytes.", MaxPasswordBytes))
	}
	return nil
}

func hashPassword(pw string) (string, error) {
	if err := CheckPassword(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// SignIn checks an e-mail and password and opens a session. client is the
// caller's network address, for throttling. An e-mail may name users of
// several accounts: the first active one whose password matches signs in.
func (s *Service) SignIn(ctx context.Context, email, password, client string) (*WebSessionInfo, error) {
	email = strings.TrimSpace(email)
	lim := s.signInLimiter()
	now := s.Now()
	emailKey := "e:" + strings.ToLower(email)
	clientKey := "c:" + client
	if lim.blocked(emailKey, signInPerEmail, now) || (client != "" && lim.blocked(clientKey, signInPerClient, now)) {
		return nil, ErrTooManySignIns
	}
	var match *store.User
	if email != "" && password != "" && len(password) <= MaxPasswordBytes {
		creds, err := s.db.Read().CredentialsByEmail(ctx, email)
		if err != nil {
			return nil, err
		}
		compared := false
		for _, c := range creds {
			if c.Hash == "" {
				continue
			}
			compared = true
			// bcrypt compares in constant time; every candidate is checked
			// so that the time does not tell which one matched.
			ok := bcrypt.CompareHashAndPassword([]byte(c.Hash), []byte(password)) == nil
			if ok && c.User.Status == store.UserActive && match == nil {
				match = c.User
			}
		}
		if !compared {
			_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		}
	} else {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
	}
	if match == nil {
		lim.fail(emailKey, now)
		if client != "" {
			lim.fail(clientKey, now)
		}
		return nil, ErrBadCredentials
	}
	lim.reset(emailKey)
	return s.openSession(ctx, match)
}

func (s *Service) openSession(ctx context.Context, u *store.User) (*WebSessionInfo, error) {
	token := auth.RandomToken(32)
	now := s.Now()
	info := &WebSessionInfo{Token: token, CSRF: auth.RandomToken(24), Expires: now.Add(SessionTTL), Actor: &Actor{User: u}}
	err := s.write(ctx, func(q *store.Q) error {
		// Expired rows are removed here rather than by a job: sign-ins are
		// rare enough, and the table stays small.
		if err := q.DeleteExpiredWebSessions(ctx, now); err != nil {
			return err
		}
		return q.CreateWebSession(ctx, store.WebSession{IDHash: auth.HashKey(token), UserID: u.ID, AccountID: u.AccountID,
			CSRF: info.CSRF, Created: now, Expires: info.Expires})
	})
	if err != nil {
		return nil, err
	}
	return info, nil
}

// WebSession resolves a session cookie to the signed-in user and the
// session's CSRF token. A deactivated user's sessions stop working at once,
// like their keys.
func (s *Service) WebSession(ctx context.Context, token string) (*Actor, string, error) {
	if token == "" || len(token) > 200 {
		return nil, "", ErrNoSession
	}
	q := s.db.Read()
	ws, err := q.WebSessionByHash(ctx, auth.HashKey(token))
	if problem.Is(err, problem.NotFound) {
		return nil, "", ErrNoSession
	}
	if err != nil {
		return nil, "", err
	}
	if !s.Now().Before(ws.Expires) {
		return nil, "", ErrNoSession
	}
	u, err := q.UserByID(ctx, ws.AccountID, ws.UserID)
	if problem.Is(err, problem.NotFound) {
		return nil, "", ErrNoSession
	}
	if err != nil {
		return nil, "", err
	}
	if u.Status != store.UserActive {
		return nil, "", ErrNoSession
	}
	return &Actor{User: u}, ws.CSRF, nil
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.write(ctx, func(q *store.Q) error { return q.DeleteWebSession(ctx, auth.HashKey(token)) })
}

// ChangePassword sets the caller's password after checking the current one
// (when one is set); the caller's other sessions end, keepToken's stays.
func (s *Service) ChangePassword(ctx context.Context, a *Actor, current, next, keepToken string) error {
	old, err := s.db.Read().PasswordHash(ctx, a.User.ID)
	if err != nil {
		return err
	}
	if old != "" && bcrypt.CompareHashAndPassword([]byte(old), []byte(current)) != nil {
		return problem.Field("current_password", "The current password is wrong.")
	}
	h, err := hashPassword(next)
	if err != nil {
		return err
	}
	keep := ""
	if keepToken != "" {
		keep = auth.HashKey(keepToken)
	}
	return s.write(ctx, func(q *store.Q) error {
		if err := q.SetPasswordHash(ctx, a.User.ID, h); err != nil {
			return err
		}
		if err := q.DeleteUserWebSessions(ctx, a.User.ID, keep); err != nil {
			return err
		}
		return s.audit(ctx, q, a, "user.password_changed", "user", a.User.ID, nil)
	})
}

// SetPasswordByEmail sets a password from the command line. The e-mail must
// name exactly one user (in any account). Every session of that user ends.
func (s *Service) SetPasswordByEmail(ctx context.Context, email, password string) error {
	h, err := hashPassword(password)
	if err != nil {
		if p, ok := problem.As(err); ok {
			return errors.New(p.Message)
		}
		return err
	}
	return s.write(ctx, func(q *store.Q) error {
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
		if err := q.SetPasswordHash(ctx, users[0].ID, h); err != nil {
			return err
		}
		return q.DeleteUserWebSessions(ctx, users[0].ID, "")
	})
}

// Invitation returns the invited user behind an invite id and token, for
// the page where the invite is accepted. A used or wrong token is a 404:
// the page must not tell whether an invite id exists.
func (s *Service) Invitation(ctx context.Context, inviteID, token string) (*store.User, error) {
	inv, hash, err := s.db.Read().InviteByID(ctx, inviteID)
	if err != nil {
		return nil, err
	}
	if inv.Status != store.UserInvited || hash == "" || subtle.ConstantTimeCompare([]byte(auth.HashKey(token)), []byte(hash)) != 1 {
		return nil, problem.Notfound()
	}
	return inv, nil
}

// AcceptInviteWeb accepts an invite in the browser: the user becomes
// active with a password (and no API key: they make one when they need it)
// and is signed in.
func (s *Service) AcceptInviteWeb(ctx context.Context, inviteID, token string, first, last *string, password string) (*WebSessionInfo, error) {
	for f, v := range map[string]*string{"first_name": first, "last_name": last} {
		if err := checkName(f, v); err != nil {
			return nil, err
		}
	}
	h, err := hashPassword(password)
	if err != nil {
		return nil, err
	}
	var u *store.User
	err = s.write(ctx, func(q *store.Q) error {
		inv, hash, err := q.InviteByID(ctx, inviteID)
		if err != nil {
			return err
		}
		if inv.Status != store.UserInvited || hash == "" || subtle.ConstantTimeCompare([]byte(auth.HashKey(token)), []byte(hash)) != 1 {
			return problem.Field("token", "The invite token is invalid or was already used.")
		}
		if err := q.AcceptInvite(ctx, inv.ID, first, last); err != nil {
			return err
		}
		if err := q.SetPasswordHash(ctx, inv.ID, h); err != nil {
			return err
		}
		u, err = q.UserByID(ctx, inv.AccountID, inv.ID)
		if err != nil {
			return err
		}
		return s.audit(ctx, q, &Actor{User: u}, "user.invite_accepted", "user", u.ID, map[string]any{"via": "web"})
	})
	if err != nil {
		return nil, err
	}
	return s.openSession(ctx, u)
}

// HasPassword reports whether the user can sign in with a password.
func (s *Service) HasPassword(ctx context.Context, a *Actor) (bool, error) {
	h, err := s.db.Read().PasswordHash(ctx, a.User.ID)
	return h != "", err
}

// signInLimiter returns this service's attempt counter. It lives beside
// the Service (not in it) because Service is shared code owned elsewhere;
// a per-process counter is enough for a brake on guessing.
func (s *Service) signInLimiter() *attemptLimiter {
	v, _ := signInLimiters.LoadOrStore(s, &attemptLimiter{m: map[string]*attempts{}})
	return v.(*attemptLimiter)
}

var signInLimiters sync.Map // *Service → *attemptLimiter

type attempts struct {
	n     int
	since time.Time
}

// attemptLimiter counts failures per key in fixed windows.
type attemptLimiter struct {
	mu sync.Mutex
	m  map[string]*attempts
}

func (l *attemptLimiter) blocked(key string, limit int, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.m[key]
	return a != nil && now.Sub(a.since) < signInWindow && a.n >= limit
}

func (l *attemptLimiter) fail(key string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) >= signInLimiterSize {
		for k, a := range l.m {
			if now.Sub(a.since) >= signInWindow {
				delete(l.m, k)
			}
		}
		if len(l.m) >= signInLimiterSize {
			// Still full of live entries: drop them all rather than grow
			// without bound (an attacker filling the map gains little).
			l.m = map[string]*attempts{}
		}
	}
	a := l.m[key]
	if a == nil || now.Sub(a.since) >= signInWindow {
		a = &attempts{since: now}
		l.m[key] = a
	}
	a.n++
}

func (l *attemptLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, key)
}
