// Package e2e drives the web app in a real headless Chromium. It runs only
// with PNEUMATIC_E2E=1 (see .ci/steps.d/40-web-e2e.sh), so that a plain
// `go test ./...` needs no browser.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/blob"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/httpapi"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/storetest"
	"github.com/pneumatic-oss/pneumatic/internal/web"
)

const ownerKey = "pn-e2eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"

// world is the server and the browser of one run.
type world struct {
	t     *testing.T
	base  string
	host  string
	svc   *app.Service
	owner *app.Actor
	ctx   context.Context
	shots string
	shot  int

	mu     sync.Mutex
	urls   []string // every URL the pages requested
	errors []string // uncaught script errors
}

func setup(t *testing.T) *world {
	if os.Getenv("PNEUMATIC_E2E") != "1" {
		t.Skip("set PNEUMATIC_E2E=1 to run the browser tests (they need Chromium)")
	}
	exe := os.Getenv("CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("no browser at %s (apt-get install chromium): %v", exe, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, base: "http://" + ln.Addr().String(), host: ln.Addr().String()}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	db := storetest.Open(t)
	w.svc = app.New(db, app.Config{PublicURL: w.base}, nil, quiet)
	ctx := context.Background()
	if _, err := w.svc.Bootstrap(ctx, "owner@example.com", ownerKey); err != nil {
		t.Fatal(err)
	}
	files, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w.svc.SetBlobStore(files)
	api := httpapi.New(w.svc, w.base, quiet, nil)
	wa, err := web.New(w.svc, web.Config{PublicURL: w.base}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	wa.Mount(api.Mux())
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	if w.owner, err = w.svc.Authenticate(ctx, ownerKey); err != nil {
		t.Fatal(err)
	}

	w.shots = os.Getenv("SCREENSHOT_DIR")
	if w.shots == "" {
		w.shots = "screenshots"
	}
	if err := os.MkdirAll(w.shots, 0o755); err != nil {
		t.Fatal(err)
	}

	// Exactly these flags: headless, no sandbox (CI runs as root), and no
	// background traffic of the browser's own, so that what the network log
	// sees is what the pages ask for.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	tctx, cancelT := context.WithTimeout(bctx, 4*time.Minute)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	w.ctx = tctx
	if err := chromedp.Do(w.ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	reqs := chromedp.Events(w.ctx, network.RequestWillBeSent)
	go func() {
		for ev, err := range reqs {
			if err != nil {
				return
			}
			w.mu.Lock()
			w.urls = append(w.urls, ev.Request.URL)
			w.mu.Unlock()
		}
	}()
	exceptions := chromedp.Events(w.ctx, runtime.ExceptionThrown)
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			w.mu.Lock()
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg = d.Exception.Description
			}
			w.errors = append(w.errors, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber))
			w.mu.Unlock()
		}
	}()
	if _, err := chromedp.Call(w.ctx, runtime.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	// Prove that the error log works before trusting it to stay empty.
	w.js(`setTimeout(function () { throw new Error("probe") }, 0)`)
	for i := 0; ; i++ {
		w.mu.Lock()
		n := len(w.errors)
		w.errors = nil
		w.mu.Unlock()
		if n > 0 {
			break
		}
		if i == 50 {
			t.Fatal("uncaught script errors are not seen")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Confirmations (data-confirm forms) are accepted.
	dialogs := chromedp.Events(w.ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(w.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return w
}

// do runs actions and fails the test on error, with a screenshot.
func (w *world) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	if err := chromedp.Do(w.ctx, actions...); err != nil {
		w.screenshot("failed-" + strings.ReplaceAll(what, " ", "-"))
		loc, _ := chromedp.Run(w.ctx, chromedp.Location())
		w.t.Fatalf("%s: %v (at %s)", what, err, loc)
	}
}

// submit clicks and waits for the page the click leads to.
func (w *world) submit(what, sel string) *network.Response {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, 20*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		w.screenshot("failed-" + strings.ReplaceAll(what, " ", "-"))
		w.t.Fatalf("%s: %v", what, err)
	}
	return resp
}

func (w *world) open(path string) *network.Response {
	w.t.Helper()
	resp, err := chromedp.Run(w.ctx, chromedp.NavigateResponse(w.base+path))
	if err != nil {
		w.t.Fatalf("open %s: %v", path, err)
	}
	return resp
}

func (w *world) text(sel string) string {
	w.t.Helper()
	s, err := chromedp.Run(w.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		w.screenshot("failed-text")
		w.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (w *world) location() string {
	loc, err := chromedp.Run(w.ctx, chromedp.Location())
	if err != nil {
		w.t.Fatal(err)
	}
	return loc
}

// js evaluates an expression (test-side helpers such as choosing an option
// of a select and firing its change event like a person would).
func (w *world) js(expr string) {
	w.t.Helper()
	if err := chromedp.Do(w.ctx, chromedp.Evaluate[chromedp.Void](expr)); err != nil {
		w.t.Fatalf("js %s: %v", expr, err)
	}
}

func (w *world) choose(sel, value string) {
	w.t.Helper()
	b, _ := json.Marshal(sel)
	v, _ := json.Marshal(value)
	w.js(fmt.Sprintf(`(function(){var s=document.querySelector(%s); if(!s) throw new Error("no select "+%s);
		s.value=%s; if(s.value!==%s) throw new Error("no option "+%s); s.dispatchEvent(new Event("change",{bubbles:true}));})()`,
		b, b, v, v, v))
}

func (w *world) screenshot(name string) {
	w.shot++
	buf, err := chromedp.Run(w.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		w.t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(w.shots, fmt.Sprintf("%02d-%s.png", w.shot, name))
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		w.t.Logf("screenshot %s: %v", name, err)
	}
}

func (w *world) signIn(email, password string) {
	w.t.Helper()
	w.open("/app/sign-in")
	w.do("fill sign-in "+email, chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password))
	w.submit("sign in "+email, `form[action="/app/sign-in"] button[type=submit]`)
	if !strings.HasSuffix(w.location(), "/app/tasks") {
		w.screenshot("failed-sign-in")
		w.t.Fatalf("sign in as %s landed on %s", email, w.location())
	}
}

func (w *world) signOut() {
	w.t.Helper()
	w.submit("sign out", `form.signout button`)
}

func (w *world) flash() string { return w.text(".flash") }

func (w *world) mustContain(sel, want string) {
	w.t.Helper()
	if got := w.text(sel); !strings.Contains(got, want) {
		w.screenshot("failed-contains")
		w.t.Fatalf("%s: got %q, want it to contain %q", sel, got, want)
	}
}

// user makes an active user with a password.
func (w *world) user(email, first, password string) *store.User {
	w.t.Helper()
	ctx := context.Background()
	u, err := w.svc.CreateUser(ctx, w.owner, app.UserInput{Email: &email, FirstName: &first})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.svc.SetUserPassword(ctx, w.owner, u.ID, password); err != nil {
		w.t.Fatal(err)
	}
	return u
}

func (w *world) workflow(name string) *engine.Workflow {
	w.t.Helper()
	views, _, err := w.svc.ListWorkflows(context.Background(), w.owner, store.WorkflowFilter{Search: name, Limit: 10})
	if err != nil || len(views) == 0 {
		w.t.Fatalf("workflow %q: %v (%d found)", name, err, len(views))
	}
	return views[0].WF
}

func (w *world) taskID(wf *engine.Workflow, n int) int64 {
	return wf.TaskByNumber(n).ID
}

func TestWebApp(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	if err := w.svc.SetPasswordByEmail(ctx, "owner@example.com", "owner-pass-1"); err != nil {
		t.Fatal(err)
	}
	bob := w.user("bob@example.com", "Bob", "bob-pass-123")
	carol := w.user("carol@example.com", "Carol", "carol-pass-123")
	users := []int64{bob.ID}
	gname := "Reviewers"
	group, err := w.svc.CreateGroup(ctx, w.owner, app.GroupInput{Name: &gname, Users: &users})
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	tpl := fmt.Sprintf(`{"name": "Purchase request", "is_active": true,
	  "kickoff": {"fields": [
	    {"api_name": "item", "name": "Item", "type": "string", "is_required": true, "order": 0},
	    {"api_name": "amount", "name": "Amount", "type": "number", "order": 1}]},
	  "tasks": [
	    {"number": 1, "api_name": "approve", "name": "Approve {{item}}", "description": "Check the price of {{item}}: {{amount}}.",
	     "raw_performers": [{"type": "group", "source_id": "%d"}],
	     "fields": [{"api_name": "note", "name": "Approval note", "type": "text", "is_required": true}]},
	    {"number": 2, "api_name": "order", "name": "Order {{item}}", "raw_performers": [{"type": "user", "source_id": "%d"}],
	     "checklists": [{"api_name": "cl", "selections": [{"api_name": "cl-1", "value": "Compare two shops"}]}],
	     "fields": [{"api_name": "receipt", "name": "Receipt", "type": "file"}]}]}`, group.ID, carol.ID)
	if err := json.Unmarshal([]byte(tpl), &body); err != nil {
		t.Fatal(err)
	}
	purchase, err := w.svc.CreateTemplate(ctx, w.owner, body)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("sign in", func(t *testing.T) {
		w.t = t
		w.open("/app/tasks") // signed out: sent to the sign-in page
		if !strings.Contains(w.location(), "/app/sign-in?next=") {
			t.Fatalf("signed-out /app/tasks went to %s", w.location())
		}
		w.do("wrong password", chromedp.WaitVisible(chromedp.ID("email")),
			chromedp.SendKeys(chromedp.ID("email"), "owner@example.com"), chromedp.SendKeys(chromedp.ID("password"), "nope-nope"))
		w.submit("sign in wrong", `form[action="/app/sign-in"] button[type=submit]`)
		w.mustContain("#signin-error", "wrong")
		w.screenshot("sign-in")
		w.signIn("owner@example.com", "owner-pass-1")
		w.mustContain("h1", "My tasks")
	})

	t.Run("run through the kickoff form", func(t *testing.T) {
		w.t = t
		w.open("/app/run")
		w.screenshot("run-list")
		w.submit("open template", fmt.Sprintf(`a[href="/app/run/%d"]`, purchase.Row.ID))
		w.do("fill kickoff", chromedp.SendKeys(chromedp.ID("f-item"), "Laptop"), chromedp.SendKeys(chromedp.ID("f-amount"), "1200"))
		w.screenshot("kickoff-form")
		w.submit("run", "#run-button")
		w.mustContain(".flash", "started")
		w.mustContain("h1", "Purchase request")
		w.screenshot("workflow-started")
		wf := w.workflow("Purchase request")
		if cur := wf.Current(); cur == nil || cur.Name != "Approve Laptop" {
			t.Fatalf("current task after run: %+v", cur)
		}
		w.signOut()
	})

	complete := func(t *testing.T, who, pw, note string) {
		w.signIn(who, pw)
		w.mustContain("#task-list", "Approve Laptop")
		w.submit("open task", `#task-list a[href^="/app/tasks/"]`)
		w.mustContain(".prose", "Check the price of Laptop: 1200.")
		if note != "" {
			w.do("note", chromedp.SendKeys(chromedp.ID("f-note"), note))
		}
		w.screenshot("task-page-" + strings.Split(who, "@")[0])
		w.submit("complete", "#complete-button")
		w.mustContain(".flash", "completed")
		w.signOut()
	}

	t.Run("complete as a group member, return, complete again", func(t *testing.T) {
		w.t = t
		complete(t, "bob@example.com", "bob-pass-123", "Fine by me")

		w.signIn("carol@example.com", "carol-pass-123")
		w.mustContain("#task-list", "Order Laptop")
		w.screenshot("tasks-carol")
		w.submit("open order task", `#task-list a[href^="/app/tasks/"]`)
		w.mustContain(".col-side", "Fine by me") // the earlier task's output
		w.do("revert comment", chromedp.SendKeys(chromedp.ID("revert-comment"), "Which model?"))
		w.submit("revert", "#revert-button")
		w.mustContain(".flash", "previous task")
		w.mustContain(".timeline", "Returned")
		w.screenshot("workflow-returned")
		wf := w.workflow("Purchase request")
		if cur := wf.Current(); cur == nil || cur.Number != 1 {
			t.Fatalf("after return, current task: %+v", cur)
		}
		w.signOut()

		complete(t, "bob@example.com", "bob-pass-123", "") // the note is kept from the first time
	})

	t.Run("complete as another person with checklist and file", func(t *testing.T) {
		w.t = t
		w.signIn("carol@example.com", "carol-pass-123")
		wf := w.workflow("Purchase request")
		w.open(fmt.Sprintf("/app/tasks/%d", w.taskID(wf, 2)))
		// Completing with the checklist open is refused, with a message.
		w.submit("complete too early", "#complete-button")
		w.mustContain(".flash.error", "Check off all the items")
		w.submit("tick", "#checklists button.check")
		w.mustContain("#checklists", "Compare two shops")
		if v, _ := chromedp.Run(w.ctx, chromedp.AttributeValue(chromedp.CSS("#checklists button.check"), "aria-pressed")); v.Value != "true" {
			t.Fatalf("checklist item not ticked: %+v", v)
		}
		receipt := filepath.Join(t.TempDir(), "receipt.txt")
		if err := os.WriteFile(receipt, []byte("1 laptop, 1200 EUR\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		w.do("upload", chromedp.SetUploadFiles(chromedp.ID("f-receipt"), []string{receipt}),
			chromedp.WaitVisible(chromedp.CSS(`ul[data-files-for="receipt"] li a`)))
		w.mustContain(`[data-status-for="receipt"]`, "uploaded")
		w.screenshot("task-with-upload")
		w.submit("complete order", "#complete-button")
		w.mustContain(".flash", "completed")
		wf = w.workflow("Purchase request")
		if wf.Status != engine.StatusDone {
			t.Fatalf("workflow status %d, want done", wf.Status)
		}
		var receiptField *engine.Field
		for _, f := range wf.Fields {
			if f.APIName == "receipt" {
				receiptField = f
			}
		}
		if receiptField == nil || len(receiptField.Attachments) != 1 || receiptField.Attachments[0].Name != "receipt.txt" {
			t.Fatalf("receipt field: %+v", receiptField)
		}
		w.open(fmt.Sprintf("/app/workflows/%d", wf.ID))
		w.mustContain(".head-row", "Done")
		w.screenshot("workflow-done")
		w.signOut()
	})

	t.Run("build a two-task template with a condition and run it", func(t *testing.T) {
		w.t = t
		w.signIn("owner@example.com", "owner-pass-1")
		w.open("/app/templates/new")
		w.do("name", chromedp.WaitVisible(chromedp.ID("tpl-name")), chromedp.SendKeys(chromedp.ID("tpl-name"), "Expense"))
		w.do("add kickoff field", chromedp.Click(`//button[text()="Add kickoff field"]`))
		w.do("kickoff field", chromedp.SendKeys(chromedp.CSS(`.ed-field input[id$="-name"]`), "Amount"))
		w.choose(`.ed-field select[id$="-type"]`, "number")
		w.do("task 1 name", chromedp.SendKeys(chromedp.CSS(`.ed-task input[id$="-name"]`), "Record the expense"))
		w.do("task 1 due date", chromedp.Click(chromedp.CSS(`.ed-task input[id^="due-"][id$="-on"]`)))
		w.do("due in 2 days", chromedp.SetValue(chromedp.CSS(`.ed-task input[id$="-dur-d"]`), ""),
			chromedp.SendKeys(chromedp.CSS(`.ed-task input[id$="-dur-d"]`), "2"))
		w.do("add task", chromedp.Click(`//button[text()="Add task"]`))
		w.do("task 2 name", chromedp.SendKeys(chromedp.CSS(`.ed-task:nth-of-type(4) input[id^="t-"][id$="-name"]`), "Second approval"))
		// Take task 2's performer away to see the server's problem shown
		// beside the task.
		w.do("remove performer", chromedp.Click(chromedp.CSS(`.ed-task:nth-of-type(4) button[aria-label="Remove performer 1"]`)))
		w.do("add condition", chromedp.Click(chromedp.CSS(`.ed-task:nth-of-type(4) button[aria-label="Add a condition to task 2"]`)))
		w.choose(`.ed-task:nth-of-type(4) select[id$="-action"]`, "skip_task")
		w.js(`(function(){var s=document.querySelector('.ed-task:nth-of-type(4) select[id$="-field"]'); s.selectedIndex=1; s.dispatchEvent(new Event("change",{bubbles:true}));})()`)
		w.choose(`.ed-task:nth-of-type(4) select[id$="-op"]`, "less_than")
		w.do("value", chromedp.SendKeys(chromedp.CSS(`.ed-task:nth-of-type(4) input[id$="-value"]`), "100"))
		w.do("activate", chromedp.Click(chromedp.ID("tpl-active")))
		w.screenshot("editor")
		w.submit("save (refused)", "#save-template")
		w.mustContain("#editor-problems", "performer")
		w.mustContain(".ed-task:nth-of-type(4) .ed-error", "performer")
		w.screenshot("editor-problems")
		w.do("add performer", chromedp.Click(chromedp.CSS(`.ed-task:nth-of-type(4) .ed-tools button:not([aria-label])`)))
		w.choose(`.ed-task:nth-of-type(4) select[id^="p-"][id$="-type"]`, "workflow_starter")
		w.submit("save", "#save-template")
		w.mustContain(".flash", "saved")
		views, _, err := w.svc.ListTemplates(ctx, w.owner, store.TemplateFilter{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var expense *app.TemplateView
		for _, v := range views {
			if v.Doc.Name == "Expense" {
				expense = v
			}
		}
		if expense == nil || !expense.Row.IsActive || len(expense.Doc.Tasks) != 2 || len(expense.Doc.Tasks[1].Conditions) != 1 {
			t.Fatalf("saved template: %+v", expense)
		}
		// The field got an api_name from its name, and the condition
		// followed the rename.
		if due := expense.Doc.Tasks[0].DueDate; due == nil || due.Rule != "after task started" || due.Duration != 2*86400 {
			t.Fatalf("task 1 due date: %+v", due)
		}
		pred := expense.Doc.Tasks[1].Conditions[0].Rules[0].Predicates[0]
		if expense.Doc.Kickoff.Fields[0].APIName != "amount" || pred.Field != "amount" || pred.Operator != "less_than" {
			t.Fatalf("kickoff field %q, predicate %+v", expense.Doc.Kickoff.Fields[0].APIName, pred)
		}
		// Run it twice: a small amount skips task 2, a large one does not.
		for _, amount := range []string{"50", "500"} {
			w.open(fmt.Sprintf("/app/run/%d", expense.Row.ID))
			name := "Expense " + amount
			w.do("kickoff "+amount, chromedp.SendKeys(chromedp.ID("wf-name"), name),
				chromedp.SendKeys(chromedp.CSS(`#run-form input[name^="f:"]`), amount))
			w.submit("run "+amount, "#run-button")
			// The owner performs task 1 (workflow starter): straight to it.
			w.mustContain("h1", "Record the expense")
			w.submit("complete task 1", "#complete-button")
			wf := w.workflow(name)
			t2 := wf.TaskByNumber(2)
			if amount == "50" && (t2.Status != engine.TaskSkipped || wf.Status != engine.StatusDone) {
				t.Fatalf("amount 50: task 2 %s, workflow %d; want skipped and done", t2.Status, wf.Status)
			}
			if amount == "500" && t2.Status != engine.TaskActive {
				t.Fatalf("amount 500: task 2 %s, want active", t2.Status)
			}
			if amount == "50" {
				w.open(fmt.Sprintf("/app/workflows/%d", wf.ID))
				w.mustContain(".timeline", "Skipped")
				w.screenshot("workflow-skipped-by-condition")
			}
		}
	})

	t.Run("editor opens and saves an existing template unchanged", func(t *testing.T) {
		w.t = t // still signed in as the owner
		w.open("/app/workflows?status=running")
		w.mustContain("table.workflows", "Expense 500")
		w.screenshot("workflows")
		w.open(fmt.Sprintf("/app/templates/%d", purchase.Row.ID))
		w.do("editor loads", chromedp.WaitVisible(chromedp.ID("tpl-name")))
		if v, _ := chromedp.Run(w.ctx, chromedp.Value(chromedp.ID("tpl-name"))); v != "Purchase request" {
			t.Fatalf("editor name %q", v)
		}
		w.screenshot("editor-existing")
		w.submit("save unchanged", "#save-template")
		w.mustContain(".flash", "saved")
		tv, err := w.svc.Template(ctx, w.owner, purchase.Row.ID)
		if err != nil {
			t.Fatal(err)
		}
		d := tv.Doc
		if len(d.Tasks) != 2 || d.Tasks[0].Performers[0].Type != "group" || len(d.Tasks[1].Checklists) != 1 ||
			d.Tasks[1].Fields[0].Type != "file" || d.Kickoff.Fields[0].APIName != "item" || d.Tasks[0].Name != "Approve {{item}}" {
			t.Fatalf("the editor changed the template: %+v", d)
		}
	})

	var publicLink string
	t.Run("templates list and public form switch", func(t *testing.T) {
		w.t = t
		w.open("/app/templates")
		w.submit("public on", fmt.Sprintf(`form[action="/app/templates/%d/flags"] input[value="is_public"] ~ button`, purchase.Row.ID))
		w.mustContain(".flash", "public form is on")
		w.screenshot("templates")
		attr, err := chromedp.Run(w.ctx, chromedp.AttributeValue(chromedp.CSS(`#template-list dl.links a`), "href"))
		if err != nil || !attr.Exists {
			t.Fatalf("public link: %v %+v", err, attr)
		}
		publicLink = attr.Value
		w.signOut()
	})

	t.Run("public form signed out", func(t *testing.T) {
		w.t = t
		u, err := url.Parse(publicLink)
		if err != nil || u.Host != w.host || !strings.HasPrefix(u.Path, "/forms/") {
			t.Fatalf("public link %q", publicLink)
		}
		w.open(u.Path)
		w.mustContain("h1", "Purchase request")
		w.do("public fill", chromedp.SendKeys(chromedp.ID("f-item"), "Desk chair"), chromedp.SendKeys(chromedp.ID("f-amount"), "300"))
		w.screenshot("public-form")
		w.submit("public send", "#public-submit")
		w.mustContain("#thanks", "sent")
		w.screenshot("public-thanks")
		wf := w.workflow("Purchase request")
		if !wf.IsExternal || wf.StarterID != 0 {
			t.Fatalf("newest workflow is not the external run: %+v", wf)
		}
	})

	t.Run("admin pages, invite and keys", func(t *testing.T) {
		w.t = t
		w.signIn("owner@example.com", "owner-pass-1")
		w.open("/app/admin/users")
		w.do("invite", chromedp.SendKeys(chromedp.ID("invite-emails"), "dave@example.com"))
		w.submit("invite", "#invite-button")
		attr, err := chromedp.Run(w.ctx, chromedp.AttributeValue(chromedp.CSS(`#invite-links a.invite-link`), "href"))
		if err != nil || !attr.Exists {
			t.Fatalf("invite link: %v", err)
		}
		w.screenshot("admin-users")
		w.open("/app/admin/groups")
		w.screenshot("admin-groups")
		w.open("/app/admin/webhooks")
		w.screenshot("admin-webhooks")
		w.open("/app/profile")
		w.do("key name", chromedp.SendKeys(chromedp.ID("key-name"), "reports"))
		w.submit("create key", `form[action="/app/profile/keys"] button`)
		key, err := chromedp.Run(w.ctx, chromedp.Value(chromedp.ID("new-key")))
		if err != nil || !strings.HasPrefix(key, "pn-") {
			t.Fatalf("new key %q: %v", key, err)
		}
		if _, err := w.svc.Authenticate(ctx, key); err != nil {
			t.Fatalf("the key made in the browser does not work: %v", err)
		}
		w.screenshot("profile-keys")
		w.signOut()

		// The invited person sets a password and is signed in.
		u, _ := url.Parse(attr.Value)
		w.open(u.RequestURI())
		w.do("accept", chromedp.SendKeys(chromedp.ID("first_name"), "Dave"),
			chromedp.SendKeys(chromedp.ID("password"), "dave-pass-123"), chromedp.SendKeys(chromedp.ID("password_again"), "dave-pass-123"))
		w.screenshot("invite")
		w.submit("accept invite", `form[action^="/app/invite/"] button`)
		w.mustContain(".flash", "Welcome")
		w.signOut()
		w.signIn("dave@example.com", "dave-pass-123")
		// A user without admin rights cannot open admin pages.
		resp := w.open("/app/admin/users")
		if resp.Status != http.StatusForbidden {
			t.Fatalf("admin page for a user: %d", resp.Status)
		}
		w.signOut()
	})

	t.Run("phone width", func(t *testing.T) {
		w.t = t
		w.signIn("owner@example.com", "owner-pass-1")
		w.do("phone", chromedp.EmulateViewport(390, 844))
		w.open("/app/tasks")
		w.screenshot("phone-tasks")
		wf := w.workflow("Expense 500")
		w.open(fmt.Sprintf("/app/workflows/%d", wf.ID))
		w.screenshot("phone-workflow")
		overflow, err := chromedp.Run(w.ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		if err != nil || overflow {
			t.Fatalf("the workflow page is wider than a phone (%v)", err)
		}
		w.do("desktop", chromedp.EmulateViewport(1280, 900))
		w.signOut()
	})

	t.Run("no request to another host, no script error", func(t *testing.T) {
		w.t = t
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, e := range w.errors {
			t.Errorf("script error: %s", e)
		}
		if len(w.urls) < 20 {
			t.Fatalf("only %d requests were seen: is the network log working?", len(w.urls))
		}
		for _, raw := range w.urls {
			if strings.HasPrefix(raw, "data:") || raw == "about:blank" {
				continue
			}
			u, err := url.Parse(raw)
			if err != nil || u.Host != w.host {
				t.Errorf("a page requested %s", raw)
			}
		}
		t.Logf("%d requests, all to %s", len(w.urls), w.host)
	})
}
