package main

import (
	"context"
	"log/slog"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/config"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
)

// wireAttachments sets the blob store and the orphan cleanup job.
func wireAttachments(ctx context.Context, svc *app.Service, runner *jobs.Runner, cfg config.Config, log *slog.Logger) error {
	return nil
}
