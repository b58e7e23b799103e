package web

// registerAdmin serves the admin console: stores and their hours, SKUs,
// inventory, alerts, orders and webhooks, over the JSON API with an
// admin key (static/admin.js).
func (h *Handler) registerAdmin() {
	h.mux.HandleFunc("GET /admin", h.page("admin", "bopis admin console"))
}
