package storage

import (
	"context"

	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/storage/catalog"
	"github.com/bopis/bopis/internal/storage/changefeed"
	"github.com/bopis/bopis/internal/storage/idempotency"
	"github.com/bopis/bopis/internal/storage/orders"
	"github.com/bopis/bopis/internal/storage/outbox"
	"github.com/bopis/bopis/internal/storage/reports"
	"github.com/bopis/bopis/internal/storage/stock"
)

// The types of the aggregates in packages of their own, under the names
// DB's callers know them by.
type (
	StoreFilter  = catalog.StoreFilter
	Watermark    = changefeed.Watermark
	ChangeSink   = changefeed.Sink
	Notification = outbox.Notification
	Webhook      = outbox.Webhook
	Delivery     = outbox.Delivery
	Fanout       = outbox.Fanout
	Lane         = outbox.Lane

	ReportBound   = reports.ReportBound
	ReportQuery   = reports.ReportQuery
	PickupReport  = reports.PickupReport
	StoreReport   = reports.StoreReport
	DayFigures    = reports.DayFigures
	Figures       = reports.Figures
	ReadyFigures  = reports.ReadyFigures
	WaitFigures   = reports.WaitFigures
	NoShowFigures = reports.NoShowFigures
	LineFigures   = reports.LineFigures
	ReasonCount   = reports.ReasonCount

	Idempotency = idempotency.Key

	Count            = stock.Count
	CountResult      = stock.CountResult
	Level            = stock.Level
	LedgerEntry      = stock.LedgerEntry
	AdjustmentResult = stock.AdjustmentResult
	EventResult      = stock.EventResult
	BatchOptions     = stock.BatchOptions
	ReserveLine      = stock.ReserveLine
	Reservation      = stock.Reservation
	ShortLine        = stock.ShortLine
	Shortfall        = stock.Shortfall
	Refusal          = stock.Refusal
	RefusedLine      = stock.RefusedLine
	Alert            = stock.Alert
	AlertFilter      = stock.AlertFilter
	OutboxEvent      = stock.OutboxEvent
	FeedStatus       = stock.FeedStatus
	Availability     = stock.Availability

	PickupAttempt    = orders.PickupAttempt
	Placement        = orders.Placement
	NoRoute          = orders.NoRoute
	RouteFailure     = orders.RouteFailure
	OrderScope       = orders.OrderScope
	StoreEvent       = orders.StoreEvent
	OrderFilter      = orders.OrderFilter
	HoldPlacement    = orders.HoldPlacement
	Reroute          = orders.Reroute
	PickPlan         = orders.PickPlan
	Closing          = orders.Closing
	Settlement       = orders.Settlement
	AuthorizationDue = orders.AuthorizationDue
	Uncaptured       = orders.Uncaptured
)

// ErrKeyReused answers a request whose Idempotency-Key was already used
// for a different request.
var ErrKeyReused = idempotency.ErrKeyReused

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
	ReservationOpen     = stock.ReservationOpen
	ReservationReleased = stock.ReservationReleased
	ReservationConsumed = stock.ReservationConsumed
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
	NotificationPending = outbox.NotificationPending
	NotificationSent    = outbox.NotificationSent
	NotificationFailed  = outbox.NotificationFailed
	NotificationNotSent = outbox.NotificationNotSent
)

// Delivery statuses.
const (
	DeliveryPending   = outbox.DeliveryPending
	DeliveryDelivered = outbox.DeliveryDelivered
	DeliveryDead      = outbox.DeliveryDead
)

// Lanes of the outbox (outbox.Lane).
const (
	LaneOrders = outbox.LaneOrders
	LaneBulk   = outbox.LaneBulk
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

// UndispatchedEvents returns up to limit of a lane's outbox events not
// yet fanned out, oldest first.
func (db *DB) UndispatchedEvents(ctx context.Context, lane Lane, limit int) ([]OutboxEvent, error) {
	events, err := db.Outbox.UndispatchedEvents(ctx, lane, limit)
	if events == nil {
		return nil, err
	}
	out := make([]OutboxEvent, len(events))
	for i, e := range events {
		out[i] = OutboxEvent(e)
	}
	return out, err
}
