package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
)

// dumpWorkflow renders an aggregate's persisted state as text (times in
// microseconds; dirty flags left out) so that two loads can be compared.
func dumpWorkflow(wf *engine.Workflow) string {
	tm := func(p *time.Time) string {
		if p == nil {
			return "nil"
		}
		return strconv.FormatInt(p.UnixMicro(), 10)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "wf id=%d acct=%d tpl=%d ver=%d tname=%q name=%q desc=%q status=%d starter=%d ext=%v urgent=%v fin=%v due=%s created=%d completed=%s snoozed=%s kick=%q\n",
		wf.ID, wf.AccountID, wf.TemplateID, wf.TemplateVersionID, wf.TemplateName, wf.Name, wf.Description, wf.Status, wf.StarterID,
		wf.IsExternal, wf.IsUrgent, wf.Finalizable, tm(wf.DueDate), wf.DateCreated.UnixMicro(), tm(wf.DateCompleted), tm(wf.SnoozedUntil), wf.KickoffDescription)
	tasks := append([]*engine.Task(nil), wf.Tasks...)
	sort.Slice(tasks, func(i, j int) bool { return tasks[i].Number < tasks[j].Number })
	for _, t := range tasks {
		fmt.Fprintf(&b, " task id=%d tt=%d n=%d api=%s name=%q desc=%q st=%s all=%v started=%s first=%s done=%s due=%s urgent=%v\n",
			t.ID, t.TemplateTaskID, t.Number, t.APIName, t.Name, t.Description, t.Status, t.RequireCompletionByAll, tm(t.DateStarted),
			tm(t.DateFirstStarted), tm(t.DateCompleted), tm(t.DueDate), t.IsUrgent)
		if t.Delay != nil {
			fmt.Fprintf(&b, "  delay %s start=%s end=%s est=%s\n", t.Delay.Duration, tm(t.Delay.Start), tm(t.Delay.End), tm(t.Delay.EstimatedEnd))
		}
		ps := append([]engine.Performer(nil), t.Performers...)
		sort.Slice(ps, func(i, j int) bool { return ps[i].UserID < ps[j].UserID })
		for _, p := range ps {
			fmt.Fprintf(&b, "  perf u=%d g=%d done=%v at=%s\n", p.UserID, p.GroupID, p.IsCompleted, tm(p.DateCompleted))
		}
		for _, cl := range t.Checklists {
			fmt.Fprintf(&b, "  checklist id=%d api=%s\n", cl.ID, cl.APIName)
			for _, it := range cl.Items {
				fmt.Fprintf(&b, "   item id=%d api=%s tpl=%q val=%q sel=%v\n", it.ID, it.APIName, it.Template, it.Value, it.IsSelected)
			}
		}
	}
	fields := append([]*engine.Field(nil), wf.Fields...)
	sort.Slice(fields, func(i, j int) bool { return fields[i].ID < fields[j].ID })
	for _, f := range fields {
		task := 0
		if t := wf.FieldTask(f); t != nil {
			task = t.Number
		}
		fmt.Fprintf(&b, " field id=%d task#=%d api=%s type=%s name=%q req=%v ord=%d val=%q user=%d sels=%v att=%v\n",
			f.ID, task, f.APIName, f.Type, f.Name, f.IsRequired, f.Order, f.Value, f.UserID, f.Selections, f.Attachments)
	}
	return b.String()
}

func TestWorkflowRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t)
	clock := time.Date(2030, 5, 6, 7, 8, 9, 123456000, time.UTC)
	svc := app.New(db, app.Config{PublicURL: "http://test"}, func() time.Time { return clock }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	key := "pn-" + strings.Repeat("R", 43)
	if _, err := svc.Bootstrap(ctx, "owner@example.com", key); err != nil {
		t.Fatal(err)
	}
	owner, err := svc.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	me := strconv.FormatInt(owner.User.ID, 10)
	perf := []any{map[string]any{"type": "user", "source_id": me}}
	tv, err := svc.CreateTemplate(ctx, owner, map[string]any{"name": "Trip", "is_active": true,
		"kickoff": map[string]any{"description": "KD", "fields": []any{
			map[string]any{"api_name": "who", "name": "Who", "type": "string", "is_required": true},
			map[string]any{"api_name": "pick", "name": "Pick", "type": "checkbox", "selections": []any{map[string]any{"value": "A"}, map[string]any{"value": "B"}}},
			map[string]any{"api_name": "when", "name": "When", "type": "date"},
			map[string]any{"api_name": "boss", "name": "Boss", "type": "user", "is_required": true},
		}},
		"tasks": []any{
			map[string]any{"number": 1, "name": "Call {{who}}", "description": "picked {{pick}}", "raw_performers": perf,
				"require_completion_by_all": true,
				"raw_due_date":              map[string]any{"rule": "after field", "source_id": "when", "duration": "1 00:00:00", "duration_months": 1},
				"fields":                    []any{map[string]any{"api_name": "n", "name": "N", "type": "number"}},
				"checklists":                []any{map[string]any{"api_name": "cl", "selections": []any{map[string]any{"api_name": "i1", "value": "Check {{who}}"}}}}},
			map[string]any{"number": 2, "name": "Two {{n}}", "delay": "01:00:00", "raw_performers": []any{map[string]any{"type": "field", "source_id": "boss"}}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	due := clock.Add(72 * time.Hour)
	wv, err := svc.Run(ctx, owner, tv.Row.ID, app.RunInput{Name: "Trip {{who}}", IsUrgent: true, DueDate: &due,
		Kickoff: map[string]any{"who": "Zoë", "pick": []any{"A", "B"}, "when": "2030-06-01T10:00:00Z", "boss": owner.User.ID}})
	if err != nil {
		t.Fatal(err)
	}
	load := func() *engine.Workflow {
		t.Helper()
		wf, err := db.Read().LoadWorkflow(ctx, owner.AccountID(), wv.WF.ID, false, "http://test")
		if err != nil {
			t.Fatal(err)
		}
		return wf
	}
	// InsertWorkflow → LoadWorkflow gives back the same aggregate.
	if want, got := dumpWorkflow(wv.WF), dumpWorkflow(load()); want != got {
		t.Fatalf("round trip after insert differs:\nwant:\n%s\ngot:\n%s", want, got)
	}
	if s := load().TaskByNumber(1).Name; s != "Call Zoë" {
		t.Fatalf("rendered name %q", s)
	}

	// SaveWorkflow of changes: tick the checklist, complete task 1 (the delay
	// of task 2 starts), rename, and compare a fresh load.
	doc, err := svc.Template(ctx, owner, tv.Row.ID)
	if err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(90 * time.Minute)
	var changed *engine.Workflow
	err = db.Write(ctx, func(q *store.Q) error {
		wf, err := q.LoadWorkflow(ctx, owner.AccountID(), wv.WF.ID, true, "http://test")
		if err != nil {
			return err
		}
		t1 := wf.TaskByNumber(1)
		t1.Checklists[0].Items[0].IsSelected, t1.Checklists[0].Items[0].Dirty = true, true
		wf.Name, wf.Dirty = "Renamed", true
		env := engine.Env{Now: clock, Dir: dirOf{owner}, Template: doc.Doc}
		if _, err := engine.Complete(env, wf, engine.Actor{UserID: owner.User.ID, IsAdmin: true, IsOwner: true},
			engine.CompleteInput{TaskID: t1.ID, Output: map[string]any{"n": "42.5"}}); err != nil {
			return err
		}
		if err := q.SaveWorkflow(ctx, wf); err != nil {
			return err
		}
		changed = wf
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := load()
	if want, have := dumpWorkflow(changed), dumpWorkflow(got); want != have {
		t.Fatalf("round trip after save differs:\nwant:\n%s\ngot:\n%s", want, have)
	}
	if got.Status != engine.StatusDelayed || got.TaskByNumber(2).Status != engine.TaskSnoozed || got.TaskByNumber(2).Name != "Two 42.5" {
		t.Fatalf("after save: status %d, task 2 %s %q", got.Status, got.TaskByNumber(2).Status, got.TaskByNumber(2).Name)
	}
}

// dirOf is a Directory with only the owner, for the engine call above.
type dirOf struct{ a *app.Actor }

func (d dirOf) User(id int64) (engine.User, bool) {
	if id != d.a.User.ID {
		return engine.User{}, false
	}
	return engine.User{ID: id, Email: d.a.User.Email, Active: true, IsAdmin: true, IsOwner: true}, true
}
func (d dirOf) UserByEmail(string) (engine.User, bool) { return engine.User{}, false }
func (d dirOf) GroupMembers(int64) ([]int64, bool)     { return nil, false }
func (d dirOf) FreeAttachment(int64, int64) (engine.Attachment, bool) {
	return engine.Attachment{}, false
}
func (d dirOf) OwnerID() int64 { return d.a.User.ID }
