package main

import (
	"bytes"
	"os"
	"testing"
)

// TestUpToDate fails while api/openapi.json (what the binary embeds and
// serves) differs from what this program writes: edit gen/, then run
// `go generate ./api`.
func TestUpToDate(t *testing.T) {
	want, err := render()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("api/openapi.json is stale: run `go generate ./api`")
	}
}

// TestOperationIDsUnique keeps operationId a usable key for generated
// clients.
func TestOperationIDsUnique(t *testing.T) {
	seen := map[string]string{}
	for _, x := range operations() {
		if prev, ok := seen[x.id]; ok {
			t.Errorf("operationId %s used by %s and %s %s", x.id, prev, x.method, x.path)
		}
		seen[x.id] = x.method + " " + x.path
	}
}
