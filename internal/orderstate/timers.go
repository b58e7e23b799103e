package orderstate

import (
	"time"

	"github.com/bopis/bopis"
)

// The rules of the order timers: each says whether its timer is due for
// an order as it stands at now. The database finds candidates by indexed
// due times; these rules re-check each one on the locked order, so a timer
// fires once however many sweeps found it.

// ExpiryDue reports whether nobody came for a ready order in time: its
// hold_until has passed (to the microsecond, as stored).
func ExpiryDue(o *bopis.Order, now time.Time) bool {
	return o.Status == bopis.OrderReady && o.HoldUntil != nil && o.HoldUntil.UnixMicro() <= now.UnixMicro()
}

// RemindersPast is how many of offsets (before hold_until, largest first)
// are already past for an order held until holdUntil at now. Those
// reminders are not sent: the customer hears only the latest one due.
func RemindersPast(offsets []time.Duration, holdUntil, now time.Time) int {
	n := 0
	for _, off := range offsets {
		if !holdUntil.Add(-off).After(now) {
			n++
		}
	}
	return n
}

// ReminderDue says whether a pickup reminder is due for o at now, sent
// reminders (or skipped ones) in: due is the new count, and offsets[due-1]
// the reminder to send. A reminder after hold_until would only confuse.
func ReminderDue(o *bopis.Order, sent int, offsets []time.Duration, now time.Time) (due int, ok bool) {
	if o.Status != bopis.OrderReady || o.HoldUntil == nil || !o.HoldUntil.After(now) {
		return sent, false
	}
	due = RemindersPast(offsets, *o.HoldUntil, now)
	if due <= sent {
		return sent, false
	}
	return due, true
}

// LateToReport says whether o may be reported late: once, and only while
// the store still owes it (open and not ready yet).
func LateToReport(o *bopis.Order, reported bool) bool {
	return !reported && o.Status.Open() && o.Status != bopis.OrderReady
}

// AuthorizationExpiring says whether the expiry of p's authorization is
// still to be handled: once per authorization (warned is the expiry last
// handled, or nil), and only for one neither captured nor voided.
func AuthorizationExpiring(p bopis.Payment, warned *time.Time) bool {
	if p.Status != bopis.PaymentAuthorized {
		return false
	}
	return warned == nil || warned.UnixMicro() != p.AuthorizationExpiresAt.UnixMicro()
}

// Reauthorizes says whether a new authorization may replace oldID on p:
// only while oldID is p's and still uncaptured (else the order moved on,
// and the new one is voided).
func Reauthorizes(p bopis.Payment, oldID string) bool {
	return p.AuthorizationID == oldID && p.Status == bopis.PaymentAuthorized
}

// ShortenedHold is the hold_until of a ready order whose authorization
// lapses at until: brought forward, never pushed back. ok is false when
// there is nothing to change.
func ShortenedHold(o *bopis.Order, until time.Time) (hold time.Time, ok bool) {
	if o.Status != bopis.OrderReady || o.HoldUntil == nil || !o.HoldUntil.After(until) {
		return time.Time{}, false
	}
	return until.UTC(), true
}

// RescheduleDue says whether an order is moved off the closed date
// closedDate at its store: once per date (rescheduledFor is the date it
// was last moved off), while it is open.
func RescheduleDue(o *bopis.Order, rescheduledFor, closedDate string) bool {
	return rescheduledFor != closedDate && o.Status.Open()
}

// MovableOffClosure says whether an order may go to another store
// because its own is closed on closedDate: once per date, and only
// before picking starts (picked units cannot move).
func MovableOffClosure(o *bopis.Order, rescheduledFor, closedDate string) bool {
	return rescheduledFor != closedDate && (o.Status == bopis.OrderPlaced || o.Status == bopis.OrderAccepted)
}

// ShipToHomeOffered refuses ship-to-home (ECONFLICT) for an order that
// may still be picked up.
func ShipToHomeOffered(s bopis.OrderStatus) error {
	if s != bopis.OrderCancelled && s != bopis.OrderExpired {
		return bopis.Errorf(bopis.ECONFLICT, "ship-to-home is offered once an order is cancelled or expired; this one is %s", s)
	}
	return nil
}

// PickupLines is what an order moved to another store must find there:
// its pickup lines in full (not picked yet). Ship lines stay with their
// warehouse.
func PickupLines(o *bopis.Order) []bopis.OrderLine {
	var out []bopis.OrderLine
	for _, l := range o.Lines {
		if l.Fulfillment == bopis.FulfillPickup {
			out = append(out, l)
		}
	}
	return out
}
