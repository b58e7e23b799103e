package bopis

import (
	"fmt"
	"time"
)

// HoldPlacement is a checkout hold ready to be written; Hold holds all but
// what the winning attempt decides (store, time zone, window).
type HoldPlacement struct {
	Hold      Hold
	CreatedBy string // the API key: only it may convert or release the hold
	Attempts  []PickupAttempt
}

// PickupAttempt is one store routing may place the pickup lines at, with
// the slots acceptable there in order of preference.
type PickupAttempt struct {
	StoreID    string
	TimeZone   string
	Capacity   int // bookings a slot takes; 0 for unlimited
	Slots      []PickupWindow
	DistanceKm *float64
}

// Placement is an order ready to be written. Order holds everything but
// what the winning attempt decides (store, time zone, window, promised
// time, where the lines are reserved, routing).
type Placement struct {
	Order    Order
	PlacedBy string // the API key that places it: only it may read it later (storefront keys)
	// Attempts are tried in order until one has the stock and a slot;
	// with HoldID set they are ignored and the hold's store and slot used.
	Attempts []PickupAttempt
	// Warehouses hold the ship lines, nearest first; the first that has
	// them all does.
	Warehouses  []string
	Routing     Routing // Reason and Requested; the rest is filled in
	Idempotency *Idempotency
	// PaymentToken is the shopper's payment token, sealed: kept to
	// re-authorize before an authorization lapses and for ship-to-home.
	PaymentToken string
	// TestPayment, if set, is the test gateway's authorization of the
	// order, written in the order's transaction (payment.Preparer): if the
	// order is not placed, it never existed.
	TestPayment *TestPayment
}

// NoRoute is the error of a placement that no attempt could take: each
// store's reason, nearest first.
type NoRoute struct {
	Tried []RouteFailure
}

// RouteFailure is why one store could not take the order.
type RouteFailure struct {
	StoreID   string
	Shortfall *Shortfall // nil when the stock was there but no slot, or it was refused
	Refusal   *Refusal   // the rules of pickup refused it there; nil if not
	Reason    string
}

func (e *NoRoute) Error() string { return e.Unwrap().Error() }

// Unwrap returns the failure as a domain error: the only store's own
// shortfall or refusal when one store was asked for, else a conflict
// naming each.
func (e *NoRoute) Unwrap() error {
	if len(e.Tried) == 1 && e.Tried[0].Shortfall != nil {
		return e.Tried[0].Shortfall.Unwrap()
	}
	if len(e.Tried) == 1 && e.Tried[0].Refusal != nil {
		return e.Tried[0].Refusal
	}
	if len(e.Tried) == 1 {
		return &Error{Code: ECONFLICT, Message: e.Tried[0].Reason,
			Fields: []FieldError{{Path: "pickup.slot", Message: e.Tried[0].Reason}}}
	}
	msg := "no store within reach can take the order"
	if len(e.Tried) > 0 {
		msg = fmt.Sprintf("none of the %d nearest stores that seemed to have everything could take the order", len(e.Tried))
	}
	return &Error{Code: ECONFLICT, Message: msg}
}

// Alternative is a store that has everything a short order asked for.
type Alternative struct {
	StoreID         string    `json:"store_id"`
	Name            string    `json:"name"`
	DistanceKm      float64   `json:"distance_km"`
	EarliestReadyAt time.Time `json:"earliest_ready_at"`
}

// ShortError is a shortfall with the stores that could take the order instead.
type ShortError struct {
	Err          error // the *NoRoute
	Alternatives []Alternative
}

func (e *ShortError) Error() string { return e.Err.Error() }

func (e *ShortError) Unwrap() error { return e.Err }
