package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/pneumatic-oss/pneumatic/internal/config"
)

// passwordInput is where set-password reads the password; a variable so
// that tests can feed it.
var passwordInput io.Reader = os.Stdin

// setPassword sets a person's web sign-in password. The password is read
// from standard input (its first line), never from a flag: flags show up
// in process lists and shell history. --password-stdin says so explicitly
// and is accepted for scripts that spell it out.
func setPassword(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("users set-password", flag.ContinueOnError)
	email := fs.String("email", "", "the user's e-mail")
	_ = fs.Bool("password-stdin", false, "read the password from standard input (the default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("users set-password needs --email (and the password on standard input)")
	}
	if f, ok := passwordInput.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(os.Stderr, "Password: ")
		}
	}
	line, err := bufio.NewReader(io.LimitReader(passwordInput, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return errors.New("no password on standard input")
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	if err := newService(db, cfg, log).SetPasswordByEmail(ctx, *email, pw); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Password set for %s.\n", *email)
	return nil
}
