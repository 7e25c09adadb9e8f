package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
)

// WorkflowFilter selects the workflow list.
type WorkflowFilter struct {
	Statuses         []int
	TemplateID       int64
	StarterID        int64
	CurrentPerformer int64
	Search           string
	VisibleTo        int64  // 0: every workflow of the account (admins)
	Order            string // "date", "-date" (default), "-urgent"
	Limit, Offset    int
}

func (f WorkflowFilter) where(accountID int64) (string, []any) {
	where := []string{"w.account_id = $1", "w.deleted_at IS NULL"}
	args := []any{accountID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(f.Statuses) > 0 {
		ph := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			ph[i] = arg(s)
		}
		where = append(where, "w.status IN ("+strings.Join(ph, ",")+")")
	}
	if f.TemplateID != 0 {
		where = append(where, "w.template_id = "+arg(f.TemplateID))
	}
	if f.StarterID != 0 {
		where = append(where, "w.starter_id = "+arg(f.StarterID))
	}
	if f.CurrentPerformer != 0 {
		where = append(where, `EXISTS (SELECT 1 FROM task_performers p JOIN tasks t ON t.id = p.task_id
			WHERE p.workflow_id = w.id AND p.user_id = `+arg(f.CurrentPerformer)+` AND t.status IN ('active', 'snoozed'))`)
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		where = append(where, "LOWER(w.name) LIKE "+arg("%"+strings.ToLower(s)+"%"))
	}
	if f.VisibleTo != 0 {
		u := arg(f.VisibleTo)
		where = append(where, "(w.starter_id = "+u+" OR EXISTS (SELECT 1 FROM task_performers p WHERE p.workflow_id = w.id AND p.user_id = "+u+"))")
	}
	return strings.Join(where, " AND "), args
}

// ListWorkflowIDs answers a page of workflow ids and the total count.
func (q *Q) ListWorkflowIDs(ctx context.Context, accountID int64, f WorkflowFilter) ([]int64, int, error) {
	where, args := f.where(accountID)
	total, err := q.countWorkflows(ctx, accountID, f, where, args)
	if err != nil {
		return nil, 0, err
	}
	order := "w.date_created DESC, w.id DESC"
	switch f.Order {
	case "date":
		order = "w.date_created ASC, w.id ASC"
	case "-urgent":
		order = "w.is_urgent DESC, w.date_created DESC, w.id DESC"
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := q.q.QueryContext(ctx, fmt.Sprintf(`SELECT w.id FROM workflows w WHERE %s ORDER BY %s LIMIT $%d OFFSET $%d`,
		where, order, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, 0, err
		}
		ids = append(ids, id)
	}
	return ids, total, rows.Err()
}

// countWorkflows counts the workflows a filter selects. A filter of
// statuses and a template only is answered from workflow_counts, which
// triggers keep (migration 0007): a few rows per status, whatever the
// number of workflows. Other filters count the matching rows.
func (q *Q) countWorkflows(ctx context.Context, accountID int64, f WorkflowFilter, where string, args []any) (int, error) {
	var total int
	if f.StarterID != 0 || f.CurrentPerformer != 0 || strings.TrimSpace(f.Search) != "" || f.VisibleTo != 0 {
		err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM workflows w WHERE `+where, args...).Scan(&total)
		return total, err
	}
	// template_id 0 is the row of every template of the account.
	cargs := []any{accountID, f.TemplateID}
	cwhere := "c.account_id = $1 AND c.template_id = $2"
	if len(f.Statuses) > 0 {
		ph := make([]string, len(f.Statuses))
		for i, s := range f.Statuses {
			cargs = append(cargs, s)
			ph[i] = fmt.Sprintf("$%d", len(cargs))
		}
		cwhere += " AND c.status IN (" + strings.Join(ph, ",") + ")"
	}
	err := q.q.QueryRowContext(ctx, `SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM workflow_counts c WHERE `+cwhere, cargs...).Scan(&total)
	return total, err
}

// IsWorkflowMember reports whether a user started or performs in a workflow.
func (q *Q) IsWorkflowMember(ctx context.Context, workflowID, userID int64) (bool, error) {
	var n int
	err := q.q.QueryRowContext(ctx, `SELECT COUNT(*) FROM workflows w WHERE w.id = $1 AND (w.starter_id = $2 OR EXISTS
		(SELECT 1 FROM task_performers p WHERE p.workflow_id = w.id AND p.user_id = $2))`, workflowID, userID).Scan(&n)
	return n > 0, err
}

// TaskListItem is one row of a person's task list.
type TaskListItem struct {
	ID             int64
	Name           string
	WorkflowName   string
	WorkflowID     int64
	DueDate        *time.Time
	DateStarted    *time.Time
	TemplateID     int64
	TemplateTaskID int64
	IsUrgent       bool
	Status         string
}

// TaskFilter selects a person's tasks.
type TaskFilter struct {
	UserID        int64
	Completed     bool
	TemplateID    int64
	Order         string // "" (urgent first, newest), "date", "-date", "overdue"
	Limit, Offset int
}

// ListTasks answers a page of a person's tasks: the inbox (active tasks of
// running workflows not yet completed by them) or the ones they completed.
func (q *Q) ListTasks(ctx context.Context, accountID int64, f TaskFilter) ([]TaskListItem, int, error) {
	// A user belongs to one account, and the caller checked that UserID is
	// of this account; filtering on account_id too would cost a table
	// lookup per inbox row, since the inbox index does not hold it.
	where := "p.user_id = $1"
	args := []any{f.UserID}
	if f.Completed {
		where += " AND p.is_completed = TRUE AND w.deleted_at IS NULL"
	} else {
		where += " AND p.inbox = TRUE"
	}
	if f.TemplateID != 0 {
		args = append(args, f.TemplateID)
		where += fmt.Sprintf(" AND p.template_id = $%d", len(args))
	}
	from := `FROM task_performers p JOIN tasks t ON t.id = p.task_id JOIN workflows w ON w.id = p.workflow_id`
	// Both counts come from task_counts, which triggers keep (migration
	// 0007): kind 0 counts the inbox = TRUE rows of the user, kind 1 the
	// is_completed = TRUE rows of live workflows; template_id 0 is the row
	// of every template. The count rides on the page's rows (a subquery
	// both databases evaluate once), so a page is one round trip; only an
	// empty page asks for it apart.
	kind := 0
	if f.Completed {
		kind = 1
	}
	tpl := "0"
	if f.TemplateID != 0 {
		tpl = "$2"
	}
	count := fmt.Sprintf(`SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM task_counts c
		WHERE c.user_id = $1 AND c.kind = %d AND c.template_id = %s`, kind, tpl)
	order := "p.is_urgent DESC, p.date_started DESC, p.task_id DESC"
	switch {
	case f.Completed:
		order = "p.date_completed DESC, p.task_id DESC"
	case f.Order == "date":
		order = "p.date_started ASC, p.task_id ASC"
	case f.Order == "-date":
		order = "p.date_started DESC, p.task_id DESC"
	case f.Order == "overdue":
		order = "CASE WHEN t.due_date IS NULL THEN 1 ELSE 0 END, t.due_date ASC, p.task_id ASC"
	}
	pageArgs := append(args[:len(args):len(args)], f.Limit, f.Offset)
	stampCol, stamp := q.stamped()
	out := []TaskListItem{}
	total := 0
	var it TaskListItem
	var due, started sql.NullInt64
	dest := []any{&it.ID, &it.Name, &it.WorkflowName, &it.WorkflowID, &due, &started, &it.TemplateID, &it.TemplateTaskID,
		&it.IsUrgent, &it.Status, &total}
	if stamp != nil {
		dest = append(dest, stamp)
	}
	// The inbox reads the performer rows alone: they carry the task's and
	// workflow's columns a page shows (migration 0012), and an inbox row's
	// task is active by definition. The completed list still joins, for the
	// task's status and the workflow's deletion.
	cols := `t.id, t.name, w.name, w.id, t.due_date, t.date_started, w.template_id, t.template_task_id, t.is_urgent, t.status`
	if !f.Completed {
		from = `FROM task_performers p`
		order = strings.ReplaceAll(order, "t.due_date", "p.due_date")
		cols = `p.task_id, p.task_name, p.workflow_name, p.workflow_id, p.due_date, p.date_started, p.template_id,
		p.template_task_id, p.is_urgent, '` + engine.TaskActive + `'`
	}
	err := q.scanRows(ctx, fmt.Sprintf(`SELECT %s, (%s)%s %s WHERE %s ORDER BY %s LIMIT $%d OFFSET $%d`,
		cols, count, stampCol, from, where, order, len(pageArgs)-1, len(pageArgs)), pageArgs, func(rows rowScanner) error {
		for rows.Next() {
			it = TaskListItem{}
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			it.DueDate, it.DateStarted = FromNullMicros(due), FromNullMicros(started)
			out = append(out, it)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	if len(out) == 0 {
		dest := []any{&total}
		if stamp != nil {
			count = "SELECT (" + count + ")" + stampCol
			dest = append(dest, stamp)
		}
		if err := q.q.QueryRowContext(ctx, count, args...).Scan(dest...); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// TaskWorkflowID finds the workflow of a task of the account.
func (q *Q) TaskWorkflowID(ctx context.Context, accountID, taskID int64) (int64, error) {
	var wid int64
	err := q.q.QueryRowContext(ctx, `SELECT t.workflow_id FROM tasks t JOIN workflows w ON w.id = t.workflow_id
		WHERE t.id = $1 AND t.account_id = $2 AND w.deleted_at IS NULL`, taskID, accountID).Scan(&wid)
	if err == sql.ErrNoRows {
		return 0, errNotFound()
	}
	return wid, err
}

// ChecklistWorkflow finds the task and workflow of a checklist of the account.
func (q *Q) ChecklistWorkflow(ctx context.Context, accountID, checklistID int64) (taskID, workflowID int64, err error) {
	err = q.q.QueryRowContext(ctx, `SELECT c.task_id, c.workflow_id FROM checklist_items c JOIN workflows w ON w.id = c.workflow_id
		WHERE c.checklist_id = $1 AND c.account_id = $2 AND w.deleted_at IS NULL LIMIT 1`, checklistID, accountID).Scan(&taskID, &workflowID)
	if err == sql.ErrNoRows {
		return 0, 0, errNotFound()
	}
	return taskID, workflowID, err
}

// WorkflowsOfPerformer lists the live, unfinished workflows where a user is
// an uncompleted performer of an active or snoozed task.
func (q *Q) WorkflowsOfPerformer(ctx context.Context, accountID, userID int64) ([]int64, error) {
	rows, err := q.q.QueryContext(ctx, `SELECT DISTINCT p.workflow_id FROM task_performers p JOIN tasks t ON t.id = p.task_id
		JOIN workflows w ON w.id = p.workflow_id WHERE p.user_id = $1 AND p.account_id = $2 AND p.is_completed = FALSE
		AND t.status IN ('active', 'snoozed') AND w.deleted_at IS NULL AND w.status <> 1`, userID, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// LoadWorkflows loads several aggregates (for list pages), in the given order.
func (q *Q) LoadWorkflows(ctx context.Context, accountID int64, ids []int64, publicURL string) ([]*engine.Workflow, error) {
	if len(ids) == 0 {
		return []*engine.Workflow{}, nil
	}
	args := []any{accountID}
	ph := make([]string, len(ids))
	for i, id := range ids {
		args = append(args, id)
		ph[i] = fmt.Sprintf("$%d", i+2)
	}
	// The unary + keeps SQLite off the account index: without statistics
	// its planner rates "account_id = ?" at ten rows, cheaper than twenty
	// primary-key lookups, and scanned every workflow of the account.
	rows, err := q.q.QueryContext(ctx, `SELECT `+workflowColumns+` FROM workflows WHERE id IN (`+strings.Join(ph, ",")+`)
		AND +account_id = $1 AND deleted_at IS NULL`, args...)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*engine.Workflow{}
	for rows.Next() {
		wf, err := scanWorkflow(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		byID[wf.ID] = wf
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*engine.Workflow, 0, len(ids))
	for _, id := range ids {
		if wf := byID[id]; wf != nil {
			out = append(out, wf)
		}
	}
	return out, q.loadPartsOf(ctx, out, publicURL)
}
