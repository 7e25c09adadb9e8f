package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

func (w *Web) authRoutes() {
	m := w.mux
	m.Handle("GET /app/sign-in", w.open(w.signInPage))
	m.Handle("POST /app/sign-in", w.open(w.signIn))
	m.Handle("POST /app/sign-out", w.open(w.signOut))
	m.Handle("GET /app/invite/{id}", w.open(w.invitePage))
	m.Handle("POST /app/invite/{id}", w.open(w.acceptInvite))
	m.Handle("GET /app/profile", w.authed(w.profilePage))
	m.Handle("POST /app/profile/password", w.authed(w.changePassword))
	m.Handle("POST /app/profile/keys", w.authed(w.createKey))
	m.Handle("POST /app/profile/keys/{id}/revoke", w.authed(w.revokeKey))
}

type signInData struct {
	Email string
	Next  string
	Error string
}

func (w *Web) signInPage(q *rq) error {
	next := localPath(q.r.URL.Query().Get("next"), "/app/tasks")
	if q.actor != nil {
		return q.redirect(next)
	}
	return q.render(http.StatusOK, "sign_in", "Sign in", "", signInData{Next: next})
}

func (w *Web) signIn(q *rq) error {
	email := strings.TrimSpace(q.r.PostFormValue("email"))
	next := localPath(q.r.PostFormValue("next"), "/app/tasks")
	info, err := w.svc.SignIn(q.ctx, email, q.r.PostFormValue("password"), clientAddr(q.r))
	if err != nil {
		p, ok := problem.As(err)
		if !ok {
			return err
		}
		return q.render(http.StatusUnauthorized, "sign_in", "Sign in", "", signInData{Email: email, Next: next, Error: p.Message})
	}
	q.setSession(info)
	return q.redirect(next)
}

func (w *Web) signOut(q *rq) error {
	if q.token != "" {
		if err := w.svc.SignOut(q.ctx, q.token); err != nil {
			return err
		}
	}
	q.clearSession()
	return q.okTo("/app/sign-in", "You are signed out.")
}

type inviteData struct {
	ID, Token, Email, FirstName, LastName string
	Errors                                map[string]string
	Error                                 string
}

func (w *Web) invitePage(q *rq) error {
	id, token := q.r.PathValue("id"), q.r.URL.Query().Get("token")
	u, err := w.svc.Invitation(q.ctx, id, token)
	if err != nil {
		if problem.Is(err, problem.NotFound) {
			q.errorPage(http.StatusNotFound, "Invite not valid", "This invite link is not valid, or it was already used. Ask an admin of your account for a new one.")
			return nil
		}
		return err
	}
	return q.render(http.StatusOK, "invite", "Accept your invite", "", inviteData{ID: id, Token: token, Email: u.Email,
		FirstName: u.FirstName, LastName: u.LastName})
}

func (w *Web) acceptInvite(q *rq) error {
	id, token := q.r.PathValue("id"), q.r.PostFormValue("token")
	first, last := strings.TrimSpace(q.r.PostFormValue("first_name")), strings.TrimSpace(q.r.PostFormValue("last_name"))
	pw, again := q.r.PostFormValue("password"), q.r.PostFormValue("password_again")
	u, err := w.svc.Invitation(q.ctx, id, token)
	if err != nil {
		if problem.Is(err, problem.NotFound) {
			q.errorPage(http.StatusNotFound, "Invite not valid", "This invite link is not valid, or it was already used.")
			return nil
		}
		return err
	}
	data := inviteData{ID: id, Token: token, Email: u.Email, FirstName: first, LastName: last, Errors: map[string]string{}}
	if pw != again {
		data.Errors["password_again"] = "The two passwords differ."
		return q.render(http.StatusBadRequest, "invite", "Accept your invite", "", data)
	}
	info, err := w.svc.AcceptInviteWeb(q.ctx, id, token, &first, &last, pw)
	if err != nil {
		p, ok := problem.As(err)
		if !ok || p.Kind != problem.Invalid {
			return err
		}
		d := p.First()
		if d.Name != "" {
			data.Errors[d.Name] = d.Reason
		} else {
			data.Error = p.Message
		}
		return q.render(http.StatusBadRequest, "invite", "Accept your invite", "", data)
	}
	q.setSession(info)
	return q.okTo("/app/tasks", "Welcome! Your account is ready.")
}

type profileData struct {
	Keys        []store.APIKey
	NewKey      string
	NewKeyName  string
	HasPassword bool
	Errors      map[string]string
}

func (w *Web) profile(q *rq, status int, d profileData) error {
	keys, err := w.svc.ListKeys(q.ctx, q.actor, q.actor.User.ID)
	if err != nil {
		return err
	}
	d.Keys = keys
	if d.HasPassword, err = w.svc.HasPassword(q.ctx, q.actor); err != nil {
		return err
	}
	return q.render(status, "profile", "Profile and API keys", "profile", d)
}

func (w *Web) profilePage(q *rq) error { return w.profile(q, http.StatusOK, profileData{}) }

func (w *Web) changePassword(q *rq) error {
	pw, again := q.r.PostFormValue("password"), q.r.PostFormValue("password_again")
	if pw != again {
		return w.profile(q, http.StatusBadRequest, profileData{Errors: map[string]string{"password_again": "The two passwords differ."}})
	}
	if err := w.svc.ChangePassword(q.ctx, q.actor, q.r.PostFormValue("current_password"), pw, q.token); err != nil {
		p, ok := problem.As(err)
		if !ok || p.Kind != problem.Invalid {
			return err
		}
		return w.profile(q, http.StatusBadRequest, profileData{Errors: map[string]string{p.First().Name: p.Message}})
	}
	return q.okTo("/app/profile", "Your password was changed. Other browsers were signed out.")
}

func (w *Web) createKey(q *rq) error {
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	k, err := w.svc.CreateKey(q.ctx, q.actor, q.actor.User.ID, name, nil)
	if err != nil {
		return q.failTo("/app/profile", err)
	}
	// The key is shown on this answer only: it is not stored anywhere it
	// could be shown again.
	return w.profile(q, http.StatusOK, profileData{NewKey: k.Token, NewKeyName: name})
}

func (w *Web) revokeKey(q *rq) error {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil {
		return problem.Notfound()
	}
	if err := w.svc.RevokeKey(q.ctx, q.actor, q.actor.User.ID, id); err != nil {
		return q.failTo("/app/profile", err)
	}
	return q.okTo("/app/profile", "The key was revoked.")
}
