package httpapi

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// stdJSON is what writeJSON writes for v.
func stdJSON(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var trickyStrings = []string{"", "plain", `quo"te`, `back\slash`, "tab\tnew\nline\rret", "\b\f\x00\x01\x1f\x7f",
	"<b>&amp;</b>", "Zoë ünïcode 日本語 🎉", "line\u2028sep\u2029", "bad \xff\xfe utf8 \xc3", "\xe2\x80", "end\\"}

func TestTaskListJSONMatchesEncodingJSON(t *testing.T) {
	str := func(s string) *string { return &s }
	tm := func(t time.Time) *time.Time { return &t }
	times := []*time.Time{nil, tm(time.Date(2030, 1, 2, 3, 4, 5, 678_999_999, time.UTC)), tm(time.Unix(0, 0)),
		tm(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)), tm(time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC)),
		tm(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)), tm(time.Date(-5, 3, 1, 0, 0, 0, 0, time.UTC)),
		tm(time.Date(2026, 12, 4, 18, 5, 0, 1_000_000, time.FixedZone("X", -7*3600))), tm(time.UnixMilli(-1500))}
	var items []store.TaskListItem
	for i, s := range trickyStrings {
		items = append(items, store.TaskListItem{ID: int64(i + 1), Name: s, WorkflowName: trickyStrings[len(trickyStrings)-1-i],
			WorkflowID: int64(1e12 + i), TemplateID: -int64(i), TemplateTaskID: int64(i * 1000), IsUrgent: i%2 == 0, Status: "active",
			DueDate: times[i%len(times)], DateStarted: times[(i+3)%len(times)]})
	}
	for _, e := range []envelope{{Count: 0}, {Count: 41, Next: str("http://h/v3/tasks?limit=20&offset=20"), Previous: str("http://h/v3/tasks?a=<&>")}} {
		for _, page := range [][]store.TaskListItem{{}, items[:1], items} {
			out := []taskListItemJSON{}
			for _, it := range page {
				out = append(out, taskListItemOut(it))
			}
			want := stdJSON(t, envelope{Count: e.Count, Next: e.Next, Previous: e.Previous, Results: out})
			got := appendTaskList(nil, e, page)
			if !bytes.Equal(got, want) {
				t.Fatalf("hand-written:\n%s\nencoding/json:\n%s", got, want)
			}
		}
	}
}

// FuzzAppendTimes: a time as iso and tsp write it, by hand.
func FuzzAppendTimes(f *testing.F) {
	f.Add(int64(1893553445678999999))
	f.Add(int64(0))
	f.Add(int64(-62135596800000000))
	f.Fuzz(func(t *testing.T, nanos int64) {
		for _, tt := range []time.Time{time.Unix(0, nanos), time.Unix(nanos/1000, nanos%1_000_000_000)} {
			if got, want := appendISO(nil, &tt), bytes.TrimSuffix(stdJSON(t, iso(&tt)), []byte("\n")); !bytes.Equal(got, want) {
				t.Fatalf("%v: iso by hand %s, encoding/json %s", tt, got, want)
			}
			if got, want := appendTsp(nil, &tt), bytes.TrimSuffix(stdJSON(t, tsp(&tt)), []byte("\n")); !bytes.Equal(got, want) {
				t.Fatalf("%v: tsp by hand %s, encoding/json %s", tt, got, want)
			}
		}
	})
}

func FuzzAppendString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := bytes.TrimSuffix(stdJSON(t, s), []byte("\n"))
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: hand-written %s, encoding/json %s", s, got, want)
		}
	})
}

func FuzzAppendFloat(f *testing.F) {
	for _, v := range []float64{0, 1, -1, 0.1, 1e-6, 9.99e-7, 1e20, 1e21, 1893553445.678, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return // no JSON form; the API never has one
		}
		want := bytes.TrimSuffix(stdJSON(t, v), []byte("\n"))
		if got := appendFloatPtr(nil, &v); !bytes.Equal(got, want) {
			t.Fatalf("%v: hand-written %s, encoding/json %s", v, got, want)
		}
	})
}

// BenchmarkTaskListJSON: an inbox page of 20 tasks, by encoding/json and
// by hand.
func BenchmarkTaskListJSON(b *testing.B) {
	due, started := time.Date(2030, 1, 2, 3, 4, 5, 678_000_000, time.UTC), time.Date(2030, 1, 1, 3, 4, 5, 678_000_000, time.UTC)
	items := make([]store.TaskListItem, 20)
	for i := range items {
		items[i] = store.TaskListItem{ID: int64(100000 + i), Name: "Review the contract of ACME Corporation", WorkflowName: "Onboarding: ACME Corporation",
			WorkflowID: int64(50000 + i), DueDate: &due, DateStarted: &started, TemplateID: 3, TemplateTaskID: 12, Status: "active"}
	}
	next := "http://127.0.0.1:8000/v3/tasks?limit=20&offset=20"
	e := envelope{Count: 3000, Next: &next}
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out := make([]taskListItemJSON, 0, len(items))
			for _, it := range items {
				out = append(out, taskListItemOut(it))
			}
			stdJSON(b, envelope{Count: e.Count, Next: e.Next, Results: out})
		}
	})
	b.Run("hand-written", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			appendTaskList(make([]byte, 0, 512+330*len(items)), e, items)
		}
	})
}
