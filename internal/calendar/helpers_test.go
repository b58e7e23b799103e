package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
)

// hours parses "09:00-12:00,13:00-18:00" into intervals; "" is a closed day.
func hours(spec string) []bopis.Interval {
	out := []bopis.Interval{}
	if spec == "" {
		return out
	}
	for _, part := range strings.Split(spec, ",") {
		open, close, _ := strings.Cut(part, "-")
		out = append(out, bopis.Interval{Open: open, Close: close})
	}
	return out
}

// everyDay is the same hours on all seven weekdays.
func everyDay(spec string) bopis.WeeklyHours {
	return weekly(spec, spec, spec, spec, spec, spec, spec)
}

// weekly takes Monday to Sunday.
func weekly(mon, tue, wed, thu, fri, sat, sun string) bopis.WeeklyHours {
	return bopis.WeeklyHours{
		Monday: hours(mon), Tuesday: hours(tue), Wednesday: hours(wed), Thursday: hours(thu),
		Friday: hours(fri), Saturday: hours(sat), Sunday: hours(sun),
	}
}

func closedOn(date string) bopis.SpecialHours { return bopis.SpecialHours{Date: date, Closed: true} }

func specialOn(date, spec string) bopis.SpecialHours {
	return bopis.SpecialHours{Date: date, Intervals: hours(spec)}
}

// testStore is a valid store in tz with the given hours: prep 60, no
// cutoff, hold 3 days, 60-minute slots of capacity 20. mods adjust it.
func testStore(tz string, h bopis.WeeklyHours, mods ...func(*bopis.Store)) *bopis.Store {
	s := &bopis.Store{
		ID: "s-test", Name: "Test", Type: bopis.StoreTypeStore, Active: true, TimeZone: tz,
		Hours: h, PickupMethods: []bopis.PickupMethod{bopis.PickupInStore},
		PrepMinutes: 60, HoldDays: 3, SlotMinutes: 60, SlotCapacity: 20,
	}
	for _, m := range mods {
		m(s)
	}
	return s
}

func withCutoff(m int) func(*bopis.Store)   { return func(s *bopis.Store) { s.CutoffMinutes = m } }
func withSlot(m int) func(*bopis.Store)     { return func(s *bopis.Store) { s.SlotMinutes = m } }
func withCapacity(n int) func(*bopis.Store) { return func(s *bopis.Store) { s.SlotCapacity = n } }
func withHold(n int) func(*bopis.Store)     { return func(s *bopis.Store) { s.HoldDays = n } }
func withSpecial(sh ...bopis.SpecialHours) func(*bopis.Store) {
	return func(s *bopis.Store) { s.SpecialHours = append(s.SpecialHours, sh...) }
}

// compile validates the store (tests only use valid stores) and compiles it.
func compile(t testing.TB, s *bopis.Store) *Schedule {
	t.Helper()
	if err := s.Validate(); err != nil {
		t.Fatalf("test store is invalid: %v", err)
	}
	sc, err := Compile(s)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return sc
}

// local reads "2006-01-02 15:04" as a wall time in the schedule's zone. Use
// it only for wall times that exist once; for DST edges use offsetTime.
func local(t testing.TB, sc *Schedule, wall string) time.Time {
	t.Helper()
	w, err := time.Parse("2006-01-02 15:04", wall)
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), 0, 0, sc.Location())
}

// rfc reads an RFC 3339 time, for instants on DST edges.
func rfc(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func str(t time.Time) string {
	if t.IsZero() {
		return "zero"
	}
	return t.Format(time.RFC3339)
}

// slotStrings renders slots as "start/end" in RFC 3339.
func slotStrings(slots []Slot) []string {
	out := make([]string, len(slots))
	for i, s := range slots {
		out[i] = str(s.Start) + "/" + str(s.End)
	}
	return out
}

// startsOn lists the wall clock "15:04" of the slots starting on the local
// date (YYYY-MM-DD).
func startsOn(slots []Slot, date string) []string {
	var out []string
	for _, s := range slots {
		if s.Start.Format(time.DateOnly) == date {
			out = append(out, s.Start.Format("15:04"))
		}
	}
	return out
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
