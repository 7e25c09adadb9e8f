package template

import (
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
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

// Operators lists every predicate operator.
var Operators = []string{OpEquals, OpNotEquals, OpContains, OpNotContains, OpMoreThan, OpLessThan, OpExists, OpNotExists}

var (
	textOps   = []string{OpEquals, OpNotEquals, OpContains, OpNotContains, OpExists, OpNotExists}
	choiceOps = []string{OpEquals, OpNotEquals, OpExists, OpNotExists}
	orderOps  = []string{OpEquals, OpNotEquals, OpMoreThan, OpLessThan, OpExists, OpNotExists}
	fileOps   = []string{OpExists, OpNotExists}
)

// operatorsByType is the contract's table (§4) of the operators each
// predicate field_type allows.
var operatorsByType = map[string][]string{
	TypeString: textOps, TypeText: textOps, TypeURL: textOps, TypeCheckbox: textOps,
	TypeRadio: choiceOps, TypeDropdown: choiceOps, TypeUser: choiceOps,
	TypeDate: orderOps, TypeNumber: orderOps,
	TypeFile: fileOps,
}

// OperatorAllowed reports whether op applies to predicates of fieldType.
func OperatorAllowed(fieldType, op string) bool {
	return slices.Contains(operatorsByType[fieldType], op)
}

// IsUnary reports whether op takes no value.
func IsUnary(op string) bool { return op == OpExists || op == OpNotExists }

// FindSelection finds the selection of f that v names: by api_name, else by
// value text, else by id (decimal digits). Api_names come first because
// stored predicates hold them; value text before ids because a client writing
// a new template cannot know ids yet, while values like "2" are common.
func FindSelection(f *Field, v string) (*Selection, bool) {
	for i := range f.Selections {
		if f.Selections[i].APIName == v {
			return &f.Selections[i], true
		}
	}
	for i := range f.Selections {
		if f.Selections[i].Value == v {
			return &f.Selections[i], true
		}
	}
	if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && id != 0 {
		for i := range f.Selections {
			if f.Selections[i].ID == id {
				return &f.Selections[i], true
			}
		}
	}
	return nil, false
}

// NormalizePredicates rewrites the value of every predicate whose field is a
// radio, checkbox or dropdown field of t, given as the selection's id,
// api_name or value text, to that selection's api_name (the stored form).
// Values that name no selection are left for Validate to refuse. Validate
// calls it, so callers need not; it must run after Assign (ids must exist).
// It is idempotent.
func NormalizePredicates(t *Template) {
	fields := map[string]*Field{}
	index := func(fs []Field) {
		for i := range fs {
			if _, dup := fields[fs[i].APIName]; !dup {
				fields[fs[i].APIName] = &fs[i]
			}
		}
	}
	index(t.Kickoff.Fields)
	for i := range t.Tasks {
		index(t.Tasks[i].Fields)
	}
	for i := range t.Tasks {
		for j := range t.Tasks[i].Conditions {
			for k := range t.Tasks[i].Conditions[j].Rules {
				preds := t.Tasks[i].Conditions[j].Rules[k].Predicates
				for m := range preds {
					p := &preds[m]
					f := fields[p.Field]
					if p.Value == nil || f == nil || !HasSelections(f.Type) {
						continue
					}
					if s, ok := FindSelection(f, *p.Value); ok {
						api := s.APIName
						p.Value = &api
					}
				}
			}
		}
	}
}

// IsNumber reports whether s is a decimal number the engine can compare:
// optional sign, digits with an optional fraction ("10", "-2.5", ".5",
// "5."), an optional exponent of at most 6 digits, and a plain form of at
// most 1000 characters. Go-only spellings that strconv.ParseFloat takes
// (hex, "Inf", "NaN", underscores) are not numbers. Surrounding white space
// is ignored. It mirrors the engine's decimal parser, so that Validate
// accepts exactly the values conditions can evaluate.
func IsNumber(s string) bool {
	s = strings.TrimSpace(s)
	i, neg := 0, false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var mant []byte
	fracDigits := 0
	for ; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		mant = append(mant, s[i])
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
			mant = append(mant, s[i])
			fracDigits++
		}
	}
	if len(mant) == 0 {
		return false
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		start := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		if i == start || i-start > 6 {
			return false
		}
		exp, _ = strconv.Atoi(s[start:i])
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return false
	}
	digits := strings.TrimLeft(string(mant), "0")
	trimmed := strings.TrimRight(digits, "0")
	exp += len(digits) - len(trimmed) - fracDigits
	if trimmed == "" {
		return true // zero
	}
	// The length of the plain text ("0.001", "4200") must stay bounded.
	n := len(trimmed)
	switch {
	case exp >= 0:
		n += exp
	case -exp >= len(trimmed):
		n = 2 - exp
	default:
		n++
	}
	if neg {
		n++
	}
	return n <= 1000
}

// Instants outside years 1..9999 cannot be written back in ISO form.
var (
	minInstant = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxInstant = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// dateLayouts are the text forms ParseDate accepts (after upper-casing and
// turning a space after the date into "T"); Go accepts a fraction after the
// seconds without the layout saying so. A form without an offset is UTC.
var dateLayouts = []string{
	"2006-01-02",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04",
	"1/2/2006", // MM/DD/YYYY, leading zeros optional
}

// ParseDate reads a date predicate value: an ISO 8601 date (midnight UTC)
// or instant (with a fraction, an offset, a space for the T, or no offset
// meaning UTC), MM/DD/YYYY, or Unix seconds as decimal text. Years must be
// 1..9999. The result is in UTC. It accepts what the engine's date parser
// accepts, so that Validate passes exactly the values conditions can use.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if IsNumber(s) {
		r, ok := new(big.Rat).SetString(s)
		if !ok || r.Cmp(big.NewRat(minInstant.Unix(), 1)) < 0 || r.Cmp(big.NewRat(maxInstant.Unix()+1, 1)) >= 0 {
			return time.Time{}, false
		}
		f, _ := r.Float64()
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), true
	}
	u := strings.ToUpper(s) // 't' and 'z' are legal in ISO 8601
	if len(u) > 11 && u[10] == ' ' {
		u = u[:10] + "T" + u[11:]
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, u); err == nil {
			t = t.UTC()
			if t.Before(minInstant) || t.After(maxInstant) {
				return time.Time{}, false
			}
			return t, true
		}
	}
	return time.Time{}, false
}
