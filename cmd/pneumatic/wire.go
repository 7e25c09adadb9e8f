package main

import (
	"context"
	"log/slog"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/config"
	"github.com/pneumatic-oss/pneumatic/internal/httpapi"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
	"github.com/pneumatic-oss/pneumatic/internal/web"
)

// wire registers the job handlers of every area.
func wire(ctx context.Context, svc *app.Service, runner *jobs.Runner, cfg config.Config, log *slog.Logger) error {
	runner.Handle(app.JobResume, svc.HandleResume)
	if err := wireWebhooks(ctx, svc, runner, cfg, log); err != nil {
		return err
	}
	return wireAttachments(ctx, svc, runner, cfg, log)
}

// addExtras mounts what is not part of the JSON API (pages): the web app at
// /app and the public forms at /forms, on the same router and server.
func addExtras(api *httpapi.Server, svc *app.Service, cfg config.Config, log *slog.Logger) {
	w, err := web.New(svc, web.Config{PublicURL: cfg.PublicURL}, log)
	if err != nil {
		// The templates are embedded: a parse error is a build defect that
		// every test run would show, never a runtime condition.
		panic(err)
	}
	w.Mount(api.Mux())
}
