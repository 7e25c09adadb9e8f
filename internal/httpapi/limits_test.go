package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestSizeLimitsOverHTTP: the size limits answer clear errors: a body over
// 1 MiB is a 413; a list page over 1000 a 400 naming limit; a template over
// its limits (here 501 tasks, in well under 1 MiB) a 400 naming tasks,
// and nothing is saved.
func TestSizeLimitsOverHTTP(t *testing.T) {
	h := newHardEnv(t, nil)
	e := h.env
	wantDetail(t, e.do("POST", "/accounts/groups", e.owner, `{"name":"`+strings.Repeat("g", 1<<20)+`"}`), 413, "")
	wantValidation(t, e.do("GET", "/templates?limit=1001", e.owner, nil), "", "limit", "")
	tasks := make([]any, 501)
	for i := range tasks {
		tasks[i] = map[string]any{"number": i + 1, "name": fmt.Sprint(i), "raw_performers": []any{map[string]any{"type": "workflow_starter"}}}
	}
	r := e.do("POST", "/templates", e.owner, map[string]any{"name": "Huge", "is_active": true, "tasks": tasks})
	wantValidation(t, r, "A template may have at most 500 tasks.", "tasks", "")
	if n := h.countRows("templates"); n != 0 {
		t.Fatalf("%d templates saved", n)
	}
	e.must(200, "POST", "/templates", e.owner, map[string]any{"name": "Big", "is_active": true, "tasks": tasks[:500]})
}
