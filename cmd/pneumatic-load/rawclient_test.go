package main

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRawConn: the hand-spoken client reads what net/http's server writes
// (lengths, chunks, no body, Connection: close) on one connection, and
// sends requests the server reads whole.
func TestRawConn(t *testing.T) {
	big := strings.Repeat("0123456789", 1000) // chunked: past net/http's 2 KB buffer
	var dials atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/small":
			io.WriteString(w, `{"a":1}`)
		case "/big":
			io.WriteString(w, big)
		case "/none":
			w.WriteHeader(http.StatusNoContent)
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Auth", r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusCreated)
			w.Write(append([]byte(r.Method+" "+r.Header.Get("Content-Type")+" "), b...))
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := newRawConn(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	var buf bytes.Buffer
	check := func(method, path string, body []byte, wantSt int, want string) {
		t.Helper()
		st, err := c.do(method, path, bearer("k"), body, &buf)
		if err != nil || st != wantSt || buf.String() != want {
			t.Fatalf("%s %s: %d %q (%v), want %d %q", method, path, st, clip(buf.Bytes(), 80), err, wantSt, clip([]byte(want), 80))
		}
	}
	check("GET", "/small", nil, 200, `{"a":1}`)
	check("GET", "/big", nil, 200, big)
	check("POST", "/none", nil, 204, "")
	check("POST", "/echo", []byte(`{"x":"y"}`), 201, `POST application/json {"x":"y"}`)
	check("GET", "/big", nil, 200, big)
	if st, err := c.do("GET", "/big", bearer("k"), nil, nil); err != nil || st != 200 { // skipped unread
		t.Fatalf("discarded body: %d %v", st, err)
	}
	check("GET", "/small", nil, 200, `{"a":1}`)
	if n := dials.Load(); n != 1 {
		t.Fatalf("%d connections for keep-alive requests, want 1", n)
	}
	check("GET", "/close", nil, 200, "bye")
	check("GET", "/small", nil, 200, `{"a":1}`)
	if n := dials.Load(); n != 2 {
		t.Fatalf("%d connections after Connection: close, want 2", n)
	}
}

// TestRawConnStaleKeepAlive: a keep-alive connection the server closed
// while idle is replaced, and the request goes through.
func TestRawConnStaleKeepAlive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int64
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			n := accepted.Add(1)
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				body := "conn " + strconv.FormatInt(n, 10)
				io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
				// Then close without a word, as an idle timeout does.
			}()
		}
	}()
	c, err := newRawConn("http://" + ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	var buf bytes.Buffer
	for i, want := range []string{"conn 1", "conn 2", "conn 3"} {
		st, err := c.do("GET", "/", nil, nil, &buf)
		if err != nil || st != 200 || buf.String() != want {
			t.Fatalf("request %d: %d %q %v, want %q", i, st, buf.String(), err, want)
		}
	}
}
