package engine

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// Render replaces each "{{ name }}" in s whose name is a key of vars with
// its value. Whitespace is allowed inside the braces around the name; the
// name itself has no whitespace and no braces. Unknown names, and anything
// that is not a variable, stay exactly as written. Names are compared
// literally, and replaced values are not rendered again.
func Render(s string, vars map[string]string) string {
	if len(vars) == 0 || !strings.Contains(s, "{{") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0    // s[last:i] is still to be copied
	closeAt := 0 // the next "}}" at or after some position; kept monotone so the scan stays linear
	for i := 0; i+1 < len(s); {
		if s[i] != '{' || s[i+1] != '{' {
			i++
			continue
		}
		if closeAt < i+2 {
			j := strings.Index(s[i+2:], "}}")
			if j < 0 {
				break // no closing braces anywhere after: nothing more to replace
			}
			closeAt = i + 2 + j
		}
		name, ok := renderName(s[i+2 : closeAt])
		if !ok {
			i++ // "{{{a}}": the variable may start one brace later
			continue
		}
		if v, known := vars[name]; known {
			b.WriteString(s[last:i])
			b.WriteString(v)
		} else {
			b.WriteString(s[last : closeAt+2])
		}
		i = closeAt + 2
		last = i
	}
	b.WriteString(s[last:])
	return b.String()
}

// renderName extracts the variable name between the braces: optional
// whitespace, a name with no whitespace or braces, optional whitespace.
func renderName(inner string) (string, bool) {
	name := strings.TrimFunc(inner, unicode.IsSpace)
	if name == "" || strings.ContainsAny(name, "{}") || strings.IndexFunc(name, unicode.IsSpace) >= 0 {
		return "", false
	}
	return name, utf8.ValidString(name)
}

// FieldVars is the text each field renders as in "{{api_name}}", keyed by
// api_name: the value for string, text, url, number and date (its ISO
// instant); the selected value(s) for radio, dropdown and checkbox (", "
// between several); the user's "First Last" (the e-mail when the name is
// empty) for user; the attachment names joined by ", " for file. Empty
// fields render as "".
func FieldVars(fields []*Field, dir Directory) map[string]string {
	out := make(map[string]string, len(fields))
	for _, f := range fields {
		out[f.APIName] = fieldText(f, dir)
	}
	return out
}

func fieldText(f *Field, dir Directory) string {
	switch f.Type {
	case template.TypeRadio, template.TypeDropdown, template.TypeCheckbox:
		var vals []string
		for _, s := range f.Selections {
			if s.IsSelected {
				vals = append(vals, s.Value)
			}
		}
		if len(vals) == 0 {
			return f.Value
		}
		return strings.Join(vals, ", ")
	case template.TypeUser:
		if f.UserID == 0 || dir == nil {
			return ""
		}
		u, ok := dir.User(f.UserID)
		if !ok {
			return ""
		}
		return renderUserName(u)
	case template.TypeFile:
		names := make([]string, len(f.Attachments))
		for i, a := range f.Attachments {
			names[i] = a.Name
		}
		return strings.Join(names, ", ")
	}
	return f.Value
}

// renderUserName is a user's "First Last", trimmed, or the e-mail when the
// user has no name.
func renderUserName(u User) string {
	name := strings.TrimSpace(strings.TrimSpace(u.FirstName) + " " + strings.TrimSpace(u.LastName))
	if name == "" {
		return u.Email
	}
	return name
}
