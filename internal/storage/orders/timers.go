package orders

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/orderstate"
	"github.com/bopis/bopis/internal/sqldb"
	"github.com/bopis/bopis/internal/storage/stock"
)

// The order timers. Each is due by a time on the order row and fires by
// a conditional change of the row (orderWork), so it fires once whatever
// the number of processes sweeping, and survives any restart: nothing is
// scheduled anywhere but in the order itself (ADR 0008).

// timerBatch bounds how many orders one sweep takes of each timer.
const timerBatch = 200

// dueIDs runs a query for order ids.
func (db *Orders) dueIDs(ctx context.Context, q string, args ...any) ([]string, error) {
	res, err := db.r.QueryContext(ctx, q+` LIMIT `+strconv.Itoa(timerBatch), args...)
	if err != nil {
		return nil, err
	}
	return sqldb.Collect(res, func(r sqldb.Scanner) (id string, err error) { return id, r.Scan(&id) })
}

// DueExpiries are the ready orders whose hold_until has passed.
func (db *Orders) DueExpiries(ctx context.Context) ([]string, error) {
	_, now := db.sql.NowMicros()
	return db.dueIDs(ctx, `SELECT id FROM orders WHERE status = $1 AND hold_until <= $2 ORDER BY hold_until, id`,
		bopis.OrderReady, now)
}

// Expire ends a ready order nobody came for: its stock is restocked
// (ledger cause no_show), the payment settled (voided, unless a linked
// order was handed over) and order.expired raised, which offers the
// customer ship-to-home. An order that is no longer ready, or not yet
// past hold_until, is left alone (acted false).
func (db *Orders) Expire(ctx context.Context, id string) (*bopis.Closing, error) {
	return closing(db.orderWork(ctx, id, bopis.OrderScope{}, func(w *work) error {
		o := w.o
		if !orderstate.ExpiryDue(o, w.t) {
			return nil
		}
		step, err := orderstate.Next(o.Status, orderstate.Expire)
		if err != nil {
			return err
		}
		if _, err := w.db.stock.ReleaseTx(w.ctx, w.tx, o.ID, "", stock.CauseNoShow, w.now); err != nil {
			return err
		}
		if err := w.closeAlerts(); err != nil {
			return err
		}
		if err := w.apply(step, map[string]any{"hold_until": o.HoldUntil, "reason": "not picked up before hold_until"}); err != nil {
			return err
		}
		return w.settleFamily()
	}))
}

// DueReminders are the ready orders whose next pickup reminder is due:
// offsets (before hold_until, largest first) fire in turn.
func (db *Orders) DueReminders(ctx context.Context, offsets []time.Duration) ([]string, error) {
	_, now := db.sql.NowMicros()
	var out []string
	for k, off := range offsets {
		ids, err := db.dueIDs(ctx, `SELECT id FROM orders WHERE status = $1 AND reminders_sent = $2 AND hold_until - $3 <= $4
			AND hold_until > $4 ORDER BY hold_until, id`, bopis.OrderReady, k, off.Microseconds(), now)
		if err != nil {
			return nil, err
		}
		out = append(out, ids...)
	}
	return out, nil
}

// Remind raises order.pickup_reminder for a ready order whose reminder is
// due; if several are due (the sweep was down), only the latest is sent.
func (db *Orders) Remind(ctx context.Context, id string, offsets []time.Duration) (bool, error) {
	w, err := db.orderWork(ctx, id, bopis.OrderScope{}, func(w *work) error {
		o := w.o
		due, ok := orderstate.ReminderDue(o, w.reminders, offsets, w.t)
		if !ok {
			return nil
		}
		w.reminders, w.acted = due, true
		return w.note(orderstate.EventPickupReminder, map[string]any{"hold_until": o.HoldUntil,
			"before": offsets[due-1].String()})
	})
	return w != nil && w.acted, err
}

// DueLate are the orders not ready by their promised time plus grace
// that have not been reported late yet.
func (db *Orders) DueLate(ctx context.Context, grace time.Duration) ([]string, error) {
	_, now := db.sql.NowMicros()
	return db.dueIDs(ctx, `SELECT id FROM orders WHERE status IN ($1, $2, $3) AND delayed_at IS NULL
		AND promised_ready_at + $4 <= $5 ORDER BY promised_ready_at, id`,
		bopis.OrderPlaced, bopis.OrderAccepted, bopis.OrderPicking, grace.Microseconds(), now)
}

// Delay reports an order late, once: order.delayed with the new estimate
// (for the customer) and a late_order alert for the store.
func (db *Orders) Delay(ctx context.Context, id string, estimate time.Time, reason string) (bool, error) {
	w, err := db.orderWork(ctx, id, bopis.OrderScope{}, func(w *work) error {
		o := w.o
		if !orderstate.LateToReport(o, w.delayed.Valid) {
			return nil
		}
		if _, err := w.db.sql.ExecTx(w.ctx, w.tx, `UPDATE orders SET delayed_at = $2 WHERE id = $1`, o.ID, w.now); err != nil {
			return err
		}
		w.acted = true
		est := estimate.In(bopis.Zone(o.TimeZone))
		if err := w.openAlert(stock.AlertLateOrder, map[string]any{"order_id": o.ID, "promised_ready_at": o.PromisedReadyAt,
			"new_estimate": est}); err != nil {
			return err
		}
		return w.note(orderstate.EventDelayed, map[string]any{"promised_ready_at": o.PromisedReadyAt, "new_estimate": est,
			"reason": reason})
	})
	return w != nil && w.acted, err
}

// DueAuthorizations are the orders whose payment authorization is within
// margin of its expiry while the order (or a linked order it pays for) is
// still open, and has not been handled at this expiry.
func (db *Orders) DueAuthorizations(ctx context.Context, margin time.Duration) ([]string, error) {
	_, now := db.sql.NowMicros()
	open := `status IN ('placed', 'accepted', 'picking', 'ready')`
	return db.dueIDs(ctx, `SELECT id FROM orders o WHERE payment_status = $1 AND parent_order_id = ''
		AND authorization_expires_at - $2 <= $3 AND (auth_checked IS NULL OR auth_checked <> authorization_expires_at)
		AND (`+open+` OR EXISTS (SELECT 1 FROM orders c WHERE c.parent_order_id = o.id AND c.parent_order_id <> '' AND c.`+open+`))
		ORDER BY authorization_expires_at, id`, bopis.PaymentAuthorized, margin.Microseconds(), now)
}

// MarkAuthorizationExpiring raises payment.authorization_expiring for an
// order once per authorization, with an authorization_expiring alert, and
// returns the order for the caller to re-authorize or shorten its hold.
func (db *Orders) MarkAuthorizationExpiring(ctx context.Context, id string) (*bopis.AuthorizationDue, error) {
	w, err := db.orderWork(ctx, id, bopis.OrderScope{}, func(w *work) error {
		o := w.o
		var warned *time.Time
		if w.authChecked.Valid {
			t := sqldb.FromMicros(w.authChecked.Int64)
			warned = &t
		}
		if !orderstate.AuthorizationExpiring(o.Payment, warned) {
			return nil
		}
		exp := sqldb.Micros(o.Payment.AuthorizationExpiresAt)
		if _, err := w.db.sql.ExecTx(w.ctx, w.tx, `UPDATE orders SET auth_checked = $2 WHERE id = $1`, o.ID, exp); err != nil {
			return err
		}
		w.acted = true
		if err := w.openAlert(stock.AlertAuthorizationExpiring, map[string]any{"order_id": o.ID,
			"authorization_expires_at": o.Payment.AuthorizationExpiresAt}); err != nil {
			return err
		}
		return w.note(orderstate.EventAuthorizationExpiring, map[string]any{"authorization_id": o.Payment.AuthorizationID,
			"authorization_expires_at": o.Payment.AuthorizationExpiresAt, "hold_until": o.HoldUntil})
	})
	if err != nil || w == nil || !w.acted {
		return nil, err
	}
	return &bopis.AuthorizationDue{Order: w.o, PaymentToken: w.paymentToken}, nil
}

// ReplaceAuthorization records a new authorization in place of oldID
// (still uncaptured), closing the authorization_expiring alert. It
// reports false when the order moved on meanwhile (the caller voids the
// new one).
func (db *Orders) ReplaceAuthorization(ctx context.Context, id, oldID string, auth bopis.Payment) (bool, error) {
	w, err := db.orderWork(ctx, id, bopis.OrderScope{}, func(w *work) error {
		o := w.o
		if !orderstate.Reauthorizes(o.Payment, oldID) {
			return nil
		}
		if _, err := w.db.sql.ExecTx(w.ctx, w.tx, `UPDATE orders SET payment_id = $2, authorization_expires_at = $3,
			authorized_amount = $4 WHERE id = $1`, o.ID, auth.AuthorizationID, sqldb.Micros(auth.AuthorizationExpiresAt),
			auth.Authorized.Amount); err != nil {
			return err
		}
		if _, err := w.db.sql.ExecTx(w.ctx, w.tx, `UPDATE orders SET payment_id = $2, authorization_expires_at = $3
			WHERE parent_order_id = $1 AND parent_order_id <> ''`, o.ID, auth.AuthorizationID, sqldb.Micros(auth.AuthorizationExpiresAt)); err != nil {
			return err
		}
		o.Payment.AuthorizationID, o.Payment.AuthorizationExpiresAt = auth.AuthorizationID, auth.AuthorizationExpiresAt
		w.acted = true
		if err := w.closeAlerts(stock.AlertAuthorizationExpiring); err != nil {
			return err
		}
		return w.note("payment.reauthorized", map[string]any{"old_authorization_id": oldID,
			"authorization_id": auth.AuthorizationID, "authorization_expires_at": auth.AuthorizationExpiresAt})
	})
	return w != nil && w.acted, err
}

// ShortenHold brings a ready order's hold_until forward to until (the
// authorization would lapse first), when it is later.
func (db *Orders) ShortenHold(ctx context.Context, id string, until time.Time) error {
	_, err := db.orderWork(ctx, id, bopis.OrderScope{}, func(w *work) error {
		o := w.o
		u, ok := orderstate.ShortenedHold(o, until)
		if !ok {
			return nil
		}
		old := *o.HoldUntil
		o.HoldUntil = &u
		return w.note("order.hold_shortened", map[string]any{"hold_until": u, "was": old,
			"reason": "the payment authorization expires before the hold would end"})
	})
	return err
}

// UncapturedPayments lists every authorization neither captured nor
// voided (pending settlements included) on orders placed at least
// olderThan ago, oldest first: the audit for abandoned ones.
func (db *Orders) UncapturedPayments(ctx context.Context, olderThan time.Duration) ([]bopis.Uncaptured, error) {
	t, now := db.sql.NowMicros()
	res, err := db.r.QueryContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE parent_order_id = ''
		AND payment_status IN ($1, $2, $3) AND created_at <= $4 ORDER BY created_at, id LIMIT 1000`,
		bopis.PaymentAuthorized, bopis.PaymentCapturePending, bopis.PaymentVoidPending, now-olderThan.Microseconds())
	if err != nil {
		return nil, err
	}
	return sqldb.Collect(res, func(r sqldb.Scanner) (bopis.Uncaptured, error) {
		o, err := scanOrder(r)
		if err != nil {
			return bopis.Uncaptured{}, err
		}
		localOrder(o)
		return bopis.Uncaptured{OrderID: o.ID, StoreID: o.StoreID, Status: o.Status, Payment: o.Payment,
			AgeSeconds: int64(t.Sub(o.CreatedAt) / time.Second), CreatedAt: o.CreatedAt}, nil
	})
}

// DueClosures are the open orders at storeIDs (the stores with a blocked
// date near now) whose pickup window starts within the given instants.
func (db *Orders) DueClosures(ctx context.Context, storeIDs []string, from, to time.Time) ([]*bopis.Order, error) {
	if len(storeIDs) == 0 {
		return nil, nil
	}
	res, err := db.r.QueryContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE status IN ($1, $2, $3, $4)
		AND slot_start >= $5 AND slot_start < $6 AND store_id `+db.dialect.InList("$7")+`
		ORDER BY slot_start, id LIMIT `+strconv.Itoa(timerBatch),
		bopis.OrderPlaced, bopis.OrderAccepted, bopis.OrderPicking, bopis.OrderReady, sqldb.Micros(from), sqldb.Micros(to), sqldb.JSONList(storeIDs))
	if err != nil {
		return nil, err
	}
	list, err := sqldb.Collect(res, func(r sqldb.Scanner) (*bopis.Order, error) {
		o, err := scanOrder(r)
		if err != nil {
			return nil, err
		}
		return localOrder(o), nil
	})
	if err != nil {
		return nil, err
	}
	return list, db.loadLines(ctx, db.r, list)
}

// Reschedule moves an open order off a closed date to window (booked if
// it has room, else the order keeps no slot booking), once per date, and
// raises order.delayed with the new time for the customer.
func (db *Orders) Reschedule(ctx context.Context, id, closedDate string, window bopis.PickupWindow, capacity int) (bool, error) {
	w, err := db.orderWork(ctx, id, bopis.OrderScope{}, func(w *work) error {
		o := w.o
		if !orderstate.RescheduleDue(o, w.rescheduledFor, closedDate) {
			return nil
		}
		if err := unbookSlot(w.ctx, w.tx, o.StoreID, o.PickupWindow.Start.Unix()); err != nil {
			return err
		}
		if _, err := w.db.bookSlot(w.ctx, w.tx, o.StoreID, window.Start.Unix(), capacity); err != nil {
			return err
		}
		old := o.PickupWindow
		if _, err := w.db.sql.ExecTx(w.ctx, w.tx, `UPDATE orders SET rescheduled_for = $2, slot_start = $3, slot_end = $4,
			promised_ready_at = $3 WHERE id = $1`, o.ID, closedDate, sqldb.Micros(window.Start), sqldb.Micros(window.End)); err != nil {
			return err
		}
		o.PickupWindow, o.PromisedReadyAt, w.acted = window, window.Start, true
		loc := bopis.Zone(o.TimeZone)
		return w.note(orderstate.EventDelayed, map[string]any{"reason": "the store is closed on " + closedDate,
			"was": old, "new_estimate": window.Start.In(loc), "pickup_window": bopis.PickupWindow{Start: window.Start.In(loc),
				End: window.End.In(loc)}})
	})
	return w != nil && w.acted, err
}

// ShipToHome places order's ship-to-home order p (its lines shipped from
// a warehouse), once: the order must be cancelled or expired, and asking
// again answers the order made the first time.
func (db *Orders) ShipToHome(ctx context.Context, id string, scope bopis.OrderScope, p bopis.Placement) (*bopis.Order, bool, error) {
	t, now := db.sql.NowMicros()
	var out *bopis.Order
	var made bool
	err := db.sql.Transact(ctx, func(tx *sql.Tx) error {
		w, err := db.lockWork(ctx, tx, id, scope, t, now)
		if err != nil {
			return err
		}
		if w.shipOrderID != "" {
			out, err = db.getOrderTx(ctx, tx, w.shipOrderID)
			return err
		}
		if err := orderstate.ShipToHomeOffered(w.o.Status); err != nil {
			return err
		}
		p.PlacedBy = w.placedBy // the storefront that placed the first order reads this one too
		if out, err = db.placeOrder(ctx, tx, p, t, now, nil); err != nil {
			return err
		}
		if _, err := db.sql.ExecTx(ctx, tx, `UPDATE orders SET ship_order_id = $2 WHERE id = $1`, id, out.ID); err != nil {
			return err
		}
		made = true
		if err := w.note(orderstate.EventShipToHome, map[string]any{"ship_order_id": out.ID}); err != nil {
			return err
		}
		return w.save()
	})
	if err != nil {
		return nil, false, err
	}
	return out, made, nil
}

// getOrderTx reads an order with its lines inside tx.
func (db *Orders) getOrderTx(ctx context.Context, tx *sql.Tx, id string) (*bopis.Order, error) {
	o, err := scanOrder(tx.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqldb.NotFound("order", id)
	}
	if err != nil {
		return nil, err
	}
	if err := db.loadLines(ctx, tx, []*bopis.Order{o}); err != nil {
		return nil, err
	}
	return localOrder(o), nil
}

// PaymentToken is an order's sealed payment token ("" when not kept).
func (db *Orders) PaymentToken(ctx context.Context, id string) (string, error) {
	var token string
	err := db.r.QueryRowContext(ctx, `SELECT payment_token FROM orders WHERE id = $1`, id).Scan(&token)
	if errors.Is(err, sql.ErrNoRows) {
		return "", sqldb.NotFound("order", id)
	}
	return token, err
}

// MoveOrder moves an order that is not yet being picked off a date its
// store has blocked to the first of attempts with the stock and a slot
// (the closure policy reroute): its pickup lines are reserved there and
// released at the closed store, the slot moves, the pickup code stays,
// and order.delayed tells the customer the new store and time. false when
// no attempt can take it (the caller reschedules at the same store).
func (db *Orders) MoveOrder(ctx context.Context, id, closedDate string, attempts []bopis.PickupAttempt) (bool, error) {
	w, err := db.orderWork(ctx, id, bopis.OrderScope{}, func(w *work) error {
		o := w.o
		if !orderstate.MovableOffClosure(o, w.rescheduledFor, closedDate) {
			return nil
		}
		var pickup []bopis.ReserveLine
		for _, l := range orderstate.PickupLines(o) {
			pickup = append(pickup, bopis.ReserveLine{SKU: l.SKU, Quantity: l.Quantity})
		}
		a, window, err := w.db.tryAttempts(w.ctx, w.tx, attempts, o.ID, pickup, w.now, nil)
		var nr *bopis.NoRoute
		if errors.As(err, &nr) {
			return nil
		}
		if err != nil {
			return err
		}
		from := o.StoreID
		if _, err := w.db.stock.ReleaseTx(w.ctx, w.tx, o.ID, from, stock.CauseRelease, w.now); err != nil {
			return err
		}
		if err := unbookSlot(w.ctx, w.tx, from, o.PickupWindow.Start.Unix()); err != nil {
			return err
		}
		if _, err := w.db.sql.ExecTx(w.ctx, w.tx, `UPDATE orders SET store_id = $2, time_zone = $3, slot_start = $4, slot_end = $5,
			promised_ready_at = $4, rescheduled_for = $6 WHERE id = $1`, o.ID, a.StoreID, a.TimeZone, sqldb.Micros(window.Start),
			sqldb.Micros(window.End), closedDate); err != nil {
			return err
		}
		if _, err := w.db.sql.ExecTx(w.ctx, w.tx, `UPDATE order_lines SET location_id = $2 WHERE order_id = $1 AND fulfillment = $3`,
			o.ID, a.StoreID, bopis.FulfillPickup); err != nil {
			return err
		}
		w.acted = true
		o.StoreID, o.TimeZone, o.PickupWindow, o.PromisedReadyAt = a.StoreID, a.TimeZone, window, window.Start
		loc := bopis.Zone(a.TimeZone)
		return w.note(orderstate.EventDelayed, map[string]any{"reason": "store " + from + " is closed on " + closedDate,
			"moved_from": from, "store_id": a.StoreID, "new_estimate": window.Start.In(loc),
			"pickup_window": bopis.PickupWindow{Start: window.Start.In(loc), End: window.End.In(loc)}})
	})
	return w != nil && w.acted, err
}
