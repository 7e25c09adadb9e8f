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

// User statuses.
const (
	UserActive   = "active"
	UserInvited  = "invited"
	UserInactive = "inactive"
)

// Account is a tenant.
type Account struct {
	ID            int64
	Name          string
	WebhookSecret string
	DateCreated   time.Time
}

// User is a person of an account.
type User struct {
	ID          int64
	AccountID   int64
	Email       string
	FirstName   string
	LastName    string
	Phone       *string
	Photo       *string
	Status      string
	IsAdmin     bool
	IsOwner     bool
	DateJoined  time.Time
	InviteID    *string
	InvitedBy   *int64
	InviteDate  *time.Time
	InvitedFrom *string
}

// FullName is "First Last", trimmed.
func (u *User) FullName() string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

// bootstrapLock is the advisory lock key of the first-start check.
const bootstrapLock = 727275

// CountAccounts tells whether the database was bootstrapped. In a write
// transaction on PostgreSQL it first takes a transaction-scoped advisory
// lock: servers starting at once on an empty database would otherwise all
// count zero and each create the first account (or fail on the shared
// bootstrap key). The count runs after the lock is granted, so under READ
// COMMITTED it sees the winner's account.
func (q *Q) CountAccounts(ctx context.Context) (int, error) {
	if q.d == Postgres {
		if _, err := q.q.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, bootstrapLock); err != nil {
			return 0, err
		}
	}
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n)
	return n, err
}

// CreateAccount inserts a tenant.
func (q *Q) CreateAccount(ctx context.Context, name, secret string, now time.Time) (int64, error) {
	var id int64
	err := q.q.QueryRowContext(ctx, `INSERT INTO accounts (name, webhook_secret, date_created) VALUES ($1, $2, $3) RETURNING id`,
		name, secret, Micros(now)).Scan(&id)
	return id, err
}

// AccountByID loads a tenant.
func (q *Q) AccountByID(ctx context.Context, id int64) (*Account, error) {
	a := &Account{}
	var created int64
	err := q.q.QueryRowContext(ctx, `SELECT id, name, webhook_secret, date_created FROM accounts WHERE id = $1`, id).
		Scan(&a.ID, &a.Name, &a.WebhookSecret, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.Notfound()
	}
	a.DateCreated = FromMicros(created)
	return a, err
}

// SetWebhookSecret replaces an account's signing secret.
func (q *Q) SetWebhookSecret(ctx context.Context, accountID int64, secret string) error {
	_, err := q.q.ExecContext(ctx, `UPDATE accounts SET webhook_secret = $1 WHERE id = $2`, secret, accountID)
	return err
}

const userColumns = `id, account_id, email, first_name, last_name, phone, photo, status, is_admin, is_account_owner,
	date_joined, invite_id, invited_by, invite_date, invited_from`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	u := &User{}
	var joined int64
	var phone, photo, inviteID, invitedFrom sql.NullString
	var invitedBy, inviteDate sql.NullInt64
	err := row.Scan(&u.ID, &u.AccountID, &u.Email, &u.FirstName, &u.LastName, &phone, &photo, &u.Status, &u.IsAdmin,
		&u.IsOwner, &joined, &inviteID, &invitedBy, &inviteDate, &invitedFrom)
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
	if inviteID.Valid {
		u.InviteID = &inviteID.String
	}
	if invitedBy.Valid {
		u.InvitedBy = &invitedBy.Int64
	}
	u.InviteDate = FromNullMicros(inviteDate)
	if invitedFrom.Valid {
		u.InvitedFrom = &invitedFrom.String
	}
	return u, nil
}

// NewUser is what CreateUser inserts.
type NewUser struct {
	AccountID       int64
	Email           string
	FirstName       string
	LastName        string
	Status          string
	IsAdmin         bool
	IsOwner         bool
	InviteID        *string
	InviteTokenHash *string
	InvitedBy       *int64
	InvitedFrom     *string
}

// CreateUser inserts a user; a taken e-mail in the account is a 400.
func (q *Q) CreateUser(ctx context.Context, u NewUser, now time.Time) (*User, error) {
	var inviteDate any
	if u.InviteID != nil {
		inviteDate = Micros(now)
	}
	row := q.q.QueryRowContext(ctx, `INSERT INTO users (account_id, email, email_lower, first_name, last_name, status, is_admin,
		is_account_owner, date_joined, invite_id, invite_token_hash, invited_by, invite_date, invited_from)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING `+userColumns,
		u.AccountID, u.Email, strings.ToLower(u.Email), u.FirstName, u.LastName, u.Status, u.IsAdmin, u.IsOwner, Micros(now),
		u.InviteID, u.InviteTokenHash, u.InvitedBy, inviteDate, u.InvitedFrom)
	user, err := scanUser(row)
	if IsUniqueViolation(err) {
		return nil, problem.Field("email", "A user with this e-mail already exists in the account.")
	}
	return user, err
}

// UserByID loads a user of the account (404 for another account's).
func (q *Q) UserByID(ctx context.Context, accountID, id int64) (*User, error) {
	u, err := scanUser(q.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1 AND account_id = $2`, id, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.Notfound()
	}
	return u, err
}

// UserByEmail finds a user of the account by e-mail (case-insensitive).
func (q *Q) UserByEmail(ctx context.Context, accountID int64, email string) (*User, error) {
	u, err := scanUser(q.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE account_id = $1 AND email_lower = $2`,
		accountID, strings.ToLower(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.Notfound()
	}
	return u, err
}

// UsersByEmailAnyAccount finds users with this e-mail in every account (CLI).
func (q *Q) UsersByEmailAnyAccount(ctx context.Context, email string) ([]*User, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE email_lower = $1 ORDER BY id`, strings.ToLower(email))
	if err != nil {
		return nil, err
	}
	return collectUsers(rows)
}

// UsersByIDs loads users of the account by id (missing ids are left out).
func (q *Q) UsersByIDs(ctx context.Context, accountID int64, ids []int64) ([]*User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{accountID}
	ph := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		ph[i] = fmt.Sprintf("$%d", i+2)
	}
	// Unary +: primary-key lookups, not a scan of the account index.
	rows, err := q.q.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE id IN (`+strings.Join(ph, ",")+`) AND +account_id = $1`, args...)
	if err != nil {
		return nil, err
	}
	return collectUsers(rows)
}

// AccountUsers loads every user of the account (for the engine's directory).
func (q *Q) AccountUsers(ctx context.Context, accountID int64) ([]*User, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE account_id = $1 ORDER BY id`, accountID)
	if err != nil {
		return nil, err
	}
	return collectUsers(rows)
}

func collectUsers(rows *sql.Rows) ([]*User, error) {
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// AccountOwner returns the account owner.
func (q *Q) AccountOwner(ctx context.Context, accountID int64) (*User, error) {
	u, err := scanUser(q.q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE account_id = $1 AND is_account_owner = TRUE`, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, problem.Notfound()
	}
	return u, err
}

// UserFilter selects and orders the user list.
type UserFilter struct {
	Statuses []string
	Type     string
	OrderBy  string // a column of userOrderColumns
	Desc     bool
	Limit    int
	Offset   int
}

var userOrderColumns = map[string]string{
	"first_name": "first_name", "last_name": "last_name", "status": "status", "email": "email_lower",
	"date_joined": "date_joined",
}

// ValidUserOrdering reports whether s names a user ordering column.
func ValidUserOrdering(s string) bool { _, ok := userOrderColumns[s]; return ok }

// ListUsers answers a page of the account's users and the total count.
func (q *Q) ListUsers(ctx context.Context, accountID int64, f UserFilter) ([]*User, int, error) {
	where := []string{"account_id = $1"}
	args := []any{accountID}
	if len(f.Statuses) > 0 {
		ph := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			args = append(args, s)
			ph[i] = fmt.Sprintf("$%d", len(args))
		}
		where = append(where, "status IN ("+strings.Join(ph, ",")+")")
	}
	if f.Type != "" && f.Type != "user" {
		where = append(where, "1 = 0") // every user here is of type "user"
	}
	w := strings.Join(where, " AND ")
	var total int
	if err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE `+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	col := userOrderColumns[f.OrderBy]
	if col == "" {
		col = "last_name"
	}
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM users WHERE %s ORDER BY %s %s, id ASC LIMIT $%d OFFSET $%d`,
		userColumns, w, col, dir, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	users, err := collectUsers(rows)
	return users, total, err
}

// UserPatch holds the fields of a user update; nil means unchanged.
type UserPatch struct {
	FirstName *string
	LastName  *string
	Phone     *string
	IsAdmin   *bool
	Status    *string
}

// UpdateUser applies a patch.
func (q *Q) UpdateUser(ctx context.Context, accountID, id int64, p UserPatch) error {
	sets := []string{}
	args := []any{}
	add := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if p.FirstName != nil {
		add("first_name", *p.FirstName)
	}
	if p.LastName != nil {
		add("last_name", *p.LastName)
	}
	if p.Phone != nil {
		add("phone", *p.Phone)
	}
	if p.IsAdmin != nil {
		add("is_admin", *p.IsAdmin)
	}
	if p.Status != nil {
		add("status", *p.Status)
	}
	if len(sets) == 0 {
		return nil
	}
	args = append(args, id, accountID)
	_, err := q.q.ExecContext(ctx, fmt.Sprintf(`UPDATE users SET %s WHERE id = $%d AND account_id = $%d`,
		strings.Join(sets, ", "), len(args)-1, len(args)), args...)
	return err
}

// InviteByID finds an invited user by invite id, with the token hash.
func (q *Q) InviteByID(ctx context.Context, inviteID string) (*User, string, error) {
	row := q.q.QueryRowContext(ctx, `SELECT `+userColumns+`, COALESCE(invite_token_hash, '') FROM users WHERE invite_id = $1`, inviteID)
	u := &User{}
	var hash string
	var joined int64
	var phone, photo, iid, from sql.NullString
	var by, date sql.NullInt64
	err := row.Scan(&u.ID, &u.AccountID, &u.Email, &u.FirstName, &u.LastName, &phone, &photo, &u.Status, &u.IsAdmin,
		&u.IsOwner, &joined, &iid, &by, &date, &from, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", problem.Notfound()
	}
	if err != nil {
		return nil, "", err
	}
	return u, hash, nil
}

// AcceptInvite activates an invited user and spends the token.
func (q *Q) AcceptInvite(ctx context.Context, userID int64, firstName, lastName *string) error {
	_, err := q.q.ExecContext(ctx, `UPDATE users SET status = 'active', invite_token_hash = NULL,
		first_name = COALESCE($1, first_name), last_name = COALESCE($2, last_name) WHERE id = $3`, firstName, lastName, userID)
	return err
}
