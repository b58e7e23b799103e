// Package httpapi serves bopis's public contract (../shared/API.md) over
// HTTP with huma: the OpenAPI document is generated from the operations
// registered here, input faults answer RFC 9457 problems naming the field,
// and every /v1 operation is authenticated by API key and role.
package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/bopis/bopis/internal/ratelimit"
	"github.com/bopis/bopis/internal/seal"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Storage is what the API needs of the database.
type Storage interface {
	Ping(ctx context.Context) error
	bopis.CatalogService
	bopis.InventoryService
	bopis.ReportService
	bopis.OrderReader
	bopis.NotificationService
	bopis.OrderStreamer
	bopis.StaffService
}

// Config wires a Server.
type Config struct {
	Storage  Storage
	Logger   *slog.Logger
	Registry *prometheus.Registry // metrics are registered here and served at /metrics
	Version  string
	Now      func() time.Time // the clock; time.Now if nil
	// Checkout answers pickup options from memory (a *readmodel.Model kept
	// current from the change feed).
	Checkout Checkout
	// Orders places orders and holds.
	Orders bopis.OrderService
	// PublicStorefront serves /api/storefront/pickup-options with no key
	// (BigCommerce's checkout-sdk calls it from the shopper's browser).
	PublicStorefront bool
	// PublicRate and PublicBurst limit each client IP on public keys and
	// the storefront route (defaults: 10 requests/s, bursts of 20).
	PublicRate  float64
	PublicBurst int
	// KeyRate and KeyBurst limit each API key that is not public
	// (defaults: 5,000 requests/s, bursts of 10,000): one runaway client
	// cannot starve the rest.
	KeyRate  float64
	KeyBurst int
	// FailedAuthRate and FailedAuthBurst limit failed authentications per
	// client IP (defaults: one a second, bursts of 20); beyond, 429 without
	// a database query.
	FailedAuthRate  float64
	FailedAuthBurst int
	// Key seals webhook secrets (required).
	Key *seal.Key
	// WebhookMaxAge is how long a replayed delivery is retried (default 24 h).
	WebhookMaxAge time.Duration
	// AllowPrivateWebhooks lets webhooks point at loopback, private and
	// link-local destinations (BOPIS_WEBHOOK_ALLOW_PRIVATE: tests, private
	// networks); off, they are refused with 422 (internal/webhookurl).
	AllowPrivateWebhooks bool
	// Mailbox serves the demo mailbox page at /demo/mailbox.
	Mailbox bool
	// Pages serves the pages (internal/web); nil: none. Paths neither
	// the API nor the pages serve answer a 404 or 405 problem.
	Pages Pages
}

// Server is the HTTP face of bopis.
type Server struct {
	db      Storage
	log     *slog.Logger
	metrics *metrics
	now     func() time.Time
	api     huma.API

	checkout      Checkout
	orders        bopis.OrderService
	orderReader   bopis.OrderReader
	notifier      bopis.NotificationService
	key           *seal.Key
	webhookMaxAge time.Duration
	allowPrivate  bool // webhooks may point at private destinations
	publicLimit   *ratelimit.Limiter
	keyLimit      *ratelimit.Limiter
	failedAuth    *ratelimit.Limiter // failed authentications per client IP
	keys          *keyCache
	handler       http.Handler
	streams       streamStop
	hub           *streamHub // the order streams' one poller
}

// New builds the server and registers every route.
func New(cfg Config) *Server {
	s := &Server{db: cfg.Storage, log: cfg.Logger, metrics: newMetrics(cfg.Registry), now: cfg.Now}
	s.hub = &streamHub{db: cfg.Storage, log: cfg.Logger, stop: s.streams.c}
	if s.now == nil {
		s.now = time.Now
	}
	s.checkout, s.orders, s.orderReader, s.notifier, s.key = cfg.Checkout, cfg.Orders, cfg.Storage, cfg.Storage, cfg.Key
	s.webhookMaxAge, s.allowPrivate = cfg.WebhookMaxAge, cfg.AllowPrivateWebhooks
	if s.webhookMaxAge <= 0 {
		s.webhookMaxAge = 24 * time.Hour
	}
	if cfg.PublicRate <= 0 {
		cfg.PublicRate = 10
	}
	if cfg.PublicBurst <= 0 {
		cfg.PublicBurst = 20
	}
	s.publicLimit = ratelimit.New(cfg.PublicRate, cfg.PublicBurst, s.now)
	if cfg.KeyRate <= 0 {
		cfg.KeyRate = 5000
	}
	if cfg.KeyBurst <= 0 {
		cfg.KeyBurst = 2 * int(cfg.KeyRate)
	}
	s.keyLimit = ratelimit.New(cfg.KeyRate, cfg.KeyBurst, s.now)
	if cfg.FailedAuthRate <= 0 {
		cfg.FailedAuthRate = 1
	}
	if cfg.FailedAuthBurst <= 0 {
		cfg.FailedAuthBurst = 20
	}
	s.failedAuth = ratelimit.New(cfg.FailedAuthRate, cfg.FailedAuthBurst, s.now)
	s.keys = newKeyCache(s.now)
	mux := http.NewServeMux()
	hc := huma.DefaultConfig("bopis", cfg.Version)
	hc.Info.Description = "Buy online, pick up in store: store network, inventory, pickup promise, orders. " +
		"Authenticate with `Authorization: Bearer <api key>`."
	hc.DocsPath = ""     // the docs page loads scripts from a CDN; the document itself is enough
	hc.SchemasPath = ""  // schemas are inside the document
	hc.CreateHooks = nil // no $schema links in bodies: they would point at the schemas path
	hc.Formats = map[string]huma.Format{"application/json": wire.JSONFormat, "json": wire.JSONFormat}
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"apiKey": {Type: "http", Scheme: "bearer", Description: "A bopis API key; its role decides what it reaches."},
	}
	s.api = humago.New(mux, hc)
	s.api.UseMiddleware(s.authenticate)

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": cfg.Version})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.db.Ping(ctx); err != nil {
			s.log.WarnContext(r.Context(), "not ready", "error", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "version": cfg.Version})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{}))

	s.registerAPIKeys()
	s.registerStores()
	s.registerSKUs()
	s.registerCalendar()
	s.registerInventory()
	s.registerPickup()
	s.registerBigCommerce()
	s.registerOrders()
	s.registerStoreWork()
	s.registerStream()
	s.registerWebhooks()
	s.registerReports()
	s.registerStaff()
	if cfg.Mailbox {
		mux.HandleFunc("GET /demo/mailbox", s.mailbox)
	}
	if cfg.PublicStorefront {
		s.registerStorefront()
	}
	mux.Handle("/", s.pagesOrProblem(mux, cfg.Pages))
	s.handler = s.observe(cors(mux))
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// OpenAPI returns the generated OpenAPI document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Pages is the page handler (a *web.Handler): Handler names the pattern
// of a path it serves, "" when it serves none.
type Pages interface {
	http.Handler
	Handler(r *http.Request) (http.Handler, string)
}

// pagesOrProblem serves what the API's routes do not: a page, or else a
// 405 problem when the path is the API's under another method, or a 404
// problem. The router's own answers are text; every error bopis sends
// is problem+json.
func (s *Server) pagesOrProblem(api *http.ServeMux, pages Pages) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if pages != nil {
			if _, pattern := pages.Handler(r); pattern != "" {
				pages.ServeHTTP(w, r)
				return
			}
		}
		var allow []string
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			probe := &http.Request{Method: m, URL: r.URL, Host: r.Host}
			if _, pattern := api.Handler(probe); pattern != "" && pattern != "/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeProblem(w, http.StatusMethodNotAllowed, "this route does not take "+clip(r.Method, 16)+"; see the Allow header")
			return
		}
		writeProblem(w, http.StatusNotFound, "no such route; the routes are in /openapi.json")
	})
}

// writeProblem answers a problem outside huma's operations.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	b, _ := json.Marshal(huma.NewError(status, detail))
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	w.Write(b)
}

// Body limits: a route takes what it needs. Most bodies are a few
// hundred bytes; a store's year of special hours or an order's 100
// lines need more. POS batches and whole-store counts set their own.
const (
	maxBodyBytes      = 64 << 10
	maxLargeBodyBytes = 256 << 10
)

// op describes an operation open to the given roles (admin is always allowed).
func op(id, method, path, summary, tag string, roles ...bopis.Role) huma.Operation {
	return huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag},
		Security:     []map[string][]string{{"apiKey": {}}},
		Metadata:     map[string]any{rolesKey: roles},
		MaxBodyBytes: maxBodyBytes,
	}
}

// Page is the query of a list operation.
type Page struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"500" doc:"Page size (default 50)."`
	Cursor string `query:"cursor" doc:"The next_cursor of the previous page."`
}

func (p Page) page() bopis.Page { return bopis.Page{Limit: p.Limit, Cursor: p.Cursor} }

// List is the body of a list answer.
type List[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page."`
}

// listOutput wraps a page of T for huma.
type listOutput[T any] struct{ Body List[T] }

func list[T any](data []T, next string) *listOutput[T] {
	return &listOutput[T]{Body: List[T]{Data: data, NextCursor: next}}
}
