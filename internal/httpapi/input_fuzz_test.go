package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// Fuzz targets for the HTTP layer's parsers: request bodies (JSON and
// form), pagination parameters and instants. Each checks that bad input is
// a client error (a 400 or 413 problem), never a panic or an internal
// error, and that what is accepted obeys the contract.

func TestDuplicateKeys(t *testing.T) {
	cases := map[string]bool{ // body → refused for a repeated key
		`{"a":1,"a":2}`:                             true,
		`{"a":1,"b":{"c":1,"c":1}}`:                 true,
		`{"a":[{"x":1},{"x":1,"y":2,"x":3}]}`:       true,
		`{"a":1,"\u0061":2}`:                        true, // the same key once decoded
		`{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}`: false,
		`{"a":"a","b":"a","c":["a","a"]}`:           false,
		`{"a":{},"b":{},"c":[{},{}]}`:               false,
		`{"x":{"k":1},"y":{"k":1}}`:                 false,
	}
	for body, dup := range cases {
		_, err := decodeJSONObject([]byte(body))
		if dup != (err != nil) {
			t.Errorf("%s: error %v, want refused = %v", body, err, dup)
		}
		if err != nil && !strings.Contains(err.Error(), "more than once") {
			t.Errorf("%s: %v", body, err)
		}
	}
}

func TestTrailingData(t *testing.T) {
	for _, body := range []string{`{"a":1}}`, `{"a":1}]`, `{"a":1} {}`, `{"a":1},`, `{"a":1}x`} {
		if _, err := decodeJSONObject([]byte(body)); err == nil {
			t.Errorf("%s accepted", body)
		}
	}
	for _, body := range []string{`{"a":1}`, " {\"a\":1} \n\t", `{}`} {
		if _, err := decodeJSONObject([]byte(body)); err != nil {
			t.Errorf("%s: %v", body, err)
		}
	}
}

// clientError fails unless err is a problem the client is told about.
func clientError(t *testing.T, err error) {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || (p.Kind != problem.Invalid && p.Kind != problem.TooLarge) {
		t.Fatalf("not a 400/413 problem: %#v", err)
	}
}

// noBadStrings fails if a decoded body holds text PostgreSQL cannot store.
func noBadStrings(t *testing.T, v any) {
	t.Helper()
	switch x := v.(type) {
	case string:
		if !utf8.ValidString(x) || strings.IndexByte(x, 0) >= 0 {
			t.Fatalf("accepted string %q", x)
		}
	case []any:
		for _, e := range x {
			noBadStrings(t, e)
		}
	case map[string]any:
		for k, e := range x {
			noBadStrings(t, k)
			noBadStrings(t, e)
		}
	}
}

func FuzzDecodeJSONObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":{"b":[1,2,{"c":null}]}}`, `{"a":1}}`, `[]`, `null`,
		`{"a":"\u0000"}`, `{"a":"\ud800"}`, "{\"a\":\"\xff\"}", `{"a":1e400}`, `{"a":99999999999999999999}`,
		strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40), `{"a":[` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `]}`,
		`{"a":"\\"}`, `{"a":"]]]]"}`, `{"\"":{"\"":1}}`, ` {"a":1} `, `{"a":1} {"b":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := decodeJSONObject(raw)
		if err != nil {
			clientError(t, err)
			return
		}
		// Only valid JSON objects of bounded depth, without repeated keys,
		// are accepted, and they survive a round trip.
		if !json.Valid(raw) || !utf8.Valid(raw) || depth(raw) > maxDepth {
			t.Fatalf("accepted %q", raw)
		}
		noBadStrings(t, m)
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("accepted body does not marshal: %v", err)
		}
		m2, err := decodeJSONObject(again)
		if err != nil || len(m2) != len(m) {
			t.Fatalf("round trip of %q: %v", again, err)
		}
		if d, dup := duplicateKey(raw); dup {
			t.Fatalf("accepted a repeated key %q", d)
		}
	})
}

func FuzzReadBody(f *testing.F) {
	for _, c := range []struct{ ct, body string }{
		{"application/json", `{"name":"x"}`}, {"application/x-www-form-urlencoded", "name=x&name=y&url=%2F"},
		{"", `{"a":1}`}, {"", "a=1"}, {"text/plain", "a"}, {"application/x-www-form-urlencoded", "a=%FF"},
		{"application/x-www-form-urlencoded", "a=%00&b=%ZZ"}, {"application/merge-patch+json", `{"a":null}`},
		{"application/json; charset=utf-8", " "}, {";;", "{}"}, {"multipart/form-data; boundary=x", "--x--"},
	} {
		f.Add(c.ct, []byte(c.body))
	}
	f.Fuzz(func(t *testing.T, ct string, raw []byte) {
		r := httptest.NewRequest("POST", "/x", bytes.NewReader(raw))
		if ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		m, err := readBody(r)
		if err != nil {
			clientError(t, err)
			return
		}
		if m == nil {
			t.Fatal("nil body without an error")
		}
		noBadStrings(t, map[string]any(m))
	})
}

func FuzzParsePage(f *testing.F) {
	for _, s := range [][2]string{{"20", "0"}, {"1000", "5"}, {"0", ""}, {"1001", ""}, {"-1", "-1"}, {"1e3", "x"},
		{"99999999999999999999", "9223372036854775807"}, {"1000", "9223372036854775000"}, {" 5", "+3"}, {"", "0x10"}} {
		f.Add(s[0], s[1], 10)
	}
	s := &Server{publicURL: "http://test"}
	f.Fuzz(func(t *testing.T, limit, offset string, count int) {
		q := url.Values{}
		if limit != "" {
			q.Set("limit", limit)
		}
		if offset != "" {
			q.Set("offset", offset)
		}
		r := httptest.NewRequest("GET", "/workflows?"+q.Encode(), nil)
		p, err := parsePage(r, 15)
		if err != nil {
			clientError(t, err)
			if d := err.(*problem.Error).First(); d.Name != "limit" && d.Name != "offset" {
				t.Fatalf("error names %q", d.Name)
			}
			return
		}
		if p.Limit < 1 || p.Limit > 1000 || p.Offset < 0 {
			t.Fatalf("accepted limit %d offset %d", p.Limit, p.Offset)
		}
		if limit == "" && p.Limit != 15 {
			t.Fatalf("default limit %d", p.Limit)
		}
		if count < 0 {
			count = -count
		}
		e := s.newEnvelope(r, p, count, []any{})
		for _, link := range []*string{e.Next, e.Previous} {
			if link == nil {
				continue
			}
			u, err := url.Parse(*link)
			if err != nil || !strings.HasPrefix(*link, "http://test/workflows?") {
				t.Fatalf("link %q: %v", *link, err)
			}
			if l, _ := strconv.Atoi(u.Query().Get("limit")); l != p.Limit {
				t.Fatalf("link %q changes the limit", *link)
			}
		}
		if e.Next != nil {
			u, _ := url.Parse(*e.Next)
			if o, _ := strconv.Atoi(u.Query().Get("offset")); o <= p.Offset {
				t.Fatalf("next link %q does not move forward from offset %d", *e.Next, p.Offset)
			}
		}
		if e.Previous != nil && p.Offset == 0 {
			t.Fatal("previous link on the first page")
		}
	})
}

func FuzzInstantField(f *testing.F) {
	for _, s := range []string{"2026-03-01", "2026-03-01T10:00:00.123Z", "03/01/2026", "1772359200", "1772359200.5", "-1",
		"1e400", "99999999999999999999", "253402300800", "0", "", "tomorrow", "2026-02-30", "9999-12-31T23:59:59Z"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, asNumber bool) {
		var v any = s
		if asNumber {
			if !json.Valid([]byte(s)) {
				return // a JSON number token only comes from valid JSON
			}
			var n json.Number
			if json.Unmarshal([]byte(s), &n) != nil {
				return
			}
			v = n
		}
		for _, key := range []string{"due_date", "due_date_tsp"} {
			got, ok, err := instantField(body{key: v}, "due_date")
			if err != nil {
				clientError(t, err)
				if d := err.(*problem.Error).First(); d.Name != key {
					t.Fatalf("error names %q, not %q", d.Name, key)
				}
				continue
			}
			if !ok {
				if s != "" {
					t.Fatalf("%q: neither a value nor an error", s)
				}
				continue
			}
			if got.Location().String() != "UTC" || got.Year() < 1 || got.Year() > 9999 {
				t.Fatalf("%q → %v", s, got)
			}
		}
	})
}
