package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestServerTimeouts: the server main builds bounds every phase of a
// connection, and a client that never finishes its headers (slowloris) is
// disconnected after ReadHeaderTimeout rather than held forever.
func TestServerTimeouts(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	srv := newHTTPServer("127.0.0.1:0", ok, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout} {
		if d <= 0 || d > 5*time.Minute {
			t.Errorf("%s = %v: want a bound of at most 5 minutes", name, d)
		}
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes = %d", srv.MaxHeaderBytes)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	// Half a request line and one header, then silence.
	if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(srv.ReadHeaderTimeout + 10*time.Second))
	buf := make([]byte, 512)
	for {
		if _, err := conn.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("the connection is still open after %v", time.Since(start))
			}
			break // closed by the server (EOF or reset), possibly after a 408
		}
	}
	took := time.Since(start)
	if took < srv.ReadHeaderTimeout-time.Second || took > srv.ReadHeaderTimeout+5*time.Second {
		t.Fatalf("closed after %v, ReadHeaderTimeout is %v", took, srv.ReadHeaderTimeout)
	}
	t.Logf("a client that never finished its headers was cut off after %v", took.Round(100*time.Millisecond))
}
