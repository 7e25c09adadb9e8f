package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/engine"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
	"github.com/pneumatic-oss/pneumatic/internal/store"
	"github.com/pneumatic-oss/pneumatic/internal/template"
)

// SeedResult is what the bulk seeding did and how fast.
type SeedResult struct {
	Workflows int     `json:"workflows"`
	Running   int     `json:"running"`
	Delayed   int     `json:"delayed"`
	Done      int     `json:"done"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"per_second"`
	Rows      int64   `json:"rows"`
}

// memDir is the engine's Directory over the users read once: the seeding
// runs the engine without a request, so it answers from memory.
type memDir struct {
	users   map[int64]engine.User
	byEmail map[string]engine.User
	owner   int64
}

func (d *memDir) User(id int64) (engine.User, bool) { u, ok := d.users[id]; return u, ok }
func (d *memDir) UserByEmail(e string) (engine.User, bool) {
	u, ok := d.byEmail[strings.ToLower(e)]
	return u, ok
}
func (d *memDir) GroupMembers(int64) ([]int64, bool) { return nil, false }
func (d *memDir) FreeAttachment(int64, int64) (engine.Attachment, bool) {
	return engine.Attachment{}, false
}
func (d *memDir) OwnerID() int64 { return d.owner }

// seedAccount is what the engine needs to build an account's workflows.
type seedAccount struct {
	a        *account
	tmpl     *template.Template
	dir      *memDir
	starters []int64 // the owner and the users, in turn
	owner    engine.Actor
}

// resolveAccounts reads, from the database, the ids the API does not show
// (account id, template version) and the users, for the engine.
func resolveAccounts(ctx context.Context, db *store.DB, accts []*account) ([]*seedAccount, error) {
	q := db.Read()
	var out []*seedAccount
	for _, a := range accts {
		if a.DBID == 0 {
			us, err := q.UsersByEmailAnyAccount(ctx, a.OwnerEmail)
			if err != nil || len(us) != 1 {
				return nil, fmt.Errorf("owner %s of account %d: %v (%d users)", a.OwnerEmail, a.Index, err, len(us))
			}
			a.DBID = us[0].AccountID
		}
		row, err := q.TemplateByID(ctx, a.DBID, a.TemplateID, false)
		if err != nil {
			return nil, fmt.Errorf("template %d: %w", a.TemplateID, err)
		}
		if row.VersionID == nil {
			return nil, fmt.Errorf("template %d has no active version", a.TemplateID)
		}
		a.VersionID = *row.VersionID
		raw, err := q.TemplateVersionDoc(ctx, a.VersionID)
		if err != nil {
			return nil, err
		}
		sa := &seedAccount{a: a, tmpl: &template.Template{}, dir: &memDir{users: map[int64]engine.User{},
			byEmail: map[string]engine.User{}, owner: a.OwnerID}}
		if err := json.Unmarshal(raw, sa.tmpl); err != nil {
			return nil, err
		}
		users, err := q.AccountUsers(ctx, a.DBID)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			eu := engine.User{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
				Active: u.Status == store.UserActive, IsAdmin: u.IsAdmin, IsOwner: u.IsOwner}
			sa.dir.users[u.ID] = eu
			sa.dir.byEmail[strings.ToLower(u.Email)] = eu
		}
		sa.starters = append(sa.starters, a.OwnerID)
		for _, u := range a.Users {
			sa.starters = append(sa.starters, u.ID)
		}
		sa.owner = engine.Actor{UserID: a.OwnerID, IsAdmin: true, IsOwner: true}
		out = append(out, sa)
	}
	return out, nil
}

// seedWF is one built workflow waiting for its insert.
type seedWF struct {
	acct    *seedAccount
	wf      *engine.Workflow
	events  []engine.Event
	created time.Time
	wake    *time.Time
	done    int // tasks completed
	state   int // 0 running, 1 delayed, 2 done
}

// seedEpoch dates the seeded workflows: the g-th is created at epoch + 2g
// seconds, so that ids and dates grow together, all in the past.
var seedEpoch = time.Now().UTC().Add(-30 * 24 * time.Hour).Truncate(time.Second)

// buildWorkflow runs the engine for the g-th seeded workflow: a run, then
// as many completions as its state needs (running ones stop at tasks 1..5,
// done ones complete all 5), or a snooze of 30 days for the delayed ones.
func buildWorkflow(sa *seedAccount, g int) (*seedWF, error) {
	title, amount, priority, due, assignee := sa.a.kickoffValues(g)
	starter := sa.starters[g%len(sa.starters)]
	created := seedEpoch.Add(time.Duration(g) * 2 * time.Second)
	env := engine.Env{Now: created, Dir: sa.dir, Template: sa.tmpl}
	wf, err := engine.NewWorkflow(env, sa.a.TemplateID, engine.RunInput{StarterID: starter, Kickoff: map[string]any{
		"title": title, "amount": json.Number(amount), "priority": priority, "due": due,
		"assignee": json.Number(strconv.FormatInt(assignee, 10))}})
	if err != nil {
		return nil, err
	}
	wf.AccountID, wf.TemplateVersionID = sa.a.DBID, sa.a.VersionID
	// Ids come from the insert; until then the tasks get stand-ins so that
	// the engine can find them by id (InsertWorkflow overwrites them).
	for i, t := range wf.Tasks {
		t.ID = -int64(i + 1)
	}
	sw := &seedWF{acct: sa, wf: wf, created: created}
	out := engine.Start(env, wf, starter)
	sw.events = append(sw.events, out.Events...)
	var completions int
	switch g % 4 {
	case 0, 1:
		completions = (g / 4) % tasksPerWorkflow
	case 2:
		sw.state = 1
		until := time.Now().UTC().Add(30 * 24 * time.Hour)
		env.Now = created.Add(time.Minute)
		o, err := engine.Snooze(env, wf, sa.owner, until)
		if err != nil {
			return nil, err
		}
		sw.events = append(sw.events, o.Events...)
		sw.wake = &until
	case 3:
		sw.state = 2
		completions = tasksPerWorkflow
	}
	actor := engine.Actor{UserID: starter, IsAdmin: starter == sa.a.OwnerID, IsOwner: starter == sa.a.OwnerID}
	for k := range completions {
		env.Now = created.Add(time.Duration(k+1) * time.Minute)
		cur := wf.Current()
		if cur == nil || wf.Status != engine.StatusRunning {
			return nil, fmt.Errorf("seed workflow %d: no current task before completion %d", g, k+1)
		}
		o, err := engine.Complete(env, wf, actor, engine.CompleteInput{TaskID: cur.ID, Output: outputValues[cur.Number-1]})
		if err != nil {
			return nil, fmt.Errorf("seed workflow %d, task %d: %w", g, cur.Number, err)
		}
		sw.events = append(sw.events, o.Events...)
		sw.done++
	}
	return sw, nil
}

// bulkSeed adds n workflows (numbered from first on) to the accounts,
// round-robin, with the engine in-process and the store's own inserts, many
// workflows per transaction, while the server is stopped. Running
// workflows of the first account go to pool and every workflow of the first
// account to known (when they are not nil).
func bulkSeed(ctx context.Context, t *target, accts []*account, first, n int, pool *wfPool, known *idList, path string) (*SeedResult, error) {
	begin := time.Now()
	db, err := store.Open(ctx, t.storeOptions())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	sas, err := resolveAccounts(ctx, db, accts)
	if err != nil {
		return nil, err
	}
	var seeder *sqlSeeder
	if path != "store" {
		if seeder, err = openSQLSeeder(ctx, t); err != nil {
			return nil, err
		}
		defer seeder.close()
	}
	batch := 250
	if seeder != nil {
		batch = 1000
	}
	producers := runtime.NumCPU()
	writers := 2
	if db.Dialect == store.Postgres {
		writers = 4
	}
	ranges := make(chan [2]int)
	built := make(chan []*seedWF, writers*2)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var errOnce sync.Once
	var firstErr error
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	go func() {
		defer close(ranges)
		for i := 0; i < n; i += batch {
			select {
			case ranges <- [2]int{first + i, first + min(i+batch, n)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	var pwg sync.WaitGroup
	for range producers {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			for r := range ranges {
				out := make([]*seedWF, 0, r[1]-r[0])
				for g := r[0]; g < r[1]; g++ {
					sw, err := buildWorkflow(sas[g%len(sas)], g)
					if err != nil {
						fail(err)
						return
					}
					out = append(out, sw)
				}
				select {
				case built <- out:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { pwg.Wait(); close(built) }()

	res := &SeedResult{}
	var written atomic.Int64
	var rows atomic.Int64
	var mu sync.Mutex
	var wwg sync.WaitGroup
	for range writers {
		wwg.Add(1)
		go func() {
			defer wwg.Done()
			for b := range built {
				var err error
				if seeder != nil {
					err = seeder.write(ctx, b)
				} else {
					err = storeWrite(ctx, db, b, t.baseURL)
				}
				if err != nil {
					fail(err)
					return
				}
				var nrows int64
				for _, sw := range b {
					nrows += workflowRows(sw)
				}
				rows.Add(nrows)
				mu.Lock()
				for _, sw := range b {
					switch sw.state {
					case 0:
						res.Running++
					case 1:
						res.Delayed++
					case 2:
						res.Done++
					}
					if sw.acct.a.Index != 0 {
						continue
					}
					if known != nil {
						known.add(sw.wf.ID)
					}
					if pool != nil && sw.state == 0 {
						w := &poolWF{id: sw.wf.ID, next: uint8(sw.done), auth: sw.acct.a.ownerAuth}
						for i, t := range sw.wf.Tasks {
							w.tasks[i] = t.ID
						}
						pool.put(w)
					}
				}
				mu.Unlock()
				written.Add(int64(len(b)))
			}
		}()
	}
	stopProgress := make(chan struct{})
	go func() {
		tick := time.NewTicker(2 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-tick.C:
				w := written.Load()
				fmt.Fprintf(os.Stderr, "  seeded %d/%d workflows (%.0f/s)\n", w, n, float64(w)/time.Since(begin).Seconds())
			}
		}
	}()
	wwg.Wait()
	close(stopProgress)
	if firstErr != nil {
		return nil, fmt.Errorf("seeding: %w", firstErr)
	}
	if seeder != nil {
		if err := seeder.finish(ctx); err != nil {
			return nil, err
		}
	}
	if db.Dialect == store.Postgres {
		// Autovacuum would analyze the new rows at a moment of its choosing;
		// doing it now makes the plans of the measured queries the steady ones.
		if err := analyze(ctx, t.dbURL); err != nil {
			return nil, err
		}
	}
	res.Workflows = int(written.Load())
	res.Rows = rows.Load()
	res.Seconds = time.Since(begin).Seconds()
	res.PerSecond = float64(res.Workflows) / res.Seconds
	return res, nil
}

// storeWrite inserts a batch with the store's own methods, in one
// transaction (the slow path, kept to check that the SQL path writes the
// same rows).
func storeWrite(ctx context.Context, db *store.DB, b []*seedWF, publicURL string) error {
	return db.Write(ctx, func(q *store.Q) error {
		for _, sw := range b {
			if err := q.InsertWorkflow(ctx, sw.wf, publicURL); err != nil {
				return err
			}
			if _, err := q.InsertEvents(ctx, sw.wf, sw.events, sw.created); err != nil {
				return err
			}
			if sw.wake != nil {
				args := map[string]int64{"account_id": sw.wf.AccountID, "workflow_id": sw.wf.ID}
				if err := jobs.Enqueue(ctx, q, app.JobResume, args, *sw.wake, sw.created, ""); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// workflowRows counts the rows of a seeded workflow (for the rate in rows/s).
func workflowRows(sw *seedWF) int64 {
	n := int64(1 + len(sw.wf.Tasks) + len(sw.wf.Fields) + len(sw.events))
	for _, t := range sw.wf.Tasks {
		n += int64(len(t.Performers))
	}
	if sw.wake != nil {
		n++
	}
	return n
}

func analyze(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "ANALYZE")
	return err
}
