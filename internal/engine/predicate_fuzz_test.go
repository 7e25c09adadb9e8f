package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// Condition predicates end to end: a predicate that template.Validate lets
// through must be one the engine can evaluate without failing, and the
// evaluation must be consistent (exists and not_exists, equals and
// not_equals are complements; a value is never both more and less than
// another).

// valTemplateDir answers Validate's questions from the value tests' users.
type valTemplateDir struct{ d *valTestDir }

func (v valTemplateDir) UserExists(id int64) bool       { _, ok := v.d.users[id]; return ok }
func (v valTemplateDir) GroupExists(int64) bool         { return false }
func (v valTemplateDir) GroupName(int64) (string, bool) { return "", false }
func (v valTemplateDir) UserName(id int64) (string, bool) {
	u, ok := v.d.users[id]
	return u.FirstName, ok
}

var predicateTypes = []string{"string", "text", "url", "radio", "dropdown", "checkbox", "date", "user", "file", "number"}

// predicateTemplate is an active template whose kickoff has one field like
// valField(typ) and whose task 1 has one condition with one predicate.
func predicateTemplate(fld *Field, op, value string) *template.Template {
	kf := template.Field{ID: fld.ID, APIName: fld.APIName, Name: "F", Type: fld.Type, IsRequired: fld.Type == "user"}
	for _, s := range fld.Selections {
		kf.Selections = append(kf.Selections, template.Selection{ID: s.ID, APIName: s.APIName, Value: s.Value})
	}
	starter := template.Performer{ID: 3, APIName: "perf", Type: template.PerformerStarter}
	pred := template.Predicate{ID: 6, APIName: "pred", FieldType: fld.Type, Field: fld.APIName, Operator: op, Value: &value}
	cond := template.Condition{ID: 4, APIName: "cond", Action: "skip_task", Rules: []template.Rule{{ID: 5, APIName: "rule",
		Predicates: []template.Predicate{pred}}}}
	return &template.Template{ID: 1, Name: "T", IsActive: true,
		Kickoff: template.Kickoff{ID: 2, Fields: []template.Field{kf}},
		Tasks: []template.Task{{ID: 7, APIName: "t1", Number: 1, Name: "One", Performers: []template.Performer{starter},
			Conditions: []template.Condition{cond}}}}
}

func FuzzConditionPredicate(f *testing.F) {
	seeds := []struct {
		typ        uint8
		op         string
		value, fv  string
		fvIsNumber bool
	}{
		{0, "contains", "ab", "xaby", false}, {0, "equals", "", "", false}, {2, "not_contains", "/", "https://e.com/a", false},
		{3, "equals", "sel-red", "Red", false}, {3, "equals", "12", "12", true}, {4, "not_equals", "Large", "sel-small", false},
		{5, "contains", "B2", "A1, C3", false}, {6, "more_than", "2026-03-01", "1772359200", true},
		{6, "less_than", "03/01/2026", "2026-03-01T00:00:00.5Z", false}, {7, "equals", "7", "kick.off@example.com", false},
		{8, "exists", "", "31", true}, {9, "more_than", "1e3", "1000.000001", true}, {9, "less_than", "-0", "0", false},
		{9, "equals", ".5", "0.50", false}, {6, "equals", "9999-12-31T23:59:59.999999999Z", "253402300799.9999999999", true},
		{9, "more_than", "1e999999", "1", true}, {6, "more_than", " 1772359200 ", "\t2026-03-01 ", false},
	}
	for _, s := range seeds {
		f.Add(s.typ, s.op, s.value, s.fv, s.fvIsNumber)
	}
	dir := newValTestDir()
	f.Fuzz(func(t *testing.T, typ uint8, op, value, fv string, fvIsNumber bool) {
		fld := valField(predicateTypes[int(typ)%len(predicateTypes)])
		tpl := predicateTemplate(fld, op, value)
		if err := template.Validate(tpl, valTemplateDir{dir}); err != nil {
			return // refused at save time: never evaluated
		}
		p := tpl.Tasks[0].Conditions[0].Rules[0].Predicates[0] // normalized by Validate
		var raw any = fv
		if fvIsNumber {
			raw = json.Number(fv)
		}
		_ = SetValue(fld, raw, dir) // a refused value leaves the field empty
		fields := map[string]*Field{fld.APIName: fld}
		with := func(op string) bool {
			q := p
			q.Operator = op
			return EvalPredicate(q, fields)
		}
		got := EvalPredicate(p, fields)
		if with(OpExists) == with(OpNotExists) {
			t.Fatalf("%s field %q: exists and not_exists agree", fld.Type, fld.Value)
		}
		if template.OperatorAllowed(fld.Type, OpEquals) && with(OpEquals) == with(OpNotEquals) {
			t.Fatalf("%s field %q, value %q: equals and not_equals agree", fld.Type, fld.Value, *p.Value)
		}
		if template.OperatorAllowed(fld.Type, OpMoreThan) && with(OpMoreThan) && with(OpLessThan) {
			t.Fatalf("%s field %q, value %q: both more and less than", fld.Type, fld.Value, *p.Value)
		}
		if (p.Operator == OpExists || p.Operator == OpNotExists || p.Operator == OpEquals) && got != with(p.Operator) {
			t.Fatalf("not deterministic")
		}
		// The whole condition walk accepts it too.
		_ = Decide(tpl.Tasks[0].Conditions, fields)
	})
}

// FuzzPredicateValueParsers: the template package checks predicate values
// at save time with its own parsers (it may not import the engine); they
// must accept exactly what the engine's parsers, used at run time, accept,
// or a saved condition could never hold (or a valid one be refused).
func FuzzPredicateValueParsers(f *testing.F) {
	for _, s := range []string{"0", "-1.5", ".5", "5.", "1e6", "1e1000000", "+1E+2", "0x10", "Inf", "NaN", "1_000", " 7 ",
		"2026-03-01", "2026-03-01T10:00:00Z", "2026-03-01 10:00", "03/01/2026", "3/1/2026", "1772359200.5", "-62135596800",
		"253402300800", "9999-12-31T23:59:59.999999999Z", "0001-01-01T00:00:00+01:00", "2026-03-01t10:00z", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, dec := parseDecimal(strings.TrimSpace(s))
		if num := template.IsNumber(s); num != dec {
			t.Fatalf("%q: template.IsNumber = %v, engine parseDecimal = %v", s, num, dec)
		}
		tv, tok := template.ParseDate(s)
		ev, err := ParseInstant(s)
		if tok != (err == nil) {
			t.Fatalf("%q: template.ParseDate ok = %v, engine.ParseInstant error = %v", s, tok, err)
		}
		// Acceptance must agree exactly; the instants may differ by the
		// float64 rounding of template.ParseDate (only used to validate:
		// the engine parses the stored text itself when evaluating).
		if tok && tv.Sub(ev).Abs() > 100*time.Microsecond {
			t.Fatalf("%q: template.ParseDate = %v, engine.ParseInstant = %v", s, tv, ev)
		}
	})
}
