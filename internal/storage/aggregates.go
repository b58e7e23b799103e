package storage

import (
	"context"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/storage/changefeed"
	"github.com/bopis/bopis/internal/storage/idempotency"
	"github.com/bopis/bopis/internal/storage/stock"
)

// The types of the aggregates in packages of their own, under the names
// DB's callers know them by.
type (
	StoreFilter  = bopis.StoreFilter
	Watermark    = changefeed.Watermark
	ChangeSink   = bopis.ChangeSink
	Notification = bopis.Notification
	Webhook      = bopis.Webhook
	Delivery     = bopis.Delivery
	Fanout       = bopis.Fanout

	ReportBound   = bopis.ReportBound
	ReportQuery   = bopis.ReportQuery
	PickupReport  = bopis.PickupReport
	StoreReport   = bopis.StoreReport
	DayFigures    = bopis.DayFigures
	Figures       = bopis.Figures
	ReadyFigures  = bopis.ReadyFigures
	WaitFigures   = bopis.WaitFigures
	NoShowFigures = bopis.NoShowFigures
	LineFigures   = bopis.LineFigures
	ReasonCount   = bopis.ReasonCount

	Idempotency = bopis.Idempotency

	Count            = bopis.Count
	CountResult      = bopis.CountResult
	Level            = bopis.Level
	LedgerEntry      = bopis.LedgerEntry
	AdjustmentResult = bopis.AdjustmentResult
	EventResult      = bopis.EventResult
	BatchOptions     = bopis.BatchOptions
	ReserveLine      = bopis.ReserveLine
	Reservation      = bopis.Reservation
	ShortLine        = bopis.ShortLine
	Shortfall        = bopis.Shortfall
	Refusal          = bopis.Refusal
	RefusedLine      = bopis.RefusedLine
	Alert            = bopis.Alert
	AlertFilter      = bopis.AlertFilter
	OutboxEvent      = bopis.OutboxEvent
	FeedStatus       = bopis.FeedStatus
	Availability     = bopis.Availability

	PickupAttempt    = bopis.PickupAttempt
	Placement        = bopis.Placement
	NoRoute          = bopis.NoRoute
	RouteFailure     = bopis.RouteFailure
	OrderScope       = bopis.OrderScope
	OrderFilter      = bopis.OrderFilter
	HoldPlacement    = bopis.HoldPlacement
	Reroute          = bopis.Reroute
	PickPlan         = bopis.PickPlan
	Closing          = bopis.Closing
	Settlement       = bopis.Settlement
	AuthorizationDue = bopis.AuthorizationDue
	Uncaptured       = bopis.Uncaptured
)

// ErrKeyReused answers a request whose Idempotency-Key was already used
// for a different request.
var ErrKeyReused = bopis.ErrKeyReused

// Ledger causes: why on_hand or reserved changed (see internal/inventory).
const (
	CauseSnapshot    = stock.CauseSnapshot
	CauseDelta       = stock.CauseDelta
	CauseCount       = stock.CauseCount
	CauseAdjustment  = stock.CauseAdjustment
	CauseReservation = stock.CauseReservation
	CauseRelease     = stock.CauseRelease
	CauseHandoff     = stock.CauseHandoff
	CauseShortPick   = stock.CauseShortPick
	CauseNoShow      = stock.CauseNoShow
)

// What became of each event of a POS batch.
const (
	EventApplied   = stock.EventApplied
	EventDuplicate = stock.EventDuplicate
	EventStale     = stock.EventStale
	EventRejected  = stock.EventRejected
)

// Reservation states.
const (
	ReservationOpen     = bopis.ReservationOpen
	ReservationReleased = bopis.ReservationReleased
	ReservationConsumed = bopis.ReservationConsumed
)

// Alert types, and the outbox events of the stock's.
const (
	AlertLowStock              = stock.AlertLowStock
	AlertStaleFeed             = stock.AlertStaleFeed
	AlertHandoffLocked         = stock.AlertHandoffLocked
	AlertLateOrder             = stock.AlertLateOrder
	AlertAuthorizationExpiring = stock.AlertAuthorizationExpiring
	EventTypeLowStock          = stock.EventTypeLowStock
	EventTypeStaleFeed         = stock.EventTypeStaleFeed
)

// Notification statuses.
const (
	NotificationPending = bopis.NotificationPending
	NotificationSent    = bopis.NotificationSent
	NotificationFailed  = bopis.NotificationFailed
	NotificationNotSent = bopis.NotificationNotSent
)

// Delivery statuses.
const (
	DeliveryPending   = bopis.DeliveryPending
	DeliveryDelivered = bopis.DeliveryDelivered
	DeliveryDead      = bopis.DeliveryDead
)

// The test gateway's authorizations: DB implements payment.TestStore.
var _ payment.TestStore = (*DB)(nil)

// OrderNotifications lists an order's notifications, oldest first, if
// scope may see the order.
func (db *DB) OrderNotifications(ctx context.Context, orderID string, scope OrderScope) ([]Notification, error) {
	if _, err := db.GetOrder(ctx, orderID, scope); err != nil {
		return nil, err
	}
	return db.Outbox.OrderNotifications(ctx, orderID)
}

// LookupKey finds the stored answer to idem's key before any work is
// done (see idempotency.Lookup).
func (db *DB) LookupKey(ctx context.Context, idem *Idempotency, out any) (found bool, err error) {
	return idempotency.Lookup(ctx, db.sql, idem, out)
}

// UndispatchedEvents returns up to limit outbox events not yet fanned
// out, oldest first.
func (db *DB) UndispatchedEvents(ctx context.Context, limit int) ([]OutboxEvent, error) {
	events, err := db.Outbox.UndispatchedEvents(ctx, limit)
	if events == nil {
		return nil, err
	}
	out := make([]OutboxEvent, len(events))
	for i, e := range events {
		out[i] = OutboxEvent(e)
	}
	return out, err
}
