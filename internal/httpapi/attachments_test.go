package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/blob"
	"github.com/pneumatic-oss/pneumatic/internal/httpapi"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
)

const attPublic = "http://files.test"

// attEnv is a server on a fresh database and a folder blob store,
// with a clock the test moves.
type attEnv struct {
	t     *testing.T
	svc   *app.Service
	h     http.Handler
	dir   string // the blob folder
	owner string // the first account's owner key
	mu    sync.Mutex
	clock time.Time
}

func newAttEnv(t *testing.T) *attEnv {
	t.Helper()
	ctx := context.Background()
	// SQLite, or PostgreSQL when PNEUMATIC_TEST_DATABASE_URL is set.
	db := storetest.Open(t)
	e := &attEnv{t: t, clock: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), dir: filepath.Join(t.TempDir(), "files")}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	e.svc = app.New(db, app.Config{PublicURL: attPublic}, e.now, quiet)
	store, err := blob.NewDir(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	e.svc.SetBlobStore(store)
	e.owner = "pn-" + strings.Repeat("F", 43)
	if _, err := e.svc.Bootstrap(ctx, "owner@example.com", e.owner); err != nil {
		t.Fatal(err)
	}
	e.h = httpapi.New(e.svc, attPublic, quiet, nil)
	return e
}

func (e *attEnv) now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.clock
}

func (e *attEnv) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clock = e.clock.Add(d)
}

// send serves one request; hdr holds extra headers (Authorization via key).
func (e *attEnv) send(method, target, key, contentType string, body io.Reader, hdr map[string]string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, target, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func (e *attEnv) sendJSON(method, target, key string, body any) *httptest.ResponseRecorder {
	e.t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.send(method, target, key, "application/json", bytes.NewReader(raw), nil)
}

func attObj(t *testing.T, rec *httptest.ResponseRecorder, want int) map[string]any {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("got %d %s, want %d", rec.Code, rec.Body.Bytes(), want)
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("not a JSON object: %q", rec.Body.Bytes())
	}
	return m
}

type attSlot struct {
	ID        int64
	FileURL   string
	ThumbURL  string
	Published map[string]any
}

// slot announces an upload.
func (e *attEnv) slot(key, name, contentType string, size int64, thumbnail bool) attSlot {
	e.t.Helper()
	m := attObj(e.t, e.sendJSON("POST", "/workflows/attachments", key, map[string]any{"filename": name,
		"content_type": contentType, "size": size, "thumbnail": thumbnail}), 200)
	s := attSlot{ID: int64(m["id"].(float64)), FileURL: m["file_upload_url"].(string)}
	if u, ok := m["thumbnail_upload_url"].(string); ok {
		s.ThumbURL = u
	}
	return s
}

// upload announces and uploads data, returning the slot.
func (e *attEnv) upload(key string, data []byte) attSlot {
	e.t.Helper()
	s := e.slot(key, "doc.bin", "application/octet-stream", int64(len(data)), false)
	attObj(e.t, e.send("PUT", s.FileURL, "", "application/octet-stream", bytes.NewReader(data), nil), 200)
	return s
}

// stored lists the files of the blob folder (temporary files included).
func (e *attEnv) stored() []string {
	e.t.Helper()
	var out []string
	err := filepath.WalkDir(e.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{1})
	_, _ = r.Read(b)
	return b
}

func TestAttachmentRoundTrip(t *testing.T) {
	e := newAttEnv(t)
	data, thumb := randomBytes(300_000), randomBytes(2_000)
	s := e.slot(e.owner, `report "final" ünïcode.pdf`, "application/pdf", int64(len(data)), true)
	if !strings.HasPrefix(s.FileURL, attPublic+"/files/upload/") || !strings.HasPrefix(s.ThumbURL, attPublic+"/") {
		t.Fatalf("upload URLs %q %q", s.FileURL, s.ThumbURL)
	}
	up := attObj(t, e.send("PUT", s.FileURL, "", "application/pdf", bytes.NewReader(data), nil), 200)
	if int64(up["id"].(float64)) != s.ID || int(up["size"].(float64)) != len(data) {
		t.Fatalf("upload answer %v", up)
	}
	attObj(t, e.send("PUT", s.ThumbURL, "", "application/pdf", bytes.NewReader(thumb), nil), 200)

	// Before publishing: the account only.
	url := attPublic + "/files/" + strconv.FormatInt(s.ID, 10)
	if rec := e.send("GET", url, "", "", nil, nil); rec.Code != 401 {
		t.Fatalf("anonymous GET of an unpublished file: %d", rec.Code)
	}
	if rec := e.send("GET", url, e.owner, "", nil, nil); rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), data) {
		t.Fatalf("owner GET: %d", rec.Code)
	}

	pub := attObj(t, e.send("POST", "/workflows/attachments/"+strconv.FormatInt(s.ID, 10)+"/publish", e.owner, "", nil, nil), 200)
	if pub["url"] != url || pub["thumbnail_url"] != url+"/thumbnail" || pub["name"] != `report "final" ünïcode.pdf` ||
		int(pub["size"].(float64)) != len(data) {
		t.Fatalf("publish answer %v", pub)
	}
	rec := e.send("GET", url, "", "", nil, nil)
	if rec.Code != 200 {
		t.Fatalf("anonymous GET of a published file: %d %s", rec.Code, rec.Body.Bytes())
	}
	if sha256.Sum256(rec.Body.Bytes()) != sha256.Sum256(data) {
		t.Fatal("downloaded bytes differ from the uploaded ones")
	}
	h := rec.Header()
	if h.Get("Content-Type") != "application/pdf" || h.Get("Content-Length") != strconv.Itoa(len(data)) {
		t.Fatalf("headers %v", h)
	}
	wantCD := `attachment; filename="report \"final\" _n_code.pdf"; filename*=UTF-8''report%20%22final%22%20%C3%BCn%C3%AFcode.pdf`
	if got := h.Get("Content-Disposition"); got != wantCD {
		t.Fatalf("Content-Disposition %q, want %q", got, wantCD)
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatal("no nosniff")
	}
	if rec := e.send("GET", url+"/thumbnail", "", "", nil, nil); rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), thumb) {
		t.Fatalf("thumbnail GET: %d", rec.Code)
	}
	if rec := e.send("HEAD", url, "", "", nil, nil); rec.Code != 200 || rec.Body.Len() != 0 ||
		rec.Header().Get("Content-Length") != strconv.Itoa(len(data)) {
		t.Fatalf("HEAD: %d %v", rec.Code, rec.Header())
	}
}

func TestAttachmentRange(t *testing.T) {
	e := newAttEnv(t)
	data := randomBytes(10_000)
	s := e.upload(e.owner, data)
	url := attPublic + "/files/" + strconv.FormatInt(s.ID, 10)
	rec := e.send("GET", url, e.owner, "", nil, map[string]string{"Range": "bytes=100-199"})
	if rec.Code != 206 || !bytes.Equal(rec.Body.Bytes(), data[100:200]) {
		t.Fatalf("range: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	if got := rec.Header().Get("Content-Range"); got != "bytes 100-199/10000" {
		t.Fatalf("Content-Range %q", got)
	}
	rec = e.send("GET", url, e.owner, "", nil, map[string]string{"Range": "bytes=-10"})
	if rec.Code != 206 || !bytes.Equal(rec.Body.Bytes(), data[len(data)-10:]) {
		t.Fatalf("suffix range: %d", rec.Code)
	}
	if rec := e.send("GET", url, e.owner, "", nil, map[string]string{"Range": "bytes=20000-"}); rec.Code != 416 {
		t.Fatalf("unsatisfiable range: %d", rec.Code)
	}
}

func TestAttachmentCreateValidation(t *testing.T) {
	e := newAttEnv(t)
	cases := []struct {
		body    map[string]any
		name    string
		message string
	}{
		{map[string]any{"filename": "a", "content_type": "application/zip", "size": 104857601}, "size",
			"The size limit for attachments is 100.0 Mb."},
		{map[string]any{"content_type": "image/png", "size": 1}, "filename", "This field is required."},
		{map[string]any{"filename": "a", "size": 1}, "content_type", "This field is required."},
		{map[string]any{"filename": "a", "content_type": "image/png"}, "size", "This field is required."},
		{map[string]any{"filename": "a", "content_type": "not a type", "size": 1}, "content_type", ""},
		{map[string]any{"filename": "a", "content_type": "image/png", "size": "x"}, "size", ""},
		{map[string]any{"filename": "a", "content_type": "image/png", "size": -1}, "size", ""},
		{map[string]any{"filename": "a", "content_type": "image/png", "size": 1, "thumbnail": "maybe"}, "thumbnail", ""},
	}
	for _, c := range cases {
		m := attObj(t, e.sendJSON("POST", "/workflows/attachments", e.owner, c.body), 400)
		d := m["details"].(map[string]any)
		if d["name"] != c.name || (c.message != "" && m["message"] != c.message) {
			t.Errorf("%v: got %v", c.body, m)
		}
	}
	// The limit itself is allowed; a form body works too.
	e.slot(e.owner, "max.bin", "application/zip", 104857600, false)
	rec := e.send("POST", "/workflows/attachments", e.owner, "application/x-www-form-urlencoded",
		strings.NewReader("filename=a.png&content_type=image%2Fpng&size=3&thumbnail=true"), nil)
	if m := attObj(t, rec, 200); m["thumbnail_upload_url"] == nil {
		t.Fatalf("form body: %v", m)
	}
	if rec := e.sendJSON("POST", "/workflows/attachments", "", map[string]any{}); rec.Code != 401 {
		t.Fatalf("no key: %d", rec.Code)
	}
}

func TestAttachmentUploadRefused(t *testing.T) {
	e := newAttEnv(t)
	data := randomBytes(5_000)
	s := e.slot(e.owner, "pic.png", "image/png", int64(len(data)), false)
	refused := []struct {
		what        string
		contentType string
		body        []byte
		want        int
	}{
		{"a wrong content type", "text/html", data, 400},
		{"no content type", "", data, 400},
		{"more bytes than declared", "image/png", append(append([]byte{}, data...), 'x'), 413},
		{"fewer bytes than declared", "image/png", data[:4000], 400},
	}
	for _, c := range refused {
		if rec := e.send("PUT", s.FileURL, "", c.contentType, bytes.NewReader(c.body), nil); rec.Code != c.want {
			t.Errorf("%s: got %d %s, want %d", c.what, rec.Code, rec.Body.Bytes(), c.want)
		}
		if files := e.stored(); len(files) != 0 {
			t.Fatalf("%s: files stored: %v", c.what, files)
		}
	}
	// Without Content-Length (chunked), the declared size is still enforced.
	for _, body := range [][]byte{append(append([]byte{}, data...), 'x'), data[:10]} {
		req := httptest.NewRequest("PUT", s.FileURL, io.MultiReader(bytes.NewReader(body)))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "image/png")
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code/100 != 4 {
			t.Errorf("chunked body of %d bytes for %d declared: %d", len(body), len(data), rec.Code)
		}
		if files := e.stored(); len(files) != 0 {
			t.Fatalf("chunked: files stored: %v", files)
		}
	}
	// The declared media type matches regardless of case.
	attObj(t, e.send("PUT", s.FileURL, "", "IMAGE/PNG", bytes.NewReader(data), nil), 200)
	if files := e.stored(); len(files) != 1 {
		t.Fatalf("after the good upload: %v", files)
	}
}

func TestAttachmentUploadURLSingleUseAndExpiry(t *testing.T) {
	e := newAttEnv(t)
	data := randomBytes(100)
	s := e.upload(e.owner, data)
	if rec := e.send("PUT", s.FileURL, "", "application/octet-stream", bytes.NewReader(data), nil); rec.Code != 403 {
		t.Fatalf("reused URL: %d %s", rec.Code, rec.Body.Bytes())
	}

	s = e.slot(e.owner, "late.bin", "application/octet-stream", int64(len(data)), true)
	e.advance(15*time.Minute + time.Second)
	for _, u := range []string{s.FileURL, s.ThumbURL} {
		if rec := e.send("PUT", u, "", "application/octet-stream", bytes.NewReader(data), nil); rec.Code != 403 {
			t.Fatalf("expired URL: %d %s", rec.Code, rec.Body.Bytes())
		}
	}

	s = e.slot(e.owner, "forged.bin", "application/octet-stream", int64(len(data)), true)
	other := "A"
	if strings.HasSuffix(s.FileURL, other) {
		other = "B" // a changed secret must differ from the real one
	}
	forged := []string{
		s.FileURL[:len(s.FileURL)-1] + other,                       // another secret
		strings.Replace(s.FileURL, ".f.", ".t.", 1),                // the file secret for the thumbnail
		strings.Replace(s.ThumbURL, ".t.", ".f.", 1),               // and the other way round
		attPublic + "/files/upload/" + strconv.FormatInt(s.ID, 10), // no secret
		attPublic + "/files/upload/999.f." + strings.Repeat("A", 43),
	}
	for _, u := range forged {
		if rec := e.send("PUT", u, "", "application/octet-stream", bytes.NewReader(data), nil); rec.Code/100 != 4 {
			t.Fatalf("forged URL %s: %d", u, rec.Code)
		}
	}
	if files := e.stored(); len(files) != 1 {
		t.Fatalf("stored: %v", files)
	}
	// Just before expiry the URL works.
	e.advance(14 * time.Minute)
	attObj(t, e.send("PUT", s.FileURL, "", "application/octet-stream", bytes.NewReader(data), nil), 200)
}

func TestAttachmentOtherAccount(t *testing.T) {
	e := newAttEnv(t)
	ctx := context.Background()
	other, err := e.svc.CreateAccount(ctx, "Other", "other@example.org", "O", "O")
	if err != nil {
		t.Fatal(err)
	}
	tpl := attObj(t, e.sendJSON("POST", "/templates", e.owner, map[string]any{
		"name": "Files", "is_active": true,
		"kickoff": map[string]any{"fields": []any{map[string]any{"type": "file", "name": "Doc", "api_name": "doc", "order": 0}}},
		"tasks": []any{map[string]any{"number": 1, "name": "One",
			"raw_performers": []any{map[string]any{"type": "workflow_starter", "source_id": nil}}}},
	}), 200)
	run := "/templates/" + strconv.FormatInt(int64(tpl["id"].(float64)), 10) + "/run"

	foreign := e.upload(other, randomBytes(50))
	m := attObj(t, e.sendJSON("POST", run, e.owner, map[string]any{"kickoff": map[string]any{"doc": []any{foreign.ID}}}), 400)
	if m["details"].(map[string]any)["api_name"] != "doc" {
		t.Fatalf("foreign attachment as a field value: %v", m)
	}
	furl := attPublic + "/files/" + strconv.FormatInt(foreign.ID, 10)
	if rec := e.send("GET", furl, e.owner, "", nil, nil); rec.Code != 404 {
		t.Fatalf("another account's file: %d", rec.Code)
	}
	if rec := e.send("POST", "/workflows/attachments/"+strconv.FormatInt(foreign.ID, 10)+"/publish", e.owner, "", nil, nil); rec.Code != 404 {
		t.Fatalf("publish another account's file: %d", rec.Code)
	}
	if rec := e.send("GET", attPublic+"/files/987654", e.owner, "", nil, nil); rec.Code != 404 {
		t.Fatalf("unknown id: %d", rec.Code)
	}
	if rec := e.send("GET", furl, "pn-"+strings.Repeat("x", 43), "", nil, nil); rec.Code != 401 {
		t.Fatalf("bad key: %d", rec.Code)
	}

	// Own attachment: accepted once, then taken.
	mine := e.upload(e.owner, randomBytes(60))
	wf := attObj(t, e.sendJSON("POST", run, e.owner, map[string]any{"kickoff": map[string]any{"doc": []any{mine.ID}}}), 200)
	raw, _ := json.Marshal(wf["kickoff"])
	if !strings.Contains(string(raw), `"url":"`+attPublic+`/files/`+strconv.FormatInt(mine.ID, 10)+`"`) {
		t.Fatalf("kickoff output has no attachment URL: %s", raw)
	}
	attObj(t, e.sendJSON("POST", run, e.owner, map[string]any{"kickoff": map[string]any{"doc": []any{mine.ID}}}), 400)
	// The other account cannot read it, even once it is in a field.
	if rec := e.send("GET", attPublic+"/files/"+strconv.FormatInt(mine.ID, 10), other, "", nil, nil); rec.Code != 404 {
		t.Fatalf("other account reads a linked file: %d", rec.Code)
	}
	// Publishing makes it public for all.
	attObj(t, e.send("POST", "/workflows/attachments/"+strconv.FormatInt(mine.ID, 10)+"/publish", e.owner, "", nil, nil), 200)
	if rec := e.send("GET", attPublic+"/files/"+strconv.FormatInt(mine.ID, 10), other, "", nil, nil); rec.Code != 200 {
		t.Fatalf("other account reads a published file: %d", rec.Code)
	}
	// Publishing an announced file without bytes is refused.
	s := e.slot(e.owner, "x", "image/png", 1, false)
	attObj(t, e.send("POST", "/workflows/attachments/"+strconv.FormatInt(s.ID, 10)+"/publish", e.owner, "", nil, nil), 400)
}

func TestAttachmentOrphanCleanup(t *testing.T) {
	e := newAttEnv(t)
	ctx := context.Background()
	tpl := attObj(t, e.sendJSON("POST", "/templates", e.owner, map[string]any{
		"name": "Files", "is_active": true,
		"kickoff": map[string]any{"fields": []any{map[string]any{"type": "file", "name": "Doc", "api_name": "doc", "order": 0}}},
		"tasks": []any{map[string]any{"number": 1, "name": "One",
			"raw_performers": []any{map[string]any{"type": "workflow_starter", "source_id": nil}}}},
	}), 200)
	orphan := e.upload(e.owner, randomBytes(10))
	linked := e.upload(e.owner, randomBytes(20))
	published := e.upload(e.owner, randomBytes(30))
	e.slot(e.owner, "never-uploaded", "image/png", 5, true)
	attObj(t, e.sendJSON("POST", "/templates/"+strconv.FormatInt(int64(tpl["id"].(float64)), 10)+"/run", e.owner,
		map[string]any{"kickoff": map[string]any{"doc": []any{linked.ID}}}), 200)
	attObj(t, e.send("POST", "/workflows/attachments/"+strconv.FormatInt(published.ID, 10)+"/publish", e.owner, "", nil, nil), 200)

	if n, err := e.svc.CleanupAttachments(ctx, 100); err != nil || n != 0 {
		t.Fatalf("cleanup before 24 h: %d %v", n, err)
	}
	e.advance(24*time.Hour + time.Minute)
	if n, err := e.svc.CleanupAttachments(ctx, 100); err != nil || n != 2 {
		t.Fatalf("cleanup after 24 h: %d %v", n, err)
	}
	if files := e.stored(); len(files) != 2 {
		t.Fatalf("files left: %v", files)
	}
	for id, want := range map[int64]int{orphan.ID: 404, linked.ID: 200, published.ID: 200} {
		if rec := e.send("GET", attPublic+"/files/"+strconv.FormatInt(id, 10), e.owner, "", nil, nil); rec.Code != want {
			t.Errorf("attachment %d after cleanup: %d, want %d", id, rec.Code, want)
		}
	}
	// The periodic job asks to run again.
	err := e.svc.HandleAttachmentCleanup(ctx, nil, 1)
	if err == nil || !strings.Contains(err.Error(), "retry") {
		t.Fatalf("cleanup job result: %v", err)
	}
}

// genReader yields n pseudo-random bytes without holding them, hashing
// them on the way.
type genReader struct {
	left int64
	rng  *rand.ChaCha8
	sum  interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	n, _ := g.rng.Read(p)
	g.sum.Write(p[:n])
	g.left -= int64(n)
	return n, nil
}

// TestAttachmentUpload100MiBStreams uploads 100 MiB through the handler and
// measures the heap: it must grow by a small fraction of the file.
func TestAttachmentUpload100MiBStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100 MiB")
	}
	e := newAttEnv(t)
	const size = app.MaxAttachmentSize
	s := e.slot(e.owner, "big.bin", "application/octet-stream", size, false)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	gen := &genReader{left: size, rng: rand.NewChaCha8([32]byte{7}), sum: sha256.New()}
	req := httptest.NewRequest("PUT", s.FileURL, gen)
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/octet-stream")
	rec := httptest.NewRecorder()
	start := time.Now()
	e.h.ServeHTTP(rec, req)
	took := time.Since(start)
	close(stop)
	<-sampled
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if rec.Code != 200 {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body.Bytes())
	}
	growth := int64(peak.Load()) - int64(before.HeapInuse)
	t.Logf("100 MiB upload in %v: peak heap in use +%.2f MiB over %.2f MiB before; %.2f MiB allocated in total",
		took.Round(time.Millisecond), float64(growth)/(1<<20), float64(before.HeapInuse)/(1<<20),
		float64(after.TotalAlloc-before.TotalAlloc)/(1<<20))
	if growth > 16<<20 {
		t.Fatalf("heap grew by %d bytes for a %d-byte upload", growth, size)
	}

	// The stored file is the uploaded one.
	files := e.stored()
	if len(files) != 1 {
		t.Fatalf("stored: %v", files)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if n, err := io.Copy(h, f); err != nil || n != size {
		t.Fatalf("stored %d bytes, %v", n, err)
	}
	if !bytes.Equal(h.Sum(nil), gen.sum.Sum(nil)) {
		t.Fatal("stored bytes differ from the uploaded ones")
	}
}
