// Package web is the browser app: server-rendered HTML pages over the same
// use cases as the JSON API (package app), with sessions signed in by e-mail
// and password, CSRF tokens on every form, and every asset embedded so that
// no page asks another host for anything.
package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Cookie names.
const (
	sessionCookie  = "pn_session"
	anonCSRFCookie = "pn_csrf"
	flashCookie    = "pn_flash"
)

// Config is what the web app needs to know about the deployment.
type Config struct {
	// PublicURL is the absolute base the server is reached at; https makes
	// every cookie Secure.
	PublicURL string
	// FormRuns is how many public form submissions one client address may
	// make per minute (default 10).
	FormRuns int
}

// Web serves the pages.
type Web struct {
	svc          *app.Service
	cfg          Config
	secure       bool
	log          *slog.Logger
	mux          *http.ServeMux
	pages        map[string]*template.Template
	static       fs.FS
	assetVersion string
	forms        *rateLimiter
}

// New parses the templates and builds the routes.
func New(svc *app.Service, cfg Config, log *slog.Logger) (*Web, error) {
	if log == nil {
		log = slog.Default()
	}
	if cfg.FormRuns <= 0 {
		cfg.FormRuns = 10
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	w := &Web{svc: svc, cfg: cfg, log: log, mux: http.NewServeMux(), pages: map[string]*template.Template{},
		secure: strings.HasPrefix(strings.ToLower(cfg.PublicURL), "https://"),
		forms:  newRateLimiter(cfg.FormRuns, time.Minute)}
	st, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	w.static = st
	w.assetVersion, err = hashFS(st)
	if err != nil {
		return nil, err
	}
	if err := w.parseTemplates(); err != nil {
		return nil, err
	}
	w.routes()
	return w, nil
}

// Mount registers the app's paths on the API's router: /app (the signed-in
// app and sign-in pages) and /forms (public forms, signed out).
func (w *Web) Mount(mux *http.ServeMux) {
	mux.Handle("/app", w)
	mux.Handle("/app/", w)
	mux.Handle("/forms/", w)
}

func (w *Web) routes() {
	m := w.mux
	m.Handle("GET /app", http.RedirectHandler("/app/tasks", http.StatusSeeOther))
	m.Handle("GET /app/static/{file...}", http.HandlerFunc(w.serveStatic))
	w.authRoutes()
	w.taskRoutes()
	w.workflowRoutes()
	w.templateRoutes()
	w.formRoutes()
	w.adminRoutes()
}

// ServeHTTP applies the headers every page gets, then routes; unknown
// paths get an HTML 404 (the API's JSON 404 would be wrong here).
func (w *Web) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	h := rw.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin") // invite tokens ride in URLs
	if _, pattern := w.mux.Handler(r); pattern == "" {
		rq := w.newRQ(rw, r)
		rq.loadSession()
		w.securityHeaders(rw, false)
		rq.errorPage(http.StatusNotFound, "Page not found", "There is no page at this address.")
		return
	}
	w.mux.ServeHTTP(rw, r)
}

// securityHeaders sets the content security policy: only this server's
// own scripts, styles and images, and nothing from other hosts. embed
// pages may be framed by any site (that is what they are for); the rest
// may not be framed at all.
func (w *Web) securityHeaders(rw http.ResponseWriter, embed bool) {
	connect := "'self'"
	if o := originOf(w.cfg.PublicURL); o != "" {
		connect += " " + o // upload URLs are absolute, on the public URL
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src " + connect + "; object-src 'none'; base-uri 'none'"
	if embed {
		csp += "; frame-ancestors *"
	} else {
		csp += "; frame-ancestors 'none'"
		rw.Header().Set("X-Frame-Options", "DENY")
	}
	rw.Header().Set("Content-Security-Policy", csp)
	rw.Header().Set("Cache-Control", "no-store")
}

func originOf(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

func (w *Web) serveStatic(rw http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := fs.ReadFile(w.static, name)
	if err != nil || strings.Contains(name, "..") {
		http.NotFound(rw, r)
		return
	}
	switch path.Ext(name) {
	case ".css":
		rw.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		rw.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".svg":
		rw.Header().Set("Content-Type", "image/svg+xml")
	}
	// Links carry ?v=<hash of the assets>, so a long cache is safe.
	if r.URL.Query().Get("v") == w.assetVersion {
		rw.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		rw.Header().Set("Cache-Control", "no-cache")
	}
	_, _ = rw.Write(b)
}

func hashFS(fsys fs.FS) (string, error) {
	h := sha256.New()
	var names []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", err
		}
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// rq is one request with what the pages need: the signed-in user (nil when
// signed out), the session's CSRF token and a pending flash message.
type rq struct {
	web   *Web
	w     http.ResponseWriter
	r     *http.Request
	ctx   context.Context
	actor *app.Actor
	token string // the session cookie's secret
	csrf  string
	flash *flash
	embed bool
}

type flash struct {
	Kind string // ok or error
	Text string
}

func (w *Web) newRQ(rw http.ResponseWriter, r *http.Request) *rq {
	q := &rq{web: w, w: rw, r: r, ctx: r.Context()}
	if c, err := r.Cookie(flashCookie); err == nil {
		if b, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			kind, text, _ := strings.Cut(string(b), "|")
			q.flash = &flash{Kind: kind, Text: text}
		}
		http.SetCookie(rw, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: w.secure,
			SameSite: http.SameSiteLaxMode})
	}
	return q
}

// loadSession resolves the session cookie; a dead one is cleared.
func (q *rq) loadSession() {
	c, err := q.r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return
	}
	a, csrf, err := q.web.svc.WebSession(q.ctx, c.Value)
	if err != nil {
		if !problem.Is(err, problem.Unauthorized) {
			q.web.log.ErrorContext(q.ctx, "web session", "err", err)
		}
		q.clearSession()
		return
	}
	q.actor, q.token, q.csrf = a, c.Value, csrf
}

func (q *rq) setSession(info *app.WebSessionInfo) {
	http.SetCookie(q.w, &http.Cookie{Name: sessionCookie, Value: info.Token, Path: "/", Expires: info.Expires,
		MaxAge: int(time.Until(info.Expires).Seconds()), HttpOnly: true, Secure: q.web.secure, SameSite: http.SameSiteLaxMode})
	q.actor, q.token, q.csrf = info.Actor, info.Token, info.CSRF
}

func (q *rq) clearSession() {
	http.SetCookie(q.w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: q.web.secure,
		SameSite: http.SameSiteLaxMode})
	q.actor, q.token, q.csrf = nil, "", ""
}

// setFlash leaves a message for the next page (after a redirect).
func (q *rq) setFlash(kind, text string) {
	v := base64.RawURLEncoding.EncodeToString([]byte(kind + "|" + text))
	http.SetCookie(q.w, &http.Cookie{Name: flashCookie, Value: v, Path: "/", MaxAge: 60, HttpOnly: true, Secure: q.web.secure,
		SameSite: http.SameSiteLaxMode})
}

func (q *rq) redirect(to string) error {
	http.Redirect(q.w, q.r, to, http.StatusSeeOther)
	return nil
}

// okTo redirects with a success message.
func (q *rq) okTo(to, text string) error {
	q.setFlash("ok", text)
	return q.redirect(to)
}

// failTo shows a problem a person can fix (invalid input, a refused
// action) as a message on the page at to; other errors go up.
func (q *rq) failTo(to string, err error) error {
	p, ok := problem.As(err)
	if !ok || (p.Kind != problem.Invalid && p.Kind != problem.Forbidden && p.Kind != problem.Conflict) {
		return err
	}
	q.setFlash("error", p.Message)
	return q.redirect(to)
}

// formToken is the CSRF token the page's forms carry.
func (q *rq) formToken() string {
	if q.actor != nil {
		return q.csrf
	}
	return q.anonCSRF()
}

// anonCSRF returns the double-submit token of signed-out forms (sign-in,
// invite), setting its cookie when missing. Signed-out pages have no
// session to bind a token to; a cookie another site cannot read or set
// does the same job.
func (q *rq) anonCSRF() string {
	if c, err := q.r.Cookie(anonCSRFCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	t := randomToken()
	http.SetCookie(q.w, &http.Cookie{Name: anonCSRFCookie, Value: t, Path: "/app/", HttpOnly: true, Secure: q.web.secure,
		SameSite: http.SameSiteStrictMode})
	return t
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// errCSRF is a POST without the right token: a forged request, or a form
// left open across a sign-out.
var errCSRF = errors.New("csrf")

// checkCSRF compares the form's (or header's) token with the session's, or
// with the signed-out cookie. It also refuses a cross-site Origin.
func (q *rq) checkCSRF() error {
	if o := q.r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || (u.Host != q.r.Host && o != originOf(q.web.cfg.PublicURL)) {
			return errCSRF
		}
	}
	got := q.r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = q.r.PostFormValue("csrf")
	}
	want := q.csrf
	if q.actor == nil {
		c, err := q.r.Cookie(anonCSRFCookie)
		if err != nil {
			return errCSRF
		}
		want = c.Value
	}
	if want == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errCSRF
	}
	return nil
}

// maxForm bounds a urlencoded form body (the template editor's JSON is the
// largest).
const maxForm = 4 << 20

// maxUpload bounds a multipart form: a task's files sent without
// JavaScript (each file is also held to the attachment size limit).
const maxUpload = 2*app.MaxAttachmentSize + maxForm

// handler kinds: signed in, admin, and open (signed-out pages).
type handlerFunc func(q *rq) error

func (w *Web) authed(h handlerFunc) http.Handler { return w.wrap(h, true, false, false) }
func (w *Web) admin(h handlerFunc) http.Handler  { return w.wrap(h, true, true, false) }
func (w *Web) open(h handlerFunc) http.Handler   { return w.wrap(h, false, false, false) }

// public is for the forms at /forms: no session, no CSRF token (a public
// form is anonymous, may be embedded on any site, and anyone may submit
// it; it is guarded by a rate limit per address instead).
func (w *Web) public(h handlerFunc, embed bool) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.securityHeaders(rw, embed)
		q := w.newRQ(rw, r)
		q.embed = embed
		r.Body = http.MaxBytesReader(rw, r.Body, maxForm)
		if err := h(q); err != nil {
			q.fail(err)
		}
	})
}

func (w *Web) wrap(h handlerFunc, needSession, needAdmin, embed bool) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.securityHeaders(rw, embed)
		q := w.newRQ(rw, r)
		q.loadSession()
		if needSession && q.actor == nil {
			if r.Method == http.MethodGet {
				_ = q.redirect("/app/sign-in?next=" + url.QueryEscape(r.URL.RequestURI()))
				return
			}
			q.setFlash("error", "Your session has ended. Please sign in again.")
			_ = q.redirect("/app/sign-in")
			return
		}
		if r.Method == http.MethodPost {
			limit := int64(maxForm)
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
				limit = maxUpload // files uploaded without JavaScript
			}
			r.Body = http.MaxBytesReader(rw, r.Body, limit)
			if err := q.checkCSRF(); err != nil {
				q.errorPage(http.StatusForbidden, "Form expired",
					"This form was refused because its security token is missing or out of date. Go back, reload the page and try again.")
				return
			}
		}
		if needAdmin && !q.actor.IsAdmin() {
			q.errorPage(http.StatusForbidden, "Not allowed", "Only admins of the account may open this page.")
			return
		}
		if err := h(q); err != nil {
			q.fail(err)
		}
	})
}

// fail shows an error that a handler did not handle.
func (q *rq) fail(err error) {
	p, ok := problem.As(err)
	switch {
	case ok && p.Kind == problem.NotFound:
		q.errorPage(http.StatusNotFound, "Not found", "There is nothing here, or it is not yours to see.")
	case ok && p.Kind == problem.Forbidden:
		q.errorPage(http.StatusForbidden, "Not allowed", p.Message)
	case ok && p.Kind == problem.Unauthorized:
		q.clearSession()
		_ = q.redirect("/app/sign-in")
	case ok && (p.Kind == problem.Invalid || p.Kind == problem.Conflict || p.Kind == problem.TooLarge):
		q.errorPage(http.StatusBadRequest, "That did not work", p.Message)
	default:
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			q.errorPage(http.StatusRequestEntityTooLarge, "Too large", "The form sent too much data.")
			return
		}
		id := q.w.Header().Get("X-Request-Id")
		q.web.log.ErrorContext(q.ctx, "web page", "request_id", id, "method", q.r.Method, "path", q.r.URL.Path, "err", err)
		q.errorPage(http.StatusInternalServerError, "Something went wrong",
			"The server could not show this page. The problem was logged"+map[bool]string{true: " (request " + id + ")", false: ""}[id != ""]+".")
	}
}

// clientAddr is the peer's IP address, for rate limits. Forwarded headers
// are not trusted: anyone can send them.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// rateLimiter allows n events per key per window (fixed windows).
type rateLimiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	m      map[string]*window
}

type window struct {
	start time.Time
	count int
}

func newRateLimiter(n int, per time.Duration) *rateLimiter {
	return &rateLimiter{n: n, window: per, m: map[string]*window{}}
}

// allow records an event and reports whether it is within the limit, and
// if not, how long until it would be.
func (l *rateLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) > 10000 {
		for k, w := range l.m {
			if now.Sub(w.start) >= l.window {
				delete(l.m, k)
			}
		}
	}
	w := l.m[key]
	if w == nil || now.Sub(w.start) >= l.window {
		w = &window{start: now}
		l.m[key] = w
	}
	if w.count >= l.n {
		return false, l.window - now.Sub(w.start)
	}
	w.count++
	return true, 0
}

// localPath keeps a redirect target on this site ("next" parameters).
func localPath(p, fallback string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return fallback
	}
	return p
}

func fmtInt(v int64) string { return fmt.Sprint(v) }
