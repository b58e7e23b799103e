package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
)

func TestCheckSlot(t *testing.T) {
	const chi = "America/Chicago"
	day := everyDay("09:00-21:30")
	tests := []struct {
		name   string
		store  *bopis.Store
		now    string // local wall
		prep   int
		start  string // RFC 3339
		booked int    // bookings already in the slot
		want   error  // nil or a sentinel
		code   string // bopis error code when want != nil
		msg    string // substring of the message
	}{
		{"a free slot after prep is fine",
			testStore(chi, day), "2026-11-23 08:00", 60, "2026-11-23T10:00:00-06:00", 0, nil, "", ""},
		{"the last slot, cut short at the close, is fine",
			testStore(chi, day), "2026-11-23 08:00", 60, "2026-11-23T21:00:00-06:00", 0, nil, "", ""},
		{"a slot with room left is fine",
			testStore(chi, day), "2026-11-23 08:00", 60, "2026-11-23T10:00:00-06:00", 19, nil, "", ""},
		{"a full slot is a conflict",
			testStore(chi, day), "2026-11-23 08:00", 60, "2026-11-23T10:00:00-06:00", 20, ErrSlotFull, bopis.ECONFLICT, "is full"},
		{"a slot before prep completes",
			testStore(chi, day), "2026-11-23 08:00", 60, "2026-11-23T09:00:00-06:00", 0, ErrNotReady, bopis.EINVALID, "cannot be ready before 2026-11-23T10:00:00-06:00"},
		{"a slot that already began",
			testStore(chi, day), "2026-11-23 12:30", 0, "2026-11-23T12:00:00-06:00", 0, ErrSlotPast, bopis.EINVALID, "already begun"},
		{"a time when the store is closed",
			testStore(chi, day), "2026-11-23 08:00", 0, "2026-11-23T22:00:00-06:00", 0, ErrSlotClosed, bopis.EINVALID, "closed at 2026-11-23T22:00:00-06:00"},
		{"a blocked date",
			testStore(chi, day, withSpecial(closedOn("2026-11-24"))), "2026-11-23 08:00", 0, "2026-11-24T10:00:00-06:00", 0, ErrSlotClosed, bopis.EINVALID, "closed"},
		{"a time off the slot grid names the slot there",
			testStore(chi, day), "2026-11-23 08:00", 0, "2026-11-23T10:30:00-06:00", 0, ErrNoSuchSlot, bopis.EINVALID, "the slot there starts at 2026-11-23T10:00:00-06:00"},
		{"a slot more than 31 days ahead",
			testStore(chi, day), "2026-11-23 08:00", 0, "2026-12-24T10:00:00-06:00", 0, ErrSlotBeyondHorizon, bopis.EINVALID, "more than 31 days"},
		{"the 31st day is still within the horizon",
			testStore(chi, day), "2026-11-23 08:00", 0, "2026-12-23T10:00:00-06:00", 0, nil, "", ""},
		{"a warehouse has no slots",
			testStore(chi, day, func(s *bopis.Store) { s.Type = bopis.StoreTypeWarehouse; s.PickupMethods = nil }),
			"2026-11-23 08:00", 0, "2026-11-23T10:00:00-06:00", 0, ErrNoPickup, bopis.EINVALID, "warehouse"},
		{"prep that cannot finish by the slot",
			testStore(chi, everyDay("09:00-10:00")), "2026-11-23 08:00", 45 * 24 * 60, "2026-11-25T09:00:00-06:00", 0, ErrNotReady, bopis.EINVALID, "cannot be ready by"},
		{"the second 01:00 of a fall-back night is its own slot",
			testStore("America/New_York", everyDay("00:00-04:00")), "2026-10-31 12:00", 0, "2026-11-01T01:00:00-05:00", 0, nil, "", ""},
		{"a slot after midnight of an overnight opening keeps its grid",
			testStore(chi, everyDay("22:00-02:00"), withSlot(45)), "2026-11-23 12:00", 0, "2026-11-24T00:15:00-06:00", 0, nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := compile(t, tt.store)
			start := rfc(t, tt.start)
			booked := Booked{start.Unix(): tt.booked}
			err := sc.CheckSlot(local(t, sc, tt.now), tt.prep, start, booked)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CheckSlot = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("CheckSlot = %v, want %v", err, tt.want)
			}
			if bopis.ErrorCode(err) != tt.code {
				t.Errorf("code %q, want %q", bopis.ErrorCode(err), tt.code)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", err.Error(), tt.msg)
			}
		})
	}
}

func TestSlotAtReturnsTheSlot(t *testing.T) {
	sc := compile(t, testStore("America/Chicago", everyDay("09:00-21:30"), withCapacity(4)))
	start := local(t, sc, "2026-11-23 21:00")
	s, err := sc.SlotAt(local(t, sc, "2026-11-23 08:00"), 0, start, Booked{start.Unix(): 1})
	if err != nil {
		t.Fatal(err)
	}
	if str(s.Start) != "2026-11-23T21:00:00-06:00" || str(s.End) != "2026-11-23T21:30:00-06:00" || s.Capacity != 4 || s.Remaining != 3 {
		t.Errorf("SlotAt = %s/%s cap %d rem %d", str(s.Start), str(s.End), s.Capacity, s.Remaining)
	}
}

// TestCheckSlotAgreesWithPromise: every offered slot passes CheckSlot, and
// fails with ErrSlotFull once booked to capacity.
func TestCheckSlotAgreesWithPromise(t *testing.T) {
	for _, tz := range []string{"America/New_York", "Europe/London", "Australia/Lord_Howe"} {
		sc := compile(t, testStore(tz, everyDay("20:00-03:00"), withSlot(50), withCutoff(30)))
		now := time.Date(2026, 10, 30, 19, 0, 0, 0, sc.Location())
		for _, days := range []int{3, 10} {
			p := sc.Promise(now, 90, days, nil)
			for _, s := range p.Slots {
				if err := sc.CheckSlot(now, 90, s.Start, nil); err != nil {
					t.Errorf("%s: offered slot %s refused: %v", tz, str(s.Start), err)
				}
				if err := sc.CheckSlot(now, 90, s.Start, Booked{s.Start.Unix(): 20}); !errors.Is(err, ErrSlotFull) {
					t.Errorf("%s: full slot %s: %v", tz, str(s.Start), err)
				}
			}
		}
	}
}
