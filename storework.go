package bopis

import "time"

// Reroute is where the rest of short lines may go under the reroute
// policy: a linked order with this id and pickup code at the first of
// Attempts that has it all (see storage's PlaceOrder).
type Reroute struct {
	OrderID    string
	PickupCode string
	Attempts   []PickupAttempt
}

// PickPlan is what a pick does, as the use case decides it on the order
// locked for the pick (see storage's Pick): each line's pick (orderstate.PlanPick)
// and, under the reroute policy, where its short lines may go (nil: they
// stay short).
type PickPlan struct {
	Lines   []LinePick
	Reroute *Reroute
}

// Closing is what an action that may close an order did.
type Closing struct {
	Order *Order
	// Settlement is the payment call to make now that it committed, if any.
	Settlement *Settlement
	// Acted is false for a repeat of an action that already happened.
	Acted bool
}

// Settlement is the gateway call that settles a family's payment: a
// capture of Capture (partial: the rest is released), or a void when its
// amount is 0.
type Settlement struct {
	OrderID         string // the root order, whose authorization it is
	Gateway         string
	AuthorizationID string
	Capture         Money
}

// AuthorizationDue is an order whose authorization needs attention.
type AuthorizationDue struct {
	Order        *Order
	PaymentToken string // sealed; "" when not kept
}

// Uncaptured is an authorization neither captured nor voided.
type Uncaptured struct {
	OrderID    string      `json:"order_id"`
	StoreID    string      `json:"store_id"`
	Status     OrderStatus `json:"order_status"`
	Payment    Payment     `json:"payment"`
	AgeSeconds int64       `json:"age_seconds" doc:"Since the order was placed."`
	CreatedAt  time.Time   `json:"created_at"`
}

// LinePick is what a pick does to one line of an order.
type LinePick struct {
	Request int   // in the pick request's lines
	Index   int   // in the order's Lines
	Picked  int64 // units picked
	// Short is the units the store did not find: its on_hand was wrong, so
	// it is corrected down by Short and their reservation released.
	Short int64
	// Substitute is proposed for the short units (reserved at the store,
	// waiting for the customer), or nil.
	Substitute *Substitute
	// Repeat: the line already says this (a retried tap); nothing to do.
	Repeat bool
}
