package bopis

import (
	"fmt"
	"time"
)

// Why a store cannot take pickup orders (Refusal.Store).
const (
	RefusalInactive  = "inactive"  // unknown, or deactivated
	RefusalWarehouse = "warehouse" // ships only
)

// Refusal is the error of a reservation for pickup at a store that may
// not take it, whatever its stock: the store is not an active store
// (TakesPickup), or lines' SKUs may not be picked up there
// (EligibleForPickup: unknown, deactivated, or not pickup-eligible
// globally or by the store's override). The transaction that reserves
// decides it, on the rows as they stand when it reserves (see
// internal/storage/stock's reserveStatement), so a change acknowledged to an admin holds for
// every order and hold after it, in every process. It unwraps to a
// domain error: an inactive store is not found (404, pickup.store_id),
// a warehouse invalid (422, pickup.store_id), ineligible lines a
// conflict (409) naming each line's lines[i].sku.
type Refusal struct {
	StoreID string
	Store   string // why the store takes no pickup orders; "" when it does
	Lines   []RefusedLine
}

// RefusedLine is a line whose SKU may not be picked up at the store.
type RefusedLine struct {
	Line   int // its index among the lines reserved; a failed placement renumbers it among the order's lines
	SKU    string
	Reason string
}

func (e *Refusal) Error() string { return e.Unwrap().Error() }

// Unwrap returns the refusal as a domain error.
func (e *Refusal) Unwrap() error {
	switch e.Store {
	case RefusalInactive:
		return &Error{Code: ENOTFOUND, Message: fmt.Sprintf("store %q not found", e.StoreID),
			Fields: []FieldError{{Path: "pickup.store_id", Message: "no active store has this id"}}}
	case RefusalWarehouse:
		return &Error{Code: EINVALID, Message: fmt.Sprintf("store %s does not offer pickup", e.StoreID),
			Fields: []FieldError{{Path: "pickup.store_id", Message: "is a warehouse: it ships and offers no pickup"}}}
	}
	fields := make([]FieldError, len(e.Lines))
	for i, l := range e.Lines {
		fields[i] = FieldError{Path: fmt.Sprintf("lines[%d].sku", l.Line), Message: l.Reason}
	}
	msg := "a line cannot be picked up at store " + e.StoreID
	if len(e.Lines) > 1 {
		msg = fmt.Sprintf("%d lines cannot be picked up at store %s", len(e.Lines), e.StoreID)
	}
	return &Error{Code: ECONFLICT, Message: msg, Fields: fields}
}

// Reservation states.
const (
	ReservationOpen     = "open"     // units held
	ReservationReleased = "released" // let go (cancel, expiry)
	ReservationConsumed = "consumed" // handed off: what was picked left the store
)

// ReserveLine asks for quantity units of a SKU.
type ReserveLine struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// Reservation is units of a SKU held at a store for a reference (an order
// or a hold).
type Reservation struct {
	ID        int64     `json:"id"`
	StoreID   string    `json:"store_id"`
	SKU       string    `json:"sku"`
	Quantity  int64     `json:"quantity"`
	Status    string    `json:"status"`
	Reference string    `json:"reference"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ShortLine is a line that cannot be reserved.
type ShortLine struct {
	Line      int    // index in the request
	SKU       string //
	Requested int64  //
	Available int64  // what the store can promise of the SKU now
}

// Shortfall is the error of a reservation that failed for want of stock.
// It unwraps to an ECONFLICT *Error naming each short line
// (lines[i]), so the HTTP layer answers 409 as it is, and its Lines let a
// caller build a richer answer (alternative stores).
type Shortfall struct {
	StoreID string
	Lines   []ShortLine
}

func (e *Shortfall) Error() string { return e.Unwrap().Error() }

// Unwrap returns the shortfall as a domain error.
func (e *Shortfall) Unwrap() error {
	fields := make([]FieldError, len(e.Lines))
	for i, l := range e.Lines {
		fields[i] = FieldError{Path: fmt.Sprintf("lines[%d]", l.Line),
			Message: fmt.Sprintf("%d of %s requested, %d available at store %s", l.Requested, l.SKU, l.Available, e.StoreID)}
	}
	return &Error{Code: ECONFLICT, Message: "not enough stock at store " + e.StoreID, Fields: fields}
}
