package calendar

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
)

func TestPromiseSlots(t *testing.T) {
	const chi = "America/Chicago"
	day := everyDay("09:00-21:00")
	tests := []struct {
		name     string
		store    *bopis.Store
		now      string
		prep     int
		days     int
		booked   map[string]int // local wall start -> bookings
		earliest string
		date     string   // local date whose slot starts are checked
		starts   []string // wall clock starts on date
	}{
		{"mission: 23:00 order, earliest 10:00 next day",
			testStore(chi, day), "2026-11-23 23:00", 60, 2, nil,
			"2026-11-24T10:00:00-06:00", "2026-11-24",
			[]string{"10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00", "18:00", "19:00", "20:00"}},
		{"prep done mid-slot: the next slot boundary is the earliest",
			testStore(chi, day), "2026-11-23 10:15", 60, 1, nil,
			"2026-11-23T12:00:00-06:00", "2026-11-23",
			[]string{"12:00", "13:00", "14:00", "15:00", "16:00", "17:00", "18:00", "19:00", "20:00"}},
		{"slots align to the opening, not to the hour",
			testStore(chi, everyDay("09:30-12:00")), "2026-11-23 06:00", 0, 1, nil,
			"2026-11-23T09:30:00-06:00", "2026-11-23", []string{"09:30", "10:30", "11:30"}},
		{"each opening of a split day starts its own grid",
			testStore(chi, everyDay("09:00-11:30,12:15-14:00")), "2026-11-23 06:00", 0, 1, nil,
			"2026-11-23T09:00:00-06:00", "2026-11-23", []string{"09:00", "10:00", "11:00", "12:15", "13:15"}},
		{"a full slot moves the earliest ready time to the next slot with room",
			testStore(chi, day), "2026-11-23 23:00", 60, 2, map[string]int{"2026-11-24 10:00": 20},
			"2026-11-24T11:00:00-06:00", "2026-11-24",
			[]string{"11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00", "18:00", "19:00", "20:00"}},
		{"an over-booked slot is not offered either",
			testStore(chi, day), "2026-11-24 08:00", 0, 1, map[string]int{"2026-11-24 09:00": 25, "2026-11-24 10:00": 20},
			"2026-11-24T11:00:00-06:00", "2026-11-24",
			[]string{"11:00", "12:00", "13:00", "14:00", "15:00", "16:00", "17:00", "18:00", "19:00", "20:00"}},
		{"days=1 lists only today's slots",
			testStore(chi, day), "2026-11-23 17:30", 0, 1, nil,
			"2026-11-23T18:00:00-06:00", "2026-11-23", []string{"18:00", "19:00", "20:00"}},
		{"overnight opening keeps its alignment across midnight (45-min slots)",
			testStore(chi, everyDay("22:00-02:00"), withSlot(45)), "2026-11-23 12:00", 0, 2, nil,
			"2026-11-23T22:00:00-06:00", "2026-11-24", []string{"00:15", "01:00", "01:45", "22:00", "22:45", "23:30"}},
		{"store open around the clock: slots restart at each midnight (50-min slots)",
			testStore(chi, everyDay("00:00-24:00"), withSlot(50)), "2026-11-23 22:00", 0, 2, nil,
			"2026-11-23T22:30:00-06:00", "2026-11-24",
			[]string{"00:00", "00:50", "01:40", "02:30", "03:20", "04:10", "05:00", "05:50", "06:40", "07:30", "08:20", "09:10",
				"10:00", "10:50", "11:40", "12:30", "13:20", "14:10", "15:00", "15:50", "16:40", "17:30", "18:20", "19:10", "20:00", "20:50", "21:40", "22:30", "23:20"}},
		{"blocked date has no slots",
			testStore(chi, day, withSpecial(closedOn("2026-12-25"))), "2026-12-24 22:00", 0, 3, nil,
			"2026-12-26T09:00:00-06:00", "2026-12-25", nil},
		{"special hours give that date's slots",
			testStore(chi, day, withSpecial(specialOn("2026-12-24", "10:00-13:30"))), "2026-12-24 06:00", 0, 1, nil,
			"2026-12-24T10:00:00-06:00", "2026-12-24", []string{"10:00", "11:00", "12:00", "13:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := compile(t, tt.store)
			booked := Booked{}
			for wall, n := range tt.booked {
				booked[local(t, sc, wall).Unix()] = n
			}
			p := sc.Promise(local(t, sc, tt.now), tt.prep, tt.days, booked)
			if p.NoPickupReason != "" {
				t.Fatalf("no pickup: %s", p.NoPickupReason)
			}
			if str(p.EarliestReadyAt) != tt.earliest {
				t.Errorf("EarliestReadyAt = %s, want %s", str(p.EarliestReadyAt), tt.earliest)
			}
			if !p.EarliestReadyAt.Equal(p.Slots[0].Start) {
				t.Errorf("EarliestReadyAt %s is not the first slot %s", str(p.EarliestReadyAt), str(p.Slots[0].Start))
			}
			if got := startsOn(p.Slots, tt.date); !reflect.DeepEqual(got, tt.starts) {
				t.Errorf("slot starts on %s:\n got %v\nwant %v", tt.date, got, tt.starts)
			}
		})
	}
}

func TestSlotDetails(t *testing.T) {
	sc := compile(t, testStore("America/Chicago", everyDay("09:00-11:30"), withCapacity(5)))
	booked := Booked{}
	booked[local(t, sc, "2026-11-23 10:00").Unix()] = 2
	p := sc.Promise(local(t, sc, "2026-11-23 06:00"), 0, 1, booked)
	want := []Slot{
		{Start: local(t, sc, "2026-11-23 09:00"), End: local(t, sc, "2026-11-23 10:00"), Capacity: 5, Remaining: 5},
		{Start: local(t, sc, "2026-11-23 10:00"), End: local(t, sc, "2026-11-23 11:00"), Capacity: 5, Remaining: 3},
		{Start: local(t, sc, "2026-11-23 11:00"), End: local(t, sc, "2026-11-23 11:30"), Capacity: 5, Remaining: 5},
	}
	t.Run("remaining is capacity minus bookings and the last slot is cut at the close", func(t *testing.T) {
		if len(p.Slots) != len(want) {
			t.Fatalf("slots = %v", slotStrings(p.Slots))
		}
		for i := range want {
			g, w := p.Slots[i], want[i]
			if !g.Start.Equal(w.Start) || !g.End.Equal(w.End) || g.Capacity != w.Capacity || g.Remaining != w.Remaining {
				t.Errorf("slot %d = %s/%s cap %d rem %d, want %s/%s cap %d rem %d", i,
					str(g.Start), str(g.End), g.Capacity, g.Remaining, str(w.Start), str(w.End), w.Capacity, w.Remaining)
			}
		}
	})
	t.Run("times are in the store's zone", func(t *testing.T) {
		for _, s := range p.Slots {
			if s.Start.Location() != sc.Location() || s.End.Location() != sc.Location() {
				t.Fatalf("slot %s is not in the store's zone", str(s.Start))
			}
		}
		if p.EarliestReadyAt.Location() != sc.Location() || p.HoldUntil.Location() != sc.Location() {
			t.Errorf("earliest/hold not in the store's zone")
		}
	})
	t.Run("unlimited capacity reports remaining -1", func(t *testing.T) {
		sc := compile(t, testStore("America/Chicago", everyDay("09:00-11:30"), withCapacity(0)))
		p := sc.Promise(local(t, sc, "2026-11-23 06:00"), 0, 1, Booked{local(t, sc, "2026-11-23 09:00").Unix(): 1000})
		for _, s := range p.Slots {
			if s.Capacity != 0 || s.Remaining != -1 {
				t.Errorf("slot %s capacity %d remaining %d, want 0 and -1", str(s.Start), s.Capacity, s.Remaining)
			}
		}
		if len(p.Slots) != 3 {
			t.Errorf("got %d slots, want 3", len(p.Slots))
		}
	})
	t.Run("nil booked map is no bookings", func(t *testing.T) {
		p := sc.Promise(local(t, sc, "2026-11-23 06:00"), 0, 1, nil)
		if len(p.Slots) != 3 || p.Slots[1].Remaining != 5 {
			t.Errorf("slots = %v", slotStrings(p.Slots))
		}
	})
}

func TestPromiseDays(t *testing.T) {
	sc := compile(t, testStore("America/Chicago", everyDay("09:00-21:00")))
	now := local(t, sc, "2026-11-23 08:00")
	tests := []struct {
		name      string
		days      int
		lastStart string
		count     int
	}{
		{"days=0 is clamped to 1", 0, "2026-11-23T20:00:00-06:00", 12},
		{"negative days is clamped to 1", -3, "2026-11-23T20:00:00-06:00", 12},
		{"7 days end at the seventh local midnight", 7, "2026-11-29T20:00:00-06:00", 7 * 12},
		{"days above 31 are clamped to 31", 400, "2026-12-23T20:00:00-06:00", 31 * 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := sc.Promise(now, 0, tt.days, nil)
			if len(p.Slots) != tt.count {
				t.Errorf("%d slots, want %d", len(p.Slots), tt.count)
			}
			if last := p.Slots[len(p.Slots)-1]; str(last.Start) != tt.lastStart {
				t.Errorf("last slot starts %s, want %s", str(last.Start), tt.lastStart)
			}
		})
	}
}

func TestNoPickup(t *testing.T) {
	const chi = "America/Chicago"
	day := everyDay("09:00-21:00")
	full := func(sc *Schedule) Booked {
		b := Booked{}
		for _, s := range sc.Promise(time.Date(2026, 11, 23, 0, 0, 0, 0, sc.Location()), 0, 2, nil).Slots {
			b[s.Start.Unix()] = 20
		}
		return b
	}
	tests := []struct {
		name   string
		store  *bopis.Store
		now    string
		prep   int
		days   int
		full   bool   // book every slot to capacity
		reason string // substring of NoPickupReason
	}{
		{"a warehouse never offers pickup",
			testStore(chi, day, func(s *bopis.Store) { s.Type = bopis.StoreTypeWarehouse; s.PickupMethods = nil }),
			"2026-11-23 10:00", 60, 7, false, "warehouse"},
		{"an inactive store offers no pickup",
			testStore(chi, day, func(s *bopis.Store) { s.Active = false }), "2026-11-23 10:00", 60, 7, false, "not active"},
		{"a store with no hours at all",
			testStore(chi, everyDay("")), "2026-11-23 10:00", 60, 7, false, "no opening hours in the next 7 days"},
		{"every date of the horizon blocked",
			testStore(chi, day, withSpecial(closedOn("2026-11-23"), closedOn("2026-11-24"))), "2026-11-23 08:00", 0, 2, false,
			"no opening hours in the next 2 days"},
		{"open only after the horizon",
			testStore(chi, weekly("", "", "", "", "", "09:00-21:00", "")), "2026-11-23 08:00", 0, 3, false,
			"no opening hours in the next 3 days"},
		{"prep cannot finish within the horizon",
			testStore(chi, day), "2026-11-23 08:00", 48 * 60, 3, false, "cannot be ready within the next 3 days"},
		{"prep finishes after the last slot of the horizon starts",
			testStore(chi, day), "2026-11-23 19:30", 60, 1, false, "no pickup slot of the next 1 day starts after the order can be ready at 2026-11-23T20:30:00-06:00"},
		{"every slot full",
			testStore(chi, day), "2026-11-23 08:00", 0, 2, true, "every pickup slot of the next 2 days is full"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := compile(t, tt.store)
			var booked Booked
			if tt.full {
				booked = full(sc)
			}
			p := sc.Promise(local(t, sc, tt.now), tt.prep, tt.days, booked)
			if !strings.Contains(p.NoPickupReason, tt.reason) {
				t.Errorf("NoPickupReason = %q, want it to contain %q", p.NoPickupReason, tt.reason)
			}
			if !p.EarliestReadyAt.IsZero() || !p.HoldUntil.IsZero() || len(p.Slots) != 0 {
				t.Errorf("no pickup must promise no time, got earliest %s hold %s and %d slots",
					str(p.EarliestReadyAt), str(p.HoldUntil), len(p.Slots))
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(*bopis.Store)
		field string
	}{
		{"unknown time zone", func(s *bopis.Store) { s.TimeZone = "Mars/Olympus" }, "time_zone"},
		{"empty time zone", func(s *bopis.Store) { s.TimeZone = "" }, "time_zone"},
		{"Local is not a store zone", func(s *bopis.Store) { s.TimeZone = "Local" }, "time_zone"},
		{"malformed interval", func(s *bopis.Store) { s.Hours.Monday = hours("9:00-21:00") }, "hours.monday"},
		{"open equals close", func(s *bopis.Store) { s.Hours.Friday = hours("09:00-09:00") }, "hours.friday"},
		{"malformed special date", func(s *bopis.Store) { s.SpecialHours = []bopis.SpecialHours{closedOn("2026-13-01")} }, "special_hours[0].date"},
		{"duplicate special date", func(s *bopis.Store) {
			s.SpecialHours = []bopis.SpecialHours{closedOn("2026-12-25"), specialOn("2026-12-25", "10:00-12:00")}
		}, "special_hours[1].date"},
		{"closed date with intervals", func(s *bopis.Store) {
			s.SpecialHours = []bopis.SpecialHours{{Date: "2026-12-25", Closed: true, Intervals: hours("10:00-12:00")}}
		}, "special_hours[0].intervals"},
		{"open date without intervals", func(s *bopis.Store) { s.SpecialHours = []bopis.SpecialHours{{Date: "2026-12-25"}} }, "special_hours[0].intervals"},
		{"slot too short", withSlot(1), "slot_minutes"},
		{"hold days zero", withHold(0), "hold_days"},
		{"negative cutoff", withCutoff(-1), "cutoff_minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testStore("America/Chicago", everyDay("09:00-21:00"), tt.mod)
			_, err := Compile(s)
			if err == nil {
				t.Fatal("Compile succeeded")
			}
			if bopis.ErrorCode(err) != bopis.EINVALID {
				t.Errorf("code %q, want %q", bopis.ErrorCode(err), bopis.EINVALID)
			}
			var e *bopis.Error
			if !errorsAs(err, &e) || len(e.Fields) == 0 || e.Fields[0].Path != tt.field {
				t.Errorf("error %v does not name %s first", err, tt.field)
			}
		})
	}
}
