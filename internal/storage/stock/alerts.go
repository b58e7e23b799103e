package stock

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/inventory"
	"github.com/bopis/bopis/internal/sqldb"
)

// Alert types.
const (
	AlertLowStock  = "low_stock"  // a SKU's available stock at a store is at or below its threshold
	AlertStaleFeed = "stale_feed" // a store's POS has been silent longer than StaleAfter
	// AlertHandoffLocked: wrong pickup codes locked an order's handoff
	// (subject: the order id); it closes when the order is handed over or
	// cancelled.
	AlertHandoffLocked = "handoff_locked"
	// AlertLateOrder: an order not ready by its promised time plus the
	// grace (subject: the order); it closes when the order is ready or closed.
	AlertLateOrder = "late_order"
	// AlertAuthorizationExpiring: an open order's payment authorization
	// nears its expiry (subject: the order); it closes on re-authorization
	// or when the order closes.
	AlertAuthorizationExpiring = "authorization_expiring"
)

// Outbox event types recorded here (API.md, "Events").
const (
	EventTypeLowStock  = "inventory.low_stock"
	EventTypeStaleFeed = "inventory.stale_feed"
)

// settleLowStock opens a low_stock alert, with its inventory.low_stock
// event, for each level that is now low and has none open, and closes the
// open alert of each level that recovered (inventory.LowStock). Alerts
// change only when a level crosses its threshold, so a level that stays
// low keeps its one alert however many events touch it.
func (db *Stock) settleLowStock(ctx context.Context, tx *sql.Tx, levels []*level, now int64) error {
	var opening, closing []*level
	for _, l := range levels {
		switch open, close := inventory.LowStock(l.rules()); {
		case open:
			opening = append(opening, l)
		case close:
			closing = append(closing, l)
		}
	}
	return db.writeLowStock(ctx, tx, opening, closing, now)
}

// alertLevels are the levels whose low_stock alert opens and those whose
// alert closes, as a rule's alerts say.
func alertLevels(alerts []inventory.Alert, levels map[levelKey]*level) (opening, closing []*level) {
	for _, a := range alerts {
		l := levels[levelKey{a.Store, a.SKU}]
		if a.Open {
			opening = append(opening, l)
		} else {
			closing = append(closing, l)
		}
	}
	return opening, closing
}

// writeLowStock opens a low_stock alert, with its inventory.low_stock
// event, for each level of opening, and closes the open alert of each
// level of closing.
func (db *Stock) writeLowStock(ctx context.Context, tx *sql.Tx, opening, closing []*level, now int64) error {
	if len(closing) > 0 {
		closeIDs := make([]string, len(closing))
		for i, l := range closing {
			closeIDs[i] = strconv.FormatInt(l.alertID, 10)
			l.alertID = 0
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET closed_at = $1 WHERE closed_at IS NULL
			AND id IN (SELECT CAST(value AS BIGINT) FROM `+db.dialect.JSONTextArray("$2")+`)`, now, sqldb.JSONList(closeIDs)); err != nil {
			return err
		}
	}
	if len(opening) == 0 {
		return nil
	}
	if err := db.openLowStock(ctx, tx, opening, now); err != nil {
		return err
	}
	events := sqldb.Rows{Cols: 5}
	events.Grow(len(opening))
	at, _ := sqldb.FromMicros(now).MarshalJSON()
	var b []byte
	for _, l := range opening {
		if l.alertID != 0 {
			events.Add(EventTypeLowStock, l.store, l.sku, string(appendLowStockEvent(b[:0], l, l.alertID, at)), now)
		}
	}
	return db.sql.InsertRows(ctx, tx, `INSERT INTO events (type, store_id, subject, payload, created_at)`, &events, "", nil)
}

// openLowStock opens a low_stock alert for each level, setting its
// alertID; a level whose alert another transaction opened meanwhile
// keeps none (that transaction reports it). How is the dialect's
// (dialect.openLowStock).
func (db *Stock) openLowStock(ctx context.Context, tx *sql.Tx, levels []*level, now int64) error {
	var b []byte
	detail := func(l *level) string {
		b = append(appendLowStock(append(b[:0], '{'), l), '}')
		return string(b)
	}
	return db.dialect.openLowStock(ctx, db.sql, tx, levels, now, detail)
}

// appendLowStock appends the fields of a low_stock alert's detail about
// l, as JSON without the braces: available, threshold, on_hand, reserved,
// safety_stock. Written by hand, as for the event (appendLowStockEvent):
// a POS batch opens an alert for thousands of new levels, and
// encoding/json's reflection took ~15% of the alerts' time.
func appendLowStock(b []byte, l *level) []byte {
	b = strconv.AppendInt(append(b, `"available":`...), l.available(), 10)
	b = strconv.AppendInt(append(b, `,"threshold":`...), l.threshold, 10)
	b = strconv.AppendInt(append(b, `,"on_hand":`...), l.onHand, 10)
	b = strconv.AppendInt(append(b, `,"reserved":`...), l.reserved, 10)
	return strconv.AppendInt(append(b, `,"safety_stock":`...), l.safety, 10)
}

// appendLowStockEvent appends the payload of an inventory.low_stock
// event: alert_id, store_id, sku, the alert's detail, and at (at as
// JSON).
func appendLowStockEvent(b []byte, l *level, alertID int64, at []byte) []byte {
	b = strconv.AppendInt(append(b, `{"alert_id":`...), alertID, 10)
	b = appendJSONString(append(b, `,"store_id":`...), l.store)
	b = appendJSONString(append(b, `,"sku":`...), l.sku)
	b = appendLowStock(append(b, ','), l)
	return append(append(append(b, `,"at":`...), at...), '}')
}

// closeAlerts closes a store's open alert of a store-wide type.
func (db *Stock) closeAlerts(ctx context.Context, tx *sql.Tx, typ, storeID string, now int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE alerts SET closed_at = $3
		WHERE type = $1 AND store_id = $2 AND subject = '' AND closed_at IS NULL`, typ, storeID, now)
	return err
}

// SweepFeeds opens a stale_feed alert, with its inventory.stale_feed
// event, for each active pickup store whose POS has been silent longer
// than StaleAfter, and closes those of stores heard from since (an event
// batch closes its store's alert itself; this catches the rest). Only
// stores that have sent at least one POS event are watched: a store whose
// stock comes only from counts and adjustments has no feed to go silent.
// Run it every minute or so; several processes may run it at once.
func (db *Stock) SweepFeeds(ctx context.Context) (opened, closed int, err error) {
	_, us := db.sql.NowMicros()
	cutoff := us - db.staleAfter.Microseconds()
	err = db.sql.Transact(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET closed_at = $1
			WHERE type = '`+AlertStaleFeed+`' AND closed_at IS NULL AND store_id NOT IN (
				SELECT f.store_id FROM store_feeds f JOIN stores s ON s.id = f.store_id
				WHERE f.last_event_at < $2 AND s.active AND s.type = '`+string(bopis.StoreTypeStore)+`')`, us, cutoff)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		closed = int(n)

		q, err := tx.QueryContext(ctx, `SELECT f.store_id, f.last_event_at FROM store_feeds f JOIN stores s ON s.id = f.store_id
			WHERE f.last_event_at < $1 AND s.active AND s.type = '`+string(bopis.StoreTypeStore)+`'
			AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.type = '`+AlertStaleFeed+`' AND a.store_id = f.store_id AND a.closed_at IS NULL)
			ORDER BY f.store_id`, cutoff)
		if err != nil {
			return err
		}
		open := sqldb.Rows{Cols: 5}
		lastAt := map[string]int64{}
		for q.Next() {
			var id string
			var last int64
			if err := q.Scan(&id, &last); err != nil {
				q.Close()
				return err
			}
			lastAt[id] = last
			detail, _ := json.Marshal(db.staleDetail(last))
			open.Add(AlertStaleFeed, id, "", string(detail), us)
		}
		q.Close()
		if err := q.Err(); err != nil {
			return err
		}
		events := sqldb.Rows{Cols: 5}
		err = db.sql.InsertRows(ctx, tx, `INSERT INTO alerts (type, store_id, subject, detail, opened_at)`, &open,
			`ON CONFLICT DO NOTHING RETURNING id, store_id`, func(r *sql.Rows) error {
				var id int64
				var store string
				if err := r.Scan(&id, &store); err != nil {
					return err
				}
				opened++
				payload := db.staleDetail(lastAt[store])
				payload["alert_id"], payload["store_id"], payload["at"] = id, store, sqldb.FromMicros(us)
				b, _ := json.Marshal(payload)
				events.Add(EventTypeStaleFeed, store, "", string(b), us)
				return nil
			})
		if err != nil {
			return err
		}
		return db.sql.InsertRows(ctx, tx, `INSERT INTO events (type, store_id, subject, payload, created_at)`, &events, "", nil)
	})
	if err != nil {
		return 0, 0, err
	}
	return opened, closed, nil
}

func (db *Stock) staleDetail(lastEventAt int64) map[string]any {
	return map[string]any{"last_event_at": sqldb.FromMicros(lastEventAt), "stale_after_seconds": int64(db.staleAfter.Seconds())}
}

// Feed tells whether a store's POS feed is stale, by the clock now (the
// stale_feed alert may lag by a sweep).
func (db *Stock) Feed(ctx context.Context, storeID string) (bopis.FeedStatus, error) {
	var last sql.NullInt64
	err := db.r.QueryRowContext(ctx, `SELECT last_event_at FROM store_feeds WHERE store_id = $1`, storeID).Scan(&last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return bopis.FeedStatus{}, err
	}
	return db.feedStatus(sqldb.NullInt(last)), nil
}

func (db *Stock) feedStatus(last *int64) bopis.FeedStatus {
	if last == nil {
		return bopis.FeedStatus{}
	}
	t := sqldb.FromMicros(*last)
	return bopis.FeedStatus{LastEventAt: &t, Stale: *last < db.staleBefore()}
}

// staleBefore is the time (unix microseconds) a store's last POS event
// must be older than for its feed to be stale: the one rule, kept in Go
// and handed to SQL (the reservation statement) as a parameter.
func (db *Stock) staleBefore() int64 { return sqldb.Micros(db.sql.Now().Add(-db.staleAfter)) }

// Alerts returns one page of open alerts, oldest first.
func (db *Stock) Alerts(ctx context.Context, f bopis.AlertFilter, p bopis.Page) ([]bopis.Alert, string, error) {
	after, err := p.After()
	if err != nil {
		return nil, "", err
	}
	afterID, _ := strconv.ParseInt(after, 10, 64)
	q := `SELECT id, type, store_id, subject, detail, opened_at FROM alerts
		WHERE closed_at IS NULL AND ($1 = '' OR type = $1) AND id > $2`
	args := []any{f.Type, afterID}
	if f.StoreIDs != nil {
		q += ` AND store_id ` + db.dialect.InList("$3")
		args = append(args, sqldb.JSONList(f.StoreIDs))
	}
	res, err := db.r.QueryContext(ctx, q+` ORDER BY id LIMIT `+strconv.Itoa(p.Size()), args...)
	if err != nil {
		return nil, "", err
	}
	defer res.Close()
	out := []bopis.Alert{}
	for res.Next() {
		var a bopis.Alert
		var detail string
		var opened int64
		var subject string
		if err := res.Scan(&a.ID, &a.Type, &a.StoreID, &subject, &detail, &opened); err != nil {
			return nil, "", err
		}
		switch a.Type {
		case AlertLowStock:
			a.SKU = subject
		case AlertHandoffLocked, AlertLateOrder, AlertAuthorizationExpiring:
			a.OrderID = subject
		}
		if err := json.Unmarshal([]byte(detail), &a.Detail); err != nil {
			return nil, "", err
		}
		a.OpenedAt = sqldb.FromMicros(opened)
		out = append(out, a)
	}
	if err := res.Err(); err != nil || len(out) == 0 {
		return out, "", err
	}
	return out, sqldb.NextCursor(len(out), p.Size(), strconv.FormatInt(out[len(out)-1].ID, 10)), nil
}

// OutboxEvents returns one page of recorded events of a type ("" for
// all), oldest first: what the delivery of a later issue will send.
func (db *Stock) OutboxEvents(ctx context.Context, typ string, p bopis.Page) ([]bopis.OutboxEvent, string, error) {
	after, err := p.After()
	if err != nil {
		return nil, "", err
	}
	afterID, _ := strconv.ParseInt(after, 10, 64)
	res, err := db.r.QueryContext(ctx, `SELECT id, type, store_id, subject, payload, created_at FROM events
		WHERE ($1 = '' OR type = $1) AND id > $2 ORDER BY id LIMIT `+strconv.Itoa(p.Size()), typ, afterID)
	if err != nil {
		return nil, "", err
	}
	defer res.Close()
	out := []bopis.OutboxEvent{}
	for res.Next() {
		var e bopis.OutboxEvent
		var payload string
		var created int64
		if err := res.Scan(&e.ID, &e.Type, &e.StoreID, &e.Subject, &payload, &created); err != nil {
			return nil, "", err
		}
		e.Payload, e.CreatedAt = json.RawMessage(payload), sqldb.FromMicros(created)
		out = append(out, e)
	}
	if err := res.Err(); err != nil || len(out) == 0 {
		return out, "", err
	}
	return out, sqldb.NextCursor(len(out), p.Size(), strconv.FormatInt(out[len(out)-1].ID, 10)), nil
}
