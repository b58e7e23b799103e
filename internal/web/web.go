// Package web serves bopis's pages from the binary: the store associate
// app (/app), the admin console (/admin), the operations dashboard
// (/dashboard), the embeddable checkout pickup picker (/picker.js), the
// customer order page (/o/{order_id}/{token}) and, in the demo, a
// storefront that uses the picker (/demo/storefront).
//
// Pages are Go templates with a little JavaScript; the staff pages sign
// in with an API key typed by the person (kept in the tab's
// sessionStorage, sent as a Bearer token to the JSON API), so the pages
// reach exactly what the key may. The customer page needs no key: its
// unguessable link (seal.Key.Token) is the capability. Everything is
// embedded: `go run` needs no build step.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/seal"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config builds the pages.
type Config struct {
	Logger *slog.Logger
	// Demo serves the demo storefront page (bopis demo).
	Demo bool

	// The customer order page (/o/{order_id}/{token}) is served when Key,
	// Orders and Actions are all set. Key verifies the links' tokens (the
	// instance key the dispatcher signs them with).
	Key     *seal.Key
	Orders  Orders  // a *storage.DB
	Actions Actions // an *orders.Service

	// The demo storefront (with Demo): the publishable API key its picker
	// uses, the cart it sells, and where its shopper stands (nil: the
	// picker asks).
	DemoPublicKey string
	DemoCart      []DemoItem
	DemoNear      *bopis.Coordinates
}

// Handler serves the pages.
type Handler struct {
	mux  *http.ServeMux
	tmpl *template.Template
	log  *slog.Logger
	cfg  Config
}

// New builds the page handler.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{mux: http.NewServeMux(), log: cfg.Logger, cfg: cfg,
		tmpl: template.Must(template.New("").ParseFS(templateFS, "templates/*.html"))}
	static, _ := fs.Sub(staticFS, "static")
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", cacheable(http.FileServerFS(static))))
	h.mux.HandleFunc("GET /{$}", h.page("home", "bopis"))
	h.registerAdmin()
	h.registerDashboard()
	h.registerCustomer()
	h.registerPicker()
	h.registerStorefront()
	h.registerAssociate()
	return h
}

// ServeHTTP makes Handler an http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.mux.ServeHTTP(w, r)
}

// Handler names the pattern that serves r, "" when no page does.
func (h *Handler) Handler(r *http.Request) (http.Handler, string) { return h.mux.Handler(r) }

// page serves a template that needs no data but its title.
func (h *Handler) page(name, title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.render(w, name, map[string]any{"Title": title})
	}
}

// render executes template name inside the layout.
func (h *Handler) render(w http.ResponseWriter, name string, data map[string]any) {
	h.renderStatus(w, http.StatusOK, name, data)
}

// renderStatus is render answering status; the page is rendered whole
// first, so a template error is a clean 500, never half a page.
func (h *Handler) renderStatus(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		h.log.Error("rendering a page", "page", name, "error", err)
		http.Error(w, "this page cannot be shown now", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

func cacheable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		next.ServeHTTP(w, r)
	})
}
