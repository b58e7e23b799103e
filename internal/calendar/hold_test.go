package calendar

import (
	"testing"

	"github.com/bopis/bopis"
)

func TestHoldUntil(t *testing.T) {
	const chi = "America/Chicago"
	day := everyDay("09:00-21:00")
	noSunday := weekly("09:00-21:00", "09:00-21:00", "09:00-21:00", "09:00-21:00", "09:00-21:00", "09:00-21:00", "")
	tests := []struct {
		name  string
		store *bopis.Store
		ready string // local wall time
		want  string // RFC 3339 or "none"
	}{
		{"ready in the morning: the ready day is the first of 3 hold days",
			testStore(chi, day), "2026-11-23 10:00", "2026-11-25T21:00:00-06:00"},
		{"ready after closing: the ready day does not count",
			testStore(chi, day), "2026-11-23 21:30", "2026-11-26T21:00:00-06:00"},
		{"ready exactly at closing: the ready day does not count",
			testStore(chi, day), "2026-11-23 21:00", "2026-11-26T21:00:00-06:00"},
		{"ready before opening: the ready day counts",
			testStore(chi, day), "2026-11-23 06:00", "2026-11-25T21:00:00-06:00"},
		{"hold 1 day ends at the ready day's close",
			testStore(chi, day, withHold(1)), "2026-11-23 10:00", "2026-11-23T21:00:00-06:00"},
		{"a store closed on Sunday does not spend a hold day on Sunday",
			testStore(chi, noSunday), "2026-11-28 10:00", "2026-12-01T21:00:00-06:00"},
		{"a blocked date does not count",
			testStore(chi, day, withSpecial(closedOn("2026-12-25"))), "2026-12-24 10:00", "2026-12-27T21:00:00-06:00"},
		{"special hours set that day's closing time",
			testStore(chi, day, withHold(2), withSpecial(specialOn("2026-12-24", "09:00-15:00"))), "2026-12-23 10:00", "2026-12-24T15:00:00-06:00"},
		{"a split day closes at its last opening",
			testStore(chi, everyDay("09:00-12:00,14:00-18:00"), withHold(1)), "2026-11-23 10:00", "2026-11-23T18:00:00-06:00"},
		{"an overnight opening closes the next morning",
			testStore(chi, everyDay("22:00-02:00"), withHold(1)), "2026-11-23 23:00", "2026-11-24T02:00:00-06:00"},
		{"after midnight the running overnight opening still counts for the day it opened",
			testStore(chi, everyDay("22:00-02:00"), withHold(2)), "2026-11-24 01:00", "2026-11-25T02:00:00-06:00"},
		{"the early hours of a closed day are not a hold day of their own",
			testStore(chi, weekly("09:00-17:00", "09:00-17:00", "09:00-17:00", "09:00-17:00", "09:00-17:00", "20:00-02:00", ""), withHold(2)),
			"2026-11-28 21:00", "2026-11-30T17:00:00-06:00"},
		{"an overnight opening into a blocked date ends at its midnight",
			testStore(chi, everyDay("22:00-02:00"), withHold(1), withSpecial(closedOn("2026-12-25"))), "2026-12-24 23:00", "2026-12-25T00:00:00-06:00"},
		{"a store open one day a week holds for 3 weeks",
			testStore(chi, weekly("09:00-17:00", "", "", "", "", "", "")), "2026-11-23 10:00", "2026-12-07T17:00:00-06:00"},
		{"fewer open days than hold days: the last one found",
			testStore(chi, everyDay(""), withSpecial(specialOn("2026-11-23", "09:00-17:00"), specialOn("2026-11-24", "09:00-12:00"))),
			"2026-11-23 10:00", "2026-11-24T12:00:00-06:00"},
		{"never open: no hold",
			testStore(chi, everyDay("")), "2026-11-23 10:00", "none"},
		{"around the clock: each date closes at its own midnight",
			testStore(chi, everyDay("00:00-24:00"), withHold(2)), "2026-11-23 10:00", "2026-11-25T00:00:00-06:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := compile(t, tt.store)
			got, ok := sc.HoldUntil(local(t, sc, tt.ready))
			if !ok {
				if tt.want != "none" {
					t.Fatalf("HoldUntil = none, want %s", tt.want)
				}
				return
			}
			if str(got) != tt.want {
				t.Errorf("HoldUntil = %s, want %s", str(got), tt.want)
			}
		})
	}
}

func TestPromiseHoldUntil(t *testing.T) {
	sc := compile(t, testStore("America/Chicago", everyDay("09:00-21:00")))
	p := sc.Promise(local(t, sc, "2026-11-23 23:00"), 60, 7, nil)
	if str(p.HoldUntil) != "2026-11-26T21:00:00-06:00" {
		t.Errorf("hold for an order ready %s = %s, want 2026-11-26T21:00:00-06:00", str(p.EarliestReadyAt), str(p.HoldUntil))
	}
}
