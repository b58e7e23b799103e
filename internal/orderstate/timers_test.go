package orderstate

import (
	"slices"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"pgregory.net/rapid"
)

func held(status bopis.OrderStatus, until *time.Time) *bopis.Order {
	return &bopis.Order{Status: status, HoldUntil: until}
}

func TestExpiryDue(t *testing.T) {
	now := counter
	for _, c := range []struct {
		name string
		o    *bopis.Order
		want bool
	}{
		{"past hold_until", held(bopis.OrderReady, ptr(now.Add(-time.Second))), true},
		{"at hold_until", held(bopis.OrderReady, ptr(now)), true},
		{"within the same microsecond", held(bopis.OrderReady, ptr(now.Add(999*time.Nanosecond))), true},
		{"a microsecond before", held(bopis.OrderReady, ptr(now.Add(time.Microsecond))), false},
		{"no hold", held(bopis.OrderReady, nil), false},
		{"picked up", held(bopis.OrderPickedUp, ptr(now.Add(-time.Hour))), false},
		{"already expired", held(bopis.OrderExpired, ptr(now.Add(-time.Hour))), false},
	} {
		if got := ExpiryDue(c.o, now); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
}

var offsets = []time.Duration{24 * time.Hour, 2 * time.Hour}

func TestReminderDue(t *testing.T) {
	hold := counter.Add(48 * time.Hour)
	for _, c := range []struct {
		name   string
		o      *bopis.Order
		sent   int
		now    time.Time
		due    int
		remind bool
	}{
		{"too early", held(bopis.OrderReady, &hold), 0, hold.Add(-25 * time.Hour), 0, false},
		{"the first", held(bopis.OrderReady, &hold), 0, hold.Add(-24 * time.Hour), 1, true},
		{"the first, sent", held(bopis.OrderReady, &hold), 1, hold.Add(-3 * time.Hour), 1, false},
		{"the second", held(bopis.OrderReady, &hold), 1, hold.Add(-time.Hour), 2, true},
		{"both due at once: the latest only", held(bopis.OrderReady, &hold), 0, hold.Add(-time.Hour), 2, true},
		{"all sent", held(bopis.OrderReady, &hold), 2, hold.Add(-time.Minute), 2, false},
		{"at hold_until: too late", held(bopis.OrderReady, &hold), 0, hold, 0, false},
		{"not ready", held(bopis.OrderPickedUp, &hold), 0, hold.Add(-time.Hour), 0, false},
		{"no hold", held(bopis.OrderReady, nil), 0, hold.Add(-time.Hour), 0, false},
	} {
		due, ok := ReminderDue(c.o, c.sent, offsets, c.now)
		if due != c.due || ok != c.remind {
			t.Errorf("%s: due %d remind %v", c.name, due, ok)
		}
	}
}

// TestRemindersProperties walks a ready order's clock forward firing
// reminders as they fall due: each offset is sent or skipped once, in
// order, the count never goes back, none fires at or after hold_until,
// and a reminder fired is not due again at the same instant.
func TestRemindersProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		offs := rapid.SliceOfNDistinct(rapid.Int64Range(1, 72), 0, 4, rapid.ID[int64]).Draw(t, "offsets (hours)")
		var offsets []time.Duration
		for _, h := range offs {
			offsets = append(offsets, time.Duration(h)*time.Hour)
		}
		slices.Sort(offsets)
		slices.Reverse(offsets) // largest first
		hold := counter.Add(100 * time.Hour)
		o := held(bopis.OrderReady, &hold)
		now, sent := counter, 0
		for range rapid.IntRange(1, 30).Draw(t, "sweeps") {
			now = now.Add(time.Duration(rapid.Int64Range(0, 12*60).Draw(t, "minutes")) * time.Minute)
			past := RemindersPast(offsets, hold, now)
			if past < 0 || past > len(offsets) {
				t.Fatalf("%d past of %d", past, len(offsets))
			}
			due, ok := ReminderDue(o, sent, offsets, now)
			switch {
			case !hold.After(now):
				if ok {
					t.Fatalf("a reminder at %v for a hold until %v", now, hold)
				}
			case ok:
				if due <= sent || due != past || hold.Add(-offsets[due-1]).After(now) {
					t.Fatalf("sent %d, due %d at %v", sent, due, now)
				}
				sent = due
				if _, again := ReminderDue(o, sent, offsets, now); again {
					t.Fatal("the same reminder fired twice")
				}
			default:
				if due != sent || past > sent {
					t.Fatalf("sent %d, %d past, due %d, but nothing fires", sent, past, due)
				}
			}
		}
	})
}

func TestLateToReport(t *testing.T) {
	for s, want := range map[bopis.OrderStatus]bool{bopis.OrderPlaced: true, bopis.OrderAccepted: true, bopis.OrderPicking: true,
		bopis.OrderReady: false, bopis.OrderPickedUp: false, bopis.OrderCancelled: false, bopis.OrderExpired: false} {
		o := &bopis.Order{Status: s}
		if LateToReport(o, false) != want {
			t.Errorf("%s: late %v", s, !want)
		}
		if LateToReport(o, true) {
			t.Errorf("%s: reported twice", s)
		}
	}
}

func TestAuthorizationExpiring(t *testing.T) {
	exp := counter.Add(24 * time.Hour)
	auth := bopis.Payment{Status: bopis.PaymentAuthorized, AuthorizationExpiresAt: exp}
	for _, c := range []struct {
		name   string
		p      bopis.Payment
		warned *time.Time
		want   bool
	}{
		{"never warned", auth, nil, true},
		{"warned for this expiry", auth, ptr(exp.Add(300 * time.Nanosecond)), false},
		{"warned for the old authorization", auth, ptr(exp.Add(-7 * 24 * time.Hour)), true},
		{"captured", bopis.Payment{Status: bopis.PaymentCaptured, AuthorizationExpiresAt: exp}, nil, false},
		{"capture pending", bopis.Payment{Status: bopis.PaymentCapturePending, AuthorizationExpiresAt: exp}, nil, false},
	} {
		if got := AuthorizationExpiring(c.p, c.warned); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
	// Once per authorization: warned for what it says, it is quiet until
	// a new authorization moves the expiry.
	rapid.Check(t, func(t *rapid.T) {
		p := auth
		p.AuthorizationExpiresAt = counter.Add(time.Duration(rapid.Int64Range(0, 1e15).Draw(t, "expiry")))
		if !AuthorizationExpiring(p, nil) {
			t.Fatal("a fresh authorization is warned of")
		}
		warned := p.AuthorizationExpiresAt
		if AuthorizationExpiring(p, &warned) {
			t.Fatal("warned twice")
		}
		if !Reauthorizes(p, p.AuthorizationID) || Reauthorizes(p, p.AuthorizationID+"x") {
			t.Fatal("only the authorization the order holds is replaced")
		}
	})
}

func TestShortenedHold(t *testing.T) {
	hold := counter.Add(48 * time.Hour)
	if u, ok := ShortenedHold(held(bopis.OrderReady, &hold), hold.Add(-time.Hour).In(newYork)); !ok ||
		!u.Equal(hold.Add(-time.Hour)) || u.Location() != time.UTC {
		t.Errorf("brought forward: %v %v", u, ok)
	}
	for _, c := range []struct {
		name  string
		o     *bopis.Order
		until time.Time
	}{
		{"later", held(bopis.OrderReady, &hold), hold.Add(time.Hour)},
		{"the same", held(bopis.OrderReady, &hold), hold},
		{"not ready", held(bopis.OrderPicking, &hold), hold.Add(-time.Hour)},
		{"no hold", held(bopis.OrderReady, nil), hold},
	} {
		if _, ok := ShortenedHold(c.o, c.until); ok {
			t.Errorf("%s: changed", c.name)
		}
	}
	rapid.Check(t, func(t *rapid.T) {
		until := counter.Add(time.Duration(rapid.Int64Range(0, 1e15).Draw(t, "until")))
		h := counter.Add(time.Duration(rapid.Int64Range(0, 1e15).Draw(t, "hold")))
		if u, ok := ShortenedHold(held(bopis.OrderReady, &h), until); ok && (!u.Before(h) || !u.Equal(until)) {
			t.Fatalf("hold %v became %v for %v", h, u, until)
		} else if !ok && h.After(until) {
			t.Fatalf("hold %v kept past %v", h, until)
		}
	})
}

func TestClosures(t *testing.T) {
	for _, s := range bopis.OrderStatuses {
		o := &bopis.Order{Status: s}
		if RescheduleDue(o, "", "2026-12-25") != s.Open() {
			t.Errorf("%s: reschedule", s)
		}
		if RescheduleDue(o, "2026-12-25", "2026-12-25") || MovableOffClosure(o, "2026-12-25", "2026-12-25") {
			t.Errorf("%s: moved twice off one date", s)
		}
		if want := s == bopis.OrderPlaced || s == bopis.OrderAccepted; MovableOffClosure(o, "2026-12-24", "2026-12-25") != want {
			t.Errorf("%s: move to another store", s)
		}
		err := ShipToHomeOffered(s)
		if want := s == bopis.OrderCancelled || s == bopis.OrderExpired; (err == nil) != want ||
			err != nil && bopis.ErrorCode(err) != bopis.ECONFLICT {
			t.Errorf("%s: ship-to-home %v", s, err)
		}
	}
}

func TestPickupLines(t *testing.T) {
	got := PickupLines(twoLines())
	if len(got) != 2 || got[0].ID != "l1" || got[1].ID != "l2" {
		t.Errorf("%+v", got)
	}
}
