// Command pneumatic-load measures a pneumatic server as its users load it:
// it starts the server on a fresh database (SQLite, or PostgreSQL with
// --database-url) or targets a running one, seeds accounts, users, the
// load template and workflows in every state, drives a mixed workload of
// runs, completions, inbox, detail and list reads over real HTTP on
// loopback, and reports per operation throughput, latency percentiles,
// errors and the server's memory. It also measures the floor (the same
// rows written by a minimal in-process program) and, with --scale, how
// read latencies change between a small and a big database.
//
// See docs/load.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type options struct {
	binary      string
	build       bool
	databaseURL string
	baseURL     string
	apiKey      string
	addr        string
	tmpRoot     string
	keep        bool
	serverEnv   multiFlag
	pprof       bool
	profileDir  string

	concurrency int
	duration    time.Duration
	warmup      time.Duration
	mix         string
	only        string
	phases      string

	accounts      int
	users         int
	apiWorkflows  int
	seedWorkflows int
	seedPath      string

	floor         bool
	floorDuration time.Duration
	floorRuns     int

	uploadMiB int

	scale            bool
	scaleSmall       int
	scaleBig         int
	scaleRequests    int
	scaleConcurrency int
	scaleBudget      time.Duration
	scaleOpTime      time.Duration
	scaleFallback    int

	out         string
	label       string
	quiet       bool
	selfProfile string
	http        string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "report" {
		if err := reportCommand(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "pneumatic-load report:", err)
			os.Exit(1)
		}
		return
	}
	o := &options{}
	fs := flag.NewFlagSet("pneumatic-load", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: pneumatic-load [flags]    (a load run, or with --scale the scale check)")
		fmt.Fprintln(os.Stderr, "       pneumatic-load report [-o BENCHMARKS.md] result.json...")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.binary, "binary", "./bin/pneumatic", "server binary to start")
	fs.BoolVar(&o.build, "build", false, "go build ./cmd/pneumatic into --binary first")
	fs.StringVar(&o.databaseURL, "database-url", "", "postgres://… of a server where a fresh database is created (and dropped after); empty: SQLite in a temp dir")
	fs.StringVar(&o.baseURL, "base-url", "", "target a running server instead of starting one")
	fs.StringVar(&o.apiKey, "api-key", "", "owner's or admin's key of the running server (with --base-url)")
	fs.StringVar(&o.addr, "addr", "", "listen address of the started server (default: a free port on 127.0.0.1)")
	fs.StringVar(&o.tmpRoot, "tmp", "", "where the temp dir (SQLite data, server log) goes (default $TMPDIR)")
	fs.BoolVar(&o.keep, "keep", false, "keep the temp dir and the PostgreSQL database")
	fs.Var(&o.serverEnv, "server-env", "KEY=VALUE for the started server, e.g. PNEUMATIC_SQLITE_SYNCHRONOUS=NORMAL (repeatable)")
	fs.BoolVar(&o.pprof, "pprof", false, "start the server with PNEUMATIC_PPROF_ADDR and record a CPU profile of each phase")
	fs.StringVar(&o.profileDir, "profile-dir", "", "where the phase profiles go (with --pprof; default the temp dir)")

	fs.IntVar(&o.concurrency, "concurrency", 16, "concurrent clients (one keep-alive connection each)")
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "measured time of each phase")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load before each phase")
	fs.StringVar(&o.mix, "mix", defaultMix, "weights of the mixed phase")
	fs.StringVar(&o.only, "only", "", "run one operation alone: run, complete, inbox, detail or list")
	fs.StringVar(&o.phases, "phases", "mixed", "phases in order: mixed and/or operation names (run,complete,inbox,detail,list)")

	fs.IntVar(&o.accounts, "accounts", 1, "accounts (the load goes to the first; the others hold seeded workflows)")
	fs.IntVar(&o.users, "users", 20, "users per account besides the owner, each with a key")
	fs.IntVar(&o.apiWorkflows, "api-workflows", 200, "workflows created over the API before the load (half running, a quarter delayed, a quarter done)")
	fs.IntVar(&o.seedWorkflows, "seed-workflows", 0, "workflows bulk-inserted in-process before the load (same states), spread over the accounts")

	fs.StringVar(&o.seedPath, "seed-path", "sql", "bulk seeding writes: sql (multi-row INSERTs of the store's rows; fast) or store (store.InsertWorkflow; slow)")
	fs.IntVar(&o.uploadMiB, "upload-mib", 100, "before the load, upload a file this large and report the server's RSS growth (0: skip; own server only)")
	fs.BoolVar(&o.floor, "floor", true, "measure the floor after the load (own database only)")
	fs.DurationVar(&o.floorDuration, "floor-duration", 10*time.Second, "time of each floor measurement")
	fs.IntVar(&o.floorRuns, "floor-runs", 1, "floor measurements (min/median/max are reported)")

	fs.BoolVar(&o.scale, "scale", false, "scale check instead of a load run")
	fs.IntVar(&o.scaleSmall, "scale-small", 10000, "workflows of the small database")
	fs.IntVar(&o.scaleBig, "scale-big", 0, "workflows of the big database (e.g. 1000000); 0: the small one only")
	fs.IntVar(&o.scaleRequests, "scale-requests", 3000, "measured requests per read operation and size")
	fs.IntVar(&o.scaleConcurrency, "scale-concurrency", 1, "clients of the scale check (1: latency without queueing)")
	fs.DurationVar(&o.scaleOpTime, "scale-op-time", time.Minute, "longest measurement of one op at one size (fewer requests then)")
	fs.DurationVar(&o.scaleBudget, "scale-budget", 0, "if seeding --scale-big would take longer (estimated), use --scale-fallback instead; 0: no limit")
	fs.IntVar(&o.scaleFallback, "scale-fallback", 200000, "workflows of the big database when --scale-big does not fit --scale-budget")

	fs.StringVar(&o.out, "out", "", "write the result as JSON to this file")
	fs.StringVar(&o.label, "label", "", "label of the result (default the database)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress line per second")
	fs.StringVar(&o.http, "http", "raw", "the load's HTTP client: raw (a keep-alive HTTP/1.1 connection per worker, spoken by hand: the lightest on the shared cores) or std (net/http)")
	fs.StringVar(&o.selfProfile, "self-profile", "", "write the tool's own CPU profile here (to keep its share small)")
	_ = fs.Parse(os.Args[1:])
	if fs.NArg() > 0 {
		fs.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.selfProfile != "" {
		f, err := os.Create(o.selfProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "pneumatic-load:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	res, err := run(ctx, o)
	if res != nil {
		printResult(os.Stdout, res)
		if o.out != "" {
			if werr := writeJSON(o.out, res); werr != nil && err == nil {
				err = werr
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pneumatic-load:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func run(ctx context.Context, o *options) (*Result, error) {
	if o.concurrency < 1 {
		return nil, errors.New("--concurrency must be ≥ 1")
	}
	if o.http != "raw" && o.http != "std" {
		return nil, errors.New("--http must be raw or std")
	}
	if o.build {
		fmt.Fprintf(os.Stderr, "building %s\n", o.binary)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", o.binary, "./cmd/pneumatic")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("build: %w", err)
		}
	}
	var phases []string
	if o.only != "" {
		phases = []string{o.only}
	} else {
		for _, p := range strings.Split(o.phases, ",") {
			if p = strings.TrimSpace(p); p != "" {
				phases = append(phases, p)
			}
		}
	}
	mix, err := parseMix(o.mix)
	if err != nil {
		return nil, err
	}
	weights := make([][numOps]int, len(phases))
	for i, p := range phases {
		if p == "mixed" {
			weights[i] = mix
			continue
		}
		op, ok := opIndex(p)
		if !ok {
			return nil, fmt.Errorf("unknown phase or operation %q (mixed, %s)", p, strings.Join(opNames[:], ", "))
		}
		weights[i][op] = 1
	}
	t, err := newTarget(ctx, o)
	if err != nil {
		return nil, err
	}
	defer t.cleanup()
	res := &Result{Kind: "load", Label: o.label, Started: time.Now().UTC(), Args: os.Args[1:], Machine: describeMachine(),
		Database: t.database, Concurrency: o.concurrency}
	if t.remote {
		res.Database, res.BaseURL = "remote", t.baseURL
	} else {
		res.DatabaseVersion = t.databaseVersion(ctx)
		res.Binary = o.binary
		res.ServerEnv = o.serverEnv
	}
	if res.Label == "" {
		res.Label = res.Database
	}
	if o.scale {
		res.Kind = "scale"
		return res, runScale(ctx, o, t, res)
	}
	return res, runLoad(ctx, o, t, res, phases, weights)
}

func runLoad(ctx context.Context, o *options, t *target, res *Result, phases []string, weights [][numOps]int) error {
	c := newClient(t.baseURL, o.concurrency+8)
	d, err := t.start(ctx)
	if err != nil {
		return err
	}
	if !t.remote {
		res.Setup.StartupMs = ms(d)
		time.Sleep(300 * time.Millisecond)
		res.Setup.IdleRSSMiB, _, _ = procMem(t.pid)
		fmt.Fprintf(os.Stderr, "server %s (%s) ready in %.0f ms, idle RSS %.1f MiB, log %s\n", t.baseURL, t.database,
			res.Setup.StartupMs, res.Setup.IdleRSSMiB, t.logPath)
	}
	runID := randomToken(6)
	begin := time.Now()
	var accts []*account
	for i := range max(1, o.accounts) {
		key, email := t.ownerKey, t.ownerEmail
		if i > 0 {
			if t.remote {
				return errors.New("--accounts > 1 needs a server of the tool's own (accounts are created with the CLI)")
			}
			email = fmt.Sprintf("owner-%s-%d@load.example.com", runID, i)
			if key, err = t.cli(ctx, "accounts", "create", "--name", fmt.Sprintf("Load account %d", i), "--owner-email", email); err != nil {
				return err
			}
		}
		a, err := setupAccount(c, i, key, email, runID, o.users)
		if err != nil {
			return err
		}
		accts = append(accts, a)
	}
	a := accts[0]
	res.Setup.Accounts, res.Setup.Users = len(accts), len(accts)*o.users
	fmt.Fprintf(os.Stderr, "setup: %d account(s), %d users with keys, template %d (%.1f s)\n", len(accts), o.users*len(accts),
		a.TemplateID, time.Since(begin).Seconds())
	pool, known := &wfPool{}, &idList{}
	if o.seedWorkflows > 0 {
		if t.remote {
			return errors.New("--seed-workflows writes to the database directly: it needs a server of the tool's own")
		}
		if _, _, err := t.stop(); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "seeding %d workflows in-process\n", o.seedWorkflows)
		seed, err := bulkSeed(ctx, t, accts, 0, o.seedWorkflows, pool, known, o.seedPath)
		if err != nil {
			return err
		}
		res.Setup.Seed = seed
		fmt.Fprintf(os.Stderr, "seeded %d workflows (%d running, %d delayed, %d done) in %.1f s: %.0f workflows/s, %.0f rows/s\n",
			seed.Workflows, seed.Running, seed.Delayed, seed.Done, seed.Seconds, seed.PerSecond, float64(seed.Rows)/seed.Seconds)
		d, err := t.start(ctx)
		if err != nil {
			return err
		}
		res.Setup.StartupSeededMs = ms(d)
		time.Sleep(300 * time.Millisecond)
		res.Setup.IdleRSSSeededMiB, _, _ = procMem(t.pid)
		fmt.Fprintf(os.Stderr, "server restarted on the seeded database: ready in %.0f ms, idle RSS %.1f MiB\n",
			res.Setup.StartupSeededMs, res.Setup.IdleRSSSeededMiB)
	}
	if o.apiWorkflows > 0 {
		begin := time.Now()
		if err := apiWorkflows(ctx, c, a, o.apiWorkflows, o.concurrency, pool, known); err != nil {
			return fmt.Errorf("workflows over the API: %w", err)
		}
		res.Setup.APIWorkflows = o.apiWorkflows
		res.Setup.APISeconds = time.Since(begin).Seconds()
		fmt.Fprintf(os.Stderr, "created %d workflows over the API in %.1f s\n", o.apiWorkflows, res.Setup.APISeconds)
	}
	if known.len() == 0 {
		return errors.New("no workflow to read: use --api-workflows or --seed-workflows")
	}
	if !t.remote && o.uploadMiB > 0 {
		res.Upload = uploadCheck(ctx, c, a.OwnerKey, t.pid, o.uploadMiB)
		printUpload(os.Stderr, res.Upload)
	}
	if !t.remote {
		res.Setup.RSSBeforeLoadMiB, _, _ = procMem(t.pid)
	}
	if o.http == "raw" {
		if _, err := newRawConn(t.baseURL); err != nil {
			return err
		}
	}
	wl := &workload{c: c, raw: o.http == "raw", acct: a, pool: pool, known: known, listN: 5,
		runURL: fmt.Sprintf("/templates/%d/run", a.TemplateID)}
	profileDir := o.profileDir
	if o.pprof && profileDir == "" {
		profileDir = t.tmpDir
	}
	for i, name := range phases {
		if ctx.Err() != nil {
			break
		}
		ph := runPhase(ctx, wl, phaseOptions{name: name, weights: weights[i], concurrency: o.concurrency, warmup: o.warmup,
			duration: o.duration, pid: t.pid, pprofAddr: t.pprofAddr, profileDir: profileDir, quiet: o.quiet})
		res.Phases = append(res.Phases, ph)
		printPhase(os.Stderr, ph)
	}
	if t.remote {
		return nil
	}
	res.DatabaseBytes = t.databaseSize(ctx)
	d, code, err := t.stop()
	res.ShutdownMs, res.ShutdownExit = ms(d), code
	if err != nil {
		return err
	}
	if o.floor && ctx.Err() == nil {
		floors, err := runFloors(ctx, t, a, o.concurrency, o.floorDuration, max(1, o.floorRuns))
		if err != nil {
			return fmt.Errorf("floor: %w", err)
		}
		res.Floors = floors
		res.Ratios = ratios(res)
	}
	return nil
}

// ratios are the server's rate of runs and completions over the floor's:
// from the phase of that operation alone when there is one, else from the
// mixed phase (where the operations share the machine, so the ratio is a
// lower bound).
func ratios(res *Result) []Ratio {
	var out []Ratio
	for _, op := range []string{"run", "complete"} {
		f := res.Floors[op]
		if f == nil || f.Median == 0 {
			continue
		}
		var best *Phase
		for _, ph := range res.Phases {
			if ph.Name == op {
				best = ph
			}
		}
		if best == nil {
			for _, ph := range res.Phases {
				if ph.Ops[op] != nil && best == nil {
					best = ph
				}
			}
		}
		if best == nil || best.Ops[op] == nil {
			continue
		}
		s := best.Ops[op].PerSecond
		out = append(out, Ratio{Op: op, Phase: best.Name, Server: s, Floor: f.Median, Percent: 100 * s / f.Median})
	}
	return out
}
