package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/orders"
	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/readmodel"
	"github.com/bopis/bopis/internal/seal"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
	"github.com/bopis/bopis/internal/web"
	"github.com/prometheus/client_golang/prometheus"
)

// env is a running bopis API over real HTTP on a real database.
type env struct {
	t     *testing.T
	db    *storage.DB
	url   string
	logs  *bytes.Buffer
	model *readmodel.Model
	seen  storage.Watermark
	// sealKey is the server's instance key (webhook secrets, customer links).
	sealKey *seal.Key
	// orders is the server's order service, when the env built it.
	orders *orders.Service
}

func newEnv(t *testing.T, db *storage.DB) *env { return newEnvWith(t, db, httpapi.Config{}) }

// newEnvAt is newEnv with the server's clock set to now (nil: time.Now).
func newEnvAt(t *testing.T, db *storage.DB, now func() time.Time) *env {
	return newEnvWith(t, db, httpapi.Config{Now: now})
}

// newEnvWith starts a server with cfg, filling in the storage, logger,
// metrics registry and read model; tune adjusts the orders service's
// configuration (policies) when cfg has none.
func newEnvWith(t *testing.T, db *storage.DB, cfg httpapi.Config, tune ...func(*orders.Config)) *env {
	return newEnvPages(t, db, cfg, web.Config{}, tune...)
}

// newEnvPages is newEnvWith serving pages built from pages (when cfg has
// none), filled in with the server's logger, key, database and orders
// service; Demo follows cfg.Mailbox, as in bopis demo.
func newEnvPages(t *testing.T, db *storage.DB, cfg httpapi.Config, pages web.Config, tune ...func(*orders.Config)) *env {
	t.Helper()
	e := &env{t: t, db: db, logs: &bytes.Buffer{}, model: readmodel.New(readmodel.Config{})}
	if cfg.Storage == nil {
		cfg.Storage = db
	}
	cfg.Checkout, cfg.Registry = e.model, prometheus.NewRegistry()
	if cfg.Version == "" {
		cfg.Version = "test"
	}
	cfg.Logger = slog.New(httpapi.LogHandler(slog.NewJSONHandler(e.logs, nil)))
	if cfg.Key == nil {
		cfg.Key, _ = seal.Parse(seal.Generate())
	}
	e.sealKey = cfg.Key
	if cfg.Orders == nil {
		oc := orders.Config{DB: db, Model: e.model, Gateway: payment.NewTest(db, cfg.Now), Now: cfg.Now,
			Logger: cfg.Logger, Registry: cfg.Registry, Key: cfg.Key}
		for _, f := range tune {
			f(&oc)
		}
		e.orders = orders.New(oc)
		cfg.Orders = e.orders
	}
	if cfg.Pages == nil {
		pages.Logger, pages.Key, pages.Orders, pages.Actions = cfg.Logger, cfg.Key, db, cfg.Orders
		pages.Demo = pages.Demo || cfg.Mailbox
		cfg.Pages = web.New(pages)
	}
	srv := httptest.NewServer(httpapi.New(cfg))
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// sync brings the read model up to date with the database, as the
// change-feed follower does in a running server.
func (e *env) sync() {
	e.t.Helper()
	w, err := e.db.ReadChanges(context.Background(), e.seen, e.model.Feed())
	if err != nil {
		e.t.Fatal(err)
	}
	e.seen = w
}

// key makes an API key of role reaching stores and returns its secret.
func (e *env) key(role bopis.Role, stores ...string) string {
	e.t.Helper()
	token, err := e.db.CreateAPIKey(context.Background(), &bopis.APIKey{Role: role, StoreIDs: stores})
	if err != nil {
		e.t.Fatal(err)
	}
	return token
}

// response is an answer with its body decoded as JSON.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (e *env) do(method, path, key string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: raw}
	json.Unmarshal(raw, &r.body)
	return r
}

// locations lists the fields a problem names.
func (r response) locations() []string {
	var out []string
	errs, _ := r.body["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m["location"].(string))
		}
	}
	return out
}

func (r response) names(location string) bool {
	for _, l := range r.locations() {
		if l == location {
			return true
		}
	}
	return false
}

// storeJSON is a valid store body as a generic document tests can break.
func storeJSON(t *testing.T) map[string]any {
	t.Helper()
	s := storagetest.Store("ignored")
	b, _ := json.Marshal(s)
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, k := range []string{"id", "created_at", "updated_at", "active"} {
		delete(m, k)
	}
	return m
}
