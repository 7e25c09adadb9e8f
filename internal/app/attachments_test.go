package app

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestExactReader(t *testing.T) {
	cases := []struct {
		body    string
		limit   int64
		exact   bool
		wantErr error
	}{
		{"0123456789", 10, true, nil},
		{"0123456789x", 10, true, errTooLong},
		{"012345678", 10, true, io.ErrUnexpectedEOF},
		{"", 0, true, nil},
		{"x", 0, true, errTooLong},
		{"012", 10, false, nil},
		{"0123456789x", 10, false, errTooLong},
	}
	for _, c := range cases {
		// One byte at a time, so the limit falls inside and between reads.
		for _, src := range []io.Reader{strings.NewReader(c.body), iotest.OneByteReader(strings.NewReader(c.body))} {
			e := &exactReader{r: src, remaining: c.limit, exact: c.exact}
			got, err := io.ReadAll(e)
			if !errors.Is(err, c.wantErr) {
				t.Errorf("%q limit %d exact %v: err %v, want %v", c.body, c.limit, c.exact, err, c.wantErr)
			}
			if c.wantErr == nil && (string(got) != c.body || !e.complete()) {
				t.Errorf("%q: got %q, complete %v", c.body, got, e.complete())
			}
			if c.wantErr != nil && e.complete() {
				t.Errorf("%q: complete after %v", c.body, err)
			}
		}
	}
	// A consumer that reads exactly the limit and stops still learns of
	// the extra byte: the last Read returns the error.
	e := &exactReader{r: strings.NewReader("abcX"), remaining: 3, exact: true}
	buf := make([]byte, 3)
	if n, err := e.Read(buf); n != 3 || err != errTooLong {
		t.Fatalf("read %d, %v", n, err)
	}
}

func TestSameMediaType(t *testing.T) {
	for _, c := range []struct {
		got, declared string
		same          bool
	}{
		{"image/png", "image/png", true},
		{"IMAGE/PNG", "image/png", true},
		{"text/plain; charset=utf-8", "text/plain;charset=UTF-8", true},
		{"text/plain", "text/plain; charset=utf-8", false},
		{"text/html", "image/png", false},
		{"", "image/png", false},
	} {
		if got := sameMediaType(c.got, c.declared); got != c.same {
			t.Errorf("%q vs %q: %v", c.got, c.declared, got)
		}
	}
}

func TestParseUploadToken(t *testing.T) {
	secret, hash := newUploadSecret()
	if hashSecret(secret) != hash || len(secret) != 43 {
		t.Fatal("secret and hash disagree")
	}
	id, thumb, got, ok := parseUploadToken("12.t." + secret)
	if !ok || id != 12 || !thumb || got != secret {
		t.Fatalf("parse: %d %v %q %v", id, thumb, got, ok)
	}
	for _, bad := range []string{"", "12", "12.f", "12.x." + secret, "0.f." + secret, "-1.f." + secret, "a.f." + secret,
		"12.f." + secret[:42], "12.f." + secret + ".x"} {
		if _, _, _, ok := parseUploadToken(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}
