package template

import (
	"reflect"
	"testing"
)

func TestVariableNames(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"no variables", nil},
		{"Hello {{name}}", []string{"name"}},
		{"{{ a }} and {{b}} and {{  a}}", []string{"a", "b"}},
		{"{{\tfield-1\n}}", []string{"field-1"}},
		{"{{two words}}", nil},
		{"{{}} {{ }} {name} {{{x}}}", []string{"x"}},
		{"{{workflow-starter}}{{date}}", []string{"workflow-starter", "date"}},
		{"{{ünïcode}}", []string{"ünïcode"}},
	}
	for _, tt := range tests {
		if got := VariableNames(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("VariableNames(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPerformerLabel(t *testing.T) {
	tpl := &Template{Kickoff: Kickoff{Fields: []Field{{APIName: "reviewer", Name: "Reviewer", Type: TypeUser}}},
		Tasks: []Task{{Fields: []Field{{APIName: "approver", Name: "Approver", Type: TypeUser}}}}}
	s := func(v string) *string { return &v }
	tests := []struct {
		p    Performer
		want string
	}{
		{Performer{Type: PerformerUser, SourceID: s("2")}, "Petra Performer"},
		{Performer{Type: PerformerUser, SourceID: s("3")}, "Solo"},
		{Performer{Type: PerformerUser, SourceID: s("99")}, ""},
		{Performer{Type: PerformerUser, SourceID: s("x")}, ""},
		{Performer{Type: PerformerUser}, ""},
		{Performer{Type: PerformerGroup, SourceID: s("10")}, "Reviewers"},
		{Performer{Type: PerformerGroup, SourceID: s("11")}, ""},
		{Performer{Type: PerformerField, SourceID: s("reviewer")}, "Reviewer"},
		{Performer{Type: PerformerField, SourceID: s("approver")}, "Approver"},
		{Performer{Type: PerformerField, SourceID: s("nobody")}, ""},
		{Performer{Type: PerformerStarter}, "Workflow starter"},
		{Performer{Type: "robot"}, ""},
	}
	for _, tt := range tests {
		if got := PerformerLabel(tt.p, tpl, fakeDir{}); got != tt.want {
			t.Errorf("PerformerLabel(%s %s) = %q, want %q", tt.p.Type, deref(tt.p.SourceID), got, tt.want)
		}
	}
	if got := PerformerLabel(Performer{Type: PerformerUser, SourceID: s("2")}, tpl, nil); got != "" {
		t.Errorf("without a directory: %q", got)
	}
}

func TestPerformersCount(t *testing.T) {
	s := func(v string) *string { return &v }
	tpl := &Template{Tasks: []Task{
		{Performers: []Performer{{Type: PerformerUser, SourceID: s("2")}, {Type: PerformerField, SourceID: s("reviewer")}}},
		{Performers: []Performer{{Type: PerformerUser, SourceID: s("2")}, {Type: PerformerStarter}, {Type: PerformerGroup, SourceID: s("2")}}},
		{Performers: []Performer{{Type: PerformerStarter}}},
		{},
	}}
	if got := PerformersCount(tpl); got != 4 {
		t.Fatalf("PerformersCount = %d, want 4 (a user, a field, the starter, a group)", got)
	}
	if got := PerformersCount(&Template{}); got != 0 {
		t.Fatalf("empty: %d", got)
	}
	// The seed example: a user, a field and the workflow starter.
	tpl, err := build(t, seedBody())
	if err != nil {
		t.Fatal(err)
	}
	if got := PerformersCount(tpl); got != 6 {
		t.Fatalf("seed body: %d, want 6", got)
	}
}

func TestSortFields(t *testing.T) {
	fs := []Field{{APIName: "c", Order: 3, ID: 1}, {APIName: "b2", Order: 2, ID: 9}, {APIName: "a", Order: 1, ID: 5}, {APIName: "b1", Order: 2, ID: 4}}
	SortFields(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.APIName)
	}
	if want := []string{"a", "b1", "b2", "c"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
}
