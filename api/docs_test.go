package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

// TestDocsStyleHash: the CSP allows the page's one style block by its
// hash, so the block must reach the page byte for byte (a browser silently
// drops a style whose hash does not match, leaving an unstyled page that
// no other test would notice).
func TestDocsStyleHash(t *testing.T) {
	page, err := Docs()
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := bytes.Cut(page.HTML, []byte("<style>"))
	style, _, ok2 := bytes.Cut(rest, []byte("</style>"))
	if !ok || !ok2 {
		t.Fatal("no style block")
	}
	sum := sha256.Sum256(style)
	if want := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(page.CSP, want) {
		t.Fatalf("CSP %q does not allow the style block (%s)", page.CSP, want)
	}
	if bytes.Count(page.HTML, []byte("<style")) != 1 || bytes.Contains(page.HTML, []byte("style=")) {
		t.Error("inline styles beyond the one block would be refused by the CSP")
	}
}
