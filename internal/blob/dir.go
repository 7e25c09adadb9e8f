package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Dir stores each blob as a file under a root folder; the key is the
// relative path. A Put writes a temporary file and renames it into place,
// so a reader never sees a partial file and a failed Put leaves nothing.
type Dir struct {
	root string
}

// NewDir returns a store rooted at root, creating the folder.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(filepath.Join(root, ".tmp"), 0o750); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Dir{root: root}, nil
}

// path maps a key to a file, refusing keys that could leave the root.
func (d *Dir) path(key string) (string, error) {
	if key == "" || strings.HasPrefix(key, "/") || strings.HasPrefix(key, ".") {
		return "", fmt.Errorf("blob: bad key %q", key)
	}
	for _, part := range strings.Split(key, "/") {
		if part == "" || part == "." || part == ".." {
			return "", fmt.Errorf("blob: bad key %q", key)
		}
		for _, c := range part {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				return "", fmt.Errorf("blob: bad key %q", key)
			}
		}
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// Put streams r to the file of key. With size ≥ 0 the reader must yield
// exactly size bytes, else ErrSize; size < 0 takes whatever r yields.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader, size int64, _ string) (err error) {
	dst, err := d.path(key)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Join(d.root, ".tmp"), "put-*")
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	src := r
	if size >= 0 {
		// One byte more than announced is enough to tell "too long".
		src = io.LimitReader(r, size+1)
	}
	n, err := io.Copy(tmp, ctxReader{ctx, src})
	if err != nil {
		return err
	}
	if size >= 0 && n != size {
		return ErrSize
	}
	// The rename must not publish a file whose bytes are still in the page
	// cache only: an acknowledged upload survives a power cut.
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err = os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// Open returns the file of key and its size.
func (d *Dir) Open(_ context.Context, key string) (io.ReadSeekCloser, int64, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("blob: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("blob: %w", err)
	}
	return f, st.Size(), nil
}

// Delete removes the file of key; a missing file is not an error.
func (d *Dir) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// ctxReader stops a copy once the context is done (client gone, shutdown).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
