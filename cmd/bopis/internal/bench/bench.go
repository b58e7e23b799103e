// Package bench holds the load generators behind `bopis bench`: each
// starts bopis in-process on a fresh database, drives it over real HTTP on
// loopback, measures a baseline in the same run, and renders the figures
// as a BENCHMARKS.md section.
//
// It is a load generator, not part of the service, so it lives under
// cmd/bopis/internal: only the bopis command (`bopis bench`) may import it,
// and no service package can.
package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/app"
	"github.com/bopis/bopis/internal/storage"
	"github.com/prometheus/client_golang/prometheus"
)

// profileLoad writes a CPU profile of one timed load, not its setup, to
// path with the run's name before the extension (orders.prof becomes
// orders-sqlite.prof); nothing when path is empty.
func profileLoad(path, run string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	ext := filepath.Ext(path)
	return ProfileCPU(strings.TrimSuffix(path, ext) + "-" + run + ext)
}

// ProfileCPU writes a CPU profile to path (nothing when empty) until stop.
func ProfileCPU(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// Database is a fresh database made for one run, removed by Close.
type Database struct {
	URL     string
	Dialect string
	cleanup func()
}

// Close removes the database.
func (d *Database) Close() { d.cleanup() }

// NewDatabase makes a fresh database: a SQLite file in a temporary folder
// when postgresBase is empty, else a new database on that PostgreSQL server.
func NewDatabase(postgresBase string) (*Database, error) {
	if postgresBase == "" {
		dir, err := os.MkdirTemp("", "bopis-bench-")
		if err != nil {
			return nil, err
		}
		return &Database{URL: "sqlite:" + filepath.Join(dir, "bench.db"), Dialect: "sqlite",
			cleanup: func() { os.RemoveAll(dir) }}, nil
	}
	admin, err := sql.Open("pgx", postgresBase)
	if err != nil {
		return nil, err
	}
	var b [6]byte
	rand.Read(b[:])
	name := "bopis_bench_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		admin.Close()
		return nil, err
	}
	u, err := url.Parse(postgresBase)
	if err != nil {
		return nil, err
	}
	u.Path = "/" + name
	return &Database{URL: u.String(), Dialect: "postgres", cleanup: func() {
		admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		admin.Close()
	}}, nil
}

// server is bopis serving a database on loopback, started as `bopis
// serve` starts it.
type server struct {
	db  *storage.DB
	svc *app.Service
	url string
	srv *http.Server
}

// benchSettings are the defaults `bopis serve` runs with, without the
// per-IP limit (the load comes from one address).
var benchSettings = app.Settings{StaleAfter: bopis.DefaultStaleAfter, StaleBuffer: bopis.DefaultStaleBuffer, PublicRate: 1e9, KeyRate: 1e9}

func startServer(ctx context.Context, dbURL string) (*server, error) {
	db, err := storage.Open(ctx, benchSettings.Storage(dbURL))
	if err != nil {
		return nil, err
	}
	return startWith(ctx, db)
}

// startWith starts bopis over an open database; close closes it too.
func startWith(ctx context.Context, db *storage.DB) (*server, error) {
	// Only the server's errors are logged: a failed request's cause (the
	// client sees a request id) reaches the bench's output.
	errorsOnly := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	svc, err := app.Start(ctx, db, benchSettings, errorsOnly, prometheus.NewRegistry(), "bench")
	if err != nil {
		db.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		svc.Stop()
		db.Close()
		return nil, err
	}
	s := &server{db: db, svc: svc, url: "http://" + ln.Addr().String(), srv: &http.Server{Handler: svc.API}}
	go s.srv.Serve(ln)
	return s, nil
}

func (s *server) close() {
	s.srv.Close()
	s.svc.Stop()
	s.db.Close()
}

// client is an HTTP client with enough idle connections for the load.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0}, Timeout: 2 * time.Minute}

// call sends body as JSON and decodes the answer into out; a status other
// than want is an error.
func call(method, url, key string, body, out any, want int) error {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return err
		}
	}
	return callRaw(method, url, key, b, out, want)
}

// post sends an encoded JSON body and returns the raw 200 answer.
func post(url, key string, body []byte) ([]byte, error) {
	req, err := http.NewRequest("POST", url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != 200 {
		err = fmt.Errorf("POST %s: %d %s", url, res.StatusCode, truncate(raw, 300))
	}
	return raw, err
}

// callRaw is call with the body already encoded (nil for none).
func callRaw(method, url, key string, body []byte, out any, want int) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, url, res.StatusCode, truncate(raw, 300))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// percentile returns the p-th percentile (0-100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}

// Machine describes where a figure was measured.
func Machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				_, model, _ = strings.Cut(l, ": ")
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (%s), %s %s/%s", runtime.NumCPU(), strings.TrimSpace(model), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// WriteSection replaces (or appends) the section of BENCHMARKS.md between
// the markers named id with text.
func WriteSection(path, id, text string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	begin, end := "<!-- bench:"+id+" -->", "<!-- /bench:"+id+" -->"
	block := begin + "\n" + strings.TrimSpace(text) + "\n" + end
	// Markers count only on lines of their own: prose may quote one.
	re := regexp.MustCompile(`(?ms)^` + regexp.QuoteMeta(begin) + `$.*?^` + regexp.QuoteMeta(end) + `$`)
	var out string
	if re.Match(old) {
		out = re.ReplaceAllLiteralString(string(old), block)
	} else {
		out = strings.TrimRight(string(old), "\n") + "\n\n" + block + "\n"
	}
	return os.WriteFile(path, []byte(out), 0o644)
}
