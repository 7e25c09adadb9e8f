package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ScaleResult compares read latencies on a small and a big database: with
// index-backed O(page) queries they should barely move.
type ScaleResult struct {
	Requests    int                    `json:"requests_per_op"`
	Concurrency int                    `json:"concurrency"`
	Points      []*ScalePoint          `json:"points"`
	Ratios      map[string]*ScaleRatio `json:"ratios_big_over_small,omitempty"`
	Note        string                 `json:"note,omitempty"`
}

// ScalePoint is one database size.
type ScalePoint struct {
	Workflows     int                 `json:"workflows"`
	Seed          *SeedResult         `json:"seed"`
	StartupMs     float64             `json:"startup_ms"`
	IdleRSSMiB    float64             `json:"idle_rss_mib"`
	DatabaseBytes int64               `json:"database_bytes"`
	Ops           map[string]*OpStats `json:"ops"`
	InboxSize     int                 `json:"inbox_count_sample"`
}

// ScaleRatio is big/small of one op's latencies.
type ScaleRatio struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// scaleMeasure times the reads of a scale point: requests each of inbox
// (a random user's), detail (a random workflow of the account, so mostly
// cold pages on a big database) and list (one of the first 5 pages), after
// a tenth as many unmeasured ones.
// Each op stops early after maxTime (a slow list on a big database would
// otherwise take a quarter of an hour); the count says how many were timed.
func scaleMeasure(ctx context.Context, c *client, a *account, known *idList, requests, conc int, maxTime time.Duration) map[string]*OpStats {
	out := map[string]*OpStats{}
	for _, op := range []int{opInbox, opDetail, opList} {
		warm := max(requests/10, conc)
		measure := func(n int, limit time.Duration) ([]uint32, int64, []string, time.Duration) {
			ctx, cancel := context.WithTimeout(ctx, limit)
			defer cancel()
			var next atomic.Int64
			var errs atomic.Int64
			var mu sync.Mutex
			var samples []string
			lats := make([][]uint32, conc)
			var wg sync.WaitGroup
			begin := time.Now()
			for w := range conc {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := rand.New(rand.NewPCG(rand.Uint64(), uint64(w)))
					var path []byte
					for ctx.Err() == nil && int(next.Add(1)) <= n {
						auth := a.ownerAuth
						switch op {
						case opInbox:
							if len(a.Users) > 0 {
								auth = a.Users[r.IntN(len(a.Users))].auth
							}
							path = append(path[:0], "/v3/tasks"...)
						case opDetail:
							path = strconv.AppendInt(append(path[:0], "/workflows/"...), known.pick(r), 10)
						case opList:
							path = strconv.AppendInt(append(path[:0], "/workflows?limit=20&offset="...), int64(20*r.IntN(5)), 10)
						}
						t0 := time.Now()
						st, err := c.do("GET", string(path), auth, nil, nil)
						lats[w] = append(lats[w], uint32(min(time.Since(t0).Microseconds(), 1<<32-1)))
						if err != nil || st != 200 {
							errs.Add(1)
							mu.Lock()
							if len(samples) < 5 {
								samples = append(samples, fmt.Sprintf("%s: status %d %v", path, st, err))
							}
							mu.Unlock()
						}
					}
				}()
			}
			wg.Wait()
			var all []uint32
			for _, l := range lats {
				all = append(all, l...)
			}
			return all, errs.Load(), samples, time.Since(begin)
		}
		measure(warm, maxTime/10)
		lat, errs, samples, elapsed := measure(requests, maxTime)
		if len(lat) == 0 {
			continue
		}
		s := summarize(lat, elapsed)
		s.Errors, s.ErrorSamples = errs, samples
		out[opNames[op]] = s
		fmt.Fprintf(os.Stderr, "  %-6s %6d requests: p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms  errors %d\n",
			opNames[op], s.Count, s.P50Ms, s.P95Ms, s.P99Ms, s.MaxMs, errs)
	}
	return out
}

// inboxCount is the size of one user's inbox, for the report (how much a
// COUNT(*) of the envelope has to count).
func inboxCount(c *client, a *account) int {
	auth := a.ownerAuth
	if len(a.Users) > 0 {
		auth = a.Users[0].auth
	}
	var buf bytes.Buffer
	if st, err := c.do("GET", "/v3/tasks?limit=1", auth, nil, &buf); err != nil || st != 200 {
		return -1
	}
	b := buf.Bytes()
	if i := bytes.Index(b, []byte(`"count":`)); i >= 0 {
		n, _ := leadingInt(b[i+8:])
		return int(n)
	}
	return -1
}

// runScale seeds the small database, measures, grows it to the big size,
// and measures again (with the server restarted each time, which also
// gives the start-up time on each).
func runScale(ctx context.Context, o *options, t *target, res *Result) error {
	if t.remote {
		return fmt.Errorf("--scale needs a database of its own (no --base-url)")
	}
	c := newClient(t.baseURL, o.scaleConcurrency+4)
	d, err := t.start(ctx)
	if err != nil {
		return err
	}
	res.Setup.StartupMs = ms(d)
	time.Sleep(300 * time.Millisecond)
	res.Setup.IdleRSSMiB, _, _ = procMem(t.pid)
	runID := randomToken(6)
	a, err := setupAccount(c, 0, t.ownerKey, t.ownerEmail, runID, o.users)
	if err != nil {
		return err
	}
	res.Setup.Accounts, res.Setup.Users = 1, len(a.Users)
	sr := &ScaleResult{Requests: o.scaleRequests, Concurrency: o.scaleConcurrency}
	res.Scale = sr
	known := &idList{}
	sizes := []int{o.scaleSmall}
	if o.scaleBig > o.scaleSmall {
		sizes = append(sizes, o.scaleBig)
	}
	have := 0
	for i := 0; i < len(sizes); i++ {
		size := sizes[i]
		if ctx.Err() != nil {
			break
		}
		if _, _, err := t.stop(); err != nil {
			return err
		}
		// With a budget, the big size is seeded in two legs: up to the
		// fallback size, and the rest only if, at the rate of the first leg,
		// it fits the budget (a growing file seeds slower than a small one,
		// so the small size's rate would be a poor guess).
		var seed *SeedResult
		var err error
		if i > 0 && o.scaleBudget > 0 && o.scaleFallback > have && o.scaleFallback < size {
			fmt.Fprintf(os.Stderr, "scale: seeding %d workflows (up to %d)\n", o.scaleFallback-have, o.scaleFallback)
			if seed, err = bulkSeed(ctx, t, []*account{a}, have, o.scaleFallback-have, nil, known, o.seedPath); err != nil {
				return err
			}
			have = o.scaleFallback
			est := time.Duration(float64(size-have) / seed.PerSecond * float64(time.Second))
			if spent := time.Duration(seed.Seconds * float64(time.Second)); spent+est > o.scaleBudget {
				sr.Note = fmt.Sprintf("%s workflows would have taken an estimated %s more to seed here (%.0f workflows/s), past the "+
					"budget of %s: measured with %s instead.", thousands(strconv.Itoa(size)), est.Round(time.Second), seed.PerSecond,
					o.scaleBudget, thousands(strconv.Itoa(have)))
				fmt.Fprintln(os.Stderr, "scale:", sr.Note)
				size = have
			}
		}
		if size > have {
			fmt.Fprintf(os.Stderr, "scale: seeding %d workflows (up to %d)\n", size-have, size)
			more, err := bulkSeed(ctx, t, []*account{a}, have, size-have, nil, known, o.seedPath)
			if err != nil {
				return err
			}
			if seed != nil {
				n := seed.Workflows + more.Workflows
				secs := seed.Seconds + more.Seconds
				seed = &SeedResult{Workflows: n, Running: seed.Running + more.Running, Delayed: seed.Delayed + more.Delayed,
					Done: seed.Done + more.Done, Seconds: secs, PerSecond: float64(n) / secs, Rows: seed.Rows + more.Rows}
			} else {
				seed = more
			}
		}
		fmt.Fprintf(os.Stderr, "scale: seeded %d workflows in %.1f s (%.0f/s, %.0f rows/s)\n", seed.Workflows, seed.Seconds,
			seed.PerSecond, float64(seed.Rows)/seed.Seconds)
		have = size
		p := &ScalePoint{Workflows: size, Seed: seed, DatabaseBytes: t.databaseSize(ctx)}
		d, err := t.start(ctx)
		if err != nil {
			return err
		}
		p.StartupMs = ms(d)
		time.Sleep(300 * time.Millisecond)
		p.IdleRSSMiB, _, _ = procMem(t.pid)
		p.InboxSize = inboxCount(c, a)
		fmt.Fprintf(os.Stderr, "scale: %d workflows, %.0f MB on disk, start-up to ready %.0f ms, idle RSS %.0f MiB, a user's inbox holds %d tasks\n",
			size, float64(p.DatabaseBytes)/1e6, p.StartupMs, p.IdleRSSMiB, p.InboxSize)
		p.Ops = scaleMeasure(ctx, c, a, known, o.scaleRequests, o.scaleConcurrency, o.scaleOpTime)
		sr.Points = append(sr.Points, p)
	}
	if len(sr.Points) == 2 {
		sr.Ratios = map[string]*ScaleRatio{}
		small, big := sr.Points[0], sr.Points[1]
		for name, s := range small.Ops {
			if b := big.Ops[name]; b != nil && s.P50Ms > 0 && s.P99Ms > 0 {
				sr.Ratios[name] = &ScaleRatio{P50: b.P50Ms / s.P50Ms, P99: b.P99Ms / s.P99Ms}
			}
		}
	}
	d, _, err = t.stop()
	res.ShutdownMs = ms(d)
	return err
}
