package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// APIKey is a stored key (its secret is only a hash).
type APIKey struct {
	ID          int64
	AccountID   int64
	UserID      int64
	Name        string
	Prefix      string
	DateCreated time.Time
	LastUsed    *time.Time
	ExpiresAt   *time.Time
}

// CreateAPIKey stores a key hash.
func (q *Q) CreateAPIKey(ctx context.Context, k APIKey, hash string) (int64, error) {
	var id int64
	err := q.q.QueryRowContext(ctx, `INSERT INTO api_keys (account_id, user_id, name, prefix, hash, date_created, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		k.AccountID, k.UserID, k.Name, k.Prefix, hash, Micros(k.DateCreated), MicrosPtr(k.ExpiresAt)).Scan(&id)
	return id, err
}

// Principal is who a key acts as.
type Principal struct {
	KeyID     int64
	User      *User
	LastUsed  *time.Time
	ExpiresAt *time.Time
	// Gen is the cache generation the principal was read at (PostgreSQL;
	// 0 on SQLite): see Q.WithGenStamp.
	Gen int64
}

// PrincipalByKeyHash resolves a key hash to its active user; revoked and
// expired keys and inactive users resolve to nothing.
func (q *Q) PrincipalByKeyHash(ctx context.Context, hash string, now time.Time) (*Principal, error) {
	gen := "0"
	if q.d == Postgres {
		gen = genColumn
	}
	row := q.q.QueryRowContext(ctx, `SELECT k.id, k.last_used, k.expires_at, `+prefixed("u.", userColumns)+`, `+gen+`
		FROM api_keys k JOIN users u ON u.id = k.user_id
		WHERE k.hash = $1 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $2) AND u.status = 'active'`,
		hash, Micros(now))
	p := &Principal{User: &User{}}
	var lastUsed, expires sql.NullInt64
	u := p.User
	var joined int64
	var phone, photo, inviteID, invitedFrom sql.NullString
	var invitedBy, inviteDate sql.NullInt64
	err := row.Scan(&p.KeyID, &lastUsed, &expires, &u.ID, &u.AccountID, &u.Email, &u.FirstName, &u.LastName, &phone, &photo, &u.Status,
		&u.IsAdmin, &u.IsOwner, &joined, &inviteID, &invitedBy, &inviteDate, &invitedFrom, &p.Gen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	u.DateJoined = FromMicros(joined)
	if phone.Valid {
		u.Phone = &phone.String
	}
	if photo.Valid {
		u.Photo = &photo.String
	}
	p.LastUsed, p.ExpiresAt = FromNullMicros(lastUsed), FromNullMicros(expires)
	return p, nil
}

func prefixed(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// TouchAPIKey records a key's last use.
func (q *Q) TouchAPIKey(ctx context.Context, id int64, now time.Time) error {
	_, err := q.q.ExecContext(ctx, `UPDATE api_keys SET last_used = $1 WHERE id = $2`, Micros(now), id)
	return err
}

// ListAPIKeys lists a user's live keys, oldest first.
func (q *Q) ListAPIKeys(ctx context.Context, accountID, userID int64) ([]APIKey, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT id, account_id, user_id, name, prefix, date_created, last_used, expires_at
		FROM api_keys WHERE account_id = $1 AND user_id = $2 AND revoked_at IS NULL ORDER BY id`, accountID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIKey
	for rows.Next() {
		var k APIKey
		var created int64
		var used, exp sql.NullInt64
		if err := rows.Scan(&k.ID, &k.AccountID, &k.UserID, &k.Name, &k.Prefix, &created, &used, &exp); err != nil {
			return nil, err
		}
		k.DateCreated = FromMicros(created)
		k.LastUsed = FromNullMicros(used)
		k.ExpiresAt = FromNullMicros(exp)
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey revokes a live key of the user; 404 when there is none.
func (q *Q) RevokeAPIKey(ctx context.Context, accountID, userID, keyID int64, now time.Time) error {
	res, err := q.q.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND account_id = $4 AND revoked_at IS NULL`,
		Micros(now), keyID, userID, accountID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return problem.Notfound()
	}
	return nil
}

// Group is a named set of users of an account.
type Group struct {
	ID    int64
	Name  string
	Users []int64
}

// CreateGroup inserts a group with its members.
func (q *Q) CreateGroup(ctx context.Context, accountID int64, name string, users []int64, now time.Time) (int64, error) {
	var id int64
	if err := q.q.QueryRowContext(ctx, `INSERT INTO user_groups (account_id, name, date_created) VALUES ($1, $2, $3) RETURNING id`,
		accountID, name, Micros(now)).Scan(&id); err != nil {
		return 0, err
	}
	return id, q.SetGroupMembers(ctx, id, users)
}

// SetGroupMembers replaces a group's members.
func (q *Q) SetGroupMembers(ctx context.Context, groupID int64, users []int64) error {
	if _, err := q.q.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = $1`, groupID); err != nil {
		return err
	}
	for _, u := range users {
		if _, err := q.q.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, groupID, u); err != nil {
			return err
		}
	}
	return nil
}

// RenameGroup changes a group's name.
func (q *Q) RenameGroup(ctx context.Context, groupID int64, name string) error {
	_, err := q.q.ExecContext(ctx, `UPDATE user_groups SET name = $1 WHERE id = $2`, name, groupID)
	return err
}

// DeleteGroup removes a group.
func (q *Q) DeleteGroup(ctx context.Context, accountID, groupID int64) error {
	if _, err := q.q.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = $1`, groupID); err != nil {
		return err
	}
	_, err := q.q.ExecContext(ctx, `DELETE FROM user_groups WHERE id = $1 AND account_id = $2`, groupID, accountID)
	return err
}

// GroupByID loads a group of the account with its members.
func (q *Q) GroupByID(ctx context.Context, accountID, id int64) (*Group, error) {
	g := &Group{}
	err := q.q.QueryRowContext(ctx, `SELECT id, name FROM user_groups WHERE id = $1 AND account_id = $2`, id, accountID).Scan(&g.ID, &g.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.Notfound()
	}
	if err != nil {
		return nil, err
	}
	g.Users, err = q.groupMembers(ctx, id)
	return g, err
}

func (q *Q) groupMembers(ctx context.Context, id int64) ([]int64, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT user_id FROM group_members WHERE group_id = $1 ORDER BY user_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ListGroups answers a page of the account's groups, by name then id.
func (q *Q) ListGroups(ctx context.Context, accountID int64, limit, offset int) ([]*Group, int, error) {
	var total int
	if err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM user_groups WHERE account_id = $1`, accountID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.q.QueryContext(ctx, `SELECT id, name FROM user_groups WHERE account_id = $1 ORDER BY name, id LIMIT $2 OFFSET $3`,
		accountID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	var out []*Group
	for rows.Next() {
		g := &Group{}
		if err := rows.Scan(&g.ID, &g.Name); err != nil {
			rows.Close()
			return nil, 0, err
		}
		out = append(out, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	for _, g := range out {
		if g.Users, err = q.groupMembers(ctx, g.ID); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// AccountGroups maps every group of the account to its members.
func (q *Q) AccountGroups(ctx context.Context, accountID int64) (map[int64]*Group, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT g.id, g.name, m.user_id FROM user_groups g LEFT JOIN group_members m ON m.group_id = g.id
		WHERE g.account_id = $1 ORDER BY g.id, m.user_id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*Group{}
	for rows.Next() {
		var id int64
		var name string
		var uid sql.NullInt64
		if err := rows.Scan(&id, &name, &uid); err != nil {
			return nil, err
		}
		g := out[id]
		if g == nil {
			g = &Group{ID: id, Name: name, Users: []int64{}}
			out[id] = g
		}
		if uid.Valid {
			g.Users = append(g.Users, uid.Int64)
		}
	}
	return out, rows.Err()
}

// NextIDs reserves n consecutive ids of a named counter and returns the
// first. Template nested objects take their ids from here.
func (q *Q) NextIDs(ctx context.Context, name string, n int64) (int64, error) {
	if n <= 0 {
		return 0, nil
	}
	var last int64
	err := q.q.QueryRowContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + $2 RETURNING value`, name, n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("store: counter %s: %w", name, err)
	}
	return last - n + 1, nil
}
