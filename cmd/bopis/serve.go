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
	"os"
	"time"

	"github.com/bopis/bopis/internal/app"
	"github.com/bopis/bopis/internal/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

func serve(ctx context.Context, args []string, logger *slog.Logger, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", env("BOPIS_ADDR", "127.0.0.1:8080"), "listen address (env BOPIS_ADDR)")
	dbURL := dbFlag(fs, "sqlite:./bopis.db")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, *dbURL, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	if token := os.Getenv("BOPIS_ADMIN_KEY"); token != "" {
		stored, err := db.BootstrapAdminKey(ctx, token)
		if err != nil {
			return fmt.Errorf("BOPIS_ADMIN_KEY: %w", err)
		}
		if stored {
			logger.Info("BOPIS_ADMIN_KEY stored as the first admin key")
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	return listenAndServe(ctx, ln, db, logger, nil, nil)
}

// listenAndServe serves the API on ln until ctx ends (SIGTERM or SIGINT),
// then lets in-flight requests finish before returning. demo, if not nil,
// adjusts the settings (the demo: email and SMS go to the /demo/mailbox
// page, the demo storefront is served). ready, if not nil, is called with
// the base URL once the server accepts connections.
func listenAndServe(ctx context.Context, ln net.Listener, db *storage.DB, logger *slog.Logger, demo func(*app.Settings), ready func(url string)) error {
	set, err := loadSettings()
	if err != nil {
		return err
	}
	if demo != nil {
		demo(&set)
	}
	if set.Notify.PublicURL == "" {
		set.Notify.PublicURL = "http://" + ln.Addr().String()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ver := readBuildInfo().String()
	svc, err := app.Start(ctx, db, set, logger, reg, ver)
	if err != nil {
		return err
	}
	defer svc.Stop() // before the caller closes the database
	api := svc.API
	srv := newHTTPServer(api, logger)
	srv.RegisterOnShutdown(api.CloseStreams) // open order streams end instead of holding the shutdown
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	logger.Info("serving", "url", url, "version", ver)
	if ready != nil {
		ready(url)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// sweepFeeds runs db.SweepFeeds now and every interval until ctx ends.

// newHTTPServer wraps the API with the timeouts that keep slow or idle
// clients from holding connections: headers within 10 s, a whole request
// within 30 s, an answer within 60 s (server-sent streams excepted: they
// extend their own deadline), idle keep-alives closed after 2 min.
func newHTTPServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}
