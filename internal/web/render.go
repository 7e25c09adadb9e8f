package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// page is what every template gets; Data is the page's own.
type page struct {
	Title   string
	Nav     string
	User    *store.User
	IsAdmin bool
	CSRF    string
	Flash   *flash
	V       string
	Embed   bool
	Data    any
}

func (w *Web) funcs() template.FuncMap {
	return template.FuncMap{
		"when":    func(t any) template.HTML { return timeTag(t, "2006-01-02 15:04 UTC") },
		"day":     func(t any) template.HTML { return timeTag(t, "2006-01-02") },
		"overdue": func(t *time.Time) bool { return t != nil && t.Before(w.svc.Now()) },
		"wfStatus": func(s int) string {
			switch s {
			case engine.StatusDone:
				return "done"
			case engine.StatusDelayed:
				return "delayed"
			}
			return "running"
		},
		"add": func(a, b int) int { return a + b },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"deref":      func(p *int64) int64 { return derefOr(p) },
		"derefInt":   func(p *int) int { return derefOr(p) },
		"deref2":     func(p *string) string { return derefOr(p) },
		"eventLabel": eventLabel,
		"join":       strings.Join,
		"list":       func(v ...string) []string { return v },
		"upper":      strings.ToUpper,
		"title": func(s string) string {
			if s == "" {
				return s
			}
			return strings.ToUpper(s[:1]) + strings.ReplaceAll(s[1:], "_", " ")
		},
	}
}

// timeTag shows an instant in UTC inside <time>; app.js rewrites it to the
// reader's local time.
func timeTag(v any, layout string) template.HTML {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return "—"
		}
		t = *x
	default:
		return "—"
	}
	if t.IsZero() {
		return "—"
	}
	kind := "datetime"
	if !strings.Contains(layout, "15") {
		kind = "date"
	}
	return template.HTML(fmt.Sprintf(`<time datetime="%s" data-kind="%s">%s</time>`,
		t.UTC().Format(time.RFC3339), kind, template.HTMLEscapeString(t.UTC().Format(layout))))
}

func (w *Web) parseTemplates() error {
	base, err := template.New("").Funcs(w.funcs()).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	for _, n := range names {
		b := path.Base(n)
		if b == "layout.html" || b == "partials.html" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return fmt.Errorf("web: template %s: %w", b, err)
		}
		w.pages[strings.TrimSuffix(b, ".html")] = t
	}
	return nil
}

// render writes a page; the layout is chosen by the page's template.
func (q *rq) render(status int, name, title, nav string, data any) error {
	t := q.web.pages[name]
	if t == nil {
		return fmt.Errorf("web: no template %q", name)
	}
	p := page{Title: title, Nav: nav, Flash: q.flash, V: q.web.assetVersion, Embed: q.embed, Data: data}
	if nav != "public" {
		p.CSRF = q.formToken() // public forms carry none (see Web.public)
	}
	if q.actor != nil {
		p.User, p.IsAdmin = q.actor.User, q.actor.IsAdmin()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "page", p); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.w.WriteHeader(status)
	_, _ = q.w.Write(buf.Bytes())
	return nil
}

type errorData struct {
	Status  int
	Heading string
	Text    string
}

func (q *rq) errorPage(status int, heading, text string) {
	if err := q.render(status, "error", heading, "", errorData{Status: status, Heading: heading, Text: text}); err != nil {
		q.web.log.ErrorContext(q.ctx, "web error page", "err", err)
		http.Error(q.w, text, status)
	}
}

func derefOr[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// eventLabel says what a history entry is, after the person's name.
func eventLabel(t int) string {
	switch t {
	case engine.EventRun:
		return "started the workflow"
	case engine.EventComplete:
		return "— the workflow is complete"
	case engine.EventTaskStarted:
		return "— task started:"
	case engine.EventTaskCompleted:
		return "completed"
	case engine.EventTaskReturned:
		return "returned the workflow to"
	case engine.EventComment:
		return "commented"
	case engine.EventEnded:
		return "finished the workflow"
	case engine.EventDelayed:
		return "— delayed:"
	case engine.EventTaskSkipped:
		return "— skipped by a condition:"
	case engine.EventEndedByCondition:
		return "— the workflow ended by a condition"
	case engine.EventUrgent:
		return "marked the workflow urgent"
	case engine.EventNotUrgent:
		return "marked the workflow not urgent"
	case engine.EventSkippedNoPerformer:
		return "— skipped, no performers:"
	case engine.EventResumed:
		return "resumed the workflow"
	case engine.EventSnoozed:
		return "snoozed the workflow"
	case engine.EventDueDateChanged:
		return "changed the due date"
	}
	return fmt.Sprintf("event %d", t)
}
