package engine

import (
	"strings"
	"testing"
	"unicode"
)

func TestRender(t *testing.T) {
	vars := map[string]string{
		"name": "Ann", "field-x1": "X", "a": "1", "b": "2", "empty": "", "ünï": "U",
		"braces": "{{name}}", "a.b": "dot", "x": "$1 \\n",
	}
	cases := []struct{ in, want string }{
		{"", ""},
		{"no variables", "no variables"},
		{"Hi {{name}}!", "Hi Ann!"},
		{"Hi {{ name }}!", "Hi Ann!"},
		{"Hi {{\tname\n}}!", "Hi Ann!"},
		{"Hi {{   name}}", "Hi Ann"},
		{"{{field-x1}}", "X"},
		{"{{a}}{{b}}", "12"},
		{"{{a}} {{ b }} {{a}}", "1 2 1"},
		{"{{unknown}}", "{{unknown}}"},
		{"{{ unknown }} and {{a}}", "{{ unknown }} and 1"},
		{"{{na me}}", "{{na me}}"},
		{"{{}}", "{{}}"},
		{"{{ }}", "{{ }}"},
		{"{{name", "{{name"},
		{"name}}", "name}}"},
		{"{name}", "{name}"},
		{"{{{name}}}", "{Ann}"},
		{"{{{{name}}}}", "{{Ann}}"},
		{"{{na{me}}", "{{na{me}}"},
		{"{{empty}}|", "|"},
		{"{{ünï}} ü", "U ü"},
		{"日本 {{ name }} 語", "日本 Ann 語"},
		{"{{braces}}", "{{name}}"}, // values are not rendered again
		{"{{a.b}}", "dot"},
		{"{{a.*}}", "{{a.*}}"},
		{"{{x}}", "$1 \\n"},
		{"{{NAME}}", "{{NAME}}"},
		{"{{a}}}", "1}"},
		{"{{ a }}{{unknown}}{{b}}", "1{{unknown}}2"},
		{"{{\u00a0name\u00a0}}", "Ann"},
	}
	for _, c := range cases {
		if got := Render(c.in, vars); got != c.want {
			t.Errorf("Render(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := Render(c.in, nil); got != c.in {
			t.Errorf("Render(%q, nil) = %q", c.in, got)
		}
	}
}

func TestRenderLongInput(t *testing.T) {
	// Many openings and one late closing: stays linear and correct.
	s := strings.Repeat("{{x y ", 200000) + "}}"
	if got := Render(s, map[string]string{"x": "y"}); got != s {
		t.Error("changed an input without variables")
	}
	s = strings.Repeat("{{a}}", 100000)
	if got := Render(s, map[string]string{"a": "b"}); got != strings.Repeat("b", 100000) {
		t.Error("wrong repeated rendering")
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{"", "Hi {{name}}!", "{{ a }}{{b}}", "{{{a}}}", "{{unknown}}", "{{", "}}", "{{a b}}", "{{ü}}", "\xff{{a}}"} {
		f.Add(s)
	}
	vars := map[string]string{"a": "A", "b": "", "name": "{{a}}", "ü": "u"}
	f.Fuzz(func(t *testing.T, s string) {
		if Render(s, nil) != s {
			t.Fatal("Render(s, nil) != s")
		}
		if Render(s, map[string]string{}) != s {
			t.Fatal("Render(s, {}) != s")
		}
		out := Render(s, vars)
		// Without "{{" in s nothing can change.
		if !strings.Contains(s, "{{") && out != s {
			t.Fatalf("%q changed to %q", s, out)
		}
		// Without whitespace, replacing a name by itself in braces is the
		// identity.
		if !strings.ContainsFunc(s, unicode.IsSpace) {
			same := map[string]string{"a": "{{a}}", "name": "{{name}}"}
			if got := Render(s, same); got != s {
				t.Fatalf("identity vars changed %q to %q", s, got)
			}
		}
	})
}

func TestFieldVars(t *testing.T) {
	dir := newValTestDir()
	fields := []*Field{
		{APIName: "s", Type: "string", Value: "hello"},
		{APIName: "t", Type: "text", Value: ""},
		{APIName: "u", Type: "url", Value: "https://example.com"},
		{APIName: "n", Type: "number", Value: "3.5"},
		{APIName: "dt", Type: "date", Value: "2026-03-01T10:00:00.000Z"},
		{APIName: "r", Type: "radio", Value: "Green", Selections: []Selection{{Value: "Red"}, {Value: "Green", IsSelected: true}}},
		{APIName: "r0", Type: "radio", Selections: []Selection{{Value: "Red"}}},
		{APIName: "c", Type: "checkbox", Value: "A1, C3", Selections: []Selection{{Value: "A1", IsSelected: true}, {Value: "B2"}, {Value: "C3", IsSelected: true}}},
		{APIName: "usr", Type: "user", Value: "7", UserID: 7},
		{APIName: "usr-noname", Type: "user", Value: "9", UserID: 9},
		{APIName: "usr-spaces", Type: "user", Value: "10", UserID: 10},
		{APIName: "usr-gone", Type: "user", Value: "99", UserID: 99},
		{APIName: "usr-empty", Type: "user"},
		{APIName: "f", Type: "file", Value: "u1, u2", Attachments: []Attachment{{Name: "a.pdf", URL: "u1"}, {Name: "b.png", URL: "u2"}}},
		{APIName: "f0", Type: "file"},
	}
	want := map[string]string{
		"s": "hello", "t": "", "u": "https://example.com", "n": "3.5", "dt": "2026-03-01T10:00:00.000Z",
		"r": "Green", "r0": "", "c": "A1, C3", "usr": "Kick Off", "usr-noname": "noname@example.com",
		"usr-spaces": "Ann", "usr-gone": "", "usr-empty": "", "f": "a.pdf, b.png", "f0": "",
	}
	got := FieldVars(fields, dir)
	if len(got) != len(want) {
		t.Errorf("got %d vars, want %d", len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
	if s := Render("{{ usr }} filed {{f}} on {{dt}}; {{t}}.", got); s != "Kick Off filed a.pdf, b.png on 2026-03-01T10:00:00.000Z; ." {
		t.Errorf("rendered %q", s)
	}
}
