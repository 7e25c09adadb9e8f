package engine

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// valTestDir is an in-memory Directory for the value tests.
type valTestDir struct {
	users map[int64]User
	atts  map[int64]Attachment
	used  map[int64]int64 // attachment id → field id using it
}

func (d *valTestDir) User(id int64) (User, bool) { u, ok := d.users[id]; return u, ok }
func (d *valTestDir) UserByEmail(email string) (User, bool) {
	for _, u := range d.users {
		if strings.EqualFold(u.Email, email) {
			return u, true
		}
	}
	return User{}, false
}
func (d *valTestDir) GroupMembers(int64) ([]int64, bool) { return nil, false }
func (d *valTestDir) FreeAttachment(id, fieldID int64) (Attachment, bool) {
	a, ok := d.atts[id]
	if !ok {
		return Attachment{}, false
	}
	if by, used := d.used[id]; used && by != fieldID {
		return Attachment{}, false
	}
	return a, true
}
func (d *valTestDir) OwnerID() int64 { return 1 }

func newValTestDir() *valTestDir {
	return &valTestDir{
		users: map[int64]User{
			1:  {ID: 1, Email: "owner@example.com", FirstName: "Olga", LastName: "Owner", Active: true, IsOwner: true},
			7:  {ID: 7, Email: "Kick.Off@example.com", FirstName: "Kick", LastName: "Off", Active: true},
			8:  {ID: 8, Email: "invited@example.com", Active: false},
			9:  {ID: 9, Email: "noname@example.com", Active: true},
			10: {ID: 10, Email: "  ", FirstName: " Ann ", Active: true},
		},
		atts: map[int64]Attachment{
			31: {ID: 31, Name: "a.pdf", URL: "https://files.example.com/a.pdf"},
			32: {ID: 32, Name: "b.png", URL: "https://files.example.com/b.png"},
			33: {ID: 33, Name: "c.txt", URL: "https://files.example.com/c.txt"},
		},
		used: map[int64]int64{33: 500},
	}
}

func valField(typ string) *Field {
	f := &Field{ID: 100, APIName: "f-" + typ, Type: typ}
	switch typ {
	case "radio":
		f.Selections = []Selection{{ID: 11, APIName: "sel-red", Value: "Red"}, {ID: 12, APIName: "sel-green", Value: "Green"}, {ID: 13, APIName: "sel-blue", Value: "Blue"}}
	case "dropdown":
		f.Selections = []Selection{{ID: 21, APIName: "sel-small", Value: "Small"}, {ID: 22, APIName: "sel-large", Value: "Large"}}
	case "checkbox":
		f.Selections = []Selection{{ID: 41, APIName: "sel-a1", Value: "A1"}, {ID: 42, APIName: "sel-b2", Value: "B2"}, {ID: 43, APIName: "sel-c3", Value: "C3"}}
	}
	return f
}

func selectedValues(f *Field) []string {
	var out []string
	for _, s := range f.Selections {
		if s.IsSelected {
			out = append(out, s.Value)
		}
	}
	return out
}

func TestSetValue(t *testing.T) {
	n := func(s string) json.Number { return json.Number(s) }
	cases := []struct {
		typ    string
		raw    any
		value  string // expected Value when ok
		userID int64
		bad    bool
	}{
		{"string", "hello", "hello", 0, false},
		{"string", strings.Repeat("x", 140), strings.Repeat("x", 140), 0, false},
		{"string", strings.Repeat("é", 140), strings.Repeat("é", 140), 0, false},
		{"string", strings.Repeat("x", 141), "", 0, true},
		{"string", n("12"), "12", 0, false},
		{"string", true, "", 0, true},
		{"string", map[string]any{"a": 1}, "", 0, true},
		{"string", []any{"a"}, "", 0, true},
		{"string", "  ", "  ", 0, false},
		{"text", "line one\nline two", "line one\nline two", 0, false},
		{"text", strings.Repeat("x", 5000), strings.Repeat("x", 5000), 0, false},
		{"url", "https://example.com/path?q=1", "https://example.com/path?q=1", 0, false},
		{"url", "http://localhost:8080/x", "http://localhost:8080/x", 0, false},
		{"url", "ftp://files.example.org/a", "ftp://files.example.org/a", 0, false},
		{"url", "example.com/x", "example.com/x", 0, false},
		{"url", "http://192.168.1.1/", "http://192.168.1.1/", 0, false},
		{"url", "https://bücher.de/", "https://bücher.de/", 0, false},
		{"url", "not a url", "", 0, true},
		{"url", "abc", "", 0, true},
		{"url", "https://", "", 0, true},
		{"url", "mailto:a@example.com", "", 0, true},
		{"url", "javascript:alert(1)", "", 0, true},
		{"url", "https://exa mple.com", "", 0, true},
		{"url", "https://-bad-.com", "", 0, true},
		{"url", n("5"), "", 0, true},
		{"radio", n("12"), "Green", 0, false},
		{"radio", 12, "Green", 0, false},
		{"radio", float64(13), "Blue", 0, false},
		{"radio", "13", "Blue", 0, false},
		{"radio", "sel-red", "Red", 0, false},
		{"radio", "Blue", "Blue", 0, false},
		{"radio", []any{"Blue"}, "Blue", 0, false},
		{"radio", []any{"Blue", "Red"}, "", 0, true},
		{"radio", "No such option", "", 0, true},
		{"radio", n("987654321"), "", 0, true},
		{"radio", true, "", 0, true},
		{"dropdown", n("22"), "Large", 0, false},
		{"dropdown", "Small", "Small", 0, false},
		{"dropdown", n("987654321"), "", 0, true},
		{"checkbox", []any{n("41"), n("43")}, "A1, C3", 0, false},
		{"checkbox", []any{"42"}, "B2", 0, false},
		{"checkbox", []any{"sel-c3", "sel-b2"}, "B2, C3", 0, false}, // field order, not input order
		{"checkbox", []any{"C3", "A1", "B2", "A1"}, "A1, B2, C3", 0, false},
		{"checkbox", []any{"sel-a1", "B2", "43"}, "A1, B2, C3", 0, false},
		{"checkbox", "B2", "B2", 0, false},
		{"checkbox", n("41"), "A1", 0, false},
		{"checkbox", "A1, C3", "A1, C3", 0, false},
		{"checkbox", []string{"A1"}, "A1", 0, false},
		{"checkbox", []any{"nope"}, "", 0, true},
		{"checkbox", []any{"A1", "nope"}, "", 0, true},
		{"checkbox", []any{[]any{"A1"}}, "", 0, true},
		{"checkbox", map[string]any{}, "", 0, true},
		{"date", "2026-03-01T10:00:00Z", "2026-03-01T10:00:00.000Z", 0, false},
		{"date", "2026-03-01T10:00:00.000Z", "2026-03-01T10:00:00.000Z", 0, false},
		{"date", "2026-03-01T10:00:00.123456Z", "2026-03-01T10:00:00.123Z", 0, false},
		{"date", "2026-03-01T12:00:00+02:00", "2026-03-01T10:00:00.000Z", 0, false},
		{"date", "2026-03-01", "2026-03-01T00:00:00.000Z", 0, false},
		{"date", "03/01/2026", "2026-03-01T00:00:00.000Z", 0, false},
		{"date", n("1772359200"), "2026-03-01T10:00:00.000Z", 0, false},
		{"date", float64(1772359200), "2026-03-01T10:00:00.000Z", 0, false},
		{"date", n("1772359200.5"), "2026-03-01T10:00:00.500Z", 0, false},
		{"date", "1772359200", "2026-03-01T10:00:00.000Z", 0, false},
		{"date", "not a date", "", 0, true},
		{"date", "2026-02-30", "", 0, true},
		{"date", "13/01/2026", "", 0, true},
		{"date", n("1e20"), "", 0, true},
		{"date", true, "", 0, true},
		{"user", n("7"), "7", 7, false},
		{"user", 7, "7", 7, false},
		{"user", "7", "7", 7, false},
		{"user", "kick.off@EXAMPLE.com", "7", 7, false},
		{"user", n("8"), "8", 8, false}, // invited
		{"user", n("987654321"), "", 0, true},
		{"user", "nobody@example.com", "", 0, true},
		{"user", "Kick Off", "", 0, true},
		{"user", n("1.5"), "", 0, true},
		{"user", true, "", 0, true},
		{"file", []any{n("31"), "32"}, "https://files.example.com/a.pdf, https://files.example.com/b.png", 0, false},
		{"file", []any{n("32"), n("32")}, "https://files.example.com/b.png", 0, false},
		{"file", n("31"), "https://files.example.com/a.pdf", 0, false},
		{"file", []any{n("33")}, "", 0, true}, // used by another field
		{"file", []any{n("99")}, "", 0, true},
		{"file", []any{"x"}, "", 0, true},
		{"file", []any{n("31"), n("99")}, "", 0, true},
		{"number", n("42"), "42", 0, false},
		{"number", 42, "42", 0, false},
		{"number", float64(9.5), "9.5", 0, false},
		{"number", "3.5", "3.5", 0, false},
		{"number", "100", "100", 0, false},
		{"number", n("42.0"), "42", 0, false},
		{"number", n("-0.50"), "-0.5", 0, false},
		{"number", n("1e3"), "1000", 0, false},
		{"number", n("1.5E-3"), "0.0015", 0, false},
		{"number", "-0", "0", 0, false},
		{"number", " 7 ", "7", 0, false},
		{"number", "007", "7", 0, false},
		{"number", ".5", "0.5", 0, false},
		{"number", "abc", "", 0, true},
		{"number", "NaN", "", 0, true},
		{"number", "Inf", "", 0, true},
		{"number", "0x10", "", 0, true},
		{"number", "1_000", "", 0, true},
		{"number", "1e99999", "", 0, true},
		{"number", "1.2.3", "", 0, true},
		{"number", true, "", 0, true},
		{"bogus", "x", "", 0, true},
	}
	dir := newValTestDir()
	for _, c := range cases {
		f := valField(c.typ)
		f.Dirty = false
		err := SetValue(f, c.raw, dir)
		if c.bad {
			p, ok := problem.As(err)
			if !ok || p.Kind != problem.Invalid || p.First().APIName != f.APIName || p.Message == "" {
				t.Errorf("%s %#v: want an Invalid problem naming %s, got %v", c.typ, c.raw, f.APIName, err)
			}
			if f.Dirty || !IsEmpty(f) {
				t.Errorf("%s %#v: a refused value changed the field: %+v", c.typ, c.raw, f)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %#v: unexpected error %v", c.typ, c.raw, err)
			continue
		}
		if f.Value != c.value || f.UserID != c.userID || !f.Dirty {
			t.Errorf("%s %#v: got Value %q UserID %d Dirty %v, want %q %d true", c.typ, c.raw, f.Value, f.UserID, f.Dirty, c.value, c.userID)
		}
		if len(f.Selections) > 0 && strings.Join(selectedValues(f), ", ") != c.value {
			t.Errorf("%s %#v: selected %v, value %q", c.typ, c.raw, selectedValues(f), f.Value)
		}
	}
}

func TestSetValueFileAttachments(t *testing.T) {
	f := valField("file")
	f.ID = 500 // the field that already uses attachment 33
	if err := SetValue(f, []any{json.Number("33"), json.Number("31")}, newValTestDir()); err != nil {
		t.Fatal(err)
	}
	if len(f.Attachments) != 2 || f.Attachments[0].ID != 33 || f.Attachments[1].ID != 31 {
		t.Fatalf("attachments %+v", f.Attachments)
	}
}

func TestSetValueEmptyClears(t *testing.T) {
	dir := newValTestDir()
	filled := map[string]any{
		"string": "x", "text": "x", "url": "https://example.com", "radio": "Red", "dropdown": "Small",
		"checkbox": []any{"A1", "B2"}, "date": "2026-03-01", "user": json.Number("7"),
		"file": []any{json.Number("31")}, "number": json.Number("5"),
	}
	for typ, v := range filled {
		for _, empty := range []any{nil, "", []any{}, []string{}} {
			f := valField(typ)
			if err := SetValue(f, v, dir); err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
			if IsEmpty(f) {
				t.Fatalf("%s: filled field is empty", typ)
			}
			f.Dirty = false
			if err := SetValue(f, empty, dir); err != nil {
				t.Errorf("%s %#v: %v", typ, empty, err)
			}
			if !IsEmpty(f) || !f.Dirty || f.Attachments != nil {
				t.Errorf("%s %#v: not cleared: %+v", typ, empty, f)
			}
		}
	}
	// 0 and false are values, not empty.
	f := valField("number")
	if err := SetValue(f, json.Number("0"), dir); err != nil || f.Value != "0" || IsEmpty(f) {
		t.Errorf("number 0: %v %+v", err, f)
	}
}

func TestIsEmpty(t *testing.T) {
	cases := []struct {
		f    Field
		want bool
	}{
		{Field{}, true},
		{Field{Value: "x"}, false},
		{Field{UserID: 3}, false},
		{Field{Attachments: []Attachment{{ID: 1}}}, false},
		{Field{Selections: []Selection{{ID: 1}}}, true},
		{Field{Selections: []Selection{{ID: 1}, {ID: 2, IsSelected: true}}}, false},
	}
	for i, c := range cases {
		if got := IsEmpty(&c.f); got != c.want {
			t.Errorf("case %d: IsEmpty = %v", i, got)
		}
	}
}

func TestApplyInputs(t *testing.T) {
	dir := newValTestDir()
	mk := func() []*Field {
		must := &Field{ID: 1, APIName: "must", Type: "string", IsRequired: true}
		may := &Field{ID: 2, APIName: "may", Type: "string", Value: "old"}
		num := &Field{ID: 3, APIName: "num", Type: "number"}
		return []*Field{must, may, num}
	}
	cases := []struct {
		name         string
		input        map[string]any
		clearMissing bool
		errAPIName   string
		errMessage   string
		want         []string // values after success
	}{
		{"nil input", nil, true, "must", RequiredMessage, nil},
		{"empty input", map[string]any{}, true, "must", RequiredMessage, nil},
		{"empty string", map[string]any{"must": ""}, true, "must", RequiredMessage, nil},
		{"null", map[string]any{"must": nil}, true, "must", RequiredMessage, nil},
		{"only optional", map[string]any{"may": "x"}, true, "must", RequiredMessage, nil},
		{"ok, missing cleared", map[string]any{"must": "a", "zzz": 1}, true, "", "", []string{"a", "", ""}},
		{"required missing and empty, not clearing", map[string]any{"num": "5"}, false, "must", RequiredMessage, nil},
		{"required cleared when not clearing", map[string]any{"must": ""}, false, "must", RequiredMessage, nil},
		{"first problem in field order", map[string]any{"num": "abc", "must": strings.Repeat("x", 141)}, true, "must", msgTooLong, nil},
		{"malformed later field", map[string]any{"must": "a", "num": "abc"}, true, "num", msgBadNumber, nil},
	}
	for _, c := range cases {
		fields := mk()
		err := ApplyInputs(fields, c.input, dir, c.clearMissing)
		if c.errAPIName != "" {
			p, ok := problem.As(err)
			if !ok || p.First().APIName != c.errAPIName || p.Message != c.errMessage || p.Kind != problem.Invalid {
				t.Errorf("%s: got %v (%+v)", c.name, err, p)
			}
			// Nothing changes when the input is refused.
			if fields[0].Value != "" || fields[1].Value != "old" || fields[2].Value != "" || fields[0].Dirty || fields[1].Dirty {
				t.Errorf("%s: fields changed on error: %+v %+v %+v", c.name, fields[0], fields[1], fields[2])
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		for i, want := range c.want {
			if fields[i].Value != want {
				t.Errorf("%s: field %s = %q, want %q", c.name, fields[i].APIName, fields[i].Value, want)
			}
		}
	}
}

func TestApplyInputsKeepsMissing(t *testing.T) {
	must := &Field{APIName: "must", Type: "string", IsRequired: true, Value: "kept"}
	may := &Field{APIName: "may", Type: "number", Value: "1"}
	if err := ApplyInputs([]*Field{must, may}, map[string]any{"may": "2"}, nil, false); err != nil {
		t.Fatal(err)
	}
	if must.Value != "kept" || must.Dirty || may.Value != "2" || !may.Dirty {
		t.Fatalf("%+v %+v", must, may)
	}
}

func TestApplyInputsSelectionsNotShared(t *testing.T) {
	// The copy ApplyInputs works on must not write into the caller's
	// selections before every field has passed.
	r := valField("radio")
	r.APIName = "r"
	bad := &Field{APIName: "n", Type: "number"}
	err := ApplyInputs([]*Field{r, bad}, map[string]any{"r": "Red", "n": "x"}, nil, true)
	if err == nil || len(selectedValues(r)) != 0 {
		t.Fatalf("err %v, selected %v", err, selectedValues(r))
	}
	if err := ApplyInputs([]*Field{r, bad}, map[string]any{"r": "Red", "n": "1"}, nil, true); err != nil || r.Value != "Red" || len(selectedValues(r)) != 1 || !r.Dirty {
		t.Fatalf("err %v, field %+v", err, r)
	}
}

func TestParseDecimal(t *testing.T) {
	cases := []struct {
		in, out string
		ok      bool
	}{
		{"0", "0", true}, {"-0.0", "0", true}, {"42", "42", true}, {"+42", "42", true},
		{"3.50", "3.5", true}, {"0.001", "0.001", true}, {"1e-3", "0.001", true}, {"12e2", "1200", true},
		{"1.25e1", "12.5", true}, {"5.", "5", true}, {".5", "0.5", true}, {"-123.456", "-123.456", true},
		{"100", "100", true}, {"1E+2", "100", true}, {"000.000100", "0.0001", true},
		{"", "", false}, {".", "", false}, {"-", "", false}, {"e5", "", false}, {"1e", "", false},
		{"1e+", "", false}, {" 1", "", false}, {"1 ", "", false}, {"inf", "", false}, {"nan", "", false},
		{"1,5", "", false}, {"--1", "", false}, {"1e1234567", "", false}, {"1e1000", "", false}, {"-1e999", "", false},
	}
	for _, c := range cases {
		d, ok := parseDecimal(c.in)
		if ok != c.ok || (ok && d.String() != c.out) {
			t.Errorf("parseDecimal(%q) = %q, %v; want %q, %v", c.in, d.String(), ok, c.out, c.ok)
		}
		if ok && len(d.String()) != d.textLen() {
			t.Errorf("textLen(%q) = %d, len %d", c.in, d.textLen(), len(d.String()))
		}
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "42", "-3.50", "1e-3", ".5", "5.", "1e999", "abc", "", "+1E+2", "0.000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseDecimal(s)
		if !ok {
			return
		}
		text := d.String()
		if len(text) != d.textLen() || len(text) > maxDecimalText+1 {
			t.Fatalf("%q: text %q, textLen %d", s, text, d.textLen())
		}
		// The canonical text is a fixed point and keeps the value.
		d2, ok := parseDecimal(text)
		if !ok || d2.String() != text || d2.Rat().Cmp(d.Rat()) != 0 {
			t.Fatalf("%q: canonical %q reparses as %q (%v)", s, text, d2.String(), ok)
		}
	})
}

func FuzzSetValue(f *testing.F) {
	types := []string{"string", "text", "url", "radio", "dropdown", "checkbox", "date", "user", "file", "number"}
	for i, s := range []string{"hello", "https://example.com/a", "Red", "12", "sel-b2", "2026-03-01", "03/01/2026",
		"1772359200", "kick.off@example.com", "31", "3.5", "not a url", "", " ", "A1, C3"} {
		f.Add(uint8(i), s, i%2 == 0)
	}
	dir := newValTestDir()
	f.Fuzz(func(t *testing.T, typ uint8, s string, asNumber bool) {
		fld := valField(types[int(typ)%len(types)])
		var raw any = s
		if asNumber {
			raw = json.Number(s)
		}
		err := SetValue(fld, raw, dir)
		if err != nil {
			if p, ok := problem.As(err); !ok || p.First().APIName != fld.APIName {
				t.Fatalf("error does not name the field: %v", err)
			}
			return
		}
		// Storing the canonical value again is accepted and keeps it.
		again := valField(fld.Type)
		var canon any = fld.Value
		switch fld.Type {
		case "user":
			canon = json.Number(fld.Value)
		case "file":
			var ids []any
			for _, a := range fld.Attachments {
				ids = append(ids, json.Number(strconv.FormatInt(a.ID, 10)))
			}
			canon = ids
		case "checkbox":
			var vals []any
			for _, v := range selectedValues(fld) {
				vals = append(vals, v)
			}
			canon = vals
		}
		if fld.Type == "string" || fld.Type == "text" {
			return
		}
		if err := SetValue(again, canon, dir); err != nil || again.Value != fld.Value {
			t.Fatalf("%s %q → %q; again: %q, %v", fld.Type, s, fld.Value, again.Value, err)
		}
	})
}
