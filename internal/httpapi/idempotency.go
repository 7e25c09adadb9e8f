package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// maxIdempotencyKey bounds the header (Stripe's limit).
const maxIdempotencyKey = 255

// idempotent answers a POST that honours the Idempotency-Key header
// (IETF draft-ietf-httpapi-idempotency-key-header): call runs the use case,
// render turns its result into the status and the JSON value to answer (a
// nil value answers an empty body). Without the header it simply runs. With
// it, the first successful answer is stored with the change and replayed,
// byte for byte, to a retry by the same user on the same route within 24 h
// (with Idempotent-Replayed: true); the same key with another path or body
// is a 422.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, raw map[string]any,
	render func(result any) (int, any), call func(ctx context.Context) (any, error)) error {
	key, sent := r.Header["Idempotency-Key"]
	if !sent {
		res, err := call(r.Context())
		if err != nil {
			return err
		}
		status, v := render(res)
		if v == nil {
			w.WriteHeader(status)
			return nil
		}
		writeJSON(w, status, v)
		return nil
	}
	// A replay answers without the use case's own statements, so a
	// deferred key is confirmed first.
	if a := actor(r); !a.Confirmed() {
		if err := s.app.Confirm(r.Context(), a); err != nil {
			return err
		}
	}
	k := key[0]
	if len(key) != 1 || k == "" || len(k) > maxIdempotencyKey || !printableASCII(k) {
		return problem.Field("Idempotency-Key", "The Idempotency-Key header must be one value of 1 to 255 printable ASCII characters.")
	}
	in := app.Idempotency{Route: r.Pattern, Key: k, Hash: fingerprint(r, raw),
		Render: func(res any) (int, []byte, error) {
			status, v := render(res)
			if v == nil {
				return status, nil, nil
			}
			b, err := encodeJSON(v)
			return status, b, err
		}}
	ans, err := s.app.Idempotent(r.Context(), actor(r), in, call)
	if errors.Is(err, app.ErrIdempotencyKeyReused) {
		p, _ := problem.As(err)
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"code": "validation_error", "message": p.Message,
			"details": map[string]any{"reason": p.Message, "name": "Idempotency-Key"}})
		return nil
	}
	if err != nil {
		return err
	}
	if ans.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	if len(ans.Body) > 0 {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(ans.Status)
	_, _ = w.Write(ans.Body)
	return nil
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// fingerprint identifies a request under a key: its path and its decoded
// body in a canonical form (sorted keys), so that JSON spacing or key order
// does not matter, while a different value does.
func fingerprint(r *http.Request, raw map[string]any) string {
	h := sha256.New()
	h.Write([]byte(r.Method + " " + r.URL.Path + "\n"))
	b, _ := json.Marshal(raw) // a decoded body always marshals
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// encodeJSON is writeJSON's encoding, for answers stored before they are
// written.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
