package orders

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
)

// StoreOrderEvents is the timeline entries of the orders at a store with
// an id above afterID, oldest first, at most limit: what a live feed of
// the store's queue reads when it connects. Ids are given out in insert
// order, which on PostgreSQL is not always commit order, so a reader that
// must not miss one looks back a little (see httpapi's order stream).
func (db *Orders) StoreOrderEvents(ctx context.Context, storeID string, afterID int64, limit int) ([]bopis.OrderEvent, error) {
	res, err := db.r.QueryContext(ctx, `SELECT e.id, e.order_id, e.type, e.from_status, e.to_status, e.detail, e.created_at,
		o.time_zone, o.store_id FROM order_events e JOIN orders o ON o.id = e.order_id
		WHERE o.store_id = $1 AND e.id > $2 ORDER BY e.id LIMIT $3`, storeID, afterID, limit)
	if err != nil {
		return nil, err
	}
	evs, err := scanStoreEvents(res)
	out := make([]bopis.OrderEvent, len(evs))
	for i, e := range evs {
		out[i] = e.OrderEvent
	}
	return out, err
}

// OrderEventsAfter is the timeline entries of every store's orders with an
// id above afterID, oldest first, at most limit: what one poller per
// process reads for all the live feeds it serves (ids as StoreOrderEvents
// says).
func (db *Orders) OrderEventsAfter(ctx context.Context, afterID int64, limit int) ([]bopis.StoreEvent, error) {
	res, err := db.r.QueryContext(ctx, `SELECT e.id, e.order_id, e.type, e.from_status, e.to_status, e.detail, e.created_at,
		o.time_zone, o.store_id FROM order_events e JOIN orders o ON o.id = e.order_id
		WHERE e.id > $1 ORDER BY e.id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, err
	}
	return scanStoreEvents(res)
}

func scanStoreEvents(res *sql.Rows) ([]bopis.StoreEvent, error) {
	defer res.Close()
	out := []bopis.StoreEvent{}
	for res.Next() {
		var e bopis.StoreEvent
		var detail, tz string
		var at int64
		if err := res.Scan(&e.ID, &e.OrderID, &e.Type, &e.FromStatus, &e.ToStatus, &detail, &at, &tz, &e.StoreID); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
			return nil, err
		}
		e.CreatedAt = sqldb.FromMicros(at).In(bopis.Zone(tz))
		out = append(out, e)
	}
	return out, res.Err()
}

// LastOrderEventID is the id of the newest timeline entry of any order (0
// when there is none): where a live feed starts.
func (db *Orders) LastOrderEventID(ctx context.Context) (int64, error) {
	var id int64
	err := db.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM order_events`).Scan(&id)
	return id, err
}
