package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pneumatic-oss/pneumatic/internal/store"
)

// target is the server under test: one this tool starts (on a fresh SQLite
// directory or a fresh PostgreSQL database it creates) or one already
// running (remote: only its URL and a key are known).
type target struct {
	remote     bool
	database   string // "sqlite" or "postgres"; "" when remote
	baseURL    string
	ownerKey   string
	ownerEmail string

	binary    string
	tmpDir    string // logs, and the SQLite data dir
	dataDir   string
	dbURL     string // the fresh PostgreSQL database
	adminURL  string // where CREATE/DROP DATABASE run
	dbName    string
	addr      string
	pprofAddr string
	env       []string
	sync      string // PNEUMATIC_SQLITE_SYNCHRONOUS given to the server
	keep      bool
	logPath   string

	cmd     *exec.Cmd
	pid     int
	exited  chan struct{}
	exitErr error
}

func randomToken(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// newTarget prepares what the run measures. For an own server it creates the
// temp directory and, for PostgreSQL, the fresh database.
func newTarget(ctx context.Context, o *options) (*target, error) {
	if o.baseURL != "" {
		if o.apiKey == "" {
			return nil, errors.New("--base-url needs --api-key (an admin's or the owner's key)")
		}
		return &target{remote: true, baseURL: strings.TrimRight(o.baseURL, "/"), ownerKey: o.apiKey}, nil
	}
	bin, err := filepath.Abs(o.binary)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("server binary %s: %w (build it with: go build -o %s ./cmd/pneumatic, or pass --build)", o.binary, err, o.binary)
	}
	t := &target{binary: bin, ownerKey: "pn-" + randomToken(40), ownerEmail: "owner@load.example.com", keep: o.keep,
		sync: "FULL"}
	t.tmpDir, err = os.MkdirTemp(o.tmpRoot, "pneumatic-load-")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(t.tmpDir)
		}
	}()
	t.logPath = filepath.Join(t.tmpDir, "server.log")
	if o.addr != "" {
		t.addr = o.addr
	} else if t.addr, err = freeAddr(); err != nil {
		return nil, err
	}
	t.baseURL = "http://" + t.addr
	if o.pprof {
		if t.pprofAddr, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	// The server gets only the settings we choose (and --server-env): a
	// PNEUMATIC_DATABASE_URL left in the shell must not redirect it.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PNEUMATIC_") {
			t.env = append(t.env, kv)
		}
	}
	// The per-key rate limit (50/s by default) is off: the tool measures
	// what the server can do, with one key doing most of the work.
	// --server-env comes after, so it can turn it back on.
	t.env = append(t.env, "PNEUMATIC_ADDR="+t.addr, "PNEUMATIC_BOOTSTRAP_API_KEY="+t.ownerKey,
		"PNEUMATIC_BOOTSTRAP_EMAIL="+t.ownerEmail, "PNEUMATIC_RATE_LIMIT=0")
	if t.pprofAddr != "" {
		t.env = append(t.env, "PNEUMATIC_PPROF_ADDR="+t.pprofAddr)
	}
	for _, kv := range o.serverEnv {
		t.env = append(t.env, kv)
		if v, ok := strings.CutPrefix(kv, "PNEUMATIC_SQLITE_SYNCHRONOUS="); ok {
			t.sync = strings.ToUpper(v)
		}
	}
	if o.databaseURL != "" {
		t.database = "postgres"
		t.adminURL = o.databaseURL
		t.dbName = fmt.Sprintf("pneumatic_load_%d_%s", time.Now().Unix(), strings.ToLower(randomToken(6)))
		u, err := url.Parse(o.databaseURL)
		if err != nil {
			return nil, fmt.Errorf("--database-url: %w", err)
		}
		u.Path = "/" + t.dbName
		t.dbURL = u.String()
		if err := pgExec(ctx, t.adminURL, "CREATE DATABASE "+t.dbName); err != nil {
			return nil, fmt.Errorf("create database %s: %w", t.dbName, err)
		}
		dbProcs = t.dbName
		t.env = append(t.env, "PNEUMATIC_DATABASE_URL="+t.dbURL, "PNEUMATIC_DATA_DIR="+filepath.Join(t.tmpDir, "data"))
	} else {
		t.database = "sqlite"
		t.dataDir = filepath.Join(t.tmpDir, "data")
		t.env = append(t.env, "PNEUMATIC_DATA_DIR="+t.dataDir)
	}
	ok = true
	return t, nil
}

func pgExec(ctx context.Context, dsn, stmt string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// storeOptions opens the database the way the server does, for seeding
// and the floor while the server is stopped.
func (t *target) storeOptions() store.Options {
	return store.Options{DatabaseURL: t.dbURL, DataDir: t.dataDir, SQLiteSynchronous: t.sync, MaxOpenConns: 8}
}

// start spawns the server and waits for /healthz; the duration is
// spawn → first 200.
func (t *target) start(ctx context.Context) (time.Duration, error) {
	if t.remote {
		return 0, nil
	}
	logf, err := os.OpenFile(t.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(t.binary, "serve")
	cmd.Env = t.env
	cmd.Stdout, cmd.Stderr = logf, logf
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return 0, err
	}
	t.cmd, t.pid = cmd, cmd.Process.Pid
	t.exited = make(chan struct{})
	go func() { t.exitErr = cmd.Wait(); logf.Close(); close(t.exited) }()
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(5 * time.Minute) // migrations of a big database may take a while
	for {
		select {
		case <-t.exited:
			return 0, fmt.Errorf("server exited before it was ready (%v); log: %s\n%s", t.exitErr, t.logPath, tail(t.logPath, 15))
		case <-ctx.Done():
			return 0, ctx.Err()
		default:
		}
		resp, err := hc.Get(t.baseURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(begin), nil
			}
		}
		if time.Now().After(deadline) {
			return 0, errors.New("server not ready after 5 minutes")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for the drain; the exit code must be 0.
func (t *target) stop() (time.Duration, int, error) {
	if t.remote || t.cmd == nil {
		return 0, 0, nil
	}
	begin := time.Now()
	_ = t.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-t.exited:
	case <-time.After(30 * time.Second):
		_ = t.cmd.Process.Kill()
		<-t.exited
	}
	d := time.Since(begin)
	code := t.cmd.ProcessState.ExitCode()
	t.cmd, t.pid = nil, 0
	if code != 0 {
		return d, code, fmt.Errorf("server exited with code %d; log: %s", code, t.logPath)
	}
	return d, code, nil
}

// cli runs a subcommand of the server binary against the same database and
// returns the last line of its stdout (where keys are printed).
func (t *target) cli(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, t.binary, args...)
	cmd.Env = t.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", filepath.Base(t.binary), strings.Join(args, " "), err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}

func (t *target) cleanup() {
	if t.remote {
		return
	}
	if t.cmd != nil {
		_, _, _ = t.stop()
	}
	if t.keep {
		fmt.Fprintf(os.Stderr, "kept: %s", t.tmpDir)
		if t.dbName != "" {
			fmt.Fprintf(os.Stderr, " and database %s", t.dbURL)
		}
		fmt.Fprintln(os.Stderr)
		return
	}
	if t.dbName != "" {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := pgExec(ctx, t.adminURL, "DROP DATABASE IF EXISTS "+t.dbName+" WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "drop database %s: %v\n", t.dbName, err)
		}
		cancel()
	}
	os.RemoveAll(t.tmpDir)
}

// databaseSize is the on-disk size of the database (SQLite file and WAL, or
// pg_database_size), for the report.
func (t *target) databaseSize(ctx context.Context) int64 {
	switch t.database {
	case "sqlite":
		var n int64
		for _, suffix := range []string{"", "-wal"} {
			if st, err := os.Stat(filepath.Join(t.dataDir, "pneumatic.db"+suffix)); err == nil {
				n += st.Size()
			}
		}
		return n
	case "postgres":
		db, err := sql.Open("pgx", t.adminURL)
		if err != nil {
			return 0
		}
		defer db.Close()
		var n int64
		_ = db.QueryRowContext(ctx, "SELECT pg_database_size($1)", t.dbName).Scan(&n)
		return n
	}
	return 0
}

// databaseVersion names the engine's version (SQLite library or server).
func (t *target) databaseVersion(ctx context.Context) string {
	switch t.database {
	case "sqlite":
		db, err := sql.Open("sqlite", ":memory:")
		if err != nil {
			return ""
		}
		defer db.Close()
		var v string
		_ = db.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&v)
		return "SQLite " + v + " (modernc.org/sqlite), synchronous=" + t.sync
	case "postgres":
		db, err := sql.Open("pgx", t.adminURL)
		if err != nil {
			return ""
		}
		defer db.Close()
		var v string
		_ = db.QueryRowContext(ctx, "SHOW server_version").Scan(&v)
		return "PostgreSQL " + v
	}
	return ""
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
