package blob

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config locates a bucket of an S3-compatible service (AWS S3, MinIO,
// SeaweedFS, Ceph RGW, GCS interoperability, …).
type S3Config struct {
	// Endpoint is "https://host[:port]", "http://host[:port]" (plain HTTP,
	// for a service on the same network) or "host[:port]" (HTTPS).
	Endpoint  string
	Bucket    string
	Region    string
	AccessKey string
	SecretKey string
}

// S3 stores blobs as objects of one bucket, the key being the object name.
type S3 struct {
	c      *minio.Client
	bucket string
}

// partSize bounds the memory of one large upload: the client buffers one
// part at a time (S3's minimum part is 5 MiB).
const partSize = 16 << 20

// NewS3 builds the store and checks that the bucket is reachable.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Bucket == "" {
		return nil, fmt.Errorf("blob: S3 bucket is not set")
	}
	host, secure := cfg.Endpoint, true
	if strings.Contains(host, "://") {
		u, err := url.Parse(host)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("blob: bad S3 endpoint %q", cfg.Endpoint)
		}
		host, secure = u.Host, u.Scheme == "https"
	}
	c, err := minio.New(host, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: secure,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: S3 client: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: S3 bucket %q: %w", cfg.Bucket, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob: S3 bucket %q does not exist", cfg.Bucket)
	}
	return &S3{c: c, bucket: cfg.Bucket}, nil
}

// Put streams r to the object key. With size ≥ 0 the reader must yield
// exactly size bytes, else ErrSize (and the object is removed).
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	info, err := s.c.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{
		ContentType: contentType,
		PartSize:    partSize,
	})
	if err != nil {
		return err
	}
	if size >= 0 && info.Size != size {
		_ = s.Delete(context.WithoutCancel(ctx), key)
		return ErrSize
	}
	return nil
}

// Open returns a seekable reader of the object key (ranges become ranged
// GETs) and its size.
func (s *S3) Open(ctx context.Context, key string) (io.ReadSeekCloser, int64, error) {
	obj, err := s.c.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, 0, mapS3(err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, 0, mapS3(err)
	}
	return obj, st.Size, nil
}

// Delete removes the object key; a missing object is not an error.
func (s *S3) Delete(ctx context.Context, key string) error {
	err := s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && mapS3(err) == ErrNotFound {
		return nil
	}
	return err
}

func mapS3(err error) error {
	switch minio.ToErrorResponse(err).Code {
	case minio.NoSuchKey, "NotFound":
		return ErrNotFound
	}
	return err
}
