package web

// registerAssociate serves the store associate app: a store's live queue,
// picking, staging, curbside and handoff, made for a phone. The page signs
// in with a store key and reads the store's order stream
// (/v1/stores/{store_id}/orders/stream) to update itself.
func (h *Handler) registerAssociate() {
	h.mux.HandleFunc("GET /app", h.page("app", "Store · bopis"))
}
