package orderstate

import (
	"crypto/subtle"
	"fmt"
	"sort"
	"time"

	"github.com/bopis/bopis"
)

// HandoffResult is what showing a pickup code at the counter does to an
// order. The caller writes it whether or not the handoff went ahead: a
// wrong code counts even though it is refused.
type HandoffResult struct {
	// Step is the move to picked_up; Repeat when it was handed over already
	// (nothing else is set then).
	Step Step
	// Refuse is the answer to the counter when the handoff does not go
	// ahead (a wrong code, or the handoff locked), else nil.
	Refuse error
	// WrongCodes is this wrong code's place in the row (order.handoff_refused
	// says it); 0 when the code was right or never checked (locked).
	WrongCodes int
	// Failures and LockedUntil are what the order keeps: wrong codes in a
	// row since the last lock or right code, and the lock (nil: none).
	Failures    int
	LockedUntil *time.Time
	// Locks is set when this wrong code locks the handoff: a handoff_locked
	// alert tells the store someone is guessing.
	Locks bool
	// Picked is what leaves the store's stock by SKU at a handoff: picked
	// units and approved substitutes. Whatever else the order holds at the
	// store is released.
	Picked map[string]int64
	// Shipped is what the ship lines take from each warehouse, by SKU.
	Shipped map[string]map[string]int64
	// Handed is the value handed over (see HandedValue).
	Handed int64
}

// PlanHandoff decides a handoff of o to whoever shows code at now, after
// failures wrong codes in a row. Locked, the code is not even compared
// (guessing on is pointless). The MaxHandoffAttempts-th wrong code in a
// row locks the handoff for HandoffLock and starts the count again; the
// right code clears both. loc is the store's zone, for the customer's
// message. The error is a refusal by the state machine, with nothing to
// write.
func PlanHandoff(o *bopis.Order, failures int, code string, now time.Time, loc *time.Location) (HandoffResult, error) {
	step, err := Next(o.Status, Handoff)
	if err != nil || step.Repeat {
		return HandoffResult{Step: step}, err
	}
	r := HandoffResult{Step: step, Failures: failures, LockedUntil: o.HandoffLockedUntil}
	if l := o.HandoffLockedUntil; l != nil && l.After(now) {
		r.Refuse = lockedError(*l, now)
		return r, nil
	}
	// Constant time: how long a comparison takes says nothing of the code.
	if subtle.ConstantTimeCompare([]byte(code), []byte(o.PickupCode)) != 1 {
		return wrongCode(r, now, loc), nil
	}
	r.Failures, r.LockedUntil = 0, nil
	r.Picked, r.Shipped = Consumed(o)
	r.Handed = HandedValue(o)
	return r, nil
}

// wrongCode counts a wrong code into r and refuses it.
func wrongCode(r HandoffResult, now time.Time, loc *time.Location) HandoffResult {
	r.Failures++
	r.WrongCodes = r.Failures
	msg := fmt.Sprintf("wrong pickup code; %d tries left before the handoff locks for %s",
		bopis.MaxHandoffAttempts-r.Failures, bopis.HandoffLock)
	if r.Failures >= bopis.MaxHandoffAttempts {
		until := now.Add(bopis.HandoffLock).UTC()
		r.LockedUntil, r.Failures, r.Locks = &until, 0, true
		msg = fmt.Sprintf("wrong pickup code; %d wrong in a row lock the handoff until %s", bopis.MaxHandoffAttempts,
			until.In(loc).Format(time.RFC3339))
	}
	r.Refuse = &bopis.Error{Code: bopis.EINVALID, Message: msg,
		Fields: []bopis.FieldError{{Path: "pickup_code", Message: "does not match the order's pickup code"}}}
	return r
}

// lockedError answers a try while the handoff is locked, with when to
// try again.
func lockedError(until, now time.Time) error {
	return &bopis.Error{Code: bopis.ELOCKED, RetryAfter: until.Sub(now),
		Message: "too many wrong pickup codes: the handoff is locked until " + until.UTC().Format(time.RFC3339)}
}

// Consumed is what leaves stock when o is handed over: at the store, each
// pickup line's picked units and approved substitute; at each warehouse,
// the ship lines reserved there.
func Consumed(o *bopis.Order) (picked map[string]int64, shipped map[string]map[string]int64) {
	picked = map[string]int64{}
	shipped = map[string]map[string]int64{}
	for _, l := range o.Lines {
		switch {
		case l.Fulfillment == bopis.FulfillShip && l.LocationID != "":
			if shipped[l.LocationID] == nil {
				shipped[l.LocationID] = map[string]int64{}
			}
			shipped[l.LocationID][l.SKU] += l.Quantity
		case l.PickedQuantity != nil:
			picked[l.SKU] += *l.PickedQuantity
			if s := l.Substitute; s != nil && s.Status == bopis.SubstituteApproved {
				picked[s.SKU] += s.Quantity
			}
		}
	}
	return picked, shipped
}

// Warehouses lists the warehouses of shipped in order, so their stock
// moves in the same order every time.
func Warehouses(shipped map[string]map[string]int64) []string {
	out := make([]string, 0, len(shipped))
	for wh := range shipped {
		out = append(out, wh)
	}
	sort.Strings(out)
	return out
}
