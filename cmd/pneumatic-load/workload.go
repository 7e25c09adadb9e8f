package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The operations of the workload.
const (
	opRun = iota
	opComplete
	opInbox
	opDetail
	opList
	numOps
)

var opNames = [numOps]string{"run", "complete", "inbox", "detail", "list"}

func opIndex(name string) (int, bool) {
	for i, n := range opNames {
		if n == name {
			return i, true
		}
	}
	return 0, false
}

// defaultMix is the mixed workload: writes and reads of a team at work.
// Runs feed the completion pool 5 completions each, so 20/30 keeps it full.
const defaultMix = "run=20,complete=30,inbox=20,detail=20,list=10"

func parseMix(s string) ([numOps]int, error) {
	var w [numOps]int
	total := 0
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		i, known := opIndex(strings.TrimSpace(k))
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if !ok || !known || err != nil || n < 0 {
			return w, fmt.Errorf("--mix: %q is not op=weight with op one of %s", part, strings.Join(opNames[:], ", "))
		}
		w[i] = n
		total += n
	}
	if total == 0 {
		return w, errors.New("--mix: all weights are zero")
	}
	return w, nil
}

func mixString(w [numOps]int) string {
	var parts []string
	for i, n := range w {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", opNames[i], n))
		}
	}
	return strings.Join(parts, ",")
}

// poolWF is a running workflow whose current task the tool may complete:
// tasks holds the ids of tasks 1..5 (from the run's answer or the seeding),
// next the index of the current one.
type poolWF struct {
	id    int64
	tasks [tasksPerWorkflow]int64
	next  uint8
	auth  []string // the owner of its account: every completion is allowed
}

// wfPool holds the workflows waiting for a completion. A workflow is taken
// out while a completion is in flight, so that no two workers complete the
// same task (which would be a legitimate 400, not a server error).
type wfPool struct {
	mu    sync.Mutex
	items []*poolWF
}

func (p *wfPool) put(w *poolWF) {
	p.mu.Lock()
	p.items = append(p.items, w)
	p.mu.Unlock()
}

// take removes a random workflow (random, so that old and new workflows,
// hence cold and warm pages, are completed alike).
func (p *wfPool) take(r *rand.Rand) *poolWF {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.items)
	if n == 0 {
		return nil
	}
	i := r.IntN(n)
	w := p.items[i]
	p.items[i] = p.items[n-1]
	p.items[n-1] = nil
	p.items = p.items[:n-1]
	return w
}

func (p *wfPool) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.items)
}

// idList is every workflow id of the load account, for detail reads.
type idList struct {
	mu  sync.RWMutex
	ids []int64
}

func (l *idList) add(ids ...int64) {
	l.mu.Lock()
	l.ids = append(l.ids, ids...)
	l.mu.Unlock()
}

func (l *idList) pick(r *rand.Rand) int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if len(l.ids) == 0 {
		return 0
	}
	return l.ids[r.IntN(len(l.ids))]
}

func (l *idList) len() int {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.ids)
}

// parseRun takes the workflow id and the task ids out of a run's answer.
// The answer is a 4 KB document of which the tool needs 6 numbers, so it
// scans for them rather than decoding it (the tool shares the 2 cores with
// the server); when the shape is not the expected one it decodes.
func parseRun(b []byte) (*poolWF, error) {
	if w, ok := scanRun(b); ok {
		return w, nil
	}
	var doc struct {
		ID    int64 `json:"id"`
		Tasks []struct {
			ID     int64 `json:"id"`
			Number int   `json:"number"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("run answer: %w: %s", err, clip(b, 200))
	}
	w := &poolWF{id: doc.ID}
	for _, t := range doc.Tasks {
		if t.Number < 1 || t.Number > tasksPerWorkflow {
			return nil, fmt.Errorf("run answer: unexpected task number %d", t.Number)
		}
		w.tasks[t.Number-1] = t.ID
	}
	if w.id == 0 || slices.Contains(w.tasks[:], 0) {
		return nil, fmt.Errorf("run answer without workflow or task ids: %s", clip(b, 200))
	}
	return w, nil
}

var (
	keyID    = []byte(`{"id":`)
	keyTasks = []byte(`"tasks":[`)
)

func scanRun(b []byte) (*poolWF, bool) {
	if !bytes.HasPrefix(b, keyID) {
		return nil, false
	}
	id, ok := leadingInt(b[len(keyID):])
	if !ok {
		return nil, false
	}
	i := bytes.LastIndex(b, keyTasks)
	if i < 0 {
		return nil, false
	}
	rest := b[i+len(keyTasks):]
	w := &poolWF{id: id}
	for k := range tasksPerWorkflow {
		j := bytes.Index(rest, keyID)
		if j < 0 {
			return nil, false
		}
		rest = rest[j+len(keyID):]
		tid, ok := leadingInt(rest)
		if !ok || (k > 0 && tid <= w.tasks[k-1]) {
			return nil, false
		}
		w.tasks[k] = tid
	}
	if bytes.Contains(rest, keyID) { // more tasks than the template has
		return nil, false
	}
	return w, true
}

func leadingInt(b []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	return n, i > 0 && n > 0
}

// OpStats is the result of one operation in one phase.
type OpStats struct {
	Count        int64    `json:"count"`
	Errors       int64    `json:"errors"`
	PerSecond    float64  `json:"per_second"`
	MeanMs       float64  `json:"mean_ms"`
	P50Ms        float64  `json:"p50_ms"`
	P95Ms        float64  `json:"p95_ms"`
	P99Ms        float64  `json:"p99_ms"`
	MaxMs        float64  `json:"max_ms"`
	ErrorSamples []string `json:"error_samples,omitempty"`
}

// Phase is one timed stretch of load.
type Phase struct {
	Name            string              `json:"name"`
	Mix             string              `json:"mix"`
	Concurrency     int                 `json:"concurrency"`
	Seconds         float64             `json:"seconds"`
	Ops             map[string]*OpStats `json:"ops"`
	TotalPerSecond  float64             `json:"total_per_second"`
	Errors          int64               `json:"errors"`
	RSSBeforeMiB    float64             `json:"rss_before_mib,omitempty"`
	RSSPeakMiB      float64             `json:"rss_peak_mib,omitempty"`
	RSSAfterMiB     float64             `json:"rss_after_mib,omitempty"`
	PoolDry         int64               `json:"completion_pool_dry,omitempty"`
	PoolLeft        int                 `json:"completion_pool_left"`
	ServerCPUPct    float64             `json:"server_cpu_percent,omitempty"`
	ToolCPUPct      float64             `json:"tool_cpu_percent,omitempty"`
	MachineBusyPct  float64             `json:"machine_busy_percent,omitempty"`
	DatabaseCPUPct  float64             `json:"database_cpu_percent,omitempty"` // PostgreSQL's processes
	OtherCPUPct     float64             `json:"other_processes_cpu_percent"`    // busy − server − tool − database: interference`
	Profile         string              `json:"profile,omitempty"`
	ProfileTop      []string            `json:"profile_top,omitempty"`
	WorkflowsBefore int                 `json:"workflows_known_before"`
}

// workload is what the workers share.
type workload struct {
	c      *client
	raw    bool // each worker speaks HTTP on a rawConn of its own (--http raw)
	acct   *account
	pool   *wfPool
	known  *idList
	listN  int // pages of the list op: offsets 0, 20, … (listN-1)*20
	runURL string
}

// worker state: latencies in microseconds per op (kept whole: 60 s at
// 10,000 ops/s is 2.4 MB) and error counts.
type workerStats struct {
	lat  [numOps][]uint32
	errs [numOps]int64
}

type phaseRun struct {
	wl        *workload
	weights   [numOps]int
	total     int
	recording atomic.Bool
	stop      atomic.Bool
	counts    [numOps]atomic.Int64 // for the progress line, warm-up included
	errCounts [numOps]atomic.Int64
	dry       atomic.Int64

	sampleMu sync.Mutex
	samples  [numOps][]string
}

func (pr *phaseRun) pick(r *rand.Rand) int {
	x := r.IntN(pr.total)
	for i, w := range pr.weights {
		if x < w {
			return i
		}
		x -= w
	}
	return numOps - 1
}

func (pr *phaseRun) sample(op int, msg string) {
	pr.sampleMu.Lock()
	if len(pr.samples[op]) < 5 {
		pr.samples[op] = append(pr.samples[op], msg)
	}
	pr.sampleMu.Unlock()
}

func (pr *phaseRun) worker(seed uint64, ws *workerStats, wg *sync.WaitGroup) {
	defer wg.Done()
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	wl := pr.wl
	a := wl.acct
	var hc doer = wl.c
	if wl.raw {
		rc, err := newRawConn(wl.c.base)
		if err != nil {
			panic(err) // checked when the options were read
		}
		defer rc.close()
		hc = rc
	}
	var buf bytes.Buffer
	var path []byte
	for !pr.stop.Load() {
		op := pr.pick(r)
		var w *poolWF
		if op == opComplete {
			if w = wl.pool.take(r); w == nil {
				// No workflow to complete: run one instead, which refills the pool.
				pr.dry.Add(1)
				op = opRun
			}
		}
		var (
			st   int
			err  error
			want = http.StatusOK
			keep *bytes.Buffer
		)
		begin := time.Now()
		switch op {
		case opRun:
			keep = &buf
			st, err = hc.do("POST", wl.runURL, a.ownerAuth, a.runBodies[r.IntN(len(a.runBodies))], keep)
		case opComplete:
			want = http.StatusNoContent
			keep = &buf
			path = append(path[:0], "/workflows/"...)
			path = strconv.AppendInt(path, w.id, 10)
			path = append(path, "/task-complete"...)
			st, err = hc.do("POST", string(path), w.auth, completeBody(w.tasks[w.next], int(w.next)), keep)
		case opInbox:
			auth := a.ownerAuth
			if len(a.Users) > 0 {
				auth = a.Users[r.IntN(len(a.Users))].auth
			}
			st, err = hc.do("GET", "/v3/tasks", auth, nil, nil)
		case opDetail:
			path = append(path[:0], "/workflows/"...)
			path = strconv.AppendInt(path, wl.known.pick(r), 10)
			st, err = hc.do("GET", string(path), a.ownerAuth, nil, nil)
		case opList:
			path = append(path[:0], "/workflows?limit=20&offset="...)
			path = strconv.AppendInt(path, int64(20*r.IntN(wl.listN)), 10)
			st, err = hc.do("GET", string(path), a.ownerAuth, nil, nil)
		}
		d := time.Since(begin)
		ok := err == nil && st == want
		if ok {
			switch op {
			case opRun:
				nw, perr := parseRun(buf.Bytes())
				if perr != nil {
					ok, err = false, perr
					break
				}
				nw.auth = a.ownerAuth
				wl.pool.put(nw)
				wl.known.add(nw.id)
			case opComplete:
				if w.next++; int(w.next) < tasksPerWorkflow {
					wl.pool.put(w)
				}
			}
		}
		// A failed completion drops its workflow: its state is unknown.
		pr.counts[op].Add(1)
		if !ok {
			pr.errCounts[op].Add(1)
			msg := ""
			if err != nil {
				msg = err.Error()
			} else {
				msg = fmt.Sprintf("status %d", st)
				if keep != nil {
					msg += ": " + clip(keep.Bytes(), 300)
				}
			}
			pr.sample(op, msg)
		}
		if pr.recording.Load() {
			us := d.Microseconds()
			if us > 1<<32-1 {
				us = 1<<32 - 1
			}
			ws.lat[op] = append(ws.lat[op], uint32(us))
			if !ok {
				ws.errs[op]++
			}
		}
	}
}

type phaseOptions struct {
	name        string
	weights     [numOps]int
	concurrency int
	warmup      time.Duration
	duration    time.Duration
	pid         int    // server process, for RSS and CPU; 0 when remote
	pprofAddr   string // server's pprof listener; "" for none
	profileDir  string
	quiet       bool
}

// runPhase drives the workload for warm-up + duration and measures it.
func runPhase(ctx context.Context, wl *workload, o phaseOptions) *Phase {
	pr := &phaseRun{wl: wl, weights: o.weights}
	for _, w := range o.weights {
		pr.total += w
	}
	ph := &Phase{Name: o.name, Mix: mixString(o.weights), Concurrency: o.concurrency, Ops: map[string]*OpStats{},
		WorkflowsBefore: wl.known.len()}
	if o.pid > 0 {
		ph.RSSBeforeMiB, _, _ = procMem(o.pid)
	}
	stats := make([]*workerStats, o.concurrency)
	var wg sync.WaitGroup
	for i := range stats {
		stats[i] = &workerStats{}
		wg.Add(1)
		go pr.worker(rand.Uint64(), stats[i], &wg)
	}
	fmt.Fprintf(os.Stderr, "phase %s: mix %s, concurrency %d, %s (+%s warm-up), pool %d, workflows %d\n",
		o.name, ph.Mix, o.concurrency, o.duration, o.warmup, wl.pool.len(), ph.WorkflowsBefore)

	sleepCtx(ctx, o.warmup)
	if o.pid > 0 {
		resetPeak(o.pid)
	}
	cpu0 := readCPU(o.pid)
	var profileDone chan struct{}
	if o.pprofAddr != "" && o.profileDir != "" && o.duration >= 3*time.Second {
		profileDone = make(chan struct{})
		ph.Profile = filepath.Join(o.profileDir, o.name+".pprof")
		go func() {
			defer close(profileDone)
			if err := fetchProfile(o.pprofAddr, ph.Profile, o.duration-time.Second); err != nil {
				fmt.Fprintln(os.Stderr, "profile:", err)
				ph.Profile = ""
			}
		}()
	}
	pr.recording.Store(true)
	begin := time.Now()
	var peakRSS float64
	tick := time.NewTicker(250 * time.Millisecond)
	var last [numOps]int64
	lastPrint := begin
	lastCPU := cpu0
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
		if o.pid > 0 {
			if rss, _, ok := procMem(o.pid); ok && rss > peakRSS {
				peakRSS = rss
			}
		}
		now := time.Now()
		if !o.quiet && now.Sub(lastPrint) >= time.Second-50*time.Millisecond {
			cpu := readCPU(o.pid)
			progressLine(pr, &last, now.Sub(lastPrint), now.Sub(begin), o.pid, wl.pool.len(), cpu, lastCPU)
			lastPrint, lastCPU = now, cpu
		}
		if ctx.Err() != nil || now.Sub(begin) >= o.duration {
			break
		}
	}
	tick.Stop()
	pr.recording.Store(false)
	pr.stop.Store(true)
	elapsed := time.Since(begin)
	cpu1 := readCPU(o.pid)
	wg.Wait()
	if profileDone != nil {
		<-profileDone
	}
	ph.Seconds = elapsed.Seconds()
	if o.pid > 0 {
		_, hwm, _ := procMem(o.pid)
		ph.RSSPeakMiB = max(peakRSS, hwm)
		ph.RSSAfterMiB, _, _ = procMem(o.pid)
	}
	ph.ServerCPUPct, ph.ToolCPUPct, ph.MachineBusyPct = cpu1.percents(cpu0)
	ph.DatabaseCPUPct = cpu1.dbPercent(cpu0)
	if o.pid > 0 {
		ph.OtherCPUPct = max(0, ph.MachineBusyPct-ph.ServerCPUPct-ph.ToolCPUPct-ph.DatabaseCPUPct)
	}
	ph.PoolDry = pr.dry.Load()
	ph.PoolLeft = wl.pool.len()
	var total int64
	for op := range numOps {
		var lat []uint32
		var errs int64
		for _, ws := range stats {
			lat = append(lat, ws.lat[op]...)
			errs += ws.errs[op]
		}
		if len(lat) == 0 {
			continue
		}
		s := summarize(lat, elapsed)
		s.Errors = errs
		s.ErrorSamples = pr.samples[op]
		ph.Ops[opNames[op]] = s
		total += s.Count
		ph.Errors += errs
	}
	ph.TotalPerSecond = float64(total) / elapsed.Seconds()
	if ph.Profile != "" {
		ph.ProfileTop = profileTop(ph.Profile, 30)
	}
	return ph
}

func summarize(lat []uint32, elapsed time.Duration) *OpStats {
	slices.Sort(lat)
	var sum float64
	for _, v := range lat {
		sum += float64(v)
	}
	q := func(p float64) float64 {
		i := int(p*float64(len(lat))+0.5) - 1
		i = max(0, min(i, len(lat)-1))
		return float64(lat[i]) / 1000
	}
	return &OpStats{Count: int64(len(lat)), PerSecond: float64(len(lat)) / elapsed.Seconds(), MeanMs: sum / float64(len(lat)) / 1000,
		P50Ms: q(0.50), P95Ms: q(0.95), P99Ms: q(0.99), MaxMs: float64(lat[len(lat)-1]) / 1000}
}

func progressLine(pr *phaseRun, last *[numOps]int64, since, elapsed time.Duration, pid, pool int, cpu, lastCPU cpuSample) {
	var b strings.Builder
	fmt.Fprintf(&b, "  %5.1fs", elapsed.Seconds())
	var errs int64
	for op := range numOps {
		n := pr.counts[op].Load()
		if pr.weights[op] > 0 || n != last[op] {
			fmt.Fprintf(&b, "  %s %6.0f/s", opNames[op], float64(n-last[op])/since.Seconds())
		}
		last[op] = n
		errs += pr.errCounts[op].Load()
	}
	fmt.Fprintf(&b, "  errors %d  pool %d", errs, pool)
	if pid > 0 {
		if rss, _, ok := procMem(pid); ok {
			fmt.Fprintf(&b, "  rss %.0f MiB", rss)
		}
		srv, tool, busy := cpu.percents(lastCPU)
		db := cpu.dbPercent(lastCPU)
		fmt.Fprintf(&b, "  cpu server %.0f%% tool %.0f%%", srv, tool)
		if dbProcs != "" {
			fmt.Fprintf(&b, " postgres %.0f%%", db)
		}
		fmt.Fprintf(&b, " other %.0f%%", max(0, busy-srv-tool-db))
	}
	fmt.Fprintln(os.Stderr, b.String())
}

func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
