package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"testing"
)

// TestUploadCheck runs the upload check against servers in this process
// (whose RSS it then watches): one that streams the body away passes, one
// that holds the whole body in memory is caught, and a refused upload is
// an error, not a figure.
func TestUploadCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 32 MiB three times")
	}
	const mib = 32
	var got int64
	var kept []byte
	newServer := func(put http.HandlerFunc) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == "POST" && r.URL.Path == "/workflows/attachments":
				var in struct {
					Size int64 `json:"size"`
				}
				if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Size != mib<<20 {
					http.Error(w, "bad announcement", http.StatusBadRequest)
					return
				}
				_ = json.NewEncoder(w).Encode(map[string]any{"id": 1, "file_upload_url": "/upload/1?sig=x"})
			case r.Method == "PUT" && r.URL.Path == "/upload/1":
				put(w, r)
			default:
				http.NotFound(w, r)
			}
		}))
		t.Cleanup(srv.Close)
		return srv
	}

	streaming := newServer(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{}`)
	})
	runtime.GC()
	u := uploadCheck(context.Background(), newClient(streaming.URL, 2), "key", os.Getpid(), mib)
	if u.Error != "" {
		t.Fatalf("streaming server: %s", u.Error)
	}
	if got != mib<<20 {
		t.Fatalf("server read %d bytes, want %d", got, mib<<20)
	}
	t.Logf("streaming server: RSS +%.1f MiB (peak from %s)", u.GrowthMiB(), u.PeakFrom)
	if u.GrowthMiB() > uploadMaxGrowthMiB {
		t.Errorf("streaming server: RSS grew %.1f MiB (%+v)", u.GrowthMiB(), u)
	}

	buffering := newServer(func(w http.ResponseWriter, r *http.Request) {
		kept, _ = io.ReadAll(r.Body)
		io.WriteString(w, `{}`)
	})
	runtime.GC()
	u = uploadCheck(context.Background(), newClient(buffering.URL, 2), "key", os.Getpid(), mib)
	if u.Error != "" {
		t.Fatalf("buffering server: %s", u.Error)
	}
	t.Logf("buffering server: RSS +%.1f MiB (peak from %s)", u.GrowthMiB(), u.PeakFrom)
	if len(kept) != mib<<20 || u.GrowthMiB() <= uploadMaxGrowthMiB {
		t.Errorf("buffering server (kept %d bytes): RSS grew only %.1f MiB (%+v)", len(kept), u.GrowthMiB(), u)
	}
	kept = nil

	refusing := newServer(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"detail":"too large"}`, http.StatusRequestEntityTooLarge)
	})
	if u = uploadCheck(context.Background(), newClient(refusing.URL, 2), "key", os.Getpid(), mib); u.Error == "" {
		t.Errorf("refused upload reported no error: %+v", u)
	}
}
