package migratedata

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pneumatic-oss/pneumatic/internal/blob"
)

// FilesResult is the copy of the attachment bytes.
type FilesResult struct {
	Files   int      // files copied and verified
	Bytes   int64    // their total size
	Missing []string // keys the source folder lacks (their rows were copied)
}

// defaultFilesDir is where a server with this SQLite file keeps
// attachment bytes: <data dir>/files.
func defaultFilesDir(dbPath string) string { return filepath.Join(filepath.Dir(dbPath), "files") }

type fileRef struct {
	key  string
	size int64 // -1: unknown (thumbnails)
}

// uploadedFiles lists the blob keys the source's attachment rows point at.
func uploadedFiles(ctx context.Context, c *conn) ([]fileRef, error) {
	rows, err := c.QueryContext(ctx, `SELECT storage_key, size, uploaded, thumbnail_key, thumbnail_uploaded
		FROM attachments WHERE uploaded OR thumbnail_uploaded ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fileRef
	for rows.Next() {
		var key string
		var size int64
		var up, thumbUp bool
		var thumb sql.NullString
		if err := rows.Scan(&key, &size, &up, &thumb, &thumbUp); err != nil {
			return nil, err
		}
		if up {
			out = append(out, fileRef{key, size})
		}
		if thumbUp && thumb.Valid && thumb.String != "" {
			out = append(out, fileRef{thumb.String, -1})
		}
	}
	return out, rows.Err()
}

func countUploaded(ctx context.Context, c *conn) (int, error) {
	refs, err := uploadedFiles(ctx, c)
	return len(refs), err
}

// copyFiles copies the bytes of every uploaded attachment (and thumbnail)
// from one blob folder to another, through the blob store (atomic, synced
// writes), and checks each copy against the source by size and SHA-256.
// Only referenced files are copied: abandoned uploads stay behind.
func copyFiles(ctx context.Context, src *conn, from, to string, out io.Writer) (*FilesResult, error) {
	refs, err := uploadedFiles(ctx, src)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(from); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("no attachment folder at %s", from)
	}
	fromDir, err := blob.NewDir(from)
	if err != nil {
		return nil, err
	}
	toDir, err := blob.NewDir(to)
	if err != nil {
		return nil, err
	}
	res := &FilesResult{}
	for _, ref := range refs {
		sum, n, err := copyOne(ctx, fromDir, toDir, ref.key)
		if errors.Is(err, blob.ErrNotFound) {
			res.Missing = append(res.Missing, ref.key)
			continue
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w", ref.key, err)
		}
		if ref.size >= 0 && n != ref.size {
			return res, fmt.Errorf("%s: %d bytes in the folder, %d in the database", ref.key, n, ref.size)
		}
		back, m, err := hashBlob(ctx, toDir, ref.key)
		if err != nil {
			return res, fmt.Errorf("%s: read back: %w", ref.key, err)
		}
		if back != sum || m != n {
			return res, fmt.Errorf("%s: the copy differs from the source", ref.key)
		}
		res.Files++
		res.Bytes += n
	}
	fmt.Fprintf(out, "files    %d attachment files, %d bytes copied from %s to %s; sizes and SHA-256 verified\n",
		res.Files, res.Bytes, from, to)
	if len(res.Missing) > 0 {
		fmt.Fprintf(out, "warning  %d files referenced by the source database are missing in %s (already before the copy): %v\n",
			len(res.Missing), from, res.Missing)
	}
	return res, nil
}

func copyOne(ctx context.Context, from, to *blob.Dir, key string) ([sha256.Size]byte, int64, error) {
	var sum [sha256.Size]byte
	f, size, err := from.Open(ctx, key)
	if err != nil {
		return sum, 0, err
	}
	defer f.Close()
	h := sha256.New()
	if err := to.Put(ctx, key, io.TeeReader(f, h), size, ""); err != nil {
		return sum, 0, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, size, nil
}

func hashBlob(ctx context.Context, d *blob.Dir, key string) ([sha256.Size]byte, int64, error) {
	var sum [sha256.Size]byte
	f, _, err := d.Open(ctx, key)
	if err != nil {
		return sum, 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return sum, 0, err
	}
	copy(sum[:], h.Sum(nil))
	return sum, n, nil
}
