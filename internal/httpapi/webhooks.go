package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// webhookRoutes registers the webhook endpoints (CONTRACT §6).
func (s *Server) webhookRoutes() {
	m := s.mux
	m.Handle("GET /webhooks/events", s.authed(s.handleWebhookEvents))
	m.Handle("GET /webhooks/events/{event}", s.authed(s.handleWebhookEvent))
	m.Handle("POST /webhooks/events/{event}/subscribe", s.authed(s.handleWebhookSubscribe))
	m.Handle("POST /webhooks/events/{event}/unsubscribe", s.authed(s.handleWebhookUnsubscribe))
	m.Handle("POST /webhooks/events/{event}/test", s.authed(s.handleWebhookTest))
	m.Handle("POST /webhooks/subscribe", s.authed(s.handleWebhookSubscribeAll))
	m.Handle("POST /webhooks/unsubscribe", s.authed(s.handleWebhookUnsubscribeAll))
	m.Handle("GET /webhooks/secret", s.authed(s.handleWebhookSecret))
	m.Handle("POST /webhooks/secret/rotate", s.authed(s.handleWebhookSecretRotate))
	m.Handle("GET /webhooks/deliveries", s.authed(s.handleWebhookDeliveries))
	m.Handle("GET /webhooks/deliveries/{id}", s.authed(s.handleWebhookDelivery))
	m.Handle("POST /webhooks/deliveries/{id}/redeliver", s.authed(s.handleWebhookRedeliver))
}

type webhookEventJSON struct {
	Event string  `json:"event"`
	URL   *string `json:"url"`
}

func (s *Server) handleWebhookEvents(w http.ResponseWriter, r *http.Request) error {
	events, err := s.app.WebhookEvents(r.Context(), actor(r))
	if err != nil {
		return err
	}
	out := make([]webhookEventJSON, 0, len(events))
	for _, e := range events {
		out = append(out, webhookEventJSON{Event: e.Event, URL: e.URL})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleWebhookEvent(w http.ResponseWriter, r *http.Request) error {
	u, err := s.app.WebhookEventURL(r.Context(), actor(r), r.PathValue("event"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]*string{"url": u})
	return nil
}

// bodyURL reads the optional "url" of a JSON or form body.
func bodyURL(r *http.Request) (string, error) {
	raw, err := readBody(r)
	if err != nil {
		return "", err
	}
	u, _, err := body(raw).str("url")
	return u, err
}

func (s *Server) handleWebhookSubscribe(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if !a.IsAdmin() {
		return problem.Forbid("You do not have permission to perform this action.")
	}
	u, err := bodyURL(r)
	if err != nil {
		return err
	}
	if err := s.app.SubscribeWebhook(r.Context(), a, r.PathValue("event"), u); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *Server) handleWebhookUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.UnsubscribeWebhook(r.Context(), actor(r), r.PathValue("event")); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *Server) handleWebhookSubscribeAll(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if !a.IsAdmin() {
		return problem.Forbid("You do not have permission to perform this action.")
	}
	u, err := bodyURL(r)
	if err != nil {
		return err
	}
	u, err = s.app.SubscribeAllWebhooks(r.Context(), a, u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": u})
	return nil
}

func (s *Server) handleWebhookUnsubscribeAll(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.UnsubscribeAllWebhooks(r.Context(), actor(r)); err != nil {
		return err
	}
	noContent(w)
	return nil
}

func (s *Server) handleWebhookSecret(w http.ResponseWriter, r *http.Request) error {
	secret, err := s.app.WebhookSecret(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"secret": secret})
	return nil
}

func (s *Server) handleWebhookSecretRotate(w http.ResponseWriter, r *http.Request) error {
	secret, err := s.app.RotateWebhookSecret(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"secret": secret})
	return nil
}

type webhookAttemptJSON struct {
	ID             int64    `json:"id"`
	AttemptedAt    *string  `json:"attempted_at"`
	AttemptedAtTsp *float64 `json:"attempted_at_tsp"`
	StatusCode     *int     `json:"status_code"`
	LatencyMS      int64    `json:"latency_ms"`
	Error          *string  `json:"error"`
	ResponseBody   *string  `json:"response_body"`
}

type webhookDeliveryJSON struct {
	ID               int64                 `json:"id"`
	Event            string                `json:"event"`
	URL              string                `json:"url"`
	WebhookID        string                `json:"webhook_id"`
	WorkflowID       *int64                `json:"workflow_id"`
	Status           string                `json:"status"`
	Attempts         int                   `json:"attempts"`
	NextAttemptAt    *string               `json:"next_attempt_at"`
	NextAttemptAtTsp *float64              `json:"next_attempt_at_tsp"`
	LastStatusCode   *int                  `json:"last_status_code"`
	LastError        *string               `json:"last_error"`
	DateCreated      *string               `json:"date_created"`
	DateCreatedTsp   *float64              `json:"date_created_tsp"`
	DateDelivered    *string               `json:"date_delivered"`
	DateDeliveredTsp *float64              `json:"date_delivered_tsp"`
	Payload          json.RawMessage       `json:"payload"`
	AttemptLog       *[]webhookAttemptJSON `json:"attempt_log,omitempty"` // detail only
}

func webhookDeliveryOut(d *store.WebhookDelivery) webhookDeliveryJSON {
	out := webhookDeliveryJSON{ID: d.ID, Event: d.Event, URL: d.URL, WebhookID: d.WebhookID, WorkflowID: d.WorkflowID,
		Status: d.Status, Attempts: d.Attempts, NextAttemptAt: iso(d.NextAttemptAt), NextAttemptAtTsp: tsp(d.NextAttemptAt),
		LastStatusCode: d.LastStatusCode, LastError: d.LastError, DateCreated: isoV(d.DateCreated),
		DateCreatedTsp: tspV(d.DateCreated), DateDelivered: iso(d.DateDelivered), DateDeliveredTsp: tsp(d.DateDelivered),
		Payload: json.RawMessage(d.Payload)}
	if !json.Valid(out.Payload) {
		out.Payload = json.RawMessage("null")
	}
	return out
}

func (s *Server) handleWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	p, err := parsePage(r, 20)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.WebhookDeliveryFilter{Event: q.Get("event"), Status: q.Get("status"), Limit: p.Limit, Offset: p.Offset}
	if v := q.Get("workflow_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return problem.Field("workflow_id", "A valid integer is required.")
		}
		f.WorkflowID = n
	}
	ds, total, err := s.app.WebhookDeliveries(r.Context(), actor(r), f)
	if err != nil {
		return err
	}
	out := make([]webhookDeliveryJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, webhookDeliveryOut(d))
	}
	writeJSON(w, http.StatusOK, s.newEnvelope(r, p, total, out))
	return nil
}

func (s *Server) handleWebhookDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, attempts, err := s.app.WebhookDelivery(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	out := webhookDeliveryOut(d)
	log := make([]webhookAttemptJSON, 0, len(attempts))
	for _, a := range attempts {
		log = append(log, webhookAttemptJSON{ID: a.ID, AttemptedAt: isoV(a.AttemptedAt),
			AttemptedAtTsp: tspV(a.AttemptedAt), StatusCode: a.StatusCode, LatencyMS: a.LatencyMS, Error: a.Error,
			ResponseBody: a.ResponseBody})
	}
	out.AttemptLog = &log
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleWebhookRedeliver(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.app.RedeliverWebhook(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookDeliveryOut(d))
	return nil
}

func (s *Server) handleWebhookTest(w http.ResponseWriter, r *http.Request) error {
	a := actor(r)
	if !a.IsAdmin() {
		return problem.Forbid("You do not have permission to perform this action.")
	}
	u, err := bodyURL(r)
	if err != nil {
		return err
	}
	d, err := s.app.TestWebhook(r.Context(), a, r.PathValue("event"), u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, webhookDeliveryOut(d))
	return nil
}
