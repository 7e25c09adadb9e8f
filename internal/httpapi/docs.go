package httpapi

import (
	"net/http"

	"github.com/pneumatic-oss/pneumatic/api"
)

// docsRoutes registers /openapi.json and /docs: the API description and the
// reference page rendered from it, both embedded in the binary (the server
// may run without internet) and open to anyone, like the hosted service's
// public documentation.
func (s *Server) docsRoutes() {
	// The page is rendered once: the description cannot change while the
	// binary runs. A rendering failure is a bug of the embedded files,
	// caught by the tests, so it panics at start rather than serving a 500.
	page, err := api.Docs()
	if err != nil {
		panic("api docs: " + err.Error())
	}
	s.mux.Handle("GET /openapi.json", s.open(func(w http.ResponseWriter, r *http.Request) error {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		// Tools and other origins' browser pages may fetch it (a
		// generator, an editor): it holds nothing secret.
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cache-Control", "no-cache")
		_, _ = w.Write(api.Spec)
		return nil
	}))
	s.mux.Handle("GET /docs", s.open(func(w http.ResponseWriter, r *http.Request) error {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", page.CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		_, _ = w.Write(page.HTML)
		return nil
	}))
}
