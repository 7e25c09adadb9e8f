package httpapi

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
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
	flt := func(f float64) *float64 { return &f }
	var items []taskListItemJSON
	for i, s := range trickyStrings {
		it := taskListItemJSON{ID: int64(i + 1), Name: s, WorkflowName: trickyStrings[len(trickyStrings)-1-i], WorkflowID: int64(1e12 + i),
			TemplateID: -int64(i), TemplateTaskID: int64(i * 1000), IsUrgent: i%2 == 0, Status: "active"}
		if i%3 != 0 {
			it.DueDate, it.DueDateTsp = str("2030-01-02T03:04:05.678Z"), flt(1893553445.678)
		}
		if i%4 != 1 {
			it.DateStarted, it.DateStartedTsp = str(s), flt([]float64{0, -0.5, 1e-7, 1e21, 123456789.123, 1.5e300, math.Copysign(0, -1)}[i%7])
		}
		items = append(items, it)
	}
	for _, e := range []envelope{{Count: 0}, {Count: 41, Next: str("http://h/v3/tasks?limit=20&offset=20"), Previous: str("http://h/v3/tasks?a=<&>")}} {
		for _, page := range [][]taskListItemJSON{{}, items[:1], items} {
			want := stdJSON(t, envelope{Count: e.Count, Next: e.Next, Previous: e.Previous, Results: page})
			got := appendTaskList(nil, e, page)
			if !bytes.Equal(got, want) {
				t.Fatalf("hand-written:\n%s\nencoding/json:\n%s", got, want)
			}
		}
	}
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
	due, started := "2030-01-02T03:04:05.678Z", "2030-01-01T03:04:05.678Z"
	dueT, startedT := 1893553445.678, 1893467045.678
	items := make([]taskListItemJSON, 20)
	for i := range items {
		items[i] = taskListItemJSON{ID: int64(100000 + i), Name: "Review the contract of ACME Corporation", WorkflowName: "Onboarding: ACME Corporation",
			WorkflowID: int64(50000 + i), DueDate: &due, DueDateTsp: &dueT, DateStarted: &started, DateStartedTsp: &startedT,
			TemplateID: 3, TemplateTaskID: 12, Status: "active"}
	}
	next := "http://127.0.0.1:8000/v3/tasks?limit=20&offset=20"
	e := envelope{Count: 3000, Next: &next}
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			stdJSON(b, envelope{Count: e.Count, Next: e.Next, Results: items})
		}
	})
	b.Run("hand-written", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			appendTaskList(make([]byte, 0, 512+330*len(items)), e, items)
		}
	})
}
