package httpapi

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// page is a parsed limit/offset pair.
type page struct {
	Limit, Offset int
}

// parsePage reads limit (1..1000, default def) and offset (≥0).
func parsePage(r *http.Request, def int) (page, error) {
	p := page{Limit: def}
	q := r.URL.Query()
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return p, problem.Field("limit", "limit must be an integer from 1 to 1000.")
		}
		p.Limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return p, problem.Field("offset", "offset must be an integer of 0 or more.")
		}
		p.Offset = n
	}
	return p, nil
}

// envelope is the contract's list answer.
type envelope struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  any     `json:"results"`
}

// newEnvelope builds next/previous links from the public URL, carrying the
// request's query with limit and offset replaced.
func (s *Server) newEnvelope(r *http.Request, p page, count int, results any) envelope {
	e := envelope{Count: count, Results: results}
	link := func(offset int) *string {
		q := r.URL.Query()
		q.Set("limit", strconv.Itoa(p.Limit))
		if offset > 0 {
			q.Set("offset", strconv.Itoa(offset))
		} else {
			q.Del("offset")
		}
		u := s.publicURL + r.URL.Path + "?" + q.Encode()
		return &u
	}
	// Offset+Limit could overflow for a huge offset; count-Limit cannot.
	if p.Offset < count-p.Limit {
		e.Next = link(p.Offset + p.Limit)
	}
	if p.Offset > 0 {
		prev := p.Offset - p.Limit
		if prev < 0 {
			prev = 0
		}
		e.Previous = link(prev)
	}
	return e
}

var _ = url.Values{}
