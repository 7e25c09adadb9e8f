package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// The floor: the rows a run and a completion write, written by a minimal
// program (no HTTP, no authentication, no engine, no template decoding, no
// JSON) on the same database, at the same concurrency. The server's
// throughput divided by it is the share of the machine the server turns
// into work; the rest is its overhead.
//
// A run writes what the server's run writes for the load template: the
// workflow, its 5 tasks (task 1 active), 10 fields (5 kickoff values, 5
// empty outputs), task 1's performer and 2 events (19 rows). A completion
// reads the workflow (locking it on PostgreSQL, like the server) and its
// tasks, completes the current task (task, performer(s), output field),
// starts the next one (task, performer(s)) or ends the workflow, and adds 2
// events. On SQLite one goroutine commits what the workers hand it, up to 64
// at a time (group commit, as the server); statements are prepared once. On
// PostgreSQL each worker has its own connection and transaction.

// FloorResult is one floor, over one or more timed runs.
type FloorResult struct {
	Op      string    `json:"op"`
	Runs    []float64 `json:"runs_per_second"`
	Min     float64   `json:"min"`
	Median  float64   `json:"median"`
	Max     float64   `json:"max"`
	P50Ms   float64   `json:"p50_ms"` // of the median run
	P99Ms   float64   `json:"p99_ms"`
	Seconds float64   `json:"seconds_each"`
	Errors  int64     `json:"errors"`
	Error   string    `json:"error,omitempty"`
}

const (
	fqWorkflow = `INSERT INTO workflows (account_id, template_id, template_version_id, template_name, name, description,
		kickoff_description, status, starter_id, is_external, is_urgent, finalizable, due_date, snoozed_until, tasks_count,
		date_created, date_completed) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`
	fqTask = `INSERT INTO tasks (account_id, workflow_id, template_task_id, number, api_name, name, description, status,
		require_completion_by_all, is_urgent, date_started, date_first_started, date_completed, due_date, delay_seconds,
		delay_start, delay_end, delay_estimated_end) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
		$16, $17, $18) RETURNING id`
	fqField = `INSERT INTO fields (account_id, workflow_id, task_id, api_name, type, name, description, is_required, ord, value,
		user_id, selections) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`
	fqPerformer = `INSERT INTO task_performers (task_id, user_id, workflow_id, account_id, group_id, is_completed,
		date_completed, inbox, is_urgent, date_started, template_id, due_date, template_task_id, task_name, workflow_name)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`
	fqEvent = `INSERT INTO events (account_id, workflow_id, type, text, user_id, task_id, task_name, task_number, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	fqLockWorkflow = `SELECT status FROM workflows WHERE id = $1 AND account_id = $2 AND deleted_at IS NULL`
	// PostgreSQL locks the row, as the server's LoadWorkflow does for a change.
	fqLockWorkflowPG = fqLockWorkflow + ` FOR UPDATE`
	fqTasks          = `SELECT id, number, status FROM tasks WHERE workflow_id = $1 ORDER BY number, id`
	fqTaskDone       = `UPDATE tasks SET name = $1, description = $2, status = $3, is_urgent = $4, date_started = $5,
		date_first_started = $6, date_completed = $7, due_date = $8, delay_start = $9, delay_end = $10,
		delay_estimated_end = $11 WHERE id = $12`
	fqPerformerDone = `UPDATE task_performers SET is_completed = $1, date_completed = $2, inbox = $3, is_urgent = $4,
		date_started = $5, group_id = $6, due_date = $7, task_name = $8, workflow_name = $9 WHERE task_id = $10 AND user_id = $11`
	fqFieldValue   = `UPDATE fields SET value = $1, user_id = $2, selections = $3 WHERE id = $4`
	fqWorkflowDone = `UPDATE workflows SET name = $1, status = $2, is_urgent = $3, due_date = $4, snoozed_until = $5,
		date_completed = $6 WHERE id = $7`
)

var floorStatements = []string{fqWorkflow, fqTask, fqField, fqPerformer, fqEvent, fqLockWorkflow, fqTasks, fqTaskDone,
	fqPerformerDone, fqFieldValue, fqWorkflowDone}

// floorDB runs floor transactions: through one group-committing goroutine
// on SQLite, on a pool on PostgreSQL.
type floorDB struct {
	db     *sql.DB
	sqlite bool
	stmts  map[string]*sql.Stmt
	reqs   chan *floorReq
	quit   chan struct{}
	wg     sync.WaitGroup
}

type floorReq struct {
	fn   func(*floorTx) error
	err  error
	done chan struct{}
}

type floorTx struct {
	ctx context.Context
	tx  *sql.Tx
	f   *floorDB
}

func (x *floorTx) stmt(q string) *sql.Stmt { return x.tx.StmtContext(x.ctx, x.f.stmts[q]) }

func (x *floorTx) exec(q string, args ...any) error {
	var err error
	if x.f.sqlite {
		_, err = x.stmt(q).ExecContext(x.ctx, args...)
	} else {
		_, err = x.tx.ExecContext(x.ctx, q, args...)
	}
	return err
}

func (x *floorTx) queryRow(q string, args ...any) *sql.Row {
	if x.f.sqlite {
		return x.stmt(q).QueryRowContext(x.ctx, args...)
	}
	return x.tx.QueryRowContext(x.ctx, q, args...)
}

func (x *floorTx) query(q string, args ...any) (*sql.Rows, error) {
	if x.f.sqlite {
		return x.stmt(q).QueryContext(x.ctx, args...)
	}
	return x.tx.QueryContext(x.ctx, q, args...)
}

func openFloorDB(ctx context.Context, t *target, conc int) (*floorDB, error) {
	f := &floorDB{stmts: map[string]*sql.Stmt{}}
	var err error
	if t.database == "sqlite" {
		path := filepath.Join(t.dataDir, "pneumatic.db")
		// The server's writer connection, pragma for pragma (store.openSQLite).
		dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)" +
			"&_pragma=synchronous(" + t.sync + ")&_txlock=immediate"
		if f.db, err = sql.Open("sqlite", dsn); err != nil {
			return nil, err
		}
		f.db.SetMaxOpenConns(1)
		f.db.SetMaxIdleConns(1)
		f.sqlite = true
		for _, q := range floorStatements {
			st, err := f.db.PrepareContext(ctx, q)
			if err != nil {
				f.db.Close()
				return nil, fmt.Errorf("prepare: %w", err)
			}
			f.stmts[q] = st
		}
		f.reqs, f.quit = make(chan *floorReq), make(chan struct{})
		f.wg.Add(1)
		go f.loop(ctx)
		return f, nil
	}
	if f.db, err = sql.Open("pgx", t.dbURL); err != nil {
		return nil, err
	}
	f.db.SetMaxOpenConns(conc)
	f.db.SetMaxIdleConns(conc)
	return f, f.db.PingContext(ctx)
}

func (f *floorDB) close() {
	if f.quit != nil {
		close(f.quit)
		f.wg.Wait()
	}
	for _, st := range f.stmts {
		st.Close()
	}
	f.db.Close()
}

// loop is the SQLite group commit: the first waiting transaction, plus
// whatever arrived meanwhile, up to 64, in one commit.
func (f *floorDB) loop(ctx context.Context) {
	defer f.wg.Done()
	for {
		var first *floorReq
		select {
		case first = <-f.reqs:
		case <-f.quit:
			return
		}
		batch := []*floorReq{first}
		tx, err := f.db.BeginTx(ctx, nil)
		if err == nil {
			x := &floorTx{ctx: ctx, tx: tx, f: f}
			err = first.fn(x)
			for err == nil && len(batch) < 64 {
				var r *floorReq
				select {
				case r = <-f.reqs:
				default:
				}
				if r == nil {
					break
				}
				batch = append(batch, r)
				err = r.fn(x)
			}
			if err == nil {
				err = tx.Commit()
			} else {
				_ = tx.Rollback()
			}
		}
		for _, r := range batch {
			r.err = err
			close(r.done)
		}
	}
}

func (f *floorDB) run(ctx context.Context, fn func(*floorTx) error) error {
	if f.sqlite {
		r := &floorReq{fn: fn, done: make(chan struct{})}
		select {
		case f.reqs <- r:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-r.done
		return r.err
	}
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(&floorTx{ctx: ctx, tx: tx, f: f}); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// floorModel is the load template flattened into the values the floor
// writes, computed once.
type floorModel struct {
	acct     *account
	tmpl     *template.Template
	variants []floorVariant
}

type floorVariant struct {
	name      string
	taskNames [tasksPerWorkflow]string
	kickoff   []floorField // values filled in
	outputs   []floorField // one per task, empty
	assignee  int64
}

type floorField struct {
	task                  int // 0 kickoff, else the task number
	api, typ, name, desc  string
	required              bool
	order                 int
	value                 string
	userID                any
	selections            any
	outValue, outSel      string // what the completion writes
	outSelValid, outIsNum bool
}

func selectionsJSON(sels []template.Selection, selected string) any {
	if len(sels) == 0 {
		return nil
	}
	out := make([]engine.Selection, len(sels))
	for i, s := range sels {
		out[i] = engine.Selection{ID: s.ID, APIName: s.APIName, Value: s.Value, IsSelected: s.APIName == selected}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func newFloorModel(a *account, tmpl *template.Template) (*floorModel, error) {
	if len(tmpl.Tasks) != tasksPerWorkflow {
		return nil, fmt.Errorf("the load template has %d tasks, want %d", len(tmpl.Tasks), tasksPerWorkflow)
	}
	m := &floorModel{acct: a, tmpl: tmpl}
	for i := range 64 {
		title, amount, priority, due, assignee := a.kickoffValues(i)
		v := floorVariant{name: tmpl.Name + " — " + time.Now().UTC().Format("2006-01-02 15:04"), assignee: assignee}
		for k, t := range tmpl.Tasks {
			v.taskNames[k] = t.Name + " " + title
		}
		for _, f := range tmpl.Kickoff.Fields {
			ff := floorField{api: f.APIName, typ: f.Type, name: f.Name, desc: f.Description, required: f.IsRequired, order: f.Order}
			switch f.APIName {
			case "title":
				ff.value = title
			case "amount":
				ff.value = amount
			case "priority":
				for _, s := range f.Selections {
					if s.APIName == priority {
						ff.value = s.Value
					}
				}
				ff.selections = selectionsJSON(f.Selections, priority)
			case "due":
				ff.value = due + "T00:00:00.000Z"
			case "assignee":
				ff.value, ff.userID = strconv.FormatInt(assignee, 10), assignee
			}
			v.kickoff = append(v.kickoff, ff)
		}
		for k, t := range tmpl.Tasks {
			if len(t.Fields) == 0 {
				return nil, fmt.Errorf("task %d of the load template has no output field", k+1)
			}
			f := t.Fields[0]
			ff := floorField{task: k + 1, api: f.APIName, typ: f.Type, name: f.Name, desc: f.Description, required: f.IsRequired,
				order: f.Order, selections: selectionsJSON(f.Selections, "")}
			var out map[string]any
			_ = json.Unmarshal([]byte(completeOutputs[k]), &out)
			for _, val := range out {
				ff.outValue = fmt.Sprint(val)
			}
			if len(f.Selections) > 0 {
				ff.outSel, ff.outSelValid = selectionsJSON(f.Selections, ff.outValue).(string), true
				for _, s := range f.Selections {
					if s.APIName == ff.outValue {
						ff.outValue = s.Value
					}
				}
			}
			v.outputs = append(v.outputs, ff)
		}
		m.variants = append(m.variants, v)
	}
	return m, nil
}

// floorWF is a workflow the floor started and may complete.
type floorWF struct {
	id       int64
	tasks    [tasksPerWorkflow]int64
	outputs  [tasksPerWorkflow]int64
	assignee int64
	variant  int
	next     int
}

func nullable(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// start writes one run's rows.
func (m *floorModel) start(x *floorTx, vi int, now int64) (*floorWF, error) {
	a, v := m.acct, &m.variants[vi]
	w := &floorWF{assignee: v.assignee, variant: vi}
	if err := x.queryRow(fqWorkflow, a.DBID, a.TemplateID, a.VersionID, m.tmpl.Name, v.name, m.tmpl.Description,
		m.tmpl.Kickoff.Description, engine.StatusRunning, a.OwnerID, false, false, m.tmpl.Finalizable, nil, nil,
		tasksPerWorkflow, now, nil).Scan(&w.id); err != nil {
		return nil, err
	}
	for k, t := range m.tmpl.Tasks {
		status, started := engine.TaskPending, any(nil)
		if k == 0 {
			status, started = engine.TaskActive, now
		}
		if err := x.queryRow(fqTask, a.DBID, w.id, t.ID, t.Number, t.APIName, v.taskNames[k], t.Description, status,
			t.RequireCompletionByAll, false, started, started, nil, nil, nil, nil, nil, nil).Scan(&w.tasks[k]); err != nil {
			return nil, err
		}
	}
	for _, f := range v.kickoff {
		var id int64
		if err := x.queryRow(fqField, a.DBID, w.id, nil, f.api, f.typ, f.name, f.desc, f.required, f.order, f.value,
			f.userID, f.selections).Scan(&id); err != nil {
			return nil, err
		}
	}
	for k, f := range v.outputs {
		if err := x.queryRow(fqField, a.DBID, w.id, w.tasks[k], f.api, f.typ, f.name, f.desc, f.required, f.order, "",
			nil, f.selections).Scan(&w.outputs[k]); err != nil {
			return nil, err
		}
	}
	if err := x.exec(fqPerformer, w.tasks[0], a.OwnerID, w.id, a.DBID, nil, false, nil, true, false, now, a.TemplateID,
		nil, m.tmpl.Tasks[0].ID, v.taskNames[0], v.name); err != nil {
		return nil, err
	}
	if err := x.exec(fqEvent, a.DBID, w.id, engine.EventRun, "", a.OwnerID, nil, nil, nil, now); err != nil {
		return nil, err
	}
	return w, x.exec(fqEvent, a.DBID, w.id, engine.EventTaskStarted, "", nil, w.tasks[0], v.taskNames[0], 1, now)
}

// performers of task k (0-based): the starter, and for task 3 the
// kickoff's user field too (as in the load template).
func (w *floorWF) performers(owner int64, k int) []int64 {
	if k == 2 && w.assignee != owner {
		return []int64{owner, w.assignee}
	}
	return []int64{owner}
}

// complete writes one completion's rows.
func (m *floorModel) complete(x *floorTx, w *floorWF, now int64) error {
	a, v := m.acct, &m.variants[w.variant]
	lock := fqLockWorkflowPG
	if x.f.sqlite {
		lock = fqLockWorkflow // one writer: nobody to lock out
	}
	var status int
	if err := x.queryRow(lock, w.id, a.DBID).Scan(&status); err != nil {
		return err
	}
	rows, err := x.query(fqTasks, w.id)
	if err != nil {
		return err
	}
	cur := -1
	for rows.Next() {
		var id int64
		var number int
		var st string
		if err := rows.Scan(&id, &number, &st); err != nil {
			rows.Close()
			return err
		}
		if st == engine.TaskActive {
			cur = number - 1
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if status != engine.StatusRunning || cur != w.next {
		return fmt.Errorf("floor: workflow %d is not at task %d", w.id, w.next+1)
	}
	k := cur
	t := m.tmpl.Tasks[k]
	if err := x.exec(fqTaskDone, v.taskNames[k], t.Description, engine.TaskCompleted, false, now, now, now, nil, nil, nil, nil,
		w.tasks[k]); err != nil {
		return err
	}
	for _, uid := range w.performers(a.OwnerID, k) {
		if err := x.exec(fqPerformerDone, true, now, false, false, now, nil, nil, v.taskNames[k], v.name, w.tasks[k], uid); err != nil {
			return err
		}
	}
	out := v.outputs[k]
	var sel any
	if out.outSelValid {
		sel = out.outSel
	}
	if err := x.exec(fqFieldValue, out.outValue, nil, sel, w.outputs[k]); err != nil {
		return err
	}
	if err := x.exec(fqEvent, a.DBID, w.id, engine.EventTaskCompleted, "", a.OwnerID, w.tasks[k], v.taskNames[k], k+1, now); err != nil {
		return err
	}
	if k == tasksPerWorkflow-1 {
		if err := x.exec(fqWorkflowDone, v.name, engine.StatusDone, false, nil, nil, now, w.id); err != nil {
			return err
		}
		return x.exec(fqEvent, a.DBID, w.id, engine.EventComplete, "", nil, nil, nil, nil, now)
	}
	n := k + 1
	nt := m.tmpl.Tasks[n]
	if err := x.exec(fqTaskDone, v.taskNames[n], nt.Description, engine.TaskActive, false, now, now, nil, nil, nil, nil, nil,
		w.tasks[n]); err != nil {
		return err
	}
	for _, uid := range w.performers(a.OwnerID, n) {
		if err := x.exec(fqPerformer, w.tasks[n], uid, w.id, a.DBID, nil, false, nil, true, false, now, a.TemplateID,
			nil, nt.ID, v.taskNames[n], v.name); err != nil {
			return err
		}
	}
	return x.exec(fqEvent, a.DBID, w.id, engine.EventTaskStarted, "", nil, w.tasks[n], v.taskNames[n], n+1, now)
}

// runFloors measures the start and the complete floors runs times each
// (on the server's database, with the server stopped) and keeps min,
// median and max.
func runFloors(ctx context.Context, t *target, a *account, conc int, d time.Duration, runs int) (map[string]*FloorResult, error) {
	sdb, err := store.Open(ctx, t.storeOptions())
	if err != nil {
		return nil, err
	}
	sas, err := resolveAccounts(ctx, sdb, []*account{a})
	sdb.Close()
	if err != nil {
		return nil, err
	}
	m, err := newFloorModel(a, sas[0].tmpl)
	if err != nil {
		return nil, err
	}
	f, err := openFloorDB(ctx, t, conc)
	if err != nil {
		return nil, err
	}
	defer f.close()
	res := map[string]*FloorResult{"run": {Op: "run", Seconds: d.Seconds()}, "complete": {Op: "complete", Seconds: d.Seconds()}}
	type one struct {
		rate     float64
		p50, p99 float64
	}
	var starts, completes []one
	for r := range runs {
		if ctx.Err() != nil {
			break
		}
		var pool []*floorWF
		var mu sync.Mutex
		rate, lat, errs, err := floorPhase(ctx, conc, d, func(rnd *rand.Rand) error {
			now := time.Now().UnixMicro()
			var w *floorWF
			err := f.run(ctx, func(x *floorTx) error {
				var err error
				w, err = m.start(x, rnd.IntN(len(m.variants)), now)
				return err
			})
			if err == nil {
				mu.Lock()
				pool = append(pool, w)
				mu.Unlock()
			}
			return err
		})
		res["run"].Errors += errs
		if err != nil {
			res["run"].Error = err.Error()
		}
		s := summarize(lat, time.Second)
		starts = append(starts, one{rate, s.P50Ms, s.P99Ms})
		fmt.Fprintf(os.Stderr, "floor run %d/%d: start %.0f/s (p50 %.2f ms, p99 %.2f ms), %d workflows\n", r+1, runs, rate,
			s.P50Ms, s.P99Ms, len(pool))
		// Completions take random workflows of this run's starts, each
		// out of the pool while in flight; a done one leaves it.
		var empty atomic.Bool
		rate, lat, errs, err = floorPhase(ctx, conc, d, func(rnd *rand.Rand) error {
			mu.Lock()
			if len(pool) == 0 {
				mu.Unlock()
				empty.Store(true)
				return errPoolEmpty
			}
			i := rnd.IntN(len(pool))
			w := pool[i]
			pool[i] = pool[len(pool)-1]
			pool = pool[:len(pool)-1]
			mu.Unlock()
			now := time.Now().UnixMicro()
			err := f.run(ctx, func(x *floorTx) error { return m.complete(x, w, now) })
			if err == nil {
				if w.next++; w.next < tasksPerWorkflow {
					mu.Lock()
					pool = append(pool, w)
					mu.Unlock()
				}
			}
			return err
		})
		res["complete"].Errors += errs
		if err != nil {
			res["complete"].Error = err.Error()
		}
		s = summarize(lat, time.Second)
		completes = append(completes, one{rate, s.P50Ms, s.P99Ms})
		note := ""
		if empty.Load() {
			note = " (ran out of started workflows: the rate is over the time it ran)"
		}
		fmt.Fprintf(os.Stderr, "floor run %d/%d: complete %.0f/s (p50 %.2f ms, p99 %.2f ms)%s\n", r+1, runs, rate, s.P50Ms, s.P99Ms, note)
	}
	for op, list := range map[string][]one{"run": starts, "complete": completes} {
		if len(list) == 0 {
			continue
		}
		fr := res[op]
		for _, o := range list {
			fr.Runs = append(fr.Runs, o.rate)
		}
		sorted := slices.Clone(list)
		slices.SortFunc(sorted, func(x, y one) int {
			switch {
			case x.rate < y.rate:
				return -1
			case x.rate > y.rate:
				return 1
			}
			return 0
		})
		fr.Min, fr.Max = sorted[0].rate, sorted[len(sorted)-1].rate
		med := sorted[len(sorted)/2]
		fr.Median, fr.P50Ms, fr.P99Ms = med.rate, med.p50, med.p99
	}
	return res, nil
}

var errPoolEmpty = errors.New("pool empty")

// floorPhase runs op from conc goroutines for d; it returns the rate, the
// latencies (µs) and the error count. A worker whose op returns
// errPoolEmpty stops; the phase ends when all have stopped or d passed.
func floorPhase(ctx context.Context, conc int, d time.Duration, op func(*rand.Rand) error) (float64, []uint32, int64, error) {
	var stop atomic.Bool
	var errs atomic.Int64
	var firstErr atomic.Value
	lats := make([][]uint32, conc)
	var wg sync.WaitGroup
	begin := time.Now()
	var endNanos atomic.Int64
	for i := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(rand.Uint64(), uint64(i)))
			for !stop.Load() && ctx.Err() == nil {
				t0 := time.Now()
				err := op(rnd)
				if errors.Is(err, errPoolEmpty) {
					endNanos.CompareAndSwap(0, int64(time.Since(begin)))
					return
				}
				if err != nil {
					if errs.Add(1) <= 1 {
						firstErr.Store(err)
					}
					continue
				}
				lats[i] = append(lats[i], uint32(min(time.Since(t0).Microseconds(), 1<<32-1)))
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-time.After(d):
	case <-done:
	case <-ctx.Done():
	}
	stop.Store(true)
	elapsed := time.Since(begin)
	if e := endNanos.Load(); e > 0 {
		elapsed = time.Duration(e)
	}
	<-done
	var all []uint32
	for _, l := range lats {
		all = append(all, l...)
	}
	var err error
	if v := firstErr.Load(); v != nil {
		err = v.(error)
	}
	return float64(len(all)) / elapsed.Seconds(), all, errs.Load(), err
}
