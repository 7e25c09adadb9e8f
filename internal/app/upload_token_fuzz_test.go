package app

import (
	"strings"
	"testing"
)

// FuzzParseUploadToken: the upload URL's last segment comes from anyone on
// the network. What parses is a positive id, a kind and a 43-character
// secret, and it is exactly what uploadURL would have written.
func FuzzParseUploadToken(f *testing.F) {
	for _, s := range []string{"12.f." + strings.Repeat("A", 43), "1.t." + strings.Repeat("_", 43), "0.f." + strings.Repeat("a", 43),
		"-1.f.x", "9223372036854775808.f." + strings.Repeat("b", 43), "1.x." + strings.Repeat("c", 43), "1.f", "..", "+1.f." + strings.Repeat("d", 43)} {
		f.Add(s)
	}
	s := &Service{cfg: Config{PublicURL: "http://p"}}
	f.Fuzz(func(t *testing.T, token string) {
		id, thumb, secret, ok := parseUploadToken(token)
		if !ok {
			return
		}
		if id <= 0 || len(secret) != 43 {
			t.Fatalf("%q → %d %v %q", token, id, thumb, secret)
		}
		if u := s.uploadURL(id, thumb, secret); strings.TrimPrefix(u, "http://p/files/upload/") != token && !strings.HasPrefix(token, "+") && !strings.HasPrefix(token, "0") {
			t.Fatalf("%q parses, but the URL for it is %q", token, u)
		}
	})
}
