package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDirPutOpenDelete(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789"), 1000)
	if err := d.Put(ctx, "1/2/abc", bytes.NewReader(data), int64(len(data)), "text/plain"); err != nil {
		t.Fatal(err)
	}
	f, size, err := d.Open(ctx, "1/2/abc")
	if err != nil {
		t.Fatal(err)
	}
	if size != int64(len(data)) {
		t.Fatalf("size %d", size)
	}
	if _, err := f.Seek(5000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, data[5000:]) {
		t.Fatal("read after seek differs")
	}
	if err := d.Delete(ctx, "1/2/abc"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Open(ctx, "1/2/abc"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("open after delete: %v", err)
	}
	if err := d.Delete(ctx, "1/2/abc"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
	// Unknown size takes what comes.
	if err := d.Put(ctx, "k", strings.NewReader("abc"), -1, ""); err != nil {
		t.Fatal(err)
	}
}

func TestDirPutWrongSizeStoresNothing(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int64{9, 11} {
		if err := d.Put(ctx, "k", strings.NewReader("0123456789"), n, ""); !errors.Is(err, ErrSize) {
			t.Fatalf("size %d: %v", n, err)
		}
	}
	failing := io.MultiReader(strings.NewReader("abc"), iotestErr{})
	if err := d.Put(ctx, "k", failing, 10, ""); err == nil {
		t.Fatal("a failing reader stored")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := d.Put(cancelled, "k", strings.NewReader("0123456789"), 10, ""); err == nil {
		t.Fatal("a cancelled put stored")
	}
	entries := 0
	filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			entries++
		}
		return nil
	})
	if entries != 0 {
		t.Fatalf("%d files left behind", entries)
	}
}

func TestDirRefusesBadKeys(t *testing.T) {
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"", "../x", "a/../../x", "/etc/passwd", ".tmp/x", "a//b", "a/./b", `a\b`, "a b"} {
		if err := d.Put(context.Background(), k, strings.NewReader(""), 0, ""); err == nil {
			t.Errorf("key %q accepted", k)
		}
	}
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errors.New("connection reset") }
