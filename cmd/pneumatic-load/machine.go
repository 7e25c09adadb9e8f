package main

import (
	"bufio"
	"crypto/sha256"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Machine describes where the figures were measured: they mean little
// without it (the floors move with the CPU, the disk and the kernel).
type Machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	MemoryMiB int64  `json:"memory_mib"`
	Kernel    string `json:"kernel"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	// CPUScore is the speed of one core when the run started: MB/s of
	// SHA-256. A shared virtual machine's cores run at different speeds
	// on different days; runs compare only at a similar score.
	CPUScore float64 `json:"cpu_sha256_mb_per_s"`
}

func describeMachine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				f := strings.Fields(line)
				if len(f) >= 2 {
					kb, _ := strconv.ParseInt(f[1], 10, 64)
					m.MemoryMiB = kb / 1024
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	m.CPUScore = cpuScore()
	return m
}

// cpuScore hashes 16 MiB five times on one core and answers the best
// rate in MB/s (the best: a moment's interference only slows a round).
func cpuScore() float64 {
	buf := make([]byte, 16<<20)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	best := 0.0
	for range 5 {
		start := time.Now()
		sha256.Sum256(buf)
		if r := float64(len(buf)) / 1e6 / time.Since(start).Seconds(); r > best {
			best = r
		}
	}
	return best
}

// procMem reads a process's resident set (VmRSS) and its peak (VmHWM), in
// MiB, from /proc. ok is false when the process is gone.
func procMem(pid int) (rss, hwm float64, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		var dst *float64
		switch {
		case strings.HasPrefix(line, "VmRSS:"):
			dst = &rss
		case strings.HasPrefix(line, "VmHWM:"):
			dst = &hwm
		default:
			continue
		}
		f := strings.Fields(line)
		if len(f) >= 2 {
			kb, _ := strconv.ParseFloat(f[1], 64)
			*dst = kb / 1024
		}
	}
	return rss, hwm, true
}

// resetPeak makes VmHWM start again from the current RSS (Linux ≥ 4.0), so
// that the peak of a load phase is not the peak of the seeding before it.
func resetPeak(pid int) {
	_ = os.WriteFile("/proc/"+strconv.Itoa(pid)+"/clear_refs", []byte("5"), 0)
}
