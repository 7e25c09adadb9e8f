package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/pneumatic-oss/pneumatic/internal/problem"
)

// obj is a request body object under construction.
type obj = map[string]any

// fakeDir is an account: users 1..3 and group 10.
type fakeDir struct{}

var users = map[int64]string{1: "Olga Owner", 2: "Petra Performer", 3: " Solo "}
var groups = map[int64]string{10: "Reviewers"}

func (fakeDir) UserExists(id int64) bool  { _, ok := users[id]; return ok }
func (fakeDir) GroupExists(id int64) bool { _, ok := groups[id]; return ok }
func (fakeDir) UserName(id int64) (string, bool) {
	n, ok := users[id]
	return n, ok
}
func (fakeDir) GroupName(id int64) (string, bool) {
	n, ok := groups[id]
	return n, ok
}

// jsonBody turns a Go value into what the HTTP layer hands Parse: JSON
// decoded with UseNumber.
func jsonBody(t testing.TB, v any) obj {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return decodeBody(t, string(raw))
}

func decodeBody(t testing.TB, raw string) obj {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var out obj
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return out
}

// ids hands out 1001, 1002, ...
func ids() func() int64 {
	n := int64(1000)
	return func() int64 { n++; return n }
}

// suffixes hands out "000001", "000002", ... (deterministic, distinct).
func suffixes() func() string {
	n := 0
	return func() string {
		n++
		return fmt.Sprintf("%06s", strconv.FormatInt(int64(n), 36))
	}
}

// build runs a body through the whole save path: Parse, Assign, Validate.
func build(t testing.TB, body obj) (*Template, error) {
	t.Helper()
	tpl, err := Parse(jsonBody(t, body))
	if err != nil {
		return nil, err
	}
	Assign(tpl, nil, ids(), suffixes())
	return tpl, Validate(tpl, fakeDir{})
}

// details returns the problem details of err, failing when it is not a
// validation problem.
func details(t testing.TB, err error) []problem.Detail {
	t.Helper()
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.Invalid {
		t.Fatalf("want a validation problem, got %v (%T)", err, err)
	}
	if len(p.Details) == 0 || p.Message != p.Details[0].Reason {
		t.Fatalf("problem %+v: message must be the first detail", p)
	}
	return p.Details
}

// wantDetail fails unless err has a detail naming name (request field) or
// apiName (nested object); "" for both only requires a validation problem.
func wantDetail(t testing.TB, err error, name, apiName string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want a validation problem (name %q, api_name %q), got none", name, apiName)
	}
	ds := details(t, err)
	if name == "" && apiName == "" {
		return
	}
	for _, d := range ds {
		if d.Name == name && d.APIName == apiName {
			return
		}
	}
	t.Fatalf("want a detail with name %q api_name %q, got %+v", name, apiName, ds)
}

// Body builders, after the conformance harness.

func field(typ, name, apiName string, kv ...any) obj {
	f := obj{"type": typ, "name": name, "order": 0, "is_required": false}
	if apiName != "" {
		f["api_name"] = apiName
	}
	return with(f, kv...)
}

func sels(values ...string) []any {
	out := []any{}
	for _, v := range values {
		out = append(out, obj{"value": v})
	}
	return out
}

func task(number int, name string, performers []any, kv ...any) obj {
	return with(obj{"number": number, "name": name, "raw_performers": performers, "delay": nil}, kv...)
}

func starter() obj          { return obj{"type": "workflow_starter", "source_id": nil} }
func userP(id string) obj   { return obj{"type": "user", "source_id": id} }
func fieldP(api string) obj { return obj{"type": "field", "source_id": api} }
func list(v ...any) []any   { return v }

func cond(action string, preds ...any) obj {
	return obj{"action": action, "order": 0, "rules": list(obj{"predicates": preds})}
}

func pred(field, fieldType, op string, value any) obj {
	p := obj{"field": field, "field_type": fieldType, "operator": op}
	if value != nil {
		p["value"] = value
	}
	return p
}

func body(name string, tasks []any, kickoff []any, kv ...any) obj {
	return with(obj{"name": name, "is_active": true, "kickoff": obj{"fields": kickoff}, "tasks": tasks}, kv...)
}

func with(o obj, kv ...any) obj {
	for i := 0; i+1 < len(kv); i += 2 {
		o[kv[i].(string)] = kv[i+1]
	}
	return o
}

// seedBody is a complete, valid, active template using every feature.
func seedBody() obj {
	return body("Seed template", list(
		task(1, "Prepare {{client-name}}", list(userP("2")), "api_name", "prepare",
			"description", "For {{ client-name }} by {{workflow-starter}} on {{date}} ({{template-name}})",
			"raw_due_date", obj{"duration": "1 00:00:00", "duration_months": 0, "rule": "after task started", "source_id": "prepare"},
			"checklists", list(obj{"api_name": "docs", "selections": list(obj{"api_name": "docs-signed", "value": "Signed by {{client-name}}"}, obj{"value": "Scanned"})}),
			"fields", list(field("url", "Contract link", "contract-url"), field("user", "Approver", "approver", "is_required", true))),
		task(2, "Review {{contract-url}}", list(fieldP("reviewer"), fieldP("approver"), obj{"type": "group", "source_id": 10}),
			"delay", "01:00:00",
			"raw_due_date", obj{"duration": "00:30:00", "rule": "after_task_completed", "source_id": "prepare"},
			"conditions", list(with(cond("skip_task", pred("plan", "radio", "equals", "Basic")), "api_name", "skip-basic"))),
		task(3, "Close", list(starter(), userP("1")),
			"raw_due_date", obj{"duration": "90", "rule": "before field", "source_id": "deadline"},
			"conditions", list(cond("end_process",
				pred("amount", "number", "more_than", "10"),
				pred("deadline", "date", "less_than", "2026-01-01"),
				pred("reviewer", "user", "equals", 1),
				pred("contract-url", "url", "contains", "example"),
				pred("client-name", "string", "not_exists", nil)))),
	), list(
		field("string", "Client", "client-name", "is_required", true),
		field("radio", "Plan", "plan", "selections", list(obj{"value": "Basic"}, obj{"value": "Pro", "api_name": "plan-pro"})),
		field("user", "Reviewer", "reviewer", "is_required", true),
		field("date", "Deadline", "deadline"),
		field("number", "Amount", "amount"),
	), "template_owners", list(1, 2), "description", "template description")
}

// get walks a body by keys and indexes: get(b, "tasks", 0, "fields").
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(obj)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func mustJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(buf.String())
}
