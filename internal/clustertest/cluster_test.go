// Package clustertest is the multi-server acceptance test: two `pneumatic
// serve` processes on one fresh PostgreSQL database, driven concurrently.
// It runs only when PNEUMATIC_CLUSTER_BINARY and
// PNEUMATIC_CLUSTER_DATABASE_URL are set (.ci/steps.d/20-multiserver.sh).
package clustertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/pneumatic-oss/pneumatic/internal/webhook"
)

var ownerKey = "pn-" + strings.Repeat("C", 43)

// The workload: workflows started, and workers driving them at once.
const (
	defaultWorkflows = 40
	workers          = 12
	delaySeconds     = 2
)

// server is one `pneumatic serve` process.
type server struct {
	name string
	url  string
	cmd  *exec.Cmd
	log  string
	done chan error // the process's exit
}

func TestTwoServers(t *testing.T) {
	bin, dbURL := os.Getenv("PNEUMATIC_CLUSTER_BINARY"), os.Getenv("PNEUMATIC_CLUSTER_DATABASE_URL")
	if bin == "" || dbURL == "" {
		t.Skip("set PNEUMATIC_CLUSTER_BINARY and PNEUMATIC_CLUSTER_DATABASE_URL (a fresh database) to run")
	}
	n := defaultWorkflows
	if v, err := strconv.Atoi(os.Getenv("PNEUMATIC_CLUSTER_WORKFLOWS")); err == nil && v > 0 {
		n = v
	}
	work := os.Getenv("PNEUMATIC_CLUSTER_WORKDIR")
	if work == "" {
		work = t.TempDir()
	}
	// Everything below is bounded by this deadline (the CI step has a hard
	// timeout around the whole test as well).
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()

	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('accounts') IS NOT NULL`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatal("PNEUMATIC_CLUSTER_DATABASE_URL must name a fresh, empty database")
	}

	rcv := newReceiver()
	hook := httptest.NewServer(rcv)
	defer hook.Close()

	// Both servers start at the same moment on the empty database: they
	// race through the migrations and the first-account bootstrap.
	// PNEUMATIC_PUBLIC_URL stands for the load balancer: it points at A
	// for both, so links B hands out (upload URLs) are served by A.
	ports := [2]int{}
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			t.Fatal(err)
		}
	}
	public := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	shared := filepath.Join(work, "shared") // one data dir: its files folder is the attachment store
	servers := make([]*server, 2)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, err := startServer(ctx, bin, string(rune('A'+i)), ports[i], dbURL, public, shared, work)
			if err != nil {
				t.Errorf("server %c: %v", 'A'+i, err)
				return
			}
			servers[i] = s
		}(i)
	}
	wg.Wait()
	defer func() {
		for _, s := range servers {
			if s != nil {
				if err := s.stop(); err != nil {
					t.Errorf("server %s: %v", s.name, err)
				}
			}
		}
	}()
	if t.Failed() {
		return
	}
	a, b := servers[0], servers[1]
	hc := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	api := func(s *server, key string) *client { return &client{hc: hc, base: s.url, key: key} }
	ownA, ownB := api(a, ownerKey), api(b, ownerKey)

	var accounts int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&accounts); err != nil || accounts != 1 {
		t.Fatalf("after two servers bootstrapped at once: %d accounts (%v), want 1", accounts, err)
	}

	// Set up through A, read back through B.
	me := ownB.mustObj(ctx, t, 200, "GET", "/accounts/user", nil)
	owner := num(me["id"])
	u2 := num(ownA.mustObj(ctx, t, 201, "POST", "/accounts/users", map[string]any{"email": "second@example.com",
		"first_name": "Sec", "last_name": "Ond"})["id"])
	u2Key := ownA.mustObj(ctx, t, 201, "POST", "/accounts/users/"+itoa(u2)+"/api-keys", map[string]any{"name": "k"})["token"].(string)
	u2A, u2B := api(a, u2Key), api(b, u2Key)
	ownA.mustObj(ctx, t, 200, "POST", "/webhooks/subscribe", map[string]any{"url": hook.URL + "/hook"})
	secret := ownB.mustObj(ctx, t, 200, "GET", "/webhooks/secret", nil)["secret"].(string)
	tpl := num(ownA.mustObj(ctx, t, 200, "POST", "/templates", map[string]any{
		"name": "Cluster", "is_active": true,
		"kickoff": map[string]any{"fields": []any{map[string]any{"api_name": "n", "name": "N", "type": "string", "order": 0}}},
		"tasks": []any{
			map[string]any{"number": 1, "name": "Race {{n}}", "api_name": "race",
				"raw_performers": []any{map[string]any{"type": "workflow_starter"}}},
			map[string]any{"number": 2, "name": "Wait", "api_name": "wait", "delay": strconv.Itoa(delaySeconds),
				"require_completion_by_all": true, "raw_performers": []any{map[string]any{"type": "workflow_starter"},
					map[string]any{"type": "user", "source_id": itoa(u2)}}},
			map[string]any{"number": 3, "name": "Close", "api_name": "close",
				"raw_performers": []any{map[string]any{"type": "user", "source_id": itoa(u2)}}},
		},
	})["id"])

	// Attachments: a slot announced through B, uploaded through the
	// public URL (A), read back through both from the shared folder.
	data := bytes.Repeat([]byte("cluster attachment\n"), 1000)
	slot := ownB.mustObj(ctx, t, 200, "POST", "/workflows/attachments", map[string]any{"filename": "c.txt",
		"content_type": "text/plain", "size": len(data)})
	put, err := http.NewRequestWithContext(ctx, "PUT", slot["file_upload_url"].(string), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	put.Header.Set("Content-Type", "text/plain")
	if resp, err := hc.Do(put); err != nil || resp.StatusCode != 200 {
		t.Fatalf("upload through %s: %v %v", public, resp, err)
	} else {
		resp.Body.Close()
	}
	for _, c := range []*client{ownA, ownB} {
		if code, got, err := c.call(ctx, "GET", "/files/"+itoa(num(slot["id"])), nil); err != nil || code != 200 || !bytes.Equal(got, data) {
			t.Errorf("attachment through %s: %d, %d bytes, %v", c.base, code, len(got), err)
		}
	}

	// The workload: each worker runs workflows (through A and B in turn)
	// and drives each to its end, racing completions through both.
	type flow struct {
		id    int64
		tasks [3]int64
		acked []completion // acknowledged completions
	}
	var (
		mu       sync.Mutex
		flows    []*flow
		raced    atomic.Int64 // completion requests sent in races
		refused  atomic.Int64 // losers answered 400
		runsSent atomic.Int64
	)
	next := make(chan int)
	go func() {
		defer close(next)
		for i := 0; i < n; i++ {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var workersDone sync.WaitGroup
	for w := 0; w < workers; w++ {
		workersDone.Add(1)
		go func() {
			defer workersDone.Done()
			for i := range next {
				own, other, u2own, u2other := ownA, ownB, u2A, u2B
				if i%2 == 1 {
					own, other, u2own, u2other = ownB, ownA, u2B, u2A
				}
				runsSent.Add(1)
				code, body, err := own.call(ctx, "POST", "/templates/"+itoa(tpl)+"/run",
					map[string]any{"name": fmt.Sprintf("wf-%03d", i), "kickoff": map[string]any{"n": itoa(int64(i))}})
				if err != nil || code != 200 {
					t.Errorf("run %d via %s: %d %s %v", i, own.base, code, body, err)
					continue
				}
				var wf struct {
					ID    int64 `json:"id"`
					Tasks []struct {
						ID int64 `json:"id"`
					} `json:"tasks"`
				}
				if err := json.Unmarshal(body, &wf); err != nil || len(wf.Tasks) != 3 {
					t.Errorf("run %d: %s", i, body)
					continue
				}
				f := &flow{id: wf.ID, tasks: [3]int64{wf.Tasks[0].ID, wf.Tasks[1].ID, wf.Tasks[2].ID}}
				mu.Lock()
				flows = append(flows, f)
				mu.Unlock()
				complete := func(c *client, task, user int64, v2 bool) attempt {
					if v2 {
						return attempt{c: c, path: "/v2/tasks/" + itoa(task) + "/complete", body: map[string]any{}, ok: 200,
							task: task, user: user}
					}
					return attempt{c: c, path: "/workflows/" + itoa(f.id) + "/task-complete",
						body: map[string]any{"task_id": task}, ok: 204, task: task, user: user}
				}
				record := func(step string, res []attemptResult, wantOK int) bool {
					okN := 0
					for _, r := range res {
						raced.Add(1)
						switch {
						case r.err != nil:
							t.Errorf("workflow %d %s: %v", f.id, step, r.err)
						case r.code == r.ok:
							okN++
							f.acked = append(f.acked, completion{r.task, r.user})
						case r.code == 400 && refusal(r.body):
							refused.Add(1)
						default:
							t.Errorf("workflow %d %s via %s: %d %s", f.id, step, r.c.base, r.code, r.body)
						}
					}
					if okN != wantOK {
						t.Errorf("workflow %d %s: %d completions succeeded, want %d", f.id, step, okN, wantOK)
						return false
					}
					return true
				}
				// Task 1, one performer: the same completion through A and B at once.
				if !record("task 1", race(ctx, complete(own, f.tasks[0], owner, false), complete(other, f.tasks[0], owner, false)), 1) {
					continue
				}
				// Task 2 is delayed; a job on either server resumes it.
				if err := waitActive(ctx, []*client{other, own}, f.id, f.tasks[1]); err != nil {
					t.Errorf("workflow %d: task 2 never resumed: %v", f.id, err)
					continue
				}
				// Task 2, completion by all: both performers at once, the
				// owner twice (through each server).
				if !record("task 2", race(ctx, complete(own, f.tasks[1], owner, false),
					complete(u2other, f.tasks[1], u2, false),
					complete(other, f.tasks[1], owner, true)), 2) {
					continue
				}
				// Task 3: the same performer through both servers and both endpoints.
				record("task 3", race(ctx, complete(u2own, f.tasks[2], u2, false), complete(u2other, f.tasks[2], u2, true)), 1)
			}
		}()
	}
	workersDone.Wait()
	if ctx.Err() != nil {
		t.Fatalf("the workload did not finish in time")
	}
	if t.Failed() {
		return
	}
	slices.SortFunc(flows, func(x, y *flow) int { return int(x.id - y.id) })

	// 1. Every acknowledged run exists, seen through either server; no
	// other workflow does.
	for _, c := range []*client{ownA, ownB} {
		var list struct {
			Count   int `json:"count"`
			Results []struct {
				ID     int64 `json:"id"`
				Status int   `json:"status"`
			} `json:"results"`
		}
		c.mustJSON(ctx, t, 200, "GET", "/workflows?limit=1000", nil, &list)
		var got []int64
		for _, r := range list.Results {
			got = append(got, r.ID)
			if r.Status != 1 {
				t.Errorf("workflow %d: status %d in the list of %s, want 1 (done)", r.ID, r.Status, c.base)
			}
		}
		slices.Sort(got)
		var want []int64
		for _, f := range flows {
			want = append(want, f.id)
		}
		if list.Count != n || !slices.Equal(got, want) {
			t.Errorf("list via %s: count %d, ids %v; want the %d acknowledged runs %v", c.base, list.Count, got, n, want)
		}
	}

	// 2.–4. Per workflow: every acknowledged completion is in the history
	// exactly once, and nothing else is; each task started once (so the
	// workflow advanced once per completion); the delay ended once, on time.
	var lagMax time.Duration
	completions := 0
	for i, f := range flows {
		c := []*client{ownA, ownB}[i%2]
		var d struct {
			Status int `json:"status"`
			Tasks  []struct {
				ID     int64  `json:"id"`
				Status string `json:"status"`
			} `json:"tasks"`
			DateCompleted *string `json:"date_completed"`
		}
		c.mustJSON(ctx, t, 200, "GET", "/workflows/"+itoa(f.id), nil, &d)
		if d.Status != 1 || d.DateCompleted == nil {
			t.Errorf("workflow %d: status %d, date_completed %v; want done", f.id, d.Status, d.DateCompleted)
		}
		for _, tk := range d.Tasks {
			if tk.Status != "completed" {
				t.Errorf("workflow %d task %d: status %q, want completed", f.id, tk.ID, tk.Status)
			}
		}
		var ev struct {
			Results []struct {
				Type   int    `json:"type"`
				UserID *int64 `json:"user_id"`
				Task   *struct {
					ID int64 `json:"id"`
				} `json:"task"`
			} `json:"results"`
		}
		c.mustJSON(ctx, t, 200, "GET", "/workflows/"+itoa(f.id)+"/events?limit=1000", nil, &ev)
		completed := map[completion]int{}
		started := map[int64]int{}
		byType := map[int]int{}
		for _, e := range ev.Results {
			byType[e.Type]++
			switch e.Type {
			case 3: // task completed
				var u int64
				if e.UserID != nil {
					u = *e.UserID
				}
				if e.Task == nil {
					t.Errorf("workflow %d: a task-completed event without a task", f.id)
					continue
				}
				completed[completion{e.Task.ID, u}]++
			case 2: // task started
				if e.Task != nil {
					started[e.Task.ID]++
				}
			}
		}
		for _, ack := range f.acked {
			if completed[ack] != 1 {
				t.Errorf("workflow %d: acknowledged completion of task %d by user %d is in the history %d times, want 1",
					f.id, ack.task, ack.user, completed[ack])
			}
		}
		if len(completed) != len(f.acked) || byType[3] != len(f.acked) {
			t.Errorf("workflow %d: %d task-completed events for %d acknowledged completions: %v", f.id, byType[3], len(f.acked), completed)
		}
		completions += len(f.acked)
		for _, task := range f.tasks {
			if started[task] != 1 {
				t.Errorf("workflow %d: task %d started %d times, want once", f.id, task, started[task])
			}
		}
		if byType[7] != 1 || byType[16] != 1 || byType[1] != 1 || byType[0] != 1 {
			t.Errorf("workflow %d: run %d, delayed %d, resumed %d, completed %d times; want once each",
				f.id, byType[0], byType[7], byType[16], byType[1])
		}
		var task struct {
			Delay *struct {
				Start float64 `json:"start_date_tsp"`
				End   float64 `json:"end_date_tsp"`
			} `json:"delay"`
		}
		c.mustJSON(ctx, t, 200, "GET", "/v2/tasks/"+itoa(f.tasks[1]), nil, &task)
		if task.Delay == nil || task.Delay.End-task.Delay.Start < delaySeconds-0.001 {
			t.Errorf("workflow %d: task 2 delay %+v, want it to end %d s after its start", f.id, task.Delay, delaySeconds)
		} else {
			lag := time.Duration((task.Delay.End - task.Delay.Start - delaySeconds) * float64(time.Second))
			lagMax = max(lagMax, lag)
		}
	}
	// Resumed "within a few seconds of the end": the job pollers wake at
	// least every second.
	if lagMax > 5*time.Second {
		t.Errorf("a delayed task resumed %v after its delay ended", lagMax)
	}

	// 5. Webhooks: wait until none is pending, then every delivery reached
	// the receiver exactly once with a 2xx (by webhook-id), every attempt
	// the server counted was seen, and each workflow's came in order.
	wantHooks := 5 * len(flows) // started, 3 task completed, completed
	type delivery struct {
		ID         int64  `json:"id"`
		Event      string `json:"event"`
		WebhookID  string `json:"webhook_id"`
		WorkflowID *int64 `json:"workflow_id"`
		Status     string `json:"status"`
		Attempts   int    `json:"attempts"`
	}
	var deliveries []delivery
	deadline := time.Now().Add(60 * time.Second)
	for {
		var list struct {
			Count   int        `json:"count"`
			Results []delivery `json:"results"`
		}
		ownB.mustJSON(ctx, t, 200, "GET", "/webhooks/deliveries?limit=1000", nil, &list)
		pending := 0
		for _, d := range list.Results {
			if d.Status == "pending" {
				pending++
			}
		}
		if list.Count == wantHooks && pending == 0 && len(list.Results) == list.Count {
			deliveries = list.Results
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("webhooks: %d deliveries (want %d), %d still pending after 60 s", list.Count, wantHooks, pending)
		}
		time.Sleep(200 * time.Millisecond)
	}
	got := rcv.snapshot()
	ok2xx := map[string]int{}
	seen := map[string]int{}
	byWorkflow := map[int64][]string{}
	badSig := 0
	for _, r := range got {
		seen[r.id]++
		if !webhook.Verify(secret, r.id, r.ts, r.body, r.sig) {
			badSig++
		}
		if r.code/100 != 2 {
			continue
		}
		ok2xx[r.id]++
		var p struct {
			Workflow *struct {
				ID int64 `json:"id"`
			} `json:"workflow"`
			Task *struct {
				Workflow struct {
					ID int64 `json:"id"`
				} `json:"workflow"`
			} `json:"task"`
			Hook struct {
				Event string `json:"event"`
			} `json:"hook"`
		}
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Errorf("webhook %s: body %s", r.id, r.body)
			continue
		}
		wid := int64(0)
		if p.Workflow != nil {
			wid = p.Workflow.ID
		} else if p.Task != nil {
			wid = p.Task.Workflow.ID
		}
		byWorkflow[wid] = append(byWorkflow[wid], p.Hook.Event)
	}
	if badSig > 0 {
		t.Errorf("webhooks: %d requests with a signature that does not verify", badSig)
	}
	retried := 0
	for _, d := range deliveries {
		if d.Status != "delivered" {
			t.Errorf("delivery %d (%s): status %s", d.ID, d.WebhookID, d.Status)
		}
		if ok2xx[d.WebhookID] != 1 {
			t.Errorf("delivery %d (%s): received with a 2xx %d times, want exactly once", d.ID, d.WebhookID, ok2xx[d.WebhookID])
		}
		if seen[d.WebhookID] != d.Attempts {
			t.Errorf("delivery %d (%s): %d attempts recorded, %d requests received", d.ID, d.WebhookID, d.Attempts, seen[d.WebhookID])
		}
		if d.Attempts > 1 {
			retried++
		}
		delete(seen, d.WebhookID)
	}
	if len(seen) > 0 {
		t.Errorf("webhooks: the receiver got %d webhook-ids that no delivery lists", len(seen))
	}
	wantOrder := []string{"workflow_started", "task_completed_v2", "task_completed_v2", "task_completed_v2", "workflow_completed"}
	for _, f := range flows {
		if !slices.Equal(byWorkflow[f.id], wantOrder) {
			t.Errorf("workflow %d: webhooks arrived as %v, want %v", f.id, byWorkflow[f.id], wantOrder)
		}
	}
	if retried == 0 {
		t.Errorf("webhooks: no delivery was retried; the receiver fails some first attempts on purpose")
	}

	// 6. Background jobs ran once each and left nothing behind but the
	// one periodic cleanup job of the cluster (a unique key).
	var left map[string]int
	for end := time.Now().Add(5 * time.Second); ; {
		left = map[string]int{}
		rows, err := db.QueryContext(ctx, `SELECT kind, COUNT(*) FROM jobs GROUP BY kind`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			var c int
			if err := rows.Scan(&k, &c); err != nil {
				t.Fatal(err)
			}
			left[k] = c
		}
		rows.Close()
		if len(left) == 1 && left["attachment_cleanup"] == 1 || time.Now().After(end) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(left) != 1 || left["attachment_cleanup"] != 1 {
		t.Errorf("jobs left: %v, want only the one attachment_cleanup job", left)
	}

	t.Logf("two servers %s and %s on one database: %d runs acknowledged and listed through both; "+
		"%d completion requests raced (%d acknowledged, each in the history exactly once; %d refused with 400); "+
		"%d delayed tasks resumed once each (latest %.2fs after the delay); %d webhooks delivered once each by webhook-id "+
		"(%d requests received, %d deliveries retried after a failed first attempt, all signatures valid, in order per workflow); "+
		"an attachment announced through B, uploaded through the public URL (A), read through both",
		a.url, b.url, len(flows), raced.Load(), completions, refused.Load(), len(flows), lagMax.Seconds(),
		len(deliveries), len(got), retried)
	if runsSent.Load() != int64(n) {
		t.Errorf("%d runs sent, want %d", runsSent.Load(), n)
	}
}

// completion is one performer's completion of one task.
type completion struct{ task, user int64 }

// attempt is one completion request of a race, and its answer.
type attempt struct {
	c          *client
	path       string
	body       any
	ok         int // the success status
	task, user int64
}

// race sends the requests at the same moment, each on its own goroutine.
func race(ctx context.Context, as ...attempt) []attemptResult {
	start := make(chan struct{})
	out := make([]attemptResult, len(as))
	var wg sync.WaitGroup
	for i := range as {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			code, body, err := as[i].c.call(ctx, "POST", as[i].path, as[i].body)
			out[i] = attemptResult{attempt: as[i], code: code, body: body, err: err}
		}(i)
	}
	close(start)
	wg.Wait()
	return out
}

type attemptResult struct {
	attempt
	code int
	body []byte
	err  error
}

// refusal tells whether a 400 is one of §5.4's answers to a completion
// that lost a race.
func refusal(body []byte) bool {
	for _, m := range []string{"You need to resume the workflow before completing the task.",
		"You have already completed this workflow.", "Available for current task only.",
		"You have already completed this task."} {
		if bytes.Contains(body, []byte(m)) {
			return true
		}
	}
	return false
}

// waitActive polls (through the servers in turn) until task is the
// workflow's running current task.
func waitActive(ctx context.Context, cs []*client, wf, task int64) error {
	deadline := time.Now().Add(20 * time.Second)
	for i := 0; ; i++ {
		var d struct {
			Status      int `json:"status"`
			CurrentTask *struct {
				ID int64 `json:"id"`
			} `json:"current_task"`
		}
		code, body, err := cs[i%len(cs)].call(ctx, "GET", "/workflows/"+itoa(wf), nil)
		if err != nil {
			return err
		}
		if code != 200 && code != 429 {
			return fmt.Errorf("GET: %d %s", code, body)
		}
		if code == 200 {
			if err := json.Unmarshal(body, &d); err != nil {
				return err
			}
		}
		if d.Status == 0 && d.CurrentTask != nil && d.CurrentTask.ID == task {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("still %s", body)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// client calls one server with one key.
type client struct {
	hc   *http.Client
	base string
	key  string
}

func (c *client) call(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func (c *client) mustJSON(ctx context.Context, t *testing.T, want int, method, path string, body, into any) {
	t.Helper()
	code, out, err := c.call(ctx, method, path, body)
	if err != nil || code != want {
		t.Fatalf("%s %s%s: %d %s %v, want %d", method, c.base, path, code, out, err, want)
	}
	if into != nil {
		if err := json.Unmarshal(out, into); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, out)
		}
	}
}

func (c *client) mustObj(ctx context.Context, t *testing.T, want int, method, path string, body any) map[string]any {
	t.Helper()
	m := map[string]any{}
	c.mustJSON(ctx, t, want, method, path, body, &m)
	return m
}

func num(v any) int64 { f, _ := v.(float64); return int64(f) }

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// receiver records every webhook request. It fails the first attempt of
// about one webhook-id in six with a 503, so that retries happen too
// (and may be taken by the other server).
type receiver struct {
	mu   sync.Mutex
	reqs []received
	seen map[string]bool
}

type received struct {
	id, sig string
	ts      int64
	body    []byte
	code    int
}

func newReceiver() *receiver { return &receiver{seen: map[string]bool{}} }

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id := req.Header.Get("webhook-id")
	ts, _ := strconv.ParseInt(req.Header.Get("webhook-timestamp"), 10, 64)
	r.mu.Lock()
	code := 200
	if !r.seen[id] && sha256.Sum256([]byte(id))[0]%6 == 0 {
		code = 503
	}
	r.seen[id] = true
	r.reqs = append(r.reqs, received{id: id, sig: req.Header.Get("webhook-signature"), ts: ts, body: body, code: code})
	r.mu.Unlock()
	w.WriteHeader(code)
}

func (r *receiver) snapshot() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// startServer starts `pneumatic serve` on port and waits until it answers
// /healthz.
func startServer(ctx context.Context, bin, name string, port int, dbURL, public, dataDir, work string) (*server, error) {
	s := &server{name: name, url: "http://127.0.0.1:" + strconv.Itoa(port), log: filepath.Join(work, "server-"+name+".log"),
		done: make(chan error, 1)}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PNEUMATIC_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"PNEUMATIC_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"PNEUMATIC_DATABASE_URL="+dbURL,
		"PNEUMATIC_DATA_DIR="+dataDir,
		"PNEUMATIC_PUBLIC_URL="+public,
		"PNEUMATIC_BOOTSTRAP_API_KEY="+ownerKey,
		"PNEUMATIC_WEBHOOK_ALLOW_PRIVATE=true",
		"PNEUMATIC_DB_MAX_CONNS=10",
		"PNEUMATIC_LOG_LEVEL=warn",
		// A correctness test, not a rate limit test: each server's per-key
		// buckets would throttle the polling workers.
		"PNEUMATIC_RATE_LIMIT=0",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	// If this test process dies (a hard timeout), the server goes too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s.cmd = cmd
	go func() { s.done <- cmd.Wait(); logf.Close() }()
	if pids := os.Getenv("PNEUMATIC_CLUSTER_PIDFILE"); pids != "" {
		if f, err := os.OpenFile(pids, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640); err == nil {
			fmt.Fprintln(f, cmd.Process.Pid)
			f.Close()
		}
	}
	if err := s.waitReady(ctx); err != nil {
		s.stop() //nolint:errcheck
		return nil, fmt.Errorf("%w\n%s", err, tail(s.log))
	}
	return s, nil
}

func (s *server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("exited before it was ready: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
	}
	return errors.New("not ready within 30 s")
}

// stop sends SIGTERM and expects a clean exit (status 0) within 15 s.
func (s *server) stop() error {
	select {
	case err := <-s.done:
		s.done <- err
		return fmt.Errorf("had exited already: %v\n%s", err, tail(s.log))
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			return fmt.Errorf("exit after SIGTERM: %v\n%s", err, tail(s.log))
		}
		return nil
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		return fmt.Errorf("did not exit within 15 s of SIGTERM")
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}
