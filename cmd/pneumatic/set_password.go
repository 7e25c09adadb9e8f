package main

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/pneumatic-oss/pneumatic/internal/config"
)

// setPassword sets a person's web sign-in password (the web app's work).
func setPassword(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	return errors.New("users set-password: not available yet")
}
