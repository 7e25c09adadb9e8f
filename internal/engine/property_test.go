package engine

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// propDir is a map-backed Directory (and template.Directory): user 1 is the
// owner, 2 an admin, 3 and 5 plain users, 4 inactive; group 10 is {2, 3, 4},
// group 11 is {4} (only an inactive member).
type propDir struct {
	users  map[int64]User
	groups map[int64][]int64
}

func newPropDir() *propDir {
	return &propDir{
		users: map[int64]User{
			1: {ID: 1, Email: "owner@x.test", FirstName: "Olga", LastName: "Owner", Active: true, IsAdmin: true, IsOwner: true},
			2: {ID: 2, Email: "admin@x.test", FirstName: "Ada", Active: true, IsAdmin: true},
			3: {ID: 3, Email: "u3@x.test", FirstName: "Uma", Active: true},
			4: {ID: 4, Email: "gone@x.test", FirstName: "Gone", Active: false},
			5: {ID: 5, Email: "u5@x.test", Active: true},
		},
		groups: map[int64][]int64{10: {2, 3, 4}, 11: {4}},
	}
}

func (d *propDir) User(id int64) (User, bool) { u, ok := d.users[id]; return u, ok }
func (d *propDir) UserByEmail(email string) (User, bool) {
	for _, u := range d.users {
		if strings.EqualFold(u.Email, email) {
			return u, true
		}
	}
	return User{}, false
}
func (d *propDir) GroupMembers(id int64) ([]int64, bool) { m, ok := d.groups[id]; return m, ok }
func (d *propDir) FreeAttachment(int64, int64) (Attachment, bool) {
	return Attachment{}, false
}
func (d *propDir) OwnerID() int64            { return 1 }
func (d *propDir) UserExists(id int64) bool  { _, ok := d.users[id]; return ok }
func (d *propDir) GroupExists(id int64) bool { _, ok := d.groups[id]; return ok }
func (d *propDir) GroupName(id int64) (string, bool) {
	return "G" + strconv.FormatInt(id, 10), d.GroupExists(id)
}
func (d *propDir) UserName(id int64) (string, bool) {
	u, ok := d.users[id]
	return u.FirstName + " " + u.LastName, ok
}

var propActors = []Actor{
	{UserID: 1, IsAdmin: true, IsOwner: true},
	{UserID: 2, IsAdmin: true},
	{UserID: 3},
	{UserID: 4},
	{UserID: 5},
}

func sp(s string) *string { return &s }

// propField is a field the generator may reference later.
type propField struct {
	api, typ string
	sels     []string // selection api_names
}

func propSelections(api string) []template.Selection {
	var out []template.Selection
	for i, v := range []string{"a", "b", "c"} {
		out = append(out, template.Selection{ID: int64(900 + i), APIName: api + "-" + v, Value: strings.ToUpper(v)})
	}
	return out
}

// propPredicate makes a predicate valid for its field.
func propPredicate(rng *rand.Rand, f propField, n int) template.Predicate {
	var ops []string
	for _, op := range template.Operators {
		if template.OperatorAllowed(f.typ, op) {
			ops = append(ops, op)
		}
	}
	op := ops[rng.IntN(len(ops))]
	p := template.Predicate{APIName: fmt.Sprintf("pred-%d", n), Field: f.api, FieldType: f.typ, Operator: op}
	if template.IsUnary(op) {
		return p
	}
	switch f.typ {
	case template.TypeNumber:
		p.Value = sp(strconv.Itoa(rng.IntN(5)))
	case template.TypeCheckbox, template.TypeRadio:
		p.Value = sp(f.sels[rng.IntN(len(f.sels))])
	default:
		p.Value = sp([]string{"x", "y", "xy"}[rng.IntN(3)])
	}
	return p
}

// propTemplate builds a random valid active template.
func propTemplate(t *testing.T, rng *rand.Rand, dir *propDir) *template.Template {
	t.Helper()
	tp := &template.Template{ID: 1, Name: "Prop", IsActive: true, Finalizable: rng.IntN(2) == 0, Owners: []int64{1}}
	var known []propField
	types := []string{template.TypeString, template.TypeNumber, template.TypeCheckbox, template.TypeRadio}
	for i := range 1 + rng.IntN(4) {
		typ := types[rng.IntN(len(types))]
		api := fmt.Sprintf("k%d", i)
		f := template.Field{ID: int64(100 + i), APIName: api, Name: api, Type: typ, Order: i, IsRequired: rng.IntN(5) == 0}
		pf := propField{api: api, typ: typ}
		if template.HasSelections(typ) {
			f.Selections = propSelections(api)
			for _, s := range f.Selections {
				pf.sels = append(pf.sels, s.APIName)
			}
		}
		tp.Kickoff.Fields = append(tp.Kickoff.Fields, f)
		known = append(known, pf)
	}
	id := int64(1000)
	next := func() int64 { id++; return id }
	performerPool := []template.Performer{
		{Type: template.PerformerUser, SourceID: sp("1")},
		{Type: template.PerformerUser, SourceID: sp("2")},
		{Type: template.PerformerUser, SourceID: sp("3")},
		{Type: template.PerformerUser, SourceID: sp("4")},
		{Type: template.PerformerGroup, SourceID: sp("10")},
		{Type: template.PerformerGroup, SourceID: sp("11")},
		{Type: template.PerformerStarter},
	}
	nTasks := 1 + rng.IntN(6)
	for n := 1; n <= nTasks; n++ {
		task := template.Task{ID: next(), APIName: fmt.Sprintf("task-%d", n), Number: n, RequireCompletionByAll: rng.IntN(3) == 0}
		// A name with variables of known fields (and a system one).
		var vars []string
		for range rng.IntN(3) {
			vars = append(vars, "{{"+known[rng.IntN(len(known))].api+"}}")
		}
		if rng.IntN(4) == 0 {
			vars = append(vars, "{{template-name}}")
		}
		task.Name = fmt.Sprintf("Task %d %s", n, strings.Join(vars, " "))
		task.Description = "About " + strings.Join(vars, ",")
		if rng.IntN(3) == 0 {
			d := int64(60 * (1 + rng.IntN(120)))
			task.Delay = &d
		}
		perm := rng.Perm(len(performerPool))
		for _, i := range perm[:1+rng.IntN(3)] {
			p := performerPool[i]
			p.ID, p.APIName = next(), fmt.Sprintf("raw-performer-%d-%d", n, i)
			task.Performers = append(task.Performers, p)
		}
		if rng.IntN(2) == 0 {
			for c := range 1 + rng.IntN(2) {
				cond := template.Condition{ID: next(), APIName: fmt.Sprintf("cond-%d-%d", n, c), Order: c,
					Action: []string{template.ActionStartTask, template.ActionSkipTask, template.ActionEndProcess}[rng.IntN(3)]}
				if rng.IntN(8) == 0 {
					cond.Action = template.ActionEndProcess
				}
				for r := range 1 + rng.IntN(2) {
					rule := template.Rule{ID: next(), APIName: fmt.Sprintf("rule-%d-%d-%d", n, c, r)}
					for range 1 + rng.IntN(2) {
						pr := propPredicate(rng, known[rng.IntN(len(known))], int(next()))
						pr.ID = next()
						rule.Predicates = append(rule.Predicates, pr)
					}
					cond.Rules = append(cond.Rules, rule)
				}
				task.Conditions = append(task.Conditions, cond)
			}
		}
		// An output field that later tasks may reference.
		if rng.IntN(2) == 0 {
			api := fmt.Sprintf("o%d", n)
			typ := []string{template.TypeString, template.TypeNumber}[rng.IntN(2)]
			task.Fields = append(task.Fields, template.Field{ID: next(), APIName: api, Name: api, Type: typ, IsRequired: rng.IntN(4) == 0})
		}
		tp.Tasks = append(tp.Tasks, task)
		// Fields of task n become known to task n+1.
		if len(task.Fields) > 0 {
			known = append(known, propField{api: task.Fields[0].APIName, typ: task.Fields[0].Type})
		}
	}
	if err := template.Validate(tp, dir); err != nil {
		t.Fatalf("generated template is invalid: %v", err)
	}
	return tp
}

// propValue is a random kickoff/output value for a field type (sometimes
// invalid, sometimes empty).
func propValue(rng *rand.Rand, f *Field) any {
	switch rng.IntN(6) {
	case 0:
		return nil
	case 1:
		return "not a valid ☃ value for numbers"
	}
	switch f.Type {
	case template.TypeNumber:
		return strconv.Itoa(rng.IntN(6))
	case template.TypeCheckbox:
		var out []any
		for _, s := range f.Selections {
			if rng.IntN(2) == 0 {
				out = append(out, s.APIName)
			}
		}
		return out
	case template.TypeRadio:
		return f.Selections[rng.IntN(len(f.Selections))].Value
	}
	return []string{"x", "y", "xy", "{k0}"}[rng.IntN(4)]
}

// cloneWorkflow deep-copies an aggregate (field→task links point into the copy).
func cloneWorkflow(wf *Workflow) *Workflow {
	c := *wf
	ct := func(p *time.Time) *time.Time {
		if p == nil {
			return nil
		}
		v := *p
		return &v
	}
	c.DueDate, c.DateCompleted, c.SnoozedUntil = ct(wf.DueDate), ct(wf.DateCompleted), ct(wf.SnoozedUntil)
	tasks := map[*Task]*Task{}
	c.Tasks = nil
	for _, t := range wf.Tasks {
		nt := *t
		nt.DateStarted, nt.DateFirstStarted, nt.DateCompleted, nt.DueDate = ct(t.DateStarted), ct(t.DateFirstStarted), ct(t.DateCompleted), ct(t.DueDate)
		if t.Delay != nil {
			d := *t.Delay
			d.Start, d.End, d.EstimatedEnd = ct(d.Start), ct(d.End), ct(d.EstimatedEnd)
			nt.Delay = &d
		}
		nt.Performers = nil
		for _, p := range t.Performers {
			p.DateCompleted = ct(p.DateCompleted)
			nt.Performers = append(nt.Performers, p)
		}
		nt.Checklists = nil
		for _, cl := range t.Checklists {
			cl.Items = append([]ChecklistItem(nil), cl.Items...)
			nt.Checklists = append(nt.Checklists, cl)
		}
		nt.Removed = append([]int64(nil), t.Removed...)
		tasks[t] = &nt
		c.Tasks = append(c.Tasks, &nt)
	}
	c.Fields = nil
	for _, f := range wf.Fields {
		nf := *f
		nf.Selections = append([]Selection(nil), f.Selections...)
		nf.Attachments = append([]Attachment(nil), f.Attachments...)
		if f.task != nil {
			nf.task = tasks[f.task]
		}
		c.Fields = append(c.Fields, &nf)
	}
	return &c
}

var propTaskStatuses = map[string]bool{TaskPending: true, TaskActive: true, TaskSnoozed: true, TaskCompleted: true, TaskSkipped: true}

// checkInvariants reports the first broken invariant, or "".
func checkInvariants(wf *Workflow, tp *template.Template) string {
	if wf.Status != StatusRunning && wf.Status != StatusDone && wf.Status != StatusDelayed {
		return fmt.Sprintf("workflow status %d", wf.Status)
	}
	if (wf.Status == StatusDone) != (wf.DateCompleted != nil) {
		return fmt.Sprintf("status %d with date_completed %v", wf.Status, wf.DateCompleted)
	}
	var current []*Task
	for _, t := range wf.Tasks {
		if !propTaskStatuses[t.Status] {
			return fmt.Sprintf("task %d status %q", t.Number, t.Status)
		}
		if t.Status == TaskActive || t.Status == TaskSnoozed {
			current = append(current, t)
		}
		if t.Status == TaskCompleted {
			for _, p := range t.Performers {
				if !p.IsCompleted {
					return fmt.Sprintf("completed task %d with performer %d not completed", t.Number, p.UserID)
				}
			}
			if t.DateCompleted == nil {
				return fmt.Sprintf("completed task %d without date_completed", t.Number)
			}
		}
		if t.Status != TaskPending {
			for _, f := range tp.AllFields() {
				if strings.Contains(t.Name, "{{"+f.APIName+"}}") || strings.Contains(t.Description, "{{"+f.APIName+"}}") {
					return fmt.Sprintf("task %d (%s) name %q keeps {{%s}}", t.Number, t.Status, t.Name, f.APIName)
				}
			}
		}
		if wf.Status == StatusDone && t.IsUrgent {
			return fmt.Sprintf("done workflow with urgent task %d", t.Number)
		}
		if t.Status == TaskActive && len(t.Performers) == 0 {
			return fmt.Sprintf("active task %d without performers", t.Number)
		}
	}
	if len(current) > 1 {
		return fmt.Sprintf("%d tasks active or snoozed", len(current))
	}
	if wf.Status == StatusDone && wf.IsUrgent {
		return "done workflow is urgent"
	}
	// A finished (POST /finish) workflow may keep its active task as it was;
	// a waiting (snoozed) task never outlives the end.
	if wf.Status == StatusDone && len(current) != 0 && current[0].Status == TaskSnoozed {
		return fmt.Sprintf("done workflow with task %d %s", current[0].Number, current[0].Status)
	}
	if wf.Status == StatusRunning || wf.Status == StatusDelayed {
		if len(current) != 1 {
			return fmt.Sprintf("workflow status %d without a current task", wf.Status)
		}
		cur := current[0]
		if wf.Status == StatusRunning && cur.Status != TaskActive {
			return fmt.Sprintf("running workflow with current task %d %s", cur.Number, cur.Status)
		}
		for _, t := range wf.Tasks {
			if t.Number < cur.Number && t.Status != TaskCompleted && t.Status != TaskSkipped {
				return fmt.Sprintf("task %d is %s below current task %d", t.Number, t.Status, cur.Number)
			}
			if t.Number > cur.Number && t.Status != TaskPending {
				return fmt.Sprintf("task %d is %s above current task %d", t.Number, t.Status, cur.Number)
			}
		}
	}
	return ""
}

// TestEngineProperties runs random templates through random action
// sequences and checks the engine's invariants after every step.
func TestEngineProperties(t *testing.T) {
	const templates, steps = 300, 40
	dir := newPropDir()
	stats := map[string]int{}
	for seed := range uint64(templates) {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		tp := propTemplate(t, rng, dir)
		now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
		env := func() Env { return Env{Now: now, Dir: dir, Template: tp} }
		starter := int64(1 + rng.IntN(3))
		kick := map[string]any{}
		var wf *Workflow
		for attempt := 0; ; attempt++ {
			// Build a kickoff that passes validation (possibly after a few tries).
			kick = map[string]any{}
			for _, f := range tp.Kickoff.Fields {
				kf := &Field{Type: f.Type}
				for _, s := range f.Selections {
					kf.Selections = append(kf.Selections, Selection{APIName: s.APIName, Value: s.Value})
				}
				kick[f.APIName] = propValue(rng, kf)
			}
			var err error
			wf, err = NewWorkflow(env(), 1, RunInput{Kickoff: kick, StarterID: starter, IsUrgent: rng.IntN(2) == 0})
			if err == nil {
				break
			}
			stats["run rejected"]++
			if attempt > 50 {
				t.Fatalf("seed %d: no valid kickoff found: %v", seed, err)
			}
		}
		for i, task := range wf.Tasks {
			task.ID = int64(500 + i)
		}
		for i, f := range wf.Fields {
			f.ID = int64(700 + i)
		}
		Start(env(), wf, starter)
		if msg := checkInvariants(wf, tp); msg != "" {
			t.Fatalf("seed %d after start: %s", seed, msg)
		}
		var trace []string
		for step := range steps {
			before := cloneWorkflow(wf)
			actor := propActors[rng.IntN(len(propActors))]
			var err error
			var what string
			switch k := rng.IntN(10); {
			case k < 4:
				task := wf.Tasks[rng.IntN(len(wf.Tasks))]
				if cur := wf.Current(); cur != nil && rng.IntN(4) != 0 {
					task = cur
				}
				in := CompleteInput{TaskID: task.ID, Output: map[string]any{}}
				if rng.IntN(4) == 0 {
					in.OnBehalf = int64(1 + rng.IntN(5))
				}
				for _, f := range wf.TaskFields(task) {
					if rng.IntN(3) != 0 {
						in.Output[f.APIName] = propValue(rng, f)
					}
				}
				what = fmt.Sprintf("complete task %d by %d (on behalf %d) %v", task.Number, actor.UserID, in.OnBehalf, in.Output)
				_, err = Complete(env(), wf, actor, in)
			case k == 4:
				what = fmt.Sprintf("revert by %d", actor.UserID)
				_, err = Revert(env(), wf, actor, "c")
			case k == 5:
				target := wf.Tasks[rng.IntN(len(wf.Tasks))]
				what = fmt.Sprintf("return to %d by %d", target.Number, actor.UserID)
				_, err = ReturnTo(env(), wf, actor, target)
			case k == 6:
				until := now.Add(time.Duration(rng.IntN(180)-60) * time.Minute)
				what = fmt.Sprintf("snooze until %s by %d", until.Format(time.TimeOnly), actor.UserID)
				_, err = Snooze(env(), wf, actor, until)
			case k == 7:
				what = fmt.Sprintf("resume by %d", actor.UserID)
				_, err = Resume(env(), wf, actor)
			case k == 8:
				d := time.Duration(rng.IntN(150)) * time.Minute
				now = now.Add(d)
				what = fmt.Sprintf("clock +%s, wake up", d)
				WakeUp(env(), wf)
			default:
				if rng.IntN(2) == 0 {
					what = fmt.Sprintf("finish by %d", actor.UserID)
					_, err = Finish(env(), wf, actor)
				} else {
					u := rng.IntN(2) == 0
					what = fmt.Sprintf("urgent=%v", u)
					SetUrgent(env(), wf, actor.UserID, u)
				}
			}
			if err != nil {
				what += " → " + err.Error()
				stats["rejected"]++
				if !reflect.DeepEqual(before, wf) {
					t.Fatalf("seed %d step %d: rejected action changed the workflow: %s\ntrace:\n%s", seed, step, what, strings.Join(trace, "\n"))
				}
			} else {
				stats["accepted"]++
			}
			trace = append(trace, what)
			if msg := checkInvariants(wf, tp); msg != "" {
				t.Fatalf("seed %d step %d: %s\ntrace:\n%s", seed, step, msg, strings.Join(trace, "\n"))
			}
			stats[fmt.Sprintf("status %d", wf.Status)]++
		}
	}
	// The generator must reach every state, or the test proves little.
	for _, k := range []string{"status 0", "status 1", "status 3", "rejected", "accepted"} {
		if stats[k] == 0 {
			t.Errorf("no step ended in %q: %v", k, stats)
		}
	}
	t.Logf("stats: %v", stats)
}

// TestSetUrgentOnDoneWorkflow: a done workflow has is_urgent false on
// itself and its tasks (§5.4); PATCH is_urgent=true must not revive it.
func TestSetUrgentOnDoneWorkflow(t *testing.T) {
	dir := newPropDir()
	tp := &template.Template{ID: 1, Name: "U", IsActive: true, Tasks: []template.Task{{ID: 2, APIName: "t1", Number: 1, Name: "A",
		Performers: []template.Performer{{ID: 3, APIName: "p", Type: template.PerformerUser, SourceID: sp("3")}}}}}
	env := Env{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Dir: dir, Template: tp}
	wf, err := NewWorkflow(env, 1, RunInput{StarterID: 1})
	if err != nil {
		t.Fatal(err)
	}
	wf.Tasks[0].ID = 10
	Start(env, wf, 1)
	if _, err := Complete(env, wf, Actor{UserID: 3}, CompleteInput{TaskID: 10}); err != nil {
		t.Fatal(err)
	}
	SetUrgent(env, wf, 1, true)
	if wf.Status != StatusDone || wf.IsUrgent {
		t.Fatalf("done workflow: status %d, is_urgent %v; want done and not urgent", wf.Status, wf.IsUrgent)
	}
}
