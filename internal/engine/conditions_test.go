package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// condKickoff builds the kickoff fields of test_conditions.py (with
// server-side ids and api_names for the selections) filled from kick.
func condKickoff(t *testing.T, kick map[string]any) map[string]*Field {
	t.Helper()
	fields := []*Field{
		{ID: 1, APIName: "s", Type: "string"},
		{ID: 2, APIName: "t", Type: "text"},
		{ID: 3, APIName: "u", Type: "url"},
		{ID: 4, APIName: "c", Type: "checkbox", Selections: []Selection{{ID: 401, APIName: "c-a1", Value: "A1"}, {ID: 402, APIName: "c-b2", Value: "B2"}}},
		{ID: 5, APIName: "r", Type: "radio", Selections: []Selection{{ID: 501, APIName: "r-r1", Value: "R1"}, {ID: 502, APIName: "r-r2", Value: "R2"}}},
		{ID: 6, APIName: "dd", Type: "dropdown", Selections: []Selection{{ID: 601, APIName: "dd-one", Value: "D1"}, {ID: 602, APIName: "dd-two", Value: "D2"}}},
		{ID: 7, APIName: "n", Type: "number"},
		{ID: 8, APIName: "dt", Type: "date"},
		{ID: 9, APIName: "f", Type: "file"},
		{ID: 10, APIName: "s2", Type: "string"},
		{ID: 11, APIName: "who", Type: "user"},
	}
	// Decode like the server does, so numbers arrive as json.Number.
	b, err := json.Marshal(kick)
	if err != nil {
		t.Fatal(err)
	}
	var in map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		t.Fatal(err)
	}
	if err := ApplyInputs(fields, in, newValTestDir(), true); err != nil {
		t.Fatalf("kickoff %v: %v", kick, err)
	}
	out := map[string]*Field{}
	for _, f := range fields {
		out[f.APIName] = f
	}
	return out
}

func pred(field, typ, op string, value ...string) template.Predicate {
	p := template.Predicate{Field: field, FieldType: typ, Operator: op}
	if len(value) > 0 {
		v := value[0]
		p.Value = &v
	}
	return p
}

// storedAsAPIName turns a selection predicate's value text into the
// selection's api_name, as the template layer stores it.
func storedAsAPIName(p template.Predicate, fields map[string]*Field) template.Predicate {
	f := fields[p.Field]
	if p.Value == nil || f == nil || !template.HasSelections(f.Type) {
		return p
	}
	for _, s := range f.Selections {
		if s.Value == *p.Value || s.APIName == *p.Value {
			v := s.APIName
			p.Value = &v
		}
	}
	return p
}

type kickCase struct {
	kick    map[string]any
	skipped bool
}

// TestPredicateOperatorTests is test_conditions.py PredicateOperatorTests,
// case by case: a skip_task condition with one predicate on task 1.
func TestPredicateOperatorTests(t *testing.T) {
	type K = map[string]any
	cases := []struct {
		p    template.Predicate
		runs []kickCase
	}{
		{pred("s", "string", "equals", "abc"), []kickCase{{K{"s": "abc"}, true}, {K{"s": "abd"}, false}}},
		{pred("s", "string", "not_equals", "abc"), []kickCase{{K{"s": ""}, true}, {K{"s": "abc"}, false}, {K{"s": "xyz"}, true}}},
		{pred("s", "string", "contains", "bc"), []kickCase{{K{"s": "abcd"}, true}, {K{"s": "ab"}, false}, {K{"s": ""}, false}}},
		{pred("s", "string", "not_contains", "zz"), []kickCase{{K{"s": "abc"}, true}, {K{"s": "azzb"}, false}, {K{"s": ""}, false}}},
		{pred("u", "url", "contains", "example"), []kickCase{{K{"u": "https://example.com/a"}, true}, {K{"u": "https://other.org/"}, false}}},
		{pred("t", "text", "exists"), []kickCase{{K{"t": "words"}, true}, {K{"t": ""}, false}, {K{}, false}}},
		{pred("t", "text", "not_exists"), []kickCase{{K{}, true}, {K{"t": "words"}, false}}},
		{pred("c", "checkbox", "contains", "A1"), []kickCase{{K{"c": []any{"A1", "B2"}}, true}, {K{"c": []any{"B2"}}, false}, {K{"c": []any{}}, false}}},
		{pred("c", "checkbox", "not_contains", "A1"), []kickCase{{K{"c": []any{}}, true}, {K{"c": []any{"B2"}}, true}, {K{"c": []any{"A1"}}, false}}},
		{pred("c", "checkbox", "equals", "A1"), []kickCase{{K{"c": []any{"A1"}}, true}, {K{"c": []any{"A1", "B2"}}, false}}},
		{pred("r", "radio", "equals", "R1"), []kickCase{{K{"r": "R1"}, true}, {K{"r": "R2"}, false}, {K{}, false}}},
		{pred("r", "radio", "not_equals", "R1"), []kickCase{{K{}, true}, {K{"r": "R2"}, true}, {K{"r": "R1"}, false}}},
		{pred("dd", "dropdown", "equals", "dd-two"), []kickCase{{K{"dd": "D2"}, true}, {K{"dd": "D1"}, false}}},
		{pred("dd", "dropdown", "exists"), []kickCase{{K{"dd": "D1"}, true}, {K{}, false}}},
		{pred("n", "number", "more_than", "10"), []kickCase{{K{"n": 11}, true}, {K{"n": 10}, false}, {K{"n": 9.5}, false}, {K{}, false}, {K{"n": "100"}, true}}},
		{pred("n", "number", "less_than", "10"), []kickCase{{K{"n": 2}, true}, {K{}, false}, {K{"n": 10}, false}}},
		{pred("dt", "date", "more_than", "2026-01-01T00:00:00Z"), []kickCase{{K{"dt": "2026-06-01T00:00:00Z"}, true}, {K{"dt": "2025-06-01T00:00:00Z"}, false}, {K{}, false}}},
		{pred("dt", "date", "less_than", "2026-01-01"), []kickCase{{K{"dt": "2025-12-31T12:00:00Z"}, true}, {K{"dt": "2026-02-01T00:00:00Z"}, false}}},
		{pred("f", "file", "exists"), []kickCase{{K{}, false}, {K{"f": []any{}}, false}}},
		{pred("f", "file", "not_exists"), []kickCase{{K{}, true}}},
		// test_user_predicates
		{pred("who", "user", "equals", "1"), []kickCase{{K{"who": 1}, true}, {K{"who": 7}, false}}},
	}
	for _, c := range cases {
		for _, r := range c.runs {
			fields := condKickoff(t, r.kick)
			for _, p := range []template.Predicate{c.p, storedAsAPIName(c.p, fields)} {
				cond := []template.Condition{{Action: template.ActionSkipTask, Rules: []template.Rule{{Predicates: []template.Predicate{p}}}}}
				want := DecideStart
				if r.skipped {
					want = DecideSkip
				}
				if got := Decide(cond, fields); got != want {
					t.Errorf("%s %s %v with %v: Decide = %s, want %s", p.Field, p.Operator, valueOf(p), r.kick, got, want)
				}
			}
		}
	}
}

func valueOf(p template.Predicate) string {
	if p.Value == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%q", *p.Value)
}

// TestEvalPredicateTable covers every operator of the contract's table for
// every field type, with an empty and a non-empty field.
func TestEvalPredicateTable(t *testing.T) {
	type K = map[string]any
	filled := condKickoff(t, K{
		"s": "abc", "t": "Hello world", "u": "https://example.com/a", "c": []any{"A1", "B2"},
		"r": "R2", "dd": "D1", "n": "10.50", "dt": "2026-03-01T10:00:00Z", "f": []any{31}, "who": 7,
	})
	one := condKickoff(t, K{"c": []any{"B2"}})
	empty := condKickoff(t, K{})
	cases := []struct {
		fields map[string]*Field
		p      template.Predicate
		want   bool
	}{
		// string, text, url
		{filled, pred("s", "string", "equals", "abc"), true},
		{filled, pred("s", "string", "equals", "ABC"), false},
		{empty, pred("s", "string", "equals", "abc"), false},
		{filled, pred("s", "string", "not_equals", "abc"), false},
		{empty, pred("s", "string", "not_equals", "abc"), true},
		{filled, pred("s", "string", "contains", "b"), true},
		{filled, pred("s", "string", "contains", "z"), false},
		{empty, pred("s", "string", "contains", "b"), false},
		{filled, pred("s", "string", "not_contains", "z"), true},
		{filled, pred("s", "string", "not_contains", "b"), false},
		{empty, pred("s", "string", "not_contains", "z"), false},
		{filled, pred("s", "string", "exists"), true},
		{empty, pred("s", "string", "exists"), false},
		{filled, pred("s", "string", "not_exists"), false},
		{empty, pred("s", "string", "not_exists"), true},
		{filled, pred("s", "string", "more_than", "a"), false}, // not an operator of the type
		{filled, pred("t", "text", "equals", "Hello world"), true},
		{empty, pred("t", "text", "equals", "Hello world"), false},
		{filled, pred("t", "text", "not_equals", "Hello"), true},
		{empty, pred("t", "text", "not_equals", "Hello"), true},
		{filled, pred("t", "text", "contains", "lo w"), true},
		{empty, pred("t", "text", "contains", "lo"), false},
		{filled, pred("t", "text", "not_contains", "lo w"), false},
		{empty, pred("t", "text", "not_contains", "x"), false},
		{filled, pred("t", "text", "exists"), true},
		{empty, pred("t", "text", "not_exists"), true},
		{filled, pred("u", "url", "equals", "https://example.com/a"), true},
		{empty, pred("u", "url", "equals", "https://example.com/a"), false},
		{filled, pred("u", "url", "not_equals", "https://example.com/b"), true},
		{empty, pred("u", "url", "not_equals", "x"), true},
		{filled, pred("u", "url", "contains", "example"), true},
		{empty, pred("u", "url", "contains", "example"), false},
		{filled, pred("u", "url", "not_contains", "example"), false},
		{empty, pred("u", "url", "not_contains", "example"), false},
		{filled, pred("u", "url", "exists"), true},
		{empty, pred("u", "url", "not_exists"), true},
		// checkbox: by api_name, value text or id
		{filled, pred("c", "checkbox", "equals", "c-a1"), false}, // two selected
		{one, pred("c", "checkbox", "equals", "c-b2"), true},
		{one, pred("c", "checkbox", "equals", "B2"), true},
		{one, pred("c", "checkbox", "equals", "402"), true},
		{one, pred("c", "checkbox", "equals", "c-a1"), false},
		{empty, pred("c", "checkbox", "equals", "c-a1"), false},
		{filled, pred("c", "checkbox", "not_equals", "c-a1"), true},
		{one, pred("c", "checkbox", "not_equals", "c-b2"), false},
		{empty, pred("c", "checkbox", "not_equals", "c-a1"), true},
		{filled, pred("c", "checkbox", "contains", "c-a1"), true},
		{one, pred("c", "checkbox", "contains", "c-a1"), false},
		{empty, pred("c", "checkbox", "contains", "c-a1"), false},
		{filled, pred("c", "checkbox", "not_contains", "c-a1"), false},
		{one, pred("c", "checkbox", "not_contains", "c-a1"), true},
		{empty, pred("c", "checkbox", "not_contains", "c-a1"), true},
		{filled, pred("c", "checkbox", "exists"), true},
		{empty, pred("c", "checkbox", "exists"), false},
		{filled, pred("c", "checkbox", "not_exists"), false},
		{empty, pred("c", "checkbox", "not_exists"), true},
		// radio, dropdown
		{filled, pred("r", "radio", "equals", "r-r2"), true},
		{filled, pred("r", "radio", "equals", "R2"), true},
		{filled, pred("r", "radio", "equals", "502"), true},
		{filled, pred("r", "radio", "equals", "r-r1"), false},
		{empty, pred("r", "radio", "equals", "r-r1"), false},
		{filled, pred("r", "radio", "not_equals", "r-r1"), true},
		{filled, pred("r", "radio", "not_equals", "r-r2"), false},
		{empty, pred("r", "radio", "not_equals", "r-r1"), true},
		{filled, pred("r", "radio", "contains", "R"), false}, // not an operator of the type
		{filled, pred("r", "radio", "exists"), true},
		{empty, pred("r", "radio", "exists"), false},
		{empty, pred("r", "radio", "not_exists"), true},
		{filled, pred("dd", "dropdown", "equals", "dd-one"), true},
		{empty, pred("dd", "dropdown", "equals", "dd-one"), false},
		{filled, pred("dd", "dropdown", "not_equals", "dd-two"), true},
		{empty, pred("dd", "dropdown", "not_equals", "dd-two"), true},
		{filled, pred("dd", "dropdown", "not_exists"), false},
		{empty, pred("dd", "dropdown", "not_exists"), true},
		// user
		{filled, pred("who", "user", "equals", "7"), true},
		{filled, pred("who", "user", "equals", "1"), false},
		{filled, pred("who", "user", "equals", "x"), false},
		{empty, pred("who", "user", "equals", "7"), false},
		{filled, pred("who", "user", "not_equals", "1"), true},
		{filled, pred("who", "user", "not_equals", "7"), false},
		{empty, pred("who", "user", "not_equals", "7"), true},
		{filled, pred("who", "user", "exists"), true},
		{empty, pred("who", "user", "exists"), false},
		{empty, pred("who", "user", "not_exists"), true},
		// number
		{filled, pred("n", "number", "equals", "10.5"), true},
		{filled, pred("n", "number", "equals", "1.05e1"), true},
		{filled, pred("n", "number", "equals", "10"), false},
		{empty, pred("n", "number", "equals", "10"), false},
		{filled, pred("n", "number", "not_equals", "10"), true},
		{filled, pred("n", "number", "not_equals", "10.500"), false},
		{empty, pred("n", "number", "not_equals", "10"), true},
		{filled, pred("n", "number", "more_than", "10"), true},
		{filled, pred("n", "number", "more_than", "10.5"), false},
		{filled, pred("n", "number", "more_than", "abc"), false},
		{empty, pred("n", "number", "more_than", "-1"), false},
		{filled, pred("n", "number", "less_than", "11"), true},
		{filled, pred("n", "number", "less_than", "9.99"), false},
		{empty, pred("n", "number", "less_than", "100"), false},
		{filled, pred("n", "number", "exists"), true},
		{empty, pred("n", "number", "not_exists"), true},
		{filled, pred("n", "number", "contains", "10"), false}, // not an operator of the type
		// date: ISO instants, ISO dates, Unix seconds, MM/DD/YYYY
		{filled, pred("dt", "date", "equals", "2026-03-01T10:00:00Z"), true},
		{filled, pred("dt", "date", "equals", "2026-03-01T12:00:00+02:00"), true},
		{filled, pred("dt", "date", "equals", "1772359200"), true},
		{filled, pred("dt", "date", "equals", "2026-03-01"), false},
		{empty, pred("dt", "date", "equals", "2026-03-01"), false},
		{filled, pred("dt", "date", "not_equals", "2026-03-01"), true},
		{filled, pred("dt", "date", "not_equals", "1772359200"), false},
		{empty, pred("dt", "date", "not_equals", "2026-03-01"), true},
		{filled, pred("dt", "date", "more_than", "2026-03-01"), true},
		{filled, pred("dt", "date", "more_than", "1772359201"), false},
		{filled, pred("dt", "date", "more_than", "not a date"), false},
		{empty, pred("dt", "date", "more_than", "2000-01-01"), false},
		{filled, pred("dt", "date", "less_than", "03/02/2026"), true},
		{filled, pred("dt", "date", "less_than", "2026-03-01T10:00:00Z"), false},
		{empty, pred("dt", "date", "less_than", "2100-01-01"), false},
		{filled, pred("dt", "date", "exists"), true},
		{empty, pred("dt", "date", "not_exists"), true},
		// file
		{filled, pred("f", "file", "exists"), true},
		{empty, pred("f", "file", "exists"), false},
		{filled, pred("f", "file", "not_exists"), false},
		{empty, pred("f", "file", "not_exists"), true},
		{filled, pred("f", "file", "equals", "x"), false}, // not an operator of the type
		// a field that does not exist
		{filled, pred("gone", "string", "exists"), false},
		{filled, pred("gone", "string", "not_exists"), false},
		{filled, pred("gone", "string", "not_equals", "x"), false},
	}
	for _, c := range cases {
		if got := EvalPredicate(c.p, c.fields); got != c.want {
			name := "filled"
			if c.fields["s"].Value == "" {
				name = "empty"
			}
			t.Errorf("%s %s %s on %s field: got %v, want %v", c.p.Field, c.p.Operator, valueOf(c.p), name, got, c.want)
		}
	}
}

// condOps is the contract's operator table.
var condOps = map[string][]string{
	"string":   {"equals", "not_equals", "contains", "not_contains", "exists", "not_exists"},
	"text":     {"equals", "not_equals", "contains", "not_contains", "exists", "not_exists"},
	"url":      {"equals", "not_equals", "contains", "not_contains", "exists", "not_exists"},
	"checkbox": {"equals", "not_equals", "contains", "not_contains", "exists", "not_exists"},
	"radio":    {"equals", "not_equals", "exists", "not_exists"},
	"dropdown": {"equals", "not_equals", "exists", "not_exists"},
	"user":     {"equals", "not_equals", "exists", "not_exists"},
	"date":     {"equals", "not_equals", "more_than", "less_than", "exists", "not_exists"},
	"number":   {"equals", "not_equals", "more_than", "less_than", "exists", "not_exists"},
	"file":     {"exists", "not_exists"},
}

// condFieldOf maps a type to the api_name of its field in condKickoff.
var condFieldOf = map[string]string{
	"string": "s", "text": "t", "url": "u", "checkbox": "c", "radio": "r", "dropdown": "dd",
	"user": "who", "date": "dt", "number": "n", "file": "f",
}

// condRandomKickoffs are kickoffs to draw fields from; they fill each
// field empty, with one value or with another.
var condRandomKickoffs = []map[string]any{
	{},
	{"s": "abc", "t": "a b c", "u": "https://example.com/", "c": []any{"A1"}, "r": "R1", "dd": "D1", "who": 7, "dt": "2026-03-01", "n": 10, "f": []any{31}},
	{"s": "", "t": "x", "u": "example.org/zz", "c": []any{"A1", "B2"}, "r": "R2", "dd": "D2", "who": 1, "dt": 1772359200, "n": "-3.25", "f": []any{31, 32}},
	{"s": "zz", "c": []any{"B2"}, "n": 0, "dt": "2025-12-31T23:59:59.999Z"},
}

var condRandomValues = []string{"", "abc", "b", "zz", "A1", "c-a1", "402", "c-b2", "R1", "r-r2", "dd-one", "D2", "7", "1",
	"10", "0", "-3.25", "9.99", "2026-03-01", "2026-03-01T00:00:00Z", "1772359200", "01/01/2026", "example", "x"}

func condRandomPredicate(rng *rand.Rand) template.Predicate {
	types := []string{"string", "text", "url", "checkbox", "radio", "dropdown", "user", "date", "number", "file"}
	typ := types[rng.IntN(len(types))]
	ops := condOps[typ]
	p := pred(condFieldOf[typ], typ, ops[rng.IntN(len(ops))])
	if p.Operator != "exists" && p.Operator != "not_exists" {
		v := condRandomValues[rng.IntN(len(condRandomValues))]
		p.Value = &v
	}
	return p
}

func TestPredicateProperties(t *testing.T) {
	kicks := make([]map[string]*Field, len(condRandomKickoffs))
	for i, k := range condRandomKickoffs {
		kicks[i] = condKickoff(t, k)
	}
	for typ, ops := range condOps {
		for _, fields := range kicks {
			f := fields[condFieldOf[typ]]
			for _, v := range condRandomValues {
				p := pred(f.APIName, typ, "", v)
				has := map[string]bool{}
				for _, op := range ops {
					has[op] = true
				}
				eval := func(op string) bool { q := p; q.Operator = op; return EvalPredicate(q, fields) }
				if eval("not_exists") != !eval("exists") {
					t.Errorf("%s %q: not_exists != ¬exists", typ, f.Value)
				}
				if eval("exists") == IsEmpty(f) {
					t.Errorf("%s %q: exists disagrees with IsEmpty", typ, f.Value)
				}
				if has["equals"] && eval("not_equals") != !eval("equals") {
					t.Errorf("%s %q vs %q: not_equals != ¬equals", typ, f.Value, v)
				}
				if has["contains"] && !IsEmpty(f) && eval("not_contains") != !eval("contains") {
					t.Errorf("%s %q vs %q: not_contains != ¬contains on a filled field", typ, f.Value, v)
				}
				if has["more_than"] && eval("more_than") && (eval("less_than") || eval("equals")) {
					t.Errorf("%s %q vs %q: more_than with less_than or equals", typ, f.Value, v)
				}
				if has["more_than"] && eval("equals") && !IsEmpty(f) && (eval("more_than") || eval("less_than")) {
					t.Errorf("%s %q vs %q: equals and ordered", typ, f.Value, v)
				}
			}
		}
	}
}

func condRandomConditions(rng *rand.Rand) []template.Condition {
	actions := []string{template.ActionStartTask, template.ActionSkipTask, template.ActionEndProcess}
	conds := make([]template.Condition, rng.IntN(4))
	for i := range conds {
		conds[i].Action = actions[rng.IntN(len(actions))]
		conds[i].Order = rng.IntN(3)
		conds[i].Rules = make([]template.Rule, rng.IntN(3))
		for j := range conds[i].Rules {
			ps := make([]template.Predicate, rng.IntN(3))
			for k := range ps {
				ps[k] = condRandomPredicate(rng)
			}
			conds[i].Rules[j].Predicates = ps
		}
	}
	return conds
}

func condCopy(conds []template.Condition) []template.Condition {
	out := make([]template.Condition, len(conds))
	for i, c := range conds {
		out[i] = c
		out[i].Rules = make([]template.Rule, len(c.Rules))
		for j, r := range c.Rules {
			out[i].Rules[j] = r
			out[i].Rules[j].Predicates = append([]template.Predicate(nil), r.Predicates...)
		}
	}
	return out
}

func TestDecideProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kicks := make([]map[string]*Field, len(condRandomKickoffs))
	for i, k := range condRandomKickoffs {
		kicks[i] = condKickoff(t, k)
		// A field that is always filled, for an always-true predicate.
		kicks[i]["always"] = &Field{APIName: "always", Type: "string", Value: "x"}
	}
	alwaysFalse := template.Rule{Predicates: []template.Predicate{pred("no-such-field", "string", "not_exists")}}
	alwaysTrue := pred("always", "string", "exists")
	for n := 0; n < 3000; n++ {
		conds := condRandomConditions(rng)
		fields := kicks[rng.IntN(len(kicks))]
		want := Decide(conds, fields)
		if want != DecideStart && want != DecideSkip && want != DecideEnd {
			t.Fatalf("Decide = %q", want)
		}
		if len(conds) == 0 {
			continue
		}
		// An always-false rule added anywhere changes nothing.
		withFalse := condCopy(conds)
		i := rng.IntN(len(withFalse))
		at := rng.IntN(len(withFalse[i].Rules) + 1)
		withFalse[i].Rules = append(withFalse[i].Rules[:at], append([]template.Rule{alwaysFalse}, withFalse[i].Rules[at:]...)...)
		if got := Decide(withFalse, fields); got != want {
			t.Fatalf("an always-false rule changed %s to %s: %+v", want, got, withFalse)
		}
		// An always-true predicate added to a rule that has predicates
		// changes nothing (an empty rule never holds, so it is left out).
		withTrue := condCopy(conds)
		for ci := range withTrue {
			for ri := range withTrue[ci].Rules {
				if ps := withTrue[ci].Rules[ri].Predicates; len(ps) > 0 {
					at := rng.IntN(len(ps) + 1)
					withTrue[ci].Rules[ri].Predicates = append(ps[:at], append([]template.Predicate{alwaysTrue}, ps[at:]...)...)
				}
			}
		}
		if got := Decide(withTrue, fields); got != want {
			t.Fatalf("an always-true predicate changed %s to %s", want, got)
		}
	}
}

func TestDecide(t *testing.T) {
	fields := map[string]*Field{"s": {APIName: "s", Type: "string", Value: "x"}}
	yes := []template.Rule{{Predicates: []template.Predicate{pred("s", "string", "equals", "x")}}}
	no := []template.Rule{{Predicates: []template.Predicate{pred("s", "string", "equals", "y")}}}
	c := func(action string, order int, rules []template.Rule) template.Condition {
		return template.Condition{Action: action, Order: order, Rules: rules}
	}
	const start, skip, end = template.ActionStartTask, template.ActionSkipTask, template.ActionEndProcess
	cases := []struct {
		name  string
		conds []template.Condition
		want  string
	}{
		{"none", nil, DecideStart},
		{"skip holds", []template.Condition{c(skip, 0, yes)}, DecideSkip},
		{"skip fails", []template.Condition{c(skip, 0, no)}, DecideStart},
		{"end holds", []template.Condition{c(end, 0, yes)}, DecideEnd},
		{"end fails", []template.Condition{c(end, 0, no)}, DecideStart},
		{"start holds", []template.Condition{c(start, 0, yes)}, DecideStart},
		{"start fails", []template.Condition{c(start, 0, no)}, DecideSkip},
		{"start fails before an end", []template.Condition{c(start, 0, no), c(end, 1, yes)}, DecideSkip},
		{"end before a failing start", []template.Condition{c(start, 1, no), c(end, 0, yes)}, DecideEnd},
		{"ascending order", []template.Condition{c(skip, 1, yes), c(start, 0, yes)}, DecideStart},
		{"ties by position", []template.Condition{c(end, 0, yes), c(skip, 0, yes)}, DecideEnd},
		{"ties by position 2", []template.Condition{c(skip, 0, yes), c(end, 0, yes)}, DecideSkip},
		{"failing skip then end", []template.Condition{c(skip, 0, no), c(end, 1, yes)}, DecideEnd},
		{"rules are or", []template.Condition{c(skip, 0, append(append([]template.Rule{}, no...), yes...))}, DecideSkip},
		{"predicates are and", []template.Condition{c(skip, 0, []template.Rule{{Predicates: append(append([]template.Predicate{}, yes[0].Predicates...), no[0].Predicates...)}})}, DecideStart},
		{"no rules", []template.Condition{c(skip, 0, nil)}, DecideStart},
		{"empty rule", []template.Condition{c(skip, 0, []template.Rule{{}})}, DecideStart},
		{"start without rules skips", []template.Condition{c(start, 0, nil)}, DecideSkip},
		{"unknown action passed over", []template.Condition{c("jump", 0, yes), c(skip, 1, yes)}, DecideSkip},
		{"negative order", []template.Condition{c(skip, 0, yes), c(end, -1, yes)}, DecideEnd},
	}
	for _, tc := range cases {
		if got := Decide(tc.conds, fields); got != tc.want {
			t.Errorf("%s: Decide = %s, want %s", tc.name, got, tc.want)
		}
	}
	// Decide does not reorder the caller's slice.
	conds := []template.Condition{c(skip, 2, yes), c(end, 1, yes)}
	Decide(conds, fields)
	if conds[0].Order != 2 {
		t.Error("Decide reordered its argument")
	}
}
