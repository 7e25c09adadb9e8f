package store

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/pneumatic-oss/pneumatic/internal/engine"
)

var selectionSeeds = []string{"null", "[]", `[{"id":1,"api_name":"a","value":"A","is_selected":true}]`,
	`[{"id":0,"api_name":"","value":"","is_selected":false},{"id":-7,"api_name":"x-1","value":"Zoë 日本","is_selected":true}]`,
	`[{"id":01,"api_name":"a","value":"A","is_selected":true}]`, `[{"id":1,"api_name":"a\"b","value":"\u003c","is_selected":true}]`,
	`[{"api_name":"a","id":1,"value":"A","is_selected":true}]`, `[ {"id":1,"api_name":"a","value":"A","is_selected":true} ]`,
	"[{\"id\":1,\"api_name\":\"\xff\",\"value\":\"A\",\"is_selected\":true}]", `[{"id":1,"api_name":"a","value":"A","is_selected":true}]x`,
	`[{"id":99999999999999999999,"api_name":"a","value":"A","is_selected":true}]`, `[`, `{}`, `[{"id":1}]`}

// TestParseSelectionsRoundTrip: what selectionsJSON writes reads back the
// same, on the hand-written path whenever no string needs an escape.
func TestParseSelectionsRoundTrip(t *testing.T) {
	cases := [][]engine.Selection{
		{{ID: 1, APIName: "a", Value: "A", IsSelected: true}},
		{{ID: 12, APIName: "opt-1", Value: "Zoë 日本 🎉"}, {ID: -3, APIName: "", Value: "", IsSelected: true}},
		{{ID: 5, APIName: "q", Value: `say "hi" <b>\ </b>` + "\n\u2028"}},
	}
	for i, want := range cases {
		raw, err := selectionsJSON(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseSelections(raw.(string))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("case %d: %s read back as %+v (%v)", i, raw, got, err)
		}
		if _, fast := parseSelectionsFast(raw.(string)); fast != (i < 2) {
			t.Fatalf("case %d: %s on the hand-written path: %v", i, raw, fast)
		}
	}
}

func FuzzParseSelections(f *testing.F) {
	for _, s := range selectionSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, gotErr := parseSelections(s)
		var want []engine.Selection
		wantErr := json.Unmarshal([]byte(s), &want)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("%q: error %v, encoding/json %v", s, gotErr, wantErr)
		}
		if gotErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: %#v, encoding/json %#v", s, got, want)
		}
	})
}

// BenchmarkParseSelections: a dropdown's five choices, by encoding/json and
// by hand.
func BenchmarkParseSelections(b *testing.B) {
	var sels []engine.Selection
	for i := range 5 {
		sels = append(sels, engine.Selection{ID: int64(1000 + i), APIName: "choice-" + string(rune('a'+i)), Value: "Choice " + string(rune('A'+i)), IsSelected: i == 2})
	}
	raw, _ := selectionsJSON(sels)
	s := raw.(string)
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out []engine.Selection
			if err := json.Unmarshal([]byte(s), &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hand-written", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseSelections(s); err != nil {
				b.Fatal(err)
			}
		}
	})
}
