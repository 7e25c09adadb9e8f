package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// loadUser is a user of a load account with an API key of their own.
type loadUser struct {
	ID   int64
	Key  string
	auth []string
}

// account is one seeded tenant: its owner, its users and the load template.
type account struct {
	Index      int
	DBID       int64 // accounts.id; known only when the tool owns the database
	OwnerID    int64
	OwnerKey   string
	OwnerEmail string
	ownerAuth  []string
	Users      []loadUser // plain users (the owner is not among them)
	TemplateID int64
	VersionID  int64

	runBodies [][]byte
}

// Task api_names and output fields of the load template, fixed so that
// completion bodies can be built once.
const tasksPerWorkflow = 5

// completeOutputs are the "output" objects of tasks 1..5, one field type each.
var completeOutputs = [tasksPerWorkflow]string{
	`{"note1":"Checked by the load tool"}`,
	`{"price":42.5}`,
	`{"verdict":"v-ok"}`,
	`{"when":"2027-06-01"}`,
	`{"summary":"All done."}`,
}

// outputValues are the same outputs as Go values, for the in-process seeding.
var outputValues = [tasksPerWorkflow]map[string]any{
	{"note1": "Checked by the load tool"},
	{"price": json.Number("42.5")},
	{"verdict": "v-ok"},
	{"when": "2027-06-01"},
	{"summary": "All done."},
}

// loadTemplate is the 5-task template of the issue: 5 kickoff fields of
// different types (string, number, dropdown, date, user), an output field
// per task, {{variables}} to render, and a task performed by the starter and
// by the kickoff's user field (so that the users' inboxes fill up too). The
// starter performs every task: the owner, who runs, can complete them all.
func loadTemplate(name string) map[string]any {
	f := func(api, name, typ string, order int, required bool, sel ...string) map[string]any {
		m := map[string]any{"api_name": api, "name": name, "type": typ, "order": order, "is_required": required}
		if len(sel) > 0 {
			var s []map[string]any
			for i := 0; i+1 < len(sel); i += 2 {
				s = append(s, map[string]any{"api_name": sel[i], "value": sel[i+1]})
			}
			m["selections"] = s
		}
		return m
	}
	starter := map[string]any{"type": "workflow_starter"}
	task := func(n int, name, desc string, out map[string]any, perf ...map[string]any) map[string]any {
		return map[string]any{"number": n, "api_name": fmt.Sprintf("load-t%d", n), "name": name, "description": desc,
			"raw_performers": perf, "fields": []any{out}}
	}
	return map[string]any{
		"name": name, "description": "Template of the load tool", "is_active": true,
		"kickoff": map[string]any{"description": "What to process", "fields": []any{
			f("title", "Title", "string", 0, true),
			f("amount", "Amount", "number", 1, false),
			f("priority", "Priority", "dropdown", 2, false, "p-low", "Low", "p-high", "High"),
			f("due", "Due", "date", 3, false),
			f("assignee", "Assignee", "user", 4, true),
		}},
		"tasks": []any{
			task(1, "Check {{title}}", "Amount {{amount}}, priority {{priority}}", f("note1", "Note", "string", 0, false), starter),
			task(2, "Price {{title}}", "", f("price", "Price", "number", 0, false), starter),
			task(3, "Review {{title}} with {{assignee}}", "Due {{due}}", f("verdict", "Verdict", "dropdown", 0, false,
				"v-ok", "OK", "v-no", "Not OK"), starter, map[string]any{"type": "field", "source_id": "assignee"}),
			task(4, "Schedule {{title}}", "", f("when", "When", "date", 0, false), starter),
			task(5, "Close {{title}}", "{{note1}} / {{verdict}}", f("summary", "Summary", "text", 0, false), starter),
		},
	}
}

// kickoffValues are the kickoff of the i-th run of an account.
func (a *account) kickoffValues(i int) (title, amount, priority, due string, assignee int64) {
	title = "Order " + strconv.Itoa(1000+i)
	amount = strconv.Itoa(10+i%990) + "." + strconv.Itoa(10+i%90)
	priority = "p-low"
	if i%3 == 0 {
		priority = "p-high"
	}
	due = fmt.Sprintf("2027-%02d-%02d", 1+i%12, 1+i%28)
	assignee = a.OwnerID
	if len(a.Users) > 0 {
		assignee = a.Users[i%len(a.Users)].ID
	}
	return
}

func (a *account) buildRunBodies(n int) {
	a.runBodies = make([][]byte, n)
	for i := range a.runBodies {
		title, amount, priority, due, assignee := a.kickoffValues(i)
		a.runBodies[i] = fmt.Appendf(nil, `{"kickoff":{"title":%q,"amount":%s,"priority":%q,"due":%q,"assignee":%d}}`,
			title, amount, priority, due, assignee)
	}
}

// setupAccount creates an account's users (each with a key) and the load
// template over the API.
func setupAccount(c *client, idx int, ownerKey, ownerEmail, runID string, nUsers int) (*account, error) {
	a := &account{Index: idx, OwnerKey: ownerKey, OwnerEmail: ownerEmail, ownerAuth: bearer(ownerKey)}
	var me struct {
		ID      int64 `json:"id"`
		IsOwner bool  `json:"is_account_owner"`
		IsAdmin bool  `json:"is_admin"`
	}
	if err := c.call("GET", "/accounts/user", ownerKey, nil, 200, &me); err != nil {
		return nil, err
	}
	if !me.IsAdmin && !me.IsOwner {
		return nil, fmt.Errorf("the key of account %d is not an admin's: the setup creates users and templates", idx)
	}
	a.OwnerID = me.ID
	// One after the other, so that user ids follow the users' numbers and
	// two runs seed the same rows.
	users := make([]loadUser, nUsers)
	for i := range nUsers {
		var u struct {
			ID int64 `json:"id"`
		}
		email := fmt.Sprintf("load-%s-a%d-u%d@load.example.com", runID, idx, i)
		if err := c.call("POST", "/accounts/users", ownerKey, map[string]any{"email": email, "first_name": "Load",
			"last_name": fmt.Sprintf("User %d", i)}, 201, &u); err != nil {
			return nil, err
		}
		var k struct {
			Token string `json:"token"`
		}
		if err := c.call("POST", fmt.Sprintf("/accounts/users/%d/api-keys", u.ID), ownerKey, map[string]any{"name": "load"},
			201, &k); err != nil {
			return nil, err
		}
		users[i] = loadUser{ID: u.ID, Key: k.Token, auth: bearer(k.Token)}
	}
	a.Users = users
	var tmpl struct {
		ID int64 `json:"id"`
	}
	if err := c.call("POST", "/templates", ownerKey, loadTemplate("Load "+runID), 200, &tmpl); err != nil {
		return nil, err
	}
	a.TemplateID = tmpl.ID
	a.buildRunBodies(256)
	return a, nil
}

// apiWorkflows creates n workflows over the API in every state: half
// running (at tasks 1..5), a quarter delayed (snoozed for 30 days), a
// quarter done. The running ones go to the completion pool.
func apiWorkflows(ctx context.Context, c *client, a *account, n, conc int, pool *wfPool, known *idList) error {
	var next atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			r := rand.New(rand.NewPCG(rand.Uint64(), 1))
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				err := apiWorkflow(c, a, i, r, &buf, pool, known)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

func apiWorkflow(c *client, a *account, i int, r *rand.Rand, buf *bytes.Buffer, pool *wfPool, known *idList) error {
	st, err := c.do("POST", "/templates/"+strconv.FormatInt(a.TemplateID, 10)+"/run", a.ownerAuth,
		a.runBodies[r.IntN(len(a.runBodies))], buf)
	if err != nil {
		return err
	}
	if st != 200 {
		return fmt.Errorf("run: status %d: %s", st, clip(buf.Bytes(), 300))
	}
	w, err := parseRun(buf.Bytes())
	if err != nil {
		return err
	}
	w.auth = a.ownerAuth
	known.add(w.id)
	var done int
	switch i % 4 {
	case 0, 1:
		done = (i / 4) % tasksPerWorkflow
	case 2:
		until := time.Now().Add(30 * 24 * time.Hour).Unix()
		if st, err := c.do("POST", "/workflows/"+strconv.FormatInt(w.id, 10)+"/snooze", a.ownerAuth,
			fmt.Appendf(nil, `{"date_tsp":%d}`, until), buf); err != nil || st != 200 {
			return fmt.Errorf("snooze: status %d, %v: %s", st, err, clip(buf.Bytes(), 300))
		}
		return nil
	case 3:
		done = tasksPerWorkflow
	}
	for k := 0; k < done; k++ {
		if st, err := c.do("POST", "/workflows/"+strconv.FormatInt(w.id, 10)+"/task-complete", a.ownerAuth,
			completeBody(w.tasks[k], k), buf); err != nil || st != 204 {
			return fmt.Errorf("task-complete: status %d, %v: %s", st, err, clip(buf.Bytes(), 300))
		}
		w.next++
	}
	if int(w.next) < tasksPerWorkflow {
		pool.put(w)
	}
	return nil
}

// completeBody is the body of completing task k (0-based) with its output.
func completeBody(taskID int64, k int) []byte {
	b := make([]byte, 0, 96)
	b = append(b, `{"task_id":`...)
	b = strconv.AppendInt(b, taskID, 10)
	b = append(b, `,"output":`...)
	b = append(b, completeOutputs[k]...)
	return append(b, '}')
}
