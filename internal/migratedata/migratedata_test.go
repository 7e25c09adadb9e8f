package migratedata_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/blob"
	"github.com/pneumatic-oss/pneumatic/internal/httpapi"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
	"github.com/pneumatic-oss/pneumatic/internal/migratedata"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
)

const publicURL = "http://pneumatic.test"

var ownerKey = "pn-" + strings.Repeat("M", 43)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// instance is a server (service + API handler) on one database.
type instance struct {
	t   *testing.T
	db  *store.DB
	svc *app.Service
	h   http.Handler
}

func newInstance(t *testing.T, o store.Options, files string) *instance {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	svc := app.New(db, app.Config{PublicURL: publicURL, WebhookAllowPrivate: true}, nil, quiet)
	b, err := blob.NewDir(files)
	if err != nil {
		t.Fatal(err)
	}
	svc.SetBlobStore(b)
	return &instance{t: t, db: db, svc: svc, h: httpapi.New(svc, publicURL, quiet, nil)}
}

func (in *instance) do(method, target, key, contentType string, body []byte) (int, []byte) {
	in.t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	in.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// must sends a JSON body (nil: none) and decodes the answer into a map.
func (in *instance) must(want int, method, path, key string, body any) map[string]any {
	in.t.Helper()
	var raw []byte
	ct := ""
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			in.t.Fatal(err)
		}
		ct = "application/json"
	}
	code, out := in.do(method, path, key, ct, raw)
	if code != want {
		in.t.Fatalf("%s %s: %d %s, want %d", method, path, code, out, want)
	}
	m := map[string]any{}
	if len(out) > 0 && out[0] == '{' {
		if err := json.Unmarshal(out, &m); err != nil {
			in.t.Fatal(err)
		}
	}
	return m
}

func id(v any) int64 { return int64(v.(float64)) }

func ids(v int64) string { return strconv.FormatInt(v, 10) }

// receiver answers webhooks by path: /ok 200, /flaky 503 (retried later,
// so its deliveries stay pending), /gone 410 (failed).
func receiver(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/flaky":
			w.WriteHeader(503)
		case "/gone":
			w.WriteHeader(410)
		default:
			w.WriteHeader(200)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// source is a SQLite instance with a bit of everything, and the API's
// answers to a list of reads, taken before the migration.
type source struct {
	dir     string
	reads   []string          // GET paths compared after the migration
	answers map[string][]byte // path → status and body
	wfNext  int64             // the id the next workflow must get
	tplRun  int64             // a template to run on the target
}

func buildSource(t *testing.T) *source {
	t.Helper()
	ctx := context.Background()
	s := &source{dir: t.TempDir(), answers: map[string][]byte{}}
	in := newInstance(t, store.Options{DataDir: s.dir, SQLiteSynchronous: "NORMAL"}, filepath.Join(s.dir, "files"))
	if _, err := in.svc.Bootstrap(ctx, "owner@example.com", ownerKey); err != nil {
		t.Fatal(err)
	}
	if _, err := in.svc.CreateAccount(ctx, "Second", "second@example.org", "Sec", "Ond"); err != nil {
		t.Fatal(err)
	}
	runner := jobs.NewRunner(in.db, in.svc.Now, quiet)
	in.svc.SetNotifier(runner)
	runner.Handle(app.JobResume, in.svc.HandleResume)
	runner.Handle(app.JobWebhookDelivery, in.svc.NewWebhookSender(nil).Handle)
	runner.Handle(app.JobAttachmentCleanup, in.svc.HandleAttachmentCleanup)
	if err := in.svc.ScheduleAttachmentCleanup(ctx); err != nil {
		t.Fatal(err)
	}
	jobCtx, stopJobs := context.WithCancel(ctx)
	var jobsDone sync.WaitGroup
	jobsDone.Add(1)
	go func() { defer jobsDone.Done(); runner.Run(jobCtx) }()
	defer func() { stopJobs(); jobsDone.Wait() }()

	rcv := receiver(t)
	for event, path := range map[string]string{"workflow_started": "/ok", "task_completed_v2": "/ok",
		"workflow_completed": "/flaky", "task_returned": "/gone"} {
		in.must(204, "POST", "/webhooks/events/"+event+"/subscribe", ownerKey, map[string]any{"url": rcv.URL + path})
	}

	perf := id(in.must(201, "POST", "/accounts/users", ownerKey, map[string]any{"email": "perf@example.com",
		"first_name": "Per", "last_name": "Former"})["id"])
	perfKey := in.must(201, "POST", "/accounts/users/"+ids(perf)+"/api-keys", ownerKey, map[string]any{"name": "k"})["token"].(string)
	in.must(201, "POST", "/accounts/groups", ownerKey, map[string]any{"name": "Team", "users": []int64{perf}})
	in.must(200, "POST", "/accounts/invites", ownerKey, map[string]any{"users": []any{map[string]any{"email": "new@example.com"}}})

	owner := map[string]any{"type": "workflow_starter"}
	tpl := id(in.must(200, "POST", "/templates", ownerKey, map[string]any{
		"name": "Onboarding «ünïcode»", "is_active": true, "finalizable": true,
		"kickoff": map[string]any{"fields": []any{
			map[string]any{"api_name": "client", "name": "Client", "type": "string", "order": 0},
			map[string]any{"api_name": "doc", "name": "Contract", "type": "file", "order": 1},
			map[string]any{"api_name": "kind", "name": "Kind", "type": "dropdown", "order": 2,
				"selections": []any{map[string]any{"value": "new"}, map[string]any{"value": "renewal"}}},
		}},
		"tasks": []any{
			map[string]any{"number": 1, "name": "Prepare {{client}}", "api_name": "prepare", "raw_performers": []any{owner},
				"checklists":   []any{map[string]any{"api_name": "cl", "selections": []any{map[string]any{"value": "a"}}}},
				"raw_due_date": map[string]any{"duration": "2 00:00:00", "rule": "after task started", "source_id": "prepare"}},
			map[string]any{"number": 2, "name": "Sign", "api_name": "sign",
				"raw_performers": []any{map[string]any{"type": "user", "source_id": ids(perf)}},
				"fields":         []any{map[string]any{"api_name": "note", "name": "Note", "type": "text"}}},
		},
	})["id"])
	delayed := id(in.must(200, "POST", "/templates", ownerKey, map[string]any{
		"name": "With a delay", "is_active": true,
		"tasks": []any{
			map[string]any{"number": 1, "name": "First", "raw_performers": []any{owner}},
			map[string]any{"number": 2, "name": "Later", "delay": "1 00:00:00", "raw_performers": []any{owner}},
		},
	})["id"])
	draft := id(in.must(200, "POST", "/templates", ownerKey, map[string]any{"name": "Draft", "is_active": false})["id"])
	gone := id(in.must(200, "POST", "/templates", ownerKey, map[string]any{"name": "Deleted", "is_active": false})["id"])
	in.must(204, "DELETE", "/templates/"+ids(gone), ownerKey, nil)
	s.tplRun = tpl

	// Attachments: one used by a kickoff, one published, one announced only.
	upload := func(name string, data []byte) int64 {
		a := in.must(200, "POST", "/workflows/attachments", ownerKey, map[string]any{"filename": name,
			"content_type": "application/pdf", "size": len(data), "thumbnail": true})
		if code, body := in.do("PUT", a["file_upload_url"].(string), "", "application/pdf", data); code != 200 {
			t.Fatalf("upload: %d %s", code, body)
		}
		if code, body := in.do("PUT", a["thumbnail_upload_url"].(string), "", "application/pdf", data[:10]); code != 200 {
			t.Fatalf("thumbnail upload: %d %s", code, body)
		}
		return id(a["id"])
	}
	data := bytes.Repeat([]byte("%PDF-1.7 pneumatic\x00\xff"), 5000)
	att := upload("contract «signed».pdf", data)
	pub := upload("public.pdf", data[:777])
	in.must(200, "POST", "/workflows/attachments/"+ids(pub)+"/publish", ownerKey, nil)
	in.must(200, "POST", "/workflows/attachments", ownerKey, map[string]any{"filename": "never.pdf",
		"content_type": "application/pdf", "size": 5})

	run := func(tplID int64, name string, kickoff map[string]any) (int64, []int64) {
		body := map[string]any{"name": name}
		if kickoff != nil {
			body["kickoff"] = kickoff
		}
		wf := in.must(200, "POST", "/templates/"+ids(tplID)+"/run", ownerKey, body)
		var tasks []int64
		for _, tk := range wf["tasks"].([]any) {
			tasks = append(tasks, id(tk.(map[string]any)["id"]))
		}
		return id(wf["id"]), tasks
	}
	complete := func(wf, task int64, key string, output map[string]any) {
		body := map[string]any{"task_id": task}
		if output != nil {
			body["output"] = output
		}
		in.must(204, "POST", "/workflows/"+ids(wf)+"/task-complete", key, body)
	}
	markAll := func(task int64) {
		d := in.must(200, "GET", "/v2/tasks/"+ids(task), ownerKey, nil)
		for _, cl := range d["checklists"].([]any) {
			c := cl.(map[string]any)
			for _, sel := range c["selections"].([]any) {
				in.must(200, "POST", "/v2/tasks/checklists/"+ids(id(c["id"]))+"/mark", ownerKey,
					map[string]any{"selection_id": id(sel.(map[string]any)["id"])})
			}
		}
	}

	var wfs []int64
	var tasks []int64
	// running, at task 2, with a file in the kickoff
	w1, t1 := run(tpl, "Running", map[string]any{"client": "ACME", "doc": []int64{att}, "kind": "renewal"})
	markAll(t1[0])
	complete(w1, t1[0], ownerKey, nil)
	in.must(200, "POST", "/workflows/"+ids(w1)+"/comment", ownerKey, map[string]any{"text": "Looks good ✓"})
	// done
	w2, t2 := run(tpl, "Done", map[string]any{"client": "Done Inc"})
	markAll(t2[0])
	complete(w2, t2[0], ownerKey, nil)
	complete(w2, t2[1], perfKey, map[string]any{"note": "signed\nwith a newline"})
	// delayed by its template, and snoozed by hand
	w3, t3 := run(delayed, "Delayed", nil)
	complete(w3, t3[0], ownerKey, nil)
	w4, t4 := run(tpl, "Snoozed", nil)
	in.must(200, "POST", "/workflows/"+ids(w4)+"/snooze", ownerKey, map[string]any{"date_tsp": time.Now().Add(48 * time.Hour).Unix()})
	// returned to task 1, urgent
	w5, t5 := run(tpl, "Returned", nil)
	markAll(t5[0])
	complete(w5, t5[0], ownerKey, nil)
	in.must(204, "POST", "/workflows/"+ids(w5)+"/return-to", ownerKey, map[string]any{"task": t5[0]})
	in.must(200, "PATCH", "/workflows/"+ids(w5), ownerKey, map[string]any{"is_urgent": true})
	// finished early
	w6, t6 := run(tpl, "Finished", nil)
	in.must(204, "POST", "/workflows/"+ids(w6)+"/finish", ownerKey, nil)
	// terminated
	w7, t7 := run(tpl, "Terminated", nil)
	in.must(204, "DELETE", "/workflows/"+ids(w7), ownerKey, nil)
	wfs = append(wfs, w1, w2, w3, w4, w5, w6, w7)
	for _, ts := range [][]int64{t1, t2, t3, t4, t5, t6, t7} {
		tasks = append(tasks, ts...)
	}
	s.wfNext = w7 + 1

	// Wait until every delivery was tried at least once.
	deadline := time.Now().Add(15 * time.Second)
	for {
		d := in.must(200, "GET", "/webhooks/deliveries?limit=1000", ownerKey, nil)
		untried := 0
		for _, r := range d["results"].([]any) {
			if id(r.(map[string]any)["attempts"]) == 0 {
				untried++
			}
		}
		if untried == 0 && id(d["count"]) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d webhook deliveries never tried", untried)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopJobs()
	jobsDone.Wait()

	s.reads = []string{
		"/workflows?limit=100", "/workflows?status=running", "/workflows?status=delayed", "/workflows?status=done",
		"/workflows?ordering=-urgent", "/workflows/fields?template_id=" + ids(tpl), "/v3/tasks", "/v3/tasks?is_completed=true",
		"/templates?limit=100", "/templates/" + ids(tpl), "/templates/" + ids(delayed), "/templates/" + ids(draft),
		"/templates/" + ids(gone), "/accounts/users", "/accounts/groups", "/accounts/user", "/accounts/api-keys",
		"/webhooks/events", "/webhooks/secret", "/webhooks/deliveries?limit=1000",
		"/files/" + ids(att), "/files/" + ids(att) + "/thumbnail", "/files/" + ids(pub),
	}
	for _, w := range wfs {
		s.reads = append(s.reads, "/workflows/"+ids(w), "/workflows/"+ids(w)+"/events?limit=100",
			"/webhooks/deliveries?workflow_id="+ids(w))
	}
	for _, tk := range tasks {
		s.reads = append(s.reads, "/v2/tasks/"+ids(tk))
	}
	for _, p := range s.reads {
		code, body := in.do("GET", publicURL+p, ownerKey, "", nil)
		s.answers[p] = append([]byte(strconv.Itoa(code)+" "), body...)
	}
	if !bytes.HasPrefix(s.answers["/workflows/"+ids(w1)], []byte("200 ")) ||
		!bytes.HasPrefix(s.answers["/workflows/"+ids(w7)], []byte("404 ")) {
		t.Fatalf("unexpected source answers: %s", s.answers["/workflows/"+ids(w1)])
	}
	return s
}

// migrateAndCompare migrates the source into target and checks the
// verification, the API's answers, and that the target takes new writes.
func migrateAndCompare(t *testing.T, s *source, target string, targetOpts store.Options) {
	t.Helper()
	ctx := context.Background()
	files := filepath.Join(t.TempDir(), "files")
	var out bytes.Buffer
	res, err := migratedata.Run(ctx, migratedata.Options{From: "sqlite://" + s.dir, To: target, FilesTo: files, Out: &out})
	t.Logf("migrate-data output:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, r := range res.Tables {
		if !r.OK() {
			t.Errorf("table %s: %+v", r.Name, r)
		}
		counts[r.Name] = r.TargetRows
	}
	for _, name := range []string{"accounts", "users", "api_keys", "user_groups", "group_members", "templates",
		"template_versions", "workflows", "tasks", "task_performers", "fields", "checklist_items", "events",
		"attachments", "webhook_subscriptions", "webhook_deliveries", "webhook_attempts", "jobs", "counters", "audit_log"} {
		if counts[name] == 0 {
			t.Errorf("table %s: no rows copied (the source should have some)", name)
		}
	}
	if res.Files == nil || res.Files.Files != 4 || len(res.Files.Missing) != 0 {
		t.Errorf("files: %+v, want 4 copied (2 attachments with thumbnails)", res.Files)
	}
	if !strings.Contains(out.String(), "verified ") {
		t.Errorf("no verification summary in the output")
	}

	in := newInstance(t, targetOpts, files)
	for _, p := range s.reads {
		code, body := in.do("GET", publicURL+p, ownerKey, "", nil)
		got := append([]byte(strconv.Itoa(code)+" "), body...)
		if !bytes.Equal(got, s.answers[p]) {
			t.Errorf("GET %s differs after the migration:\nbefore %.600s\nafter  %.600s", p, s.answers[p], got)
		}
	}
	// The target goes on: new rows get fresh ids (sequences moved on).
	wf := in.must(200, "POST", "/templates/"+ids(s.tplRun)+"/run", ownerKey, map[string]any{"name": "After"})
	if got := id(wf["id"]); got != s.wfNext {
		t.Errorf("first workflow on the target got id %d, want %d", got, s.wfNext)
	}
	if _, err := in.svc.CreateAccount(ctx, "Third", "third@example.org", "", ""); err != nil {
		t.Errorf("new account on the target: %v", err)
	}

	// A target with data is refused.
	_, err = migratedata.Run(ctx, migratedata.Options{From: "sqlite://" + s.dir, To: target, Out: io.Discard})
	if !errors.Is(err, migratedata.ErrTargetNotEmpty) {
		t.Errorf("second migration into the same target: %v, want ErrTargetNotEmpty", err)
	}
}

func TestMigrateSQLiteToSQLite(t *testing.T) {
	s := buildSource(t)
	dir := t.TempDir()
	migrateAndCompare(t, s, "sqlite://"+dir, store.Options{DataDir: dir})
}

func TestMigrateSQLiteToPostgres(t *testing.T) {
	base := os.Getenv(storetest.EnvURL)
	if base == "" {
		t.Skip(storetest.EnvURL + " is not set")
	}
	s := buildSource(t)
	target := pgSchema(t, base)
	migrateAndCompare(t, s, target, store.Options{DatabaseURL: target})
}

// TestMigratePostgresToSQLite goes back: SQLite → PostgreSQL → SQLite must
// give the same checksums as the first copy.
func TestMigratePostgresToSQLite(t *testing.T) {
	base := os.Getenv(storetest.EnvURL)
	if base == "" {
		t.Skip(storetest.EnvURL + " is not set")
	}
	s := buildSource(t)
	ctx := context.Background()
	pg := pgSchema(t, base)
	first, err := migratedata.Run(ctx, migratedata.Options{From: "sqlite://" + s.dir, To: pg, Out: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	back, err := migratedata.Run(ctx, migratedata.Options{From: pg, To: "sqlite://" + dir, Out: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for _, r := range first.Tables {
		sums[r.Name] = r.SourceSum
	}
	for _, r := range back.Tables {
		if sums[r.Name] != r.TargetSum {
			t.Errorf("table %s: the round trip changed the checksum", r.Name)
		}
	}
}

func TestRefusesBadInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, o := range []migratedata.Options{
		{From: "mysql://x", To: "sqlite://" + dir},
		{From: "sqlite://" + dir, To: "sqlite://" + dir},
		{From: "sqlite://" + filepath.Join(dir, "missing.db"), To: "sqlite://" + t.TempDir()},
	} {
		if _, err := migratedata.Run(ctx, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// pgSchema makes a fresh schema in the test database and returns a URL
// whose search_path selects it.
func pgSchema(t *testing.T, base string) string {
	t.Helper()
	schema := fmt.Sprintf("md_%d", rand.Int64())
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestRefusesTextPostgresCannotStore: SQLite keeps a NUL in text,
// PostgreSQL does not. The copy stops naming the row and column, and the
// target keeps nothing (one transaction).
func TestRefusesTextPostgresCannotStore(t *testing.T) {
	base := os.Getenv(storetest.EnvURL)
	if base == "" {
		t.Skip(storetest.EnvURL + " is not set")
	}
	ctx := context.Background()
	dir := t.TempDir()
	in := newInstance(t, store.Options{DataDir: dir, SQLiteSynchronous: "NORMAL"}, filepath.Join(dir, "files"))
	if _, err := in.svc.Bootstrap(ctx, "owner@example.com", ownerKey); err != nil {
		t.Fatal(err)
	}
	in.db.Close()
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "pneumatic.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE users SET first_name = 'A' || char(0) || 'B'`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	target := pgSchema(t, base)
	_, err = migratedata.Run(ctx, migratedata.Options{From: "sqlite://" + dir, To: target, Out: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "copy users: row id=1: column first_name") {
		t.Fatalf("got %v, want the users row named", err)
	}
	pg, err := sql.Open("pgx", target)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	var n int
	if err := pg.QueryRow(`SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("target after a failed copy: %d accounts (%v), want 0", n, err)
	}
}
