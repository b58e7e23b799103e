package web

// The demo storefront (bopis demo only): a small cart that embeds
// /picker.js as any shop would and, when the shopper has chosen a store
// and a slot, places the order through a same-origin demo endpoint that
// calls the orders service directly (a real shop's server would call
// POST /v1/orders with its storefront key).

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"

	"github.com/bopis/bopis"
)

// DemoItem is one line of the demo storefront's cart.
type DemoItem struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Quantity  int64  `json:"quantity"`
	UnitPrice int64  `json:"unit_price"` // cents, USD
}

// demoPlacedBy stands for the API key that places the demo's orders.
const demoPlacedBy = "demo-storefront"

func (h *Handler) registerStorefront() {
	if !h.cfg.Demo {
		return
	}
	h.mux.HandleFunc("GET /demo/storefront", h.storefront)
	if h.cfg.Key != nil && h.cfg.Actions != nil {
		h.mux.HandleFunc("POST /demo/storefront/orders", h.storefrontOrder)
	}
}

// storefrontView is the demo storefront page.
type storefrontView struct {
	Title     string
	PublicKey string
	Cart      []cartLine
	CartJSON  string
	Near      string // "lat,lon" or empty
	Total     string
}

type cartLine struct {
	DemoItem
	Price string
}

func (h *Handler) storefront(w http.ResponseWriter, r *http.Request) {
	v := storefrontView{Title: "Demo storefront", PublicKey: h.cfg.DemoPublicKey}
	var total int64
	for _, it := range h.cfg.DemoCart {
		v.Cart = append(v.Cart, cartLine{it, money(bopis.Money{Amount: it.Quantity * it.UnitPrice, Currency: "USD"})})
		total += it.Quantity * it.UnitPrice
	}
	v.Total = money(bopis.Money{Amount: total, Currency: "USD"})
	b, _ := json.Marshal(h.cfg.DemoCart) // plain fields: cannot fail
	v.CartJSON = string(b)
	if c := h.cfg.DemoNear; c != nil {
		v.Near = strconv.FormatFloat(c.Latitude, 'f', -1, 64) + "," + strconv.FormatFloat(c.Longitude, 'f', -1, 64)
	}
	h.renderStatus(w, http.StatusOK, "storefront", v)
}

// demoOrder is what the storefront page posts: the picker's choice and
// a fresh idempotency key per choice.
type demoOrder struct {
	IdempotencyKey string             `json:"idempotency_key"`
	StoreID        string             `json:"store_id"`
	Method         bopis.PickupMethod `json:"method"`
	Slot           bopis.SlotChoice   `json:"slot"`
}

// storefrontOrder places the demo cart for pickup where the shopper chose
// and answers the order with its customer page. JSON only, so another
// site's form cannot post here (browsers preflight JSON, and nothing
// answers the preflight).
func (h *Handler) storefrontOrder(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]string{"detail": "send application/json"})
		return
	}
	var in demoOrder
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxForm)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"detail": "cannot read the request: " + err.Error()})
		return
	}
	if in.IdempotencyKey == "" || len(in.IdempotencyKey) > 100 {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"detail": "idempotency_key: 1 to 100 characters"})
		return
	}
	req := bopis.OrderRequest{
		Customer: bopis.Customer{Name: "Demo Shopper", Email: "shopper@example.com", Notify: []string{"email"}},
		Pickup:   bopis.PickupRequest{StoreID: in.StoreID, Method: in.Method, Slot: &in.Slot},
		Payment:  bopis.PaymentRequest{Token: "tok_visa"},
	}
	for _, it := range h.cfg.DemoCart {
		req.Lines = append(req.Lines, bopis.OrderLineRequest{SKU: it.SKU, Quantity: it.Quantity,
			UnitPrice: bopis.Money{Amount: it.UnitPrice, Currency: "USD"}, Fulfillment: bopis.FulfillPickup})
	}
	body, _ := json.Marshal(req)
	idem := &bopis.Idempotency{Scope: demoPlacedBy + " place-order", Key: in.IdempotencyKey, Hash: bopis.IdempotencyHash(body)}
	o, _, err := h.cfg.Actions.Place(r.Context(), req, demoPlacedBy, idem)
	if err != nil {
		status, msg := h.problem(r.Context(), err)
		writeJSON(w, status, map[string]string{"detail": msg})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"order": o, "link": h.orderLink(o.ID), "mailbox": "/demo/mailbox"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(fmt.Sprintf(`{"detail":%q}`, err.Error()))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
