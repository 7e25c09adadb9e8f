package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func receiver(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func send(c *Client, url string) Result {
	return c.Send(context.Background(), Request{URL: url, MsgID: "msg_1", Timestamp: time.Now(), Secret: testSecret,
		Body: []byte(`{"hook":{}}`)})
}

func TestSendSignsAndPosts(t *testing.T) {
	type seen struct {
		method, ct, id, ts, sig string
		body                    []byte
	}
	got := make(chan seen, 1)
	srv := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.Header.Get("Content-Type"), r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"),
			r.Header.Get("webhook-signature"), b}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, strings.Repeat("x", 5000))
	})
	c := NewClient(ClientOptions{AllowPrivate: true})
	res := send(c, srv.URL+"/hook")
	if res.Err != nil || res.StatusCode != http.StatusAccepted || Classify(res) != Delivered {
		t.Fatalf("result %+v", res)
	}
	if len(res.Body) != MaxResponseBody {
		t.Errorf("kept %d bytes of the answer, want %d", len(res.Body), MaxResponseBody)
	}
	s := <-got
	if s.method != http.MethodPost || s.ct != "application/json" || s.id != "msg_1" || string(s.body) != `{"hook":{}}` {
		t.Errorf("request %+v", s)
	}
	ts, err := strconv.ParseInt(s.ts, 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
		t.Fatalf("webhook-timestamp %q", s.ts)
	}
	if !Verify(testSecret, s.id, ts, s.body, s.sig) {
		t.Errorf("signature %q does not verify", s.sig)
	}
}

func TestClassify(t *testing.T) {
	for code, want := range map[int]Verdict{200: Delivered, 204: Delivered, 299: Delivered, 500: RetryLater, 503: RetryLater,
		408: RetryLater, 429: RetryLater, 400: Failed, 401: Failed, 404: Failed, 410: Failed, 302: Failed} {
		srv := receiver(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "http://example.com/") // must not be followed
			w.WriteHeader(code)
		})
		res := send(NewClient(ClientOptions{AllowPrivate: true}), srv.URL)
		if res.StatusCode != code || Classify(res) != want {
			t.Errorf("%d: status %d, verdict %v; want %v", code, res.StatusCode, Classify(res), want)
		}
	}
	// A closed port: a network error, retried.
	srv := receiver(t, func(http.ResponseWriter, *http.Request) {})
	url := srv.URL
	srv.Close()
	if res := send(NewClient(ClientOptions{AllowPrivate: true}), url); res.Err == nil || Classify(res) != RetryLater {
		t.Errorf("closed port: %+v, verdict %v", res, Classify(res))
	}
}

func TestSendTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := receiver(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	start := time.Now()
	res := send(NewClient(ClientOptions{AllowPrivate: true, Timeout: 150 * time.Millisecond}), srv.URL)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "timeout") || Classify(res) != RetryLater {
		t.Fatalf("result %+v", res)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v for a 150ms timeout", d)
	}
}

func TestPrivateAddressGuard(t *testing.T) {
	var hits atomic.Int32
	srv := receiver(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	guarded := NewClient(ClientOptions{})
	for _, url := range []string{
		srv.URL,                                   // 127.0.0.1
		"http://localhost:" + port + "/hook",      // a name that resolves to loopback
		"http://127.1.2.3:" + port + "/",          // all of 127/8
		"http://[::ffff:127.0.0.1]:" + port + "/", // IPv4-mapped IPv6
	} {
		res := send(guarded, url)
		if !errors.Is(res.Err, ErrPrivateAddress) || Classify(res) != Failed {
			t.Errorf("%s: %+v, want a refusal that is not retried", url, res)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the receiver was reached %d times", n)
	}
	if res := send(NewClient(ClientOptions{AllowPrivate: true}), "http://localhost:"+port+"/"); res.Err != nil || res.StatusCode != 200 {
		t.Errorf("allowed: %+v", res)
	}
}

func TestAddressAllowed(t *testing.T) {
	for s, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700:4700::1111": true, "93.184.216.34": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"0.0.0.0": false, "100.64.0.1": false, "224.0.0.1": false, "255.255.255.255": false, "::1": false, "::": false,
		"fe80::1": false, "fc00::1": false, "ff02::1": false, "::ffff:10.0.0.1": false, "64:ff9b::7f00:1": false,
	} {
		if got := AddressAllowed(netip.MustParseAddr(s)); got != want {
			t.Errorf("AddressAllowed(%s) = %v, want %v", s, got, want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://example.com/hook": true, "http://example.com:8080/x?y=1": true, "http://127.0.0.1:9/x": false,
		"http://localhost/x": false, "http://[::1]/": false, "http://10.0.0.1/": false,
		"not a url": false, "ftp://example.com/": false, "example.com/hook": false, "http:///path": false,
		"https://user:pw@example.com/": false, "http://example.com:99999/": false, "": false,
	} {
		if err := CheckURL(url, false); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", url, err, ok)
		}
	}
	if err := CheckURL("http://127.0.0.1:9/x", true); err != nil {
		t.Errorf("allowPrivate: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	if d := Backoff(1); d < 4*time.Second || d > 6*time.Second {
		t.Errorf("first retry after %v, want about 5s (within 30s)", d)
	}
	if d := Backoff(30); d < 48*time.Minute || d > 72*time.Minute {
		t.Errorf("capped backoff %v", d)
	}
	// Retries last about a day, then stop.
	since := time.Unix(0, 0)
	now, n := since, 0
	for {
		at, ok := NextAttempt(n+1, since, now)
		if !ok {
			break
		}
		now, n = at, n+1
	}
	if total := now.Sub(since); total < 20*time.Hour || total > RetryWindow {
		t.Errorf("retried for %v over %d attempts", total, n)
	}
}
