package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/blob"
	"github.com/pneumatic-oss/pneumatic/internal/config"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
)

// wireAttachments sets the blob store and the orphan cleanup job. Bytes go
// to an S3-compatible bucket when PNEUMATIC_S3_BUCKET is set (with
// PNEUMATIC_S3_ENDPOINT, _REGION, _ACCESS_KEY, _SECRET_KEY), else to
// <data dir>/files.
func wireAttachments(ctx context.Context, svc *app.Service, runner *jobs.Runner, cfg config.Config, log *slog.Logger) error {
	if cfg.S3Bucket != "" {
		endpoint := cfg.S3Endpoint
		if endpoint == "" {
			endpoint = "s3.amazonaws.com"
		}
		s3, err := blob.NewS3(ctx, blob.S3Config{Endpoint: endpoint, Bucket: cfg.S3Bucket, Region: cfg.S3Region,
			AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey})
		if err != nil {
			return fmt.Errorf("attachments: %w", err)
		}
		svc.SetBlobStore(s3)
		log.Info("attachments in S3 bucket", "bucket", cfg.S3Bucket, "endpoint", endpoint)
	} else {
		dir, err := blob.NewDir(filepath.Join(cfg.DataDir, "files"))
		if err != nil {
			return fmt.Errorf("attachments: %w", err)
		}
		svc.SetBlobStore(dir)
	}
	runner.Handle(app.JobAttachmentCleanup, svc.HandleAttachmentCleanup)
	return svc.ScheduleAttachmentCleanup(ctx)
}
