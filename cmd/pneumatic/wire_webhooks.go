package main

import (
	"context"
	"log/slog"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/config"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
	"github.com/pneumatic-oss/pneumatic/internal/webhook"
)

// wireWebhooks registers webhook delivery.
func wireWebhooks(ctx context.Context, svc *app.Service, runner *jobs.Runner, cfg config.Config, log *slog.Logger) error {
	if cfg.WebhookAllowPrivate {
		log.Warn("webhooks: targets on private addresses are allowed (PNEUMATIC_WEBHOOK_ALLOW_PRIVATE)")
	}
	client := webhook.NewClient(webhook.ClientOptions{AllowPrivate: cfg.WebhookAllowPrivate, Timeout: webhook.DefaultTimeout})
	runner.Handle(app.JobWebhookDelivery, svc.NewWebhookSender(client).Handle)
	return nil
}
