package template

import (
	"fmt"
	"strings"
	"testing"
)

// TestSizeLimits: a template at each limit saves; one past it is a 400
// naming the request field or the api_name of the object that is too big.
func TestSizeLimits(t *testing.T) {
	task := func(n int, extra map[string]any) map[string]any {
		m := map[string]any{"number": n, "name": "T", "api_name": fmt.Sprintf("t%d", n),
			"raw_performers": []any{map[string]any{"type": "workflow_starter"}}}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tasks := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = task(i+1, nil)
		}
		return out
	}
	fields := func(n int, prefix string) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"api_name": fmt.Sprintf("%s%d", prefix, i), "name": "F", "type": "string"}
		}
		return out
	}
	selections := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"value": fmt.Sprint(i)}
		}
		return out
	}
	items := selections
	preds := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"field": "k0", "field_type": "string", "operator": "exists"}
		}
		return out
	}
	conds := func(n, rules, predicates int) []any {
		out := make([]any, n)
		for i := range out {
			rs := make([]any, rules)
			for j := range rs {
				rs[j] = map[string]any{"predicates": preds(predicates)}
			}
			out[i] = map[string]any{"action": "skip_task", "order": i, "rules": rs}
		}
		return out
	}
	cases := []struct {
		name      string
		body      map[string]any
		wantName  string // details.name, or
		wantAPI   string // details.api_name ("" and "" = must save)
		wantInMsg string
	}{
		{"500 tasks", map[string]any{"tasks": tasks(MaxTasks)}, "", "", ""},
		{"501 tasks", map[string]any{"tasks": tasks(MaxTasks + 1)}, "tasks", "", "at most 500 tasks"},
		{"500 kickoff fields", map[string]any{"kickoff": map[string]any{"fields": fields(MaxFields, "k")}, "tasks": tasks(1)}, "", "", ""},
		{"501 kickoff fields", map[string]any{"kickoff": map[string]any{"fields": fields(MaxFields+1, "k")}, "tasks": tasks(1)}, "kickoff", "", "at most 500 fields"},
		{"501 task fields", map[string]any{"tasks": []any{task(1, map[string]any{"fields": fields(MaxFields+1, "f")})}}, "", "t1", "at most 500 fields"},
		{"1000 selections", map[string]any{"tasks": tasks(1), "kickoff": map[string]any{"fields": []any{map[string]any{"api_name": "r",
			"name": "R", "type": "radio", "selections": selections(MaxSelections)}}}}, "", "", ""},
		{"1001 selections", map[string]any{"tasks": tasks(1), "kickoff": map[string]any{"fields": []any{map[string]any{"api_name": "r",
			"name": "R", "type": "radio", "selections": selections(MaxSelections + 1)}}}}, "", "r", "at most 1000 selections"},
		{"100 conditions", map[string]any{"kickoff": map[string]any{"fields": fields(1, "k")},
			"tasks": []any{task(1, map[string]any{"conditions": conds(MaxConditions, 1, 1)})}}, "", "", ""},
		{"101 conditions", map[string]any{"kickoff": map[string]any{"fields": fields(1, "k")},
			"tasks": []any{task(1, map[string]any{"conditions": conds(MaxConditions+1, 1, 1)})}}, "", "t1", "at most 100 conditions"},
		{"101 rules", map[string]any{"kickoff": map[string]any{"fields": fields(1, "k")},
			"tasks": []any{task(1, map[string]any{"conditions": conds(1, MaxRules+1, 1)})}}, "", "", "at most 100 rules"},
		{"101 predicates", map[string]any{"kickoff": map[string]any{"fields": fields(1, "k")},
			"tasks": []any{task(1, map[string]any{"conditions": conds(1, 1, MaxPredicates+1)})}}, "", "", "at most 100 predicates"},
		{"101 checklists", map[string]any{"tasks": []any{task(1, map[string]any{"checklists": func() []any {
			out := make([]any, MaxChecklists+1)
			for i := range out {
				out[i] = map[string]any{"selections": items(1)}
			}
			return out
		}()})}}, "", "t1", "at most 100 checklists"},
		{"1001 checklist items", map[string]any{"tasks": []any{task(1, map[string]any{"checklists": []any{
			map[string]any{"api_name": "cl", "selections": items(MaxChecklistItems + 1)}}})}}, "", "cl", "at most 1000 items"},
		{"501 performers", map[string]any{"tasks": []any{task(1, map[string]any{"raw_performers": func() []any {
			out := make([]any, MaxPerformers+1)
			for i := range out {
				out[i] = map[string]any{"type": "user", "source_id": "1"}
			}
			return out
		}()})}}, "", "t1", "at most 500 performers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.body["name"], c.body["is_active"] = "Big", true
			tpl, err := Parse(c.body)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			Assign(tpl, nil, ids(), suffixes())
			err = Validate(tpl, fakeDir{})
			if c.wantInMsg == "" {
				if err != nil {
					t.Fatalf("at the limit: %v", err)
				}
				return
			}
			ds := details(t, err)
			d := ds[0]
			if !strings.Contains(d.Reason, c.wantInMsg) || (c.wantName != "" && d.Name != c.wantName) ||
				(c.wantAPI != "" && d.APIName != c.wantAPI) {
				t.Fatalf("got %+v, want name %q api_name %q reason with %q", d, c.wantName, c.wantAPI, c.wantInMsg)
			}
			if len(ds) != 1 {
				t.Fatalf("an oversized template reports only its sizes, got %d problems", len(ds))
			}
		})
	}
}
