// Command bopis runs the buy-online-pick-up-in-store engine.
//
//	bopis serve              the HTTP API
//	bopis demo               the API on a fresh SQLite file with a seeded demo network
//	bopis migrate            apply database migrations and exit
//	bopis keys create ...    make an API key and print its secret once
//	bopis bench ...          load generators; figures go to BENCHMARKS.md
//	bopis backup, restore    copy a live SQLite database, put a copy back
//	bopis version            the version, commit and build date
//
// Every flag can also be set by environment variable (flags win).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/storage"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `bopis — buy online, pick up in store

Usage:
  bopis serve   [--addr 127.0.0.1:8080] [--db sqlite:./bopis.db]       the HTTP API and pages
  bopis demo    [--addr 127.0.0.1:8080] [--file ./bopis-demo.db] [--seed 1]   the API on a fresh demo network
  bopis migrate [--db URL]                                             apply database migrations and exit
  bopis keys create --role admin|storefront|store|pos|public [--store ID]... [--origin URL]... [--name NAME] [--db URL]
  bopis bench feed|orders|flash|pickup|mixed [--postgres URL] [--duration D] ...   measure, write BENCHMARKS.md
  bopis backup  --to FILE [--db sqlite:./bopis.db]                     copy a live SQLite database
  bopis restore --from FILE [--db sqlite:./bopis.db] [--force]         put a backup in place (bopis stopped)
  bopis version                                                        version, commit and build date
  bopis help                                                           this text

"bopis COMMAND --help" lists every flag of COMMAND.

Environment:
  BOPIS_ADDR       listen address (--addr)
  BOPIS_DB         database URL: sqlite:PATH or postgres://... (--db)
  BOPIS_ADMIN_KEY  on a database with no API key yet, becomes the first admin key
  BOPIS_LOG_LEVEL  debug, info (default), warn or error
  BOPIS_DB_MAX_CONNS       PostgreSQL connections of this process (default 16)
  BOPIS_SAFETY_STOCK       units kept back from online promises per SKU and store (default 0)
  BOPIS_STALE_AFTER        a store's POS feed silent this long is stale (default 15m)
  BOPIS_STALE_BUFFER       extra units that must remain at a stale store (default 1)
  BOPIS_PUBLIC_STOREFRONT  true serves /api/storefront/pickup-options with no key (default false)
  BOPIS_PUBLIC_RATE        requests/s per client IP on public routes (default 10)
  BOPIS_KEY_RATE           requests/s per API key, 429 with Retry-After beyond (default 5000)
  BOPIS_SHORT_PICK_POLICY  continue (default: the order goes on without what was not found) or reroute
  BOPIS_SUBSTITUTION_TIMEOUT  a proposed substitute not answered this long counts as rejected (default 30m)
  BOPIS_REMINDERS          pickup reminders before hold_until (default 24h,2h)
  BOPIS_LATE_GRACE         late past the promised time before order.delayed (default 15m)
  BOPIS_AUTH_MARGIN        renew an authorization this long before it expires (default 1h)
  BOPIS_AUTH_POLICY        reauthorize (default) or shorten (the hold ends before the authorization)
  BOPIS_CLOSURE_POLICY     notify (default: next slot at the same store) or reroute (nearest store with everything)
  BOPIS_PAYMENT_GATEWAY    test (built in, default) or stripe
  BOPIS_SMTP_URL           email server, smtp://user:pass@host:587 or smtps://… (or BOPIS_SMTP_URL_FILE); unset: email not sent
  BOPIS_SMTP_FROM          the From address of email
  BOPIS_SMS_URL            SMS provider base URL (Twilio Messages API); unset: SMS not sent
  BOPIS_SMS_ACCOUNT_SID, BOPIS_SMS_AUTH_TOKEN (or _FILE), BOPIS_SMS_FROM   the SMS account
  BOPIS_QUIET_HOURS        no SMS between these store-local times (default 21:00-08:00)
  BOPIS_WEBHOOK_MAX_AGE    webhook deliveries are retried this long (default 24h)
  BOPIS_WEBHOOK_ALLOW_PRIVATE  true: webhooks may point at loopback, private and link-local hosts (default false)
  BOPIS_TEMPLATES_DIR      files here override the built-in message templates
  BOPIS_DISPATCH_LEASE     a message claimed by a process that died is sent by another after this (default 2m)
  BOPIS_LOW_STOCK_DIGEST   each store's low-stock SKUs are told in one inventory.low_stock_digest event this often (default 1h)
  BOPIS_PUBLIC_URL         base URL of the links in customer messages (default: the listen address)
  BOPIS_SECRET_KEY         64 hex digits sealing webhook secrets and signing customer links (or _FILE)
  BOPIS_STRIPE_SECRET_KEY  Stripe secret key (or BOPIS_STRIPE_SECRET_KEY_FILE)
  BOPIS_STRIPE_URL         Stripe API base URL (default https://api.stripe.com)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bopis:", err)
		}
		os.Exit(2)
	}
}

// run runs the command in args. Help asked for (help, -h, --help, after
// a command too) is an answer, not an error: it exits 0.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := command(ctx, args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) && askedForHelp(args) {
		return nil
	}
	return err
}

func askedForHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help", "help":
			return true
		}
	}
	return false
}

func command(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	logger := newLogger(stderr)
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], logger, stderr)
	case "demo":
		return runDemo(ctx, args[1:], logger, stdout, stderr)
	case "migrate":
		return migrate(ctx, args[1:], logger, stdout, stderr)
	case "keys":
		return keys(ctx, args[1:], logger, stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "backup":
		return backup(ctx, args[1:], stdout, stderr)
	case "restore":
		return restore(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		printVersion(stdout)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func newLogger(w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(env("BOPIS_LOG_LEVEL", "info"))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(httpapi.LogHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// dbFlag adds --db with its environment default.
func dbFlag(fs *flag.FlagSet, def string) *string {
	return fs.String("db", env("BOPIS_DB", def), "database URL: sqlite:PATH or postgres://… (env BOPIS_DB)")
}

func openDB(ctx context.Context, url string, logger *slog.Logger) (*storage.DB, error) {
	set, err := loadSettings()
	if err != nil {
		return nil, err
	}
	cfg := set.Storage(url)
	cfg.Logger = logger
	db, err := storage.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	logger.Info("database open", "dialect", db.Dialect(), "url", redact(url))
	return db, nil
}

// redact hides a password in a database URL before it is logged.
func redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	user, _, hasPass := strings.Cut(userinfo, ":")
	if !hasPass {
		return url
	}
	return scheme + "://" + user + ":xxxxx@" + host
}

func migrate(ctx context.Context, args []string, logger *slog.Logger, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbURL := dbFlag(fs, "sqlite:./bopis.db")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dbURL, logger)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "migrations applied")
	return db.Close()
}
