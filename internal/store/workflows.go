package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// FileURL is the address of an attachment's bytes.
func FileURL(publicURL string, id int64) string {
	return publicURL + "/files/" + strconv.FormatInt(id, 10)
}

// InsertWorkflow writes a new workflow aggregate and gives every part its id.
func (q *Q) InsertWorkflow(ctx context.Context, wf *engine.Workflow, publicURL string) error {
	err := q.q.QueryRowContext(ctx, `INSERT INTO workflows (account_id, template_id, template_version_id, template_name, name,
		description, kickoff_description, status, starter_id, is_external, is_urgent, finalizable, due_date, snoozed_until,
		tasks_count, date_created, date_completed)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
		wf.AccountID, wf.TemplateID, wf.TemplateVersionID, wf.TemplateName, wf.Name, wf.Description, wf.KickoffDescription,
		wf.Status, nullID(wf.StarterID), wf.IsExternal, wf.IsUrgent, wf.Finalizable, MicrosPtr(wf.DueDate), MicrosPtr(wf.SnoozedUntil),
		len(wf.Tasks), Micros(wf.DateCreated), MicrosPtr(wf.DateCompleted)).Scan(&wf.ID)
	if err != nil {
		return fmt.Errorf("store: insert workflow: %w", err)
	}
	var checklists int64
	for _, t := range wf.Tasks {
		checklists += int64(len(t.Checklists))
	}
	nextChecklist, err := q.NextIDs(ctx, "checklist", checklists)
	if err != nil {
		return err
	}
	if err := q.insertTasks(ctx, wf); err != nil {
		return err
	}
	for _, t := range wf.Tasks {
		for ci := range t.Checklists {
			t.Checklists[ci].ID = nextChecklist
			nextChecklist++
		}
	}
	fieldRows := make([][]any, len(wf.Fields))
	for i, f := range wf.Fields {
		if t := wf.FieldTask(f); t != nil {
			f.TaskID = t.ID
		}
		sel, err := selectionsJSON(f.Selections)
		if err != nil {
			return err
		}
		fieldRows[i] = []any{wf.AccountID, wf.ID, nullID(f.TaskID), f.APIName, f.Type, f.Name, f.Description, f.IsRequired, f.Order,
			storedValue(f), nullID(f.UserID), sel}
	}
	fieldIDs, err := q.insertMany(ctx, `INSERT INTO fields (account_id, workflow_id, task_id, api_name, type, name, description,
		is_required, ord, value, user_id, selections) VALUES `, fieldRows)
	if err != nil {
		return fmt.Errorf("store: insert fields: %w", err)
	}
	for i, f := range wf.Fields {
		f.ID = fieldIDs[i]
		if err := q.linkAttachments(ctx, wf.AccountID, f); err != nil {
			return err
		}
		f.Dirty = false
	}
	for _, t := range wf.Tasks {
		if err := q.saveTaskParts(ctx, wf, t); err != nil {
			return err
		}
		t.Dirty = false
	}
	wf.Dirty = false
	return nil
}

func microsOrZero(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return Micros(*t)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// storedValue keeps file values out of the row: they are derived from the
// attachments when loaded, so a later publish changes no stored text.
func storedValue(f *engine.Field) string {
	if f.Type == "file" {
		return ""
	}
	return f.Value
}

func selectionsJSON(s []engine.Selection) (any, error) {
	if len(s) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(s)
	return string(b), err
}

func (q *Q) insertTasks(ctx context.Context, wf *engine.Workflow) error {
	rows := make([][]any, len(wf.Tasks))
	for i, t := range wf.Tasks {
		var dSec, dStart, dEnd, dEst any
		if t.Delay != nil {
			dSec = int64(t.Delay.Duration / time.Second)
			dStart, dEnd, dEst = MicrosPtr(t.Delay.Start), MicrosPtr(t.Delay.End), MicrosPtr(t.Delay.EstimatedEnd)
		}
		rows[i] = []any{wf.AccountID, wf.ID, t.TemplateTaskID, t.Number, t.APIName, t.Name, t.Description, t.Status,
			t.RequireCompletionByAll, t.IsUrgent, MicrosPtr(t.DateStarted), MicrosPtr(t.DateFirstStarted), MicrosPtr(t.DateCompleted),
			MicrosPtr(t.DueDate), dSec, dStart, dEnd, dEst}
	}
	ids, err := q.insertMany(ctx, `INSERT INTO tasks (account_id, workflow_id, template_task_id, number, api_name, name,
		description, status, require_completion_by_all, is_urgent, date_started, date_first_started, date_completed, due_date,
		delay_seconds, delay_start, delay_end, delay_estimated_end) VALUES `, rows)
	if err != nil {
		return fmt.Errorf("store: insert tasks: %w", err)
	}
	for i, t := range wf.Tasks {
		t.ID = ids[i]
	}
	return nil
}

// insertManyRows bounds the rows of one INSERT (SQLite allows 32,766
// parameters in a statement).
const insertManyRows = 100

// insertMany inserts rows (same columns each) with multi-row INSERTs — a
// run's tasks and fields in one statement each rather than one per row —
// and answers their ids in row order. head ends with "VALUES ". Both
// databases hand out the ids of one statement's rows in increasing order
// of the rows, so the returned ids, sorted, are the rows' ids in order.
func (q *Q) insertMany(ctx context.Context, head string, rows [][]any) ([]int64, error) {
	ids := make([]int64, 0, len(rows))
	for start := 0; start < len(rows); start += insertManyRows {
		chunk := rows[start:min(start+insertManyRows, len(rows))]
		var sb strings.Builder
		sb.WriteString(head)
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		for i, r := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteByte('(')
			for j, v := range r {
				if j > 0 {
					sb.WriteString(", ")
				}
				args = append(args, v)
				sb.WriteByte('$')
				sb.WriteString(strconv.Itoa(len(args)))
			}
			sb.WriteByte(')')
		}
		sb.WriteString(" RETURNING id")
		res, err := q.q.QueryContext(ctx, sb.String(), args...)
		if err != nil {
			return nil, err
		}
		first := len(ids)
		for res.Next() {
			var id int64
			if err := res.Scan(&id); err != nil {
				res.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		res.Close()
		if err := res.Err(); err != nil {
			return nil, err
		}
		if len(ids)-first != len(chunk) {
			return nil, fmt.Errorf("store: %d ids for %d rows", len(ids)-first, len(chunk))
		}
		slices.Sort(ids[first:])
	}
	return ids, nil
}

// saveTaskParts writes a task's performers and checklist items.
func (q *Q) saveTaskParts(ctx context.Context, wf *engine.Workflow, t *engine.Task) error {
	for _, uid := range t.Removed {
		if _, err := q.q.ExecContext(ctx, `DELETE FROM task_performers WHERE task_id = $1 AND user_id = $2`, t.ID, uid); err != nil {
			return err
		}
	}
	t.Removed = nil
	for i := range t.Performers {
		p := &t.Performers[i]
		row := performerRow(wf, t, p)
		if p.New {
			if _, err := q.q.ExecContext(ctx, `INSERT INTO task_performers (task_id, user_id, workflow_id, account_id, group_id,
				is_completed, date_completed, inbox, is_urgent, date_started, template_id, due_date, template_task_id, task_name,
				workflow_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
				ON CONFLICT (task_id, user_id) DO UPDATE SET is_completed = $6, date_completed = $7, inbox = $8, is_urgent = $9,
				date_started = $10, due_date = $12, task_name = $14, workflow_name = $15`,
				t.ID, p.UserID, wf.ID, wf.AccountID, nullID(p.GroupID), p.IsCompleted, MicrosPtr(p.DateCompleted), row.Inbox,
				t.IsUrgent, MicrosPtr(t.DateStarted), wf.TemplateID, MicrosPtr(t.DueDate), t.TemplateTaskID, t.Name,
				wf.Name); err != nil {
				return fmt.Errorf("store: insert performer: %w", err)
			}
		} else if row != p.Row {
			// Only changed rows: each rewrite also rewrites the row's
			// entries in the performer indexes, pages scattered over the
			// file on a large database.
			if _, err := q.q.ExecContext(ctx, `UPDATE task_performers SET is_completed = $1, date_completed = $2, inbox = $3,
				is_urgent = $4, date_started = $5, group_id = $6, due_date = $7, task_name = $8, workflow_name = $9
				WHERE task_id = $10 AND user_id = $11`,
				p.IsCompleted, MicrosPtr(p.DateCompleted), row.Inbox, t.IsUrgent, MicrosPtr(t.DateStarted), nullID(p.GroupID),
				MicrosPtr(t.DueDate), t.Name, wf.Name, t.ID, p.UserID); err != nil {
				return err
			}
		}
		p.New, p.Dirty, p.Row = false, false, row
	}
	for ci := range t.Checklists {
		cl := &t.Checklists[ci]
		for ii := range cl.Items {
			it := &cl.Items[ii]
			if it.ID == 0 {
				if err := q.q.QueryRowContext(ctx, `INSERT INTO checklist_items (account_id, workflow_id, task_id, checklist_id,
					checklist_api_name, api_name, template, value, is_selected) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
					wf.AccountID, wf.ID, t.ID, cl.ID, cl.APIName, it.APIName, it.Template, it.Value, it.IsSelected).Scan(&it.ID); err != nil {
					return err
				}
			} else if it.Dirty {
				if _, err := q.q.ExecContext(ctx, `UPDATE checklist_items SET value = $1, is_selected = $2 WHERE id = $3`,
					it.Value, it.IsSelected, it.ID); err != nil {
					return err
				}
			}
			it.Dirty = false
		}
	}
	return nil
}

// performerRow is what a performer's stored row should hold: the inbox
// flag and the copies of its task's and workflow's columns that an inbox
// page shows (ListTasks reads the inbox from these rows alone).
func performerRow(wf *engine.Workflow, t *engine.Task, p *engine.Performer) engine.PerformerRow {
	return engine.PerformerRow{Valid: true, GroupID: p.GroupID, IsCompleted: p.IsCompleted,
		Inbox:    t.Status == engine.TaskActive && wf.Status == engine.StatusRunning && !p.IsCompleted,
		IsUrgent: t.IsUrgent, DateCompleted: microsOrZero(p.DateCompleted), DateStarted: microsOrZero(t.DateStarted),
		DueDate: microsOrZero(t.DueDate), TemplateTaskID: t.TemplateTaskID, TaskName: t.Name, WorkflowName: wf.Name}
}

func (q *Q) linkAttachments(ctx context.Context, accountID int64, f *engine.Field) error {
	if f.Type != "file" {
		return nil
	}
	if f.ID != 0 {
		if _, err := q.q.ExecContext(ctx, `UPDATE attachments SET field_id = NULL WHERE field_id = $1`, f.ID); err != nil {
			return err
		}
	}
	for _, a := range f.Attachments {
		if _, err := q.q.ExecContext(ctx, `UPDATE attachments SET field_id = $1 WHERE id = $2 AND account_id = $3`, f.ID, a.ID, accountID); err != nil {
			return err
		}
	}
	return nil
}

// SaveWorkflow writes what an operation changed.
func (q *Q) SaveWorkflow(ctx context.Context, wf *engine.Workflow) error {
	_, err := q.saveWorkflow(ctx, wf, false)
	return err
}

// SaveWorkflowIfCurrent is SaveWorkflow for a change computed from a read
// at revision wf.Version: when the stored workflow has moved on (or was
// terminated) it writes nothing and answers false.
func (q *Q) SaveWorkflowIfCurrent(ctx context.Context, wf *engine.Workflow) (bool, error) {
	return q.saveWorkflow(ctx, wf, true)
}

func (q *Q) saveWorkflow(ctx context.Context, wf *engine.Workflow, ifCurrent bool) (bool, error) {
	// Every save raises the revision, whatever part it changed, so that a
	// change prepared from an older read is refused by the conditional
	// save; the workflow row is written first, so a refused save has
	// written nothing.
	var res sql.Result
	var err error
	cond := ""
	if wf.Dirty {
		args := []any{wf.Name, wf.Status, wf.IsUrgent, MicrosPtr(wf.DueDate), MicrosPtr(wf.SnoozedUntil), MicrosPtr(wf.DateCompleted), wf.ID}
		if ifCurrent {
			cond, args = " AND version = $8 AND deleted_at IS NULL", append(args, wf.Version)
		}
		res, err = q.q.ExecContext(ctx, `UPDATE workflows SET name = $1, status = $2, is_urgent = $3, due_date = $4,
			snoozed_until = $5, date_completed = $6, version = version + 1 WHERE id = $7`+cond, args...)
	} else {
		args := []any{wf.ID}
		if ifCurrent {
			cond, args = " AND version = $2 AND deleted_at IS NULL", append(args, wf.Version)
		}
		res, err = q.q.ExecContext(ctx, `UPDATE workflows SET version = version + 1 WHERE id = $1`+cond, args...)
	}
	if err != nil {
		return false, fmt.Errorf("store: update workflow: %w", err)
	}
	if ifCurrent {
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return false, err
		}
	}
	wf.Version++
	for _, t := range wf.Tasks {
		if t.Dirty {
			var dStart, dEnd, dEst any
			if t.Delay != nil {
				dStart, dEnd, dEst = MicrosPtr(t.Delay.Start), MicrosPtr(t.Delay.End), MicrosPtr(t.Delay.EstimatedEnd)
			}
			if _, err := q.q.ExecContext(ctx, `UPDATE tasks SET name = $1, description = $2, status = $3, is_urgent = $4,
				date_started = $5, date_first_started = $6, date_completed = $7, due_date = $8, delay_start = $9, delay_end = $10,
				delay_estimated_end = $11 WHERE id = $12`,
				t.Name, t.Description, t.Status, t.IsUrgent, MicrosPtr(t.DateStarted), MicrosPtr(t.DateFirstStarted),
				MicrosPtr(t.DateCompleted), MicrosPtr(t.DueDate), dStart, dEnd, dEst, t.ID); err != nil {
				return false, fmt.Errorf("store: update task: %w", err)
			}
		}
		if err := q.saveTaskParts(ctx, wf, t); err != nil {
			return false, err
		}
	}
	for _, f := range wf.Fields {
		if !f.Dirty {
			continue
		}
		sel, err := selectionsJSON(f.Selections)
		if err != nil {
			return false, err
		}
		if _, err := q.q.ExecContext(ctx, `UPDATE fields SET value = $1, user_id = $2, selections = $3 WHERE id = $4`,
			storedValue(f), nullID(f.UserID), sel, f.ID); err != nil {
			return false, err
		}
		if err := q.linkAttachments(ctx, wf.AccountID, f); err != nil {
			return false, err
		}
		f.Dirty = false
	}
	for _, t := range wf.Tasks {
		t.Dirty = false
	}
	wf.Dirty = false
	return true, nil
}

// MarkWorkflowDeleted terminates a workflow: it leaves every list.
func (q *Q) MarkWorkflowDeleted(ctx context.Context, id int64, now time.Time) error {
	if _, err := q.q.ExecContext(ctx, `UPDATE workflows SET deleted_at = $1, version = version + 1 WHERE id = $2`, Micros(now), id); err != nil {
		return err
	}
	_, err := q.q.ExecContext(ctx, `UPDATE task_performers SET inbox = FALSE WHERE workflow_id = $1`, id)
	return err
}

const workflowColumns = `id, account_id, template_id, template_version_id, template_name, name, description, kickoff_description,
	status, starter_id, is_external, is_urgent, finalizable, due_date, snoozed_until, date_created, date_completed, version`

// workflowColumnsW is workflowColumns of a query where the workflow is "w".
var workflowColumnsW = "w." + strings.Join(strings.Fields(strings.ReplaceAll(workflowColumns, ",", " ")), ", w.")

func scanWorkflow(row interface{ Scan(...any) error }) (*engine.Workflow, error) {
	wf := &engine.Workflow{}
	var starter, due, snooze, completed sql.NullInt64
	var created int64
	err := row.Scan(&wf.ID, &wf.AccountID, &wf.TemplateID, &wf.TemplateVersionID, &wf.TemplateName, &wf.Name, &wf.Description,
		&wf.KickoffDescription, &wf.Status, &starter, &wf.IsExternal, &wf.IsUrgent, &wf.Finalizable, &due, &snooze, &created, &completed, &wf.Version)
	if err != nil {
		return nil, err
	}
	wf.StarterID = starter.Int64
	wf.DueDate = FromNullMicros(due)
	wf.SnoozedUntil = FromNullMicros(snooze)
	wf.DateCreated = FromMicros(created)
	wf.DateCompleted = FromNullMicros(completed)
	return wf, nil
}

// LoadWorkflow reads a live workflow aggregate of the account. forUpdate
// locks the workflow row on PostgreSQL so that concurrent actions on one
// workflow take turns (SQLite's single writer does that already).
func (q *Q) LoadWorkflow(ctx context.Context, accountID, id int64, forUpdate bool, publicURL string) (*engine.Workflow, error) {
	wf, _, err := q.loadWorkflow(ctx, accountID, id, forUpdate, false, publicURL)
	return wf, err
}

// LoadWorkflowAndTemplate is LoadWorkflow that also reads, in the same
// statement, its template's activity and current version: nil when the
// template is deleted. A read of the detail and an action each need both,
// and on PostgreSQL each statement is a round trip.
func (q *Q) LoadWorkflowAndTemplate(ctx context.Context, accountID, id int64, forUpdate bool, publicURL string) (*engine.Workflow, *TemplateMeta, error) {
	return q.loadWorkflow(ctx, accountID, id, forUpdate, true, publicURL)
}

func (q *Q) loadWorkflow(ctx context.Context, accountID, id int64, forUpdate, withTemplate bool, publicURL string) (*engine.Workflow, *TemplateMeta, error) {
	if q.pool != nil {
		return q.loadWorkflowPiped(ctx, nil, accountID, id, forUpdate, withTemplate, publicURL)
	}
	wq := q.workflowQuery(accountID, id, forUpdate, withTemplate)
	wf, m, err := wq.scan(q.q.QueryRowContext(ctx, wq.query, wq.args...))
	if err != nil {
		return nil, nil, err
	}
	return wf, m, q.loadParts(ctx, wf, publicURL)
}

// workflowLoad is the statement that reads a workflow's row (and, asked
// for, its template's state and the cache generation), and its scanning.
type workflowLoad struct {
	query string
	args  []any
	scan  func(row interface{ Scan(...any) error }) (*engine.Workflow, *TemplateMeta, error)
}

func (q *Q) workflowQuery(accountID, id int64, forUpdate, withTemplate bool) workflowLoad {
	lock := ""
	if forUpdate && q.d == Postgres {
		lock = " FOR UPDATE OF w" // not the template: actions on its workflows must not queue behind one another
	}
	cols, join := workflowColumnsW, ""
	var tid, vid sql.NullInt64
	var active sql.NullBool
	var extra []any
	if withTemplate {
		cols += ", tp.id, tp.is_active, tp.version_id"
		join = " LEFT JOIN templates tp ON tp.id = w.template_id AND tp.account_id = w.account_id AND tp.deleted_at IS NULL"
		extra = append(extra, &tid, &active, &vid)
	}
	if col, dest := q.stamped(); dest != nil {
		cols += col
		extra = append(extra, dest)
	}
	scan := func(row interface{ Scan(...any) error }) (*engine.Workflow, *TemplateMeta, error) {
		if extra != nil {
			row = scanWith{row, extra}
		}
		wf, err := scanWorkflow(row)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, problem.Notfound()
		}
		if err != nil {
			return nil, nil, err
		}
		var m *TemplateMeta
		if tid.Valid {
			m = &TemplateMeta{AccountID: accountID, IsActive: active.Bool}
			if vid.Valid {
				m.VersionID = &vid.Int64
			}
		}
		return wf, m, nil
	}
	return workflowLoad{query: `SELECT ` + cols + ` FROM workflows w` + join + `
		WHERE w.id = $1 AND w.account_id = $2 AND w.deleted_at IS NULL` + lock, args: []any{id, accountID}, scan: scan}
}

// scanWith scans a row into the destinations asked for, then extra ones.
type scanWith struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (s scanWith) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

func (q *Q) loadParts(ctx context.Context, wf *engine.Workflow, publicURL string) error {
	return q.loadPartsOf(ctx, []*engine.Workflow{wf}, publicURL)
}

// workflowIn is the filter "workflow_id = $1" for one workflow (a cacheable
// statement) or "workflow_id IN (…)" for a page of them.
func workflowIn(col string, wfs []*engine.Workflow) (string, []any) {
	if len(wfs) == 1 {
		return col + " = $1", []any{wfs[0].ID}
	}
	ph := make([]string, len(wfs))
	args := make([]any, len(wfs))
	for i, wf := range wfs {
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = wf.ID
	}
	return col + " IN (" + strings.Join(ph, ",") + ")", args
}

// loadPartsOf reads the tasks and performers, fields, checklists and
// attachments of several workflows with one query each.
func (q *Q) loadPartsOf(ctx context.Context, wfs []*engine.Workflow, publicURL string) error {
	if len(wfs) == 0 {
		return nil
	}
	pl := newPartsLoad(wfs, publicURL)
	for _, step := range []struct {
		query func() (string, []any)
		scan  func(rowScanner) error
	}{{pl.tasksQuery, pl.scanTasks}, {pl.fieldsQuery, pl.scanFields}} {
		query, args := step.query()
		rows, err := q.q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		err = step.scan(rows)
		rows.Close()
		if err != nil {
			return err
		}
	}
	return pl.finish(ctx, q)
}

// rowScanner is what scanning needs of *sql.Rows and of pgx's rows (a
// pipelined load, pipeline.go).
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// partsLoad is the loading of a page of workflows' parts: the tasks and
// fields queries (independent of each other, so they can share a round
// trip), their scanning, then what only some workflows need.
type partsLoad struct {
	wfs       []*engine.Workflow
	publicURL string
	byWF      map[int64]*engine.Workflow
	byID      map[int64]*engine.Task
	fieldByID map[int64]*engine.Field
	hasFiles  bool
}

func newPartsLoad(wfs []*engine.Workflow, publicURL string) *partsLoad {
	pl := &partsLoad{wfs: wfs, publicURL: publicURL, byWF: make(map[int64]*engine.Workflow, len(wfs)),
		byID: map[int64]*engine.Task{}, fieldByID: map[int64]*engine.Field{}}
	for _, wf := range wfs {
		pl.byWF[wf.ID] = wf
	}
	return pl
}

// tasksQuery: tasks with their performers, one row per performer (or one
// with no performer): one statement rather than two.
func (pl *partsLoad) tasksQuery() (string, []any) {
	twhere, args := workflowIn("t.workflow_id", pl.wfs)
	return `SELECT t.workflow_id, t.id, t.template_task_id, t.number, t.api_name, t.name, t.description,
		t.status, t.require_completion_by_all, t.is_urgent, t.date_started, t.date_first_started, t.date_completed, t.due_date,
		t.delay_seconds, t.delay_start, t.delay_end, t.delay_estimated_end,
		p.user_id, p.group_id, p.is_completed, p.date_completed, p.inbox, p.is_urgent, p.date_started, p.due_date,
		p.template_task_id, p.task_name, p.workflow_name
		FROM tasks t LEFT JOIN task_performers p ON p.workflow_id = t.workflow_id AND p.task_id = t.id
		WHERE ` + twhere + ` ORDER BY t.workflow_id, t.number, t.id, p.user_id`, args
}

func (pl *partsLoad) scanTasks(rows rowScanner) error {
	var t *engine.Task
	for rows.Next() {
		var tid, wid int64
		var tt engine.Task
		var ds, dfs, dc, dd, dsec, dst, den, dest sql.NullInt64
		var puid, pgid, pdc, pds, pdd, ptt sql.NullInt64
		var pdone, pinbox, purgent sql.NullBool
		var ptname, pwname sql.NullString
		if err := rows.Scan(&wid, &tid, &tt.TemplateTaskID, &tt.Number, &tt.APIName, &tt.Name, &tt.Description, &tt.Status,
			&tt.RequireCompletionByAll, &tt.IsUrgent, &ds, &dfs, &dc, &dd, &dsec, &dst, &den, &dest,
			&puid, &pgid, &pdone, &pdc, &pinbox, &purgent, &pds, &pdd, &ptt, &ptname, &pwname); err != nil {
			return err
		}
		if t == nil || t.ID != tid {
			t = &tt
			t.ID = tid
			t.DateStarted, t.DateFirstStarted, t.DateCompleted, t.DueDate = FromNullMicros(ds), FromNullMicros(dfs), FromNullMicros(dc), FromNullMicros(dd)
			if dsec.Valid {
				t.Delay = &engine.Delay{Duration: time.Duration(dsec.Int64) * time.Second, Start: FromNullMicros(dst),
					End: FromNullMicros(den), EstimatedEnd: FromNullMicros(dest)}
			}
			if wf := pl.byWF[wid]; wf != nil {
				wf.Tasks = append(wf.Tasks, t)
			}
			pl.byID[t.ID] = t
		}
		if !puid.Valid {
			continue // a task nobody performs
		}
		p := engine.Performer{UserID: puid.Int64, GroupID: pgid.Int64, IsCompleted: pdone.Bool, DateCompleted: FromNullMicros(pdc)}
		p.Row = engine.PerformerRow{Valid: true, GroupID: p.GroupID, IsCompleted: p.IsCompleted, Inbox: pinbox.Bool,
			IsUrgent: purgent.Bool, DateCompleted: pdc.Int64, DateStarted: pds.Int64, DueDate: pdd.Int64,
			TemplateTaskID: ptt.Int64, TaskName: ptname.String, WorkflowName: pwname.String}
		t.Performers = append(t.Performers, p)
	}
	return rows.Err()
}

func (pl *partsLoad) fieldsQuery() (string, []any) {
	where, args := workflowIn("workflow_id", pl.wfs)
	return `SELECT workflow_id, id, task_id, api_name, type, name, description, is_required, ord, value,
		user_id, selections FROM fields WHERE ` + where + ` ORDER BY workflow_id, ord, id`, args
}

// scanFields scans the fields query; the tasks must have been scanned.
func (pl *partsLoad) scanFields(rows rowScanner) error {
	for rows.Next() {
		f := &engine.Field{}
		var wid int64
		var tid, uid sql.NullInt64
		var sel sql.NullString
		if err := rows.Scan(&wid, &f.ID, &tid, &f.APIName, &f.Type, &f.Name, &f.Description, &f.IsRequired, &f.Order, &f.Value,
			&uid, &sel); err != nil {
			return err
		}
		f.TaskID, f.UserID = tid.Int64, uid.Int64
		if sel.Valid && sel.String != "" {
			var err error
			if f.Selections, err = parseSelections(sel.String); err != nil {
				return err
			}
		}
		if t := pl.byID[f.TaskID]; t != nil {
			f.SetTask(t)
		}
		if wf := pl.byWF[wid]; wf != nil {
			wf.Fields = append(wf.Fields, f)
		}
		pl.fieldByID[f.ID] = f
		pl.hasFiles = pl.hasFiles || f.Type == "file"
	}
	return rows.Err()
}

// finish reads what only some workflows have, once their tasks and
// fields are in: checklist items (unless the template versions are known
// to have none) and a file field's attachments.
func (pl *partsLoad) finish(ctx context.Context, q *Q) error {
	if q.needChecklists(pl.wfs) {
		where, args := workflowIn("workflow_id", pl.wfs)
		if err := q.loadChecklists(ctx, where, args, pl.byID); err != nil {
			return err
		}
	}
	if !pl.hasFiles {
		return nil // no file field: no attachment to look for
	}
	fwhere, fargs := workflowIn("f.workflow_id", pl.wfs)
	rows, err := q.q.QueryContext(ctx, `SELECT a.id, a.field_id, a.name FROM attachments a JOIN fields f ON f.id = a.field_id
		WHERE `+fwhere+` ORDER BY a.id`, fargs...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a engine.Attachment
		var fid int64
		if err := rows.Scan(&a.ID, &fid, &a.Name); err != nil {
			return err
		}
		a.URL = FileURL(pl.publicURL, a.ID)
		if f := pl.fieldByID[fid]; f != nil {
			f.Attachments = append(f.Attachments, a)
		}
	}
	for _, f := range pl.fieldByID {
		if f.Type == "file" && len(f.Attachments) > 0 {
			urls := make([]string, len(f.Attachments))
			for i, a := range f.Attachments {
				urls[i] = a.URL
			}
			f.Value = strings.Join(urls, ", ")
		}
	}
	return rows.Err()
}

// InsertEvents appends history entries.
func (q *Q) InsertEvents(ctx context.Context, wf *engine.Workflow, events []engine.Event, now time.Time) ([]int64, error) {
	if len(events) == 0 {
		return nil, nil
	}
	rows := make([][]any, len(events))
	for i, e := range events {
		var tid, tnum any
		var tname any
		if e.Task != nil {
			tid, tname, tnum = e.Task.ID, e.Task.Name, e.Task.Number
		}
		rows[i] = []any{wf.AccountID, wf.ID, e.Type, e.Text, nullID(e.UserID), tid, tname, tnum, Micros(now)}
	}
	ids, err := q.insertMany(ctx, `INSERT INTO events (account_id, workflow_id, type, text, user_id, task_id, task_name,
		task_number, created) VALUES `, rows)
	if err != nil {
		return nil, fmt.Errorf("store: insert events: %w", err)
	}
	return ids, nil
}

// EventRow is a stored history entry.
type EventRow struct {
	ID         int64
	WorkflowID int64
	Type       int
	Text       string
	UserID     *int64
	TaskID     *int64
	TaskName   *string
	TaskNumber *int
	Created    time.Time
}

// ListEvents answers a page of a workflow's history, newest first.
func (q *Q) ListEvents(ctx context.Context, workflowID int64, limit, offset int) ([]EventRow, int, error) {
	var total int
	if err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE workflow_id = $1`, workflowID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.q.QueryContext(ctx, `SELECT id, workflow_id, type, text, user_id, task_id, task_name, task_number, created
		FROM events WHERE workflow_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`, workflowID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []EventRow
	for rows.Next() {
		var e EventRow
		var uid, tid, tnum sql.NullInt64
		var tname sql.NullString
		var created int64
		if err := rows.Scan(&e.ID, &e.WorkflowID, &e.Type, &e.Text, &uid, &tid, &tname, &tnum, &created); err != nil {
			return nil, 0, err
		}
		if uid.Valid {
			e.UserID = &uid.Int64
		}
		if tid.Valid {
			e.TaskID = &tid.Int64
			n := int(tnum.Int64)
			e.TaskNumber = &n
			e.TaskName = &tname.String
		}
		e.Created = FromMicros(created)
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// needChecklists is false when every workflow's template version is known
// to have no checklist.
func (q *Q) needChecklists(wfs []*engine.Workflow) bool {
	if q.noChecklists == nil {
		return true
	}
	for _, wf := range wfs {
		if !q.noChecklists(wf.TemplateVersionID) {
			return true
		}
	}
	return false
}

func (q *Q) loadChecklists(ctx context.Context, where string, args []any, byID map[int64]*engine.Task) error {
	rows, err := q.q.QueryContext(ctx, `SELECT id, task_id, checklist_id, checklist_api_name, api_name, template, value, is_selected
		FROM checklist_items WHERE `+where+` ORDER BY task_id, checklist_id, id`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var it engine.ChecklistItem
		var tid, clID int64
		var clAPI string
		if err := rows.Scan(&it.ID, &tid, &clID, &clAPI, &it.APIName, &it.Template, &it.Value, &it.IsSelected); err != nil {
			rows.Close()
			return err
		}
		t := byID[tid]
		if t == nil {
			continue
		}
		if n := len(t.Checklists); n == 0 || t.Checklists[n-1].ID != clID {
			t.Checklists = append(t.Checklists, engine.Checklist{ID: clID, APIName: clAPI})
		}
		cl := &t.Checklists[len(t.Checklists)-1]
		cl.Items = append(cl.Items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return nil
}
