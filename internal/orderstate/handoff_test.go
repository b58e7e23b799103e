package orderstate

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"pgregory.net/rapid"
)

var (
	counter    = time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC)
	newYork    = mustZone("America/New_York")
	lockPassed = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
)

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// readyOrder: l1 3×A picked 2 with 1×D approved for the rest, l2 1×B
// picked, l3 2×C shipped from warehouse W, l4 1×E shipped with no
// warehouse recorded.
func readyOrder() *bopis.Order {
	return &bopis.Order{ID: "o1", StoreID: "s1", Status: bopis.OrderReady, PickupCode: "123456", Lines: []bopis.OrderLine{
		{ID: "l1", SKU: "A", Quantity: 3, UnitPrice: usd(1000), Fulfillment: bopis.FulfillPickup, Status: bopis.LineSubstituted,
			PickedQuantity: n(2), Substitute: &bopis.Substitute{SKU: "D", Quantity: 1, UnitPrice: usd(900), Status: bopis.SubstituteApproved}},
		{ID: "l2", SKU: "B", Quantity: 1, UnitPrice: usd(500), Fulfillment: bopis.FulfillPickup, Status: bopis.LinePicked, PickedQuantity: n(1)},
		{ID: "l3", SKU: "C", Quantity: 2, UnitPrice: usd(700), Fulfillment: bopis.FulfillShip, LocationID: "W", Status: bopis.LineOpen},
		{ID: "l4", SKU: "E", Quantity: 1, UnitPrice: usd(100), Fulfillment: bopis.FulfillShip, Status: bopis.LineOpen},
	}}
}

func TestPlanHandoff(t *testing.T) {
	later := counter.Add(10 * time.Minute)
	for _, c := range []struct {
		name     string
		status   bopis.OrderStatus
		failures int
		locked   *time.Time
		code     string
		err      string // the state machine's refusal
		refuse   string // the answer's code
		msg      string // in the answer's message
		wrong    int
		left     int
		until    *time.Time
		locks    bool
	}{
		{name: "right code", code: "123456"},
		{name: "right code after wrong ones", failures: 4, code: "123456"},
		{name: "right code once the lock passed", locked: &lockPassed, code: "123456"},
		{name: "first wrong code", code: "000000", refuse: bopis.EINVALID, msg: "4 tries left before the handoff locks for 15m0s",
			wrong: 1, left: 1},
		{name: "wrong code, one left", failures: 3, code: "12345", refuse: bopis.EINVALID, msg: "1 tries left", wrong: 4, left: 4},
		{name: "the fifth wrong code locks", failures: 4, code: "", refuse: bopis.EINVALID,
			msg: "5 wrong in a row lock the handoff until 2026-11-23T12:15:00-05:00", wrong: 5, left: 0,
			until: ptr(counter.Add(bopis.HandoffLock)), locks: true},
		{name: "locked: even the right code waits", failures: 0, locked: &later, code: "123456", refuse: bopis.ELOCKED,
			msg: "locked until 2026-11-23T17:10:00Z", until: &later},
		{name: "locked: a wrong code is not counted", failures: 2, locked: &later, code: "x", refuse: bopis.ELOCKED, left: 2,
			until: &later},
		{name: "wrong code once the lock passed counts again", locked: &lockPassed, code: "x", refuse: bopis.EINVALID, wrong: 1,
			left: 1, until: &lockPassed},
		{name: "already handed over", status: bopis.OrderPickedUp, code: "x"},
		{name: "not ready", status: bopis.OrderPicking, code: "123456", err: bopis.ECONFLICT},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := readyOrder()
			if c.status != "" {
				o.Status = c.status
			}
			o.HandoffLockedUntil = c.locked
			h, err := PlanHandoff(o, c.failures, c.code, counter, newYork)
			if c.err != "" || err != nil {
				if bopis.ErrorCode(err) != c.err {
					t.Fatalf("error %v, want %s", err, c.err)
				}
				return
			}
			if c.status == bopis.OrderPickedUp {
				if !h.Step.Repeat || h.Refuse != nil || h.Picked != nil {
					t.Fatalf("a repeat does nothing: %+v", h)
				}
				return
			}
			if c.refuse == "" {
				if h.Refuse != nil || h.Failures != 0 || h.LockedUntil != nil || h.Step.To != bopis.OrderPickedUp {
					t.Fatalf("%+v", h)
				}
				// 2×A + 1×D + 1×B at the store; 2×C from W; 11,900 handed over.
				if !maps.Equal(h.Picked, map[string]int64{"A": 2, "D": 1, "B": 1}) || len(h.Shipped) != 1 ||
					!maps.Equal(h.Shipped["W"], map[string]int64{"C": 2}) || h.Handed != 2900+500 {
					t.Fatalf("picked %v shipped %v handed %d", h.Picked, h.Shipped, h.Handed)
				}
				return
			}
			var e *bopis.Error
			if !errors.As(h.Refuse, &e) || e.Code != c.refuse || !strings.Contains(e.Message, c.msg) {
				t.Fatalf("refused with %v, want %s with %q", h.Refuse, c.refuse, c.msg)
			}
			if c.refuse == bopis.ELOCKED && e.RetryAfter != c.until.Sub(counter) {
				t.Errorf("retry after %s", e.RetryAfter)
			}
			if h.WrongCodes != c.wrong || h.Failures != c.left || h.Locks != c.locks || !samePtr(h.LockedUntil, c.until) {
				t.Errorf("wrong %d failures %d locks %v until %v", h.WrongCodes, h.Failures, h.Locks, h.LockedUntil)
			}
			if h.Picked != nil || h.Handed != 0 {
				t.Errorf("a refused handoff moves no stock: %+v", h)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func samePtr(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// TestHandoffLockout tries codes, right and wrong, at a ready order as
// time passes, against a model: the lock engages exactly at the
// MaxHandoffAttempts-th wrong code in a row, refuses every try until it
// passes, and a right code while unlocked resets the count.
func TestHandoffLockout(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := readyOrder()
		now := counter
		failures, inRow := 0, 0
		var lockedUntil *time.Time
		steps := rapid.IntRange(1, 40).Draw(t, "tries")
		for i := range steps {
			now = now.Add(time.Duration(rapid.IntRange(0, 20*60).Draw(t, "seconds")) * time.Second)
			right := rapid.Bool().Draw(t, "right")
			code := "wrong"
			if right {
				code = o.PickupCode
			}
			o.HandoffLockedUntil = lockedUntil
			h, err := PlanHandoff(o, failures, code, now, time.UTC)
			if err != nil {
				t.Fatalf("try %d: %v", i, err)
			}
			locked := lockedUntil != nil && lockedUntil.After(now)
			switch {
			case locked:
				if bopis.ErrorCode(h.Refuse) != bopis.ELOCKED || h.WrongCodes != 0 || h.Failures != failures {
					t.Fatalf("try %d while locked: %+v", i, h)
				}
			case right:
				if h.Refuse != nil || h.Failures != 0 || h.LockedUntil != nil {
					t.Fatalf("try %d, right code: %+v", i, h)
				}
				inRow = 0
			default:
				inRow++
				if bopis.ErrorCode(h.Refuse) != bopis.EINVALID || h.WrongCodes != inRow {
					t.Fatalf("try %d: %d wrong in a row, result %+v", i, inRow, h)
				}
				if locks := inRow == bopis.MaxHandoffAttempts; h.Locks != locks {
					t.Fatalf("try %d: %d wrong in a row, locks %v", i, inRow, h.Locks)
				}
				if h.Locks && !h.LockedUntil.Equal(now.Add(bopis.HandoffLock)) {
					t.Fatalf("locked until %v", h.LockedUntil)
				}
				if h.Locks {
					inRow = 0 // the lock starts a new row
				}
			}
			failures, lockedUntil = h.Failures, h.LockedUntil
			if failures >= bopis.MaxHandoffAttempts {
				t.Fatalf("%d failures kept: the lock must have engaged", failures)
			}
		}
	})
}

// TestConsumedUnits draws orders and checks that what leaves stock at a
// handoff is exactly the picked units, the approved substitutes and the
// ship lines with a warehouse, and that the value handed over counts
// only the pickup part.
func TestConsumedUnits(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := drawPickedOrder(t)
		picked, shipped := Consumed(o)
		var wantStore, wantShip, value int64
		for _, l := range o.Lines {
			if l.Fulfillment == bopis.FulfillShip {
				if l.LocationID != "" {
					wantShip += l.Quantity
				}
				continue
			}
			if l.PickedQuantity != nil {
				wantStore += *l.PickedQuantity
				value += *l.PickedQuantity * l.UnitPrice.Amount
				if s := l.Substitute; s != nil && s.Status == bopis.SubstituteApproved {
					wantStore += s.Quantity
					value += s.Value()
				}
			}
		}
		if got := sum(picked); got != wantStore {
			t.Fatalf("%d units leave the store, want %d (%v)", got, wantStore, picked)
		}
		var gotShip int64
		for _, wh := range Warehouses(shipped) {
			gotShip += sum(shipped[wh])
		}
		if gotShip != wantShip {
			t.Fatalf("%d units leave warehouses, want %d", gotShip, wantShip)
		}
		if HandedValue(o) != value {
			t.Fatalf("handed %d, want %d", HandedValue(o), value)
		}
	})
}

func sum(m map[string]int64) int64 {
	var s int64
	for _, v := range m {
		s += v
	}
	return s
}

// drawPickedOrder draws a ready order: pickup lines picked in full or
// short (with a substitute approved or rejected, or none) and ship lines
// from a warehouse or none, SKUs from a small set so they repeat.
func drawPickedOrder(t *rapid.T) *bopis.Order {
	sku := rapid.SampledFrom([]string{"A", "B", "C", "D"})
	o := &bopis.Order{ID: "o1", StoreID: "s1", Status: bopis.OrderReady, PickupCode: "123456"}
	for i := range rapid.IntRange(0, 6).Draw(t, "lines") {
		l := bopis.OrderLine{ID: "l" + string(rune('1'+i)), SKU: sku.Draw(t, "sku"),
			Quantity: rapid.Int64Range(1, 5).Draw(t, "quantity"), UnitPrice: usd(rapid.Int64Range(0, 5000).Draw(t, "price")),
			Fulfillment: bopis.FulfillPickup, Status: bopis.LinePicked}
		if rapid.Bool().Draw(t, "ship") {
			l.Fulfillment, l.Status = bopis.FulfillShip, bopis.LineOpen
			l.LocationID = rapid.SampledFrom([]string{"", "W1", "W2"}).Draw(t, "warehouse")
			o.Lines = append(o.Lines, l)
			continue
		}
		p := rapid.Int64Range(0, l.Quantity).Draw(t, "picked")
		l.PickedQuantity = &p
		if p < l.Quantity {
			l.Status = bopis.LineShort
			if rapid.Bool().Draw(t, "substitute") {
				s := &bopis.Substitute{SKU: sku.Draw(t, "substitute sku"), Quantity: rapid.Int64Range(1, 3).Draw(t, "substitute quantity"),
					UnitPrice: usd(rapid.Int64Range(0, 1000).Draw(t, "substitute price")), Status: bopis.SubstituteRejected}
				if rapid.Bool().Draw(t, "approved") {
					s.Status, l.Status = bopis.SubstituteApproved, bopis.LineSubstituted
				}
				l.Substitute = s
			}
		}
		o.Lines = append(o.Lines, l)
	}
	return o
}
