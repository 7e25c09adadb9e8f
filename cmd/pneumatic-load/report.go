package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// Result is everything one invocation measured; it is the JSON of --out
// and the input of the report command.
type Result struct {
	Kind            string                  `json:"kind"` // "load" or "scale"
	Label           string                  `json:"label"`
	Started         time.Time               `json:"started"`
	Args            []string                `json:"args"`
	Machine         Machine                 `json:"machine"`
	Database        string                  `json:"database"` // sqlite, postgres or remote
	DatabaseVersion string                  `json:"database_version,omitempty"`
	BaseURL         string                  `json:"base_url,omitempty"`
	Binary          string                  `json:"binary,omitempty"`
	ServerEnv       []string                `json:"server_env,omitempty"`
	Concurrency     int                     `json:"concurrency"`
	Setup           Setup                   `json:"setup"`
	Phases          []*Phase                `json:"phases,omitempty"`
	Floors          map[string]*FloorResult `json:"floors,omitempty"`
	Ratios          []Ratio                 `json:"ratios_to_floor,omitempty"`
	Scale           *ScaleResult            `json:"scale,omitempty"`
	Upload          *UploadResult           `json:"upload,omitempty"`
	DatabaseBytes   int64                   `json:"database_bytes_after_load,omitempty"`
	ShutdownMs      float64                 `json:"shutdown_ms,omitempty"`
	ShutdownExit    int                     `json:"shutdown_exit_code"`
}

// Setup is what happened before the load.
type Setup struct {
	StartupMs        float64     `json:"startup_ms,omitempty"` // spawn → /healthz 200 on the empty database
	IdleRSSMiB       float64     `json:"idle_rss_mib,omitempty"`
	StartupSeededMs  float64     `json:"startup_seeded_ms,omitempty"` // the same after the bulk seeding
	IdleRSSSeededMiB float64     `json:"idle_rss_seeded_mib,omitempty"`
	RSSBeforeLoadMiB float64     `json:"rss_before_load_mib,omitempty"`
	Accounts         int         `json:"accounts"`
	Users            int         `json:"users"`
	APIWorkflows     int         `json:"api_workflows"`
	APISeconds       float64     `json:"api_seconds,omitempty"`
	Seed             *SeedResult `json:"seed,omitempty"`
}

// Ratio is the server's rate over the floor's.
type Ratio struct {
	Op      string  `json:"op"`
	Phase   string  `json:"phase"`
	Server  float64 `json:"server_per_second"`
	Floor   float64 `json:"floor_per_second"`
	Percent float64 `json:"percent"`
}

func printPhase(w io.Writer, ph *Phase) {
	fmt.Fprintf(w, "\nphase %s (%.1f s, concurrency %d, mix %s): %.0f ops/s, %d errors", ph.Name, ph.Seconds, ph.Concurrency,
		ph.Mix, ph.TotalPerSecond, ph.Errors)
	if ph.RSSPeakMiB > 0 {
		fmt.Fprintf(w, ", RSS %.0f → peak %.0f MiB", ph.RSSBeforeMiB, ph.RSSPeakMiB)
	}
	if ph.ServerCPUPct > 0 {
		fmt.Fprintf(w, ", CPU server %.0f%% tool %.0f%%", ph.ServerCPUPct, ph.ToolCPUPct)
		if ph.DatabaseCPUPct > 0 {
			fmt.Fprintf(w, " postgres %.0f%%", ph.DatabaseCPUPct)
		}
		fmt.Fprintf(w, " other processes %.0f%% (of 100%% = all cores)", ph.OtherCPUPct)
	} else if ph.ToolCPUPct > 0 {
		fmt.Fprintf(w, ", CPU tool %.0f%%, machine busy %.0f%% (of 100%% = all cores)", ph.ToolCPUPct, ph.MachineBusyPct)
	}
	fmt.Fprintln(w)
	if ph.PoolDry > 0 {
		fmt.Fprintf(w, "  (the completion pool ran dry %d times: runs were done instead)\n", ph.PoolDry)
	}
	fmt.Fprintf(w, "  %-9s %9s %9s %8s %8s %8s %8s %8s %7s\n", "op", "count", "ops/s", "mean ms", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors")
	for _, name := range opNames {
		s := ph.Ops[name]
		if s == nil {
			continue
		}
		fmt.Fprintf(w, "  %-9s %9d %9.1f %8.2f %8.2f %8.2f %8.2f %8.1f %7d\n", name, s.Count, s.PerSecond, s.MeanMs, s.P50Ms,
			s.P95Ms, s.P99Ms, s.MaxMs, s.Errors)
		for _, e := range s.ErrorSamples {
			fmt.Fprintf(w, "      error: %s\n", e)
		}
	}
	for _, l := range ph.ProfileTop {
		fmt.Fprintf(w, "  | %s\n", l)
	}
}

func printResult(w io.Writer, r *Result) {
	what := r.DatabaseVersion
	if r.BaseURL != "" {
		what = "server at " + r.BaseURL
	}
	fmt.Fprintf(w, "\n=== %s (%s) — %s, %d CPUs, %s, one core %.0f MB/s of SHA-256\n", r.Label, r.Kind, what, r.Machine.CPUs,
		r.Machine.CPUModel, r.Machine.CPUScore)
	s := r.Setup
	if s.StartupMs > 0 {
		fmt.Fprintf(w, "start-up to ready: %.0f ms (empty database), idle RSS %.1f MiB\n", s.StartupMs, s.IdleRSSMiB)
	}
	if s.Seed != nil {
		fmt.Fprintf(w, "seeding: %d workflows in %.1f s = %.0f workflows/s (%.0f rows/s); then start-up to ready %.0f ms, idle RSS %.1f MiB\n",
			s.Seed.Workflows, s.Seed.Seconds, s.Seed.PerSecond, float64(s.Seed.Rows)/s.Seed.Seconds, s.StartupSeededMs, s.IdleRSSSeededMiB)
	}
	if r.Upload != nil {
		printUpload(w, r.Upload)
	}
	if s.RSSBeforeLoadMiB > 0 {
		fmt.Fprintf(w, "RSS before the load: %.1f MiB\n", s.RSSBeforeLoadMiB)
	}
	for _, ph := range r.Phases {
		printPhase(w, ph)
	}
	if len(r.Floors) > 0 {
		fmt.Fprintln(w, "\nfloor (same rows, same database, no HTTP and no engine):")
		for _, op := range []string{"run", "complete"} {
			if f := r.Floors[op]; f != nil {
				fmt.Fprintf(w, "  %-9s median %.0f/s (min %.0f, max %.0f over %d runs of %.0f s), p50 %.2f ms, p99 %.2f ms, errors %d %s\n",
					op, f.Median, f.Min, f.Max, len(f.Runs), f.Seconds, f.P50Ms, f.P99Ms, f.Errors, f.Error)
			}
		}
	}
	for _, ra := range r.Ratios {
		fmt.Fprintf(w, "server/floor %-9s %.0f/s / %.0f/s = %.0f%% (phase %s)\n", ra.Op, ra.Server, ra.Floor, ra.Percent, ra.Phase)
	}
	if r.ShutdownMs > 0 {
		fmt.Fprintf(w, "shutdown (SIGTERM → exit %d): %.0f ms\n", r.ShutdownExit, r.ShutdownMs)
	}
	if sc := r.Scale; sc != nil {
		fmt.Fprintf(w, "\nscale check (%d requests per op, concurrency %d):\n", sc.Requests, sc.Concurrency)
		for _, p := range sc.Points {
			fmt.Fprintf(w, "  %d workflows: start-up %.0f ms, idle RSS %.1f MiB, %.0f MB on disk, inbox of a user %d tasks\n",
				p.Workflows, p.StartupMs, p.IdleRSSMiB, float64(p.DatabaseBytes)/1e6, p.InboxSize)
			for _, name := range opNames {
				if s := p.Ops[name]; s != nil {
					fmt.Fprintf(w, "    %-7s p50 %.2f ms  p99 %.2f ms  errors %d\n", name, s.P50Ms, s.P99Ms, s.Errors)
				}
			}
		}
		for _, name := range opNames {
			if ra := sc.Ratios[name]; ra != nil {
				fmt.Fprintf(w, "  big/small %-7s p50 ×%.2f  p99 ×%.2f\n", name, ra.P50, ra.P99)
			}
		}
	}
}

// reportCommand writes BENCHMARKS.md from the JSON results of one bench run.
func reportCommand(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	out := fs.String("o", "", "output file (default stdout)")
	command := fs.String("command", "scripts/bench.sh", "the command that regenerates the file")
	var notes multiFlag
	fs.Var(&notes, "note", "a line for the notes section (repeatable)")
	_ = fs.Parse(args)
	var results []*Result
	for _, path := range fs.Args() {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		r := &Result{}
		if err := json.Unmarshal(b, r); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		results = append(results, r)
	}
	if len(results) == 0 {
		return fmt.Errorf("no result files given")
	}
	var b strings.Builder
	writeMarkdown(&b, results, *command, notes)
	if *out == "" {
		_, err := os.Stdout.WriteString(b.String())
		return err
	}
	return os.WriteFile(*out, []byte(b.String()), 0o644)
}

func f0(v float64) string { return thousands(fmt.Sprintf("%.0f", v)) }

func thousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

func f2(v float64) string { return fmt.Sprintf("%.2f", v) }

// target is one line of the targets, checked against a result.
type targetCheck struct {
	what, want, got string
	ok              *bool
}

func check(ok bool) *bool { return &ok }

func phaseOp(r *Result, phase, op string) *OpStats {
	for _, ph := range r.Phases {
		if ph.Name == phase {
			return ph.Ops[op]
		}
	}
	return nil
}

func checksFor(r *Result) []targetCheck {
	runsMin, completeMin := 1000.0, 1500.0
	if r.Database == "postgres" {
		runsMin, completeMin = 700, 1000
	}
	var out []targetCheck
	if s := phaseOp(r, "run", "run"); s != nil {
		out = append(out, targetCheck{"runs/s (run alone)", "≥ " + f0(runsMin), f0(s.PerSecond), check(s.PerSecond >= runsMin)})
	}
	if s := phaseOp(r, "complete", "complete"); s != nil {
		out = append(out, targetCheck{"completions/s (complete alone)", "≥ " + f0(completeMin), f0(s.PerSecond), check(s.PerSecond >= completeMin)})
	}
	for _, op := range []string{"inbox", "detail"} {
		if s := phaseOp(r, op, op); s != nil {
			out = append(out, targetCheck{op + " reads/s, p99 (alone)", "≥ 5,000/s, ≤ 20 ms",
				f0(s.PerSecond) + "/s, " + f2(s.P99Ms) + " ms", check(s.PerSecond >= 5000 && s.P99Ms <= 20)})
		}
	}
	var errs int64
	var peak float64
	for _, ph := range r.Phases {
		errs += ph.Errors
		peak = max(peak, ph.RSSPeakMiB)
	}
	if len(r.Phases) > 0 {
		out = append(out, targetCheck{"errors (all phases)", "0", fmt.Sprint(errs), check(errs == 0)})
	}
	if r.Setup.IdleRSSMiB > 0 {
		out = append(out, targetCheck{"idle RSS (after start-up)", "≤ 60 MiB", fmt.Sprintf("%.1f MiB", r.Setup.IdleRSSMiB), check(r.Setup.IdleRSSMiB <= 60)})
	}
	if peak > 0 {
		out = append(out, targetCheck{"peak RSS under load", "≤ 300 MiB", fmt.Sprintf("%.1f MiB", peak), check(peak <= 300)})
	}
	if u := r.Upload; u != nil {
		got := "failed: " + u.Error
		ok := false
		if u.Error == "" {
			got = fmt.Sprintf("+%.1f MiB (%.1f → %.1f)", u.GrowthMiB(), u.RSSBeforeMiB, u.RSSPeakMiB)
			ok = u.GrowthMiB() <= uploadMaxGrowthMiB
		}
		out = append(out, targetCheck{fmt.Sprintf("RSS growth during a %.0f MiB upload", u.MiB),
			fmt.Sprintf("a few MiB (≤ %d)", uploadMaxGrowthMiB), got, check(ok)})
	}
	return out
}

func writeMarkdown(b *strings.Builder, results []*Result, command string, notes []string) {
	first := results[0]
	m := first.Machine
	fmt.Fprintf(b, "# Benchmarks\n\n")
	fmt.Fprintf(b, "Generated by `%s` on %s. Regenerate with that one command; the figures move 5–15%% between runs\n", command,
		first.Started.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(b, "in one sitting (see `/work/shared/reference/floors.md`) and up to 2× between days on a shared virtual machine,\n"+
		"so compare a server with the floor measured in the same run.\n")
	fmt.Fprintf(b, "How the tool works and what each figure means: [docs/load.md](docs/load.md).\n\n")
	fmt.Fprintf(b, "**Machine:** %d CPUs (%s), %s MiB memory, Linux %s, %s, %s.", m.CPUs, m.CPUModel, thousands(fmt.Sprint(m.MemoryMiB)),
		m.Kernel, m.GoVersion, m.OS)
	if m.CPUScore > 0 {
		fmt.Fprintf(b, " One core's speed when the run began: %.0f MB/s of SHA-256 (a shared virtual machine's cores run at\n"+
			"different speeds on different days, and every figure here moves with them, often more than this score does).", m.CPUScore)
	}
	fmt.Fprintf(b, "\n\n")
	var loads []*Result
	var scales []*Result
	for _, r := range results {
		if r.Kind == "scale" {
			scales = append(scales, r)
		} else {
			loads = append(loads, r)
		}
	}
	// The targets of issue #7, side by side.
	if len(loads) > 0 || len(scales) > 0 {
		fmt.Fprintf(b, "## Targets (issue #7)\n\n")
		fmt.Fprintf(b, "| database | target | wanted | measured | met |\n|---|---|---|---:|:---:|\n")
		for _, r := range loads {
			for _, c := range checksFor(r) {
				fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", r.Label, c.what, c.want, c.got, yesNo(c.ok))
			}
			for _, ra := range r.Ratios {
				fmt.Fprintf(b, "| %s | %s vs. floor | (ratio) | %.0f%% of %s/s | |\n", r.Label, ra.Op, ra.Percent, f0(ra.Floor))
			}
		}
		for _, r := range scales {
			sc := r.Scale
			if sc == nil || len(sc.Points) == 0 {
				continue
			}
			big := sc.Points[len(sc.Points)-1]
			for _, name := range []string{"inbox", "detail", "list"} {
				if ra := sc.Ratios[name]; ra != nil {
					fmt.Fprintf(b, "| %s | %s latency, %s vs %s workflows | ≤ 2× | p50 ×%.2f, p99 ×%.2f | %s |\n", r.Label, name,
						thousands(fmt.Sprint(big.Workflows)), thousands(fmt.Sprint(sc.Points[0].Workflows)), ra.P50, ra.P99,
						yesNo(check(ra.P50 <= 2 && ra.P99 <= 2)))
				}
			}
			fmt.Fprintf(b, "| %s | start-up to ready, %s workflows | ≤ 1 s (on 1,000,000) | %s ms | %s |\n", r.Label,
				thousands(fmt.Sprint(big.Workflows)), f0(big.StartupMs), yesNo(check(big.StartupMs <= 1000)))
			if big.Seed != nil {
				fmt.Fprintf(b, "| %s | seeding (engine + bulk SQL, in-process) | a few minutes for 1,000,000 | %s workflows/s | |\n", r.Label,
					f0(seedRate(sc)))
			}
		}
		fmt.Fprintln(b)
	}
	for _, r := range loads {
		writeLoadSection(b, r)
	}
	for _, r := range scales {
		writeScaleSection(b, r)
	}
	fmt.Fprintf(b, "## Notes\n\n")
	for _, n := range notes {
		fmt.Fprintf(b, "- %s\n", n)
	}
	fmt.Fprintf(b, "- Load: %d clients, one keep-alive connection each, closed loop (each sends its next request when the answer has come),\n", first.Concurrency)
	fmt.Fprintf(b, "  the tool and the server on the same 2 cores. Latency is request sent → answer read, in the tool. Runs use the owner's key;\n")
	fmt.Fprintf(b, "  completions (`POST /workflows/{id}/task-complete` with an output value) take the owner's key too, on random running workflows;\n")
	fmt.Fprintf(b, "  inbox reads (`GET /v3/tasks`) are random users' own; detail (`GET /workflows/{id}`) of random workflows of the account;\n")
	fmt.Fprintf(b, "  list (`GET /workflows?limit=20&offset=0..80`) as the owner (an admin: the whole account).\n")
	fmt.Fprintf(b, "- Phases run one after the other on the same server and database, which grows as they go (`workflows` column).\n")
	fmt.Fprintf(b, "- The server runs with its defaults (SQLite `synchronous=FULL`, request logs at info) but with the per-key rate limit\n")
	fmt.Fprintf(b, "  off (`PNEUMATIC_RATE_LIMIT=0`); with `--pprof` a CPU profile is recorded during each phase (a few %% of overhead).\n")
	fmt.Fprintf(b, "- Floor: the rows of a run (19: workflow, 5 tasks, 10 fields, 1 performer, 2 events) and of a completion (2 reads, 5–7 writes)\n")
	fmt.Fprintf(b, "  written with prepared SQL by %d in-process workers on the same database after the load, the server stopped; SQLite with\n", first.Concurrency)
	fmt.Fprintf(b, "  group commit (≤ 64 per transaction) and the server's pragmas, PostgreSQL one transaction per operation.\n")
	fmt.Fprintf(b, "- RSS: VmRSS of the server process from `/proc`; the peak is VmHWM (reset before each phase) or the highest 250 ms sample.\n")
	fmt.Fprintf(b, "- CPU: shares of the whole machine (all cores = 100%%) from `/proc/stat` and the processes' `stat`: the server, the tool,\n")
	fmt.Fprintf(b, "  *db* the PostgreSQL backends of the test database (and the WAL writer, checkpointer, background writer), *other* what\n")
	fmt.Fprintf(b, "  other processes used meanwhile (the machine is shared: anything above a few %% there lowers the figures).\n")
}

func seedRate(sc *ScaleResult) float64 {
	var n int
	var secs float64
	for _, p := range sc.Points {
		if p.Seed != nil {
			n += p.Seed.Workflows
			secs += p.Seed.Seconds
		}
	}
	if secs == 0 {
		return 0
	}
	return float64(n) / secs
}

func yesNo(ok *bool) string {
	if ok == nil {
		return ""
	}
	if *ok {
		return "yes"
	}
	return "**no**"
}

func writeLoadSection(b *strings.Builder, r *Result) {
	fmt.Fprintf(b, "## %s: %s\n\n", r.Label, r.DatabaseVersion)
	if len(r.ServerEnv) > 0 {
		fmt.Fprintf(b, "Server settings: `%s`.\n\n", strings.Join(r.ServerEnv, " "))
	}
	s := r.Setup
	fmt.Fprintf(b, "Command: `pneumatic-load %s`\n\n", strings.Join(r.Args, " "))
	fmt.Fprintf(b, "Setup: %d account(s), %d users with keys", s.Accounts, s.Users)
	if s.Seed != nil {
		fmt.Fprintf(b, ", %s workflows seeded in-process in %.1f s (%s workflows/s, %s rows/s; %s running, %s delayed, %s done)",
			thousands(fmt.Sprint(s.Seed.Workflows)), s.Seed.Seconds, f0(s.Seed.PerSecond), f0(float64(s.Seed.Rows)/s.Seed.Seconds),
			thousands(fmt.Sprint(s.Seed.Running)), thousands(fmt.Sprint(s.Seed.Delayed)), thousands(fmt.Sprint(s.Seed.Done)))
	}
	if s.APIWorkflows > 0 {
		fmt.Fprintf(b, ", %d more over the API", s.APIWorkflows)
	}
	fmt.Fprintf(b, ". Start-up to ready: %.0f ms on the empty database", s.StartupMs)
	if s.StartupSeededMs > 0 {
		fmt.Fprintf(b, ", %.0f ms on the seeded one", s.StartupSeededMs)
	}
	fmt.Fprintf(b, ". Idle RSS %.1f MiB after start-up", s.IdleRSSMiB)
	if s.IdleRSSSeededMiB > 0 {
		fmt.Fprintf(b, " (%.1f MiB on the seeded database)", s.IdleRSSSeededMiB)
	}
	fmt.Fprintf(b, ", %.1f MiB before the load.", s.RSSBeforeLoadMiB)
	if u := r.Upload; u != nil && u.Error == "" {
		fmt.Fprintf(b, " Before the load, a %.0f MiB upload (`PUT` to its upload URL) took %.2f s; the server's RSS was %.1f MiB before it,"+
			" %.1f MiB at its peak (%s) and %.1f MiB after.", u.MiB, u.Seconds, u.RSSBeforeMiB, u.RSSPeakMiB,
			map[string]string{"hwm": "VmHWM", "samples": "sampled every 2 ms"}[u.PeakFrom], u.RSSAfterMiB)
	}
	if r.ShutdownMs > 0 {
		fmt.Fprintf(b, " Shutdown after the load: %.0f ms, exit code %d.", r.ShutdownMs, r.ShutdownExit)
	}
	if r.DatabaseBytes > 0 {
		fmt.Fprintf(b, " Database after the load: %s MB.", f0(float64(r.DatabaseBytes)/1e6))
	}
	fmt.Fprintf(b, "\n\n")
	fmt.Fprintf(b, "| phase | op | ops/s | p50 ms | p95 ms | p99 ms | max ms | errors | RSS peak MiB | CPU server / tool / db / other | workflows |\n")
	fmt.Fprintf(b, "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|\n")
	for _, ph := range r.Phases {
		firstRow := true
		for _, name := range opNames {
			st := ph.Ops[name]
			if st == nil {
				continue
			}
			cols := []string{"", "", ""}
			if firstRow {
				db := "–"
				if ph.DatabaseCPUPct > 0 {
					db = fmt.Sprintf("%.0f%%", ph.DatabaseCPUPct)
				}
				cols = []string{fmt.Sprintf("%.0f", ph.RSSPeakMiB), fmt.Sprintf("%.0f%% / %.0f%% / %s / %.0f%%", ph.ServerCPUPct, ph.ToolCPUPct,
					db, ph.OtherCPUPct), thousands(fmt.Sprint(ph.WorkflowsBefore))}
			}
			pname := ""
			if firstRow {
				pname = ph.Name
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %d | %s | %s | %s |\n", pname, name, f0(st.PerSecond), f2(st.P50Ms),
				f2(st.P95Ms), f2(st.P99Ms), fmt.Sprintf("%.1f", st.MaxMs), st.Errors, cols[0], cols[1], cols[2])
			firstRow = false
		}
		if len(ph.Ops) > 1 {
			fmt.Fprintf(b, "| | *all* | %s | | | | | %d | | | |\n", f0(ph.TotalPerSecond), ph.Errors)
		}
	}
	fmt.Fprintln(b)
	var samples []string
	for _, ph := range r.Phases {
		for _, name := range opNames {
			if st := ph.Ops[name]; st != nil {
				for _, e := range st.ErrorSamples {
					samples = append(samples, fmt.Sprintf("%s/%s: %s", ph.Name, name, e))
				}
			}
		}
		if ph.PoolDry > 0 {
			samples = append(samples, fmt.Sprintf("%s: the completion pool ran dry %d times (runs were done instead)", ph.Name, ph.PoolDry))
		}
	}
	if len(samples) > 0 {
		fmt.Fprintf(b, "Error samples and remarks:\n\n")
		for _, s := range samples {
			fmt.Fprintf(b, "- `%s`\n", strings.ReplaceAll(s, "`", "'"))
		}
		fmt.Fprintln(b)
	}
	if len(r.Floors) > 0 {
		fmt.Fprintf(b, "Floor on the same database (%d runs of %.0f s each; min / **median** / max):\n\n", len(r.Floors["run"].Runs),
			r.Floors["run"].Seconds)
		fmt.Fprintf(b, "| floor | min/s | median/s | max/s | p50 ms | p99 ms | server/s | server ÷ floor |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
		ops := make([]string, 0, len(r.Floors))
		for op := range r.Floors {
			ops = append(ops, op)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(ops))) // run, complete
		for _, op := range ops {
			f := r.Floors[op]
			server, ratio := "", ""
			for _, ra := range r.Ratios {
				if ra.Op == op {
					server, ratio = f0(ra.Server)+" ("+ra.Phase+")", fmt.Sprintf("**%.0f%%**", ra.Percent)
				}
			}
			fmt.Fprintf(b, "| %s | %s | **%s** | %s | %s | %s | %s | %s |\n", op, f0(f.Min), f0(f.Median), f0(f.Max), f2(f.P50Ms),
				f2(f.P99Ms), server, ratio)
		}
		fmt.Fprintln(b)
	}
	for _, ph := range r.Phases {
		if len(ph.ProfileTop) > 0 {
			fmt.Fprintf(b, "<details><summary>CPU profile of the server, phase %s</summary>\n\n```\n%s\n```\n</details>\n\n",
				ph.Name, strings.Join(ph.ProfileTop, "\n"))
		}
	}
}

func writeScaleSection(b *strings.Builder, r *Result) {
	sc := r.Scale
	if sc == nil {
		return
	}
	fmt.Fprintf(b, "## Scale check (%s): %s\n\n", r.Label, r.DatabaseVersion)
	fmt.Fprintf(b, "Command: `pneumatic-load %s`\n\n", strings.Join(r.Args, " "))
	if sc.Note != "" {
		fmt.Fprintf(b, "%s\n\n", sc.Note)
	}
	fmt.Fprintf(b, "%d users; workflows seeded in-process (half running at tasks 1–5, a quarter delayed, a quarter done), the server\n", r.Setup.Users)
	fmt.Fprintf(b, "restarted on each size; %d measured requests per operation (after %d unmeasured), %d client(s).\n\n", sc.Requests,
		max(sc.Requests/10, sc.Concurrency), sc.Concurrency)
	fmt.Fprintf(b, "| workflows | seeding | start-up to ready | idle RSS | on disk | a user's inbox | inbox p50 / p99 ms | detail p50 / p99 ms | list p50 / p99 ms |\n")
	fmt.Fprintf(b, "|---:|---|---:|---:|---:|---:|---|---|---|\n")
	for _, p := range sc.Points {
		seed := ""
		if p.Seed != nil {
			seed = fmt.Sprintf("+%s in %.0f s (%s/s)", thousands(fmt.Sprint(p.Seed.Workflows)), p.Seed.Seconds, f0(p.Seed.PerSecond))
		}
		cell := func(op string) string {
			if s := p.Ops[op]; s != nil {
				e := ""
				if s.Errors > 0 {
					e = fmt.Sprintf(" (%d errors)", s.Errors)
				}
				if s.Count < int64(sc.Requests) {
					e += fmt.Sprintf(" (%d requests in the time limit)", s.Count)
				}
				return f2(s.P50Ms) + " / " + f2(s.P99Ms) + e
			}
			return ""
		}
		fmt.Fprintf(b, "| %s | %s | %s ms | %.1f MiB | %s MB | %s tasks | %s | %s | %s |\n", thousands(fmt.Sprint(p.Workflows)), seed,
			f0(p.StartupMs), p.IdleRSSMiB, f0(float64(p.DatabaseBytes)/1e6), thousands(fmt.Sprint(p.InboxSize)), cell("inbox"),
			cell("detail"), cell("list"))
	}
	if len(sc.Ratios) > 0 {
		fmt.Fprintf(b, "| **big ÷ small** | | | | | | %s | %s | %s |\n", ratioCell(sc.Ratios["inbox"]), ratioCell(sc.Ratios["detail"]),
			ratioCell(sc.Ratios["list"]))
	}
	fmt.Fprintln(b)
}

func ratioCell(r *ScaleRatio) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("×%.2f / ×%.2f", r.P50, r.P99)
}
