package webhook

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// FuzzCheckURL: webhook targets come from clients. A URL CheckURL accepts
// is an absolute http(s) URL with a host and no credentials, and, unless
// private targets are allowed, neither "localhost" nor a literal address
// AddressAllowed refuses (names are checked again when dialing). Whatever
// passes the strict check passes the lenient one.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://example.com/hook", "http://127.0.0.1:8080/x", "http://[::1]/", "http://[::ffff:10.0.0.1]/",
		"http://169.254.169.254/latest/meta-data", "http://localhost./", "http://a.localhost/", "https://user:pw@example.com/",
		"ftp://example.com/", "//example.com/x", "http://example.com:99999/", "http://example.com:0/", "http://0x7f000001/",
		"http://2130706433/", "http://[fe80::1%25eth0]/", "https://exa mple.com/", "http://example.com/\r\nX: y", "",
		"http://%31%32%37.0.0.1/", "HTTP://EXAMPLE.COM", "http://100.64.0.1/", "http://[64:ff9b::7f00:1]/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		strict := CheckURL(raw, false)
		lenient := CheckURL(raw, true)
		if strict == nil && lenient != nil {
			t.Fatalf("%q: accepted only without private targets allowed", raw)
		}
		if lenient != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || len(raw) > 2048 {
			t.Fatalf("%q accepted: %v", raw, err)
		}
		if strict != nil {
			return
		}
		host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			t.Fatalf("%q accepted: a loopback name", raw)
		}
		if ip, err := netip.ParseAddr(host); err == nil && !AddressAllowed(ip) {
			t.Fatalf("%q accepted: a private address", raw)
		}
	})
}
