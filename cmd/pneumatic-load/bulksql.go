package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
)

// sqlSeeder writes engine-built workflows with multi-row INSERTs and ids it
// allocates itself, the server being stopped. It writes the rows
// store.InsertWorkflow, InsertEvents and InsertJob write (same columns,
// same values), but not one statement per row: on modernc SQLite a third of
// an insert's CPU is parsing its SQL, and the store's savepoint per request
// copies every touched page to the statement journal, which puts 1,000,000
// workflows (26 million rows) at most 300 workflows/s, an hour. Here the
// statements are prepared once and carry 50 rows each; on PostgreSQL the
// rows go in with COPY.
type sqlSeeder struct {
	db     *sql.DB
	sqlite bool
	stmts  map[string]*sql.Stmt // SQLite: the full-chunk statement of each table

	mu   sync.Mutex
	next map[string]int64 // next free id per table
}

type tableSpec struct {
	name string
	cols []string
}

var (
	seedWorkflows = tableSpec{"workflows", []string{"id", "account_id", "template_id", "template_version_id", "template_name", "name",
		"description", "kickoff_description", "status", "starter_id", "is_external", "is_urgent", "finalizable", "due_date",
		"snoozed_until", "tasks_count", "date_created", "date_completed"}}
	seedTasks = tableSpec{"tasks", []string{"id", "account_id", "workflow_id", "template_task_id", "number", "api_name", "name",
		"description", "status", "require_completion_by_all", "is_urgent", "date_started", "date_first_started", "date_completed",
		"due_date", "delay_seconds", "delay_start", "delay_end", "delay_estimated_end"}}
	seedFields = tableSpec{"fields", []string{"id", "account_id", "workflow_id", "task_id", "api_name", "type", "name",
		"description", "is_required", "ord", "value", "user_id", "selections"}}
	seedPerformers = tableSpec{"task_performers", []string{"task_id", "user_id", "workflow_id", "account_id", "group_id",
		"is_completed", "date_completed", "inbox", "is_urgent", "date_started", "template_id", "due_date", "template_task_id",
		"task_name", "workflow_name"}}
	seedEvents = tableSpec{"events", []string{"id", "account_id", "workflow_id", "type", "text", "user_id", "task_id", "task_name",
		"task_number", "created"}}
	seedJobs = tableSpec{"jobs", []string{"kind", "args", "run_at", "unique_key", "date_created"}}

	seedTables = []tableSpec{seedWorkflows, seedTasks, seedFields, seedPerformers, seedEvents, seedJobs}
	// Tables whose ids the seeder allocates.
	seedIDTables = []string{"workflows", "tasks", "fields", "events"}
)

const seedChunk = 50 // rows per INSERT statement

// jobResumeKind is the job that ends a delay (what a snooze queues).
const jobResumeKind = app.JobResume

// insertSQL is the multi-row INSERT of rows rows. SQLite gets "?"
// placeholders: modernc looks the name of every "$n" parameter up in a list
// (quadratic in the parameters of a statement: half the CPU of the seeding).
func insertSQL(t tableSpec, rows int, sqlite bool) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(t.name)
	b.WriteString(" (")
	b.WriteString(strings.Join(t.cols, ", "))
	b.WriteString(") VALUES ")
	n := 1
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range t.cols {
			if c > 0 {
				b.WriteString(", ")
			}
			if sqlite {
				b.WriteByte('?')
			} else {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
				n++
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

func openSQLSeeder(ctx context.Context, t *target) (*sqlSeeder, error) {
	s := &sqlSeeder{next: map[string]int64{}, stmts: map[string]*sql.Stmt{}}
	var err error
	if t.database == "sqlite" {
		// The server is stopped: the file is ours. No fsync per commit, a big
		// page cache for the indexes of a million workflows, temp data in
		// memory. Foreign keys stay on, so a wrong id fails the seeding.
		dsn := "file:" + filepath.Join(t.dataDir, "pneumatic.db") + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=foreign_keys(ON)&_pragma=synchronous(OFF)&_pragma=cache_size(-262144)&_pragma=temp_store(MEMORY)&_txlock=immediate"
		if s.db, err = sql.Open("sqlite", dsn); err != nil {
			return nil, err
		}
		s.db.SetMaxOpenConns(1)
		s.db.SetMaxIdleConns(1)
		s.sqlite = true
		for _, tb := range seedTables {
			if s.stmts[tb.name], err = s.db.PrepareContext(ctx, insertSQL(tb, seedChunk, true)); err != nil {
				s.close()
				return nil, err
			}
		}
	} else {
		if s.db, err = sql.Open("pgx", t.dbURL); err != nil {
			return nil, err
		}
		s.db.SetMaxOpenConns(8)
	}
	for _, tb := range seedIDTables {
		var q string
		if s.sqlite {
			q = fmt.Sprintf(`SELECT MAX(COALESCE((SELECT MAX(id) FROM %[1]s), 0), COALESCE((SELECT seq FROM sqlite_sequence
				WHERE name = '%[1]s'), 0))`, tb)
		} else {
			q = fmt.Sprintf(`SELECT GREATEST(COALESCE((SELECT MAX(id) FROM %[1]s), 0),
				COALESCE(pg_sequence_last_value(pg_get_serial_sequence('%[1]s', 'id')::regclass), 0))`, tb)
		}
		var last int64
		if err := s.db.QueryRowContext(ctx, q).Scan(&last); err != nil {
			s.close()
			return nil, fmt.Errorf("seed: last id of %s: %w", tb, err)
		}
		s.next[tb] = last + 1
	}
	return s, nil
}

func (s *sqlSeeder) close() {
	for _, st := range s.stmts {
		st.Close()
	}
	s.db.Close()
}

// finish leaves the database as the server expects it: PostgreSQL's
// identity sequences past the ids used here (SQLite's AUTOINCREMENT
// follows explicit ids by itself), the WAL folded into the file, and
// everything on disk. Without the last step the seeding (synchronous=OFF)
// leaves gigabytes of dirty pages that the server's first checkpoint must
// flush: 12 s of "start-up" on a million workflows, the seeding's cost.
func (s *sqlSeeder) finish(ctx context.Context) error {
	if s.sqlite {
		for _, q := range []string{"PRAGMA synchronous=FULL", "PRAGMA wal_checkpoint(TRUNCATE)"} {
			if _, err := s.db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("seed: %s: %w", q, err)
			}
		}
		return nil
	}
	for _, tb := range seedIDTables {
		if _, err := s.db.ExecContext(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s', 'id'),
			(SELECT MAX(id) FROM %[1]s))`, tb)); err != nil {
			return fmt.Errorf("seed: sequence of %s: %w", tb, err)
		}
	}
	// The same for PostgreSQL's shared buffers (needs superuser or
	// pg_checkpoint; without, the next checkpoint does it in its time).
	_, _ = s.db.ExecContext(ctx, "CHECKPOINT")
	return nil
}

func (s *sqlSeeder) alloc(counts map[string]int64) map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	first := map[string]int64{}
	for tb, n := range counts {
		first[tb] = s.next[tb]
		s.next[tb] += n
	}
	return first
}

// rowBuf collects a table's rows and writes them seedChunk at a time.
type rowBuf struct {
	t    tableSpec
	args []any
	rows int
}

func (b *rowBuf) add(vals ...any) { b.args = append(b.args, vals...); b.rows++ }

func (s *sqlSeeder) flush(ctx context.Context, tx *sql.Tx, b *rowBuf, all bool) error {
	width := len(b.t.cols)
	for b.rows >= seedChunk || (all && b.rows > 0) {
		n := min(b.rows, seedChunk)
		args := b.args[:n*width]
		var err error
		if n == seedChunk && s.sqlite {
			_, err = tx.StmtContext(ctx, s.stmts[b.t.name]).ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertSQL(b.t, n, s.sqlite), args...)
		}
		if err != nil {
			return fmt.Errorf("seed: insert into %s: %w", b.t.name, err)
		}
		b.args = append(b.args[:0], b.args[n*width:]...)
		b.rows -= n
	}
	return nil
}

func micros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// write inserts a batch of workflows in one transaction and gives every
// workflow, task and field its id (as InsertWorkflow does).
func (s *sqlSeeder) write(ctx context.Context, batch []*seedWF) error {
	counts := map[string]int64{}
	for _, sw := range batch {
		counts["workflows"]++
		counts["tasks"] += int64(len(sw.wf.Tasks))
		counts["fields"] += int64(len(sw.wf.Fields))
		counts["events"] += int64(len(sw.events))
		for _, t := range sw.wf.Tasks {
			if len(t.Checklists) > 0 {
				return fmt.Errorf("seed: the SQL path does not write checklists (use --seed-path store)")
			}
		}
	}
	ids := s.alloc(counts)
	if !s.sqlite {
		return s.copyBatch(ctx, batch, ids)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	bufs := map[string]*rowBuf{}
	for _, tb := range seedTables {
		bufs[tb.name] = &rowBuf{t: tb}
	}
	add := func(tb string, vals ...any) error {
		b := bufs[tb]
		b.add(vals...)
		if b.rows >= seedChunk {
			return s.flush(ctx, tx, b, false)
		}
		return nil
	}
	flushAll := func(tb string) error { return s.flush(ctx, tx, bufs[tb], true) }
	if err := s.rows(batch, ids, add, flushAll); err != nil {
		return err
	}
	return tx.Commit()
}

// rows turns a batch into rows, table by table, handing them to add;
// flushAll is called when a table's rows of the batch are all added (so that
// parents are written before their children, for the foreign keys).
func (s *sqlSeeder) rows(batch []*seedWF, ids map[string]int64, add func(tb string, vals ...any) error, flushAll func(tb string) error) error {
	// Parents before children, for the foreign keys: every workflow of the
	// batch, then every task, then the rest.
	for _, sw := range batch {
		wf := sw.wf
		wf.ID = ids["workflows"]
		ids["workflows"]++
		if err := add("workflows", wf.ID, wf.AccountID, wf.TemplateID, wf.TemplateVersionID, wf.TemplateName, wf.Name,
			wf.Description, wf.KickoffDescription, wf.Status, nullID(wf.StarterID), wf.IsExternal, wf.IsUrgent, wf.Finalizable,
			micros(wf.DueDate), micros(wf.SnoozedUntil), len(wf.Tasks), wf.DateCreated.UnixMicro(), micros(wf.DateCompleted)); err != nil {
			return err
		}
	}
	if err := flushAll("workflows"); err != nil {
		return err
	}
	for _, sw := range batch {
		wf := sw.wf
		for _, t := range wf.Tasks {
			t.ID = ids["tasks"]
			ids["tasks"]++
			var dSec, dStart, dEnd, dEst any
			if t.Delay != nil {
				dSec = int64(t.Delay.Duration / time.Second)
				dStart, dEnd, dEst = micros(t.Delay.Start), micros(t.Delay.End), micros(t.Delay.EstimatedEnd)
			}
			if err := add("tasks", t.ID, wf.AccountID, wf.ID, t.TemplateTaskID, t.Number, t.APIName, t.Name, t.Description, t.Status,
				t.RequireCompletionByAll, t.IsUrgent, micros(t.DateStarted), micros(t.DateFirstStarted), micros(t.DateCompleted),
				micros(t.DueDate), dSec, dStart, dEnd, dEst); err != nil {
				return err
			}
		}
	}
	if err := flushAll("tasks"); err != nil {
		return err
	}
	for _, sw := range batch {
		wf := sw.wf
		for _, f := range wf.Fields {
			f.ID = ids["fields"]
			ids["fields"]++
			if t := wf.FieldTask(f); t != nil {
				f.TaskID = t.ID
			}
			var sel any
			if len(f.Selections) > 0 {
				b, err := json.Marshal(f.Selections)
				if err != nil {
					return err
				}
				sel = string(b)
			}
			value := f.Value
			if f.Type == "file" {
				value = ""
			}
			if err := add("fields", f.ID, wf.AccountID, wf.ID, nullID(f.TaskID), f.APIName, f.Type, f.Name, f.Description,
				f.IsRequired, f.Order, value, nullID(f.UserID), sel); err != nil {
				return err
			}
		}
		for _, t := range wf.Tasks {
			for _, p := range t.Performers {
				inbox := t.Status == engine.TaskActive && wf.Status == engine.StatusRunning && !p.IsCompleted
				if err := add("task_performers", t.ID, p.UserID, wf.ID, wf.AccountID, nullID(p.GroupID), p.IsCompleted,
					micros(p.DateCompleted), inbox, t.IsUrgent, micros(t.DateStarted), wf.TemplateID, micros(t.DueDate),
					t.TemplateTaskID, t.Name, wf.Name); err != nil {
					return err
				}
			}
		}
		for _, e := range sw.events {
			var tid, tname, tnum any
			if e.Task != nil {
				tid, tname, tnum = e.Task.ID, e.Task.Name, e.Task.Number
			}
			id := ids["events"]
			ids["events"]++
			if err := add("events", id, wf.AccountID, wf.ID, e.Type, e.Text, nullID(e.UserID), tid, tname, tnum,
				sw.created.UnixMicro()); err != nil {
				return err
			}
		}
		if sw.wake != nil {
			args, _ := json.Marshal(map[string]int64{"account_id": wf.AccountID, "workflow_id": wf.ID})
			if err := add("jobs", jobResumeKind, string(args), sw.wake.UnixMicro(), nil, sw.created.UnixMicro()); err != nil {
				return err
			}
		}
	}
	for _, tb := range seedTables {
		if err := flushAll(tb.name); err != nil {
			return err
		}
	}
	return nil
}

// copyBatch writes a batch on PostgreSQL with COPY, one per table, in one
// transaction: several times faster than INSERTs, which parse and plan
// every statement's parameters.
func (s *sqlSeeder) copyBatch(ctx context.Context, batch []*seedWF, ids map[string]int64) error {
	rows := map[string][][]any{}
	width := map[string]int{}
	for _, tb := range seedTables {
		width[tb.name] = len(tb.cols)
	}
	add := func(tb string, vals ...any) error {
		if len(vals) != width[tb] {
			return fmt.Errorf("seed: %d values for the %d columns of %s", len(vals), width[tb], tb)
		}
		rows[tb] = append(rows[tb], vals)
		return nil
	}
	if err := s.rows(batch, ids, add, func(string) error { return nil }); err != nil {
		return err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
		for _, tb := range seedTables {
			if len(rows[tb.name]) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{tb.name}, tb.cols, pgx.CopyFromRows(rows[tb.name])); err != nil {
				return fmt.Errorf("seed: copy into %s: %w", tb.name, err)
			}
		}
		return tx.Commit(ctx)
	})
}
