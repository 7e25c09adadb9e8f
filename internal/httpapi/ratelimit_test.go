package httpapi_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/httpapi"
)

// TestRateLimit: each API key has a token bucket (here 2 requests a second,
// 3 at once). Past it: 429 {"detail"} with Retry-After; every answer to an
// authenticated request carries the RateLimit and RateLimit-Policy headers.
// Another key has its own bucket; requests without a valid key are not
// counted (they are refused before).
func TestRateLimit(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	h := newHardEnv(t, &httpapi.Limits{RatePerSecond: 2, Burst: 3, Now: clock.now})
	other := h.newUser(h.owner, "other@example.com", false)
	clock.add(time.Minute) // the bucket is full again

	for i, wantR := range []string{"2", "1", "0"} {
		r := h.must(200, "GET", "/accounts/user", h.owner, nil)
		if got := r.Header.Get("RateLimit"); got != `"per-key";r=`+wantR+`;t=`+[]string{"1", "1", "2"}[i] {
			t.Fatalf("request %d: RateLimit %q", i+1, got)
		}
		if got := r.Header.Get("RateLimit-Policy"); got != `"per-key";q=3;w=2` {
			t.Fatalf("RateLimit-Policy %q", got)
		}
	}
	r := h.do("GET", "/accounts/user", h.owner, nil)
	wantDetail(t, r, 429, "Request was throttled. Expected available in 1 seconds.")
	if r.Header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// A write is refused before it runs.
	before := h.countRows("user_groups")
	wantDetail(t, h.do("POST", "/accounts/groups", h.owner, map[string]any{"name": "G"}), 429, "")
	if h.countRows("user_groups") != before {
		t.Fatal("a throttled request changed the database")
	}
	// Other keys, and callers without a valid key, are not affected.
	h.must(200, "GET", "/accounts/user", other.Key, nil)
	for i := 0; i < 10; i++ {
		wantDetail(t, h.do("GET", "/accounts/user", "", nil), 401, "")
		wantDetail(t, h.do("GET", "/accounts/user", "pn-"+strings.Repeat("Z", 43), nil), 401, "")
	}
	// Half a token later: still throttled; a whole one later: served.
	clock.add(400 * time.Millisecond)
	wantDetail(t, h.do("GET", "/accounts/user", h.owner, nil), 429, "")
	clock.add(600 * time.Millisecond)
	h.must(200, "GET", "/accounts/user", h.owner, nil)
	// After a long pause the bucket is full again, not fuller.
	clock.add(time.Hour)
	for i := 0; i < 3; i++ {
		h.must(200, "GET", "/accounts/user", h.owner, nil)
	}
	wantDetail(t, h.do("GET", "/accounts/user", h.owner, nil), 429, "")
}

// TestRateLimitOff: rate 0 turns it off (no headers, no 429).
func TestRateLimitOff(t *testing.T) {
	h := newHardEnv(t, &httpapi.Limits{})
	for i := 0; i < 300; i++ {
		r := h.must(200, "GET", "/accounts/user", h.owner, nil)
		if r.Header.Get("RateLimit") != "" {
			t.Fatal("RateLimit header with rate limiting off")
		}
	}
}

// TestRateLimitDefaultBurst: without a burst, 4 seconds' worth.
func TestRateLimitDefaultBurst(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	h := newHardEnv(t, &httpapi.Limits{RatePerSecond: 50, Now: clock.now})
	for i := 0; i < 200; i++ {
		h.must(200, "GET", "/accounts/user", h.owner, nil)
	}
	r := h.do("GET", "/accounts/user", h.owner, nil)
	wantDetail(t, r, 429, "")
	if r.Header.Get("RateLimit-Policy") != `"per-key";q=200;w=4` {
		t.Fatalf("policy %q", r.Header.Get("RateLimit-Policy"))
	}
}

// TestSlowBody: a client that sends the headers of an API request and then
// its body too slowly is cut off after the body read timeout (the server's
// ReadTimeout is minutes long, for uploads), with a 400 and the
// connection closed.
func TestSlowBody(t *testing.T) {
	h := newHardEnv(t, &httpapi.Limits{BodyReadTimeout: 300 * time.Millisecond})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h.srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute}
	go srv.Serve(ln)
	defer srv.Close()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	fmt.Fprintf(conn, "POST /accounts/groups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: 100\r\n\r\n{\"name\":", h.owner)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a slow body: %v", err)
	}
	took := time.Since(start)
	if resp.StatusCode != 400 || took > 5*time.Second {
		t.Fatalf("slow body: %d after %v", resp.StatusCode, took)
	}
	if h.countRows("user_groups") != 0 {
		t.Fatal("a group was created from half a body")
	}
}
