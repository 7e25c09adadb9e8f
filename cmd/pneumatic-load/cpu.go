package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// cpuSample is CPU time so far, in clock ticks, of the whole machine (busy
// and total), the server and this tool: the difference of two samples
// says who used the 2 cores during a phase.
type cpuSample struct {
	busy, total   uint64
	server, tool  uint64
	db            uint64 // PostgreSQL processes working for the database under test
	serverMissing bool
}

// dbProcs names the PostgreSQL database whose backends readCPU counts ("":
// none). The backends' titles carry the database name; the WAL writer,
// checkpointer and background writer are counted too (they write for it).
var dbProcs string

func postgresTicks() uint64 {
	if dbProcs == "" {
		return 0
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var n uint64
	for _, e := range ents {
		name := e.Name()
		if name[0] < '0' || name[0] > '9' {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + name + "/cmdline")
		if err != nil || !bytes.HasPrefix(cmd, []byte("postgres: ")) {
			continue
		}
		if bytes.Contains(cmd, []byte(dbProcs)) || bytes.Contains(cmd, []byte("walwriter")) ||
			bytes.Contains(cmd, []byte("checkpointer")) || bytes.Contains(cmd, []byte("background writer")) {
			n += procTicks(name)
		}
	}
	return n
}

func readCPU(pid int) cpuSample {
	var s cpuSample
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		for i, v := range f[1:] {
			n, _ := strconv.ParseUint(v, 10, 64)
			if i == 8 || i == 9 { // guest time is already counted in user
				continue
			}
			s.total += n
			if i != 3 && i != 4 { // idle, iowait
				s.busy += n
			}
		}
	}
	s.tool = procTicks("self")
	s.db = postgresTicks()
	if pid > 0 {
		s.server = procTicks(strconv.Itoa(pid))
	} else {
		s.serverMissing = true
	}
	return s
}

// procTicks is utime+stime of a process (fields 14 and 15 of stat).
func procTicks(pid string) uint64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	// The command name may hold spaces; fields count from the last ')'.
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	return u + st
}

// percents are shares of the whole machine (all cores = 100%).
func (s cpuSample) percents(before cpuSample) (server, tool, busy float64) {
	dt := float64(s.total - before.total)
	if dt <= 0 {
		return 0, 0, 0
	}
	if !s.serverMissing {
		server = 100 * float64(s.server-before.server) / dt
	}
	return server, 100 * float64(s.tool-before.tool) / dt, 100 * float64(s.busy-before.busy) / dt
}

// dbPercent is the PostgreSQL processes' share (backends that ended
// between the samples are missed; the server's pool keeps them alive).
func (s cpuSample) dbPercent(before cpuSample) float64 {
	dt := float64(s.total - before.total)
	if dt <= 0 || s.db < before.db {
		return 0
	}
	return 100 * float64(s.db-before.db) / dt
}

// fetchProfile records the server's CPU profile over d (needs the server's
// PNEUMATIC_PPROF_ADDR listener).
func fetchProfile(addr, path string, d time.Duration) error {
	secs := max(1, int(d.Seconds()))
	hc := &http.Client{Timeout: d + 30*time.Second}
	resp, err := hc.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("pprof: status %d", resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.ReadFrom(resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// profileFocus picks, from the cumulative listing, the functions that say
// where a request's time goes: the project's own, SQL preparation and
// execution, JSON, HTTP, allocation and GC, system calls.
var profileFocus = regexp.MustCompile(`pneumatic-oss/pneumatic/|Xsqlite3_prepare_v2$|Xsqlite3_step$|` +
	`encoding/json\.(Marshal|Unmarshal|\(\*Decoder\)\.Decode|\(\*Encoder\)\.Encode)$|runtime\.gcBgMarkWorker$|runtime\.mallocgc$|` +
	`net/http\.\(\*conn\)\.serve$|pgx/v5\.\(\*Conn\)\.(Query|Exec)$|pgconn\.\(\*PgConn\)\.(ExecParams|ExecPrepared)$|` +
	`syscall\.Syscall6?$|database/sql\.\(\*Tx\)\.Commit$`)

// profileTop summarises a CPU profile (`go tool pprof -top`, which the
// profile's own symbols make work without the binary): the total, the
// flat top 10 (where the cycles are burnt) and the selected functions by
// cumulative share (which code paths they are burnt for).
func profileTop(path string, n int) []string {
	out, err := exec.Command("go", "tool", "pprof", "-top", "-cum", "-nodecount=2000", path).Output()
	if err != nil {
		return nil
	}
	var head, picked []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		switch {
		case strings.HasPrefix(l, "Duration:"):
			head = append(head, l)
		case len(f) >= 6 && strings.HasSuffix(f[4], "%") && profileFocus.MatchString(f[5]):
			if len(picked) < n {
				picked = append(picked, fmt.Sprintf("%7s %7s  %s", f[3], f[4], strings.Join(f[5:], " ")))
			}
		}
	}
	flat, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount=10", path).Output()
	if err == nil {
		head = append(head, "flat top 10:")
		started := false
		for _, l := range strings.Split(strings.TrimRight(string(flat), "\n"), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "flat") {
				started = true
			}
			if started {
				head = append(head, l)
			}
		}
	}
	head = append(head, "", "cumulative, selected functions:", "    cum    cum%  function")
	return append(head, picked...)
}
