package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
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
	serverMissing bool
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

// profileTop is `go tool pprof -top` of a profile (cumulative order would
// show the HTTP stack first; flat order shows where the cycles go).
func profileTop(path string, n int) []string {
	out, err := exec.Command("go", "tool", "pprof", "-top", "-nodecount="+strconv.Itoa(n), path).Output()
	if err != nil {
		return nil
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "flat") {
			return lines[max(0, i-1):]
		}
	}
	return lines
}
