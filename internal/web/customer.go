package web

// The customer order page, GET /o/{order_id}/{token}. It takes no API
// key: the link's token (seal.Key.Token("order", id), the one the
// dispatcher puts in every message) is the capability, and a wrong token
// or an unknown order is the same 404. Every change is a POST from a form
// on a page; the GET links in messages (approve, reject, ship-to-home)
// only show a page with the button, because mail scanners fetch links.

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/bopis/bopis"
)

// Orders reads what the customer page shows (a *storage.DB).
type Orders interface {
	GetOrder(ctx context.Context, id string, scope bopis.OrderScope) (*bopis.Order, error)
	OrderEvents(ctx context.Context, id string, scope bopis.OrderScope) ([]bopis.OrderEvent, error)
	GetStore(ctx context.Context, id string) (*bopis.Store, error)
	GetSKU(ctx context.Context, sku string) (*bopis.SKU, error)
}

// Actions are the customer's actions, and placing the demo storefront's
// orders (an *orders.Service).
type Actions interface {
	Place(ctx context.Context, req bopis.OrderRequest, placedBy string, idem *bopis.Idempotency) (*bopis.Order, bool, error)
	Arrive(ctx context.Context, id string, scope bopis.OrderScope, a bopis.Arrival) (*bopis.Order, error)
	Answer(ctx context.Context, id string, scope bopis.OrderScope, lineID string, approve bool) (*bopis.Order, error)
	ShipToHome(ctx context.Context, id string, scope bopis.OrderScope, addr bopis.ShippingAddress) (*bopis.Order, bool, error)
}

// maxForm bounds a customer form's body.
const maxForm = 16 << 10

func (h *Handler) registerCustomer() {
	if h.cfg.Key == nil || h.cfg.Orders == nil || h.cfg.Actions == nil {
		return
	}
	const base = "/o/{id}/{token}"
	h.mux.HandleFunc("GET "+base, h.customer(h.orderPage))
	h.mux.HandleFunc("POST "+base+"/arrival", h.customer(h.arrive))
	h.mux.HandleFunc("GET "+base+"/substitutions/{line}/{answer}", h.customer(h.answerPage))
	h.mux.HandleFunc("POST "+base+"/substitutions/{line}/{answer}", h.customer(h.answer))
	h.mux.HandleFunc("GET "+base+"/ship-to-home", h.customer(h.shipPage))
	h.mux.HandleFunc("POST "+base+"/ship-to-home", h.customer(h.ship))
}

// orderLink is the customer page of order id.
func (h *Handler) orderLink(id string) string {
	return "/o/" + id + "/" + h.cfg.Key.Token("order", id)
}

// visit is one request to a customer page, its token checked and its
// order read.
type visit struct {
	w     http.ResponseWriter
	r     *http.Request
	order *bopis.Order
	link  string // the order's page
}

// customer checks the link's token and reads the order before fn.
func (h *Handler) customer(fn func(v *visit)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Referrer-Policy", "no-referrer") // the token is in the URL
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Robots-Tag", "noindex")
		id, token := r.PathValue("id"), r.PathValue("token")
		if !h.cfg.Key.Verify("order", id, token) {
			h.missing(w)
			return
		}
		o, err := h.cfg.Orders.GetOrder(r.Context(), id, bopis.OrderScope{})
		if err != nil {
			if bopis.ErrorCode(err) == bopis.ENOTFOUND {
				h.missing(w)
				return
			}
			h.log.ErrorContext(r.Context(), "reading a customer's order", "order", id, "error", err)
			h.renderStatus(w, http.StatusServiceUnavailable, "customer_note", note{Title: "Try again soon",
				Text: "We cannot show your order just now. Please try again in a minute."})
			return
		}
		fn(&visit{w: w, r: r, order: o, link: h.orderLink(id)})
	}
}

// note is a page with a heading and a sentence (and a link back).
type note struct {
	Title, Text, Link string
}

func (h *Handler) missing(w http.ResponseWriter) {
	h.renderStatus(w, http.StatusNotFound, "customer_note", note{Title: "Order not found",
		Text: "We cannot find this order. Please check the link in your email or text message."})
}

// problem is what the customer reads when an action fails, with its status.
func (h *Handler) problem(ctx context.Context, err error) (int, string) {
	var e *bopis.Error
	if errors.As(err, &e) && bopis.HTTPStatus(e.Code) != 0 {
		return bopis.HTTPStatus(e.Code), e.Error()
	}
	h.log.ErrorContext(ctx, "a customer action failed", "error", err)
	return http.StatusServiceUnavailable, "We could not do that just now. Please try again in a minute."
}

// orderView is what the order page shows.
type orderView struct {
	Title     string
	Link      string
	Order     *bopis.Order
	Status    string // in words
	Open      bool
	Pickup    bool // the order has lines to pick up
	Curbside  bool
	Store     *bopis.Store
	Address   []string // the store's
	Method    string
	Window    string
	ReadyBy   string
	HoldUntil string
	DayHours  string // the store's hours on the pickup day
	Arrived   string
	ShipTo    []string
	Lines     []lineView
	Proposals []proposal
	Timeline  []step
	CanShip   bool   // cancelled or expired: ship-to-home is offered
	ShipOrder string // the page of the ship order made instead
	Error     string
	Spot      string // the arrival form, kept after an error
	Vehicle   string
	MaxField  int
}

type lineView struct {
	Quantity int64
	Name     string
	Image    template.URL // the product's picture (checked at write, bopis.ValidImageURL), "" none
	Status   string
}

// proposal is a substitute waiting for the customer's answer.
type proposal struct {
	LineID                   string
	Missing, Offer, AnswerBy string
	Approve, Reject          string // where the answers are posted
}

type step struct{ When, What string }

var statusWords = map[bopis.OrderStatus]string{
	bopis.OrderPlaced:    "Order received",
	bopis.OrderAccepted:  "The store is preparing your order",
	bopis.OrderPicking:   "Being picked",
	bopis.OrderReady:     "Ready for pickup",
	bopis.OrderPickedUp:  "Picked up",
	bopis.OrderCancelled: "Cancelled",
	bopis.OrderExpired:   "Not collected in time",
}

var lineWords = map[string]string{
	bopis.LineOpen:                 "",
	bopis.LineUnreserved:           "",
	bopis.LinePicked:               "picked",
	bopis.LineShort:                "not all found",
	bopis.LineSubstitutionProposed: "substitute proposed",
	bopis.LineSubstituted:          "substitute approved",
	bopis.LineRerouted:             "the rest comes from another store",
}

// eventWords are the timeline events a customer sees; others are staff's.
var eventWords = map[string]string{
	"order.placed":                "Order placed",
	"order.accepted":              "The store accepted your order",
	"order.picking":               "Picking started",
	"order.short_picked":          "Some items could not be found",
	"order.rerouted":              "Some items will come from another store",
	"order.substitution_proposed": "A substitute was proposed",
	"order.substitution_answered": "A substitute was answered",
	"order.ready":                 "Ready for pickup",
	"order.arrived":               "You said you are here",
	"order.picked_up":             "Picked up",
	"order.delayed":               "Running late",
	"order.pickup_reminder":       "Pickup reminder sent",
	"order.cancelled":             "Cancelled",
	"order.expired":               "Not collected in time",
	"order.ship_to_home":          "Shipping to you instead",
}

// view gathers what the order page shows. A store or timeline that cannot
// be read leaves its part out rather than failing the page. Times are
// written as everywhere (bopis.FormatTime: the store's zone, labelled).
func (h *Handler) view(ctx context.Context, link string, o *bopis.Order) *orderView {
	loc := bopis.Zone(o.TimeZone)
	at := func(t time.Time) string { return bopis.FormatTime(t, o.TimeZone) }
	v := &orderView{Title: "Your order", Link: link, Order: o, Status: statusWords[o.Status], Open: o.Status.Open(),
		Curbside: o.Method == bopis.PickupCurbside, MaxField: bopis.MaxVehicle}
	// Lines carry their SKU's name; a SKU without one shows its code.
	name := func(sku, named string) string {
		if named != "" {
			return named
		}
		return sku
	}
	for _, l := range o.Lines {
		v.Lines = append(v.Lines, lineView{Quantity: l.Quantity, Name: name(l.SKU, l.Name), Image: imageURL(l.ImageURL), Status: lineWords[l.Status]})
		v.Pickup = v.Pickup || l.Fulfillment == bopis.FulfillPickup
		if s := l.Substitute; s != nil && s.Status == bopis.SubstituteProposed && l.Status == bopis.LineSubstitutionProposed {
			sub := link + "/substitutions/" + l.ID
			v.Proposals = append(v.Proposals, proposal{LineID: l.ID, Missing: fmt.Sprintf("%d × %s", l.Short(), name(l.SKU, l.Name)),
				Offer:    fmt.Sprintf("%d × %s at %s each", s.Quantity, name(s.SKU, s.Name), money(s.UnitPrice)),
				AnswerBy: at(s.AnswerBy), Approve: sub + "/approve", Reject: sub + "/reject"})
		}
	}
	if v.Pickup {
		if s, err := h.cfg.Orders.GetStore(ctx, o.StoreID); err == nil {
			v.Store, v.Address = s, addressLines(s.Address)
			start := o.PickupWindow.Start.In(loc)
			v.DayHours = start.Format("Monday, January 2") + ": " + bopis.FormatHours(s, start)
		}
		v.Method = map[bopis.PickupMethod]string{bopis.PickupInStore: "In store", bopis.PickupCurbside: "Curbside"}[o.Method]
		v.Window = bopis.FormatWindow(o.PickupWindow.Start, o.PickupWindow.End, o.TimeZone)
		v.ReadyBy = at(o.PromisedReadyAt)
		if o.HoldUntil != nil {
			v.HoldUntil = at(*o.HoldUntil)
		}
		if o.ArrivedAt != nil {
			v.Arrived = at(*o.ArrivedAt)
		}
	}
	if a := o.ShippingAddress; a != nil {
		v.ShipTo = addressLines(a.Address)
		if a.Name != "" {
			v.ShipTo = append([]string{a.Name}, v.ShipTo...)
		}
	}
	v.CanShip = v.Pickup && (o.Status == bopis.OrderCancelled || o.Status == bopis.OrderExpired)
	evs, err := h.cfg.Orders.OrderEvents(ctx, o.ID, bopis.OrderScope{})
	if err != nil {
		h.log.WarnContext(ctx, "reading an order's timeline", "order", o.ID, "error", err)
	}
	for _, e := range evs {
		what, ok := eventWords[e.Type]
		if !ok || len(v.Timeline) > 0 && v.Timeline[len(v.Timeline)-1].What == what {
			continue // staff-only, or a repeat (picking reported in parts)
		}
		v.Timeline = append(v.Timeline, step{When: at(e.CreatedAt), What: what})
		if id, _ := e.Detail["ship_order_id"].(string); e.Type == "order.ship_to_home" && id != "" {
			v.ShipOrder = h.orderLink(id)
		}
	}
	return v
}

// imageURL is a product's picture for a page: a URL bopis accepted when
// the SKU was written (http(s), a path here, or an image data URL, which
// html/template would otherwise refuse), else "".
func imageURL(u string) template.URL {
	if !bopis.ValidImageURL(u) {
		return ""
	}
	return template.URL(u)
}

func addressLines(a bopis.Address) []string {
	var out []string
	for _, l := range []string{a.Line1, a.Line2, strings.TrimSpace(a.City + " " + a.Region + " " + a.PostalCode), a.Country} {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// money formats minor units: $19.99, or 19.99 EUR.
func money(m bopis.Money) string {
	s := fmt.Sprintf("%d.%02d", m.Amount/100, m.Amount%100)
	if m.Currency == "USD" || m.Currency == "" {
		return "$" + s
	}
	return s + " " + m.Currency
}

func (h *Handler) orderPage(v *visit) {
	h.renderStatus(v.w, http.StatusOK, "customer", h.view(v.r.Context(), v.link, v.order))
}

// failed shows the order page again with the action's problem.
func (h *Handler) failed(v *visit, err error, fill func(*orderView)) {
	ctx := v.r.Context()
	status, msg := h.problem(ctx, err)
	o := v.order
	if again, err := h.cfg.Orders.GetOrder(ctx, o.ID, bopis.OrderScope{}); err == nil {
		o = again
	}
	view := h.view(ctx, v.link, o)
	view.Error = msg
	if fill != nil {
		fill(view)
	}
	h.renderStatus(v.w, status, "customer", view)
}

// form parses a posted form, bounded; false (answered) when it cannot.
func (h *Handler) form(v *visit) bool {
	v.r.Body = http.MaxBytesReader(v.w, v.r.Body, maxForm)
	if err := v.r.ParseForm(); err != nil {
		h.renderStatus(v.w, http.StatusBadRequest, "customer_note", note{Title: "Something went wrong",
			Text: "We could not read that form. Please go back and try again.", Link: v.link})
		return false
	}
	return true
}

func (h *Handler) arrive(v *visit) {
	if !h.form(v) {
		return
	}
	a := bopis.Arrival{ParkingSpot: strings.TrimSpace(v.r.PostFormValue("parking_spot")),
		Vehicle: strings.TrimSpace(v.r.PostFormValue("vehicle"))}
	if _, err := h.cfg.Actions.Arrive(v.r.Context(), v.order.ID, bopis.OrderScope{}, a); err != nil {
		h.failed(v, err, func(o *orderView) { o.Spot, o.Vehicle = a.ParkingSpot, a.Vehicle })
		return
	}
	http.Redirect(v.w, v.r, v.link+"#arrival", http.StatusSeeOther)
}

// answerView is the page confirming an answer to a substitute.
type answerView struct {
	Title    string
	Link     string
	Action   string // where the answer is posted
	Approve  bool
	Proposal *proposal // nil once answered
	Note     string
}

// answerOf reads the answer in the path (approve or reject) and reports
// whether the order has a substitute on the path's line.
func answerOf(v *visit) (approve, found bool) {
	answer, lineID := v.r.PathValue("answer"), v.r.PathValue("line")
	if answer != "approve" && answer != "reject" {
		return false, false
	}
	for _, l := range v.order.Lines {
		if l.ID == lineID && l.Substitute != nil {
			return answer == "approve", true
		}
	}
	return false, false
}

func (h *Handler) answerPage(v *visit) {
	approve, found := answerOf(v)
	if !found {
		h.missing(v.w)
		return
	}
	view := answerView{Title: "Reject the substitute", Link: v.link, Action: v.r.URL.Path, Approve: approve,
		Note: "This substitute was already answered (or the time to answer ran out). Your order page shows where it stands."}
	if approve {
		view.Title = "Approve the substitute"
	}
	for _, p := range h.view(v.r.Context(), v.link, v.order).Proposals {
		if p.LineID == v.r.PathValue("line") {
			view.Proposal = &p
		}
	}
	h.renderStatus(v.w, http.StatusOK, "customer_answer", view)
}

func (h *Handler) answer(v *visit) {
	approve, found := answerOf(v)
	if !found {
		h.missing(v.w)
		return
	}
	if _, err := h.cfg.Actions.Answer(v.r.Context(), v.order.ID, bopis.OrderScope{}, v.r.PathValue("line"), approve); err != nil {
		h.failed(v, err, nil)
		return
	}
	http.Redirect(v.w, v.r, v.link, http.StatusSeeOther)
}

// shipView is the ship-to-home address form.
type shipView struct {
	Title   string
	Link    string
	Offered bool
	Address bopis.ShippingAddress
	Error   string
}

func (h *Handler) shipPage(v *visit) {
	view := h.view(v.r.Context(), v.link, v.order)
	if view.ShipOrder != "" {
		http.Redirect(v.w, v.r, view.ShipOrder, http.StatusSeeOther)
		return
	}
	addr := bopis.ShippingAddress{Name: v.order.Customer.Name, Address: bopis.Address{Country: "US"}}
	h.renderStatus(v.w, http.StatusOK, "customer_ship", shipView{Title: "Ship to home", Link: v.link,
		Offered: view.CanShip, Address: addr})
}

func (h *Handler) ship(v *visit) {
	if !h.form(v) {
		return
	}
	f := func(k string) string { return strings.TrimSpace(v.r.PostFormValue(k)) }
	addr := bopis.ShippingAddress{Name: f("name"), Address: bopis.Address{Line1: f("line1"), Line2: f("line2"),
		City: f("city"), Region: f("region"), PostalCode: f("postal_code"), Country: strings.ToUpper(f("country"))}}
	o, _, err := h.cfg.Actions.ShipToHome(v.r.Context(), v.order.ID, bopis.OrderScope{}, addr)
	if err != nil {
		status, msg := h.problem(v.r.Context(), err)
		h.renderStatus(v.w, status, "customer_ship", shipView{Title: "Ship to home", Link: v.link, Offered: true,
			Address: addr, Error: msg})
		return
	}
	http.Redirect(v.w, v.r, h.orderLink(o.ID), http.StatusSeeOther)
}
