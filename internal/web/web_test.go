package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/httpapi"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
	"github.com/pneumatic-oss/pneumatic/internal/web"
)

const ownerKey = "pn-wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t     *testing.T
	svc   *app.Service
	h     http.Handler
	clock *clock
	owner *app.Actor
}

func newEnv(t *testing.T, publicURL string, cfg web.Config) *env {
	t.Helper()
	db := storetest.Open(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := &clock{t: time.Now().UTC()}
	svc := app.New(db, app.Config{PublicURL: publicURL}, c.now, quiet)
	ctx := context.Background()
	if _, err := svc.Bootstrap(ctx, "owner@example.com", ownerKey); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetPasswordByEmail(ctx, "owner@example.com", "owner-pass-1"); err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(svc, publicURL, quiet, nil)
	cfg.PublicURL = publicURL
	w, err := web.New(svc, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	w.Mount(api.Mux())
	owner, err := svc.Authenticate(ctx, ownerKey)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, svc: svc, h: api, clock: c, owner: owner}
}

// browser keeps cookies between requests, like a browser would, and does
// not follow redirects.
type browser struct {
	e       *env
	cookies map[string]*http.Cookie
	origin  string
}

func (e *env) browser() *browser { return &browser{e: e, cookies: map[string]*http.Cookie{}} }

type answer struct {
	Code     int
	Header   http.Header
	Body     string
	Location string
	Cookies  []*http.Cookie
}

func (b *browser) do(method, path string, form url.Values) *answer {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.origin != "" {
		req.Header.Set("Origin", b.origin)
	}
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	b.e.h.ServeHTTP(rec, req)
	res := rec.Result()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return &answer{Code: rec.Code, Header: rec.Header(), Body: rec.Body.String(), Location: rec.Header().Get("Location"), Cookies: res.Cookies()}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token reads the CSRF token of a page's forms.
func (b *browser) token(path string) string {
	b.e.t.Helper()
	a := b.do("GET", path, nil)
	m := csrfRE.FindStringSubmatch(a.Body)
	if m == nil {
		b.e.t.Fatalf("no csrf token on %s (%d)", path, a.Code)
	}
	return m[1]
}

func (b *browser) signIn(email, password string) *answer {
	b.e.t.Helper()
	tok := b.token("/app/sign-in")
	return b.do("POST", "/app/sign-in", url.Values{"csrf": {tok}, "email": {email}, "password": {password}})
}

func (b *browser) mustSignIn(email, password string) {
	b.e.t.Helper()
	if a := b.signIn(email, password); a.Code != http.StatusSeeOther || a.Location != "/app/tasks" {
		b.e.t.Fatalf("sign in as %s: %d %s %s", email, a.Code, a.Location, a.Body)
	}
}

func (e *env) user(email, password string, admin bool) *app.Actor {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.svc.CreateUser(ctx, e.owner, app.UserInput{Email: &email, IsAdmin: &admin})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.svc.SetUserPassword(ctx, e.owner, u.ID, password); err != nil {
		e.t.Fatal(err)
	}
	return &app.Actor{User: u}
}

func TestSignInFailure(t *testing.T) {
	e := newEnv(t, "http://test", web.Config{})
	b := e.browser()
	for _, c := range []struct{ email, pw string }{
		{"owner@example.com", "wrong-password"},
		{"nobody@example.com", "owner-pass-1"},
		{"", ""},
	} {
		a := b.signIn(c.email, c.pw)
		if a.Code != http.StatusUnauthorized || !strings.Contains(a.Body, "The e-mail or the password is wrong.") {
			t.Fatalf("%s/%s: %d %s", c.email, c.pw, a.Code, a.Body)
		}
		if _, ok := b.cookies["pn_session"]; ok {
			t.Fatal("a failed sign-in set a session cookie")
		}
	}
	// Ten failures for one address lock it for a while, even with the
	// right password.
	for range 10 {
		b.signIn("owner@example.com", "wrong-password")
	}
	if a := b.signIn("owner@example.com", "owner-pass-1"); a.Code != http.StatusUnauthorized || !strings.Contains(a.Body, "Too many") {
		t.Fatalf("throttled sign-in: %d %s", a.Code, a.Body)
	}
	e.clock.add(16 * time.Minute)
	b.mustSignIn("owner@example.com", "owner-pass-1")
}

func TestInactiveAndInvitedCannotSignIn(t *testing.T) {
	e := newEnv(t, "http://test", web.Config{})
	u := e.user("gone@example.com", "gone-pass-1", false)
	b := e.browser()
	b.mustSignIn("gone@example.com", "gone-pass-1")
	if err := e.svc.DeactivateUser(context.Background(), e.owner, u.User.ID); err != nil {
		t.Fatal(err)
	}
	// The open session ends at once, and no new one can start.
	if a := b.do("GET", "/app/tasks", nil); a.Code != http.StatusSeeOther || !strings.HasPrefix(a.Location, "/app/sign-in") {
		t.Fatalf("deactivated user's session: %d %s", a.Code, a.Location)
	}
	if a := b.signIn("gone@example.com", "gone-pass-1"); a.Code != http.StatusUnauthorized {
		t.Fatalf("deactivated user signed in: %d", a.Code)
	}
}

func TestSessionCookieAndCSRF(t *testing.T) {
	e := newEnv(t, "http://test", web.Config{})
	b := e.browser()
	// Signing in needs the signed-out form token too.
	if a := b.do("POST", "/app/sign-in", url.Values{"email": {"owner@example.com"}, "password": {"owner-pass-1"}}); a.Code != http.StatusForbidden {
		t.Fatalf("sign-in without token: %d", a.Code)
	}
	a := b.signIn("owner@example.com", "owner-pass-1")
	var sess *http.Cookie
	for _, c := range a.Cookies {
		if c.Name == "pn_session" {
			sess = c
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure || sess.Path != "/" {
		t.Fatalf("session cookie: %+v", sess)
	}
	tok := b.token("/app/profile")
	for name, form := range map[string]url.Values{
		"none":  {"name": {"k"}},
		"wrong": {"name": {"k"}, "csrf": {"x" + tok}},
	} {
		if a := b.do("POST", "/app/profile/keys", form); a.Code != http.StatusForbidden || !strings.Contains(a.Body, "security token") {
			t.Fatalf("%s token: %d %s", name, a.Code, a.Body)
		}
	}
	keys, _ := e.svc.ListKeys(context.Background(), e.owner, e.owner.User.ID)
	if len(keys) != 1 {
		t.Fatalf("a refused form made a key: %d keys", len(keys))
	}
	b.origin = "https://evil.example"
	if a := b.do("POST", "/app/profile/keys", url.Values{"name": {"k"}, "csrf": {tok}}); a.Code != http.StatusForbidden {
		t.Fatalf("cross-site origin: %d", a.Code)
	}
	b.origin = ""
	a = b.do("POST", "/app/profile/keys", url.Values{"name": {"script"}, "csrf": {tok}})
	if a.Code != http.StatusOK || !strings.Contains(a.Body, `id="new-key"`) {
		t.Fatalf("key with the right token: %d", a.Code)
	}
	m := regexp.MustCompile(`value="(pn-[^"]+)"`).FindStringSubmatch(a.Body)
	if m == nil {
		t.Fatal("the new key is not shown")
	}
	if _, err := e.svc.Authenticate(context.Background(), m[1]); err != nil {
		t.Fatalf("the shown key does not work: %v", err)
	}
	// Pages are not cached, not framed, and load nothing from elsewhere.
	a = b.do("GET", "/app/tasks", nil)
	csp := a.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
		a.Header.Get("X-Frame-Options") != "DENY" || a.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers: %v", a.Header)
	}
}

func TestSecureCookieOverHTTPS(t *testing.T) {
	e := newEnv(t, "https://pneumatic.example", web.Config{})
	a := e.browser().signIn("owner@example.com", "owner-pass-1")
	for _, c := range a.Cookies {
		if c.Name == "pn_session" && !c.Secure {
			t.Fatal("session cookie without Secure on an https deployment")
		}
	}
}

func TestSessionExpiryAndSignOut(t *testing.T) {
	e := newEnv(t, "http://test", web.Config{})
	b := e.browser()
	b.mustSignIn("owner@example.com", "owner-pass-1")
	if a := b.do("GET", "/app/tasks", nil); a.Code != http.StatusOK {
		t.Fatalf("tasks: %d", a.Code)
	}
	e.clock.add(app.SessionTTL + time.Second)
	a := b.do("GET", "/app/tasks", nil)
	if a.Code != http.StatusSeeOther || a.Location != "/app/sign-in?next=%2Fapp%2Ftasks" {
		t.Fatalf("expired session: %d %s", a.Code, a.Location)
	}
	if _, ok := b.cookies["pn_session"]; ok {
		t.Fatal("the dead session cookie was not cleared")
	}

	b.mustSignIn("owner@example.com", "owner-pass-1")
	old := *b.cookies["pn_session"]
	tok := b.token("/app/tasks")
	if a := b.do("POST", "/app/sign-out", url.Values{"csrf": {tok}}); a.Code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", a.Code)
	}
	// The old cookie is dead on the server too, not just deleted here.
	b.cookies["pn_session"] = &old
	if a := b.do("GET", "/app/tasks", nil); a.Code != http.StatusSeeOther {
		t.Fatalf("signed-out session still works: %d", a.Code)
	}
}

func TestAdminPagesAreForAdmins(t *testing.T) {
	e := newEnv(t, "http://test", web.Config{})
	e.user("user@example.com", "user-pass-1", false)
	b := e.browser()
	b.mustSignIn("user@example.com", "user-pass-1")
	for _, p := range []string{"/app/admin/users", "/app/admin/groups", "/app/admin/webhooks", "/app/templates", "/app/templates/new"} {
		if a := b.do("GET", p, nil); a.Code != http.StatusForbidden {
			t.Fatalf("GET %s as a user: %d", p, a.Code)
		}
	}
	tok := b.token("/app/tasks")
	a := b.do("POST", "/app/admin/users/create", url.Values{"csrf": {tok}, "email": {"x@example.com"}, "is_admin": {"1"}})
	if a.Code != http.StatusForbidden {
		t.Fatalf("create user as a user: %d", a.Code)
	}
	if !strings.Contains(b.do("GET", "/app/tasks", nil).Body, `href="/app/profile"`) ||
		strings.Contains(b.do("GET", "/app/tasks", nil).Body, `href="/app/admin/users"`) {
		t.Fatal("the menu of a user shows admin links")
	}
	// Admins may.
	e.user("admin@example.com", "admin-pass-1", true)
	ab := e.browser()
	ab.mustSignIn("admin@example.com", "admin-pass-1")
	for _, p := range []string{"/app/admin/users", "/app/admin/groups", "/app/admin/webhooks", "/app/templates", "/app/templates/new"} {
		if a := ab.do("GET", p, nil); a.Code != http.StatusOK {
			t.Fatalf("GET %s as an admin: %d", p, a.Code)
		}
	}
}

// runWorkflow makes a template with one task for the owner and runs it.
func runWorkflow(t *testing.T, e *env) *app.WorkflowView {
	t.Helper()
	ctx := context.Background()
	var body map[string]any
	_ = json.Unmarshal([]byte(`{"name": "T", "is_active": true, "is_public": true,
	  "kickoff": {"fields": [{"api_name": "who", "name": "Who", "type": "string", "is_required": true}]},
	  "tasks": [{"number": 1, "name": "Greet {{who}}", "raw_performers": [{"type": "workflow_starter"}],
	    "checklists": [{"api_name": "cl", "selections": [{"api_name": "i1", "value": "Wave"}]}]}]}`), &body)
	tv, err := e.svc.CreateTemplate(ctx, e.owner, body)
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.svc.Run(ctx, e.owner, tv.Row.ID, app.RunInput{Kickoff: map[string]any{"who": "Ada"}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAnotherAccountsObjectsAreNotFound(t *testing.T) {
	e := newEnv(t, "http://test", web.Config{})
	v := runWorkflow(t, e)
	ctx := context.Background()
	if _, err := e.svc.CreateAccount(ctx, "Other", "other@example.com", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetPasswordByEmail(ctx, "other@example.com", "other-pass-1"); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.mustSignIn("other@example.com", "other-pass-1")
	wid := strconv.FormatInt(v.WF.ID, 10)
	tid := strconv.FormatInt(v.WF.Tasks[0].ID, 10)
	for _, p := range []string{"/app/workflows/" + wid, "/app/tasks/" + tid, "/app/templates/" + strconv.FormatInt(v.WF.TemplateID, 10),
		"/app/run/" + strconv.FormatInt(v.WF.TemplateID, 10)} {
		if a := b.do("GET", p, nil); a.Code != http.StatusNotFound || !strings.Contains(a.Body, "Not found") {
			t.Fatalf("GET %s from another account: %d", p, a.Code)
		}
	}
	tok := b.token("/app/tasks")
	for _, p := range []string{"/app/workflows/" + wid + "/terminate", "/app/tasks/" + tid + "/complete"} {
		if a := b.do("POST", p, url.Values{"csrf": {tok}}); a.Code != http.StatusNotFound {
			t.Fatalf("POST %s from another account: %d", p, a.Code)
		}
	}
	// And the workflow is untouched.
	if wf, err := e.svc.Workflow(ctx, e.owner, v.WF.ID); err != nil || wf.WF.Tasks[0].Status != "active" {
		t.Fatalf("workflow after foreign posts: %v", err)
	}
}

func TestTaskPageCompleteAndChecklist(t *testing.T) {
	e := newEnv(t, "http://test", web.Config{})
	v := runWorkflow(t, e)
	b := e.browser()
	b.mustSignIn("owner@example.com", "owner-pass-1")
	list := b.do("GET", "/app/tasks", nil)
	if !strings.Contains(list.Body, "Greet Ada") {
		t.Fatal("the task is not in the bucket")
	}
	task := v.WF.Tasks[0]
	path := "/app/tasks/" + strconv.FormatInt(task.ID, 10)
	tok := b.token(path)
	a := b.do("POST", path+"/complete", url.Values{"csrf": {tok}})
	if a.Code != http.StatusBadRequest || !strings.Contains(a.Body, "Check off all the items") {
		t.Fatalf("complete with the checklist open: %d", a.Code)
	}
	cl := task.Checklists[0]
	a = b.do("POST", path+"/checklist", url.Values{"csrf": {tok}, "checklist": {strconv.FormatInt(cl.ID, 10)},
		"item": {strconv.FormatInt(cl.Items[0].ID, 10)}, "mark": {"1"}})
	if a.Code != http.StatusSeeOther {
		t.Fatalf("mark: %d %s", a.Code, a.Body)
	}
	a = b.do("POST", path+"/complete", url.Values{"csrf": {tok}})
	if a.Code != http.StatusSeeOther || a.Location != "/app/tasks" {
		t.Fatalf("complete: %d %s", a.Code, a.Body)
	}
	if wf, _ := e.svc.Workflow(context.Background(), e.owner, v.WF.ID); wf.WF.Status != 1 {
		t.Fatalf("workflow status %d, want done", wf.WF.Status)
	}
}

func TestPublicFormLimits(t *testing.T) {
	e := newEnv(t, "http://test", web.Config{FormRuns: 2})
	v := runWorkflow(t, e)
	tv, err := e.svc.Template(context.Background(), e.owner, v.WF.TemplateID)
	if err != nil || tv.PublicURL == nil {
		t.Fatalf("public url: %v", err)
	}
	path := strings.TrimPrefix(*tv.PublicURL, "http://test")
	b := e.browser()
	if a := b.do("GET", path, nil); a.Code != http.StatusOK || !strings.Contains(a.Body, `name="f:who"`) {
		t.Fatalf("public form: %d", a.Code)
	}
	// A required field left empty comes back with the message.
	if a := b.do("POST", path, url.Values{"f:who": {""}}); a.Code != http.StatusBadRequest || !strings.Contains(a.Body, "required") {
		t.Fatalf("empty public form: %d", a.Code)
	}
	if a := b.do("POST", path, url.Values{"f:who": {"Grace"}}); a.Code != http.StatusSeeOther || a.Location != "/forms/thanks" {
		t.Fatalf("public run: %d %s", a.Code, a.Location)
	}
	a := b.do("POST", path, url.Values{"f:who": {"Again"}})
	if a.Code != http.StatusTooManyRequests || a.Header.Get("Retry-After") == "" {
		t.Fatalf("third run in a minute: %d", a.Code)
	}
	views, _, _ := e.svc.ListWorkflows(context.Background(), e.owner, storeFilter())
	if len(views) != 2 || !views[0].WF.IsExternal {
		t.Fatalf("%d workflows, newest external: %v", len(views), len(views) > 0 && views[0].WF.IsExternal)
	}
	if a := b.do("GET", "/forms/nope", nil); a.Code != http.StatusNotFound {
		t.Fatalf("unknown form: %d", a.Code)
	}
}

func TestNotFoundAndStatic(t *testing.T) {
	e := newEnv(t, "http://test", web.Config{})
	b := e.browser()
	a := b.do("GET", "/app/nothing-here", nil)
	if a.Code != http.StatusNotFound || !strings.Contains(a.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("unknown page: %d %s", a.Code, a.Header.Get("Content-Type"))
	}
	for p, ct := range map[string]string{"/app/static/app.css": "text/css", "/app/static/app.js": "text/javascript",
		"/app/static/editor.js": "text/javascript", "/app/static/icon.svg": "image/svg+xml"} {
		a := b.do("GET", p, nil)
		if a.Code != http.StatusOK || !strings.HasPrefix(a.Header.Get("Content-Type"), ct) {
			t.Fatalf("%s: %d %s", p, a.Code, a.Header.Get("Content-Type"))
		}
	}
	// The JSON API is still JSON.
	if a := b.do("GET", "/nothing", nil); a.Code != http.StatusNotFound || !strings.Contains(a.Header.Get("Content-Type"), "json") {
		t.Fatalf("API 404: %d %s", a.Code, a.Header.Get("Content-Type"))
	}
	// Redirects after sign-in stay on this site.
	b2 := e.browser()
	tok := b2.token("/app/sign-in")
	a = b2.do("POST", "/app/sign-in", url.Values{"csrf": {tok}, "email": {"owner@example.com"}, "password": {"owner-pass-1"},
		"next": {"//evil.example/x"}})
	if a.Location != "/app/tasks" {
		t.Fatalf("open redirect: %s", a.Location)
	}
}

func TestInviteAcceptance(t *testing.T) {
	e := newEnv(t, "http://test", web.Config{})
	inv, err := e.svc.Invite(context.Background(), e.owner, []app.InviteInput{{Email: "new@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	path := "/app/invite/" + *inv[0].User.InviteID
	b := e.browser()
	if a := b.do("GET", path+"?token=wrong", nil); a.Code != http.StatusNotFound {
		t.Fatalf("wrong token: %d", a.Code)
	}
	tok := b.token(path + "?token=" + url.QueryEscape(inv[0].Token))
	form := url.Values{"csrf": {tok}, "token": {inv[0].Token}, "first_name": {"Nia"}, "password": {"short"}, "password_again": {"short"}}
	if a := b.do("POST", path, form); a.Code != http.StatusBadRequest || !strings.Contains(a.Body, "at least 8") {
		t.Fatalf("short password: %d", a.Code)
	}
	form.Set("password", "long-enough-1")
	form.Set("password_again", "long-enough-1")
	if a := b.do("POST", path, form); a.Code != http.StatusSeeOther || a.Location != "/app/tasks" {
		t.Fatalf("accept: %d %s", a.Code, a.Body)
	}
	if a := b.do("GET", "/app/tasks", nil); a.Code != http.StatusOK {
		t.Fatalf("signed in after accepting: %d", a.Code)
	}
	// The invite is spent.
	if a := e.browser().do("GET", path+"?token="+url.QueryEscape(inv[0].Token), nil); a.Code != http.StatusNotFound {
		t.Fatalf("spent invite: %d", a.Code)
	}
	e.browser().mustSignIn("new@example.com", "long-enough-1")
}

func storeFilter() store.WorkflowFilter { return store.WorkflowFilter{Limit: 10} }

func TestWorkflowActions(t *testing.T) {
	e := newEnv(t, "http://test", web.Config{})
	v := runWorkflow(t, e)
	ctx := context.Background()
	path := "/app/workflows/" + strconv.FormatInt(v.WF.ID, 10)
	b := e.browser()
	b.mustSignIn("owner@example.com", "owner-pass-1")
	page := b.do("GET", path, nil)
	if page.Code != http.StatusOK || !strings.Contains(page.Body, "Greet Ada") || !strings.Contains(page.Body, "Snooze") {
		t.Fatalf("workflow page: %d", page.Code)
	}
	tok := b.token(path)
	post := func(action string, form url.Values) *answer {
		form.Set("csrf", tok)
		return b.do("POST", path+"/"+action, form)
	}
	if a := post("urgent", url.Values{"urgent": {"1"}}); a.Code != http.StatusSeeOther {
		t.Fatalf("urgent: %d", a.Code)
	}
	until := e.clock.now().Add(48 * time.Hour).Format("2006-01-02T15:04")
	if a := post("snooze", url.Values{"until": {until}, "tz_offset": {"0"}}); a.Code != http.StatusSeeOther {
		t.Fatalf("snooze: %d", a.Code)
	}
	wf, _ := e.svc.Workflow(ctx, e.owner, v.WF.ID)
	if !wf.WF.IsUrgent || wf.WF.Status != 3 {
		t.Fatalf("after urgent and snooze: urgent %v status %d", wf.WF.IsUrgent, wf.WF.Status)
	}
	if a := post("resume", url.Values{}); a.Code != http.StatusSeeOther {
		t.Fatalf("resume: %d", a.Code)
	}
	// A refused action comes back as a message on the page.
	a := post("finish", url.Values{})
	if a.Code != http.StatusSeeOther || a.Location != path {
		t.Fatalf("finish (not finalizable): %d %s", a.Code, a.Location)
	}
	if page := b.do("GET", path, nil); !strings.Contains(page.Body, "not allowed to finish") {
		t.Fatal("the refusal is not shown")
	}
	if a := post("comment", url.Values{"text": {"Looks good"}, "back": {path}}); a.Code != http.StatusSeeOther {
		t.Fatalf("comment: %d", a.Code)
	}
	if page := b.do("GET", path, nil); !strings.Contains(page.Body, "Looks good") {
		t.Fatal("the comment is not in the history")
	}
	// A user who is not a member cannot see it, nor act on it.
	e.user("user@example.com", "user-pass-1", false)
	ub := e.browser()
	ub.mustSignIn("user@example.com", "user-pass-1")
	if a := ub.do("GET", path, nil); a.Code != http.StatusForbidden {
		t.Fatalf("non-member: %d", a.Code)
	}
	utok := ub.token("/app/tasks")
	if a := ub.do("POST", path+"/terminate", url.Values{"csrf": {utok}}); a.Code != http.StatusForbidden {
		t.Fatalf("non-member terminate: %d", a.Code)
	}
	if a := post("terminate", url.Values{}); a.Code != http.StatusSeeOther || a.Location != "/app/workflows" {
		t.Fatalf("terminate: %d %s", a.Code, a.Location)
	}
	if _, err := e.svc.Workflow(ctx, e.owner, v.WF.ID); err == nil {
		t.Fatal("the terminated workflow is still there")
	}
}

func TestTemplateSaveShowsProblems(t *testing.T) {
	e := newEnv(t, "http://test", web.Config{})
	b := e.browser()
	b.mustSignIn("owner@example.com", "owner-pass-1")
	tok := b.token("/app/templates/new")
	doc := `{"name": "Onboarding", "is_active": true, "kickoff": {"fields": [{"api_name": "start", "name": "Start", "type": "date"}]},
	  "tasks": [{"number": 1, "api_name": "t1", "name": "Laptop", "delay": 3600, "raw_performers": [],
	    "raw_due_date": {"api_name": "d1", "rule": "after field", "source_id": "start", "duration": 86400, "duration_months": 0},
	    "checklists": [{"api_name": "c1", "selections": [{"api_name": "i1", "value": "Order"}]}]}]}`
	a := b.do("POST", "/app/templates/new", url.Values{"csrf": {tok}, "template_json": {doc}})
	if a.Code != http.StatusBadRequest || !strings.Contains(a.Body, "data-errors=") || !strings.Contains(a.Body, "t1") {
		t.Fatalf("template without performers: %d", a.Code)
	}
	// The problems name the task by api_name, for the editor to place.
	m := regexp.MustCompile(`data-errors="([^"]*)"`).FindStringSubmatch(a.Body)
	var problems []map[string]string
	if m == nil || json.Unmarshal([]byte(htmlUnescape(m[1])), &problems) != nil || len(problems) == 0 || problems[0]["api_name"] != "t1" {
		t.Fatalf("problems: %v", m)
	}
	fixed := strings.Replace(doc, `"raw_performers": []`, `"raw_performers": [{"type": "workflow_starter"}]`, 1)
	a = b.do("POST", "/app/templates/new", url.Values{"csrf": {tok}, "template_json": {fixed}})
	if a.Code != http.StatusSeeOther || !strings.HasPrefix(a.Location, "/app/templates/") {
		t.Fatalf("save: %d %s", a.Code, a.Body)
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(a.Location, "/app/templates/"), 10, 64)
	tv, err := e.svc.Template(context.Background(), e.owner, id)
	if err != nil {
		t.Fatal(err)
	}
	task := tv.Doc.Tasks[0]
	if task.Delay == nil || *task.Delay != 3600 || task.DueDate == nil || task.DueDate.Rule != "after field" || len(task.Checklists) != 1 {
		t.Fatalf("saved task: %+v", task)
	}
	if a := b.do("POST", "/app/templates/new", url.Values{"csrf": {tok}, "template_json": {"{not json"}}); a.Code != http.StatusBadRequest {
		t.Fatalf("bad JSON: %d", a.Code)
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#39;", "'").Replace(s)
}

func TestAdminWebhooksAndGroups(t *testing.T) {
	e := newEnv(t, "http://test", web.Config{})
	b := e.browser()
	b.mustSignIn("owner@example.com", "owner-pass-1")
	tok := b.token("/app/admin/webhooks")
	post := func(path string, form url.Values) *answer {
		form.Set("csrf", tok)
		return b.do("POST", path, form)
	}
	if a := post("/app/admin/webhooks/subscribe", url.Values{"event": {"workflow_started"}, "url": {"not a url"}}); a.Code != http.StatusSeeOther {
		t.Fatalf("bad url: %d", a.Code)
	}
	if page := b.do("GET", "/app/admin/webhooks", nil); !strings.Contains(page.Body, `class="flash error"`) {
		t.Fatal("a refused subscription shows no message")
	}
	if a := post("/app/admin/webhooks/subscribe", url.Values{"event": {"workflow_started"}, "url": {"https://hooks.example.com/in"}}); a.Code != http.StatusSeeOther {
		t.Fatalf("subscribe: %d", a.Code)
	}
	a := post("/app/admin/webhooks/test", url.Values{"event": {"workflow_started"}})
	if a.Code != http.StatusSeeOther || !strings.HasPrefix(a.Location, "/app/admin/webhooks/deliveries/") {
		t.Fatalf("test delivery: %d %s", a.Code, a.Location)
	}
	d := b.do("GET", a.Location, nil)
	if d.Code != http.StatusOK || !strings.Contains(d.Body, "https://hooks.example.com/in") {
		t.Fatalf("delivery page: %d", d.Code)
	}
	if a := post(a.Location+"/redeliver", url.Values{}); a.Code != http.StatusSeeOther {
		t.Fatalf("redeliver: %d", a.Code)
	}
	if page := b.do("GET", "/app/admin/webhooks", nil); !strings.Contains(page.Body, `id="deliveries"`) {
		t.Fatal("the delivery log is empty")
	}

	u := e.user("member@example.com", "member-pass-1", false)
	if a := post("/app/admin/groups", url.Values{"name": {"Team"}, "users": {strconv.FormatInt(u.User.ID, 10)}}); a.Code != http.StatusSeeOther {
		t.Fatalf("create group: %d", a.Code)
	}
	if page := b.do("GET", "/app/admin/groups", nil); !strings.Contains(page.Body, "Team") || !strings.Contains(page.Body, "member@example.com") {
		t.Fatal("the group is not listed with its member")
	}
	if a := post("/app/admin/users/"+strconv.FormatInt(u.User.ID, 10)+"/admin", url.Values{"on": {"1"}}); a.Code != http.StatusSeeOther {
		t.Fatalf("make admin: %d", a.Code)
	}
	if got, _ := e.svc.User(context.Background(), e.owner, u.User.ID); !got.IsAdmin {
		t.Fatal("not an admin")
	}
	if a := post("/app/admin/users/create", url.Values{"email": {"direct@example.com"}, "password": {"direct-pass-1"}}); a.Code != http.StatusSeeOther {
		t.Fatalf("create user: %d %s", a.Code, a.Body)
	}
	e.browser().mustSignIn("direct@example.com", "direct-pass-1")
}
