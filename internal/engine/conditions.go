package engine

import (
	"sort"
	"strconv"
	"strings"

	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// Predicate operators.
const (
	OpEquals      = "equals"
	OpNotEquals   = "not_equals"
	OpContains    = "contains"
	OpNotContains = "not_contains"
	OpMoreThan    = "more_than"
	OpLessThan    = "less_than"
	OpExists      = "exists"
	OpNotExists   = "not_exists"
)

// Decisions of Decide.
const (
	DecideStart = "start"
	DecideSkip  = "skip"
	DecideEnd   = "end"
)

// EvalPredicate evaluates one predicate against the workflow's fields, keyed
// by api_name. A predicate on a missing field is false. The field's own type
// decides the semantics (the predicate's field_type only when the field has
// none); an operator the type does not allow is false. A nil predicate value
// is taken as "".
//
//   - exists / not_exists: the field is not empty / is empty (IsEmpty).
//   - equals / not_equals: F = P / its negation (so not_equals is true when F
//     is empty and P is not). string, text, url: exact text; radio, dropdown:
//     the selected option is P; checkbox: exactly the one option P is
//     selected; date: the same instant; number: numerically equal; user: the
//     user id. Options match P by api_name, value text or id.
//   - contains / not_contains: string, text, url: substring, both false when
//     F is empty; checkbox: P is among the selected (not_contains is the
//     negation, true when nothing is selected).
//   - more_than / less_than: date and number, false when either side is
//     empty or P does not parse.
func EvalPredicate(p template.Predicate, fields map[string]*Field) bool {
	f, ok := fields[p.Field]
	if !ok || f == nil {
		return false
	}
	pv := ""
	if p.Value != nil {
		pv = *p.Value
	}
	typ := f.Type
	if typ == "" {
		typ = p.FieldType
	}
	switch p.Operator {
	case OpExists:
		return !IsEmpty(f)
	case OpNotExists:
		return IsEmpty(f)
	}
	if !condAllowed(typ, p.Operator) {
		return false
	}
	switch p.Operator {
	case OpEquals:
		return condEquals(typ, f, pv)
	case OpNotEquals:
		return !condEquals(typ, f, pv)
	case OpContains:
		return condContains(typ, f, pv)
	case OpNotContains:
		if typ == template.TypeCheckbox {
			return !condContains(typ, f, pv)
		}
		return f.Value != "" && !strings.Contains(f.Value, pv)
	case OpMoreThan, OpLessThan:
		c, ok := condCompare(typ, f, pv)
		if !ok {
			return false
		}
		if p.Operator == OpMoreThan {
			return c > 0
		}
		return c < 0
	}
	return false
}

// condAllowed is the contract's operator table (exists and not_exists,
// allowed everywhere, are handled before).
func condAllowed(typ, op string) bool {
	switch typ {
	case template.TypeString, template.TypeText, template.TypeURL, template.TypeCheckbox:
		return op == OpEquals || op == OpNotEquals || op == OpContains || op == OpNotContains
	case template.TypeRadio, template.TypeDropdown, template.TypeUser:
		return op == OpEquals || op == OpNotEquals
	case template.TypeDate, template.TypeNumber:
		return op == OpEquals || op == OpNotEquals || op == OpMoreThan || op == OpLessThan
	}
	return false
}

// condSelectionMatches reports whether option s is the one P names: by
// api_name (how predicates are stored), value text, or id.
func condSelectionMatches(s Selection, pv string) bool {
	return s.APIName == pv || s.Value == pv || (s.ID != 0 && strconv.FormatInt(s.ID, 10) == pv)
}

func condSelected(f *Field) []Selection {
	var out []Selection
	for _, s := range f.Selections {
		if s.IsSelected {
			out = append(out, s)
		}
	}
	return out
}

// condEquals is F = P for an allowed type. An empty F equals only an
// empty P.
func condEquals(typ string, f *Field, pv string) bool {
	if IsEmpty(f) {
		return pv == ""
	}
	switch typ {
	case template.TypeString, template.TypeText, template.TypeURL:
		return f.Value == pv
	case template.TypeRadio, template.TypeDropdown:
		sel := condSelected(f)
		if len(sel) == 0 {
			// A value without a selected option (older data): compare the text.
			return f.Value == pv
		}
		return condSelectionMatches(sel[0], pv)
	case template.TypeCheckbox:
		sel := condSelected(f)
		return len(sel) == 1 && condSelectionMatches(sel[0], pv)
	case template.TypeDate, template.TypeNumber:
		c, ok := condCompare(typ, f, pv)
		return ok && c == 0
	case template.TypeUser:
		id, err := strconv.ParseInt(strings.TrimSpace(pv), 10, 64)
		return err == nil && f.UserID != 0 && f.UserID == id
	}
	return false
}

// condContains is the contains operator for an allowed type.
func condContains(typ string, f *Field, pv string) bool {
	if typ == template.TypeCheckbox {
		for _, s := range condSelected(f) {
			if condSelectionMatches(s, pv) {
				return true
			}
		}
		return false
	}
	return f.Value != "" && strings.Contains(f.Value, pv)
}

// condCompare orders F against P for date (as instants) and number
// (exactly, as decimals); ok is false when a side is empty or does not
// parse.
func condCompare(typ string, f *Field, pv string) (int, bool) {
	if f.Value == "" || strings.TrimSpace(pv) == "" {
		return 0, false
	}
	switch typ {
	case template.TypeDate:
		a, err := ParseInstant(f.Value)
		if err != nil {
			return 0, false
		}
		b, err := ParseInstant(pv)
		if err != nil {
			return 0, false
		}
		return a.Compare(b), true
	case template.TypeNumber:
		a, ok := parseDecimal(strings.TrimSpace(f.Value))
		if !ok {
			return 0, false
		}
		b, ok := parseDecimal(strings.TrimSpace(pv))
		if !ok {
			return 0, false
		}
		return a.Rat().Cmp(b.Rat()), true
	}
	return 0, false
}

// Decide tells what to do with a task whose turn has come, from its
// conditions: DecideStart, DecideSkip or DecideEnd. Conditions are walked
// in ascending Order (ties keep their position). A condition holds when any
// of its rules holds; a rule holds when it has predicates and all of them
// hold (an empty rule, or a condition without rules, does not hold). The
// first condition that holds decides (start_task → start, skip_task → skip,
// end_process → end); a start_task condition that does not hold, reached
// before any held, skips the task. Without a decision the task starts.
// Conditions with an unknown action are passed over.
func Decide(conds []template.Condition, fields map[string]*Field) string {
	order := make([]int, len(conds))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return conds[order[a]].Order < conds[order[b]].Order })
	for _, i := range order {
		c := conds[i]
		holds := condHolds(c, fields)
		switch c.Action {
		case template.ActionStartTask:
			if holds {
				return DecideStart
			}
			return DecideSkip
		case template.ActionSkipTask:
			if holds {
				return DecideSkip
			}
		case template.ActionEndProcess:
			if holds {
				return DecideEnd
			}
		}
	}
	return DecideStart
}

// condHolds: any rule with all of its (≥1) predicates true.
func condHolds(c template.Condition, fields map[string]*Field) bool {
	for _, r := range c.Rules {
		if len(r.Predicates) == 0 {
			continue
		}
		all := true
		for _, p := range r.Predicates {
			if !EvalPredicate(p, fields) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}
