package storage

import (
	"context"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/storage/changefeed"
	"github.com/bopis/bopis/internal/storage/idempotency"
	"github.com/bopis/bopis/internal/storage/stock"
)

// Watermark is how far a reader has read the change feed (see
// changefeed.Watermark).
type Watermark = changefeed.Watermark

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

// The test gateway's authorizations: DB implements payment.TestStore.
var _ payment.TestStore = (*DB)(nil)

// The webhooks and notifications: the outbox's, with an order's
// notifications read within the caller's scope.
var _ bopis.NotificationService = (*DB)(nil)

// OrderNotifications lists an order's notifications, oldest first, if
// scope may see the order.
func (db *DB) OrderNotifications(ctx context.Context, orderID string, scope bopis.OrderScope) ([]bopis.Notification, error) {
	if _, err := db.GetOrder(ctx, orderID, scope); err != nil {
		return nil, err
	}
	return db.Outbox.OrderNotifications(ctx, orderID)
}

// LookupKey finds the stored answer to idem's key before any work is
// done (see idempotency.Lookup).
func (db *DB) LookupKey(ctx context.Context, idem *bopis.Idempotency, out any) (found bool, err error) {
	return idempotency.Lookup(ctx, db.sql, idem, out)
}
