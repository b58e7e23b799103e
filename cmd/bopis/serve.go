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

	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/readmodel"
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
	return listenAndServe(ctx, ln, db, logger, nil)
}

// listenAndServe serves the API on ln until ctx ends (SIGTERM or SIGINT),
// then lets in-flight requests finish before returning. ready, if not nil,
// is called with the base URL once the server accepts connections.
func listenAndServe(ctx context.Context, ln net.Listener, db *storage.DB, logger *slog.Logger, ready func(url string)) error {
	set, err := loadSettings()
	if err != nil {
		return err
	}
	// Checkout answers from memory, kept current from the database's change feed.
	model := readmodel.New(set.readModel())
	loaded := make(chan struct{})
	followErr := make(chan error, 1)
	start := time.Now()
	go func() { followErr <- db.Follow(ctx, model, 200*time.Millisecond, logger, loaded) }()
	select {
	case <-loaded:
		st := model.Stats()
		logger.Info("read model loaded", "stores", st.Stores, "skus", st.SKUs, "levels", st.Levels, "duration", time.Since(start))
	case err := <-followErr:
		return fmt.Errorf("loading the read model: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	api := httpapi.New(httpapi.Config{Storage: db, Logger: logger, Registry: reg, Version: version,
		Checkout: model, PublicStorefront: set.publicStorefront, PublicRate: set.publicRate})
	srv := &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// Silent POS feeds raise stale_feed alerts. Every process sweeps; the
	// database keeps one open alert per store. Stopped before returning,
	// so the caller may close the database.
	sweepCtx, stopSweep := context.WithCancel(ctx)
	swept := make(chan struct{})
	go func() { defer close(swept); sweepFeeds(sweepCtx, db, logger, time.Minute) }()
	defer func() { stopSweep(); <-swept }()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	logger.Info("serving", "url", url, "version", version)
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
func sweepFeeds(ctx context.Context, db *storage.DB, logger *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		opened, closed, err := db.SweepFeeds(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.WarnContext(ctx, "sweeping POS feeds", "error", err)
		case opened+closed > 0:
			logger.InfoContext(ctx, "stale POS feeds", "alerts_opened", opened, "alerts_closed", closed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
