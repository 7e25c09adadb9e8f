package template

import (
	"strconv"
	"testing"
	"time"
)

func TestNormalizePredicates(t *testing.T) {
	tpl := mustParse(t, jsonBody(t, body("Norm", list(
		task(1, "One", list(starter()), "fields", list(field("checkbox", "C", "c", "selections", sels("A1", "B2")))),
		task(2, "Two", list(starter()), "conditions", list(cond("skip_task",
			pred("r", "radio", "equals", "R1"),              // value text
			pred("dd", "dropdown", "equals", "dd-two"),      // api_name
			pred("c", "checkbox", "contains", "B2"),         // value text of a task field
			pred("dd", "dropdown", "not_equals", "PLACE"),   // id, set below
			pred("r", "radio", "equals", "Nope"),            // names nothing: left for Validate
			pred("s", "string", "equals", "R1"),             // not a selection field
			pred("r", "radio", "exists", nil),               // no value
			pred("missing", "radio", "equals", "R1"),        // no such field
			pred("dd", "dropdown", "equals", "dd-one-text"), // a value text that looks like an api_name
		))),
	), list(
		field("radio", "R", "r", "selections", sels("R1", "R2")),
		field("dropdown", "DD", "dd", "selections", list(obj{"value": "D1", "api_name": "dd-one"},
			obj{"value": "D2", "api_name": "dd-two"}, obj{"value": "dd-one-text", "api_name": "dd-three"})),
		field("string", "S", "s"),
	))))
	Assign(tpl, nil, ids(), suffixes())
	preds := tpl.Tasks[1].Conditions[0].Rules[0].Predicates
	ddOne := tpl.Kickoff.Fields[1].Selections[0]
	place := strconv.FormatInt(ddOne.ID, 10)
	preds[3].Value = &place

	NormalizePredicates(tpl)
	r1 := tpl.Kickoff.Fields[0].Selections[0].APIName
	b2 := tpl.Tasks[0].Fields[0].Selections[1].APIName
	want := []string{r1, "dd-two", b2, "dd-one", "Nope", "R1", "", "R1", "dd-three"}
	for i, p := range preds {
		if got := deref(p.Value); got != want[i] {
			t.Errorf("predicate %d (%s %s): value %q, want %q", i, p.Field, p.Operator, got, want[i])
		}
	}
	// Idempotent: a stored template normalizes to itself.
	NormalizePredicates(tpl)
	for i, p := range preds {
		if got := deref(p.Value); got != want[i] {
			t.Errorf("second pass, predicate %d: %q, want %q", i, got, want[i])
		}
	}
}

func TestFindSelectionPrefersAPINameThenValue(t *testing.T) {
	f := &Field{Type: TypeDropdown, Selections: []Selection{
		{ID: 2, APIName: "two", Value: "3"},
		{ID: 3, APIName: "three", Value: "two"},
	}}
	for in, want := range map[string]string{"two": "two", "3": "two", "2": "two", "three": "three"} {
		s, ok := FindSelection(f, in)
		if !ok || s.APIName != want {
			t.Errorf("FindSelection(%q) = %v, %v; want %q", in, s, ok, want)
		}
	}
	if _, ok := FindSelection(f, "0"); ok {
		t.Error("id 0 names no selection")
	}
}

func TestOperatorTable(t *testing.T) {
	allowed := map[string]string{
		TypeString:   "equals not_equals contains not_contains exists not_exists",
		TypeText:     "equals not_equals contains not_contains exists not_exists",
		TypeURL:      "equals not_equals contains not_contains exists not_exists",
		TypeCheckbox: "equals not_equals contains not_contains exists not_exists",
		TypeRadio:    "equals not_equals exists not_exists",
		TypeDropdown: "equals not_equals exists not_exists",
		TypeUser:     "equals not_equals exists not_exists",
		TypeDate:     "equals not_equals more_than less_than exists not_exists",
		TypeNumber:   "equals not_equals more_than less_than exists not_exists",
		TypeFile:     "exists not_exists",
	}
	for _, ft := range FieldTypes {
		for _, op := range Operators {
			want := false
			for _, a := range splitWords(allowed[ft]) {
				want = want || a == op
			}
			if got := OperatorAllowed(ft, op); got != want {
				t.Errorf("OperatorAllowed(%s, %s) = %v", ft, op, got)
			}
		}
	}
	if OperatorAllowed("kickoff", OpEquals) || OperatorAllowed(TypeString, "sounds_like") {
		t.Error("unknown types and operators are not allowed")
	}
}

func splitWords(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

func TestIsNumber(t *testing.T) {
	for s, want := range map[string]bool{
		"10": true, "-2.5": true, "+3": true, "1e3": true, "1E-3": true, ".5": true, "5.": true, " 7 ": true,
		"": false, "-": false, ".": false, "e5": false, "1e": false, "ten": false, "NaN": false, "Inf": false,
		"0x10": false, "1_000": false, "1.2.3": false, "1e400": true, "1e999": true, "1e1000": false, "1e1234567": false,
		"1e-997": true, "1e-999": false, "0e999999": true, "00.000": true, "1 000": false,
	} {
		if got := IsNumber(s); got != want {
			t.Errorf("IsNumber(%q) = %v", s, got)
		}
	}
}

func TestParseDate(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	for s, want := range map[string]time.Time{
		"2026-01-01":                utc(2026, 1, 1, 0, 0),
		"2026-01-01T00:00:00Z":      utc(2026, 1, 1, 0, 0),
		"2026-12-03T15:42:02.123Z":  utc(2026, 12, 3, 15, 42).Add(2123 * time.Millisecond),
		"2026-01-01T02:00:00+02:00": utc(2026, 1, 1, 0, 0),
		"2026-01-01T10:30":          utc(2026, 1, 1, 10, 30),
		"2026-01-01 10:30:00":       utc(2026, 1, 1, 10, 30),
		"01/02/2026":                utc(2026, 1, 2, 0, 0),
		"1/2/2026":                  utc(2026, 1, 2, 0, 0),
		"2026-01-01t10:30:00z":      utc(2026, 1, 1, 10, 30),
		"2026-01-01T12:30:00+0200":  utc(2026, 1, 1, 10, 30),
		"0":                         utc(1970, 1, 1, 0, 0),
		"1767225600":                utc(2026, 1, 1, 0, 0),
		"1767225600.5":              utc(2026, 1, 1, 0, 0).Add(500 * time.Millisecond),
	} {
		got, ok := ParseDate(s)
		if !ok || !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "tomorrow", "2026-13-01", "2026-02-30", "1e20", "NaN", "253402300800", "-62135596801"} {
		if got, ok := ParseDate(s); ok {
			t.Errorf("ParseDate(%q) = %v, want failure", s, got)
		}
	}
}
