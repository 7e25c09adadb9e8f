package template

import (
	"crypto/rand"
	"strconv"
	"strings"
)

// Kinds of nested objects. Each kind is one api_name namespace within a
// template and the prefix of the api_names generated for it.
const (
	KindTask          = "task"
	KindField         = "field" // kickoff fields and task fields alike
	KindSelection     = "selection"
	KindChecklist     = "checklist"
	KindChecklistItem = "cl-selection"
	KindCondition     = "condition"
	KindRule          = "rule"
	KindPredicate     = "predicate"
	KindPerformer     = "raw-performer"
	KindDueDate       = "raw-due-date"
)

// visitor is called once per nested object with its kind and pointers to its
// api_name and id.
type visitor func(kind string, apiName *string, id *int64)

// walk visits every nested object of t (not the kickoff itself) in document
// order: kickoff fields, then each task with its fields, checklists,
// conditions, performers and due date.
func walk(t *Template, fn visitor) {
	walkFields := func(fields []Field) {
		for i := range fields {
			f := &fields[i]
			fn(KindField, &f.APIName, &f.ID)
			for j := range f.Selections {
				fn(KindSelection, &f.Selections[j].APIName, &f.Selections[j].ID)
			}
		}
	}
	walkFields(t.Kickoff.Fields)
	for i := range t.Tasks {
		task := &t.Tasks[i]
		fn(KindTask, &task.APIName, &task.ID)
		walkFields(task.Fields)
		for j := range task.Checklists {
			c := &task.Checklists[j]
			fn(KindChecklist, &c.APIName, &c.ID)
			for k := range c.Items {
				fn(KindChecklistItem, &c.Items[k].APIName, &c.Items[k].ID)
			}
		}
		for j := range task.Conditions {
			c := &task.Conditions[j]
			fn(KindCondition, &c.APIName, &c.ID)
			for k := range c.Rules {
				r := &c.Rules[k]
				fn(KindRule, &r.APIName, &r.ID)
				for m := range r.Predicates {
					fn(KindPredicate, &r.Predicates[m].APIName, &r.Predicates[m].ID)
				}
			}
		}
		for j := range task.Performers {
			fn(KindPerformer, &task.Performers[j].APIName, &task.Performers[j].ID)
		}
		if task.DueDate != nil {
			fn(KindDueDate, &task.DueDate.APIName, &task.DueDate.ID)
		}
	}
}

// Assign gives every nested object of t an api_name and an id.
//
// An object without an api_name gets "<kind>-<6 chars of [a-z0-9]>" from
// randSuffix, unique within t for its kind (retried on collision). Names
// that prev used are avoided too, so that a new object never inherits the
// id of a deleted one.
//
// With prev (the template before an update), objects are matched to prev's
// by api_name per kind: a match keeps its id, anything else gets nextID().
// The kickoff keeps prev's id or gets nextID(). t.ID is not touched.
// Duplicate api_names (which Validate refuses) still get distinct ids.
func Assign(t *Template, prev *Template, nextID func() int64, randSuffix func() string) {
	used := map[string]map[string]bool{}
	mark := func(kind, name string) {
		if used[kind] == nil {
			used[kind] = map[string]bool{}
		}
		used[kind][name] = true
	}
	prevIDs := map[string]map[string]int64{}
	if prev != nil {
		walk(prev, func(kind string, api *string, id *int64) {
			if *api == "" {
				return
			}
			mark(kind, *api)
			if prevIDs[kind] == nil {
				prevIDs[kind] = map[string]int64{}
			}
			if _, dup := prevIDs[kind][*api]; !dup && *id != 0 {
				prevIDs[kind][*api] = *id
			}
		})
	}
	walk(t, func(kind string, api *string, _ *int64) {
		if *api != "" {
			mark(kind, *api)
		}
	})
	given := map[int64]bool{}
	walk(t, func(kind string, api *string, id *int64) {
		if *api == "" {
			*api = generate(kind, used[kind], randSuffix)
			mark(kind, *api)
		}
		if pid, ok := prevIDs[kind][*api]; ok && !given[pid] {
			*id = pid
		} else {
			*id = nextID()
		}
		given[*id] = true
	})
	if prev != nil && prev.Kickoff.ID != 0 {
		t.Kickoff.ID = prev.Kickoff.ID
	} else {
		t.Kickoff.ID = nextID()
	}
}

// generate returns a "<kind>-xxxxxx" api_name not in used.
func generate(kind string, used map[string]bool, randSuffix func() string) string {
	for range 64 {
		if s := randSuffix(); validSuffix(s) && !used[kind+"-"+s] {
			return kind + "-" + s
		}
	}
	// The source keeps colliding, or is broken: count through the space,
	// which has 36^6 names, instead of looping forever.
	for n := uint64(0); ; n++ {
		s := strconv.FormatUint(n, 36)
		name := kind + "-" + strings.Repeat("0", 6-len(s)) + s
		if !used[name] {
			return name
		}
	}
}

const suffixAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func validSuffix(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(suffixAlphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

// RandomSuffix returns 6 random characters of [a-z0-9], the production
// randSuffix for Assign.
func RandomSuffix() string {
	out := make([]byte, 0, 6)
	var buf [16]byte
	for len(out) < 6 {
		_, _ = rand.Read(buf[:]) // crypto/rand.Read never fails (Go 1.24+)
		for _, b := range buf {
			// 252 = 7*36: drop the top values so each character is equally likely.
			if b < 252 && len(out) < 6 {
				out = append(out, suffixAlphabet[b%36])
			}
		}
	}
	return string(out)
}
