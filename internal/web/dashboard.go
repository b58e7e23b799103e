package web

// registerDashboard serves the operations dashboard: the pickup report
// (GET /v1/reports/pickup) drawn as SVG charts by static/dashboard.js,
// for an admin or store key.
func (h *Handler) registerDashboard() {
	h.mux.HandleFunc("GET /dashboard", h.page("dashboard", "bopis operations dashboard"))
}
