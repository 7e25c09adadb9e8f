package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
)

// countsEnv is a database opened through the store and, beside it, a plain
// connection for the exact COUNT(*) queries the counters replace and for
// rewinding migration 0007. Like storetest: SQLite in a temp dir, or a
// PostgreSQL schema of its own when PNEUMATIC_TEST_DATABASE_URL is set.
type countsEnv struct {
	t    *testing.T
	opts store.Options
	raw  *sql.DB
	pg   bool
}

func newCountsEnv(t *testing.T) *countsEnv {
	t.Helper()
	ctx := context.Background()
	e := &countsEnv{t: t}
	if base := os.Getenv(storetest.EnvURL); base != "" {
		e.pg = true
		schema := fmt.Sprintf("t_%d", rand.Int64())
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			admin.Close()
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		e.opts = store.Options{DatabaseURL: u.String(), MaxOpenConns: 10}
		if e.raw, err = sql.Open("pgx", u.String()); err != nil {
			t.Fatal(err)
		}
	} else {
		dir := t.TempDir()
		e.opts = store.Options{DataDir: dir, SQLiteSynchronous: "NORMAL"}
		var err error
		if e.raw, err = sql.Open("sqlite", "file:"+filepath.Join(dir, "pneumatic.db")+"?_pragma=busy_timeout(10000)"); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { e.raw.Close() })
	return e
}

// open opens and migrates the store (closed at the end of the test).
func (e *countsEnv) open() *store.DB {
	e.t.Helper()
	db, err := store.Open(context.Background(), e.opts)
	if err != nil {
		e.t.Fatal(err)
	}
	var once sync.Once
	e.t.Cleanup(func() { once.Do(func() { db.Close() }) })
	if err := db.Migrate(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	return db
}

func (e *countsEnv) exec(query string) {
	e.t.Helper()
	if _, err := e.raw.ExecContext(context.Background(), query); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
}

func (e *countsEnv) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.raw.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// world is what the random operations act on.
type world struct {
	t         *testing.T
	ctx       context.Context
	e         *countsEnv
	db        *store.DB
	svc       *app.Service
	clock     time.Time
	accounts  []*tenant
	workflows []wfRef
}

type tenant struct {
	owner     *app.Actor
	users     []*app.Actor // owner first
	templates []int64
}

type wfRef struct {
	tn *tenant
	id int64
}

var statusSets = [][]int{nil, {engine.StatusRunning}, {engine.StatusDone}, {engine.StatusDelayed},
	{engine.StatusRunning, engine.StatusDelayed}, {engine.StatusRunning, engine.StatusDone, engine.StatusDelayed}, {2}}

// check compares every count the counters serve with the COUNT(*) of the
// query it replaced: each account × template (or none) × status set, each
// user × inbox/completed × template (or none); and every inbox, read from
// the performer rows alone, with the same page joined to its tasks and
// workflows.
func (w *world) check(step string) {
	w.t.Helper()
	w.checkInboxRows(step)
	w.checkStoredRows(step)
	for ai, tn := range w.accounts {
		acct := tn.owner.AccountID()
		for _, tpl := range append([]int64{0}, tn.templates...) {
			for _, st := range statusSets {
				where := []string{"w.account_id = $1", "w.deleted_at IS NULL"}
				args := []any{acct}
				if len(st) > 0 {
					ph := make([]string, len(st))
					for i, s := range st {
						args = append(args, s)
						ph[i] = "$" + strconv.Itoa(len(args))
					}
					where = append(where, "w.status IN ("+strings.Join(ph, ",")+")")
				}
				if tpl != 0 {
					args = append(args, tpl)
					where = append(where, "w.template_id = $"+strconv.Itoa(len(args)))
				}
				want := w.e.count(`SELECT COUNT(*) FROM workflows w WHERE `+strings.Join(where, " AND "), args...)
				_, got, err := w.db.Read().ListWorkflowIDs(w.ctx, acct, store.WorkflowFilter{Statuses: st, TemplateID: tpl, Limit: 1})
				if err != nil {
					w.t.Fatal(err)
				}
				if got != want {
					w.t.Fatalf("%s: account %d template %d statuses %v: workflow count %d, COUNT(*) %d", step, ai, tpl, st, got, want)
				}
			}
		}
		for _, u := range tn.users {
			for _, tpl := range append([]int64{0}, tn.templates...) {
				for _, completed := range []bool{false, true} {
					q := `SELECT COUNT(*) FROM task_performers p WHERE p.user_id = $1 AND p.inbox = TRUE`
					if completed {
						q = `SELECT COUNT(*) FROM task_performers p JOIN tasks t ON t.id = p.task_id JOIN workflows w ON w.id = p.workflow_id
							WHERE p.user_id = $1 AND p.is_completed = TRUE AND w.deleted_at IS NULL`
					}
					args := []any{u.User.ID}
					if tpl != 0 {
						q += " AND p.template_id = $2"
						args = append(args, tpl)
					}
					want := w.e.count(q, args...)
					_, got, err := w.db.Read().ListTasks(w.ctx, acct, store.TaskFilter{UserID: u.User.ID, Completed: completed, TemplateID: tpl, Limit: 1})
					if err != nil {
						w.t.Fatal(err)
					}
					if got != want {
						w.t.Fatalf("%s: user %d template %d completed=%v: task count %d, COUNT(*) %d", step, u.User.ID, tpl, completed, got, want)
					}
					// A page past the end has no rows to carry the count.
					page, got, err := w.db.Read().ListTasks(w.ctx, acct, store.TaskFilter{UserID: u.User.ID, Completed: completed, TemplateID: tpl, Limit: 1, Offset: want})
					if err != nil {
						w.t.Fatal(err)
					}
					if got != want || len(page) != 0 {
						w.t.Fatalf("%s: user %d template %d completed=%v, past the end: task count %d with %d rows, COUNT(*) %d", step, u.User.ID, tpl, completed, got, len(page), want)
					}
				}
			}
		}
	}
}

// checkInboxRows: each user's inbox, in every order, equals the page the
// join of its tasks and workflows answers (the performer rows' copies of
// the task's and workflow's columns are current).
func (w *world) checkInboxRows(step string) {
	w.t.Helper()
	orders := map[string]string{"": "p.is_urgent DESC, p.date_started DESC, p.task_id DESC",
		"date": "p.date_started ASC, p.task_id ASC", "-date": "p.date_started DESC, p.task_id DESC",
		"overdue": "CASE WHEN t.due_date IS NULL THEN 1 ELSE 0 END, t.due_date ASC, p.task_id ASC"}
	for _, tn := range w.accounts {
		for _, u := range tn.users {
			for o, order := range orders {
				got, _, err := w.db.Read().ListTasks(w.ctx, tn.owner.AccountID(), store.TaskFilter{UserID: u.User.ID, Order: o, Limit: 1000})
				if err != nil {
					w.t.Fatal(err)
				}
				rows, err := w.e.raw.QueryContext(w.ctx, `SELECT t.id, t.name, w.name, w.id, t.due_date, t.date_started, w.template_id,
					t.template_task_id, t.is_urgent, t.status FROM task_performers p JOIN tasks t ON t.id = p.task_id
					JOIN workflows w ON w.id = p.workflow_id WHERE p.user_id = $1 AND p.inbox = TRUE ORDER BY `+order, u.User.ID)
				if err != nil {
					w.t.Fatal(err)
				}
				var want []store.TaskListItem
				for rows.Next() {
					var it store.TaskListItem
					var due, started sql.NullInt64
					if err := rows.Scan(&it.ID, &it.Name, &it.WorkflowName, &it.WorkflowID, &due, &started, &it.TemplateID,
						&it.TemplateTaskID, &it.IsUrgent, &it.Status); err != nil {
						w.t.Fatal(err)
					}
					it.DueDate, it.DateStarted = store.FromNullMicros(due), store.FromNullMicros(started)
					want = append(want, it)
				}
				if err := rows.Close(); err != nil {
					w.t.Fatal(err)
				}
				if len(got) != len(want) {
					w.t.Fatalf("%s: user %d order %q: inbox of %d rows, the join has %d", step, u.User.ID, o, len(got), len(want))
				}
				for i := range got {
					g, x := got[i], want[i]
					if g.ID != x.ID || g.Name != x.Name || g.WorkflowName != x.WorkflowName || g.WorkflowID != x.WorkflowID ||
						!sameTime(g.DueDate, x.DueDate) || !sameTime(g.DateStarted, x.DateStarted) || g.TemplateID != x.TemplateID ||
						g.TemplateTaskID != x.TemplateTaskID || g.IsUrgent != x.IsUrgent || g.Status != x.Status {
						w.t.Fatalf("%s: user %d order %q row %d: inbox %+v, the join %+v", step, u.User.ID, o, i, g, x)
					}
				}
			}
		}
	}
}

// checkStoredRows: every performer row as loaded is the row a save would
// write, so a save that changes nothing rewrites no performer row.
func (w *world) checkStoredRows(step string) {
	w.t.Helper()
	for _, ref := range w.workflows {
		wf, err := w.db.Read().LoadWorkflow(w.ctx, ref.tn.owner.AccountID(), ref.id, false, "http://test")
		if err != nil {
			if strings.Contains(err.Error(), "ot found") {
				continue // deleted outright by the test
			}
			w.t.Fatalf("%s: load workflow %d: %v", step, ref.id, err)
		}
		for _, t := range wf.Tasks {
			for i := range t.Performers {
				p := &t.Performers[i]
				if want := store.PerformerRowOf(wf, t, p); want != p.Row {
					w.t.Fatalf("%s: workflow %d task %d user %d: stored %+v, a save would write %+v", step, wf.ID, t.ID, p.UserID, p.Row, want)
				}
			}
		}
	}
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

func newWorld(t *testing.T, e *countsEnv, db *store.DB) *world {
	w := &world{t: t, ctx: context.Background(), e: e, db: db, clock: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	w.svc = app.New(db, app.Config{PublicURL: "http://test"}, func() time.Time { return w.clock }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for a := range 2 {
		key, err := w.svc.CreateAccount(w.ctx, fmt.Sprintf("Acme %d", a), fmt.Sprintf("owner%d@example.com", a), "Olive", "Owner")
		if err != nil {
			t.Fatal(err)
		}
		owner, err := w.svc.Authenticate(w.ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		tn := &tenant{owner: owner, users: []*app.Actor{owner}}
		for i := range 3 {
			email, first, last := fmt.Sprintf("u%d.%d@example.com", a, i), "User", strconv.Itoa(i)
			u, err := w.svc.CreateUser(w.ctx, owner, app.UserInput{Email: &email, FirstName: &first, LastName: &last})
			if err != nil {
				t.Fatal(err)
			}
			tn.users = append(tn.users, &app.Actor{User: u})
		}
		perf := func(us ...*app.Actor) []any {
			var out []any
			for _, u := range us {
				out = append(out, map[string]any{"type": "user", "source_id": strconv.FormatInt(u.User.ID, 10)})
			}
			return out
		}
		u := tn.users
		bodies := []map[string]any{
			{"name": "Three steps", "is_active": true, "finalizable": true, "tasks": []any{
				map[string]any{"number": 1, "name": "One", "raw_performers": perf(u[1], u[2])},
				map[string]any{"number": 2, "api_name": "two", "name": "Two", "raw_performers": perf(u[0], u[2]), "require_completion_by_all": true,
					"raw_due_date": map[string]any{"duration": "01:00:00", "rule": "after task started", "source_id": "two"}},
				map[string]any{"number": 3, "name": "Three", "raw_performers": perf(u[3])},
			}},
			{"name": "Delayed", "is_active": true, "tasks": []any{
				map[string]any{"number": 1, "name": "Start", "raw_performers": []any{map[string]any{"type": "workflow_starter"}}},
				map[string]any{"number": 2, "name": "Later", "delay": "01:00:00", "raw_performers": perf(u[1], u[3])},
			}},
			{"name": "All hands", "is_active": true, "finalizable": true, "tasks": []any{
				map[string]any{"number": 1, "name": "Everyone", "raw_performers": perf(u[1], u[2], u[3]), "require_completion_by_all": true},
			}},
		}
		for _, b := range bodies {
			tv, err := w.svc.CreateTemplate(w.ctx, owner, b)
			if err != nil {
				t.Fatal(err)
			}
			tn.templates = append(tn.templates, tv.Row.ID)
		}
		w.accounts = append(w.accounts, tn)
	}
	return w
}

// step runs one random operation; operations the engine refuses (a task
// that is not current, a workflow that is done or terminated) are part of
// the game and change nothing.
func (w *world) step(r *rand.Rand) string {
	tn := w.accounts[r.IntN(len(w.accounts))]
	w.clock = w.clock.Add(time.Minute)
	var ref wfRef
	var wf *engine.Workflow
	var mine []wfRef
	for _, x := range w.workflows {
		if x.tn == tn {
			mine = append(mine, x)
		}
	}
	if len(mine) > 0 {
		ref = mine[r.IntN(len(mine))]
		v, err := w.svc.Workflow(w.ctx, tn.owner, ref.id)
		if err != nil {
			w.t.Fatalf("load workflow %d: %v", ref.id, err)
		}
		wf = v.WF
	}
	op := r.IntN(16)
	if wf == nil || op < 2 {
		tpl := tn.templates[r.IntN(len(tn.templates))]
		starter := tn.users[r.IntN(len(tn.users))]
		v, err := w.svc.Run(w.ctx, starter, tpl, app.RunInput{Name: "Run", IsUrgent: r.IntN(4) == 0})
		if err != nil {
			v, err = w.svc.Run(w.ctx, tn.owner, tpl, app.RunInput{Name: "Run"})
		}
		if err != nil {
			w.t.Fatalf("run: %v", err)
		}
		w.workflows = append(w.workflows, wfRef{tn, v.WF.ID})
		return fmt.Sprintf("run template %d → workflow %d", tpl, v.WF.ID)
	}
	var err error
	name := ""
	switch op {
	case 2, 3, 4, 5, 6, 7, 8, 9: // complete the current task as one of its performers (or the owner)
		cur := wf.Current()
		if cur == nil {
			return "complete: nothing current"
		}
		actor := tn.owner
		var open []int64
		for _, p := range cur.Performers {
			if !p.IsCompleted {
				open = append(open, p.UserID)
			}
		}
		if len(open) > 0 && r.IntN(5) > 0 {
			uid := open[r.IntN(len(open))]
			for _, u := range tn.users {
				if u.User.ID == uid {
					actor = u
				}
			}
		}
		_, err = w.svc.CompleteTask(w.ctx, actor, wf.ID, engine.CompleteInput{TaskID: cur.ID})
		name = fmt.Sprintf("complete task %d of workflow %d by %d", cur.ID, wf.ID, actor.User.ID)
	case 10:
		err = w.svc.RevertTask(w.ctx, tn.owner, wf.ID, "back")
		name = fmt.Sprintf("revert workflow %d", wf.ID)
	case 11:
		err = w.svc.ReturnTo(w.ctx, tn.owner, wf.ID, wf.TaskByNumber(1).ID, "")
		name = fmt.Sprintf("return workflow %d to task 1", wf.ID)
	case 12:
		if wf.Status == engine.StatusDelayed {
			if r.IntN(2) == 0 {
				_, err = w.svc.ResumeWorkflow(w.ctx, tn.owner, wf.ID)
				name = fmt.Sprintf("resume workflow %d", wf.ID)
			} else {
				w.clock = w.clock.Add(2 * time.Hour)
				raw, _ := json.Marshal(map[string]int64{"account_id": tn.owner.AccountID(), "workflow_id": wf.ID})
				err = w.svc.HandleResume(w.ctx, raw, 1)
				name = fmt.Sprintf("wake workflow %d", wf.ID)
			}
		} else {
			_, err = w.svc.SnoozeWorkflow(w.ctx, tn.owner, wf.ID, w.clock.Add(time.Hour))
			name = fmt.Sprintf("snooze workflow %d", wf.ID)
		}
	case 13:
		err = w.svc.FinishWorkflow(w.ctx, tn.owner, wf.ID)
		name = fmt.Sprintf("finish workflow %d", wf.ID)
	case 14:
		if err = w.svc.DeleteWorkflow(w.ctx, tn.owner, wf.ID); err == nil {
			for i, x := range w.workflows {
				if x.id == wf.ID {
					w.workflows = append(w.workflows[:i], w.workflows[i+1:]...)
					break
				}
			}
		}
		name = fmt.Sprintf("terminate workflow %d", wf.ID)
	case 15:
		if r.IntN(2) == 0 {
			urgent := !wf.IsUrgent
			_, err = w.svc.PatchWorkflow(w.ctx, tn.owner, wf.ID, nil, &urgent, nil, false)
			name = fmt.Sprintf("urgent=%v workflow %d", urgent, wf.ID)
		} else {
			rename := fmt.Sprintf("Run %d", r.IntN(1000))
			_, err = w.svc.PatchWorkflow(w.ctx, tn.owner, wf.ID, &rename, nil, nil, false)
			name = fmt.Sprintf("rename workflow %d", wf.ID)
		}
	}
	if err != nil {
		name += " (refused: " + err.Error() + ")"
	}
	return name
}

// TestListCountsFollowOperations drives random real operations and after
// each compares every counter-served count with the exact COUNT(*).
func TestListCountsFollowOperations(t *testing.T) {
	e := newCountsEnv(t)
	w := newWorld(t, e, e.open())
	steps := 250
	if testing.Short() {
		steps = 60
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 7))
	w.check("start")
	ops := map[string]int{}
	defer func() { t.Logf("operations: %v", ops) }()
	for i := range steps {
		what := w.step(r)
		kind, _, _ := strings.Cut(strings.TrimSuffix(what, ":"), " ")
		if strings.Contains(what, "(refused") {
			kind += " (refused)"
		}
		ops[kind]++
		w.check(fmt.Sprintf("step %d (%s)", i, what))
		if i == steps*2/3 {
			// A deactivated user's active tasks go on without them: their
			// performer rows are deleted.
			tn := w.accounts[0]
			if err := w.svc.DeactivateUser(w.ctx, tn.owner, tn.users[2].User.ID); err != nil {
				t.Fatal(err)
			}
			w.check("deactivate user")
		}
	}
	// Deleting rows outright (no code path does, but the triggers keep
	// the counts right): a performer, then a whole workflow.
	e.exec(`DELETE FROM task_performers WHERE task_id = (SELECT MIN(task_id) FROM task_performers WHERE is_completed = TRUE)`)
	w.check("delete a completed performer row")
	e.exec(`DELETE FROM task_performers WHERE task_id = (SELECT MIN(task_id) FROM task_performers WHERE inbox = TRUE)`)
	w.check("delete an inbox performer row")
	var victim int64
	if err := e.raw.QueryRow(`SELECT MIN(w.id) FROM workflows w WHERE w.deleted_at IS NULL
		AND EXISTS (SELECT 1 FROM task_performers p WHERE p.workflow_id = w.id AND p.is_completed = TRUE)`).Scan(&victim); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range []string{"task_performers", "checklist_items", "fields", "events"} {
		e.exec(fmt.Sprintf(`DELETE FROM %s WHERE workflow_id = %d`, tbl, victim))
	}
	e.exec(fmt.Sprintf(`DELETE FROM tasks WHERE workflow_id = %d`, victim))
	e.exec(fmt.Sprintf(`DELETE FROM workflows WHERE id = %d`, victim))
	w.check("delete a workflow")
	// A workflow row deleted before its performer rows, and an undeleted
	// (deleted_at cleared) one.
	var done int64
	if err := e.raw.QueryRow(`SELECT MIN(w.id) FROM workflows w WHERE w.deleted_at IS NOT NULL
		AND EXISTS (SELECT 1 FROM task_performers p WHERE p.workflow_id = w.id AND p.is_completed = TRUE)`).Scan(&done); err == nil && done != 0 {
		e.exec(fmt.Sprintf(`UPDATE workflows SET deleted_at = NULL WHERE id = %d`, done))
		w.check("undelete a workflow")
	}
}

// TestListCountsBackfill: a database with rows, migrated to 0007 (here:
// 0007 rewound and applied again), answers the same counts.
func TestListCountsBackfill(t *testing.T) {
	e := newCountsEnv(t)
	db := e.open()
	w := newWorld(t, e, db)
	r := rand.New(rand.NewPCG(1, 2))
	for range 80 {
		w.step(r)
	}
	w.check("before the rewind")
	db.Close()

	// Rewind migration 0007: no counters, no triggers.
	if e.pg {
		e.exec(`DROP FUNCTION workflow_counts_trigger() CASCADE`)
		e.exec(`DROP FUNCTION task_counts_trigger() CASCADE`)
		e.exec(`DROP FUNCTION task_counts_of_workflow(bigint, integer)`)
		e.exec(`DROP FUNCTION counter_shard()`)
	} else {
		for _, tr := range []string{"workflow_counts_insert", "workflow_counts_delete", "workflow_counts_update",
			"task_counts_insert", "task_counts_delete", "task_counts_update"} {
			e.exec(`DROP TRIGGER ` + tr)
		}
	}
	e.exec(`DROP TABLE workflow_counts`)
	e.exec(`DROP TABLE task_counts`)
	e.exec(`DELETE FROM schema_migrations WHERE version = '0007_list_counters'`)

	w.db = e.open()
	w.svc = app.New(w.db, app.Config{PublicURL: "http://test"}, func() time.Time { return w.clock }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if n := e.count(`SELECT COUNT(*) FROM workflow_counts WHERE n <> 0`); n == 0 {
		t.Fatal("the backfill wrote no workflow counts")
	}
	w.check("after the backfill")
	// And the triggers run on from there.
	for i := range 30 {
		w.check(fmt.Sprintf("step %d (%s)", i, w.step(r)))
	}
}

// TestInboxRowsBackfill: a database with rows, migrated to 0012 (here:
// 0012 rewound and applied again), has performer rows whose copies match.
func TestInboxRowsBackfill(t *testing.T) {
	e := newCountsEnv(t)
	db := e.open()
	w := newWorld(t, e, db)
	r := rand.New(rand.NewPCG(3, 4))
	for range 80 {
		w.step(r)
	}
	db.Close()
	if e.pg {
		e.exec(`DROP FUNCTION task_performers_copies() CASCADE`)
	} else {
		e.exec(`DROP TRIGGER task_performers_copies`)
	}
	for _, c := range []string{"task_name", "workflow_name", "due_date", "template_task_id"} {
		e.exec(`ALTER TABLE task_performers DROP COLUMN ` + c)
	}
	e.exec(`DELETE FROM schema_migrations WHERE version = '0012_inbox_rows'`)
	w.db = e.open()
	w.svc = app.New(w.db, app.Config{PublicURL: "http://test"}, func() time.Time { return w.clock }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if n := e.count(`SELECT COUNT(*) FROM task_performers WHERE inbox = TRUE AND task_name <> ''`); n == 0 {
		t.Fatal("no inbox row to check after the backfill")
	}
	w.checkInboxRows("after the backfill")
	for i := range 30 {
		w.checkInboxRows(fmt.Sprintf("step %d (%s)", i, w.step(r)))
	}
}

// TestInboxRowsOfAnOlderServer: a performer row inserted as a server of
// the version before 0012 does (without the copies) gets them from the
// database, so the inbox shows it whole while servers are replaced.
func TestInboxRowsOfAnOlderServer(t *testing.T) {
	e := newCountsEnv(t)
	w := newWorld(t, e, e.open())
	r := rand.New(rand.NewPCG(5, 6))
	for range 40 {
		w.step(r)
	}
	n := e.count(`SELECT COUNT(*) FROM task_performers WHERE inbox = TRUE`)
	if n == 0 {
		t.Fatal("no inbox row")
	}
	e.exec(`CREATE TABLE old_rows AS SELECT task_id, user_id, workflow_id, account_id, group_id, is_completed, date_completed,
		inbox, is_urgent, date_started, template_id FROM task_performers WHERE inbox = TRUE`)
	e.exec(`DELETE FROM task_performers WHERE inbox = TRUE`)
	e.exec(`INSERT INTO task_performers (task_id, user_id, workflow_id, account_id, group_id, is_completed, date_completed,
		inbox, is_urgent, date_started, template_id) SELECT task_id, user_id, workflow_id, account_id, group_id, is_completed,
		date_completed, inbox, is_urgent, date_started, template_id FROM old_rows`)
	if got := e.count(`SELECT COUNT(*) FROM task_performers WHERE inbox = TRUE AND template_task_id <> 0 AND task_name <> ''`); got != n {
		t.Fatalf("%d of %d rows inserted without copies got them", got, n)
	}
	w.check("after an older server's inserts")
}

// TestListCountsConcurrentWriters: writers at once (on PostgreSQL, each
// transaction on a counter shard of its own) leave exact counts.
func TestListCountsConcurrentWriters(t *testing.T) {
	e := newCountsEnv(t)
	w := newWorld(t, e, e.open())
	tn := w.accounts[0]
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 6 {
				tpl := tn.templates[(g+i)%len(tn.templates)]
				v, err := w.svc.Run(w.ctx, tn.owner, tpl, app.RunInput{Name: "Busy"})
				if err != nil {
					errs <- err
					return
				}
				if cur := v.WF.Current(); cur != nil {
					if _, err := w.svc.CompleteTask(w.ctx, tn.owner, v.WF.ID, engine.CompleteInput{TaskID: cur.ID}); err != nil {
						errs <- err
						return
					}
				}
				if i == 5 {
					if err := w.svc.DeleteWorkflow(w.ctx, tn.owner, v.WF.ID); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	w.check("after concurrent writers")
}

// TestLoadWithoutTaskRows: a workflow with no task row still loads (read
// and for a change, pipelined on PostgreSQL), with its fields, and a
// missing one is not found.
func TestLoadWithoutTaskRows(t *testing.T) {
	e := newCountsEnv(t)
	w := newWorld(t, e, e.open())
	tn := w.accounts[0]
	v, err := w.svc.Run(w.ctx, tn.owner, tn.templates[0], app.RunInput{Name: "Bare"})
	if err != nil {
		t.Fatal(err)
	}
	id := v.WF.ID
	nFields := len(v.WF.Fields)
	for _, tbl := range []string{"task_performers", "checklist_items", "events"} {
		e.exec(fmt.Sprintf(`DELETE FROM %s WHERE workflow_id = %d`, tbl, id))
	}
	e.exec(fmt.Sprintf(`DELETE FROM fields WHERE workflow_id = %d AND task_id IS NOT NULL`, id))
	e.exec(fmt.Sprintf(`DELETE FROM tasks WHERE workflow_id = %d`, id))
	got, err := w.svc.Workflow(w.ctx, tn.owner, id)
	if err != nil {
		t.Fatalf("read a workflow without tasks: %v", err)
	}
	kick := 0
	for _, f := range v.WF.Fields {
		if f.TaskID == 0 {
			kick++
		}
	}
	if got.WF.ID != id || got.WF.Name != "Bare" || len(got.WF.Tasks) != 0 || len(got.WF.Fields) != kick {
		t.Fatalf("loaded %d %q with %d tasks and %d fields (of %d, %d kickoff)", got.WF.ID, got.WF.Name, len(got.WF.Tasks), len(got.WF.Fields), nFields, kick)
	}
	name := "Renamed"
	if p, err := w.svc.PatchWorkflow(w.ctx, tn.owner, id, &name, nil, nil, false); err != nil || p.WF.Name != name {
		t.Fatalf("change a workflow without tasks: %v", err)
	}
	if got, err := w.svc.Workflow(w.ctx, tn.owner, id); err != nil || got.WF.Name != name {
		t.Fatalf("after the change: %v", err)
	}
	for _, missing := range []int64{id + 1000, w.workflowOfOther(tn)} {
		if _, err := w.svc.Workflow(w.ctx, tn.owner, missing); err == nil || !strings.Contains(err.Error(), "ot found") {
			t.Fatalf("read workflow %d: %v, want not found", missing, err)
		}
		if _, err := w.svc.PatchWorkflow(w.ctx, tn.owner, missing, &name, nil, nil, false); err == nil || !strings.Contains(err.Error(), "ot found") {
			t.Fatalf("change workflow %d: %v, want not found", missing, err)
		}
	}
}

// workflowOfOther runs a workflow in an account other than tn's.
func (w *world) workflowOfOther(tn *tenant) int64 {
	for _, o := range w.accounts {
		if o != tn {
			v, err := w.svc.Run(w.ctx, o.owner, o.templates[0], app.RunInput{Name: "Theirs"})
			if err != nil {
				w.t.Fatal(err)
			}
			return v.WF.ID
		}
	}
	w.t.Fatal("one account only")
	return 0
}
