// Package orders keeps the orders and checkout holds: placement (ranked
// attempts, reservations at the stock, slot booking, the order's rows,
// its outbox event and Idempotency-Key in one transaction), scoped reads
// and the store's queue, store work (one transaction per action on a
// locked order), the timers, and payment settlement marked pending in the
// closing transaction. The rules are internal/orderstate's; this loads
// what they read and writes what they decide. See ADR 0005, 0006, 0008.
package orders

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/orderstate"
	"github.com/bopis/bopis/internal/sqldb"
	"github.com/bopis/bopis/internal/storage/changefeed"
	"github.com/bopis/bopis/internal/storage/idempotency"
	"github.com/bopis/bopis/internal/storage/outbox"
	"github.com/bopis/bopis/internal/storage/stock"
	"github.com/bopis/bopis/internal/storage/testpayments"
)

// Orders is the orders' tables in a database, over its stock.
type Orders struct {
	sql     *sqldb.DB
	r       *sqldb.Readers // reads
	dialect sqldb.Dialect
	stock   *stock.Stock
}

var (
	_ bopis.OrderReader   = (*Orders)(nil)
	_ bopis.OrderStreamer = (*Orders)(nil)
)

// New is the orders in db, reserving at st.
func New(db *sqldb.DB, st *stock.Stock) *Orders {
	return &Orders{sql: db, r: db.Readers(), dialect: db.Dialect(), stock: st}
}

// reasonSlotsFull is why a store that has the stock could not take an order.
const reasonSlotsFull = "no pickup slot with room was left at the store"

// PlaceOrder writes an order in one transaction: its pickup lines reserved
// at the first attempt with the stock and a slot with room (all or
// nothing), the slot booked, its ship lines reserved at the first
// warehouse that has them all (else recorded unreserved), the order, its
// lines, its first timeline event, its outbox event and its answer under
// the Idempotency-Key. If another request took the key first, it returns
// that request's answer and replayed, having written nothing.
func (db *Orders) PlaceOrder(ctx context.Context, p bopis.Placement) (out *bopis.Order, replayed bool, err error) {
	t, now := db.sql.NowMicros()
	return idempotency.Keyed(ctx, db.sql, sqldb.Shared, p.Idempotency, func(tx *sql.Tx, later *sqldb.Batch) (*bopis.Order, error) {
		o, err := db.placeOrder(ctx, tx, p, t, now, later)
		if err == nil && p.TestPayment != nil {
			q, args := testpayments.Insert(*p.TestPayment)
			later.Add(q, args...)
		}
		return o, err
	})
}

// placeOrder writes p's order inside tx (see PlaceOrder); a linked order
// of a reroute takes this path too. The rows only appended (the order,
// its lines, reservations, ledger, timeline and outbox rows) are added to
// later if set, for the caller to run with its own; else written here.
func (db *Orders) placeOrder(ctx context.Context, tx *sql.Tx, p bopis.Placement, t time.Time, now int64, later *sqldb.Batch) (*bopis.Order, error) {
	b := sqldb.Own(later)
	o := p.Order
	o.Status, o.CreatedAt, o.UpdatedAt = bopis.OrderPlaced, t, t
	o.Routing = p.Routing
	pickup, ship := splitLines(o.Lines)
	switch {
	case len(pickup) == 0: // ship-only (ship-to-home): the first attempt names the warehouse
		if len(p.Attempts) == 0 {
			return nil, errors.New("a ship-only placement needs its warehouse as the first attempt")
		}
		o.StoreID, o.TimeZone, o.PickupWindow = p.Attempts[0].StoreID, p.Attempts[0].TimeZone, bopis.PickupWindow{Start: t, End: t}
	case o.HoldID != "":
		h, err := db.convertHold(ctx, tx, o.HoldID, o.ID, p.PlacedBy, pickup, now)
		if err != nil {
			return nil, err
		}
		o.StoreID, o.Method, o.TimeZone, o.PickupWindow = h.StoreID, h.Method, h.TimeZone, h.PickupWindow
		o.Routing = bopis.Routing{Requested: true, Reason: "the checkout hold's store and slot"}
	default:
		a, w, err := db.tryAttempts(ctx, tx, p.Attempts, o.ID, pickup, now, b)
		if err != nil {
			return nil, linesOfOrder(err, o.Lines)
		}
		o.StoreID, o.TimeZone, o.PickupWindow = a.StoreID, a.TimeZone, w
		o.Routing.DistanceKm = a.DistanceKm
		for _, f := range p.Attempts {
			if f.StoreID == a.StoreID {
				break
			}
			o.Routing.Tried = append(o.Routing.Tried, f.StoreID)
		}
	}
	o.PromisedReadyAt = o.PickupWindow.Start
	for i := range o.Lines {
		o.Lines[i].Status = bopis.LineOpen
		if o.Lines[i].Fulfillment == bopis.FulfillPickup {
			o.Lines[i].LocationID = o.StoreID
		}
	}
	if len(ship) > 0 {
		wh, err := db.reserveShipLines(ctx, tx, p.Warehouses, o.ID, ship, now, b)
		if err != nil {
			return nil, err
		}
		if wh == "" && len(pickup) == 0 {
			return nil, &bopis.Error{Code: bopis.ECONFLICT, Message: "no warehouse has every line to ship"}
		}
		for i := range o.Lines {
			if o.Lines[i].Fulfillment != bopis.FulfillShip {
				continue
			}
			o.Lines[i].LocationID = wh
			if wh == "" {
				o.Lines[i].Status = bopis.LineUnreserved
			}
		}
	}
	if err := db.insertOrder(b, &o, p.PlacedBy, p.PaymentToken, now); err != nil {
		return nil, err
	}
	step, err := orderstate.Next("", orderstate.Place)
	if err != nil {
		return nil, err
	}
	if err := db.recordStep(ctx, tx, &o, "", step, placedDetail(&o), now, b); err != nil {
		return nil, err
	}
	if err := db.sql.RunOwn(ctx, tx, later, b); err != nil {
		return nil, err
	}
	return localOrder(&o), nil
}

// linesOfOrder makes the lines a failed placement's error names (each
// store's shortfall or refusal, by their index among the pickup lines)
// the order's lines, among which ship lines may come first.
func linesOfOrder(err error, lines []bopis.OrderLine) error {
	var nr *bopis.NoRoute
	if !errors.As(err, &nr) {
		return err
	}
	var at []int // the order's line of each pickup line
	for i, l := range lines {
		if l.Fulfillment != bopis.FulfillShip {
			at = append(at, i)
		}
	}
	for _, f := range nr.Tried {
		if f.Shortfall != nil {
			for i, l := range f.Shortfall.Lines {
				f.Shortfall.Lines[i].Line = at[l.Line]
			}
		}
		if f.Refusal != nil {
			for i, l := range f.Refusal.Lines {
				f.Refusal.Lines[i].Line = at[l.Line]
			}
		}
	}
	return err
}

// placedDetail is what the timeline and the outbox say of a new order:
// the ship lines, reserved or not, travel with it for the retailer's OMS.
func placedDetail(o *bopis.Order) map[string]any {
	d := map[string]any{"store_id": o.StoreID, "pickup_window": o.PickupWindow, "routing": o.Routing}
	if o.ParentOrderID != "" {
		d["parent_order_id"] = o.ParentOrderID
	}
	var ship []bopis.OrderLine
	for _, l := range o.Lines {
		if l.Fulfillment == bopis.FulfillShip {
			ship = append(ship, l)
		}
	}
	if len(ship) > 0 {
		d["ship_lines"] = ship
		d["shipping_address"] = o.ShippingAddress
	}
	return d
}

// splitLines returns the pickup and ship lines as reservation lines.
func splitLines(lines []bopis.OrderLine) (pickup, ship []bopis.ReserveLine) {
	for _, l := range lines {
		r := bopis.ReserveLine{SKU: l.SKU, Quantity: l.Quantity}
		if l.Fulfillment == bopis.FulfillShip {
			ship = append(ship, r)
		} else {
			pickup = append(pickup, r)
		}
	}
	return pickup, ship
}

// tryAttempts reserves lines for reference at the first attempt that has
// the stock and a slot with room, and books that slot; an attempt at a
// store the rules of pickup refuse (a *bopis.Refusal: the read model that
// routed there may not know yet) fails like a short one. A failed attempt
// leaves nothing behind: ReserveTx undoes itself on a shortfall, and a
// savepoint undoes the reservations of a store whose slots are full (only
// a store with a slot capacity can be full, so only those pay for it),
// taking back what they added to later (see stock.Stock.ReserveTx).
func (db *Orders) tryAttempts(ctx context.Context, tx *sql.Tx, attempts []bopis.PickupAttempt, reference string,
	lines []bopis.ReserveLine, now int64, later *sqldb.Batch) (bopis.PickupAttempt, bopis.PickupWindow, error) {
	fail := &bopis.NoRoute{}
	for _, a := range attempts {
		added := 0
		if later != nil {
			added = later.Len()
		}
		savepoint := a.Capacity > 0
		if savepoint {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT bopis_attempt`); err != nil {
				return a, bopis.PickupWindow{}, err
			}
		}
		_, err := db.stock.ReserveTx(ctx, tx, a.StoreID, reference, lines, true, now, later)
		var short *bopis.Shortfall
		var refused *bopis.Refusal
		switch {
		case errors.As(err, &short):
			fail.Tried = append(fail.Tried, bopis.RouteFailure{StoreID: a.StoreID, Shortfall: short, Reason: short.Error()})
		case errors.As(err, &refused):
			fail.Tried = append(fail.Tried, bopis.RouteFailure{StoreID: a.StoreID, Refusal: refused, Reason: refused.Error()})
		case err != nil:
			return a, bopis.PickupWindow{}, err
		default:
			w, ok, err := db.bookFirst(ctx, tx, a, later)
			if err != nil {
				return a, w, err
			}
			if ok && savepoint {
				_, err = tx.ExecContext(ctx, `RELEASE SAVEPOINT bopis_attempt`)
			}
			if ok {
				return a, w, err
			}
			fail.Tried = append(fail.Tried, bopis.RouteFailure{StoreID: a.StoreID, Reason: reasonSlotsFull})
		}
		if !savepoint {
			continue
		}
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT bopis_attempt`); err != nil {
			return a, bopis.PickupWindow{}, err
		}
		if later != nil {
			later.Truncate(added)
		}
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT bopis_attempt`); err != nil {
			return a, bopis.PickupWindow{}, err
		}
	}
	return bopis.PickupAttempt{}, bopis.PickupWindow{}, fail
}

// bookFirst books the first of a's slots that has room. A store without
// a slot capacity has room in every slot, so its booking cannot fail and
// joins later if set: on PostgreSQL one round trip fewer.
func (db *Orders) bookFirst(ctx context.Context, tx *sql.Tx, a bopis.PickupAttempt, later *sqldb.Batch) (bopis.PickupWindow, bool, error) {
	if a.Capacity == 0 && later != nil && len(a.Slots) > 0 {
		w := a.Slots[0]
		later.Add(bookSlotStatement(db.dialect, `true`), a.StoreID, w.Start.Unix())
		if q := changefeed.VersionBump(db.dialect); q != "" {
			later.Add(q)
		}
		return w, true, nil
	}
	for _, w := range a.Slots {
		ok, err := db.bookSlot(ctx, tx, a.StoreID, w.Start.Unix(), a.Capacity)
		if err != nil || ok {
			return w, ok, err
		}
	}
	return bopis.PickupWindow{}, false, nil
}

// bookSlotStatement takes one booking ($1 the store, $2 the slot's start)
// where room holds.
func bookSlotStatement(d sqldb.Dialect, room string) string {
	return `INSERT INTO slot_bookings (store_id, slot_start, booked) VALUES ($1, $2, 1)
		ON CONFLICT (store_id, slot_start) DO UPDATE SET booked = slot_bookings.booked + 1` + changefeed.VersionSet(d) + `
		WHERE ` + room
}

// bookSlot takes one booking in a store's slot if it has room: one
// conditional statement, so concurrent bookings never pass the capacity.
func (db *Orders) bookSlot(ctx context.Context, tx *sql.Tx, storeID string, start int64, capacity int) (bool, error) {
	res, err := db.sql.ExecTx(ctx, tx, bookSlotStatement(db.dialect, `$3 = 0 OR slot_bookings.booked < $3`), storeID, start, capacity)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	return true, changefeed.BumpVersions(ctx, db.sql, tx)
}

// unbookSlot gives a booking back.
func unbookSlot(ctx context.Context, tx *sql.Tx, storeID string, start int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE slot_bookings SET booked = booked - 1
		WHERE store_id = $1 AND slot_start = $2 AND booked > 0`, storeID, start)
	return err
}

// reserveShipLines reserves every ship line at the first warehouse that
// has them all; "" when none does (the lines go to the retailer's OMS
// unreserved).
func (db *Orders) reserveShipLines(ctx context.Context, tx *sql.Tx, warehouses []string, reference string, lines []bopis.ReserveLine,
	now int64, later *sqldb.Batch) (string, error) {
	for _, wh := range warehouses {
		_, err := db.stock.ReserveTx(ctx, tx, wh, reference, lines, false, now, later)
		var short *bopis.Shortfall
		switch {
		case errors.As(err, &short):
			continue
		case err != nil:
			return "", err
		}
		return wh, nil
	}
	return "", nil
}

// orderDetails is the JSON column of what an order carries but never
// queries by.
type orderDetails struct {
	Customer        bopis.Customer         `json:"customer"`
	PickupPerson    *bopis.PickupPerson    `json:"pickup_person,omitempty"`
	ShippingAddress *bopis.ShippingAddress `json:"shipping_address,omitempty"`
	Routing         bopis.Routing          `json:"routing"`
	Arrival         *bopis.Arrival         `json:"arrival,omitempty"`
	CancelReason    string                 `json:"cancel_reason,omitempty"`
}

func detailsOf(o *bopis.Order) (string, error) {
	b, err := json.Marshal(orderDetails{o.Customer, o.PickupPerson, o.ShippingAddress, o.Routing, o.Arrival, o.CancelReason})
	return string(b), err
}

// insertOrder adds the writes of a new order and its lines to b.
func (db *Orders) insertOrder(b *sqldb.Batch, o *bopis.Order, placedBy, token string, now int64) error {
	details, err := detailsOf(o)
	if err != nil {
		return err
	}
	pay := o.Payment
	b.Add(`INSERT INTO orders (id, external_id, status, store_id, method, time_zone, pickup_code,
		promised_ready_at, slot_start, slot_end, hold_until, placed_by, hold_id, payment_gateway, payment_id, payment_status,
		capture_policy, currency, authorized_amount, captured_amount, authorization_expires_at, details, created_at, updated_at,
		parent_order_id, payment_token)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22, $23, $24)`,
		o.ID, o.ExternalID, o.Status, o.StoreID, o.Method, o.TimeZone, o.PickupCode,
		sqldb.Micros(o.PromisedReadyAt), sqldb.Micros(o.PickupWindow.Start), sqldb.Micros(o.PickupWindow.End), placedBy, o.HoldID,
		pay.Gateway, pay.AuthorizationID, pay.Status, pay.Capture, pay.Authorized.Currency, pay.Authorized.Amount,
		pay.Captured.Amount, sqldb.Micros(pay.AuthorizationExpiresAt), details, now, o.ParentOrderID, token)
	lines := sqldb.Rows{Cols: 9}
	for i, l := range o.Lines {
		lines.Add(o.ID, l.ID, i, l.SKU, l.Quantity, l.UnitPrice.Amount, string(l.Fulfillment), l.LocationID, l.Status)
	}
	db.sql.AddRows(b, `INSERT INTO order_lines (order_id, id, position, sku, quantity, unit_price, fulfillment, location_id, status)`,
		&lines, "")
	return nil
}

// recordStep writes a state change's timeline event and, for the events
// API.md publishes, its outbox event (delivered by the dispatcher): added
// to later if set, else written here.
func (db *Orders) recordStep(ctx context.Context, tx *sql.Tx, o *bopis.Order, from bopis.OrderStatus, step orderstate.Step,
	detail map[string]any, now int64, later *sqldb.Batch) error {
	d, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	b := sqldb.Own(later)
	b.Add(`INSERT INTO order_events (order_id, type, from_status, to_status, detail, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, o.ID, step.Event, string(from), string(step.To), string(d), now)
	if step.Publish {
		payload, err := json.Marshal(map[string]any{"order_id": o.ID, "store_id": o.StoreID, "status": step.To,
			"from_status": from, "detail": json.RawMessage(d), "at": sqldb.FromMicros(now)})
		if err != nil {
			return err
		}
		outbox.Enqueue(b, step.Event, o.StoreID, o.ID, string(payload), now)
	}
	return db.sql.RunOwn(ctx, tx, later, b)
}

const orderColumns = `id, external_id, status, store_id, method, time_zone, pickup_code, promised_ready_at, slot_start, slot_end,
	hold_until, hold_id, payment_gateway, payment_id, payment_status, capture_policy, currency, authorized_amount,
	captured_amount, authorization_expires_at, details, created_at, updated_at, parent_order_id, staging_location,
	arrived_at, handed_at, handoff_locked_until, refund_due`

func scanOrder(r sqldb.Scanner) (*bopis.Order, error) {
	var o bopis.Order
	var promised, start, end, authExp, created, updated, refund int64
	var holdUntil, arrived, handed, locked sql.NullInt64
	var details string
	var authorized, captured int64
	var currency string
	if err := r.Scan(&o.ID, &o.ExternalID, &o.Status, &o.StoreID, &o.Method, &o.TimeZone, &o.PickupCode, &promised,
		&start, &end, &holdUntil, &o.HoldID, &o.Payment.Gateway, &o.Payment.AuthorizationID, &o.Payment.Status,
		&o.Payment.Capture, &currency, &authorized, &captured, &authExp, &details, &created, &updated,
		&o.ParentOrderID, &o.StagingLocation, &arrived, &handed, &locked, &refund); err != nil {
		return nil, err
	}
	var d orderDetails
	if err := json.Unmarshal([]byte(details), &d); err != nil {
		return nil, err
	}
	o.Customer, o.PickupPerson, o.ShippingAddress, o.Routing = d.Customer, d.PickupPerson, d.ShippingAddress, d.Routing
	o.Arrival, o.CancelReason = d.Arrival, d.CancelReason
	o.PromisedReadyAt = sqldb.FromMicros(promised)
	o.PickupWindow = bopis.PickupWindow{Start: sqldb.FromMicros(start), End: sqldb.FromMicros(end)}
	o.HoldUntil, o.ArrivedAt, o.PickedUpAt, o.HandoffLockedUntil = sqldb.NullTime(holdUntil), sqldb.NullTime(arrived), sqldb.NullTime(handed), sqldb.NullTime(locked)
	o.Payment.Authorized = bopis.Money{Amount: authorized, Currency: currency}
	o.Payment.Captured = bopis.Money{Amount: captured, Currency: currency}
	if refund > 0 {
		o.Payment.RefundDue = &bopis.Money{Amount: refund, Currency: currency}
	}
	if o.ParentOrderID != "" {
		o.Payment.CoveredBy = o.ParentOrderID
	}
	o.Payment.AuthorizationExpiresAt = sqldb.FromMicros(authExp)
	o.CreatedAt, o.UpdatedAt = sqldb.FromMicros(created), sqldb.FromMicros(updated)
	return &o, nil
}

// localOrder returns o with its times in the store's zone (API.md: times
// are RFC 3339 with the store's offset where they are store-local).
func localOrder(o *bopis.Order) *bopis.Order {
	loc := bopis.Zone(o.TimeZone)
	o.PromisedReadyAt = o.PromisedReadyAt.In(loc)
	o.PickupWindow.Start, o.PickupWindow.End = o.PickupWindow.Start.In(loc), o.PickupWindow.End.In(loc)
	for _, t := range []**time.Time{&o.HoldUntil, &o.ArrivedAt, &o.PickedUpAt, &o.HandoffLockedUntil} {
		if *t != nil {
			l := (*t).In(loc)
			*t = &l
		}
	}
	for _, l := range o.Lines {
		if s := l.Substitute; s != nil {
			s.AnswerBy = s.AnswerBy.In(loc)
		}
	}
	return o
}

// GetOrder returns an order with its lines, if scope may see it (else not found).
func (db *Orders) GetOrder(ctx context.Context, id string, scope bopis.OrderScope) (*bopis.Order, error) {
	cond, args := scopeWhere(scope, db, 2)
	o, err := scanOrder(db.r.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = $1 AND `+cond,
		append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqldb.NotFound("order", id)
	}
	if err != nil {
		return nil, err
	}
	if err := db.loadLines(ctx, db.r, []*bopis.Order{o}); err != nil {
		return nil, err
	}
	return localOrder(o), nil
}

// querier is a pool or a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// loadLines fills in the lines of orders, read through q.
func (db *Orders) loadLines(ctx context.Context, q sqldb.Querier, orders []*bopis.Order) error {
	if len(orders) == 0 {
		return nil
	}
	ids := make([]string, len(orders))
	byID := make(map[string]*bopis.Order, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
		byID[o.ID] = o
		o.Lines = []bopis.OrderLine{}
	}
	// One order, the usual case, by equality: PostgreSQL's generic plan
	// for a list expects 100 ids and, while order_lines is small or its
	// statistics old, scans the whole table for them.
	where, arg := "= $1", any(ids[0])
	if len(ids) > 1 {
		where, arg = db.dialect.InList("$1"), sqldb.JSONList(ids)
	}
	// Each line with its SKU's name, image and age rule, and its place in
	// the line's store, so people read products, not codes (issue 41).
	res, err := q.QueryContext(ctx, `SELECT l.order_id, l.id, l.sku, l.quantity, l.unit_price, l.fulfillment, l.location_id, l.status,
		l.picked_quantity, l.substitute, l.linked_order_id, COALESCE(k.name, ''), COALESCE(k.image_url, ''),
		COALESCE(k.minimum_age, 0), COALESCE(ss.location, '')
		FROM order_lines l LEFT JOIN skus k ON k.sku = l.sku
		LEFT JOIN store_skus ss ON ss.store_id = l.location_id AND ss.sku = l.sku
		WHERE l.order_id `+where+` ORDER BY l.order_id, l.position`, arg)
	if err != nil {
		return err
	}
	defer res.Close()
	for res.Next() {
		var orderID string
		var l bopis.OrderLine
		var picked sql.NullInt64
		var sub sql.NullString
		if err := res.Scan(&orderID, &l.ID, &l.SKU, &l.Quantity, &l.UnitPrice.Amount, &l.Fulfillment, &l.LocationID,
			&l.Status, &picked, &sub, &l.LinkedOrderID, &l.Name, &l.ImageURL, &l.MinimumAge, &l.Shelf); err != nil {
			return err
		}
		o := byID[orderID]
		l.UnitPrice.Currency = o.Payment.Authorized.Currency
		l.PickedQuantity = sqldb.NullInt(picked)
		if sub.Valid {
			l.Substitute = &bopis.Substitute{}
			if err := json.Unmarshal([]byte(sub.String), l.Substitute); err != nil {
				return err
			}
		}
		o.Lines = append(o.Lines, l)
	}
	if err := res.Err(); err != nil {
		return err
	}
	return db.nameSubstitutes(ctx, q, orders)
}

// nameSubstitutes fills in the names of the lines' substitutes.
func (db *Orders) nameSubstitutes(ctx context.Context, q sqldb.Querier, orders []*bopis.Order) error {
	var skus []string
	for _, o := range orders {
		for _, l := range o.Lines {
			if l.Substitute != nil {
				skus = append(skus, l.Substitute.SKU)
			}
		}
	}
	if len(skus) == 0 {
		return nil
	}
	res, err := q.QueryContext(ctx, `SELECT sku, name FROM skus WHERE sku `+db.dialect.InList("$1"), sqldb.JSONList(skus))
	if err != nil {
		return err
	}
	names := map[string]string{}
	defer res.Close()
	for res.Next() {
		var sku, name string
		if err := res.Scan(&sku, &name); err != nil {
			return err
		}
		names[sku] = name
	}
	if err := res.Err(); err != nil {
		return err
	}
	for _, o := range orders {
		for _, l := range o.Lines {
			if l.Substitute != nil {
				l.Substitute.Name = names[l.Substitute.SKU]
			}
		}
	}
	return nil
}

// scopeWhere is the scope s as SQL over parameters $n and $n+1, with their values.
func scopeWhere(s bopis.OrderScope, db *Orders, n int) (string, []any) {
	p1, p2 := "$"+strconv.Itoa(n), "$"+strconv.Itoa(n+1)
	stores := ""
	if s.StoreIDs != nil {
		stores = sqldb.JSONList(s.StoreIDs)
	}
	return `(` + p1 + ` = '' OR placed_by = ` + p1 + `) AND (` + p2 + ` = '' OR store_id IN (SELECT value FROM ` +
		db.dialect.JSONTextArray(p2) + `))`, []any{s.PlacedBy, stores}
}

// ListOrders lists orders by promised ready time (the store's queue
// order), then id, a page at a time.
func (db *Orders) ListOrders(ctx context.Context, f bopis.OrderFilter, p bopis.Page) ([]bopis.Order, string, error) {
	after, err := p.After()
	if err != nil {
		return nil, "", err
	}
	var afterAt int64 = -1 << 62
	afterID := ""
	if after != "" {
		at, id, ok := cutCursor(after)
		if !ok {
			return nil, "", bopis.ErrBadCursor
		}
		afterAt, afterID = at, id
	}
	cond, scope := scopeWhere(f.Scope, db, 5)
	limit := p.Size()
	res, err := db.r.QueryContext(ctx, `SELECT `+orderColumns+` FROM orders
		WHERE (promised_ready_at > $1 OR (promised_ready_at = $1 AND id > $2))
		AND ($3 = '' OR store_id = $3) AND ($4 = '' OR status = $4) AND `+cond+`
		ORDER BY promised_ready_at, id LIMIT `+strconv.Itoa(limit),
		append([]any{afterAt, afterID, f.StoreID, string(f.Status)}, scope...)...)
	if err != nil {
		return nil, "", err
	}
	var list []*bopis.Order
	for res.Next() {
		o, err := scanOrder(res)
		if err != nil {
			res.Close()
			return nil, "", err
		}
		list = append(list, o)
	}
	res.Close()
	if err := res.Err(); err != nil {
		return nil, "", err
	}
	if err := db.loadLines(ctx, db.r, list); err != nil {
		return nil, "", err
	}
	out := make([]bopis.Order, len(list))
	for i, o := range list {
		out[i] = *localOrder(o)
	}
	next := ""
	if len(out) == limit {
		last := list[len(list)-1]
		next = sqldb.NextCursor(len(out), limit, strconv.FormatInt(sqldb.Micros(last.PromisedReadyAt), 10)+" "+last.ID)
	}
	return out, next, nil
}

// cutCursor splits "micros id".
func cutCursor(s string) (int64, string, bool) {
	at, id, ok := strings.Cut(s, " ")
	n, err := strconv.ParseInt(at, 10, 64)
	return n, id, ok && err == nil
}

// OrderEvents is an order's timeline, oldest first.
func (db *Orders) OrderEvents(ctx context.Context, id string, scope bopis.OrderScope) ([]bopis.OrderEvent, error) {
	o, err := db.GetOrder(ctx, id, scope)
	if err != nil {
		return nil, err
	}
	res, err := db.r.QueryContext(ctx, `SELECT id, type, from_status, to_status, detail, created_at FROM order_events
		WHERE order_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	loc := bopis.Zone(o.TimeZone)
	out := []bopis.OrderEvent{}
	for res.Next() {
		e := bopis.OrderEvent{OrderID: id}
		var detail string
		var at int64
		if err := res.Scan(&e.ID, &e.Type, &e.FromStatus, &e.ToStatus, &detail, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
			return nil, err
		}
		e.CreatedAt = sqldb.FromMicros(at).In(loc)
		out = append(out, e)
	}
	return out, res.Err()
}

// SlotBookings returns the bookings of a store's slots from since (unix
// seconds) on, keyed by slot start.
func (db *Orders) SlotBookings(ctx context.Context, storeID string, since int64) (map[int64]int, error) {
	res, err := db.r.QueryContext(ctx, `SELECT slot_start, booked FROM slot_bookings WHERE store_id = $1 AND slot_start >= $2`,
		storeID, since)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	out := map[int64]int{}
	for res.Next() {
		var start int64
		var n int
		if err := res.Scan(&start, &n); err != nil {
			return nil, err
		}
		out[start] = n
	}
	return out, res.Err()
}

// sameLines reports whether two carts ask for the same units of each SKU.
func sameLines(a, b []bopis.ReserveLine) bool {
	count := func(ls []bopis.ReserveLine) map[string]int64 {
		m := map[string]int64{}
		for _, l := range ls {
			m[l.SKU] += l.Quantity
		}
		return m
	}
	ca, cb := count(a), count(b)
	if len(ca) != len(cb) {
		return false
	}
	for k, v := range ca {
		if cb[k] != v {
			return false
		}
	}
	return true
}

// SetPayment records a change of an order's payment (a capture, a void)
// with a timeline event of that type; the order's status stays.
func (db *Orders) SetPayment(ctx context.Context, orderID string, p bopis.Payment, event string) error {
	_, now := db.sql.NowMicros()
	return db.sql.Transact(ctx, func(tx *sql.Tx) error {
		var status string
		err := tx.QueryRowContext(ctx, `UPDATE orders SET payment_status = $2, captured_amount = $3, updated_at = $4
			WHERE id = $1 RETURNING status`, orderID, p.Status, p.Captured.Amount, now).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return sqldb.NotFound("order", orderID)
		}
		if err != nil {
			return err
		}
		d, _ := json.Marshal(map[string]any{"payment": p})
		_, err = tx.ExecContext(ctx, `INSERT INTO order_events (order_id, type, from_status, to_status, detail, created_at)
			VALUES ($1, $2, $3, $3, $4, $5)`, orderID, event, status, string(d), now)
		return err
	})
}
