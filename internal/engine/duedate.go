package engine

import (
	"errors"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// DueAnchors gives DueDate the instants a due date rule may be measured
// from. A nil function or a nil answer means the anchor is missing.
type DueAnchors struct {
	// TaskFirstStarted is the first time the task ever became active (a
	// return does not reset it).
	TaskFirstStarted func(taskAPIName string) *time.Time
	// TaskCompleted is the task's completion.
	TaskCompleted func(taskAPIName string) *time.Time
	// WorkflowCreated is the workflow's creation; zero means missing.
	WorkflowCreated time.Time
	// FieldInstant is the value of a date field, nil when it is empty.
	FieldInstant func(fieldAPIName string) *time.Time
}

// monthSeconds is the length of a due date month: 30 days, not a calendar
// month.
const monthSeconds = 30 * 24 * 3600

// DueDate computes a task's due date from its rule: the anchor plus (or,
// for "before field", minus) Duration seconds + 30 days × DurationMonths.
// It returns nil when the anchor is missing, the rule is unknown, or the
// result would be out of range. Rule names with "_" for spaces are
// accepted. The result is in UTC.
func DueDate(rule template.DueDate, anchors DueAnchors) *time.Time {
	source := ""
	if rule.SourceID != nil {
		source = *rule.SourceID
	}
	var anchor *time.Time
	sign := int64(1)
	switch strings.ReplaceAll(strings.TrimSpace(rule.Rule), "_", " ") {
	case template.RuleAfterTaskStarted:
		if anchors.TaskFirstStarted != nil && source != "" {
			anchor = anchors.TaskFirstStarted(source)
		}
	case template.RuleAfterTaskCompleted:
		if anchors.TaskCompleted != nil && source != "" {
			anchor = anchors.TaskCompleted(source)
		}
	case template.RuleAfterWorkflowStarted:
		if !anchors.WorkflowCreated.IsZero() {
			t := anchors.WorkflowCreated
			anchor = &t
		}
	case template.RuleAfterField:
		if anchors.FieldInstant != nil && source != "" {
			anchor = anchors.FieldInstant(source)
		}
	case template.RuleBeforeField:
		if anchors.FieldInstant != nil && source != "" {
			anchor = anchors.FieldInstant(source)
		}
		sign = -1
	}
	if anchor == nil || anchor.IsZero() {
		return nil
	}
	// Add in whole seconds through Unix time: a time.Duration overflows
	// beyond 292 years, which a careless duration_months could reach.
	months := int64(rule.DurationMonths)
	if months < 0 || rule.Duration < 0 || months > math.MaxInt64/monthSeconds {
		return nil
	}
	total := months * monthSeconds
	if rule.Duration > math.MaxInt64-total {
		return nil
	}
	total += rule.Duration
	base := anchor.Unix()
	if (sign > 0 && base > math.MaxInt64-total) || (sign < 0 && base < math.MinInt64+total) {
		return nil
	}
	t := time.Unix(base+sign*total, int64(anchor.Nanosecond())).UTC()
	return &t
}

// errBadInstant is ParseInstant's error.
var errBadInstant = errors.New("not a date: expected an ISO 8601 date or instant, MM/DD/YYYY, or Unix seconds")

// instantLayouts are the accepted text forms, tried in order. Go's parser
// accepts a fraction after the seconds even when the layout has none. A
// form without an offset is taken as UTC.
var instantLayouts = []string{
	"2006-01-02",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04",
	"1/2/2006", // MM/DD/YYYY, leading zeros optional
}

// ParseInstant parses a date value: an ISO 8601 date ("2026-03-01",
// midnight UTC) or instant ("2026-03-01T10:00:00Z", with a fraction, an
// offset, a space for the T, or no offset meaning UTC), "MM/DD/YYYY", or
// Unix seconds as decimal text ("1772359200", "1772359200.5"). Years must
// be 1..9999. The result is in UTC.
func ParseInstant(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, ok := parseDecimal(s); ok {
		return unixInstant(d)
	}
	u := strings.ToUpper(s) // 't' and 'z' are legal in ISO 8601
	if len(u) > 11 && u[10] == ' ' {
		u = u[:10] + "T" + u[11:]
	}
	for _, layout := range instantLayouts {
		t, err := time.Parse(layout, u)
		if err != nil {
			continue
		}
		t = t.UTC()
		if t.Before(minInstant) || t.After(maxInstant) {
			return time.Time{}, errBadInstant
		}
		return t, nil
	}
	return time.Time{}, errBadInstant
}

// unixInstant turns exact Unix seconds into an instant, rounded to the
// nanosecond.
func unixInstant(d decimal) (time.Time, error) {
	r := d.Rat()
	if r.Cmp(new(big.Rat).SetInt64(minInstant.Unix())) < 0 || r.Cmp(new(big.Rat).SetInt64(maxInstant.Unix()+1)) >= 0 {
		return time.Time{}, errBadInstant
	}
	sec := new(big.Int).Div(r.Num(), r.Denom()) // Euclidean: floor for a positive denominator
	frac := new(big.Rat).Sub(r, new(big.Rat).SetInt(sec))
	frac.Mul(frac, big.NewRat(1e9, 1))
	ns, _ := frac.Float64()
	nanos := int64(math.Round(ns))
	t := time.Unix(sec.Int64(), nanos).UTC()
	if t.After(maxInstant) {
		return time.Time{}, errBadInstant
	}
	return t, nil
}
