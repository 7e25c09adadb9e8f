package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultTimeout bounds one delivery attempt (CONTRACT §6).
const DefaultTimeout = 10 * time.Second

// MaxResponseBody is how much of a receiver's answer is kept per attempt.
const MaxResponseBody = 2048

// ErrPrivateAddress is the cause when a target resolves to an address the
// guard refuses.
var ErrPrivateAddress = errors.New("webhook: target address not allowed")

// errBadTarget is the cause when a stored target is not a usable URL.
var errBadTarget = errors.New("webhook: target is not an absolute http or https URL")

// blocked are ranges beyond net.IP's predicates that must not be reached
// from the server: shared address space, benchmarking, reserved, and IPv4
// embedded in NAT64 and 6to4 forms.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("100::/64"),
}

// AddressAllowed reports whether a public target may be reached at ip:
// not loopback, private, link-local, unspecified, multicast or reserved.
func AddressAllowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckURL validates a target URL: absolute, http or https, with a host.
// Without allowPrivate, a literal private address or "localhost" is
// refused early; names are checked again at connect time.
func CheckURL(raw string, allowPrivate bool) error {
	if len(raw) > 2048 {
		return errors.New("Ensure this field has no more than 2048 characters.")
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" || u.User != nil ||
		strings.ContainsAny(raw, " \t\r\n") {
		return errors.New("Enter a valid URL.")
	}
	if u.Port() != "" {
		if n, err := strconv.Atoi(u.Port()); err != nil || n < 1 || n > 65535 {
			return errors.New("Enter a valid URL.")
		}
	}
	if allowPrivate {
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return errors.New("Webhook targets on private addresses are not allowed.")
	}
	if ip, err := netip.ParseAddr(host); err == nil && !AddressAllowed(ip) {
		return errors.New("Webhook targets on private addresses are not allowed.")
	}
	return nil
}

// ClientOptions configure NewClient.
type ClientOptions struct {
	AllowPrivate bool          // tests and on-premise receivers
	Timeout      time.Duration // per attempt; DefaultTimeout when zero
	// Resolver replaces the system resolver (tests).
	Resolver *net.Resolver
}

// Client sends deliveries.
type Client struct {
	http    *http.Client
	timeout time.Duration
}

// NewClient builds a client whose dialer checks every address it connects
// to, after DNS resolution, so a name that resolves (or rebinds) to a
// private address is refused. It uses no proxy (a proxy would hide the
// real target) and follows no redirects.
func NewClient(o ClientOptions) *Client {
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Resolver: o.Resolver}
	if !o.AllowPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", ErrPrivateAddress, address)
			}
			if !AddressAllowed(ap.Addr()) {
				return fmt.Errorf("%w: %s is not a public address", ErrPrivateAddress, ap.Addr())
			}
			return nil
		}
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
	}
	return &Client{timeout: timeout, http: &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// Request is one delivery attempt.
type Request struct {
	URL       string
	MsgID     string
	Timestamp time.Time
	Secret    string
	Body      []byte
}

// Result is what an attempt gave.
type Result struct {
	StatusCode int // 0 when no answer came
	Body       string
	Latency    time.Duration
	Err        error
}

// Send signs and posts one attempt. Transport problems are in Result.Err.
func (c *Client) Send(ctx context.Context, r Request) Result {
	start := time.Now()
	res := c.send(ctx, r)
	res.Latency = time.Since(start)
	return res
}

func (c *Client) send(ctx context.Context, r Request) Result {
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Result{Err: errBadTarget}
	}
	ts := r.Timestamp.Unix()
	sig, err := Sign(r.Secret, r.MsgID, ts, r.Body)
	if err != nil {
		return Result{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(r.Body))
	if err != nil {
		return Result{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "pneumatic-webhooks/1")
	req.Header.Set("webhook-id", r.MsgID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
			return Result{Err: fmt.Errorf("timeout after %s", c.timeout)}
		}
		return Result{Err: err}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBody))
	// Drain a little more so the connection can be reused; not forever.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return Result{StatusCode: resp.StatusCode, Body: cleanText(b)}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// cleanText makes a response body storable as text on both databases
// (PostgreSQL refuses NUL bytes and invalid UTF-8).
func cleanText(b []byte) string {
	return strings.ReplaceAll(strings.ToValidUTF8(string(b), "\uFFFD"), "\x00", "\uFFFD")
}

// Verdict is what to do after an attempt.
type Verdict int

// The verdicts.
const (
	Delivered Verdict = iota
	RetryLater
	Failed
)

// Classify applies the contract's policy: 2xx delivered; network errors,
// timeouts, 408, 429 and 5xx retried; other answers failed at once. A
// refused private address is a failure too: retrying will not help.
func Classify(r Result) Verdict {
	if r.Err != nil {
		if errors.Is(r.Err, ErrPrivateAddress) || errors.Is(r.Err, errBadTarget) {
			return Failed
		}
		return RetryLater
	}
	switch {
	case r.StatusCode >= 200 && r.StatusCode < 300:
		return Delivered
	case r.StatusCode == http.StatusRequestTimeout, r.StatusCode == http.StatusTooManyRequests, r.StatusCode >= 500:
		return RetryLater
	}
	return Failed
}
