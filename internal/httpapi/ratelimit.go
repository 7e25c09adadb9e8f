package httpapi

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Limits are the abuse protections the deployment sets on a Server.
type Limits struct {
	// RatePerSecond is the sustained rate of requests allowed per API key
	// (a token bucket refilled at this rate); 0 turns rate limiting off.
	RatePerSecond float64
	// Burst is how many requests a key may send at once after a pause
	// (the bucket's size); 0 means 4 seconds' worth of RatePerSecond.
	Burst int
	// BodyReadTimeout bounds the reading of an authenticated request's body
	// (JSON or form, at most 1 MiB); 0 means DefaultBodyReadTimeout. The
	// http.Server's ReadTimeout stays long because uploads need it.
	BodyReadTimeout time.Duration
	// Now is the limiter's clock (tests); nil means time.Now.
	Now func() time.Time
}

// DefaultBodyReadTimeout is how long a client may take to send the body of
// an API request: 1 MiB at 35 KiB/s. A client slower than that holds a
// connection and a goroutine for nothing.
const DefaultBodyReadTimeout = 30 * time.Second

// guard is the per-request protection state of a Server.
type guard struct {
	limiter     *rateLimiter // nil: off
	bodyTimeout time.Duration
}

// SetLimits configures rate limiting and the body read timeout. Call it
// before serving. The buckets live in this process: with several servers
// behind one database each enforces the rate on its own, so a key may send
// up to N times the rate to a cluster of N servers.
func (s *Server) SetLimits(l Limits) {
	g := &guard{bodyTimeout: l.BodyReadTimeout}
	if l.RatePerSecond > 0 {
		burst := float64(l.Burst)
		if burst <= 0 {
			burst = math.Max(1, math.Ceil(4*l.RatePerSecond))
		}
		now := l.Now
		if now == nil {
			now = time.Now
		}
		g.limiter = &rateLimiter{rate: l.RatePerSecond, burst: burst, now: now, keys: map[int64]*bucket{}}
	}
	s.guard = g
}

// admit runs before an authenticated handler: it bounds the time the body
// may take to arrive and spends one token of the key's bucket. It answers
// 429 itself and returns false when the key is over its rate, after
// confirm (a deferred key's check: a dead key gets its 401 instead).
func (s *Server) admit(w http.ResponseWriter, r *http.Request, keyID int64, confirm func() error) bool {
	g := s.guard
	timeout := DefaultBodyReadTimeout
	if g != nil && g.bodyTimeout > 0 {
		timeout = g.bodyTimeout
	}
	if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		// Not every ResponseWriter supports deadlines (httptest's recorder
		// does not); then the server's ReadTimeout is the only bound.
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(timeout)) == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
	}
	if g == nil || g.limiter == nil {
		return true
	}
	d := g.limiter.take(keyID)
	h := w.Header()
	// IETF draft-ietf-httpapi-ratelimit-headers: the policy (quota q per
	// window w seconds, the bucket's size over its refill time) and the
	// state (r requests left, t seconds until the bucket is full again).
	h.Set("RateLimit-Policy", fmt.Sprintf(`"per-key";q=%d;w=%d`, int(g.limiter.burst), g.limiter.window()))
	h.Set("RateLimit", fmt.Sprintf(`"per-key";r=%d;t=%d`, d.remaining, seconds(d.reset)))
	if d.allowed {
		return true
	}
	if err := confirm(); err != nil {
		writeError(w, r, err)
		return false
	}
	wait := max(1, seconds(d.retryAfter))
	h.Set("Retry-After", strconv.Itoa(wait))
	detail(w, http.StatusTooManyRequests, fmt.Sprintf("Request was throttled. Expected available in %d seconds.", wait))
	return false
}

// deadlineBody lifts the body's read deadline once the whole body is read:
// net/http then watches the connection for the client going away, and a
// deadline left in place would cancel a long handler's context. After a
// failed read (the deadline passed) it stays, so the connection is dropped
// instead of waiting for the rest of the body.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// seconds rounds a duration up to whole seconds.
func seconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int(math.Ceil(d.Seconds()))
}

// rateLimiter is a token bucket per API key. The buckets are kept in
// memory and dropped once full again (a full bucket is the same as none).
type rateLimiter struct {
	rate  float64 // tokens per second
	burst float64 // bucket size
	now   func() time.Time

	mu      sync.Mutex
	keys    map[int64]*bucket
	sweepAt time.Time
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was computed
}

type decision struct {
	allowed    bool
	remaining  int
	reset      time.Duration // until the bucket is full again
	retryAfter time.Duration // until one token is there (when refused)
}

func (l *rateLimiter) window() int {
	return max(1, int(math.Ceil(l.burst/l.rate)))
}

func (l *rateLimiter) fill() time.Duration {
	return time.Duration(l.burst / l.rate * float64(time.Second))
}

// take spends one token of key's bucket if there is one.
func (l *rateLimiter) take(key int64) decision {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.After(l.sweepAt) {
		// Forget the buckets that have filled up since their last use, so
		// that memory follows the keys in use, not every key ever seen.
		full := l.fill()
		for k, b := range l.keys {
			if now.Sub(b.at) >= full {
				delete(l.keys, k)
			}
		}
		l.sweepAt = now.Add(max(full, time.Minute))
	}
	b := l.keys[key]
	if b == nil {
		b = &bucket{tokens: l.burst, at: now}
		l.keys[key] = b
	}
	if el := now.Sub(b.at); el > 0 {
		b.tokens = math.Min(l.burst, b.tokens+el.Seconds()*l.rate)
		b.at = now
	}
	var d decision
	if b.tokens >= 1 {
		b.tokens--
		d.allowed = true
	} else {
		d.retryAfter = time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	d.remaining = int(b.tokens)
	d.reset = time.Duration((l.burst - b.tokens) / l.rate * float64(time.Second))
	return d
}
