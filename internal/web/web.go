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
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
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
	h.registerAssociate()
	return h
}

// ServeHTTP makes Handler an http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.mux.ServeHTTP(w, r)
}

// page serves a template that needs no data but its title.
func (h *Handler) page(name, title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h.render(w, name, map[string]any{"Title": title})
	}
}

// render executes template name inside the layout.
func (h *Handler) render(w http.ResponseWriter, name string, data map[string]any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'")
	if err := h.tmpl.ExecuteTemplate(w, name, data); err != nil {
		h.log.Error("rendering a page", "page", name, "error", err)
	}
}

func cacheable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		next.ServeHTTP(w, r)
	})
}
