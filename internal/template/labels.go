package template

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
)

// variablePattern is "{{", optional white space, a token without braces or
// white space, optional white space, "}}" (engine-semantics §2.4).
var variablePattern = regexp.MustCompile(`\{\{\s*([^\s{}]+)\s*\}\}`)

// VariableNames returns the names referenced as {{ name }} in s, each once,
// in order of first appearance.
func VariableNames(s string) []string {
	var out []string
	for _, m := range variablePattern.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// PerformerLabel is the read-only label of a raw performer: the user's full
// name, the group's name, the field's name, or "Workflow starter". It is ""
// when the source cannot be found.
func PerformerLabel(p Performer, t *Template, dir Directory) string {
	switch p.Type {
	case PerformerStarter:
		return "Workflow starter"
	case PerformerField:
		if t == nil || p.SourceID == nil {
			return ""
		}
		for _, f := range t.AllFields() {
			if f.APIName == *p.SourceID {
				return f.Name
			}
		}
	case PerformerUser, PerformerGroup:
		id, ok := sourceInt(p.SourceID)
		if !ok || dir == nil {
			return ""
		}
		var name string
		if p.Type == PerformerUser {
			name, ok = dir.UserName(id)
		} else {
			name, ok = dir.GroupName(id)
		}
		if ok {
			// "First Last" with an empty part would otherwise keep a space.
			return strings.TrimSpace(name)
		}
	}
	return ""
}

// PerformersCount counts the distinct raw performers, by (type, source_id),
// over all tasks: the template's performers_count.
func PerformersCount(t *Template) int {
	seen := map[string]bool{}
	for _, task := range t.Tasks {
		for _, p := range task.Performers {
			seen[p.Type+"\x00"+deref(p.SourceID)] = true
		}
	}
	return len(seen)
}

// SortFields sorts fields the way the API shows them: by order ascending,
// ties by id (contract §4).
func SortFields(fields []Field) {
	slices.SortStableFunc(fields, func(a, b Field) int {
		if c := cmp.Compare(a.Order, b.Order); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
