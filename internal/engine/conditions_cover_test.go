package engine

import (
	"testing"

	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// TestEvalPredicateExistsCoverage completes the operator × field type ×
// empty/non-empty table of TestEvalPredicateTable for exists/not_exists.
func TestEvalPredicateExistsCoverage(t *testing.T) {
	type K = map[string]any
	filled := condKickoff(t, K{
		"s": "abc", "t": "Hello world", "u": "https://example.com/a", "c": []any{"A1"},
		"r": "R2", "dd": "D1", "n": "0", "dt": "2026-03-01T10:00:00Z", "f": []any{31}, "who": 7,
	})
	empty := condKickoff(t, K{})
	for _, c := range []struct{ field, typ string }{
		{"s", "string"}, {"t", "text"}, {"u", "url"}, {"c", "checkbox"}, {"r", "radio"}, {"dd", "dropdown"},
		{"who", "user"}, {"dt", "date"}, {"n", "number"}, {"f", "file"},
	} {
		for _, tc := range []struct {
			fields map[string]*Field
			op     string
			want   bool
		}{
			{filled, template.OpExists, true}, {empty, template.OpExists, false},
			{filled, template.OpNotExists, false}, {empty, template.OpNotExists, true},
		} {
			name := "filled"
			if len(tc.fields[c.field].Value) == 0 {
				name = "empty"
			}
			if got := EvalPredicate(pred(c.field, c.typ, tc.op), tc.fields); got != tc.want {
				t.Errorf("%s %s on %s field: got %v, want %v", c.typ, tc.op, name, got, tc.want)
			}
		}
	}
	// number 0 is a value, not an empty field.
	if !EvalPredicate(pred("n", "number", "equals", "0"), filled) || EvalPredicate(pred("n", "number", "equals", "0"), empty) {
		t.Error("number equals 0")
	}
}
