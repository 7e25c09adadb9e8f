package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

func (w *Web) formRoutes() {
	m := w.mux
	m.Handle("GET /forms/thanks", w.public(w.formThanks, false))
	m.Handle("GET /forms/embed/thanks", w.public(w.formThanks, true))
	m.Handle("GET /forms/{token}", w.public(func(q *rq) error { return w.formPage(q, false) }, false))
	m.Handle("POST /forms/{token}", w.public(func(q *rq) error { return w.formSubmit(q, false) }, false))
	m.Handle("GET /forms/embed/{token}", w.public(func(q *rq) error { return w.formPage(q, true) }, true))
	m.Handle("POST /forms/embed/{token}", w.public(func(q *rq) error { return w.formSubmit(q, true) }, true))
}

type publicFormData struct {
	Form      *app.PublicFormView
	Fields    []formField
	Action    string
	FormError string
}

func (w *Web) formPage(q *rq, embed bool) error {
	return w.renderForm(q, embed, http.StatusOK, nil, nil, "")
}

func (w *Web) renderForm(q *rq, embed bool, status int, sent url.Values, errs map[string]string, formErr string) error {
	token := q.r.PathValue("token")
	f, err := w.svc.PublicForm(q.ctx, token, embed)
	if err != nil {
		if problem.Is(err, problem.NotFound) {
			q.errorPage(http.StatusNotFound, "Form not available", "This form does not exist or is switched off.")
			return nil
		}
		return err
	}
	action := "/forms/" + url.PathEscape(token)
	if embed {
		action = "/forms/embed/" + url.PathEscape(token)
	}
	d := publicFormData{Form: f, Fields: formFromTemplate(f.Doc.Kickoff.Fields, sent, errs, nil, true), Action: action, FormError: formErr}
	return q.render(status, "form_public", f.Doc.Name, "public", d)
}

// formSubmit runs the workflow. Abuse protection: a few runs per minute
// per client address, and a field hidden from people that bots fill in.
func (w *Web) formSubmit(q *rq, embed bool) error {
	if err := q.r.ParseForm(); err != nil {
		return err
	}
	if q.r.PostFormValue("website") != "" {
		// A bot filled the honeypot: pretend success, run nothing.
		return q.redirect(thanksPath(embed))
	}
	if ok, wait := w.forms.allow(clientAddr(q.r), w.svc.Now()); !ok {
		q.w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		q.errorPage(http.StatusTooManyRequests, "Too many submissions",
			"This form was sent too often from your address. Wait a minute and try again.")
		return nil
	}
	token := q.r.PathValue("token")
	f, err := w.svc.PublicForm(q.ctx, token, embed)
	if err != nil {
		if problem.Is(err, problem.NotFound) {
			q.errorPage(http.StatusNotFound, "Form not available", "This form does not exist or is switched off.")
			return nil
		}
		return err
	}
	types := map[string]string{}
	for _, fl := range f.Doc.Kickoff.Fields {
		types[fl.APIName] = fl.Type
	}
	_, success, err := w.svc.RunPublicForm(q.ctx, token, embed, app.RunInput{Kickoff: readValues(q.r.PostForm, types)})
	if err != nil {
		if p, ok := problem.As(err); ok && p.Kind == problem.Invalid {
			errs, general := fieldErrors(err, types)
			return w.renderForm(q, embed, http.StatusBadRequest, q.r.PostForm, errs, general)
		}
		if problem.Is(err, problem.NotFound) {
			q.errorPage(http.StatusNotFound, "Form not available", "This form does not exist or is switched off.")
			return nil
		}
		return err
	}
	if u, err := url.Parse(success); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		!strings.ContainsAny(success, "\r\n") {
		// The success URL is the admin's choice of page; only absolute
		// http(s) URLs are followed (never javascript: and the like).
		http.Redirect(q.w, q.r, success, http.StatusSeeOther)
		return nil
	}
	return q.redirect(thanksPath(embed))
}

func thanksPath(embed bool) string {
	if embed {
		return "/forms/embed/thanks"
	}
	return "/forms/thanks"
}

func (w *Web) formThanks(q *rq) error {
	return q.render(http.StatusOK, "form_thanks", "Thank you", "public", nil)
}
