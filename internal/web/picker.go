package web

import (
	"bytes"
	"net/http"
	"time"
)

// registerPicker serves the embeddable checkout pickup picker at
// /picker.js (and the stylesheet it loads, /picker.css) to any origin:
// storefronts load it with one script tag (see static/picker.js).
func (h *Handler) registerPicker() {
	h.mux.HandleFunc("GET /picker.js", asset("picker.js", "text/javascript; charset=utf-8"))
	h.mux.HandleFunc("GET /picker.css", asset("picker.css", "text/css; charset=utf-8"))
}

// asset serves an embedded static file cross-origin.
func asset(name, contentType string) http.HandlerFunc {
	body, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		panic(err) // embedded: only a build without the file gets here
	}
	return func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Type", contentType)
		hd.Set("Access-Control-Allow-Origin", "*")
		hd.Set("Cross-Origin-Resource-Policy", "cross-origin")
		hd.Set("Cache-Control", "public, max-age=300")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
	}
}
