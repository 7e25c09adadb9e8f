package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// WebSession is a signed-in browser: the row behind a session cookie.
type WebSession struct {
	IDHash    string // SHA-256 (hex) of the cookie's secret
	UserID    int64
	AccountID int64
	CSRF      string
	Created   time.Time
	Expires   time.Time
}

// CreateWebSession stores a new session.
func (q *Q) CreateWebSession(ctx context.Context, s WebSession) error {
	_, err := q.q.ExecContext(ctx, `INSERT INTO web_sessions (id_hash, user_id, account_id, csrf, created, expires)
		VALUES ($1, $2, $3, $4, $5, $6)`, s.IDHash, s.UserID, s.AccountID, s.CSRF, Micros(s.Created), Micros(s.Expires))
	return err
}

// WebSessionByHash loads a session, expired or not (the caller decides).
func (q *Q) WebSessionByHash(ctx context.Context, idHash string) (*WebSession, error) {
	s := &WebSession{IDHash: idHash}
	var created, expires int64
	err := q.q.QueryRowContext(ctx, `SELECT user_id, account_id, csrf, created, expires FROM web_sessions WHERE id_hash = $1`, idHash).
		Scan(&s.UserID, &s.AccountID, &s.CSRF, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.Notfound()
	}
	if err != nil {
		return nil, err
	}
	s.Created, s.Expires = FromMicros(created), FromMicros(expires)
	return s, nil
}

// DeleteWebSession ends one session (sign-out).
func (q *Q) DeleteWebSession(ctx context.Context, idHash string) error {
	_, err := q.q.ExecContext(ctx, `DELETE FROM web_sessions WHERE id_hash = $1`, idHash)
	return err
}

// DeleteUserWebSessions ends every session of a user but keep (which may
// be ""): a new password signs the other browsers out.
func (q *Q) DeleteUserWebSessions(ctx context.Context, userID int64, keep string) error {
	_, err := q.q.ExecContext(ctx, `DELETE FROM web_sessions WHERE user_id = $1 AND id_hash <> $2`, userID, keep)
	return err
}

// DeleteExpiredWebSessions removes sessions that ended before now.
func (q *Q) DeleteExpiredWebSessions(ctx context.Context, now time.Time) error {
	_, err := q.q.ExecContext(ctx, `DELETE FROM web_sessions WHERE expires <= $1`, Micros(now))
	return err
}

// SetPasswordHash stores a user's password hash ("" removes the password).
func (q *Q) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	var v any
	if hash != "" {
		v = hash
	}
	_, err := q.q.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, v, userID)
	return err
}

// PasswordHash returns a user's password hash ("" when none is set).
func (q *Q) PasswordHash(ctx context.Context, userID int64) (string, error) {
	var h sql.NullString
	err := q.q.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE id = $1`, userID).Scan(&h)
	if errors.Is(err, sql.ErrNoRows) {
		return "", problem.Notfound()
	}
	return h.String, err
}

// UserCredential is a user with the password hash, for sign-in.
type UserCredential struct {
	User *User
	Hash string
}

// CredentialsByEmail finds every user with this e-mail, in any account,
// with their password hashes (sign-in knows only the e-mail).
func (q *Q) CredentialsByEmail(ctx context.Context, email string) ([]UserCredential, error) {
	users, err := q.UsersByEmailAnyAccount(ctx, strings.TrimSpace(email))
	if err != nil {
		return nil, err
	}
	out := make([]UserCredential, 0, len(users))
	for _, u := range users {
		h, err := q.PasswordHash(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, UserCredential{User: u, Hash: h})
	}
	return out, nil
}
