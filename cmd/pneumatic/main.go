// Command pneumatic is the workflow server and its administration CLI.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/app"
	"github.com/pneumatic-oss/pneumatic/internal/config"
	"github.com/pneumatic-oss/pneumatic/internal/httpapi"
	"github.com/pneumatic-oss/pneumatic/internal/jobs"
	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pneumatic:", err)
		os.Exit(1)
	}
}

const usage = `usage: pneumatic <command>

  serve                      migrate, then serve HTTP and run background jobs
  migrate                    apply database migrations and exit
  accounts create --name NAME --owner-email EMAIL [--first-name F --last-name L]
  users create --account-id N --email EMAIL [--admin]
  apikey create --email EMAIL [--name NAME]
  users set-password --email EMAIL [--password-stdin]
  migrate-data --from URL --to URL   copy an instance between databases
  version

Configuration comes from PNEUMATIC_* environment variables (see README).`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errors.New("no command given")
	}
	cmd := args[0]
	if len(args) > 1 && (cmd == "accounts" || cmd == "users" || cmd == "apikey") && !strings.HasPrefix(args[1], "-") {
		cmd += " " + args[1]
		args = args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "pneumatic", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	switch cmd {
	case "serve":
		tuneGC(getenv)
		return serve(ctx, cfg, log, stderr)
	case "migrate":
		db, err := openDB(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		return db.Migrate(ctx)
	case "accounts create", "users create", "apikey create":
		return cli(ctx, cfg, log, cmd, args[1:], stdout)
	case "users set-password":
		return setPassword(ctx, cfg, log, args[1:], stdout)
	case "migrate-data":
		return migrateData(ctx, cfg, log, args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", strings.Join(args, " "))
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func openDB(ctx context.Context, cfg config.Config) (*store.DB, error) {
	return store.Open(ctx, store.Options{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, SQLiteSynchronous: cfg.SQLiteSynchronous,
		MaxOpenConns: cfg.DBMaxConns, ReadConns: cfg.DBReadConns, StatementTimeout: cfg.DBStatementTimeout, ConnMaxIdleTime: cfg.DBConnMaxIdleTime})
}

func newService(db *store.DB, cfg config.Config, log *slog.Logger) *app.Service {
	return app.New(db, app.Config{PublicURL: cfg.PublicURL, WebhookAllowPrivate: cfg.WebhookAllowPrivate}, nil, log)
}

func cli(ctx context.Context, cfg config.Config, log *slog.Logger, cmd string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	name := fs.String("name", "", "name")
	email := fs.String("owner-email", "", "owner e-mail")
	first := fs.String("first-name", "", "first name")
	last := fs.String("last-name", "", "last name")
	accountID := fs.Int64("account-id", 0, "account id")
	userEmail := fs.String("email", "", "e-mail")
	admin := fs.Bool("admin", false, "make the user an admin")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	svc := newService(db, cfg, log)
	var key string
	switch cmd {
	case "accounts create":
		if *name == "" || *email == "" {
			return errors.New("accounts create needs --name and --owner-email")
		}
		key, err = svc.CreateAccount(ctx, *name, *email, *first, *last)
	case "users create":
		if *accountID == 0 || *userEmail == "" {
			return errors.New("users create needs --account-id and --email")
		}
		key, err = svc.CreateUserCLI(ctx, *accountID, *userEmail, *admin)
	case "apikey create":
		if *userEmail == "" {
			return errors.New("apikey create needs --email")
		}
		key, err = svc.CreateKeyCLI(ctx, *userEmail, *name)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, key) // the key is the last line of stdout, alone
	return nil
}

// newHTTPServer is the server's connection handling: every phase of a
// request has a deadline, so slow or idle clients cannot hold connections
// (and goroutines) forever. API bodies have a shorter bound of their own
// (httpapi.DefaultBodyReadTimeout); ReadTimeout is long for uploads.
func newHTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // uploads of 100 MiB over slow links
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// tuneGC: the server's live heap is small (tens of MiB) and nearly all its
// garbage lives for one request; at the default GOGC=100 the collector
// took about 13% of the server's CPU under load. A higher percentage,
// held back by a soft memory limit on the Go heap, trades some tens of MiB
// for most of that. GOGC and GOMEMLIMIT, when set, win.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(160 << 20)
	}
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, stderr io.Writer) error {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	svc := newService(db, cfg, log)
	generated, err := svc.Bootstrap(ctx, cfg.BootstrapEmail, cfg.BootstrapAPIKey)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if generated != "" {
		fmt.Fprintf(stderr, "First account created. Owner %s, API key (shown once): %s\n", cfg.BootstrapEmail, generated)
	}
	runner := jobs.NewRunner(db, svc.Now, log)
	svc.SetNotifier(runner)
	if err := wire(ctx, svc, runner, cfg, log); err != nil {
		return err
	}

	var ready atomic.Bool
	api := httpapi.New(svc, cfg.PublicURL, log, ready.Load)
	addExtras(api, svc, cfg, log)
	api.SetLimits(httpapi.Limits{RatePerSecond: cfg.RateLimit, Burst: cfg.RateLimitBurst})
	srv := newHTTPServer(cfg.Addr, api, log)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	jobCtx, stopJobs := context.WithCancel(context.Background())
	jobsDone := make(chan struct{})
	go func() { runner.Run(jobCtx); close(jobsDone) }()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	startPprof(log)
	ready.Store(true)
	log.Info("serving", "addr", cfg.Addr, "database", db.Dialect.String(), "public_url", cfg.PublicURL, "version", version)

	select {
	case err := <-serveErr:
		stopJobs()
		<-jobsDone
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	stopJobs()
	select {
	case <-jobsDone:
	case <-shutCtx.Done():
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// startPprof serves net/http/pprof on PNEUMATIC_PPROF_ADDR (e.g.
// 127.0.0.1:6060) when it is set, so that the load tool (cmd/pneumatic-load
// --pprof) can record where the server spends its time under load. Off by
// default; a listener of its own, never the API's.
func startPprof(log *slog.Logger) {
	addr := os.Getenv("PNEUMATIC_PPROF_ADDR")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() {
		if err := http.ListenAndServe(addr, mux); err != nil {
			log.Warn("pprof listener stopped", "addr", addr, "err", err)
		}
	}()
	log.Info("pprof listening", "addr", addr)
}
