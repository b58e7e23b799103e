package orders

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/readmodel"
)

// AuthPolicy is what happens when a ready order's hold would outlast its
// payment authorization.
type AuthPolicy string

const (
	// AuthReauthorize authorizes again with the shopper's payment token
	// before the authorization lapses, then voids the old one (default).
	AuthReauthorize AuthPolicy = "reauthorize"
	// AuthShortenHold ends the hold before the authorization lapses.
	AuthShortenHold AuthPolicy = "shorten"
)

// ClosurePolicy is what happens to orders on a date their store blocks.
type ClosurePolicy string

const (
	// ClosureNotify moves them to the store's next slot and tells the
	// customer the new time (default).
	ClosureNotify ClosurePolicy = "notify"
	// ClosureReroute moves orders not yet being picked to the nearest store
	// that has everything (else as notify).
	ClosureReroute ClosurePolicy = "reroute"
)

// Timer defaults.
var (
	DefaultReminders  = []time.Duration{24 * time.Hour, 2 * time.Hour}
	DefaultLateGrace  = 15 * time.Minute
	DefaultAuthMargin = time.Hour
)

// timerStorage is what the order timers need of the database.
type timerStorage interface {
	DueExpiries(ctx context.Context) ([]string, error)
	Expire(ctx context.Context, id string) (*bopis.Closing, error)
	DueReminders(ctx context.Context, offsets []time.Duration) ([]string, error)
	Remind(ctx context.Context, id string, offsets []time.Duration) (bool, error)
	DueLate(ctx context.Context, grace time.Duration) ([]string, error)
	Delay(ctx context.Context, id string, estimate time.Time, reason string) (bool, error)
	DueAuthorizations(ctx context.Context, margin time.Duration) ([]string, error)
	MarkAuthorizationExpiring(ctx context.Context, id string) (*bopis.AuthorizationDue, error)
	ReplaceAuthorization(ctx context.Context, id, oldID string, auth bopis.Payment) (bool, error)
	ShortenHold(ctx context.Context, id string, until time.Time) error
	DueClosures(ctx context.Context, storeIDs []string, from, to time.Time) ([]*bopis.Order, error)
	Reschedule(ctx context.Context, id, closedDate string, window bopis.PickupWindow, capacity int) (bool, error)
	MoveOrder(ctx context.Context, id, closedDate string, attempts []bopis.PickupAttempt) (bool, error)
	ShipToHome(ctx context.Context, id string, scope bopis.OrderScope, p bopis.Placement) (*bopis.Order, bool, error)
	PaymentToken(ctx context.Context, id string) (string, error)
	ExpireHolds(ctx context.Context) (int, error)
	ExpireSubstitutions(ctx context.Context) (int, error)
}

// TimerStats is what one pass of the timers did.
type TimerStats struct {
	Holds, Substitutions, Expired, Reminded, Delayed, Authorizations, Rescheduled, Settled int
}

// Total is the number of things done.
func (t TimerStats) Total() int {
	return t.Holds + t.Substitutions + t.Expired + t.Reminded + t.Delayed + t.Authorizations + t.Rescheduled + t.Settled
}

// RunTimers fires every order timer that is due by the clock: holds and
// unanswered substitutes expire, ready orders past hold_until expire,
// reminders go, late orders are reported, authorizations near expiry are
// renewed (or holds shortened), orders on a store's newly closed date are
// moved, and pending payment settlements are retried. Each fires once
// however many processes run it (the database decides); see ADR 0008.
func (s *Service) RunTimers(ctx context.Context) (TimerStats, error) {
	var st TimerStats
	var err error
	if st.Holds, err = s.db.ExpireHolds(ctx); err != nil {
		return st, fmt.Errorf("holds: %w", err)
	}
	if st.Substitutions, err = s.db.ExpireSubstitutions(ctx); err != nil {
		return st, fmt.Errorf("substitutions: %w", err)
	}
	steps := []struct {
		name string
		run  func(context.Context) (int, error)
	}{
		{"no-shows", s.expireNoShows}, {"reminders", s.remind}, {"late orders", s.reportLate},
		{"authorizations", s.renewAuthorizations}, {"closures", s.moveOffClosures}, {"settlements", s.SettlePending},
	}
	counts := []*int{&st.Expired, &st.Reminded, &st.Delayed, &st.Authorizations, &st.Rescheduled, &st.Settled}
	for i, step := range steps {
		if *counts[i], err = step.run(ctx); err != nil {
			return st, fmt.Errorf("%s: %w", step.name, err)
		}
	}
	return st, nil
}

func (s *Service) expireNoShows(ctx context.Context) (int, error) {
	ids, err := s.db.DueExpiries(ctx)
	n := 0
	for _, id := range ids {
		c, err := s.db.Expire(ctx, id)
		if err != nil {
			return n, err
		}
		if c.Acted {
			n++
		}
		if _, err := s.settled(ctx, id, bopis.OrderScope{}, c); err != nil {
			return n, err
		}
	}
	return n, err
}

func (s *Service) remind(ctx context.Context) (int, error) {
	ids, err := s.db.DueReminders(ctx, s.reminders)
	n := 0
	for _, id := range ids {
		done, err := s.db.Remind(ctx, id, s.reminders)
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, err
}

func (s *Service) reportLate(ctx context.Context) (int, error) {
	ids, err := s.db.DueLate(ctx, s.lateGrace)
	n := 0
	for _, id := range ids {
		o, err := s.db.GetOrder(ctx, id, bopis.OrderScope{})
		if err != nil {
			return n, err
		}
		done, err := s.db.Delay(ctx, id, s.estimate(o, s.now()), "not ready by the promised time")
		if err != nil {
			return n, err
		}
		if done {
			n++
		}
	}
	return n, err
}

// estimate is when the order can now be ready: the store's promise for its
// lines from now (prep time, hours, cutoff), or now when none is known.
func (s *Service) estimate(o *bopis.Order, now time.Time) time.Time {
	var skus []string
	for _, l := range o.Lines {
		if l.Fulfillment == bopis.FulfillPickup {
			skus = append(skus, l.SKU)
		}
	}
	sp, _, found := s.model.Calendar(o.StoreID, skus, o.Method, now, promiseDays)
	if !found || sp.Promise.EarliestReadyAt.IsZero() {
		return now
	}
	return sp.Promise.EarliestReadyAt
}

func (s *Service) renewAuthorizations(ctx context.Context) (int, error) {
	ids, err := s.db.DueAuthorizations(ctx, s.authMargin)
	n := 0
	for _, id := range ids {
		due, err := s.db.MarkAuthorizationExpiring(ctx, id)
		if err != nil {
			return n, err
		}
		if due == nil {
			continue
		}
		n++
		o := due.Order
		switch s.authPolicy {
		case AuthShortenHold:
			if err := s.db.ShortenHold(ctx, id, o.Payment.AuthorizationExpiresAt.Add(-s.authMargin)); err != nil {
				return n, err
			}
		default:
			if err := s.reauthorize(ctx, o, due.PaymentToken); err != nil {
				// The alert stays open for a person; the order goes on.
				s.log.WarnContext(ctx, "re-authorizing a payment", "order", id, "error", err)
			}
		}
	}
	return n, err
}

// reauthorize authorizes the order's amount again with its token and,
// once recorded, voids the old authorization.
func (s *Service) reauthorize(ctx context.Context, o *bopis.Order, sealed string) error {
	if sealed == "" || s.key == nil {
		return errors.New("no payment token was kept for the order")
	}
	token, err := s.key.Open(sealed)
	if err != nil {
		return err
	}
	auth, err := s.gateway.Authorize(ctx, payment.AuthorizeRequest{Token: token, Amount: o.Payment.Authorized,
		Reference: o.ID + "-reauth-" + o.Payment.AuthorizationExpiresAt.UTC().Format("20060102T150405")})
	if err != nil {
		return err
	}
	old := o.Payment.AuthorizationID
	p := o.Payment
	p.AuthorizationID, p.AuthorizationExpiresAt, p.Authorized = auth.ID, auth.ExpiresAt, auth.Amount
	ok, err := s.db.ReplaceAuthorization(ctx, o.ID, old, p)
	void := old
	if err != nil || !ok {
		void = auth.ID // the order moved on: let the new one go
	}
	if verr := s.gateway.Void(context.WithoutCancel(ctx), void); verr != nil {
		s.log.WarnContext(ctx, "voiding a replaced authorization", "order", o.ID, "authorization", void, "error", verr)
	}
	return err
}

// moveOffClosures moves open orders whose pickup falls on a date their
// store has since blocked to the store's next slot, and tells the
// customer (order.delayed with the new time).
func (s *Service) moveOffClosures(ctx context.Context) (int, error) {
	now := s.now()
	from, to := now.Add(-24*time.Hour), now.Add(48*time.Hour)
	list, err := s.db.DueClosures(ctx, s.model.ClosedStores(from, to), from, to)
	n := 0
	for _, o := range list {
		date := o.PickupWindow.Start.Format(time.DateOnly) // o is in the store's zone
		if !s.model.ClosedOn(o.StoreID, date) {
			continue
		}
		var lines []readmodel.Line
		for _, l := range o.Lines {
			if l.Fulfillment == bopis.FulfillPickup {
				lines = append(lines, readmodel.Line{SKU: l.SKU, Quantity: l.Quantity})
			}
		}
		if s.closure == ClosureReroute && (o.Status == bopis.OrderPlaced || o.Status == bopis.OrderAccepted) {
			if attempts := s.rerouteAttempts(o, lines, now); len(attempts) > 0 {
				moved, err := s.db.MoveOrder(ctx, o.ID, date, attempts)
				if err != nil {
					return n, err
				}
				if moved {
					n++
					continue
				}
			}
		}
		sp, _, found := s.model.Calendar(o.StoreID, skusOf(lines), o.Method, now, promiseDays)
		if !found {
			continue
		}
		for _, slot := range sp.Promise.Slots {
			if slot.Start.Format(time.DateOnly) == date || (sp.Store.SlotCapacity > 0 && slot.Remaining == 0) {
				continue
			}
			moved, err := s.db.Reschedule(ctx, o.ID, date, bopis.PickupWindow{Start: slot.Start, End: slot.End}, sp.Store.SlotCapacity)
			if err != nil {
				return n, err
			}
			if moved {
				n++
			}
			break
		}
	}
	return n, err
}

// ShipToHome turns a cancelled or expired order's pickup lines into a
// ship order reserved at the nearest warehouse that has them all, with a
// new authorization from the order's payment token. Asking again answers
// the order made the first time (made false).
func (s *Service) ShipToHome(ctx context.Context, id string, scope bopis.OrderScope, addr bopis.ShippingAddress) (*bopis.Order, bool, error) {
	if err := addr.Validate("shipping_address"); err != nil {
		return nil, false, err
	}
	o, err := s.db.GetOrder(ctx, id, scope)
	if err != nil {
		return nil, false, err
	}
	if o.Status != bopis.OrderCancelled && o.Status != bopis.OrderExpired {
		return nil, false, bopis.Errorf(bopis.ECONFLICT, "ship-to-home is offered once an order is cancelled or expired; this one is %s", o.Status)
	}
	var lines []readmodel.Line
	var orderLines []bopis.OrderLine
	var total bopis.Money
	for _, l := range o.Lines {
		if l.Fulfillment != bopis.FulfillPickup {
			continue
		}
		lines = append(lines, readmodel.Line{SKU: l.SKU, Quantity: l.Quantity})
		orderLines = append(orderLines, bopis.OrderLine{ID: fmt.Sprintf("l%d", len(orderLines)+1), SKU: l.SKU, Quantity: l.Quantity,
			UnitPrice: l.UnitPrice, Fulfillment: bopis.FulfillShip})
		total.Amount += l.Quantity * l.UnitPrice.Amount
		total.Currency = l.UnitPrice.Currency
	}
	near, _ := s.model.StoreCoordinates(o.StoreID)
	if addr.Coordinates != nil {
		near = *addr.Coordinates
	}
	whs := s.model.Warehouses(near, lines, warehouseTries)
	if len(whs) == 0 {
		return nil, false, bopis.Errorf(bopis.ECONFLICT, "no warehouse has every line of order %s to ship", id)
	}
	p := bopis.Placement{Routing: bopis.Routing{Reason: "ship-to-home for order " + id}}
	for _, w := range whs {
		p.Warehouses = append(p.Warehouses, w.StoreID)
	}
	tz := "UTC"
	if sp, _, found := s.model.Calendar(whs[0].StoreID, nil, "", s.now(), 1); found {
		tz = sp.Store.TimeZone
	}
	p.Attempts = []bopis.PickupAttempt{{StoreID: whs[0].StoreID, TimeZone: tz}}
	sealed, err := s.db.PaymentToken(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if sealed == "" || s.key == nil {
		return nil, false, bopis.Errorf(bopis.ECONFLICT, "order %s kept no payment token to pay for shipping", id)
	}
	token, err := s.key.Open(sealed)
	if err != nil {
		return nil, false, err
	}
	shipID := newID("o")
	auth, err := s.gateway.Authorize(ctx, payment.AuthorizeRequest{Token: token, Amount: total, Reference: shipID})
	if err != nil {
		return nil, false, err
	}
	p.PaymentToken = sealed
	p.Order = bopis.Order{ID: shipID, ExternalID: o.ExternalID, PickupCode: pickupCode(), Customer: o.Customer,
		ShippingAddress: &addr, Lines: orderLines, Payment: bopis.Payment{Gateway: auth.Gateway, AuthorizationID: auth.ID,
			Status: bopis.PaymentAuthorized, Capture: o.Payment.Capture, Authorized: auth.Amount,
			Captured: bopis.Money{Currency: auth.Amount.Currency}, AuthorizationExpiresAt: auth.ExpiresAt}}
	out, made, err := s.db.ShipToHome(ctx, id, scope, p)
	if err != nil || !made {
		if verr := s.gateway.Void(context.WithoutCancel(ctx), auth.ID); verr != nil {
			s.log.ErrorContext(ctx, "voiding the authorization of a ship order not made", "authorization", auth.ID, "error", verr)
		}
	}
	return out, made, err
}
