package calendar

import (
	"reflect"
	"testing"
	"time"

	"github.com/bopis/bopis"
)

// TestDSTSlots lists the slots of a DST day in full, as RFC 3339 starts
// with their real lengths.
func TestDSTSlots(t *testing.T) {
	tests := []struct {
		name  string
		store *bopis.Store
		now   string // RFC 3339
		days  int
		want  []string // "start/end" of every slot
	}{
		{"New York spring forward: overnight store skips 02:xx, 01:00 EST to 03:00 EDT is one real hour",
			testStore("America/New_York", everyDay("22:00-06:00")), "2026-03-07T21:00:00-05:00", 1,
			[]string{
				"2026-03-07T22:00:00-05:00/2026-03-07T23:00:00-05:00",
				"2026-03-07T23:00:00-05:00/2026-03-08T00:00:00-05:00",
			}},
		{"New York spring forward: the night after midnight",
			testStore("America/New_York", everyDay("22:00-06:00")), "2026-03-08T00:00:00-05:00", 1,
			[]string{
				"2026-03-08T00:00:00-05:00/2026-03-08T01:00:00-05:00",
				"2026-03-08T01:00:00-05:00/2026-03-08T03:00:00-04:00",
				"2026-03-08T03:00:00-04:00/2026-03-08T04:00:00-04:00",
				"2026-03-08T04:00:00-04:00/2026-03-08T05:00:00-04:00",
				"2026-03-08T05:00:00-04:00/2026-03-08T06:00:00-04:00",
				"2026-03-08T22:00:00-04:00/2026-03-08T23:00:00-04:00",
				"2026-03-08T23:00:00-04:00/2026-03-09T00:00:00-04:00",
			}},
		{"New York fall back: 01:00 listed once per instant (EDT then EST), each one real hour",
			testStore("America/New_York", everyDay("22:00-04:00")), "2026-11-01T00:00:00-04:00", 1,
			[]string{
				"2026-11-01T00:00:00-04:00/2026-11-01T01:00:00-04:00",
				"2026-11-01T01:00:00-04:00/2026-11-01T01:00:00-05:00",
				"2026-11-01T01:00:00-05:00/2026-11-01T02:00:00-05:00",
				"2026-11-01T02:00:00-05:00/2026-11-01T03:00:00-05:00",
				"2026-11-01T03:00:00-05:00/2026-11-01T04:00:00-05:00",
				"2026-11-01T22:00:00-05:00/2026-11-01T23:00:00-05:00",
				"2026-11-01T23:00:00-05:00/2026-11-02T00:00:00-05:00",
			}},
		{"New York: an opening at 02:30 on the spring-forward day opens at 03:00 EDT",
			testStore("America/New_York", everyDay("09:00-17:00"), withSpecial(specialOn("2026-03-08", "02:30-05:00"))), "2026-03-08T00:00:00-05:00", 1,
			[]string{
				"2026-03-08T03:00:00-04:00/2026-03-08T04:00:00-04:00",
				"2026-03-08T04:00:00-04:00/2026-03-08T05:00:00-04:00",
			}},
		{"New York: an opening wholly inside the gap has no open time",
			testStore("America/New_York", everyDay("09:00-10:00"), withSpecial(specialOn("2026-03-08", "02:00-02:45,09:00-10:00"))), "2026-03-08T00:00:00-05:00", 1,
			[]string{"2026-03-08T09:00:00-04:00/2026-03-08T10:00:00-04:00"}},
		{"London spring forward: a 2-hour slot from 00:00 GMT ends at 03:00 BST, the day ends with a short slot",
			testStore("Europe/London", everyDay("00:00-24:00"), withSlot(120)), "2026-03-29T00:00:00Z", 1,
			[]string{
				"2026-03-29T00:00:00Z/2026-03-29T03:00:00+01:00",
				"2026-03-29T03:00:00+01:00/2026-03-29T05:00:00+01:00",
				"2026-03-29T05:00:00+01:00/2026-03-29T07:00:00+01:00",
				"2026-03-29T07:00:00+01:00/2026-03-29T09:00:00+01:00",
				"2026-03-29T09:00:00+01:00/2026-03-29T11:00:00+01:00",
				"2026-03-29T11:00:00+01:00/2026-03-29T13:00:00+01:00",
				"2026-03-29T13:00:00+01:00/2026-03-29T15:00:00+01:00",
				"2026-03-29T15:00:00+01:00/2026-03-29T17:00:00+01:00",
				"2026-03-29T17:00:00+01:00/2026-03-29T19:00:00+01:00",
				"2026-03-29T19:00:00+01:00/2026-03-29T21:00:00+01:00",
				"2026-03-29T21:00:00+01:00/2026-03-29T23:00:00+01:00",
				"2026-03-29T23:00:00+01:00/2026-03-30T00:00:00+01:00",
			}},
		{"London fall back: 01:00 BST and 01:00 GMT are distinct slots",
			testStore("Europe/London", everyDay("00:00-03:00")), "2026-10-25T00:00:00+01:00", 1,
			[]string{
				"2026-10-25T00:00:00+01:00/2026-10-25T01:00:00+01:00",
				"2026-10-25T01:00:00+01:00/2026-10-25T01:00:00Z",
				"2026-10-25T01:00:00Z/2026-10-25T02:00:00Z",
				"2026-10-25T02:00:00Z/2026-10-25T03:00:00Z",
			}},
		{"Lord Howe spring forward by 30 minutes: one real hour after 01:00 is 02:30",
			testStore("Australia/Lord_Howe", everyDay("00:00-04:00")), "2026-10-04T00:00:00+10:30", 1,
			[]string{
				"2026-10-04T00:00:00+10:30/2026-10-04T01:00:00+10:30",
				"2026-10-04T01:00:00+10:30/2026-10-04T02:30:00+11:00",
				"2026-10-04T02:30:00+11:00/2026-10-04T03:30:00+11:00",
				"2026-10-04T03:30:00+11:00/2026-10-04T04:00:00+11:00",
			}},
		{"Lord Howe: an opening at 02:15 on the spring-forward day opens at 02:30",
			testStore("Australia/Lord_Howe", everyDay("02:15-04:00")), "2026-10-04T00:00:00+10:30", 1,
			[]string{
				"2026-10-04T02:30:00+11:00/2026-10-04T03:30:00+11:00",
				"2026-10-04T03:30:00+11:00/2026-10-04T04:00:00+11:00",
			}},
		{"Lord Howe fall back by 30 minutes: 01:30 occurs twice, a slot is one real hour",
			testStore("Australia/Lord_Howe", everyDay("01:00-03:00")), "2026-04-05T00:00:00+11:00", 1,
			[]string{
				"2026-04-05T01:00:00+11:00/2026-04-05T01:30:00+10:30",
				"2026-04-05T01:30:00+10:30/2026-04-05T02:30:00+10:30",
				"2026-04-05T02:30:00+10:30/2026-04-05T03:00:00+10:30",
			}},
		{"Santiago: midnight does not exist on the spring-forward day, the day opens at 01:00",
			testStore("America/Santiago", everyDay("00:00-03:00")), "2026-09-05T12:00:00-04:00", 2,
			[]string{
				"2026-09-06T01:00:00-03:00/2026-09-06T02:00:00-03:00",
				"2026-09-06T02:00:00-03:00/2026-09-06T03:00:00-03:00",
			}},
		{"Tokyo has no DST: same slots on US and EU DST days",
			testStore("Asia/Tokyo", everyDay("09:00-12:00")), "2026-03-08T00:00:00+09:00", 1,
			[]string{
				"2026-03-08T09:00:00+09:00/2026-03-08T10:00:00+09:00",
				"2026-03-08T10:00:00+09:00/2026-03-08T11:00:00+09:00",
				"2026-03-08T11:00:00+09:00/2026-03-08T12:00:00+09:00",
			}},
		{"Phoenix ignores US DST",
			testStore("America/Phoenix", everyDay("00:00-04:00")), "2026-03-08T00:00:00-07:00", 1,
			[]string{
				"2026-03-08T00:00:00-07:00/2026-03-08T01:00:00-07:00",
				"2026-03-08T01:00:00-07:00/2026-03-08T02:00:00-07:00",
				"2026-03-08T02:00:00-07:00/2026-03-08T03:00:00-07:00",
				"2026-03-08T03:00:00-07:00/2026-03-08T04:00:00-07:00",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := compile(t, tt.store)
			p := sc.Promise(rfc(t, tt.now), 0, tt.days, nil)
			if got := slotStrings(p.Slots); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("slots:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestDSTLengths checks over whole DST days that slot starts never repeat,
// never fall in a gap (they round-trip through their wall reading) and are
// at most one slot length apart in real time.
func TestDSTLengths(t *testing.T) {
	zones := []struct{ tz, day string }{
		{"America/New_York", "2026-03-08"}, {"America/New_York", "2026-11-01"},
		{"Europe/London", "2026-03-29"}, {"Europe/London", "2026-10-25"},
		{"Australia/Lord_Howe", "2026-10-04"}, {"Australia/Lord_Howe", "2026-04-05"},
		{"Asia/Tokyo", "2026-03-08"}, {"America/Phoenix", "2026-11-01"},
	}
	for _, z := range zones {
		for _, slot := range []int{15, 45, 60} {
			t.Run(z.tz+" "+z.day+" "+time.Duration(slot*int(time.Minute)).String(), func(t *testing.T) {
				sc := compile(t, testStore(z.tz, everyDay("00:00-24:00"), withSlot(slot)))
				d, _ := time.ParseInLocation(time.DateOnly, z.day, sc.Location())
				p := sc.Promise(d.Add(-time.Hour), 0, 2, nil)
				seen := map[int64]bool{}
				for i, s := range p.Slots {
					if seen[s.Start.Unix()] {
						t.Fatalf("slot %s listed twice", str(s.Start))
					}
					seen[s.Start.Unix()] = true
					if length := s.End.Sub(s.Start); length <= 0 || length > time.Duration(slot)*time.Minute {
						t.Errorf("slot %s lasts %v", str(s.Start), length)
					}
					if i > 0 && !p.Slots[i-1].End.Equal(s.Start) {
						t.Errorf("gap or overlap between %s and %s in a store open around the clock", str(p.Slots[i-1].End), str(s.Start))
					}
					// A start in a gap would not survive the round trip.
					back := time.Date(s.Start.Year(), s.Start.Month(), s.Start.Day(), s.Start.Hour(), s.Start.Minute(), 0, 0, sc.Location())
					if back.Hour() != s.Start.Hour() || back.Minute() != s.Start.Minute() {
						t.Errorf("slot starts at %s, a wall time that does not exist", str(s.Start))
					}
				}
			})
		}
	}
}

func TestDSTReadyAt(t *testing.T) {
	tests := []struct {
		name  string
		store *bopis.Store
		now   string
		prep  int
		want  string
	}{
		{"prep across spring forward is real time: 00:30 EST + 2h = 03:30 EDT",
			testStore("America/New_York", everyDay("00:00-06:00")), "2026-03-08T00:30:00-05:00", 120, "2026-03-08T03:30:00-04:00"},
		{"prep across fall back is real time: 00:30 EDT + 2h = 01:30 EST",
			testStore("America/New_York", everyDay("00:00-06:00")), "2026-11-01T00:30:00-04:00", 120, "2026-11-01T01:30:00-05:00"},
		{"Lord Howe: 01:45 + 30 min crosses the 30-minute jump to 02:45",
			testStore("Australia/Lord_Howe", everyDay("00:00-06:00")), "2026-10-04T01:45:00+10:30", 30, "2026-10-04T02:45:00+11:00"},
		{"opening in the gap: prep starts at 03:00 EDT",
			testStore("America/New_York", everyDay("02:30-08:00")), "2026-03-08T00:00:00-05:00", 60, "2026-03-08T04:00:00-04:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := compile(t, tt.store)
			got, ok := sc.ReadyAt(rfc(t, tt.now), tt.prep)
			if !ok || str(got) != tt.want {
				t.Errorf("ReadyAt = %s, %v; want %s", str(got), ok, tt.want)
			}
		})
	}
}
