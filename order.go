package bopis

import (
	"fmt"
	"net/mail"
	"regexp"
	"time"
)

// Money is an amount in a currency's minor units (cents for USD).
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// MaxMoneyAmount bounds any amount (10^13 minor units): totals of up to
// MaxOrderLines lines of MaxOrderQuantity cannot overflow int64.
const MaxMoneyAmount = 10_000_000_000_000

func validateMoney(v *fieldErrors, path string, m Money) {
	if !currencyPattern.MatchString(m.Currency) {
		v.add(join(path, "currency"), "must be an ISO 4217 code such as USD")
	}
	if m.Amount < 0 || m.Amount > MaxMoneyAmount {
		v.add(join(path, "amount"), "must be between 0 and %d minor units", int64(MaxMoneyAmount))
	}
}

// OrderStatus is where an order is in its life (see internal/orderstate).
type OrderStatus string

const (
	OrderPlaced    OrderStatus = "placed"
	OrderAccepted  OrderStatus = "accepted"
	OrderPicking   OrderStatus = "picking"
	OrderReady     OrderStatus = "ready"
	OrderPickedUp  OrderStatus = "picked_up"
	OrderCancelled OrderStatus = "cancelled"
	OrderExpired   OrderStatus = "expired"
)

// OrderStatuses lists every status.
var OrderStatuses = []OrderStatus{OrderPlaced, OrderAccepted, OrderPicking, OrderReady, OrderPickedUp, OrderCancelled, OrderExpired}

// Open reports whether an order in status s still holds stock.
func (s OrderStatus) Open() bool {
	switch s {
	case OrderPlaced, OrderAccepted, OrderPicking, OrderReady:
		return true
	}
	return false
}

// Fulfillment is how a line reaches the customer.
type Fulfillment string

const (
	FulfillPickup Fulfillment = "pickup"
	FulfillShip   Fulfillment = "ship"
)

// CapturePolicy says when an order's payment is captured.
type CapturePolicy string

const (
	CaptureAtPickup    CapturePolicy = "at_pickup"    // at handoff, for what was handed over (the default)
	CaptureAtPlacement CapturePolicy = "at_placement" // in full when the order is placed
)

// Limits of an order.
const (
	MaxOrderLines    = 100
	MaxOrderQuantity = 10_000 // per line
	MaxExternalID    = 200
	MaxTokenLength   = 255
	// DefaultHoldTTL and MaxHoldTTL bound a checkout hold's life.
	DefaultHoldTTL = 10 * time.Minute
	MaxHoldTTL     = time.Hour
	// DefaultRadiusKm is how far routing looks without a radius.
	DefaultRadiusKm = 50
)

// Customer is who placed the order and how to reach them.
type Customer struct {
	Name   string   `json:"name"`
	Email  string   `json:"email,omitempty"`
	Phone  string   `json:"phone,omitempty"`
	Notify []string `json:"notify,omitempty"` // channels: email, sms
}

// PickupPerson is who will collect the order, when not the customer.
type PickupPerson struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// SlotChoice is a pickup window the shopper picked.
type SlotChoice struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitempty"`
}

// PickupRequest says where and how the pickup lines are collected: at
// StoreID, or (without it) the nearest store to Coordinates that has
// everything.
type PickupRequest struct {
	StoreID     string       `json:"store_id,omitempty"`
	Coordinates *Coordinates `json:"coordinates,omitempty"`
	RadiusKm    float64      `json:"radius_km,omitempty"`
	Method      PickupMethod `json:"method"`
	Slot        *SlotChoice  `json:"slot,omitempty"`
}

// OrderLineRequest is one line of a cart.
type OrderLineRequest struct {
	SKU         string      `json:"sku"`
	Quantity    int64       `json:"quantity"`
	UnitPrice   Money       `json:"unit_price"`
	Fulfillment Fulfillment `json:"fulfillment"`
}

// ShippingAddress is where ship lines go.
type ShippingAddress struct {
	Name        string       `json:"name,omitempty"`
	Address                  // line1 … country
	Coordinates *Coordinates `json:"coordinates,omitempty"` // picks the nearest warehouse when given
}

// Validate checks a shipping address; path names it in errors.
func (a *ShippingAddress) Validate(path string) error {
	var v fieldErrors
	a.validate(&v, path)
	return v.err("shipping address")
}

func (a *ShippingAddress) validate(v *fieldErrors, path string) {
	named := v.text(join(path, "name"), a.Name)
	if validateAddressText(v, path, &a.Address) && named {
		if a.Line1 == "" || a.City == "" || a.PostalCode == "" || a.Country == "" {
			v.add(path, "needs line1, city, postal_code and country")
		}
		if len(a.Name) > MaxNameLength || len(a.Line1) > MaxNameLength || len(a.City) > MaxNameLength {
			v.add(path, "name, line1 and city must be at most %d characters", MaxNameLength)
		}
	}
	if a.Coordinates != nil {
		v.list = append(v.list, ValidateCoordinates(path+".coordinates", *a.Coordinates)...)
	}
}

// PaymentRequest is how the order is paid.
type PaymentRequest struct {
	Token   string        `json:"token"`
	Capture CapturePolicy `json:"capture,omitempty"`
}

// OrderRequest is what a storefront sends to place an order. HoldID, when
// set, converts a checkout hold: its store, slot and pickup lines are
// used, and the request's pickup lines must match them.
type OrderRequest struct {
	ExternalID      string             `json:"external_id,omitempty"`
	HoldID          string             `json:"hold_id,omitempty"`
	Customer        Customer           `json:"customer"`
	PickupPerson    *PickupPerson      `json:"pickup_person,omitempty"`
	Pickup          PickupRequest      `json:"pickup"`
	Lines           []OrderLineRequest `json:"lines"`
	ShippingAddress *ShippingAddress   `json:"shipping_address,omitempty"`
	Payment         PaymentRequest     `json:"payment"`
}

// HoldRequest asks to hold stock and a slot for a cart while the shopper pays.
type HoldRequest struct {
	Pickup     PickupRequest      `json:"pickup"`
	Lines      []OrderLineRequest `json:"lines"`
	TTLSeconds int                `json:"ttl_seconds,omitempty"`
}

// TTL is the hold's life: the default when unset.
func (h *HoldRequest) TTL() time.Duration {
	if h.TTLSeconds == 0 {
		return DefaultHoldTTL
	}
	return time.Duration(h.TTLSeconds) * time.Second
}

var phonePattern = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Validate checks an order request; every field at fault is named.
func (o *OrderRequest) Validate() error {
	var v fieldErrors
	if v.text("external_id", o.ExternalID) && len(o.ExternalID) > MaxExternalID {
		v.add("external_id", "must be at most %d characters", MaxExternalID)
	}
	if o.HoldID != "" && !ValidID(o.HoldID) {
		v.add("hold_id", "%s", IDRule)
	}
	c := o.Customer
	if v.text("customer.name", c.Name) && (c.Name == "" || len(c.Name) > MaxNameLength) {
		v.add("customer.name", "must be 1 to %d characters", MaxNameLength)
	}
	validateContact(&v, "customer", c.Email, c.Phone)
	if c.Email == "" && c.Phone == "" {
		v.add("customer", "needs an email or a phone to be told when the order is ready")
	}
	for i, ch := range c.Notify {
		p := fmt.Sprintf("customer.notify[%d]", i)
		switch {
		case ch != "email" && ch != "sms":
			v.add(p, `must be "email" or "sms"`)
		case ch == "email" && c.Email == "":
			v.add(p, "email needs customer.email")
		case ch == "sms" && c.Phone == "":
			v.add(p, "sms needs customer.phone")
		}
	}
	if pp := o.PickupPerson; pp != nil {
		if v.text("pickup_person.name", pp.Name) && (pp.Name == "" || len(pp.Name) > MaxNameLength) {
			v.add("pickup_person.name", "must be 1 to %d characters", MaxNameLength)
		}
		validateContact(&v, "pickup_person", pp.Email, pp.Phone)
	}
	ship := validateLines(&v, o.Lines)
	if o.HoldID == "" || ship {
		validatePickup(&v, o.Pickup, o.HoldID != "")
	}
	switch {
	case ship && o.ShippingAddress == nil:
		v.add("shipping_address", "required: the order has lines to ship")
	case ship:
		o.ShippingAddress.validate(&v, "shipping_address")
	case o.ShippingAddress != nil:
		// Not needed without ship lines, but kept with the order: its
		// text must be storable on both databases all the same.
		v.text("shipping_address.name", o.ShippingAddress.Name)
		validateAddressText(&v, "shipping_address", &o.ShippingAddress.Address)
	}
	if v.str("payment.token", o.Payment.Token) && (o.Payment.Token == "" || len(o.Payment.Token) > MaxTokenLength) {
		v.add("payment.token", "must be 1 to %d characters", MaxTokenLength)
	}
	switch o.Payment.Capture {
	case "", CaptureAtPickup, CaptureAtPlacement:
	default:
		v.add("payment.capture", "must be %q or %q", CaptureAtPickup, CaptureAtPlacement)
	}
	return v.err("order")
}

// Validate checks a hold request.
func (h *HoldRequest) Validate() error {
	var v fieldErrors
	if validateLines(&v, h.Lines) {
		for i, l := range h.Lines {
			if l.Fulfillment == FulfillShip {
				v.add(fmt.Sprintf("lines[%d].fulfillment", i), "a hold covers pickup lines only")
			}
		}
	}
	validatePickup(&v, h.Pickup, false)
	if h.TTLSeconds != 0 && (h.TTLSeconds < 60 || time.Duration(h.TTLSeconds)*time.Second > MaxHoldTTL) {
		v.add("ttl_seconds", "must be between 60 and %d", int(MaxHoldTTL/time.Second))
	}
	return v.err("hold")
}

func validateContact(v *fieldErrors, path, email, phone string) {
	if email != "" && v.text(path+".email", email) {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
			v.add(path+".email", "must be an email address such as ana@example.com")
		}
	}
	if phone != "" && v.text(path+".phone", phone) && !phonePattern.MatchString(phone) {
		v.add(path+".phone", "must be in E.164 form such as +15555550100")
	}
}

// validateLines checks the lines and reports whether any is shipped.
// Every line is in one currency; at least one is picked up.
func validateLines(v *fieldErrors, lines []OrderLineRequest) (ship bool) {
	if len(lines) == 0 || len(lines) > MaxOrderLines {
		v.add("lines", "must have 1 to %d lines", MaxOrderLines)
		return false
	}
	pickup := false
	currency := ""
	for i, l := range lines {
		p := fmt.Sprintf("lines[%d]", i)
		if !ValidID(l.SKU) {
			v.add(p+".sku", "%s", IDRule)
		}
		if l.Quantity < 1 || l.Quantity > MaxOrderQuantity {
			v.add(p+".quantity", "must be between 1 and %d", MaxOrderQuantity)
		}
		validateMoney(v, p+".unit_price", l.UnitPrice)
		if currency == "" {
			currency = l.UnitPrice.Currency
		} else if l.UnitPrice.Currency != currency {
			v.add(p+".unit_price.currency", "every line must be in %s, the currency of lines[0]", currency)
		}
		switch l.Fulfillment {
		case FulfillPickup, "":
			pickup = true
		case FulfillShip:
			ship = true
		default:
			v.add(p+".fulfillment", "must be %q or %q", FulfillPickup, FulfillShip)
		}
	}
	if !pickup {
		v.add("lines", "at least one line must be picked up")
	}
	return ship
}

// validatePickup checks where and how. With routeOnly, only the
// coordinates (for a ship line's warehouse) are looked at.
func validatePickup(v *fieldErrors, p PickupRequest, routeOnly bool) {
	if routeOnly {
		return
	}
	if p.StoreID != "" && !ValidID(p.StoreID) {
		v.add("pickup.store_id", "%s", IDRule)
	}
	if p.StoreID == "" && p.Coordinates == nil {
		v.add("pickup", "needs store_id, or coordinates to route to the nearest store")
	}
	if p.Coordinates != nil {
		v.list = append(v.list, ValidateCoordinates("pickup.coordinates", *p.Coordinates)...)
	}
	if p.RadiusKm < 0 || p.RadiusKm > 1000 {
		v.add("pickup.radius_km", "must be between 0 and 1000")
	}
	if p.Method != PickupInStore && p.Method != PickupCurbside {
		v.add("pickup.method", "must be %q or %q", PickupInStore, PickupCurbside)
	}
	if s := p.Slot; s != nil {
		if s.Start.IsZero() {
			v.add("pickup.slot.start", "required")
		}
		if !s.End.IsZero() && !s.End.After(s.Start) {
			v.add("pickup.slot.end", "must be after start")
		}
	}
}

// Total is what the lines cost together, in their currency.
func Total(lines []OrderLineRequest) Money {
	var m Money
	for _, l := range lines {
		m.Amount += l.Quantity * l.UnitPrice.Amount
		m.Currency = l.UnitPrice.Currency
	}
	return m
}

// Line status. A pickup line starts open; pick resolves it (picked,
// short, substitution_proposed → substituted or short, rerouted). An
// order is ready only when no pickup line is open or waiting for the
// customer's answer.
const (
	LineOpen                 = "open"                  // waiting to be picked (or shipped)
	LineUnreserved           = "unreserved"            // a ship line no warehouse could hold: for the retailer's OMS
	LinePicked               = "picked"                // picked in full
	LineShort                = "short"                 // picked less than ordered; the order goes on without the rest
	LineSubstitutionProposed = "substitution_proposed" // short, with a substitute waiting for the customer
	LineSubstituted          = "substituted"           // short, and the customer took the substitute
	LineRerouted             = "rerouted"              // short, and the rest went to another store as a linked order
)

// Substitute statuses.
const (
	SubstituteProposed = "proposed"
	SubstituteApproved = "approved"
	SubstituteRejected = "rejected" // by the customer, or by no answer in time (AnsweredBy "timeout")
)

// Store-work limits.
const (
	// MaxHandoffAttempts wrong pickup codes in a row lock the order's
	// handoff for HandoffLock (someone is guessing).
	MaxHandoffAttempts = 5
	HandoffLock        = 15 * time.Minute
	// DefaultSubstitutionTimeout is how long a proposed substitute waits
	// for the customer before it counts as rejected.
	DefaultSubstitutionTimeout = 30 * time.Minute
	MaxStagingLocation         = 100
	MaxVehicle                 = 100
)

// ShortPickPolicy is what happens to the rest of a short line (a store
// setting of the retailer).
type ShortPickPolicy string

const (
	// ShortPickContinue: the order goes on without it; the customer is told
	// and pays only for what is handed over.
	ShortPickContinue ShortPickPolicy = "continue"
	// ShortPickReroute: the rest is placed as a linked order, with its own
	// pickup code, at the nearest store that has it.
	ShortPickReroute ShortPickPolicy = "reroute"
)

// PickupWindow is the slot the order is promised for.
type PickupWindow struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Substitute is a SKU proposed in place of the part of a line the store
// could not pick. It is reserved when proposed (the associate has it in
// hand) and released if the customer rejects it or does not answer by
// AnswerBy.
type Substitute struct {
	SKU        string     `json:"sku"`
	Name       string     `json:"name,omitempty"` // the SKU's, read with the line
	Quantity   int64      `json:"quantity"`
	UnitPrice  Money      `json:"unit_price"`
	Status     string     `json:"status"` // proposed, approved, rejected
	AnswerBy   time.Time  `json:"answer_by"`
	AnsweredBy string     `json:"answered_by,omitempty"` // customer, timeout
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// Value is what the substitute costs.
func (s *Substitute) Value() int64 { return s.Quantity * s.UnitPrice.Amount }

// OrderLine is one line of a placed order.
type OrderLine struct {
	ID  string `json:"id"`
	SKU string `json:"sku"`
	// Name and ImageURL are the SKU's as it is now, read with the line,
	// so a person reads a product, not a code; Shelf is where the SKU
	// sits in the line's store (StoreSKU.Location), for the pick list.
	Name           string      `json:"name"`
	ImageURL       string      `json:"image_url,omitempty"`
	Shelf          string      `json:"shelf,omitempty"`
	MinimumAge     int         `json:"minimum_age,omitempty"`
	Quantity       int64       `json:"quantity"`
	UnitPrice      Money       `json:"unit_price"`
	Fulfillment    Fulfillment `json:"fulfillment"`
	LocationID     string      `json:"location_id,omitempty"` // where it is reserved: the pickup store or a warehouse
	Status         string      `json:"status"`
	PickedQuantity *int64      `json:"picked_quantity"`
	Substitute     *Substitute `json:"substitute"`
	LinkedOrderID  string      `json:"linked_order_id,omitempty"` // where a rerouted line's rest went
}

// Short is how many units of the line were not picked.
func (l *OrderLine) Short() int64 {
	if l.PickedQuantity == nil {
		return 0
	}
	return l.Quantity - *l.PickedQuantity
}

// Resolved reports whether the store is done with the line: a ship line
// always, a pickup line once picked and any substitute answered.
func (l *OrderLine) Resolved() bool {
	return l.Fulfillment == FulfillShip || (l.Status != LineOpen && l.Status != LineSubstitutionProposed)
}

// HandedValue is what the customer takes of a pickup line at handoff:
// what was picked, plus an approved substitute.
func (l *OrderLine) HandedValue() int64 {
	if l.Fulfillment != FulfillPickup || l.PickedQuantity == nil {
		return 0
	}
	v := *l.PickedQuantity * l.UnitPrice.Amount
	if s := l.Substitute; s != nil && s.Status == SubstituteApproved {
		v += s.Value()
	}
	return v
}

// Payment is the state of an order's payment.
type Payment struct {
	Gateway                string        `json:"gateway"`
	AuthorizationID        string        `json:"authorization_id"`
	Status                 string        `json:"status"` // authorized, captured, partially_captured, voided
	Capture                CapturePolicy `json:"capture"`
	Authorized             Money         `json:"authorized"`
	Captured               Money         `json:"captured"`
	AuthorizationExpiresAt time.Time     `json:"authorization_expires_at"`
	// RefundDue is what was captured at placement but not handed over (a
	// short pick, a cancellation): the retailer refunds it.
	RefundDue *Money `json:"refund_due,omitempty"`
	// CoveredBy is the order whose authorization pays for this one (a
	// linked order of a reroute); the family is captured once, together,
	// when its last order closes.
	CoveredBy string `json:"covered_by,omitempty"`
}

// Payment statuses. The pending ones are written in the transaction that
// closes the order; the gateway is called after it commits, and a sweep
// retries whatever a crash or a gateway outage left pending.
const (
	PaymentAuthorized     = "authorized"
	PaymentCaptured       = "captured"
	PaymentVoided         = "voided"
	PaymentCapturePending = "capture_pending"
	PaymentVoidPending    = "void_pending"
)

// Routing says why the order went where it went.
type Routing struct {
	Requested  bool     `json:"requested"`             // the storefront named the store
	DistanceKm *float64 `json:"distance_km,omitempty"` // from the shopper, when routed by coordinates
	Reason     string   `json:"reason"`
	Tried      []string `json:"tried,omitempty"` // nearer stores that turned out short when reserving
}

// Order is a placed order.
type Order struct {
	ID              string           `json:"id"`
	ExternalID      string           `json:"external_id,omitempty"`
	Status          OrderStatus      `json:"status"`
	StoreID         string           `json:"store_id"`
	Method          PickupMethod     `json:"method"`
	TimeZone        string           `json:"time_zone"`
	PickupCode      string           `json:"pickup_code"`
	PromisedReadyAt time.Time        `json:"promised_ready_at"`
	PickupWindow    PickupWindow     `json:"pickup_window"`
	HoldUntil       *time.Time       `json:"hold_until"`
	Customer        Customer         `json:"customer"`
	PickupPerson    *PickupPerson    `json:"pickup_person,omitempty"`
	ShippingAddress *ShippingAddress `json:"shipping_address,omitempty"`
	Lines           []OrderLine      `json:"lines"`
	Payment         Payment          `json:"payment"`
	Routing         Routing          `json:"routing"`
	HoldID          string           `json:"hold_id,omitempty"`
	// ParentOrderID is the order a linked order took a short line from.
	ParentOrderID   string     `json:"parent_order_id,omitempty"`
	StagingLocation string     `json:"staging_location,omitempty"`
	ArrivedAt       *time.Time `json:"arrived_at"`
	Arrival         *Arrival   `json:"arrival,omitempty"`
	// HandoffLockedUntil is set while wrong pickup codes lock the handoff.
	HandoffLockedUntil *time.Time `json:"handoff_locked_until,omitempty"`
	PickedUpAt         *time.Time `json:"picked_up_at,omitempty"`
	CancelReason       string     `json:"cancel_reason,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// Arrival is where a curbside customer waits.
type Arrival struct {
	ParkingSpot string `json:"parking_spot,omitempty"`
	Vehicle     string `json:"vehicle,omitempty"`
}

// Validate checks an arrival.
func (a *Arrival) Validate() error {
	var v fieldErrors
	if v.text("parking_spot", a.ParkingSpot) && len(a.ParkingSpot) > MaxVehicle {
		v.add("parking_spot", "must be at most %d characters", MaxVehicle)
	}
	if v.text("vehicle", a.Vehicle) && len(a.Vehicle) > MaxVehicle {
		v.add("vehicle", "must be at most %d characters", MaxVehicle)
	}
	return v.err("arrival")
}

// ValidateStagingLocation checks where a ready order waits: a person's
// text of 1 to MaxStagingLocation bytes.
func ValidateStagingLocation(s string) error {
	var v fieldErrors
	if v.text("staging_location", s) && (s == "" || len(s) > MaxStagingLocation) {
		v.add("staging_location", "required: where the order waits (1 to %d characters), e.g. \"shelf B3\"", MaxStagingLocation)
	}
	return v.err("request")
}

// ValidateCancelReason checks why an order is cancelled: a person's text
// of 1 to MaxReasonLength bytes.
func ValidateCancelReason(s string) error {
	var v fieldErrors
	if v.text("reason", s) && (s == "" || len(s) > MaxReasonLength) {
		v.add("reason", "required: why the order is cancelled (1 to %d characters)", MaxReasonLength)
	}
	return v.err("request")
}

// ValidatePickupCode checks the shape of a pickup code given at handoff;
// whether it is the order's is checked against the order.
func ValidatePickupCode(s string) error {
	var v fieldErrors
	if v.str("pickup_code", s) && s == "" {
		v.add("pickup_code", "required: the 6-digit code the customer shows")
	}
	return v.err("request")
}

// PickRequest is what an associate picked, line by line.
type PickRequest struct {
	Lines []PickLine `json:"lines"`
}

// PickLine is one line's pick result: PickedQuantity below the line's
// quantity is a short pick, which may propose a Substitute for the rest.
type PickLine struct {
	LineID         string             `json:"line_id"`
	PickedQuantity *int64             `json:"picked_quantity"`
	Substitute     *SubstituteRequest `json:"substitute,omitempty"`
}

// SubstituteRequest proposes a SKU in place of what could not be picked.
// Without UnitPrice it is charged at the line's price.
type SubstituteRequest struct {
	SKU       string `json:"sku"`
	Quantity  int64  `json:"quantity"`
	UnitPrice *Money `json:"unit_price,omitempty"`
}

// Validate checks the shape of a pick; what it may say of each line is
// checked against the order (internal/orderstate).
func (p *PickRequest) Validate() error {
	var v fieldErrors
	if len(p.Lines) == 0 || len(p.Lines) > MaxOrderLines {
		v.add("lines", "must have 1 to %d lines", MaxOrderLines)
	}
	seen := map[string]bool{}
	for i, l := range p.Lines {
		path := fmt.Sprintf("lines[%d]", i)
		switch {
		case !v.str(path+".line_id", l.LineID):
		case l.LineID == "" || len(l.LineID) > 20:
			v.add(path+".line_id", "required: the id of one of the order's lines")
		case seen[l.LineID]:
			v.add(path+".line_id", "line %s is reported twice", l.LineID)
		}
		seen[l.LineID] = true
		if l.PickedQuantity == nil {
			v.add(path+".picked_quantity", "required: the units picked (0 when none were found)")
		} else if *l.PickedQuantity < 0 || *l.PickedQuantity > MaxOrderQuantity {
			v.add(path+".picked_quantity", "must be between 0 and %d", MaxOrderQuantity)
		}
		if s := l.Substitute; s != nil {
			if !ValidID(s.SKU) {
				v.add(path+".substitute.sku", "%s", IDRule)
			}
			if s.Quantity < 1 || s.Quantity > MaxOrderQuantity {
				v.add(path+".substitute.quantity", "must be between 1 and %d", MaxOrderQuantity)
			}
			if s.UnitPrice != nil {
				validateMoney(&v, path+".substitute.unit_price", *s.UnitPrice)
			}
		}
	}
	return v.err("pick")
}

// OrderEvent is one entry of an order's timeline.
type OrderEvent struct {
	ID         int64          `json:"id"`
	OrderID    string         `json:"order_id"`
	Type       string         `json:"type"`
	FromStatus OrderStatus    `json:"from_status,omitempty"`
	ToStatus   OrderStatus    `json:"to_status"`
	Detail     map[string]any `json:"detail,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
}

// Hold statuses.
const (
	HoldActive    = "active"    // stock and slot held
	HoldConverted = "converted" // became an order
	HoldReleased  = "released"  // let go early
	HoldExpired   = "expired"   // its time ran out
)

// Hold is stock and a slot held for a cart while the shopper pays.
type Hold struct {
	ID           string             `json:"id"`
	Status       string             `json:"status"`
	StoreID      string             `json:"store_id"`
	Method       PickupMethod       `json:"method"`
	TimeZone     string             `json:"time_zone"`
	PickupWindow PickupWindow       `json:"pickup_window"`
	Lines        []OrderLineRequest `json:"lines"`
	ExpiresAt    time.Time          `json:"expires_at"`
	OrderID      string             `json:"order_id,omitempty"`
	CreatedAt    time.Time          `json:"created_at"`
}
