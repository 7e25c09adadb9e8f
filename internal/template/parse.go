package template

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/duration"
)

// Limits on text lengths, in characters (engine-semantics §1.6).
const (
	MaxTemplateName   = 120
	MaxTaskName       = 280
	MaxSelectionValue = 200
	MaxPredicateValue = 200
	MaxChecklistItem  = 2000
)

// DefaultName is the name of a draft created without one.
const DefaultName = "New template"

// Small integers (task numbers, orders) must fit a 32-bit column.
const maxSmall = math.MaxInt32

// maxSeconds is the largest duration in seconds that time.Duration holds,
// so that every stored delay can be formatted back.
const maxSeconds = math.MaxInt64 / int64(time.Second)

// Parse builds a Template from a decoded request body (POST or PUT). It
// checks shape and types only: value types, enums (field types, performer
// types, due-date rules, condition actions), lengths and api_name syntax;
// reference and activation rules are Validate's. All problems found are
// returned together as one *problem.Error of kind Invalid.
//
// Defaults: booleans false; a missing or empty name is DefaultName when
// is_active is false, and an error naming "name" otherwise; a missing
// template_owners leaves Owners nil (the caller fills in [caller]); a null
// kickoff is an empty one. Lists are never nil (so they store as []). Tasks
// are sorted by number. Ids are left 0 and missing api_names "": Assign
// fills them in.
func Parse(body map[string]any) (*Template, error) {
	d := &decoder{}
	t := d.template(body)
	if err := d.errs.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

func (d *decoder) template(body map[string]any) *Template {
	var root loc
	t := &Template{Kickoff: Kickoff{Fields: []Field{}}, Tasks: []Task{}}
	t.IsActive = d.boolean(body["is_active"], root.key("is_active"))
	t.IsPublic = d.boolean(body["is_public"], root.key("is_public"))
	t.IsEmbedded = d.boolean(body["is_embedded"], root.key("is_embedded"))
	t.Finalizable = d.boolean(body["finalizable"], root.key("finalizable"))
	t.Name = d.text(body["name"], root.key("name"), MaxTemplateName)
	if strings.TrimSpace(t.Name) == "" {
		if t.IsActive {
			d.fail(root.key("name"), "a template needs a name.")
		} else {
			t.Name = DefaultName
		}
	}
	t.Description = d.text(body["description"], root.key("description"), 0)
	t.PublicSuccessURL = d.optText(body["public_success_url"], root.key("public_success_url"), 0)
	if v, ok := body["template_owners"]; ok && v != nil {
		t.Owners = d.owners(v, root.key("template_owners"))
	}
	if obj, _ := d.object(body["kickoff"], root.key("kickoff")); obj != nil {
		kl := root.key("kickoff")
		t.Kickoff.Description = d.text(obj["description"], kl.key("description"), 0)
		t.Kickoff.Fields = d.fields(obj["fields"], kl.key("fields"))
	}
	tl := root.key("tasks")
	for i, v := range d.list(body["tasks"], tl) {
		if task, ok := d.task(v, tl.at(i)); ok {
			t.Tasks = append(t.Tasks, task)
		}
	}
	slices.SortStableFunc(t.Tasks, func(a, b Task) int { return a.Number - b.Number })
	return t
}

// owners reads template_owners: a list of user ids (numbers or numeric
// strings). A form may send one id, or ids separated by commas. Repeats are
// dropped: a set is what is meant.
func (d *decoder) owners(v any, l loc) []int64 {
	var items []any
	switch x := v.(type) {
	case string:
		if strings.HasPrefix(strings.TrimSpace(x), "[") {
			items = d.list(x, l)
			break
		}
		for _, p := range strings.Split(x, ",") {
			if p = strings.TrimSpace(p); p != "" {
				items = append(items, p)
			}
		}
	case []any:
		items = x
	default:
		if _, ok := numberText(x); ok {
			items = []any{x}
		} else {
			d.fail(l, "must be a list of user ids.")
		}
	}
	out := []int64{}
	for i, it := range items {
		id := d.integer(it, l.at(i), 1, math.MaxInt64)
		if id != 0 && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// fields reads a list of kickoff or task fields.
func (d *decoder) fields(v any, l loc) []Field {
	out := []Field{}
	for i, it := range d.list(v, l) {
		if f, ok := d.field(it, l.at(i)); ok {
			out = append(out, f)
		}
	}
	return out
}

func (d *decoder) field(v any, l loc) (Field, bool) {
	obj, ok := d.item(v, l)
	if !ok {
		return Field{}, false
	}
	var f Field
	f.APIName, l = d.apiName(obj, l)
	f.Name = d.text(obj["name"], l.key("name"), 0)
	f.Type = d.text(obj["type"], l.key("type"), 0)
	if !slices.Contains(FieldTypes, f.Type) {
		d.fail(l.key("type"), "the field type must be one of %s.", strings.Join(FieldTypes, ", "))
	}
	f.Description = d.text(obj["description"], l.key("description"), 0)
	def, has := obj["default"]
	if !has {
		def = obj["default:"] // the seed's create example spells the key this way
	}
	f.Default = d.text(def, l.key("default"), 0)
	f.IsRequired = d.boolean(obj["is_required"], l.key("is_required"))
	f.Order = int(d.integer(obj["order"], l.key("order"), -maxSmall, maxSmall))
	f.Selections = []Selection{}
	// Selections mean something only for selection types; elsewhere they are
	// dropped rather than stored where nothing would read them.
	if HasSelections(f.Type) {
		sl := l.key("selections")
		for i, it := range d.list(obj["selections"], sl) {
			if s, ok := d.selection(it, sl.at(i)); ok {
				f.Selections = append(f.Selections, s)
			}
		}
	}
	return f, true
}

func (d *decoder) selection(v any, l loc) (Selection, bool) {
	obj, ok := d.item(v, l)
	if !ok {
		return Selection{}, false
	}
	var s Selection
	s.APIName, l = d.apiName(obj, l)
	s.Value = d.text(obj["value"], l.key("value"), MaxSelectionValue)
	return s, true
}

func (d *decoder) task(v any, l loc) (Task, bool) {
	obj, ok := d.item(v, l)
	if !ok {
		return Task{}, false
	}
	t := Task{Performers: []Performer{}, Fields: []Field{}, Checklists: []Checklist{}, Conditions: []Condition{}}
	t.APIName, l = d.apiName(obj, l)
	if n, has := obj["number"]; !has || n == nil {
		d.fail(l.key("number"), "a task needs a number.")
	} else {
		t.Number = int(d.integer(n, l.key("number"), -maxSmall, maxSmall))
	}
	t.Name = d.text(obj["name"], l.key("name"), MaxTaskName)
	t.Description = d.text(obj["description"], l.key("description"), 0)
	if secs, ok := d.duration(obj["delay"], l.key("delay"), true); ok && secs > 0 {
		t.Delay = &secs // a zero delay is no delay
	}
	t.RequireCompletionByAll = d.boolean(obj["require_completion_by_all"], l.key("require_completion_by_all"))
	if due, _ := d.object(obj["raw_due_date"], l.key("raw_due_date")); due != nil {
		t.DueDate = d.dueDate(due, l.key("raw_due_date"))
	}
	pl := l.key("raw_performers")
	for i, it := range d.list(obj["raw_performers"], pl) {
		if p, ok := d.performer(it, pl.at(i)); ok {
			t.Performers = append(t.Performers, p)
		}
	}
	t.Fields = d.fields(obj["fields"], l.key("fields"))
	cl := l.key("checklists")
	for i, it := range d.list(obj["checklists"], cl) {
		if c, ok := d.checklist(it, cl.at(i)); ok {
			t.Checklists = append(t.Checklists, c)
		}
	}
	col := l.key("conditions")
	for i, it := range d.list(obj["conditions"], col) {
		if c, ok := d.condition(it, col.at(i)); ok {
			t.Conditions = append(t.Conditions, c)
		}
	}
	return t, true
}

// duration reads a delay or due-date duration in whole seconds: a duration
// string (package duration) or a JSON number of seconds. Fractions of a
// second are dropped. With nullable, null and "" read as (0, true).
func (d *decoder) duration(v any, l loc, nullable bool) (int64, bool) {
	if v == nil || v == "" {
		if !nullable {
			d.fail(l, "a duration is required.")
			return 0, false
		}
		return 0, true
	}
	if n, ok := numberText(v); ok {
		f, err := strconv.ParseFloat(n, 64)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange):
			d.fail(l, "must be a duration.")
		case f < 0:
			d.fail(l, "a duration cannot be negative.")
		case err != nil || f >= float64(maxSeconds):
			d.fail(l, "the duration is too long.")
		default:
			return int64(f), true
		}
		return 0, false
	}
	s, ok := v.(string)
	if !ok {
		d.fail(l, "must be a duration string like \"1 02:03:04\" or a number of seconds.")
		return 0, false
	}
	dur, err := duration.Parse(s)
	switch {
	case errors.Is(err, duration.ErrNegative):
		d.fail(l, "a duration cannot be negative.")
	case errors.Is(err, duration.ErrRange):
		d.fail(l, "the duration is too long.")
	case err != nil:
		d.fail(l, "Duration has wrong format. Use one of these formats instead: [DD] [[HH:]MM:]ss, or ISO 8601 like P1DT2H.")
	default:
		return int64(dur / time.Second), true
	}
	return 0, false
}

// dueRules maps every accepted spelling of a due-date rule to its stored one.
var dueRules = map[string]string{}

func init() {
	for _, r := range []string{RuleAfterTaskStarted, RuleAfterTaskCompleted, RuleAfterWorkflowStarted, RuleAfterField, RuleBeforeField} {
		dueRules[r] = r
		dueRules[strings.ReplaceAll(r, " ", "_")] = r
	}
}

func (d *decoder) dueDate(obj map[string]any, l loc) *DueDate {
	var due DueDate
	due.APIName, l = d.apiName(obj, l)
	due.Duration, _ = d.duration(obj["duration"], l.key("duration"), false)
	due.DurationMonths = int(d.integer(obj["duration_months"], l.key("duration_months"), 0, maxSmall))
	rule := d.text(obj["rule"], l.key("rule"), 0)
	if due.Rule = dueRules[strings.ToLower(strings.TrimSpace(rule))]; due.Rule == "" {
		d.fail(l.key("rule"), "the rule must be one of: after task started, after task completed, after workflow started, after field, before field.")
	}
	due.SourceID = d.scalarText(obj["source_id"], l.key("source_id"), 0)
	return &due
}

var performerTypes = []string{PerformerUser, PerformerGroup, PerformerField, PerformerStarter}

func (d *decoder) performer(v any, l loc) (Performer, bool) {
	obj, ok := d.item(v, l)
	if !ok {
		return Performer{}, false
	}
	var p Performer
	p.APIName, l = d.apiName(obj, l)
	p.Type = d.text(obj["type"], l.key("type"), 0)
	if !slices.Contains(performerTypes, p.Type) {
		d.fail(l.key("type"), "the performer type must be one of %s.", strings.Join(performerTypes, ", "))
	}
	p.SourceID = d.scalarText(obj["source_id"], l.key("source_id"), 0)
	switch p.Type {
	case PerformerStarter:
		p.SourceID = nil // the starter is known only at run time
	case PerformerUser, PerformerGroup:
		// Canonical digits, so that "7", " 7" and 7 are one performer.
		if p.SourceID != nil {
			if n, err := strconv.ParseInt(strings.TrimSpace(*p.SourceID), 10, 64); err == nil {
				s := strconv.FormatInt(n, 10)
				p.SourceID = &s
			}
		}
	}
	return p, true
}

func (d *decoder) checklist(v any, l loc) (Checklist, bool) {
	obj, ok := d.item(v, l)
	if !ok {
		return Checklist{}, false
	}
	c := Checklist{Items: []ChecklistItem{}}
	c.APIName, l = d.apiName(obj, l)
	key := "selections"
	if items, has := obj[key]; !has || items == nil {
		key = "selecions" // the seed's spelling, accepted as an alias
	}
	il := l.key(key)
	for i, it := range d.list(obj[key], il) {
		io, ok := d.item(it, il.at(i))
		if !ok {
			continue
		}
		var item ChecklistItem
		var itl loc
		item.APIName, itl = d.apiName(io, il.at(i))
		item.Value = d.text(io["value"], itl.key("value"), MaxChecklistItem)
		c.Items = append(c.Items, item)
	}
	return c, true
}

var actions = []string{ActionStartTask, ActionSkipTask, ActionEndProcess}

func (d *decoder) condition(v any, l loc) (Condition, bool) {
	obj, ok := d.item(v, l)
	if !ok {
		return Condition{}, false
	}
	c := Condition{Rules: []Rule{}}
	c.APIName, l = d.apiName(obj, l)
	c.Action = d.text(obj["action"], l.key("action"), 0)
	if !slices.Contains(actions, c.Action) {
		d.fail(l.key("action"), "the action must be one of %s.", strings.Join(actions, ", "))
	}
	c.Order = int(d.integer(obj["order"], l.key("order"), -maxSmall, maxSmall))
	rl := l.key("rules")
	for i, it := range d.list(obj["rules"], rl) {
		ro, ok := d.item(it, rl.at(i))
		if !ok {
			continue
		}
		r := Rule{Predicates: []Predicate{}}
		var rloc loc
		r.APIName, rloc = d.apiName(ro, rl.at(i))
		pl := rloc.key("predicates")
		for j, pv := range d.list(ro["predicates"], pl) {
			if p, ok := d.predicate(pv, pl.at(j)); ok {
				r.Predicates = append(r.Predicates, p)
			}
		}
		c.Rules = append(c.Rules, r)
	}
	return c, true
}

// predicate reads a predicate's shape; its operator, field and value are
// checked by Validate against the template.
func (d *decoder) predicate(v any, l loc) (Predicate, bool) {
	obj, ok := d.item(v, l)
	if !ok {
		return Predicate{}, false
	}
	var p Predicate
	p.APIName, l = d.apiName(obj, l)
	p.FieldType = d.text(obj["field_type"], l.key("field_type"), 0)
	p.Field = d.text(obj["field"], l.key("field"), 0)
	p.Operator = d.text(obj["operator"], l.key("operator"), 0)
	p.Value = d.scalarText(obj["value"], l.key("value"), MaxPredicateValue)
	return p, true
}
