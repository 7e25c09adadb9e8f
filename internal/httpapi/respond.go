package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		slog.Error("encode response", "err", err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"detail":"Internal server error."}`))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// noContent answers 204 with an empty body.
func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

func detail(w http.ResponseWriter, status int, text string) {
	writeJSON(w, status, map[string]string{"detail": text})
}

const (
	msgNoCredentials = "Authentication credentials were not provided."
	msgInvalidKey    = "Invalid API key."
)

func unauthorized(w http.ResponseWriter, text string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
	detail(w, http.StatusUnauthorized, text)
}

// writeError maps an error to the contract's answer; anything that is not a
// problem.Error is logged with the request id and shown as a 500.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	p, ok := problem.As(err)
	if !ok {
		slog.ErrorContext(r.Context(), "internal error", "request_id", requestID(r.Context()), "method", r.Method,
			"path", r.URL.Path, "err", err)
		detail(w, http.StatusInternalServerError, "Internal server error.")
		return
	}
	switch p.Kind {
	case problem.Invalid:
		first := p.First()
		d := map[string]any{"reason": first.Reason}
		if first.APIName != "" {
			d["api_name"] = first.APIName
		} else if first.Name != "" {
			d["name"] = first.Name
		}
		body := map[string]any{"code": "validation_error", "message": p.Message, "details": d}
		if len(p.Details) > 0 {
			body["errors"] = p.Details
		}
		writeJSON(w, http.StatusBadRequest, body)
	case problem.NotFound:
		detail(w, http.StatusNotFound, "Not found.")
	case problem.Forbidden:
		msg := p.Message
		if msg == "" {
			msg = "You do not have permission to perform this action."
		}
		detail(w, http.StatusForbidden, msg)
	case problem.Unauthorized:
		unauthorized(w, p.Message)
	case problem.TooLarge:
		detail(w, http.StatusRequestEntityTooLarge, p.Message)
	case problem.Conflict:
		detail(w, http.StatusConflict, p.Message)
	default:
		slog.ErrorContext(r.Context(), "internal error", "request_id", requestID(r.Context()), "err", err)
		detail(w, http.StatusInternalServerError, "Internal server error.")
	}
}

// Instants are shown as ISO 8601 UTC with milliseconds and Z, and as Unix
// seconds in a "_tsp" twin.

func iso(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000Z")
	return &s
}

func tsp(t *time.Time) *float64 {
	if t == nil {
		return nil
	}
	v := float64(t.UnixMilli()) / 1000
	return &v
}

func isoV(t time.Time) *string  { return iso(&t) }
func tspV(t time.Time) *float64 { return tsp(&t) }
