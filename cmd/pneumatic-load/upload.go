package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// UploadResult is the memory check of one large upload over HTTP: issue #7
// wants a 100 MiB upload not to grow the server's RSS by more than a few
// MiB (the server streams it to storage).
type UploadResult struct {
	MiB          float64 `json:"mib"`
	Seconds      float64 `json:"seconds"`
	RSSBeforeMiB float64 `json:"rss_before_mib"`
	// RSSPeakMiB is the kernel's high-water mark over the upload (VmHWM,
	// reset just before) when it could be reset, else the highest of the
	// samples taken every 2 ms.
	RSSPeakMiB  float64 `json:"rss_peak_mib"`
	RSSAfterMiB float64 `json:"rss_after_mib"`
	PeakFrom    string  `json:"peak_from"` // "hwm" or "samples"
	Error       string  `json:"error,omitempty"`
}

// GrowthMiB is how far the RSS rose above where it was before the upload.
func (u *UploadResult) GrowthMiB() float64 { return max(0, u.RSSPeakMiB-u.RSSBeforeMiB) }

// uploadMaxGrowthMiB is the check's reading of "a few MiB".
const uploadMaxGrowthMiB = 8

// uploadCheck announces an attachment of mib MiB with the owner's key and
// PUTs that many pseudo-random bytes (made as they are sent, so the tool
// holds none of them) to its upload URL, watching the server's RSS.
func uploadCheck(ctx context.Context, c *client, key string, pid int, mib int) *UploadResult {
	size := int64(mib) << 20
	res := &UploadResult{MiB: float64(mib)}
	fail := func(err error) *UploadResult {
		res.Error = err.Error()
		return res
	}
	var slot struct {
		FileUploadURL string `json:"file_upload_url"`
	}
	if err := c.call("POST", "/workflows/attachments", key, map[string]any{"filename": "load-upload.bin",
		"content_type": "application/octet-stream", "size": size}, 200, &slot); err != nil {
		return fail(err)
	}
	url := slot.FileUploadURL
	if !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		url = c.base + url
	}
	req, err := http.NewRequestWithContext(ctx, "PUT", url, io.LimitReader(rand.NewChaCha8([32]byte{'p', 'n'}), size))
	if err != nil {
		return fail(err)
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/octet-stream")
	// Settle first, so that what the announcement allocated is not counted.
	time.Sleep(200 * time.Millisecond)
	res.RSSBeforeMiB, _, _ = procMem(pid)
	peak := watchPeak(pid, res.RSSBeforeMiB)
	begin := time.Now()
	resp, err := c.hc.Do(req)
	res.Seconds = time.Since(begin).Seconds()
	res.RSSPeakMiB, res.PeakFrom = peak()
	if err != nil {
		return fail(err)
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 400))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Errorf("PUT upload: status %d: %s", resp.StatusCode, msg))
	}
	res.RSSAfterMiB, _, _ = procMem(pid)
	return res
}

// watchPeak follows a process's peak RSS from now on, whose RSS is rss: by
// VmHWM, reset here, when the kernel lets it be reset, else by samples
// every 2 ms. The function it answers ends the watch and gives the peak
// and where it came from ("hwm" or "samples").
func watchPeak(pid int, rss float64) func() (float64, string) {
	resetPeak(pid)
	if _, hwm, _ := procMem(pid); hwm > 0 && hwm-rss < 1 {
		return func() (float64, string) {
			_, hwm, _ := procMem(pid)
			return hwm, "hwm"
		}
	}
	var peakKiB atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if rss, _, ok := procMem(pid); ok && int64(rss*1024) > peakKiB.Load() {
				peakKiB.Store(int64(rss * 1024))
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() (float64, string) {
		close(stop)
		<-sampled
		return float64(peakKiB.Load()) / 1024, "samples"
	}
}

func printUpload(w io.Writer, u *UploadResult) {
	if u.Error != "" {
		fmt.Fprintf(w, "upload of %.0f MiB: failed: %s\n", u.MiB, u.Error)
		return
	}
	fmt.Fprintf(w, "upload of %.0f MiB in %.2f s (%.0f MiB/s): RSS %.1f MiB before, peak %.1f MiB (+%.1f MiB, from %s), %.1f MiB after\n",
		u.MiB, u.Seconds, u.MiB/u.Seconds, u.RSSBeforeMiB, u.RSSPeakMiB, u.GrowthMiB(), u.PeakFrom, u.RSSAfterMiB)
}
