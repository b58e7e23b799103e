// Package orders is the use cases of orders. Placing orders and checkout
// holds: validate, route (read model + internal/routing), authorize the
// payment, then one storage transaction that reserves, books the slot and
// writes the order. Store work (work.go): accept, pick, ready, arrival,
// handoff, cancel, each one storage transaction, with the payment settled
// at the gateway after it commits. It is the one path both HTTP and jobs
// take.
package orders

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/calendar"
	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/readmodel"
	"github.com/bopis/bopis/internal/routing"
	"github.com/bopis/bopis/internal/seal"
	"github.com/prometheus/client_golang/prometheus"
)

// Storage is what order use cases need of the database.
type Storage interface {
	PlaceOrder(ctx context.Context, p bopis.Placement) (*bopis.Order, bool, error)
	PlaceHold(ctx context.Context, p bopis.HoldPlacement) (*bopis.Hold, error)
	GetHold(ctx context.Context, id, createdBy string) (*bopis.Hold, error)
	LookupKey(ctx context.Context, idem *bopis.Idempotency, out any) (bool, error)
	SetPayment(ctx context.Context, orderID string, p bopis.Payment, event string) error
	storeWork
	timerStorage
}

// Checkout is what routing and promising need of the read model.
type Checkout interface {
	PickupOptions(q readmodel.Query) []readmodel.Option
	Calendar(storeID string, skus []string, method bopis.PickupMethod, now time.Time, days int) (readmodel.StorePromise, []int, bool)
	SlotAt(storeID string, prepMinutes int, now, start time.Time) (calendar.Slot, bool, error)
	Warehouses(c bopis.Coordinates, lines []readmodel.Line, limit int) []readmodel.Location
	StoreCoordinates(storeID string) (bopis.Coordinates, bool)
	HoldUntil(storeID string, readyAt time.Time) (time.Time, bool)
	ClosedOn(storeID, date string) bool
	ClosedStores(from, to time.Time) []string
}

// Config builds a Service.
type Config struct {
	DB      Storage
	Model   Checkout
	Gateway payment.Gateway
	Now     func() time.Time // nil: time.Now
	Logger  *slog.Logger
	// Registry gets the store-work metrics (curbside wait); nil: none kept.
	Registry prometheus.Registerer
	// ShortPick is the retailer's policy for short lines (default continue).
	ShortPick bopis.ShortPickPolicy
	// SubstitutionTimeout is how long a proposed substitute waits for the
	// customer (default bopis.DefaultSubstitutionTimeout).
	SubstitutionTimeout time.Duration
	// Key seals the payment token kept with each order (re-authorization,
	// ship-to-home); nil: none is kept.
	Key *seal.Key
	// Reminders are the pickup reminders' offsets before hold_until
	// (default 24 h and 2 h); LateGrace is how late past the promised time
	// an order is reported delayed (default 15 min); AuthMargin is how long
	// before an authorization's expiry it is renewed (default 1 h), by
	// AuthPolicy (default reauthorize).
	Reminders  []time.Duration
	LateGrace  time.Duration
	AuthMargin time.Duration
	AuthPolicy AuthPolicy
	// ClosurePolicy: what happens to orders on a date their store blocks.
	ClosurePolicy ClosurePolicy
}

// Service runs the order use cases: placing orders and holds, and the
// store's work on them.
type Service struct {
	db      Storage
	model   Checkout
	gateway payment.Gateway
	now     func() time.Time
	log     *slog.Logger
	policy  bopis.ShortPickPolicy
	answer  time.Duration
	wait    *prometheus.HistogramVec
	key     *seal.Key

	reminders  []time.Duration
	lateGrace  time.Duration
	authMargin time.Duration
	authPolicy AuthPolicy
	closure    ClosurePolicy
}

var _ bopis.OrderService = (*Service)(nil)

// New returns a Service.
func New(c Config) *Service {
	s := &Service{db: c.DB, model: c.Model, gateway: c.Gateway, now: c.Now, log: c.Logger, policy: c.ShortPick,
		answer: c.SubstitutionTimeout, key: c.Key, reminders: c.Reminders, lateGrace: c.LateGrace, authMargin: c.AuthMargin,
		authPolicy: c.AuthPolicy, closure: c.ClosurePolicy}
	if s.reminders == nil {
		s.reminders = DefaultReminders
	}
	if s.lateGrace == 0 {
		s.lateGrace = DefaultLateGrace
	}
	if s.authMargin == 0 {
		s.authMargin = DefaultAuthMargin
	}
	if s.authPolicy == "" {
		s.authPolicy = AuthReauthorize
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.policy == "" {
		s.policy = bopis.ShortPickContinue
	}
	if s.answer == 0 {
		s.answer = bopis.DefaultSubstitutionTimeout
	}
	s.wait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "bopis_curbside_wait_seconds",
		Help:    "Time from a curbside customer's arrival to the handoff, per store.",
		Buckets: []float64{30, 60, 120, 180, 300, 420, 600, 900, 1200, 1800, 3600},
	}, []string{"store_id"})
	if c.Registry != nil {
		c.Registry.MustRegister(s.wait)
	}
	return s
}

// Tunables of routing and promising.
const (
	slotChoices    = 8 // slots offered to the database per store when the shopper chose none
	promiseDays    = 7 // how far ahead routing looks for a slot
	alternatives   = 3 // stores suggested with a shortfall
	warehouseTries = 3
)

// Place places an order (see storage.PlaceOrder): the payment is
// authorized first, so a decline leaves nothing behind, and voided if the
// order then cannot be written. placedBy is the API key's id.
func (s *Service) Place(ctx context.Context, req bopis.OrderRequest, placedBy string, idem *bopis.Idempotency) (*bopis.Order, bool, error) {
	if err := req.Validate(); err != nil {
		return nil, false, err
	}
	if idem != nil {
		var first bopis.Order
		if found, err := s.db.LookupKey(ctx, idem, &first); err != nil || found {
			return &first, found, err
		}
	}
	now := s.now()
	o := bopis.Order{ID: newID("o"), ExternalID: req.ExternalID, Method: req.Pickup.Method, PickupCode: pickupCode(),
		Customer: req.Customer, PickupPerson: req.PickupPerson, ShippingAddress: req.ShippingAddress, HoldID: req.HoldID}
	pickup, ship := cart(req.Lines)
	for i, l := range req.Lines {
		f := l.Fulfillment
		if f == "" {
			f = bopis.FulfillPickup
		}
		o.Lines = append(o.Lines, bopis.OrderLine{ID: fmt.Sprintf("l%d", i+1), SKU: l.SKU, Quantity: l.Quantity,
			UnitPrice: l.UnitPrice, Fulfillment: f})
	}
	p := bopis.Placement{PlacedBy: placedBy, Idempotency: idem}
	var near bopis.Coordinates
	if req.HoldID != "" {
		h, err := s.db.GetHold(ctx, req.HoldID, placedBy)
		if err != nil {
			return nil, false, fieldErr(err, "hold_id")
		}
		o.Method = h.Method
		near, _ = s.model.StoreCoordinates(h.StoreID)
	} else {
		attempts, routingNote, err := s.route(req.Pickup, pickup, now)
		if err != nil {
			return nil, false, err
		}
		p.Attempts, p.Routing = attempts, routingNote
		near = s.origin(req.Pickup, attempts)
	}
	if len(ship) > 0 {
		if a := req.ShippingAddress; a != nil && a.Coordinates != nil {
			near = *a.Coordinates
		}
		for _, w := range s.model.Warehouses(near, ship, warehouseTries) {
			p.Warehouses = append(p.Warehouses, w.StoreID)
		}
	}

	capture := req.Payment.Capture
	if capture == "" {
		capture = bopis.CaptureAtPickup
	}
	total := bopis.Total(req.Lines)
	ar := payment.AuthorizeRequest{Token: req.Payment.Token, Amount: total, Reference: o.ID}
	var auth payment.Authorization
	var err error
	if g, ok := s.gateway.(payment.Preparer); ok {
		// The test gateway's authorization is written with the order, in
		// its transaction: one durable commit per order (ADR 0031).
		var row bopis.TestPayment
		if auth, row, err = g.Prepare(ar); err == nil {
			p.TestPayment = &row
		}
	} else {
		auth, err = s.gateway.Authorize(ctx, ar)
	}
	if err != nil {
		return nil, false, err
	}
	o.Payment = bopis.Payment{Gateway: auth.Gateway, AuthorizationID: auth.ID, Status: bopis.PaymentAuthorized,
		Capture: capture, Authorized: auth.Amount, Captured: bopis.Money{Currency: auth.Amount.Currency},
		AuthorizationExpiresAt: auth.ExpiresAt}
	p.Order = o
	if s.key != nil {
		p.PaymentToken = s.key.Seal(req.Payment.Token)
	}

	placed, replayed, err := s.db.PlaceOrder(ctx, p)
	if err != nil || replayed {
		// Nothing was written for this authorization: let it go. (One
		// written with the order went with its transaction's rollback.)
		if p.TestPayment == nil {
			if verr := s.gateway.Void(context.WithoutCancel(ctx), auth.ID); verr != nil {
				s.log.ErrorContext(ctx, "voiding the authorization of an order that was not placed", "authorization", auth.ID, "error", verr)
			}
		}
		if err != nil {
			return nil, false, s.explain(err, req.Pickup, pickup, now)
		}
		return placed, true, nil
	}
	if capture == bopis.CaptureAtPlacement {
		if err := s.gateway.Capture(ctx, auth.ID, total); err != nil {
			// The order stands, authorized; the uncaptured-payments audit finds it.
			s.log.ErrorContext(ctx, "capturing at placement", "order", placed.ID, "error", err)
			return placed, false, nil
		}
		placed.Payment.Status, placed.Payment.Captured = bopis.PaymentCaptured, total
		if err := s.db.SetPayment(ctx, placed.ID, placed.Payment, "payment.captured"); err != nil {
			return nil, false, err
		}
	}
	return placed, false, nil
}

// Hold holds stock and a slot for a cart.
func (s *Service) Hold(ctx context.Context, req bopis.HoldRequest, createdBy string) (*bopis.Hold, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	lines, _ := cart(req.Lines)
	attempts, _, err := s.route(req.Pickup, lines, now)
	if err != nil {
		return nil, err
	}
	h := bopis.Hold{ID: newID("h"), Method: req.Pickup.Method, Lines: req.Lines, ExpiresAt: now.Add(req.TTL()).UTC().Truncate(time.Microsecond)}
	for i := range h.Lines {
		h.Lines[i].Fulfillment = bopis.FulfillPickup
	}
	out, err := s.db.PlaceHold(ctx, bopis.HoldPlacement{Hold: h, CreatedBy: createdBy, Attempts: attempts})
	if err != nil {
		return nil, s.explain(err, req.Pickup, lines, now)
	}
	return out, nil
}

// cart splits request lines into the pickup and ship carts.
func cart(lines []bopis.OrderLineRequest) (pickup, ship []readmodel.Line) {
	for _, l := range lines {
		rl := readmodel.Line{SKU: l.SKU, Quantity: l.Quantity}
		if l.Fulfillment == bopis.FulfillShip {
			ship = append(ship, rl)
		} else {
			pickup = append(pickup, rl)
		}
	}
	return pickup, ship
}

func skusOf(lines []readmodel.Line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.SKU
	}
	return out
}

// route turns the pickup request into the stores to try, in order, each
// with its acceptable slots.
func (s *Service) route(p bopis.PickupRequest, lines []readmodel.Line, now time.Time) ([]bopis.PickupAttempt, bopis.Routing, error) {
	if p.StoreID != "" {
		a, err := s.attempt(p.StoreID, p, lines, now)
		if err != nil {
			return nil, bopis.Routing{}, err
		}
		return []bopis.PickupAttempt{a}, bopis.Routing{Requested: true, Reason: "the store the shopper chose"}, nil
	}
	radius := p.RadiusKm
	if radius == 0 {
		radius = bopis.DefaultRadiusKm
	}
	opts := s.model.PickupOptions(readmodel.Query{Coordinates: *p.Coordinates, RadiusKm: radius, Lines: lines,
		Method: p.Method, Days: promiseDays, Limit: routing.MaxAttempts * 2, Now: now})
	var cands []routing.Candidate
	byID := map[string]readmodel.Option{}
	for _, o := range opts {
		if p.Slot != nil {
			// The shopper chose a time: only stores that offer it.
			if _, found, err := s.model.SlotAt(o.Store.ID, o.PrepMinutes, now, p.Slot.Start); !found || err != nil {
				continue
			}
		}
		cands = append(cands, routing.Candidate{StoreID: o.Store.ID, DistanceKm: o.DistanceKm, EarliestReadyAt: o.Promise.EarliestReadyAt})
		byID[o.Store.ID] = o
	}
	var attempts []bopis.PickupAttempt
	for _, c := range routing.Rank(cands) {
		o := byID[c.StoreID]
		d := o.DistanceKm
		a := bopis.PickupAttempt{StoreID: o.Store.ID, TimeZone: o.Store.TimeZone, Capacity: o.Store.SlotCapacity, DistanceKm: &d}
		if p.Slot != nil {
			slot, _, _ := s.model.SlotAt(o.Store.ID, o.PrepMinutes, now, p.Slot.Start)
			a.Slots = []bopis.PickupWindow{{Start: slot.Start, End: slot.End}}
		} else {
			a.Slots = windows(o.Promise.Slots)
		}
		attempts = append(attempts, a)
	}
	if len(attempts) == 0 {
		return nil, bopis.Routing{}, &bopis.Error{Code: bopis.ECONFLICT,
			Message: fmt.Sprintf("no store within %g km offers %s pickup of every line", radius, p.Method),
			Fields:  []bopis.FieldError{{Path: "pickup.coordinates", Message: "no store nearby has every line; try a larger radius_km or fewer lines"}}}
	}
	return attempts, bopis.Routing{Reason: "the nearest store with every line and a free slot"}, nil
}

// attempt is the one store the shopper named, with the slot they chose
// or the earliest ones. Whether the store may take the lines (active, a
// store, each SKU eligible there) the reserving transaction decides, on
// the rows as they stand (bopis.Refusal): the read model may trail
// them, and one rule decides for every path.
func (s *Service) attempt(storeID string, p bopis.PickupRequest, lines []readmodel.Line, now time.Time) (bopis.PickupAttempt, error) {
	skus := skusOf(lines)
	sp, unknown, found := s.model.Calendar(storeID, skus, p.Method, now, promiseDays)
	if found && len(unknown) > 0 {
		// SKUs the model does not know: the prep of the others, and the
		// transaction names the unknown ones.
		known := skus[:0:0]
		for i, sku := range skus {
			if !slices.Contains(unknown, i) {
				known = append(known, sku)
			}
		}
		sp, _, found = s.model.Calendar(storeID, known, p.Method, now, promiseDays)
	}
	if !found || !sp.Store.Active {
		return bopis.PickupAttempt{}, &bopis.Error{Code: bopis.ENOTFOUND, Message: fmt.Sprintf("store %q not found", storeID),
			Fields: []bopis.FieldError{{Path: "pickup.store_id", Message: "no active store has this id"}}}
	}
	a := bopis.PickupAttempt{StoreID: storeID, TimeZone: sp.Store.TimeZone, Capacity: sp.Store.SlotCapacity}
	if !bopis.TakesPickup(sp.Store.Active, sp.Store.Type) {
		return a, &bopis.Error{Code: bopis.EINVALID, Message: fmt.Sprintf("store %s does not offer pickup", storeID),
			Fields: []bopis.FieldError{{Path: "pickup.store_id", Message: "is a warehouse: it ships and offers no pickup"}}}
	}
	if !sp.Store.Offers(p.Method) {
		return a, &bopis.Error{Code: bopis.EINVALID, Message: fmt.Sprintf("store %s does not offer %s pickup", storeID, p.Method),
			Fields: []bopis.FieldError{{Path: "pickup.method", Message: fmt.Sprintf("store %s offers %v", storeID, sp.Store.PickupMethods)}}}
	}
	if p.Slot != nil {
		slot, _, err := s.model.SlotAt(storeID, sp.PrepMinutes, now, p.Slot.Start)
		if err != nil {
			return a, fieldErr(err, "pickup.slot.start")
		}
		if !p.Slot.End.IsZero() && !p.Slot.End.Equal(slot.End) {
			return a, &bopis.Error{Code: bopis.EINVALID, Message: "the slot's end does not match the store's slot",
				Fields: []bopis.FieldError{{Path: "pickup.slot.end", Message: "the slot starting then ends at " + slot.End.Format(time.RFC3339)}}}
		}
		a.Slots = []bopis.PickupWindow{{Start: slot.Start, End: slot.End}}
		return a, nil
	}
	if sp.Promise.NoPickupReason != "" || len(sp.Promise.Slots) == 0 {
		reason := sp.Promise.NoPickupReason
		if reason == "" {
			reason = "every slot is full"
		}
		return a, &bopis.Error{Code: bopis.ECONFLICT, Message: fmt.Sprintf("store %s has no pickup time: %s", storeID, reason),
			Fields: []bopis.FieldError{{Path: "pickup.store_id", Message: reason}}}
	}
	a.Slots = windows(sp.Promise.Slots)
	return a, nil
}

func windows(slots []calendar.Slot) []bopis.PickupWindow {
	n := min(len(slots), slotChoices)
	out := make([]bopis.PickupWindow, n)
	for i := range n {
		out[i] = bopis.PickupWindow{Start: slots[i].Start, End: slots[i].End}
	}
	return out
}

// origin is where the shopper is, for choosing warehouses and alternatives.
func (s *Service) origin(p bopis.PickupRequest, attempts []bopis.PickupAttempt) bopis.Coordinates {
	if p.Coordinates != nil {
		return *p.Coordinates
	}
	if len(attempts) > 0 {
		c, _ := s.model.StoreCoordinates(attempts[0].StoreID)
		return c
	}
	return bopis.Coordinates{}
}

// explain adds the nearest stores that have everything to a shortfall,
// or to lines the store named may not hand over; a store that takes no
// pickup orders at all is answered as it is.
func (s *Service) explain(err error, p bopis.PickupRequest, lines []readmodel.Line, now time.Time) error {
	var nr *bopis.NoRoute
	if !errors.As(err, &nr) {
		return err
	}
	var r *bopis.Refusal
	if errors.As(err, &r) && r.Store != "" {
		return err
	}
	var origin bopis.Coordinates
	switch {
	case p.Coordinates != nil:
		origin = *p.Coordinates
	case p.StoreID != "":
		origin, _ = s.model.StoreCoordinates(p.StoreID)
	}
	tried := map[string]bool{}
	for _, t := range nr.Tried {
		tried[t.StoreID] = true
	}
	out := &bopis.ShortError{Err: err, Alternatives: []bopis.Alternative{}}
	for _, o := range s.model.PickupOptions(readmodel.Query{Coordinates: origin, RadiusKm: bopis.DefaultRadiusKm, Lines: lines,
		Method: p.Method, Days: promiseDays, Limit: alternatives + len(tried), Now: now}) {
		if tried[o.Store.ID] || len(out.Alternatives) == alternatives {
			continue
		}
		out.Alternatives = append(out.Alternatives, bopis.Alternative{StoreID: o.Store.ID, Name: o.Store.Name,
			DistanceKm: o.DistanceKm, EarliestReadyAt: o.Promise.EarliestReadyAt})
	}
	return out
}

// fieldErr names path as the field at fault of a domain error without fields.
func fieldErr(err error, path string) error {
	var e *bopis.Error
	if errors.As(err, &e) && len(e.Fields) == 0 {
		return &bopis.Error{Code: e.Code, Message: e.Message, Fields: []bopis.FieldError{{Path: path, Message: e.Message}}}
	}
	return err
}

// idEncoding is base32 with its alphabet in ASCII order, so encoded ids
// sort as their bytes do.
var idEncoding = base32.NewEncoding("234567abcdefghijklmnopqrstuvwxyz").WithPadding(base32.NoPadding)

// newID is prefix-<26 base32 characters>: the millisecond it was made (48
// bits) then 80 random bits, as in a ULID. Unguessable all the same, and
// ids made later sort later: the rows and index entries keyed by an order
// id (its lines, events, reservations) go to the end of their b-trees
// instead of a random page each, which keeps a group commit's pages few
// (measured in BENCHMARKS.md, "Orders").
func newID(prefix string) string { return idAt(prefix, time.Now()) }

func idAt(prefix string, t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixMilli())<<16)
	rand.Read(b[6:])
	return prefix + "-" + idEncoding.EncodeToString(b[:])
}

// pickupCode is six random digits from crypto/rand.
func pickupCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return fmt.Sprintf("%06d", n.Int64())
}
