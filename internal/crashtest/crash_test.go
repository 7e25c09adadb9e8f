// Package crashtest kills the real server with SIGKILL under load, again
// and again, and checks after each restart that nothing acknowledged was
// lost: every answered write is there, every workflow satisfies the
// engine's invariants, and every webhook is delivered in the end.
package crashtest

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to make and clean the databases
	_ "modernc.org/sqlite"             // the "sqlite" driver, to expire dead workers' leases
)

const (
	kills      = 5
	ownerKey   = "pn-crashtestcrashtestcrashtestcrashtest01"
	workers    = 4
	maxVerify  = 45 * time.Second // for the deliveries to drain at the end
	hookFailPc = 10               // % of deliveries whose first attempt gets a 503
)

func TestKillUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it several times")
	}
	bin := filepath.Join(t.TempDir(), "pneumatic")
	build := exec.Command("go", "build", "-o", bin, "github.com/pneumatic-oss/pneumatic/cmd/pneumatic")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Run("sqlite", func(t *testing.T) { crashRun(t, bin, "") })
	if base := os.Getenv("PNEUMATIC_TEST_DATABASE_URL"); base != "" {
		t.Run("postgres", func(t *testing.T) { crashRun(t, bin, freshDatabase(t, base)) })
	}
}

// freshDatabase creates a database of its own next to base's, dropped at
// the end of the test.
func freshDatabase(t *testing.T, base string) string {
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("pneumatic_crash_%d", rand.Int64N(1<<40))
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// receiver is the webhook target: it records each webhook-id once.
type receiver struct {
	mu      sync.Mutex
	seen    map[string]int // webhook-id → deliveries received
	refused map[string]bool
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("webhook-id")
	_, _ = io.Copy(io.Discard, r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	// Some first attempts fail, so that retries are pending at kill time.
	if !rc.refused[id] && rc.seen[id] == 0 && rand.IntN(100) < hookFailPc {
		rc.refused[id] = true
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	rc.seen[id]++
	w.WriteHeader(http.StatusOK)
}

func (rc *receiver) has(id string) bool { rc.mu.Lock(); defer rc.mu.Unlock(); return rc.seen[id] > 0 }

// server runs the binary on a data dir (and database) that outlive it.
type server struct {
	t      *testing.T
	bin    string
	env    []string
	base   string
	dbURL  string
	data   string
	cmd    *exec.Cmd
	output *bytes.Buffer
}

func (s *server) start() {
	s.t.Helper()
	s.output = &bytes.Buffer{}
	s.cmd = exec.Command(s.bin, "serve")
	s.cmd.Env = s.env
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.kill()
	s.t.Fatalf("the server did not become ready:\n%s", s.output)
}

// kill sends SIGKILL to the process this test started, and reaps it.
func (s *server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	_ = s.cmd.Wait()
	s.cmd = nil
}

// expireLeases does what the passing of the 2-minute job lease would do
// for the jobs the killed processes held: while no server runs, every
// lease belongs to a dead worker.
func (s *server) expireLeases() {
	s.t.Helper()
	driver, dsn := "sqlite", "file:"+filepath.Join(s.data, "pneumatic.db")+"?_pragma=busy_timeout(10000)"
	if s.dbURL != "" {
		driver, dsn = "pgx", s.dbURL
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		s.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE jobs SET locked_until = NULL, locked_by = NULL WHERE locked_until IS NOT NULL`); err != nil {
		s.t.Fatal(err)
	}
}

// api is a client of the server as the owner.
type api struct {
	base string
	http *http.Client
}

// call sends a request; err is a transport failure (no answer).
func (a *api) call(method, path, idem string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+ownerKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

// must fails the test unless the answer has status want.
func (a *api) must(t *testing.T, want int, method, path string, body any) map[string]any {
	t.Helper()
	code, b, err := a.call(method, path, "", body)
	if err != nil || code != want {
		t.Fatalf("%s %s: %d %s %v", method, path, code, b, err)
	}
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: %s", method, path, b)
		}
	}
	return m
}

// ack is an acknowledged write (an answer of 200, 201 or 204).
type ack struct {
	kind     string // run, complete, upload, comment
	workflow int64
	task     int   // completed task number
	id       int64 // attachment or event id
	name     string
	data     []byte
}

type flowState struct {
	id    int64
	tasks []int64
	next  int // index of the next task to complete
}

// load drives the server until stop: runs, completions, uploads and
// comments. Keyed requests (run, complete, upload) are retried with their
// Idempotency-Key until answered, across kills: the answer must be the
// first one's, and the work done once.
type load struct {
	a       *api
	tpl     int64
	stop    atomic.Bool
	mu      sync.Mutex
	acks    []ack
	runs    map[string]int64 // run name → workflow id answered
	errs    []string
	retries atomic.Int64
}

func (l *load) record(a ack) { l.mu.Lock(); l.acks = append(l.acks, a); l.mu.Unlock() }
func (l *load) fail(format string, args ...any) {
	l.mu.Lock()
	l.errs = append(l.errs, fmt.Sprintf(format, args...))
	l.mu.Unlock()
}

// keyed retries one request with its key until an answer comes (or the
// load is stopped while the server is down).
func (l *load) keyed(method, path, key string, body any) (int, []byte, bool) {
	for {
		code, b, err := l.a.call(method, path, key, body)
		if err == nil {
			return code, b, true
		}
		if l.stop.Load() {
			return 0, nil, false
		}
		l.retries.Add(1)
		time.Sleep(50 * time.Millisecond)
	}
}

func (l *load) worker(n int) {
	var flows []*flowState
	for i := 0; !l.stop.Load(); i++ {
		switch p := rand.IntN(100); {
		case p < 35 || len(flows) == 0:
			name := fmt.Sprintf("w%d-%d", n, i)
			code, b, ok := l.keyed("POST", "/templates/"+strconv.FormatInt(l.tpl, 10)+"/run", "run-"+name,
				map[string]any{"name": name, "kickoff": map[string]any{"note": name}})
			if !ok {
				return
			}
			if code != 200 {
				l.fail("run %s: %d %s", name, code, b)
				continue
			}
			var w struct {
				ID    int64 `json:"id"`
				Name  string
				Tasks []struct{ ID int64 } `json:"tasks"`
			}
			_ = json.Unmarshal(b, &w)
			f := &flowState{id: w.ID}
			for _, tk := range w.Tasks {
				f.tasks = append(f.tasks, tk.ID)
			}
			flows = append(flows, f)
			l.mu.Lock()
			if prev, dup := l.runs[name]; dup && prev != w.ID {
				l.errs = append(l.errs, fmt.Sprintf("run %s answered workflow %d, then %d", name, prev, w.ID))
			}
			l.runs[name] = w.ID
			l.mu.Unlock()
			l.record(ack{kind: "run", workflow: w.ID, name: name})
		case p < 75:
			f := flows[rand.IntN(len(flows))]
			if f.next >= len(f.tasks) {
				continue
			}
			key := fmt.Sprintf("done-%d-%d", f.id, f.next)
			code, b, ok := l.keyed("POST", fmt.Sprintf("/workflows/%d/task-complete", f.id), key, map[string]any{"task_id": f.tasks[f.next]})
			if !ok {
				return
			}
			if code != 204 {
				l.fail("complete %s: %d %s", key, code, b)
				continue
			}
			f.next++
			l.record(ack{kind: "complete", workflow: f.id, task: f.next})
		case p < 90:
			data := []byte(fmt.Sprintf("file %d-%d %x", n, i, rand.Uint64()))
			code, b, ok := l.keyed("POST", "/workflows/attachments", fmt.Sprintf("att-%d-%d", n, i),
				map[string]any{"filename": "f.txt", "content_type": "text/plain", "size": len(data)})
			if !ok {
				return
			}
			if code != 200 {
				l.fail("attachment: %d %s", code, b)
				continue
			}
			var slot struct {
				ID  int64  `json:"id"`
				URL string `json:"file_upload_url"`
			}
			_ = json.Unmarshal(b, &slot)
			req, _ := http.NewRequest("PUT", slot.URL, bytes.NewReader(data))
			req.Header.Set("Content-Type", "text/plain")
			resp, err := l.a.http.Do(req)
			if err != nil {
				continue // no answer: the upload may or may not have happened
			}
			resp.Body.Close()
			if resp.StatusCode == 200 {
				l.record(ack{kind: "upload", id: slot.ID, data: data})
			}
		default:
			f := flows[rand.IntN(len(flows))]
			text := fmt.Sprintf("note %d-%d", n, i)
			code, b, err := l.a.call("POST", fmt.Sprintf("/workflows/%d/comment", f.id), "", map[string]any{"text": text})
			if err != nil {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			if code == 200 {
				var ev struct{ ID int64 }
				_ = json.Unmarshal(b, &ev)
				l.record(ack{kind: "comment", workflow: f.id, id: ev.ID, name: text})
			}
		}
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func crashRun(t *testing.T, bin, dbURL string) {
	start := time.Now()
	rc := &receiver{seen: map[string]int{}, refused: map[string]bool{}}
	hooks := httptest.NewServer(rc)
	defer hooks.Close()

	addr := freePort(t)
	s := &server{t: t, bin: bin, base: "http://" + addr, dbURL: dbURL, data: t.TempDir()}
	s.env = append(os.Environ(), "PNEUMATIC_ADDR="+addr, "PNEUMATIC_DATA_DIR="+s.data, "PNEUMATIC_PUBLIC_URL="+s.base,
		"PNEUMATIC_BOOTSTRAP_API_KEY="+ownerKey, "PNEUMATIC_WEBHOOK_ALLOW_PRIVATE=true", "PNEUMATIC_RATE_LIMIT=0",
		"PNEUMATIC_DATABASE_URL="+dbURL, "PNEUMATIC_LOG_LEVEL=warn")
	defer s.kill()
	s.start()

	a := &api{base: s.base, http: &http.Client{Timeout: 10 * time.Second}}
	a.must(t, 200, "POST", "/webhooks/subscribe", map[string]any{"url": hooks.URL + "/hook"})
	starter := []any{map[string]any{"type": "workflow_starter"}}
	tpl := a.must(t, 200, "POST", "/templates", map[string]any{"name": "Crash", "is_active": true,
		"kickoff": map[string]any{"fields": []any{map[string]any{"api_name": "note", "name": "Note", "type": "string"}}},
		"tasks": []any{
			map[string]any{"number": 1, "name": "One {{note}}", "raw_performers": starter},
			map[string]any{"number": 2, "name": "Two", "raw_performers": starter},
			map[string]any{"number": 3, "name": "Three", "raw_performers": starter}}})

	l := &load{a: a, tpl: int64(tpl["id"].(float64)), runs: map[string]int64{}}
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) { defer wg.Done(); l.worker(i) }(i)
	}
	for k := 1; k <= kills; k++ {
		time.Sleep(time.Duration(400+rand.IntN(1600)) * time.Millisecond)
		s.kill()
		time.Sleep(time.Duration(rand.IntN(200)) * time.Millisecond)
		s.start()
	}
	// Let the retried requests get their answers, then stop the load.
	time.Sleep(500 * time.Millisecond)
	l.stop.Store(true)
	wg.Wait()
	s.kill()
	s.expireLeases()
	s.start()
	for _, e := range l.errs {
		t.Error(e)
	}

	// 1. Every acknowledged write is there, as answered.
	checked := 0
	wfCache := map[int64]map[string]any{}
	workflow := func(id int64) map[string]any {
		if w, ok := wfCache[id]; ok {
			return w
		}
		w := a.must(t, 200, "GET", fmt.Sprintf("/workflows/%d", id), nil)
		wfCache[id] = w
		return w
	}
	for _, k := range l.acks {
		switch k.kind {
		case "run":
			if w := workflow(k.workflow); w["name"] != k.name {
				t.Errorf("workflow %d is %v, answered as %s", k.workflow, w["name"], k.name)
			}
		case "complete":
			tasks := workflow(k.workflow)["tasks"].([]any)
			if st := tasks[k.task-1].(map[string]any)["status"]; st != "completed" {
				t.Errorf("workflow %d task %d is %v after an acknowledged completion", k.workflow, k.task, st)
			}
		case "upload":
			code, b, err := a.call("GET", fmt.Sprintf("/files/%d", k.id), "", nil)
			if err != nil || code != 200 || !bytes.Equal(b, k.data) {
				t.Errorf("attachment %d: %d %q, want %q", k.id, code, b, k.data)
			}
		case "comment":
			if !hasEvent(t, a, k.workflow, k.id, k.name) {
				t.Errorf("comment %d on workflow %d is gone", k.id, k.workflow)
			}
		}
		checked++
	}
	// A run retried across a kill with its key made one workflow.
	names := map[string]int{}
	for _, w := range listAll(t, a, "/workflows?status=running,done,delayed") {
		names[w["name"].(string)]++
	}
	for name := range l.runs {
		if names[name] != 1 {
			t.Errorf("run %s made %d workflows", name, names[name])
		}
	}

	// 2. Every workflow satisfies the engine's invariants.
	all := listAll(t, a, "/workflows?status=running,done,delayed")
	for _, item := range all {
		id := int64(item["id"].(float64))
		delete(wfCache, id)
		if msg := invariants(workflow(id)); msg != "" {
			t.Errorf("workflow %d: %s", id, msg)
		}
	}

	// 3. Every delivery is eventually delivered and was received: one
	// workflow_started per workflow, each webhook-id seen by the receiver.
	deadline := time.Now().Add(maxVerify)
	var deliveries []map[string]any
	for {
		deliveries = listAll(t, a, "/webhooks/deliveries")
		pending := 0
		for _, d := range deliveries {
			if d["status"] != "delivered" || !rc.has(d["webhook_id"].(string)) {
				pending++
			}
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d deliveries not delivered after %v", pending, len(deliveries), maxVerify)
		}
		time.Sleep(250 * time.Millisecond)
	}
	started := 0
	for _, d := range deliveries {
		if d["event"] == "workflow_started" {
			started++
		}
	}
	if started != len(all) {
		t.Errorf("%d workflow_started deliveries for %d workflows", started, len(all))
	}
	rc.mu.Lock()
	dups := 0
	for _, n := range rc.seen {
		dups += n - 1
	}
	received := len(rc.seen)
	rc.mu.Unlock()
	if received != len(deliveries) {
		t.Errorf("the receiver got %d webhook-ids, the server lists %d deliveries", received, len(deliveries))
	}
	t.Logf("%d kills survived; %d acknowledged writes checked (%d workflows, %d retried requests across kills); "+
		"%d webhooks delivered (%d received twice, deduplicated by webhook-id); %v",
		kills, checked, len(all), l.retries.Load(), len(deliveries), dups, time.Since(start).Round(time.Second))
}

// listAll reads every page of a list.
func listAll(t *testing.T, a *api, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for offset := 0; ; offset += 1000 {
		page := a.must(t, 200, "GET", fmt.Sprintf("%s%slimit=1000&offset=%d", path, sep, offset), nil)
		for _, r := range page["results"].([]any) {
			out = append(out, r.(map[string]any))
		}
		if page["next"] == nil {
			return out
		}
	}
}

func hasEvent(t *testing.T, a *api, wf, id int64, text string) bool {
	for _, e := range listAll(t, a, fmt.Sprintf("/workflows/%d/events", wf)) {
		if int64(e["id"].(float64)) == id {
			return e["text"] == text
		}
	}
	return false
}

// invariants checks a workflow's detail against the engine's rules: status
// domains; at most one active or snoozed task; tasks below the current one
// completed or skipped, above it pending; done exactly when date_completed
// is set; a running workflow has its current task active.
func invariants(w map[string]any) string {
	status := int(w["status"].(float64))
	if status != 0 && status != 1 && status != 3 {
		return fmt.Sprintf("status %d", status)
	}
	if (status == 1) != (w["date_completed"] != nil) {
		return fmt.Sprintf("status %d with date_completed %v", status, w["date_completed"])
	}
	cur := -1
	for i, x := range w["tasks"].([]any) {
		st := x.(map[string]any)["status"].(string)
		switch st {
		case "pending", "completed", "skipped":
		case "active", "snoozed":
			if cur >= 0 {
				return "two current tasks"
			}
			cur = i
		default:
			return fmt.Sprintf("task %d status %q", i+1, st)
		}
	}
	for i, x := range w["tasks"].([]any) {
		st := x.(map[string]any)["status"].(string)
		if status != 1 && cur >= 0 && i < cur && st != "completed" && st != "skipped" {
			return fmt.Sprintf("task %d is %s below the current task %d", i+1, st, cur+1)
		}
		if cur >= 0 && i > cur && st != "pending" {
			return fmt.Sprintf("task %d is %s above the current task %d", i+1, st, cur+1)
		}
		if status == 1 && st != "completed" && st != "skipped" && !(st == "active" && w["finalizable"] == true) {
			return fmt.Sprintf("done, with task %d %s", i+1, st)
		}
	}
	if status == 0 && (cur < 0 || w["tasks"].([]any)[cur].(map[string]any)["status"] != "active") {
		return "running without an active task"
	}
	return ""
}

var (
	_ = context.Background
	_ = errors.New
)
