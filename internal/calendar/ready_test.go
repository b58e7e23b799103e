package calendar

import (
	"testing"
	"time"

	"github.com/bopis/bopis"
)

func TestReadyAt(t *testing.T) {
	const chi = "America/Chicago"
	day := everyDay("09:00-21:00")
	tests := []struct {
		name  string
		store *bopis.Store
		now   string // local wall time
		prep  int
		want  string // RFC 3339, or "none"
	}{
		{"mission: placed 23:00 with 60 prep is ready 10:00 next day, not midnight",
			testStore(chi, day), "2026-11-23 23:00", 60, "2026-11-24T10:00:00-06:00"},
		{"placed while open: ready prep later",
			testStore(chi, day), "2026-11-23 10:15", 60, "2026-11-23T11:15:00-06:00"},
		{"prep spills past close: started 20 min before closing, done 40 min after opening",
			testStore(chi, day), "2026-11-23 20:40", 60, "2026-11-24T09:40:00-06:00"},
		{"placed before opening: prep starts at the opening",
			testStore(chi, day), "2026-11-23 07:00", 60, "2026-11-23T10:00:00-06:00"},
		{"placed at the opening instant counts as open",
			testStore(chi, day), "2026-11-23 09:00", 60, "2026-11-23T10:00:00-06:00"},
		{"placed at the closing instant counts as closed",
			testStore(chi, day), "2026-11-23 21:00", 60, "2026-11-24T10:00:00-06:00"},
		{"zero prep while open: ready at once",
			testStore(chi, day), "2026-11-23 12:34", 0, "2026-11-23T12:34:00-06:00"},
		{"zero prep while closed: ready at the opening",
			testStore(chi, day), "2026-11-23 05:00", 0, "2026-11-23T09:00:00-06:00"},
		{"prep of several days counts open hours only (30h = 12h+12h+6h)",
			testStore(chi, day), "2026-11-23 09:00", 30 * 60, "2026-11-25T15:00:00-06:00"},
		{"cutoff: placed 59 min before close waits for the next opening",
			testStore(chi, day, withCutoff(60)), "2026-11-23 20:01", 30, "2026-11-24T09:30:00-06:00"},
		{"cutoff: placed exactly cutoff before close starts now (ready at the close)",
			testStore(chi, day, withCutoff(60)), "2026-11-23 20:00", 60, "2026-11-23T21:00:00-06:00"},
		{"cutoff: placed while closed starts at the next opening",
			testStore(chi, day, withCutoff(60)), "2026-11-23 23:00", 60, "2026-11-24T10:00:00-06:00"},
		{"cutoff: an opening shorter than the cutoff left is skipped even when placed while closed",
			testStore(chi, everyDay("09:00-09:30,12:00-18:00"), withCutoff(60)), "2026-11-23 08:50", 10, "2026-11-23T12:10:00-06:00"},
		{"cutoff counts to the end of the merged period, not to midnight",
			testStore(chi, everyDay("00:00-24:00"), withCutoff(120)), "2026-11-23 23:30", 60, "2026-11-24T00:30:00-06:00"},
		{"closed Sunday: Saturday evening order is ready Monday",
			testStore(chi, weekly("09:00-21:00", "09:00-21:00", "09:00-21:00", "09:00-21:00", "09:00-21:00", "09:00-21:00", "")),
			"2026-11-28 20:30", 60, "2026-11-30T09:30:00-06:00"},
		{"split day: prep pauses over the lunch break",
			testStore(chi, everyDay("09:00-12:00,13:00-18:00")), "2026-11-23 11:30", 60, "2026-11-23T13:30:00-06:00"},
		{"overnight opening: prep resumes at the next evening opening",
			testStore(chi, everyDay("22:00-02:00")), "2026-11-24 01:30", 60, "2026-11-24T22:30:00-06:00"},
		{"overnight opening merged with a 00:00 opening of the next day runs on",
			testStore(chi, weekly("00:00-06:00", "", "", "", "", "", "20:00-24:00")), "2026-11-29 23:30", 120, "2026-11-30T01:30:00-06:00"},
		{"Sunday overnight into Monday counts across the week boundary",
			testStore(chi, weekly("", "", "", "", "", "", "23:00-01:00")), "2026-11-29 23:30", 60, "2026-11-30T00:30:00-06:00"},
		{"blocked date: prep skips the whole date",
			testStore(chi, day, withSpecial(closedOn("2026-12-25"))), "2026-12-24 20:30", 60, "2026-12-26T09:30:00-06:00"},
		{"blocked date cuts the previous night's opening at midnight",
			testStore(chi, everyDay("20:00-04:00"), withSpecial(closedOn("2026-12-25"))), "2026-12-24 23:30", 60, "2026-12-26T20:30:00-06:00"},
		{"special hours replace the regular hours of the date",
			testStore(chi, day, withSpecial(specialOn("2026-12-24", "09:00-15:00"))), "2026-12-24 14:30", 60, "2026-12-25T09:30:00-06:00"},
		{"special hours open a regularly closed day",
			testStore(chi, weekly("09:00-17:00", "", "", "", "", "", ""), withSpecial(specialOn("2026-11-25", "10:00-14:00"))),
			"2026-11-24 08:00", 60, "2026-11-25T11:00:00-06:00"},
		{"never open: no ready time",
			testStore(chi, everyDay("")), "2026-11-23 10:00", 60, "none"},
		{"prep that cannot finish within 31 days: no ready time",
			testStore(chi, everyDay("09:00-10:00")), "2026-11-23 08:00", 40 * 60, "none"},
		{"no DST zone (Tokyo)",
			testStore("Asia/Tokyo", day), "2026-11-23 23:00", 60, "2026-11-24T10:00:00+09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := compile(t, tt.store)
			got, ok := sc.ReadyAt(local(t, sc, tt.now), tt.prep)
			if !ok {
				if tt.want != "none" {
					t.Fatalf("ReadyAt = none, want %s", tt.want)
				}
				return
			}
			if str(got) != tt.want {
				t.Errorf("ReadyAt = %s, want %s", str(got), tt.want)
			}
			if got.Location() != sc.Location() {
				t.Errorf("ReadyAt is in %v, want the store's zone", got.Location())
			}
		})
	}
}

func TestReadyAtRoundsSubSecondNowUp(t *testing.T) {
	sc := compile(t, testStore("America/Chicago", everyDay("09:00-21:00")))
	now := local(t, sc, "2026-11-23 10:00").Add(300 * 1e6) // 10:00:00.3
	got, _ := sc.ReadyAt(now, 0)
	if want := "2026-11-23T10:00:01-06:00"; str(got) != want {
		t.Errorf("ReadyAt = %s, want %s (never before now)", str(got), want)
	}
}

func TestPrepMinutes(t *testing.T) {
	tests := []struct {
		name   string
		store  int
		extras []int
		want   int
	}{
		{"no SKUs: store prep", 60, nil, 60},
		{"the largest SKU extra adds, not the sum", 60, []int{10, 30, 20}, 90},
		{"zero extras", 45, []int{0, 0}, 45},
		{"negative values count as zero", -5, []int{-10}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PrepMinutes(tt.store, tt.extras...); got != tt.want {
				t.Errorf("PrepMinutes(%d, %v) = %d, want %d", tt.store, tt.extras, got, tt.want)
			}
		})
	}
}

func TestReadyAtCountsSeconds(t *testing.T) {
	// Open until 09:14, again from 09:15: an order placed at 08:38:07 with
	// 36 minutes of prep has 35m53s before the gap and 7s after it.
	sc := compile(t, testStore("Asia/Kathmandu", everyDay("18:40-09:14,09:15-12:00"), withSlot(5)))
	now := local(t, sc, "2026-11-23 08:38").Add(7 * time.Second)
	got, _ := sc.ReadyAt(now, 36)
	if want := "2026-11-23T09:15:07+05:45"; str(got) != want {
		t.Errorf("ReadyAt = %s, want %s", str(got), want)
	}
	p := sc.Promise(now, 36, 1, nil)
	if want := "2026-11-23T09:20:00+05:45"; str(p.EarliestReadyAt) != want {
		t.Errorf("EarliestReadyAt = %s, want %s (the next slot after 09:15:07)", str(p.EarliestReadyAt), want)
	}
}
