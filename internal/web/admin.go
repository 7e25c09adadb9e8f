package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

func (w *Web) adminRoutes() {
	m := w.mux
	m.Handle("GET /app/admin", http.RedirectHandler("/app/admin/users", http.StatusSeeOther))
	m.Handle("GET /app/admin/users", w.admin(w.usersPage))
	m.Handle("POST /app/admin/users/invite", w.admin(w.userInvite))
	m.Handle("POST /app/admin/users/create", w.admin(w.userCreate))
	m.Handle("POST /app/admin/users/{id}/deactivate", w.admin(w.userDeactivate))
	m.Handle("POST /app/admin/users/{id}/admin", w.admin(w.userAdmin))
	m.Handle("GET /app/admin/groups", w.admin(w.groupsPage))
	m.Handle("POST /app/admin/groups", w.admin(w.groupCreate))
	m.Handle("GET /app/admin/groups/{id}", w.admin(w.groupPage))
	m.Handle("POST /app/admin/groups/{id}", w.admin(w.groupSave))
	m.Handle("POST /app/admin/groups/{id}/delete", w.admin(w.groupDelete))
	m.Handle("GET /app/admin/webhooks", w.admin(w.webhooksPage))
	m.Handle("POST /app/admin/webhooks/subscribe", w.admin(w.webhookSubscribe))
	m.Handle("POST /app/admin/webhooks/unsubscribe", w.admin(w.webhookUnsubscribe))
	m.Handle("POST /app/admin/webhooks/test", w.admin(w.webhookTest))
	m.Handle("POST /app/admin/webhooks/rotate", w.admin(w.webhookRotate))
	m.Handle("GET /app/admin/webhooks/deliveries/{id}", w.admin(w.deliveryPage))
	m.Handle("POST /app/admin/webhooks/deliveries/{id}/redeliver", w.admin(w.deliveryRedeliver))
}

type usersData struct {
	Users   []*store.User
	Invited []inviteLink
	Pager   pager
	Errors  map[string]string
	Sent    url.Values
}

type inviteLink struct {
	Email string
	URL   string
}

func (w *Web) users(q *rq, status int, d usersData) error {
	off := offsetParam(q.r)
	users, total, err := w.svc.ListUsers(q.ctx, q.actor, store.UserFilter{OrderBy: "email", Limit: 100, Offset: off})
	if err != nil {
		return err
	}
	d.Users = users
	d.Pager = makePager(q.r, off, len(users), total)
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	return q.render(status, "users", "Users", "admin", d)
}

func (w *Web) usersPage(q *rq) error { return w.users(q, http.StatusOK, usersData{}) }

func (w *Web) userInvite(q *rq) error {
	var people []app.InviteInput
	for _, line := range strings.FieldsFunc(q.r.PostFormValue("emails"), func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		if e := strings.TrimSpace(line); e != "" {
			people = append(people, app.InviteInput{Email: e})
		}
	}
	invited, err := w.svc.Invite(q.ctx, q.actor, people)
	if err != nil {
		if p, ok := problem.As(err); ok && p.Kind == problem.Invalid {
			return w.users(q, http.StatusBadRequest, usersData{Errors: map[string]string{"emails": p.Message}, Sent: q.r.PostForm})
		}
		return err
	}
	// The invite links hold one-time tokens: they are shown on this answer
	// only, for the admin to pass on (this server sends no e-mail).
	d := usersData{}
	for _, inv := range invited {
		d.Invited = append(d.Invited, inviteLink{Email: inv.User.Email, URL: fmt.Sprintf("%s/app/invite/%s?token=%s",
			w.cfg.PublicURL, url.PathEscape(*inv.User.InviteID), url.QueryEscape(inv.Token))})
	}
	return w.users(q, http.StatusOK, d)
}

func (w *Web) userCreate(q *rq) error {
	f := q.r.PostForm
	email, first, last := strings.TrimSpace(f.Get("email")), strings.TrimSpace(f.Get("first_name")), strings.TrimSpace(f.Get("last_name"))
	admin := f.Get("is_admin") == "1"
	pw := f.Get("password")
	if pw != "" {
		if err := app.CheckPassword(pw); err != nil {
			p, _ := problem.As(err)
			return w.users(q, http.StatusBadRequest, usersData{Errors: map[string]string{"password": p.Message}, Sent: f})
		}
	}
	u, err := w.svc.CreateUser(q.ctx, q.actor, app.UserInput{Email: &email, FirstName: &first, LastName: &last, IsAdmin: &admin})
	if err != nil {
		if p, ok := problem.As(err); ok && p.Kind == problem.Invalid {
			return w.users(q, http.StatusBadRequest, usersData{Errors: map[string]string{"create_" + p.First().Name: p.Message}, Sent: f})
		}
		return err
	}
	if pw != "" {
		if err := w.svc.SetUserPassword(q.ctx, q.actor, u.ID, pw); err != nil {
			return q.failTo("/app/admin/users", err)
		}
	}
	return q.okTo("/app/admin/users", fmt.Sprintf("%s was added.", u.Email))
}

func userIDParam(q *rq) (int64, error) {
	id, err := strconv.ParseInt(q.r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, problem.Notfound()
	}
	return id, nil
}

func (w *Web) userDeactivate(q *rq) error {
	id, err := userIDParam(q)
	if err != nil {
		return err
	}
	if err := w.svc.DeactivateUser(q.ctx, q.actor, id); err != nil {
		return q.failTo("/app/admin/users", err)
	}
	return q.okTo("/app/admin/users", "The user was deactivated; their tasks went to the others.")
}

func (w *Web) userAdmin(q *rq) error {
	id, err := userIDParam(q)
	if err != nil {
		return err
	}
	on := q.r.PostFormValue("on") == "1"
	u, err := w.svc.PatchUser(q.ctx, q.actor, id, app.UserInput{IsAdmin: &on})
	if err != nil {
		return q.failTo("/app/admin/users", err)
	}
	if on {
		return q.okTo("/app/admin/users", u.Email+" is now an admin.")
	}
	return q.okTo("/app/admin/users", u.Email+" is no longer an admin.")
}

type groupsData struct {
	People *people
	Error  string
}

func (w *Web) groupsPage(q *rq) error {
	p, err := w.loadPeople(q.ctx, q.actor)
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "groups", "Groups", "admin", groupsData{People: p})
}

func memberIDs(f url.Values) []int64 {
	ids := []int64{}
	for _, v := range f["users"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

func (w *Web) groupCreate(q *rq) error {
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	users := memberIDs(q.r.PostForm)
	g, err := w.svc.CreateGroup(q.ctx, q.actor, app.GroupInput{Name: &name, Users: &users})
	if err != nil {
		return q.failTo("/app/admin/groups", err)
	}
	return q.okTo("/app/admin/groups", fmt.Sprintf("Group “%s” created.", g.Name))
}

type groupData struct {
	Group   *store.Group
	People  *people
	Members map[int64]bool
}

func (w *Web) groupPage(q *rq) error {
	id, err := userIDParam(q)
	if err != nil {
		return err
	}
	g, err := w.svc.Group(q.ctx, q.actor, id)
	if err != nil {
		return err
	}
	p, err := w.loadPeople(q.ctx, q.actor)
	if err != nil {
		return err
	}
	d := groupData{Group: g, People: p, Members: map[int64]bool{}}
	for _, u := range g.Users {
		d.Members[u] = true
	}
	return q.render(http.StatusOK, "group", g.Name, "admin", d)
}

func (w *Web) groupSave(q *rq) error {
	id, err := userIDParam(q)
	if err != nil {
		return err
	}
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	users := memberIDs(q.r.PostForm)
	back := fmt.Sprintf("/app/admin/groups/%d", id)
	if _, err := w.svc.UpdateGroup(q.ctx, q.actor, id, app.GroupInput{Name: &name, Users: &users}); err != nil {
		return q.failTo(back, err)
	}
	return q.okTo("/app/admin/groups", "Group saved.")
}

func (w *Web) groupDelete(q *rq) error {
	id, err := userIDParam(q)
	if err != nil {
		return err
	}
	if err := w.svc.DeleteGroup(q.ctx, q.actor, id); err != nil {
		return q.failTo("/app/admin/groups", err)
	}
	return q.okTo("/app/admin/groups", "Group deleted.")
}

type webhooksData struct {
	Events     []app.WebhookEvent
	Deliveries []*store.WebhookDelivery
	Pager      pager
	Event      string
	Status     string
	Secret     string
}

var deliveryStatuses = []string{"pending", "delivered", "failed"}

func (w *Web) webhooksPage(q *rq) error {
	evs, err := w.svc.WebhookEvents(q.ctx, q.actor)
	if err != nil {
		return err
	}
	v := q.r.URL.Query()
	d := webhooksData{Events: evs, Event: v.Get("event"), Status: v.Get("status")}
	off := offsetParam(q.r)
	f := store.WebhookDeliveryFilter{Limit: pageSize, Offset: off}
	for _, e := range evs {
		if e.Event == d.Event {
			f.Event = d.Event
		}
	}
	for _, s := range deliveryStatuses {
		if s == d.Status {
			f.Status = s
		}
	}
	var total int
	if d.Deliveries, total, err = w.svc.WebhookDeliveries(q.ctx, q.actor, f); err != nil {
		return err
	}
	d.Pager = makePager(q.r, off, len(d.Deliveries), total)
	if d.Secret, err = w.svc.WebhookSecret(q.ctx, q.actor); err != nil {
		return err
	}
	return q.render(http.StatusOK, "webhooks", "Webhooks", "admin", d)
}

func (w *Web) webhookSubscribe(q *rq) error {
	ev, u := q.r.PostFormValue("event"), strings.TrimSpace(q.r.PostFormValue("url"))
	var err error
	if ev == "all" {
		_, err = w.svc.SubscribeAllWebhooks(q.ctx, q.actor, u)
	} else {
		err = w.svc.SubscribeWebhook(q.ctx, q.actor, ev, u)
	}
	if err != nil {
		if problem.Is(err, problem.NotFound) {
			err = problem.Field("event", "Unknown event.")
		}
		return q.failTo("/app/admin/webhooks", err)
	}
	return q.okTo("/app/admin/webhooks", "Subscribed.")
}

func (w *Web) webhookUnsubscribe(q *rq) error {
	ev := q.r.PostFormValue("event")
	var err error
	if ev == "all" {
		err = w.svc.UnsubscribeAllWebhooks(q.ctx, q.actor)
	} else {
		err = w.svc.UnsubscribeWebhook(q.ctx, q.actor, ev)
	}
	if err != nil {
		if problem.Is(err, problem.NotFound) {
			err = problem.Field("event", "Unknown event.")
		}
		return q.failTo("/app/admin/webhooks", err)
	}
	return q.okTo("/app/admin/webhooks", "Unsubscribed.")
}

func (w *Web) webhookTest(q *rq) error {
	d, err := w.svc.TestWebhook(q.ctx, q.actor, q.r.PostFormValue("event"), "")
	if err != nil {
		if problem.Is(err, problem.NotFound) {
			err = problem.Field("event", "Unknown event.")
		}
		return q.failTo("/app/admin/webhooks", err)
	}
	return q.okTo(fmt.Sprintf("/app/admin/webhooks/deliveries/%d", d.ID), "A sample delivery was queued.")
}

func (w *Web) webhookRotate(q *rq) error {
	if _, err := w.svc.RotateWebhookSecret(q.ctx, q.actor); err != nil {
		return q.failTo("/app/admin/webhooks", err)
	}
	return q.okTo("/app/admin/webhooks", "The signing secret was replaced. Update your receivers.")
}

type deliveryData struct {
	D        *store.WebhookDelivery
	Attempts []store.WebhookAttempt
}

func (w *Web) deliveryPage(q *rq) error {
	id, err := userIDParam(q)
	if err != nil {
		return err
	}
	d, attempts, err := w.svc.WebhookDelivery(q.ctx, q.actor, id)
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "delivery", fmt.Sprintf("Delivery %d", d.ID), "admin", deliveryData{D: d, Attempts: attempts})
}

func (w *Web) deliveryRedeliver(q *rq) error {
	id, err := userIDParam(q)
	if err != nil {
		return err
	}
	back := fmt.Sprintf("/app/admin/webhooks/deliveries/%d", id)
	if _, err := w.svc.RedeliverWebhook(q.ctx, q.actor, id); err != nil {
		return q.failTo(back, err)
	}
	return q.okTo(back, "The delivery will be sent again.")
}
