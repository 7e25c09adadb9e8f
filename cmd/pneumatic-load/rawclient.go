package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawConn is one worker's keep-alive HTTP/1.1 connection, spoken by hand:
// a request is one write, its answer is read on the same goroutine. The
// tool shares the cores with the server; net/http's client hands every
// request between three goroutines (the caller, a writer and a reader per
// connection), and that scheduling was a third of the tool's CPU. It
// speaks what the server answers: Content-Length or chunked bodies,
// Connection: close. --http std uses net/http instead.
type rawConn struct {
	addr, host string
	conn       net.Conn
	br         *bufio.Reader
	wbuf       []byte
	used       bool // a request went over conn already (a stale keep-alive is retried once)
}

func newRawConn(base string) (*rawConn, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("--http raw speaks plain http, not %s (use --http std)", u.Scheme)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	return &rawConn{addr: addr, host: u.Host}, nil
}

// requestTimeout bounds a request: a hung server must not hang the tool.
const requestTimeout = 2 * time.Minute

// do sends one request; the answer's body goes into buf (reset first) when
// buf is non-nil, else it is skipped.
func (c *rawConn) do(method, path string, auth []string, body []byte, buf *bytes.Buffer) (int, error) {
	st, sent, err := c.try(method, path, auth, body, buf)
	if err != nil && c.used && !sent {
		// The server closed an idle keep-alive connection before it read
		// this request: send it again on a new one, as net/http does.
		st, _, err = c.try(method, path, auth, body, buf)
	}
	return st, err
}

// try sends the request on the connection (dialled when there is none);
// sent is true once any of the answer came back.
func (c *rawConn) try(method, path string, auth []string, body []byte, buf *bytes.Buffer) (st int, sent bool, err error) {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
		if err != nil {
			return 0, false, err
		}
		c.conn, c.used = conn, false
		if c.br == nil {
			c.br = bufio.NewReaderSize(conn, 16<<10)
		} else {
			c.br.Reset(conn)
		}
	}
	defer func() {
		if err != nil {
			c.conn.Close()
			c.conn = nil
		}
	}()
	w := append(c.wbuf[:0], method...)
	w = append(w, ' ')
	w = append(w, path...)
	w = append(w, " HTTP/1.1\r\nHost: "...)
	w = append(w, c.host...)
	for _, a := range auth {
		w = append(w, "\r\nAuthorization: "...)
		w = append(w, a...)
	}
	if body != nil || method == "POST" || method == "PUT" || method == "PATCH" {
		w = append(w, "\r\nContent-Type: application/json\r\nContent-Length: "...)
		w = strconv.AppendInt(w, int64(len(body)), 10)
	}
	w = append(w, "\r\n\r\n"...)
	w = append(w, body...)
	c.wbuf = w
	if err := c.conn.SetDeadline(time.Now().Add(requestTimeout)); err != nil {
		return 0, false, err
	}
	reused := c.used
	c.used = true
	if _, err := c.conn.Write(w); err != nil {
		return 0, false, err
	}
	st, closeAfter, err := c.readResponse(method, buf)
	if err != nil {
		// No answer on a reused connection: it was stale.
		return 0, !(reused && st == 0), err
	}
	if closeAfter {
		c.conn.Close()
		c.conn = nil
	}
	return st, true, nil
}

// readResponse reads the status line, the headers and the body.
func (c *rawConn) readResponse(method string, buf *bytes.Buffer) (st int, closeAfter bool, err error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	code, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	length, chunked := int64(-1), false
	closeAfter = line[7] == '0' // HTTP/1.0
	for {
		h, err := c.br.ReadSlice('\n')
		if err != nil {
			return code, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			return code, false, fmt.Errorf("malformed header %q", h)
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(v), 10, 64); err != nil || length < 0 {
				return code, false, fmt.Errorf("malformed Content-Length %q", v)
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, []byte("Connection")):
			closeAfter = bytes.EqualFold(v, []byte("close"))
		}
	}
	if buf != nil {
		buf.Reset()
	}
	switch {
	case method == "HEAD" || code == 204 || code == 304 || (code >= 100 && code < 200):
	case chunked:
		err = c.readChunked(buf)
	case length >= 0:
		err = c.readN(length, buf)
	default: // the body runs to the end of the connection
		closeAfter = true
		if buf != nil {
			_, err = buf.ReadFrom(c.br)
		} else {
			_, err = io.Copy(io.Discard, c.br)
		}
	}
	return code, closeAfter, err
}

func (c *rawConn) readN(n int64, buf *bytes.Buffer) error {
	if buf != nil {
		_, err := io.CopyN(buf, c.br, n)
		return err
	}
	for n > 0 {
		k, err := c.br.Discard(int(min(n, 1<<30)))
		n -= int64(k)
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *rawConn) readChunked(buf *bytes.Buffer) error {
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("malformed chunk size %q", line)
		}
		if n == 0 {
			for { // trailers, up to the empty line
				t, err := c.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(t, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if err := c.readN(n, buf); err != nil {
			return err
		}
		if crlf, err := c.br.ReadSlice('\n'); err != nil || len(bytes.TrimRight(crlf, "\r\n")) != 0 {
			return fmt.Errorf("malformed chunk end %q (%v)", crlf, err)
		}
	}
}

func (c *rawConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}
