package main

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/pneumatic-oss/pneumatic/internal/config"
)

// migrateData copies an instance from one database to another.
func migrateData(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	return errors.New("migrate-data: not available yet")
}
