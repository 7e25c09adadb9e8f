package main

import (
	"context"
	"log/slog"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/config"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
)

// wireWebhooks registers webhook delivery.
func wireWebhooks(ctx context.Context, svc *app.Service, runner *jobs.Runner, cfg config.Config, log *slog.Logger) error {
	return nil
}
