package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"

	"github.com/pneumatic-oss/pneumatic/internal/config"
	"github.com/pneumatic-oss/pneumatic/internal/migratedata"
)

// migrateData copies an instance from one database to another and verifies
// the copy (see internal/migratedata and docs/postgres.md). It takes its
// databases from the flags only, never from PNEUMATIC_DATABASE_URL: which
// side is which must be explicit.
func migrateData(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate-data", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "source: sqlite:///path/to/pneumatic.db (or the data dir) or postgres://…")
	to := fs.String("to", "", "target, an empty database: postgres://… or sqlite:///path/to/pneumatic.db")
	filesFrom := fs.String("files-from", "", "attachment folder of the source (default: <source data dir>/files)")
	filesTo := fs.String("files-to", "", "copy the attachment bytes into this folder (the target servers' <data dir>/files)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *to == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("migrate-data needs --from URL and --to URL")
	}
	_, err := migratedata.Run(ctx, migratedata.Options{From: *from, To: *to, FilesFrom: *filesFrom, FilesTo: *filesTo, Out: stdout})
	return err
}
