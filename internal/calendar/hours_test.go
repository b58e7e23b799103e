package calendar

import (
	"reflect"
	"testing"
	"time"
)

// The compiled schedule knows each date's hours by the rule the pages and
// messages show them by (bopis.Store.HoursOn): special hours replace the
// weekday's, a closed date has none.
func TestScheduleHoursAreStoreHoursOn(t *testing.T) {
	s := testStore("America/New_York", weekly("09:00-12:00,13:00-18:00", "", "22:00-02:00", "09:00-21:00", "", "10:00-16:00", ""),
		withSpecial(closedOn("2026-12-25"), specialOn("2026-12-24", "08:00-14:00"), specialOn("2026-12-27", "12:00-17:00"),
			closedOn("2027-01-01")))
	sc := compile(t, s)
	first := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i := range 62 {
		date := first.AddDate(0, 0, i)
		at := time.Date(date.Year(), date.Month(), date.Day(), 23, 30, 0, 0, sc.Location()) // another date in UTC
		ivs, special := s.HoursOn(at)
		want, err := parseIntervals(ivs)
		if err != nil {
			t.Fatal(err)
		}
		got := sc.hours(floorDiv(date.Unix(), secondsPerDay))
		if closed := special != nil && special.Closed; got.closed != closed || len(got.ivs)+len(want) > 0 && !reflect.DeepEqual(got.ivs, want) {
			t.Errorf("%s: compiled %+v, HoursOn %v (special %v)", date.Format(time.DateOnly), got, ivs, special)
		}
	}
}
