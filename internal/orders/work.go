package orders

import (
	"context"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/orderstate"
	"github.com/bopis/bopis/internal/readmodel"
)

// storeWork is what the store's work on orders needs of the database.
type storeWork interface {
	GetOrder(ctx context.Context, id string, scope bopis.OrderScope) (*bopis.Order, error)
	Accept(ctx context.Context, id string, scope bopis.OrderScope) (*bopis.Order, error)
	Pick(ctx context.Context, id string, scope bopis.OrderScope,
		decide func(o *bopis.Order) (bopis.PickPlan, error)) (*bopis.Order, error)
	AnswerSubstitution(ctx context.Context, id string, scope bopis.OrderScope, lineID string, approve bool) (*bopis.Order, error)
	Ready(ctx context.Context, id string, scope bopis.OrderScope, staging string, holdUntil time.Time, remindersPast int) (*bopis.Order, error)
	Arrive(ctx context.Context, id string, scope bopis.OrderScope, a bopis.Arrival) (*bopis.Order, error)
	Handoff(ctx context.Context, id string, scope bopis.OrderScope, code string) (*bopis.Closing, error)
	Cancel(ctx context.Context, id string, scope bopis.OrderScope, reason string) (*bopis.Closing, error)
	SettlePayment(ctx context.Context, s bopis.Settlement) error
	PendingSettlements(ctx context.Context) ([]bopis.Settlement, error)
}

// Accept is the store taking an order.
func (s *Service) Accept(ctx context.Context, id string, scope bopis.OrderScope) (*bopis.Order, error) {
	return s.db.Accept(ctx, id, scope)
}

// Pick records what the store picked: the pick is planned once, on the
// order as storage has it locked (orderstate.PlanPick), and under the
// reroute policy the stores that could take the short lines' rest are
// found there too (the read model), for storage to place the linked
// order in the pick's transaction.
func (s *Service) Pick(ctx context.Context, id string, scope bopis.OrderScope, req bopis.PickRequest) (*bopis.Order, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	answerBy := now.Add(s.answer).UTC()
	return s.db.Pick(ctx, id, scope, func(o *bopis.Order) (bopis.PickPlan, error) {
		lines, err := orderstate.PlanPick(o, req, answerBy)
		if err != nil || s.policy != bopis.ShortPickReroute {
			return bopis.PickPlan{Lines: lines}, err
		}
		plan := bopis.PickPlan{Lines: lines}
		var rest []readmodel.Line
		for _, lp := range lines {
			if !lp.Repeat && lp.Short > 0 && lp.Substitute == nil {
				rest = append(rest, readmodel.Line{SKU: o.Lines[lp.Index].SKU, Quantity: lp.Short})
			}
		}
		if attempts := s.rerouteAttempts(o, rest, now); len(attempts) > 0 {
			plan.Reroute = &bopis.Reroute{OrderID: newID("o"), PickupCode: pickupCode(), Attempts: attempts}
		}
		return plan, nil
	})
}

// rerouteAttempts are the stores nearest to o's that seem to have every
// line of rest, for the same pickup method, o's own store left out.
func (s *Service) rerouteAttempts(o *bopis.Order, rest []readmodel.Line, now time.Time) []bopis.PickupAttempt {
	if len(rest) == 0 {
		return nil
	}
	c, ok := s.model.StoreCoordinates(o.StoreID)
	if !ok {
		return nil
	}
	attempts, _, err := s.route(bopis.PickupRequest{Coordinates: &c, Method: o.Method}, rest, now)
	if err != nil {
		return nil // no store nearby has it: the lines stay short
	}
	out := attempts[:0]
	for _, a := range attempts {
		if a.StoreID != o.StoreID {
			out = append(out, a)
		}
	}
	return out
}

// Answer is the customer's answer to a proposed substitute.
func (s *Service) Answer(ctx context.Context, id string, scope bopis.OrderScope, lineID string, approve bool) (*bopis.Order, error) {
	return s.db.AnswerSubstitution(ctx, id, scope, lineID, approve)
}

// Ready stages the order at staging and holds it until the store's
// hold_until for an order ready now (the promise engine: HoldDays open
// days, closing time of the last).
func (s *Service) Ready(ctx context.Context, id string, scope bopis.OrderScope, staging string) (*bopis.Order, error) {
	if err := bopis.ValidateStagingLocation(staging); err != nil {
		return nil, err
	}
	o, err := s.db.GetOrder(ctx, id, scope)
	if err != nil {
		return nil, err
	}
	now := s.now()
	hold, ok := s.model.HoldUntil(o.StoreID, now)
	if !ok {
		// The store shows no open day ahead (closed for good?): hold a day.
		hold = now.Add(24 * time.Hour)
	}
	if lapse := o.Payment.AuthorizationExpiresAt.Add(-s.authMargin); s.authPolicy == AuthShortenHold &&
		o.Payment.Status == bopis.PaymentAuthorized && hold.After(lapse) && lapse.After(now) {
		hold = lapse // the hold ends before the authorization does
	}
	return s.db.Ready(ctx, id, scope, staging, hold, orderstate.RemindersPast(s.reminders, hold, now))
}

// Arrive records a curbside customer's "I'm here".
func (s *Service) Arrive(ctx context.Context, id string, scope bopis.OrderScope, a bopis.Arrival) (*bopis.Order, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	return s.db.Arrive(ctx, id, scope, a)
}

// Handoff hands the order over against its pickup code, observes the
// curbside wait, and settles the payment.
func (s *Service) Handoff(ctx context.Context, id string, scope bopis.OrderScope, code string) (*bopis.Order, error) {
	if err := bopis.ValidatePickupCode(code); err != nil {
		return nil, err
	}
	c, err := s.db.Handoff(ctx, id, scope, code)
	if err != nil {
		return nil, err
	}
	if o := c.Order; c.Acted && o.ArrivedAt != nil && o.PickedUpAt != nil {
		s.wait.WithLabelValues(o.StoreID).Observe(o.PickedUpAt.Sub(*o.ArrivedAt).Seconds())
	}
	return s.settled(ctx, id, scope, c)
}

// Cancel cancels an open order with its linked orders, releases what
// they hold and settles the payment (a void, unless a linked order was
// already handed over).
func (s *Service) Cancel(ctx context.Context, id string, scope bopis.OrderScope, reason string) (*bopis.Order, error) {
	if err := bopis.ValidateCancelReason(reason); err != nil {
		return nil, err
	}
	c, err := s.db.Cancel(ctx, id, scope, reason)
	if err != nil {
		return nil, err
	}
	return s.settled(ctx, id, scope, c)
}

// settled carries out a closing's settlement and answers the order as it
// then stands.
func (s *Service) settled(ctx context.Context, id string, scope bopis.OrderScope, c *bopis.Closing) (*bopis.Order, error) {
	if c.Settlement == nil {
		return c.Order, nil
	}
	if err := s.settle(ctx, *c.Settlement); err != nil {
		// The order is closed either way; the payment stays pending and
		// SettlePending retries it.
		s.log.WarnContext(ctx, "settling a payment at the gateway", "order", c.Settlement.OrderID, "error", err)
		return c.Order, nil
	}
	return s.db.GetOrder(ctx, id, scope)
}

// settle makes the gateway call of st and records it.
func (s *Service) settle(ctx context.Context, st bopis.Settlement) error {
	ctx = context.WithoutCancel(ctx) // a client hanging up must not leave it half done
	var err error
	if st.Capture.Amount > 0 {
		err = s.gateway.Capture(ctx, st.AuthorizationID, st.Capture)
	} else {
		err = s.gateway.Void(ctx, st.AuthorizationID)
	}
	if err != nil {
		return err
	}
	return s.db.SettlePayment(ctx, st)
}

// SettlePending carries out the settlements a crash or a gateway failure
// left pending, and returns how many it settled. Captures and voids are
// idempotent at the gateway, so a settlement done twice is done once.
func (s *Service) SettlePending(ctx context.Context) (int, error) {
	list, err := s.db.PendingSettlements(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, st := range list {
		if err := s.settle(ctx, st); err != nil {
			s.log.WarnContext(ctx, "settling a pending payment", "order", st.OrderID, "error", err)
			continue
		}
		n++
	}
	return n, nil
}
