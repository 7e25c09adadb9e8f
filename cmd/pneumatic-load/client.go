package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// client is the one HTTP client of a run: one Transport whose idle pool
// holds a connection per worker, so that the load is keep-alive requests
// and not TCP handshakes (the tool shares the CPU with the server).
type client struct {
	hc   *http.Client
	base string
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true, // gzip would cost both sides CPU on loopback
		WriteBufferSize:     16 << 10,
		ReadBufferSize:      16 << 10,
		// A hung server must not hang the tool; a Client.Timeout would do it
		// with a context and a timer per request (4% of the tool's CPU).
		ResponseHeaderTimeout: 2 * time.Minute,
	}
	return &client{hc: &http.Client{Transport: tr}, base: base}
}

var (
	hdrJSON = []string{"application/json"}
)

// doer sends a request of the load: the shared net/http client or a
// worker's rawConn.
type doer interface {
	do(method, path string, auth []string, body []byte, buf *bytes.Buffer) (int, error)
}

// do sends one request. The answer's body goes into buf (reset first) when
// buf is non-nil, else it is drained unread: only bodies the tool uses are
// kept, and none is decoded here.
func (c *client) do(method, path string, auth []string, body []byte, buf *bytes.Buffer) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header["Authorization"] = auth
	if body != nil {
		req.Header["Content-Type"] = hdrJSON
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	if buf != nil {
		buf.Reset()
		_, err = buf.ReadFrom(resp.Body)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	resp.Body.Close()
	return resp.StatusCode, err
}

func bearer(key string) []string { return []string{"Bearer " + key} }

// call is do for the setup: it wants one status and decodes the answer.
func (c *client) call(method, path, key string, in any, want int, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	st, err := c.do(method, path, bearer(key), body, &buf)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if st != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, st, want, clip(buf.Bytes(), 400))
	}
	if out != nil {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
