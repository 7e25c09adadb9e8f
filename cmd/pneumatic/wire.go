package main

import (
	"context"
	"log/slog"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/config"
	"github.com/pneumatic-oss/pneumatic/internal/httpapi"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
)

// wire registers the job handlers of every area.
func wire(ctx context.Context, svc *app.Service, runner *jobs.Runner, cfg config.Config, log *slog.Logger) error {
	runner.Handle(app.JobResume, svc.HandleResume)
	if err := wireWebhooks(ctx, svc, runner, cfg, log); err != nil {
		return err
	}
	return wireAttachments(ctx, svc, runner, cfg, log)
}

// addExtras mounts what is not part of the JSON API (pages).
func addExtras(api *httpapi.Server, svc *app.Service, cfg config.Config, log *slog.Logger) {}
