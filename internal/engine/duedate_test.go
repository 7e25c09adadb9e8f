package engine

import (
	"strconv"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/template"
)

func TestDueDate(t *testing.T) {
	ts := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return &v
	}
	src := func(s string) *string { return &s }
	created := *ts("2026-05-04T08:00:00.250Z")
	started := map[string]*time.Time{"d1": ts("2026-05-04T08:00:01Z")}
	completed := map[string]*time.Time{"d1": ts("2026-05-04T09:15:00Z")}
	dates := map[string]*time.Time{"deadline": ts("2030-01-10T00:00:00Z"), "other-date": nil}
	anchors := DueAnchors{
		TaskFirstStarted: func(n string) *time.Time { return started[n] },
		TaskCompleted:    func(n string) *time.Time { return completed[n] },
		WorkflowCreated:  created,
		FieldInstant:     func(n string) *time.Time { return dates[n] },
	}
	day := int64(86400)
	cases := []struct {
		name string
		rule template.DueDate
		want *time.Time
	}{
		// The figures of test_tasks.py test_due_dates.
		{"1: one hour after d1 started", template.DueDate{Duration: 3600, Rule: "after task started", SourceID: src("d1")}, ts("2026-05-04T09:00:01Z")},
		{"2: 1 day + 1 month after the workflow", template.DueDate{Duration: day, DurationMonths: 1, Rule: "after workflow started"}, ts("2026-06-04T08:00:00.250Z")},
		{"3: 1 day before deadline", template.DueDate{Duration: day, Rule: "before field", SourceID: src("deadline")}, ts("2030-01-09T00:00:00Z")},
		{"4: 2 h + 2 months after deadline", template.DueDate{Duration: 7200, DurationMonths: 2, Rule: "after field", SourceID: src("deadline")}, ts("2030-03-11T02:00:00Z")},
		{"5: 30 min after d1 completed", template.DueDate{Duration: 1800, Rule: "after task completed", SourceID: src("d1")}, ts("2026-05-04T09:45:00Z")},
		{"6: empty field", template.DueDate{Duration: 3600, Rule: "after field", SourceID: src("other-date")}, nil},
		// Missing anchors and other edges.
		{"task not started", template.DueDate{Duration: 60, Rule: "after task started", SourceID: src("d9")}, nil},
		{"task not completed", template.DueDate{Duration: 60, Rule: "after task completed", SourceID: src("d9")}, nil},
		{"unknown field", template.DueDate{Duration: 60, Rule: "before field", SourceID: src("nope")}, nil},
		{"no source", template.DueDate{Duration: 60, Rule: "after field"}, nil},
		{"unknown rule", template.DueDate{Duration: 60, Rule: "whenever", SourceID: src("d1")}, nil},
		{"underscores", template.DueDate{Duration: 60, Rule: "after_task_started", SourceID: src("d1")}, ts("2026-05-04T08:01:01Z")},
		{"before field, months", template.DueDate{DurationMonths: 1, Rule: "before_field", SourceID: src("deadline")}, ts("2029-12-11T00:00:00Z")},
		{"zero duration", template.DueDate{Rule: "after workflow started"}, &created},
		{"huge months", template.DueDate{DurationMonths: 1 << 62, Rule: "after workflow started"}, nil},
		{"negative", template.DueDate{Duration: -5, Rule: "after workflow started"}, nil},
	}
	for _, c := range cases {
		got := DueDate(c.rule, anchors)
		switch {
		case c.want == nil && got != nil:
			t.Errorf("%s: got %v, want none", c.name, got)
		case c.want != nil && (got == nil || !got.Equal(*c.want) || got.Location() != time.UTC):
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	if got := DueDate(template.DueDate{Rule: "after workflow started"}, DueAnchors{}); got != nil {
		t.Errorf("zero creation: %v", got)
	}
	if got := DueDate(template.DueDate{Rule: "after task started", SourceID: src("d1")}, DueAnchors{}); got != nil {
		t.Errorf("nil anchor functions: %v", got)
	}
	// The anchor is not modified.
	before := *started["d1"]
	DueDate(template.DueDate{Duration: 99, Rule: "after task started", SourceID: src("d1")}, anchors)
	if !started["d1"].Equal(before) {
		t.Error("anchor modified")
	}
}

func TestParseInstant(t *testing.T) {
	cases := []struct {
		in   string
		want string // formatted with instantLayout; "" for an error
	}{
		{"2026-03-01", "2026-03-01T00:00:00.000Z"},
		{" 2026-03-01 ", "2026-03-01T00:00:00.000Z"},
		{"2026-03-01T10:00:00Z", "2026-03-01T10:00:00.000Z"},
		{"2026-03-01t10:00:00z", "2026-03-01T10:00:00.000Z"},
		{"2026-03-01T10:00:00.000Z", "2026-03-01T10:00:00.000Z"},
		{"2026-03-01T10:00:00.1234567Z", "2026-03-01T10:00:00.123Z"},
		{"2026-03-01T12:30:00+02:30", "2026-03-01T10:00:00.000Z"},
		{"2026-03-01T05:00:00-0500", "2026-03-01T10:00:00.000Z"},
		{"2026-03-01 10:00:00Z", "2026-03-01T10:00:00.000Z"},
		{"2026-03-01T10:00:00", "2026-03-01T10:00:00.000Z"},
		{"2026-03-01T10:00", "2026-03-01T10:00:00.000Z"},
		{"2026-03-01T10:00Z", "2026-03-01T10:00:00.000Z"},
		{"03/01/2026", "2026-03-01T00:00:00.000Z"},
		{"3/1/2026", "2026-03-01T00:00:00.000Z"},
		{"1772359200", "2026-03-01T10:00:00.000Z"},
		{"1772359200.25", "2026-03-01T10:00:00.250Z"},
		{"1.7723592e9", "2026-03-01T10:00:00.000Z"},
		{"0", "1970-01-01T00:00:00.000Z"},
		{"-86400", "1969-12-31T00:00:00.000Z"},
		{"-0.5", "1969-12-31T23:59:59.500Z"},
		{"253402300799", "9999-12-31T23:59:59.000Z"},
		{"253402300800", ""},
		{"-62135596801", ""},
		{"", ""},
		{"not a date", ""},
		{"2026-02-30", ""},
		{"2026-13-01", ""},
		{"13/01/2026", ""},
		{"2026/03/01", ""},
		{"2026-03-01T25:00:00Z", ""},
		{"0001-01-01T00:30:00+01:00", ""}, {"0000-12-31T23:00:00-02:00", "0001-01-01T01:00:00.000Z"},
		{"NaN", ""},
		{"1e400", ""},
	}
	for _, c := range cases {
		got, err := ParseInstant(c.in)
		if c.want == "" {
			if err == nil {
				t.Errorf("ParseInstant(%q) = %v, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got.Format(instantLayout) != c.want || got.Location() != time.UTC {
			t.Errorf("ParseInstant(%q) = %v, %v; want %s", c.in, got, err, c.want)
		}
	}
}

func FuzzParseInstant(f *testing.F) {
	for _, s := range []string{"2026-03-01", "2026-03-01T10:00:00Z", "2026-03-01T10:00:00.000+01:00", "03/01/2026",
		"1772359200", "1772359200.5", "-1", "garbage", "", "9999-12-31T23:59:59.999999999Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseInstant(s)
		if err != nil {
			return
		}
		if v.Location() != time.UTC || v.Before(minInstant) || v.After(maxInstant) {
			t.Fatalf("%q: %v out of range or not UTC", s, v)
		}
		// The canonical text parses back to the same instant (to the ms).
		text := v.Format(instantLayout)
		w, err := ParseInstant(text)
		if err != nil || !w.Equal(v.Truncate(time.Millisecond)) {
			t.Fatalf("%q → %s → %v, %v", s, text, w, err)
		}
		// Unix seconds of the instant parse back to it.
		u, err := ParseInstant(strconv.FormatInt(v.Unix(), 10))
		if err != nil || u.Unix() != v.Unix() {
			t.Fatalf("%q: unix %d → %v, %v", s, v.Unix(), u, err)
		}
	})
}
