package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

type inviteJSON struct {
	ID             string   `json:"id"`
	ByUsername     string   `json:"by_username"`
	DateCreated    *string  `json:"date_created"`
	DateCreatedTsp *float64 `json:"date_created_tsp"`
	InvitedBy      *int64   `json:"invited_by"`
	InvitedFrom    string   `json:"invited_from"`
}

type userJSON struct {
	ID             int64       `json:"id"`
	Email          string      `json:"email"`
	FirstName      string      `json:"first_name"`
	LastName       string      `json:"last_name"`
	Phone          *string     `json:"phone"`
	Photo          *string     `json:"photo"`
	Status         string      `json:"status"`
	IsStaff        bool        `json:"is_staff"`
	IsAdmin        bool        `json:"is_admin"`
	IsAccountOwner bool        `json:"is_account_owner"`
	Type           string      `json:"type"`
	Invite         *inviteJSON `json:"invite"`
	DateJoined     *string     `json:"date_joined"`
	DateJoinedTsp  *float64    `json:"date_joined_tsp"`
	Token          string      `json:"token,omitempty"`
}

func userOut(u *store.User, byName string) userJSON {
	out := userJSON{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Phone: u.Phone, Photo: u.Photo,
		Status: u.Status, IsAdmin: u.IsAdmin || u.IsOwner, IsAccountOwner: u.IsOwner, Type: "user",
		DateJoined: isoV(u.DateJoined), DateJoinedTsp: tspV(u.DateJoined)}
	if u.InviteID != nil {
		from := "api"
		if u.InvitedFrom != nil {
			from = *u.InvitedFrom
		}
		out.Invite = &inviteJSON{ID: *u.InviteID, ByUsername: byName, DateCreated: iso(u.InviteDate), DateCreatedTsp: tsp(u.InviteDate),
			InvitedBy: u.InvitedBy, InvitedFrom: from}
	}
	return out
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, userOut(actor(r).User, ""))
	return nil
}

func (s *Server) handleUserList(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePage(r, 20)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.UserFilter{Limit: p.Limit, Offset: p.Offset, Type: q.Get("type"), OrderBy: "last_name"}
	if st := q.Get("status"); st != "" {
		for _, v := range strings.Split(st, ",") {
			v = strings.TrimSpace(v)
			if v != store.UserActive && v != store.UserInvited && v != store.UserInactive {
				return problem.Field("status", "status must be active, invited or inactive (comma-separated).")
			}
			f.Statuses = append(f.Statuses, v)
		}
	}
	if o := q.Get("ordering"); o != "" {
		f.Desc = strings.HasPrefix(o, "-")
		f.OrderBy = strings.TrimPrefix(o, "-")
		if !store.ValidUserOrdering(f.OrderBy) {
			return problem.Field("ordering", "Unknown ordering.")
		}
	} else if o := q.Get("order"); o != "" {
		switch o {
		case "asc":
		case "desc":
			f.Desc = true
		default:
			return problem.Field("order", "order must be asc or desc.")
		}
	}
	users, total, err := s.app.ListUsers(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	out := make([]userJSON, 0, len(users))
	for _, u := range users {
		out = append(out, userOut(u, ""))
	}
	writeJSON(w, http.StatusOK, s.newEnvelope(r, p, total, out))
	return nil
}

func userInput(b body, withEmail bool) (app.UserInput, error) {
	var in app.UserInput
	for _, f := range []struct {
		name string
		dst  **string
	}{{"first_name", &in.FirstName}, {"last_name", &in.LastName}, {"phone", &in.Phone}} {
		v, ok, err := b.str(f.name)
		if err != nil {
			return in, err
		}
		if ok {
			*f.dst = &v
		}
	}
	if withEmail {
		v, ok, err := b.str("email")
		if err != nil {
			return in, err
		}
		if ok {
			in.Email = &v
		}
	}
	adm, ok, err := b.boolean("is_admin")
	if err != nil {
		return in, err
	}
	if ok {
		in.IsAdmin = &adm
	}
	return in, nil
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) error {
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	in, err := userInput(raw, true)
	if err != nil {
		return err
	}
	u, err := s.app.CreateUser(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, userOut(u, ""))
	return nil
}

func (s *Server) handleUserGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.app.User(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userOut(u, ""))
	return nil
}

func (s *Server) handleUserPatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	in, err := userInput(raw, false)
	if err != nil {
		return err
	}
	u, err := s.app.PatchUser(r.Context(), actor(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, userOut(u, ""))
	return nil
}

func (s *Server) handleUserDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeactivateUser(r.Context(), actor(r), id); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *Server) handleInvite(w http.ResponseWriter, r *http.Request) error {
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	list, ok := raw["users"].([]any)
	if !ok {
		return problem.Field("users", "Expected a list of people to invite.")
	}
	var people []app.InviteInput
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return problem.Field("users", "Each item must be an object with an email.")
		}
		b := body(m)
		email, _, err := b.str("email")
		if err != nil {
			return err
		}
		first, _, err := b.str("first_name")
		if err != nil {
			return err
		}
		last, _, err := b.str("last_name")
		if err != nil {
			return err
		}
		people = append(people, app.InviteInput{Email: email, FirstName: first, LastName: last})
	}
	a := actor(r)
	invited, err := s.app.Invite(r.Context(), a, people)
	if err != nil {
		return err
	}
	by := a.User.FullName()
	if by == "" {
		by = a.User.Email
	}
	out := make([]userJSON, 0, len(invited))
	for _, inv := range invited {
		u := userOut(inv.User, by)
		u.Token = inv.Token
		out = append(out, u)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleInviteAccept(w http.ResponseWriter, r *http.Request) error {
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	b := body(raw)
	token, ok, err := b.str("token")
	if err != nil {
		return err
	}
	if !ok || token == "" {
		return problem.Field("token", "This field is required.")
	}
	var first, last *string
	if v, ok, err := b.str("first_name"); err != nil {
		return err
	} else if ok {
		first = &v
	}
	if v, ok, err := b.str("last_name"); err != nil {
		return err
	} else if ok {
		last = &v
	}
	u, key, err := s.app.AcceptInvite(r.Context(), r.PathValue("invite"), token, first, last)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": userOut(u, ""), "api_key": key})
	return nil
}

type keyJSON struct {
	ID             int64    `json:"id"`
	Name           string   `json:"name"`
	Prefix         string   `json:"prefix"`
	DateCreated    *string  `json:"date_created"`
	DateCreatedTsp *float64 `json:"date_created_tsp"`
	LastUsed       *string  `json:"last_used"`
	LastUsedTsp    *float64 `json:"last_used_tsp"`
	ExpiresAt      *string  `json:"expires_at"`
	ExpiresAtTsp   *float64 `json:"expires_at_tsp"`
	Token          string   `json:"token,omitempty"`
}

func keyOut(k store.APIKey) keyJSON {
	return keyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, DateCreated: isoV(k.DateCreated), DateCreatedTsp: tspV(k.DateCreated),
		LastUsed: iso(k.LastUsed), LastUsedTsp: tsp(k.LastUsed), ExpiresAt: iso(k.ExpiresAt), ExpiresAtTsp: tsp(k.ExpiresAt)}
}

// keyUser is the path's user, or the caller on /accounts/api-keys.
func keyUser(r *http.Request) (int64, error) {
	if r.PathValue("id") == "" {
		return actor(r).User.ID, nil
	}
	return pathID(r, "id")
}

func (s *Server) handleKeyList(w http.ResponseWriter, r *http.Request) error {
	uid, err := keyUser(r)
	if err != nil {
		return err
	}
	keys, err := s.app.ListKeys(r.Context(), actor(r), uid)
	if err != nil {
		return err
	}
	out := make([]keyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, keyOut(k))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleKeyCreate(w http.ResponseWriter, r *http.Request) error {
	uid, err := keyUser(r)
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	b := body(raw)
	name, _, err := b.str("name")
	if err != nil {
		return err
	}
	var expires *time.Time
	if t, ok, err := instantField(b, "expires_at"); err != nil {
		return err
	} else if ok {
		expires = &t
	}
	k, err := s.app.CreateKey(r.Context(), actor(r), uid, name, expires)
	if err != nil {
		return err
	}
	out := keyOut(k.Key)
	out.Token = k.Token
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) handleKeyDelete(w http.ResponseWriter, r *http.Request) error {
	uid, err := keyUser(r)
	if err != nil {
		return err
	}
	kid, err := pathID(r, "key")
	if err != nil {
		return err
	}
	if err := s.app.RevokeKey(r.Context(), actor(r), uid, kid); err != nil {
		return err
	}
	noContent(w)
	return nil
}

type groupJSON struct {
	ID    int64   `json:"id"`
	Name  string  `json:"name"`
	Users []int64 `json:"users"`
}

func groupOut(g *store.Group) groupJSON {
	users := g.Users
	if users == nil {
		users = []int64{}
	}
	return groupJSON{ID: g.ID, Name: g.Name, Users: users}
}

func groupInput(raw map[string]any) (app.GroupInput, error) {
	b := body(raw)
	var in app.GroupInput
	if v, ok, err := b.str("name"); err != nil {
		return in, err
	} else if ok {
		in.Name = &v
	}
	if v, ok, err := b.intList("users"); err != nil {
		return in, err
	} else if ok {
		in.Users = &v
	}
	return in, nil
}

func (s *Server) handleGroupList(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePage(r, 20)
	if err != nil {
		return err
	}
	groups, total, err := s.app.ListGroups(r.Context(), actor(r), p.Limit, p.Offset)
	if err != nil {
		return err
	}
	out := make([]groupJSON, 0, len(groups))
	for _, g := range groups {
		out = append(out, groupOut(g))
	}
	writeJSON(w, http.StatusOK, s.newEnvelope(r, p, total, out))
	return nil
}

func (s *Server) handleGroupCreate(w http.ResponseWriter, r *http.Request) error {
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	in, err := groupInput(raw)
	if err != nil {
		return err
	}
	g, err := s.app.CreateGroup(r.Context(), actor(r), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, groupOut(g))
	return nil
}

func (s *Server) handleGroupGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := s.app.Group(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, groupOut(g))
	return nil
}

func (s *Server) handleGroupPatch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	raw, err := readBody(r)
	if err != nil {
		return err
	}
	in, err := groupInput(raw)
	if err != nil {
		return err
	}
	g, err := s.app.UpdateGroup(r.Context(), actor(r), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, groupOut(g))
	return nil
}

func (s *Server) handleGroupDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteGroup(r.Context(), actor(r), id); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePage(r, 20)
	if err != nil {
		return err
	}
	entries, total, err := s.app.ListAudit(r.Context(), actor(r), p.Limit, p.Offset)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(entries))
	for _, e := range entries {
		out = append(out, map[string]any{"id": e.ID, "user_id": e.UserID, "action": e.Action, "object_type": e.ObjectType,
			"object_id": e.ObjectID, "details": rawJSON(e.Details), "created": isoV(e.Created), "created_tsp": tspV(e.Created)})
	}
	writeJSON(w, http.StatusOK, s.newEnvelope(r, p, total, out))
	return nil
}
