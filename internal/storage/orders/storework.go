package orders

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/orderstate"
	"github.com/bopis/bopis/internal/sqldb"
	"github.com/bopis/bopis/internal/storage/stock"
)

// work is one action on one order inside one transaction: the order is
// locked (PostgreSQL; SQLite has one writer) with its lines, substitutes
// past their deadline are rejected first, the action changes the order in
// memory and writes its stock changes and timeline events as it goes, and
// save writes the order back.
type work struct {
	db       *Orders
	ctx      context.Context
	tx       *sql.Tx
	o        *bopis.Order
	placedBy string
	failures int   // wrong pickup codes in a row
	handed   int64 // value handed over
	settle   int64 // to capture while capture_pending
	// reminders is how many pickup reminders fired or were skipped.
	reminders int
	// The markers of the order's timers (timers.go), read with the order.
	delayed        sql.NullInt64 // delayed_at
	authChecked    sql.NullInt64 // the authorization expiry last handled
	paymentToken   string        // sealed
	rescheduledFor string        // the closed date the order was moved off
	shipOrderID    string        // its ship-to-home order
	t              time.Time
	now            int64
	changed        bool
	dirty          map[int]bool // lines changed
	// refuse is the answer of an action that must still commit what it
	// wrote (a wrong pickup code counts even though it is refused).
	refuse error
	// settlement is the gateway call due once the transaction commits.
	settlement *bopis.Settlement
	acted      bool // the order moved (not a repeat)
}

// extraScan scans a row's trailing columns into extra after scanOrder's.
type extraScan struct {
	r     sqldb.Scanner
	extra []any
}

func (e extraScan) Scan(dest ...any) error { return e.r.Scan(append(dest, e.extra...)...) }

// lockWork locks order id (if scope may see it) for an action.
func (db *Orders) lockWork(ctx context.Context, tx *sql.Tx, id string, scope bopis.OrderScope, t time.Time, now int64) (*work, error) {
	cond, args := scopeWhere(scope, db, 2)
	w := &work{db: db, ctx: ctx, tx: tx, t: t, now: now, dirty: map[int]bool{}}
	o, err := scanOrder(extraScan{tx.QueryRowContext(ctx, `SELECT `+orderColumns+`, placed_by, handoff_failures, handed_amount,
		settle_amount, reminders_sent, delayed_at, auth_checked, payment_token, rescheduled_for, ship_order_id
		FROM orders WHERE id = $1 AND `+cond+db.dialect.LockRows("orders"), append([]any{id}, args...)...),
		[]any{&w.placedBy, &w.failures, &w.handed, &w.settle, &w.reminders, &w.delayed, &w.authChecked, &w.paymentToken,
			&w.rescheduledFor, &w.shipOrderID}})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqldb.NotFound("order", id)
	}
	if err != nil {
		return nil, err
	}
	if err := db.loadLines(ctx, tx, []*bopis.Order{o}); err != nil {
		return nil, err
	}
	w.o = o
	return w, w.timeoutSubstitutes()
}

// orderWork runs fn on order id in one transaction and returns the work
// done (its order as it then stands, the settlement to carry out), and
// the action's refusal if it committed one.
func (db *Orders) orderWork(ctx context.Context, id string, scope bopis.OrderScope, fn func(w *work) error) (*work, error) {
	t, now := db.sql.NowMicros()
	var w *work
	err := db.sql.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		if w, err = db.lockWork(ctx, tx, id, scope, t, now); err != nil {
			return err
		}
		if err := fn(w); err != nil {
			return err
		}
		return w.save()
	})
	if err != nil {
		return nil, err
	}
	localOrder(w.o)
	return w, w.refuse
}

// order is the order a work left, or nil.
func order(w *work, err error) (*bopis.Order, error) {
	if w == nil {
		return nil, err
	}
	return w.o, err
}

func (w *work) touch() {
	w.changed = true
	w.o.UpdatedAt = w.t
}

// save writes the order and its changed lines back.
func (w *work) save() error {
	if !w.changed {
		return nil
	}
	o := w.o
	details, err := detailsOf(o)
	if err != nil {
		return err
	}
	var refund int64
	if o.Payment.RefundDue != nil {
		refund = o.Payment.RefundDue.Amount
	}
	if _, err := w.db.sql.ExecTx(w.ctx, w.tx, `UPDATE orders SET status = $2, staging_location = $3, arrived_at = $4, handed_at = $5,
		hold_until = $6, handoff_failures = $7, handoff_locked_until = $8, handed_amount = $9, payment_status = $10,
		captured_amount = $11, settle_amount = $12, refund_due = $13, details = $14, updated_at = $15, reminders_sent = $16
		WHERE id = $1`,
		o.ID, o.Status, o.StagingLocation, sqldb.MicrosOrNull(o.ArrivedAt), sqldb.MicrosOrNull(o.PickedUpAt), sqldb.MicrosOrNull(o.HoldUntil),
		w.failures, sqldb.MicrosOrNull(o.HandoffLockedUntil), w.handed, o.Payment.Status, o.Payment.Captured.Amount, w.settle,
		refund, details, w.now, w.reminders); err != nil {
		return err
	}
	for i := range w.dirty {
		l := o.Lines[i]
		var sub, answerBy any
		if l.Substitute != nil {
			b, err := json.Marshal(l.Substitute)
			if err != nil {
				return err
			}
			sub = string(b)
			if l.Substitute.Status == bopis.SubstituteProposed {
				answerBy = sqldb.Micros(l.Substitute.AnswerBy)
			}
		}
		if _, err := w.db.sql.ExecTx(w.ctx, w.tx, `UPDATE order_lines SET status = $3, picked_quantity = $4, substitute = $5,
			linked_order_id = $6, answer_by = $7 WHERE order_id = $1 AND id = $2`,
			o.ID, l.ID, l.Status, sqldb.Nullable(l.PickedQuantity), sub, l.LinkedOrderID, answerBy); err != nil {
			return err
		}
	}
	w.changed, w.dirty = false, map[int]bool{}
	return nil
}

// apply moves the order by an allowed step, writing its timeline event.
func (w *work) apply(step orderstate.Step, detail map[string]any) error {
	w.acted = true
	from := w.o.Status
	w.o.Status = step.To
	w.touch()
	return w.db.recordStep(w.ctx, w.tx, w.o, from, step, detail, w.now, nil)
}

// note writes a timeline event that does not move the order.
func (w *work) note(event string, detail map[string]any) error {
	w.touch()
	return w.db.recordStep(w.ctx, w.tx, w.o, w.o.Status, orderstate.Note(w.o.Status, event), detail, w.now, nil)
}

// timeoutSubstitutes rejects every proposed substitute whose deadline has
// passed (orderstate.OverdueSubstitutes).
func (w *work) timeoutSubstitutes() error {
	for _, i := range orderstate.OverdueSubstitutes(w.o, w.t) {
		if err := w.answer(i, false, orderstate.ByTimeout); err != nil {
			return err
		}
	}
	return nil
}

// answer records the answer to line i's proposed substitute
// (orderstate.AnswerSubstitute), releasing a rejected one's units.
func (w *work) answer(i int, approve bool, by string) error {
	l, release := orderstate.AnswerSubstitute(w.o.Lines[i], approve, by, w.t)
	w.o.Lines[i] = l
	s := l.Substitute
	if release {
		if err := w.db.stock.UnreserveTx(w.ctx, w.tx, w.o.ID, w.o.StoreID, s.SKU, s.Quantity, stock.CauseRelease, false, w.now); err != nil {
			return err
		}
	}
	w.dirty[i] = true
	return w.note(orderstate.EventSubstitutionAnswered, map[string]any{"line_id": l.ID, "sku": s.SKU, "answer": s.Status, "by": by})
}

// Accept is the store taking an order (POST /v1/orders/{id}/accept).
func (db *Orders) Accept(ctx context.Context, id string, scope bopis.OrderScope) (*bopis.Order, error) {
	return order(db.orderWork(ctx, id, scope, func(w *work) error {
		step, err := orderstate.Next(w.o.Status, orderstate.Accept)
		if err != nil || step.Repeat {
			return err
		}
		return w.apply(step, nil)
	}))
}

// Pick records what the store picked, as decide plans it on the order as
// it stands, locked (decide reads the order, never changes it). A short
// line's missing units leave on_hand (cause short_pick) and its
// reservation; a proposed substitute is reserved at the store (409 when
// it is not there) and waits for the customer. With a reroute, short
// lines without a substitute are placed as one linked order at another
// store when one has them all; else they stay short.
func (db *Orders) Pick(ctx context.Context, id string, scope bopis.OrderScope,
	decide func(o *bopis.Order) (bopis.PickPlan, error)) (*bopis.Order, error) {
	return order(db.orderWork(ctx, id, scope, func(w *work) error {
		plan, err := decide(w.o)
		if err != nil {
			return err
		}
		todo := plan.Lines[:0]
		for _, lp := range plan.Lines {
			if !lp.Repeat {
				todo = append(todo, lp)
			}
		}
		if len(todo) == 0 {
			return nil // every line already says so
		}
		step, err := orderstate.Next(w.o.Status, orderstate.Pick)
		if err != nil {
			return err
		}
		return w.pick(todo, step, plan.Reroute)
	}))
}

func (w *work) pick(plan []bopis.LinePick, step orderstate.Step, reroute *bopis.Reroute) error {
	o := w.o
	var report []map[string]any
	for _, lp := range plan {
		l := &o.Lines[lp.Index]
		picked := lp.Picked
		l.PickedQuantity, l.Status = &picked, orderstate.LineStatus(lp)
		w.dirty[lp.Index] = true
		report = append(report, map[string]any{"line_id": l.ID, "sku": l.SKU, "picked": lp.Picked, "short": lp.Short})
		if lp.Short > 0 {
			if err := w.db.stock.UnreserveTx(w.ctx, w.tx, o.ID, o.StoreID, l.SKU, lp.Short, stock.CauseShortPick, true, w.now); err != nil {
				return err
			}
		}
		if s := lp.Substitute; s != nil {
			_, err := w.db.stock.ReserveTx(w.ctx, w.tx, o.StoreID, o.ID, []bopis.ReserveLine{{SKU: s.SKU, Quantity: s.Quantity}}, false, w.now, nil)
			var short *bopis.Shortfall
			if errors.As(err, &short) {
				msg := fmt.Sprintf("%d of %s available at store %s", short.Lines[0].Available, s.SKU, o.StoreID)
				return &bopis.Error{Code: bopis.ECONFLICT, Message: "the substitute is not in stock",
					Fields: []bopis.FieldError{{Path: fmt.Sprintf("lines[%d].substitute.sku", lp.Request), Message: msg}}}
			}
			if err != nil {
				return err
			}
			l.Substitute = s
			if err := w.note(orderstate.EventSubstitutionProposed, map[string]any{"line_id": l.ID, "sku": l.SKU,
				"short": lp.Short, "substitute": s}); err != nil {
				return err
			}
		}
	}
	if err := w.apply(step, map[string]any{"lines": report}); err != nil {
		return err
	}
	unfilled := orderstate.Unfilled(plan)
	if len(unfilled) == 0 {
		return nil
	}
	rest := make([]map[string]any, len(unfilled))
	for i, lp := range unfilled {
		l := o.Lines[lp.Index]
		rest[i] = map[string]any{"line_id": l.ID, "sku": l.SKU, "short": lp.Short}
	}
	if err := w.note(orderstate.EventShortPicked, map[string]any{"lines": rest}); err != nil {
		return err
	}
	if reroute == nil {
		return nil
	}
	return w.reroute(unfilled, reroute)
}

// reroute places the unfilled lines as a linked order (orderstate.Reroute)
// at the first of r's attempts that has them all.
func (w *work) reroute(unfilled []bopis.LinePick, r *bopis.Reroute) error {
	o := w.o
	child := orderstate.Reroute(o, unfilled, r.OrderID, r.PickupCode)
	placed, err := w.db.placeOrder(w.ctx, w.tx, bopis.Placement{Order: child, PlacedBy: w.placedBy, Attempts: r.Attempts,
		Routing: bopis.Routing{Reason: orderstate.RerouteReason(o.StoreID)}}, w.t, w.now, nil)
	var nr *bopis.NoRoute
	if errors.As(err, &nr) {
		return w.note(orderstate.EventRerouted, map[string]any{"linked_order_id": nil, "reason": "no other store nearby has it all"})
	}
	if err != nil {
		return err
	}
	for _, lp := range unfilled {
		l := &o.Lines[lp.Index]
		l.Status, l.LinkedOrderID = bopis.LineRerouted, placed.ID
	}
	return w.note(orderstate.EventRerouted, map[string]any{"linked_order_id": placed.ID, "store_id": placed.StoreID,
		"promised_ready_at": placed.PromisedReadyAt})
}

// AnswerSubstitution is the customer's answer to a proposed substitute.
func (db *Orders) AnswerSubstitution(ctx context.Context, id string, scope bopis.OrderScope, lineID string, approve bool) (*bopis.Order, error) {
	return order(db.orderWork(ctx, id, scope, func(w *work) error {
		i, repeat, err := orderstate.PlanAnswer(w.o, lineID, approve)
		if err != nil || repeat {
			return err
		}
		if _, err := orderstate.Next(w.o.Status, orderstate.Answer); err != nil {
			return err
		}
		return w.answer(i, approve, "customer")
	}))
}

// ExpireSubstitutions rejects the proposed substitutes whose customer did
// not answer in time, and returns how many orders it touched. Every
// action on an order does the same first, so nothing waits for the sweep.
func (db *Orders) ExpireSubstitutions(ctx context.Context) (int, error) {
	_, now := db.sql.NowMicros()
	// Lines, not DISTINCT orders: with DISTINCT, SQLite's planner reads
	// every line in key order rather than the few due on the index.
	res, err := db.r.QueryContext(ctx, `SELECT order_id FROM order_lines WHERE answer_by <= $1
		ORDER BY answer_by LIMIT 500`, now)
	if err != nil {
		return 0, err
	}
	var ids []string
	seen := map[string]bool{}
	for res.Next() {
		var id string
		if err := res.Scan(&id); err != nil {
			res.Close()
			return 0, err
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	res.Close()
	if err := res.Err(); err != nil {
		return 0, err
	}
	for _, id := range ids {
		if _, err := db.orderWork(ctx, id, bopis.OrderScope{}, func(*work) error { return nil }); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// Ready stages an order for the customer: every pickup line resolved and
// something to hand over; it is held until holdUntil.
func (db *Orders) Ready(ctx context.Context, id string, scope bopis.OrderScope, staging string, holdUntil time.Time, remindersPast int) (*bopis.Order, error) {
	return order(db.orderWork(ctx, id, scope, func(w *work) error {
		step, err := orderstate.Next(w.o.Status, orderstate.Ready)
		if err != nil || step.Repeat {
			return err
		}
		if err := orderstate.ReadyCheck(w.o); err != nil {
			return err
		}
		h := holdUntil.UTC()
		w.o.StagingLocation, w.o.HoldUntil, w.reminders = staging, &h, remindersPast
		if err := w.closeAlerts(stock.AlertLateOrder); err != nil {
			return err
		}
		var short []map[string]any
		for _, l := range w.o.Lines {
			if l.Status == bopis.LineShort || l.Status == bopis.LineRerouted {
				short = append(short, map[string]any{"line_id": l.ID, "sku": l.SKU, "short": l.Short(),
					"linked_order_id": l.LinkedOrderID})
			}
		}
		return w.apply(step, map[string]any{"staging_location": staging, "hold_until": h, "short_lines": short})
	}))
}

// Arrive records a curbside customer's "I'm here". The first arrival
// raises order.arrived; a later one only updates the spot and vehicle.
func (db *Orders) Arrive(ctx context.Context, id string, scope bopis.OrderScope, a bopis.Arrival) (*bopis.Order, error) {
	return order(db.orderWork(ctx, id, scope, func(w *work) error {
		step, err := orderstate.Next(w.o.Status, orderstate.Arrive)
		if err != nil {
			return err
		}
		if w.o.ArrivedAt != nil {
			if w.o.Arrival == nil || *w.o.Arrival != a {
				w.o.Arrival = &a
				w.touch()
			}
			return nil
		}
		at := w.t
		w.o.ArrivedAt, w.o.Arrival = &at, &a
		return w.apply(step, map[string]any{"parking_spot": a.ParkingSpot, "vehicle": a.Vehicle})
	}))
}

// Handoff hands a ready order to whoever shows its pickup code. A wrong
// code is refused (EINVALID) and counted; the MaxHandoffAttempts-th in a
// row locks the handoff for HandoffLock and opens a handoff_locked alert.
// The right code, in one transaction: what was picked leaves on_hand and
// reserved (ship lines leave their warehouse), anything else held is
// released, the order is picked_up, and if it was the last open order of
// its family the payment is settled for what was handed over.
func (db *Orders) Handoff(ctx context.Context, id string, scope bopis.OrderScope, code string) (*bopis.Closing, error) {
	return closing(db.orderWork(ctx, id, scope, func(w *work) error {
		o := w.o
		h, err := orderstate.PlanHandoff(o, w.failures, code, w.t, bopis.Zone(o.TimeZone))
		if err != nil || h.Step.Repeat {
			return err
		}
		if h.Refuse != nil {
			w.refuse = h.Refuse
			return w.wrongCode(h)
		}
		w.failures, o.HandoffLockedUntil = h.Failures, h.LockedUntil
		if err := w.closeAlerts(); err != nil {
			return err
		}
		if _, err := w.db.stock.ConsumeTx(w.ctx, w.tx, o.ID, o.StoreID, h.Picked, w.now); err != nil {
			return err
		}
		for _, wh := range orderstate.Warehouses(h.Shipped) {
			if _, err := w.db.stock.ConsumeTx(w.ctx, w.tx, o.ID, wh, h.Shipped[wh], w.now); err != nil {
				return err
			}
		}
		at := w.t
		o.PickedUpAt, w.handed = &at, h.Handed
		cur := o.Payment.Authorized.Currency
		if err := w.apply(h.Step, map[string]any{"handed_over": bopis.Money{Amount: w.handed, Currency: cur}}); err != nil {
			return err
		}
		return w.settleFamily()
	}))
}

func closing(w *work, err error) (*bopis.Closing, error) {
	if w == nil {
		return nil, err
	}
	return &bopis.Closing{Order: w.o, Settlement: w.settlement, Acted: w.acted}, err
}

// wrongCode writes what a refused handoff h counted: the wrong code in a
// row on the order and its timeline, and the lock with its alert. A try
// while locked counts nothing.
func (w *work) wrongCode(h orderstate.HandoffResult) error {
	if h.WrongCodes == 0 {
		return nil
	}
	o := w.o
	w.failures, o.HandoffLockedUntil = h.Failures, h.LockedUntil
	detail := map[string]any{"wrong_codes": h.WrongCodes}
	if h.Locks {
		until := *h.LockedUntil
		detail["locked_until"] = until
		if err := w.openAlert(stock.AlertHandoffLocked, map[string]any{"order_id": o.ID, "locked_until": until}); err != nil {
			return err
		}
	}
	return w.note(orderstate.EventHandoffRefused, detail)
}

// openAlert opens an alert of type typ about the order, unless one is open.
func (w *work) openAlert(typ string, detail map[string]any) error {
	d, _ := json.Marshal(detail)
	_, err := w.db.sql.ExecTx(w.ctx, w.tx, `INSERT INTO alerts (type, store_id, subject, detail, opened_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, typ, w.o.StoreID, w.o.ID, string(d), w.now)
	return err
}

// closeAlerts closes the order's alerts that its closing (or becoming
// ready) settles: a locked handoff, a late order, an expiring authorization.
func (w *work) closeAlerts(types ...string) error {
	if len(types) == 0 {
		types = []string{stock.AlertHandoffLocked, stock.AlertLateOrder, stock.AlertAuthorizationExpiring}
	}
	for _, typ := range types {
		if err := w.db.closeOrderAlert(w.ctx, w.tx, typ, w.o, w.now); err != nil {
			return err
		}
	}
	return nil
}

// closeOrderAlert closes an order's open alert of type typ.
func (db *Orders) closeOrderAlert(ctx context.Context, tx *sql.Tx, typ string, o *bopis.Order, now int64) error {
	_, err := db.sql.ExecTx(ctx, tx, `UPDATE alerts SET closed_at = $4 WHERE type = $1 AND store_id = $2 AND subject = $3
		AND closed_at IS NULL`, typ, o.StoreID, o.ID, now)
	return err
}

// Cancel cancels an open order (store, customer or admin): everything it
// holds is released, its slot given back, its linked orders cancelled
// too, and the payment voided (or captured for what a linked order
// already handed over) once the family is closed.
func (db *Orders) Cancel(ctx context.Context, id string, scope bopis.OrderScope, reason string) (*bopis.Closing, error) {
	return closing(db.orderWork(ctx, id, scope, func(w *work) error {
		repeat, err := w.cancel(reason)
		if err != nil || repeat {
			return err
		}
		if w.o.ParentOrderID == "" {
			if err := w.cancelLinked(); err != nil {
				return err
			}
		}
		return w.settleFamily()
	}))
}

func (w *work) cancel(reason string) (repeat bool, err error) {
	o := w.o
	step, err := orderstate.Next(o.Status, orderstate.Cancel)
	if err != nil || step.Repeat {
		return step.Repeat, err
	}
	if _, err := w.db.stock.ReleaseTx(w.ctx, w.tx, o.ID, "", stock.CauseRelease, w.now); err != nil {
		return false, err
	}
	if err := unbookSlot(w.ctx, w.tx, o.StoreID, o.PickupWindow.Start.Unix()); err != nil {
		return false, err
	}
	if err := w.closeAlerts(); err != nil {
		return false, err
	}
	for i := range o.Lines {
		if s := o.Lines[i].Substitute; s != nil && s.Status == bopis.SubstituteProposed {
			// Not released one by one: release above let go of everything.
			o.Lines[i], _ = orderstate.AnswerSubstitute(o.Lines[i], false, orderstate.ByCancelled, w.t)
			w.dirty[i] = true
		}
	}
	o.CancelReason = reason
	return false, w.apply(step, map[string]any{"reason": reason})
}

// cancelLinked cancels the root's open linked orders with it.
func (w *work) cancelLinked() error {
	ids, err := w.family()
	if err != nil {
		return err
	}
	for _, f := range ids {
		if f.id == w.o.ID || !f.status.Open() {
			continue
		}
		c, err := w.db.lockWork(w.ctx, w.tx, f.id, bopis.OrderScope{}, w.t, w.now)
		if err != nil {
			return err
		}
		if _, err := c.cancel("the order it was linked to (" + w.o.ID + ") was cancelled"); err != nil {
			return err
		}
		if err := c.save(); err != nil {
			return err
		}
	}
	return nil
}

type member struct {
	id     string
	status bopis.OrderStatus
	handed int64
}

// family lists the order's root and its linked orders as stored (save
// first for w's own changes to count).
func (w *work) family() ([]member, error) {
	root := w.o.ID
	if w.o.ParentOrderID != "" {
		root = w.o.ParentOrderID
	}
	res, err := w.tx.QueryContext(w.ctx, `SELECT id, status, handed_amount FROM orders WHERE id = $1
		OR (parent_order_id = $1 AND parent_order_id <> '') ORDER BY id`, root)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	var out []member
	for res.Next() {
		var m member
		if err := res.Scan(&m.id, &m.status, &m.handed); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, res.Err()
}

// settleFamily settles the payment once the family's last open order has
// closed (orderstate.Settle). An authorization becomes capture_pending or
// void_pending, for the caller to carry out after commit (and the sweep
// to retry); a payment captured at placement records what is due back.
func (w *work) settleFamily() error {
	if err := w.save(); err != nil {
		return err
	}
	fam, err := w.family()
	if err != nil {
		return err
	}
	members := make([]orderstate.Member, len(fam))
	for i, m := range fam {
		members[i] = orderstate.Member{Open: m.status.Open(), Handed: m.handed}
	}
	// The root is locked only for a closed family: an open one settles later.
	if !orderstate.Closed(members) {
		return nil
	}
	r := w
	if w.o.ParentOrderID != "" {
		if r, err = w.db.lockWork(w.ctx, w.tx, w.o.ParentOrderID, bopis.OrderScope{}, w.t, w.now); err != nil {
			return err
		}
	}
	o := r.o
	s := orderstate.Settle(o.Payment, o.Status == bopis.OrderPickedUp, orderstate.ShipValue(o), members)
	cur := o.Payment.Authorized.Currency
	switch {
	case s.RefundDue > 0:
		o.Payment.RefundDue = &bopis.Money{Amount: s.RefundDue, Currency: cur}
		if err := r.note("payment.refund_due", map[string]any{"refund_due": o.Payment.RefundDue}); err != nil {
			return err
		}
	case s.Capture > 0 || s.Void:
		o.Payment.Status = bopis.PaymentVoidPending
		if s.Capture > 0 {
			o.Payment.Status, r.settle = bopis.PaymentCapturePending, s.Capture
		}
		r.touch()
		w.settlement = &bopis.Settlement{OrderID: o.ID, Gateway: o.Payment.Gateway, AuthorizationID: o.Payment.AuthorizationID,
			Capture: bopis.Money{Amount: s.Capture, Currency: cur}}
	}
	return r.save()
}

// SettlePayment records that the gateway carried out s: the root order's
// payment is captured (for the family's total) or voided, and each
// linked order's shows its own share. Recording it twice does nothing.
func (db *Orders) SettlePayment(ctx context.Context, s bopis.Settlement) error {
	_, now := db.sql.NowMicros()
	status, pending, event := bopis.PaymentCaptured, bopis.PaymentCapturePending, "payment.captured"
	if s.Capture.Amount == 0 {
		status, pending, event = bopis.PaymentVoided, bopis.PaymentVoidPending, "payment.voided"
	}
	return db.sql.Transact(ctx, func(tx *sql.Tx) error {
		var orderStatus string
		err := tx.QueryRowContext(ctx, `UPDATE orders SET payment_status = $2, captured_amount = $3, updated_at = $4
			WHERE id = $1 AND payment_status = $5 RETURNING status`, s.OrderID, status, s.Capture.Amount, now, pending).Scan(&orderStatus)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // already recorded
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE orders SET payment_status = $2,
			captured_amount = CASE WHEN $2 = '`+bopis.PaymentCaptured+`' THEN handed_amount ELSE 0 END, updated_at = $3
			WHERE parent_order_id = $1 AND parent_order_id <> ''`, s.OrderID, status, now); err != nil {
			return err
		}
		d, _ := json.Marshal(map[string]any{"amount": s.Capture, "authorization_id": s.AuthorizationID})
		_, err = tx.ExecContext(ctx, `INSERT INTO order_events (order_id, type, from_status, to_status, detail, created_at)
			VALUES ($1, $2, $3, $3, $4, $5)`, s.OrderID, event, orderStatus, string(d), now)
		return err
	})
}

// PendingSettlements lists the payments a crash or a gateway failure left
// pending, oldest first, for the sweep to carry out.
func (db *Orders) PendingSettlements(ctx context.Context) ([]bopis.Settlement, error) {
	res, err := db.r.QueryContext(ctx, `SELECT id, payment_gateway, payment_id, payment_status, settle_amount, currency
		FROM orders WHERE payment_status IN ($1, $2) ORDER BY updated_at LIMIT 100`,
		bopis.PaymentCapturePending, bopis.PaymentVoidPending)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	var out []bopis.Settlement
	for res.Next() {
		var s bopis.Settlement
		var status string
		if err := res.Scan(&s.OrderID, &s.Gateway, &s.AuthorizationID, &status, &s.Capture.Amount, &s.Capture.Currency); err != nil {
			return nil, err
		}
		if status == bopis.PaymentVoidPending {
			s.Capture.Amount = 0
		}
		out = append(out, s)
	}
	return out, res.Err()
}
