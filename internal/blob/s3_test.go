package blob

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeS3 is the part of the S3 protocol a small object needs: HEAD bucket,
// PUT/HEAD/GET (with ranges)/DELETE object. It checks no signatures; it
// exercises the client wiring, not a real service.
type fakeS3 struct {
	mu      sync.Mutex
	bucket  string
	objects map[string][]byte
	types   map[string]string
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	if bucket != f.bucket {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if key == "" {
		w.WriteHeader(http.StatusOK) // HEAD bucket
		return
	}
	switch r.Method {
	case http.MethodPut:
		body, err := readS3Body(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.objects[key] = body
		f.types[key] = r.Header.Get("Content-Type")
		w.Header().Set("ETag", `"etag"`)
		w.WriteHeader(http.StatusOK)
	case http.MethodGet, http.MethodHead:
		b, ok := f.objects[key]
		if !ok {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusNotFound)
			if r.Method == http.MethodGet {
				io.WriteString(w, `<Error><Code>NoSuchKey</Code><Message>no</Message></Error>`)
			}
			return
		}
		w.Header().Set("ETag", `"etag"`)
		w.Header().Set("Content-Type", f.types[key])
		http.ServeContent(w, r, "", time.Unix(1700000000, 0), bytes.NewReader(b))
	case http.MethodDelete:
		delete(f.objects, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// readS3Body decodes a plain or an aws-chunked (streaming signature) body.
func readS3Body(r *http.Request) ([]byte, error) {
	if !strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		return io.ReadAll(r.Body)
	}
	br := bufio.NewReader(r.Body)
	var out bytes.Buffer
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		sizeHex, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		n, err := strconv.ParseInt(sizeHex, 16, 64)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return out.Bytes(), nil
		}
		if _, err := io.CopyN(&out, br, n); err != nil {
			return nil, err
		}
		if _, err := br.ReadString('\n'); err != nil {
			return nil, err
		}
	}
}

func TestS3Store(t *testing.T) {
	ctx := context.Background()
	fake := &fakeS3{bucket: "files", objects: map[string][]byte{}, types: map[string]string{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	if _, err := NewS3(ctx, S3Config{Endpoint: srv.URL, Bucket: "missing", Region: "us-east-1", AccessKey: "a", SecretKey: "b"}); err == nil {
		t.Fatal("a missing bucket was accepted")
	}
	s, err := NewS3(ctx, S3Config{Endpoint: srv.URL, Bucket: "files", Region: "us-east-1", AccessKey: "a", SecretKey: "b"})
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("abcdefghij"), 10_000)
	// A plain reader, as an HTTP request body is: no seeking, no ReaderAt.
	if err := s.Put(ctx, "1/2/xyz", io.MultiReader(bytes.NewReader(data)), int64(len(data)), "image/png"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fake.objects["1/2/xyz"], data) || fake.types["1/2/xyz"] != "image/png" {
		t.Fatalf("stored %d bytes, type %q", len(fake.objects["1/2/xyz"]), fake.types["1/2/xyz"])
	}
	obj, size, err := s.Open(ctx, "1/2/xyz")
	if err != nil {
		t.Fatal(err)
	}
	if size != int64(len(data)) {
		t.Fatalf("size %d", size)
	}
	if _, err := obj.Seek(99_990, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	tail, err := io.ReadAll(obj)
	obj.Close()
	if err != nil || string(tail) != "abcdefghij" {
		t.Fatalf("ranged read %q %v", tail, err)
	}
	if err := s.Delete(ctx, "1/2/xyz"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Open(ctx, "1/2/xyz"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("open after delete: %v", err)
	}
	// A reader shorter than announced fails (unseekable, as a request body
	// is, so the client does not retry).
	if err := s.Put(ctx, "short", io.MultiReader(strings.NewReader("abc")), 10, "text/plain"); err == nil {
		t.Fatal("a short body was stored")
	}
	if _, ok := fake.objects["short"]; ok {
		t.Fatal("the service got a short object")
	}
}
