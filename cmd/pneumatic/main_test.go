package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeAndCLI starts the real program, waits for /healthz, uses the
// bootstrap key, creates an account with the CLI against the same
// database, and shuts down on context cancellation (as on SIGTERM).
func TestServeAndCLI(t *testing.T) {
	addr := freeAddr(t)
	dir := t.TempDir()
	key := "pn-" + strings.Repeat("k", 43)
	env := map[string]string{"PNEUMATIC_ADDR": addr, "PNEUMATIC_DATA_DIR": dir, "PNEUMATIC_BOOTSTRAP_API_KEY": key,
		"PNEUMATIC_SQLITE_SYNCHRONOUS": "NORMAL", "PNEUMATIC_LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv, io.Discard, io.Discard) }()
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("server not ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
	get := func(k string) int {
		req, _ := http.NewRequest("GET", base+"/accounts/user", nil)
		req.Header.Set("Authorization", "Bearer "+k)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := get(key); c != 200 {
		t.Fatalf("bootstrap key: %d", c)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"accounts", "create", "--name", "Other", "--owner-email", "o@example.com"}, getenv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	newKey := lines[len(lines)-1]
	if !strings.HasPrefix(newKey, "pn-") {
		t.Fatalf("last line %q is not a key", newKey)
	}
	if c := get(newKey); c != 200 {
		t.Fatalf("CLI key: %d", c)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	var v bytes.Buffer
	if err := run(context.Background(), []string{"version"}, getenv, &v, io.Discard); err != nil || !strings.Contains(v.String(), "pneumatic") {
		t.Fatalf("version: %q %v", v.String(), err)
	}
	if err := run(context.Background(), []string{"nope"}, getenv, io.Discard, io.Discard); err == nil {
		t.Fatal("unknown command accepted")
	}
}
