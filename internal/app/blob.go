package app

import (
	"context"
	"io"
)

// BlobStore keeps attachment bytes: a folder by default, a bucket when
// configured.
type BlobStore interface {
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	Open(ctx context.Context, key string) (io.ReadSeekCloser, int64, error)
	Delete(ctx context.Context, key string) error
}
