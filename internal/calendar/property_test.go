package calendar

import (
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"pgregory.net/rapid"
)

// The properties below compare the engine with a reference model written
// the slow, obvious way: wall times become instants by scanning minute by
// minute, prep is counted minute by minute, slots are enumerated one by
// one. It shares no code with the engine.

var propertyZones = []string{
	"America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Tokyo", "America/Phoenix",
	"America/Santiago", // DST at midnight: some days have no 00:00
	"Europe/Dublin",    // negative DST in the tz database
	"America/Havana",   // DST at midnight
	"Pacific/Chatham",  // +12:45/+13:45
	"Asia/Kathmandu",   // +05:45
	"UTC",
}

// ---- generators ----

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// drawLength draws an opening length in minutes, often a round one.
func drawLength(t *rapid.T, label string, maxLen int) int {
	if rapid.Bool().Draw(t, label+" round") {
		return min(maxLen, 30*rapid.IntRange(1, 48).Draw(t, label+" halfhours"))
	}
	return rapid.IntRange(1, maxLen).Draw(t, label)
}

// interval renders an opening at minute o of its day lasting n minutes
// (n <= 1439, or 1440 from 00:00), choosing between the two spellings of a
// close at midnight.
func interval(t *rapid.T, o, n int) bopis.Interval {
	c := (o + n) % 1440
	close := clock(c)
	if o+n == 1440 && rapid.Bool().Draw(t, "spell midnight 24:00") {
		close = "24:00"
	}
	if n == 1440 {
		close = "24:00"
	}
	return bopis.Interval{Open: clock(o), Close: close}
}

// drawWeek walks along the week placing openings with random gaps, so the
// result never overlaps, including Sunday night into Monday.
func drawWeek(t *rapid.T) bopis.WeeklyHours {
	days := [7][]bopis.Interval{}
	for i := range days {
		days[i] = []bopis.Interval{}
	}
	const week = 7 * 1440
	switch rapid.IntRange(0, 9).Draw(t, "week kind") {
	case 0: // around the clock
		for i := range days {
			days[i] = append(days[i], bopis.Interval{Open: "00:00", Close: "24:00"})
		}
	case 1: // never open
	case 2, 3: // the same daytime hours each day, some days closed
		o := 15 * rapid.IntRange(0, 60).Draw(t, "open quarter")
		n := 15 * rapid.IntRange(1, (1440-o)/15).Draw(t, "length quarters")
		for i := range days {
			if rapid.IntRange(0, 6).Draw(t, "closed day") > 0 {
				days[i] = append(days[i], interval(t, o, n))
			}
		}
	default: // a random walk, with overnight openings
		first := rapid.IntRange(0, 1439).Draw(t, "first opening")
		p := first
		for k := 0; k < 12 && p < week; k++ {
			o := p % 1440
			maxLen := 1439
			if o == 0 {
				maxLen = 1440
			}
			maxLen = min(maxLen, week+first-p) // not into the first opening
			if maxLen < 1 {
				break
			}
			n := drawLength(t, "length", maxLen)
			days[p/1440] = append(days[p/1440], interval(t, o, n))
			p += n
			if rapid.IntRange(0, 4).Draw(t, "adjacent") == 0 {
				continue // the next opening starts where this one ends
			}
			p += rapid.IntRange(1, 2*1440).Draw(t, "gap")
		}
	}
	// Index 0 is Monday.
	return bopis.WeeklyHours{Monday: days[0], Tuesday: days[1], Wednesday: days[2], Thursday: days[3],
		Friday: days[4], Saturday: days[5], Sunday: days[6]}
}

// drawDay draws the openings of one special date.
func drawDay(t *rapid.T) []bopis.Interval {
	var out []bopis.Interval
	p := rapid.IntRange(0, 1439).Draw(t, "special first")
	for k := 0; k < 3 && p < 1440; k++ {
		maxLen := 1439
		if p == 0 {
			maxLen = 1440
		}
		n := drawLength(t, "special length", maxLen)
		out = append(out, interval(t, p, n))
		p += n + rapid.IntRange(0, 600).Draw(t, "special gap")
	}
	return out
}

// drawNow draws a whole-minute instant, often close to a DST change.
func drawNow(t *rapid.T, loc *time.Location) time.Time {
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rapid.IntRange(0, 16*365*1440).Draw(t, "minute since 2020")) * time.Minute)
	if rapid.IntRange(0, 9).Draw(t, "near DST") < 4 {
		if _, end := base.In(loc).ZoneBounds(); !end.IsZero() {
			base = end.Add(time.Duration(rapid.IntRange(-48*60, 24*60).Draw(t, "minutes from change")) * time.Minute)
		}
	}
	// Whole minutes keep the minute-by-minute reference exact (Go reports a
	// zone boundary at 03:14:07 UTC on 2038-01-19 in some zones); the
	// engine's handling of seconds is covered by table tests. UTC because
	// the engine must not care about now's zone.
	return base.Truncate(time.Minute).In(time.UTC)
}

type propCase struct {
	store *bopis.Store
	loc   *time.Location
	now   time.Time
	prep  int
	days  int
}

func drawCase(t *rapid.T) propCase {
	tz := rapid.SampledFrom(propertyZones).Draw(t, "zone")
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	now := drawNow(t, loc)
	days := rapid.IntRange(1, 4).Draw(t, "days")
	s := &bopis.Store{
		ID: "s-prop", Name: "Prop", Type: bopis.StoreTypeStore, Active: true, TimeZone: tz,
		Hours:         drawWeek(t),
		PickupMethods: []bopis.PickupMethod{bopis.PickupCurbside},
		PrepMinutes:   rapid.IntRange(0, 240).Draw(t, "store prep"),
		CutoffMinutes: rapid.SampledFrom([]int{0, 0, 15, 30, 60, 120, 600, 1440}).Draw(t, "cutoff"),
		HoldDays:      rapid.IntRange(1, 5).Draw(t, "hold days"),
		SlotMinutes:   rapid.SampledFrom([]int{5, 15, 30, 45, 50, 60, 60, 90, 120, 240, 1440}).Draw(t, "slot minutes"),
		SlotCapacity:  rapid.IntRange(0, 4).Draw(t, "capacity"),
	}
	// Special dates around the horizon, seen from the store's zone.
	today := now.In(loc)
	used := map[string]bool{}
	for k := rapid.IntRange(0, 4).Draw(t, "special dates"); k > 0; k-- {
		d := today.AddDate(0, 0, rapid.IntRange(-2, days+3).Draw(t, "special offset")).Format(time.DateOnly)
		if used[d] {
			continue
		}
		used[d] = true
		if rapid.Bool().Draw(t, "blocked") {
			s.SpecialHours = append(s.SpecialHours, closedOn(d))
		} else {
			s.SpecialHours = append(s.SpecialHours, bopis.SpecialHours{Date: d, Intervals: drawDay(t)})
		}
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("generator made an invalid store: %v", err)
	}
	prep := PrepMinutes(s.PrepMinutes, rapid.SliceOfN(rapid.IntRange(0, 120), 0, 3).Draw(t, "sku extras")...)
	if rapid.IntRange(0, 9).Draw(t, "long prep") == 0 {
		prep = rapid.IntRange(0, 4*1440).Draw(t, "prep")
	}
	return propCase{store: s, loc: loc, now: now, prep: prep, days: days}
}

// ---- reference model ----

type refPeriod struct{ start, end int64 }

type refModel struct {
	loc     *time.Location
	s       *bopis.Store
	special map[string]bopis.SpecialHours
}

func newRef(s *bopis.Store, loc *time.Location) *refModel {
	m := &refModel{loc: loc, s: s, special: map[string]bopis.SpecialHours{}}
	for _, sh := range s.SpecialHours {
		m.special[sh.Date] = sh
	}
	return m
}

func (m *refModel) wall(t int64) int64 {
	_, off := time.Unix(t, 0).In(m.loc).Zone()
	return t + int64(off)
}

// instant is the first instant whose wall reading is date+minute or later,
// found by scanning minutes around time.Date's guess.
func (m *refModel) instant(date time.Time, minute int) int64 {
	u := time.Date(date.Year(), date.Month(), date.Day(), 0, minute, 0, 0, time.UTC).Unix()
	t0 := time.Date(date.Year(), date.Month(), date.Day(), 0, minute, 0, 0, m.loc).Unix()
	const h3 = 3 * 3600
	if m.wall(t0) == u && m.wall(t0-h3) == u-h3 && m.wall(t0+h3) == u+h3 {
		return t0 // no offset change within three hours: the reading exists once
	}
	for t := t0 - h3; t <= t0+h3; t += 60 {
		if m.wall(t) >= u {
			return t
		}
	}
	panic("reference instant not found")
}

// date returns the local date of day offset k from the date of now.
func day(base time.Time, k int) time.Time {
	return time.Date(base.Year(), base.Month(), base.Day()+k, 0, 0, 0, 0, time.UTC)
}

func (m *refModel) hoursOf(d time.Time) (ivs []bopis.Interval, blocked bool) {
	if sh, ok := m.special[d.Format(time.DateOnly)]; ok {
		return sh.Intervals, sh.Closed
	}
	return m.s.Hours.Day(d.Weekday()), false
}

func (m *refModel) blocked(d time.Time) bool {
	_, b := m.hoursOf(d)
	return b
}

// openings returns the instants of the own openings of date d, cut at the
// midnight of a blocked next date; empty ones dropped.
func (m *refModel) openings(d time.Time) []refPeriod {
	ivs, blocked := m.hoursOf(d)
	if blocked {
		return nil
	}
	var out []refPeriod
	for _, iv := range ivs {
		o, c, err := iv.Minutes()
		if err != nil {
			panic(err)
		}
		s, e := m.instant(d, o), m.instant(d, c)
		if next := d.AddDate(0, 0, 1); c > 1440 && m.blocked(next) {
			e = min(e, m.instant(next, 0))
		}
		if s < e {
			out = append(out, refPeriod{s, e})
		}
	}
	return out
}

// periods merges the openings of dates base+from .. base+to.
func (m *refModel) periods(base time.Time, from, to int) []refPeriod {
	var all []refPeriod
	for k := from; k <= to; k++ {
		all = append(all, m.openings(day(base, k))...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].start < all[j].start })
	var out []refPeriod
	for _, p := range all {
		if n := len(out); n > 0 && p.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, p.end)
			continue
		}
		out = append(out, p)
	}
	return out
}

func within(ps []refPeriod, start, end int64) bool {
	for _, p := range ps {
		if p.start <= start && end <= p.end {
			return true
		}
	}
	return false
}

func isOpen(ps []refPeriod, t int64) bool { return within(ps, t, t+1) }

// ready counts prep minute by minute; false if not done before limit.
func (m *refModel) ready(ps []refPeriod, now int64, prep int, limit int64) (int64, bool) {
	start := int64(-1)
	for _, p := range ps {
		if p.end > now && p.end-now >= int64(m.s.CutoffMinutes)*60 {
			start = max(p.start, now)
			break
		}
	}
	if start < 0 || start >= limit {
		return 0, false
	}
	t := start
	for left := prep; left > 0; t += 60 {
		if t >= limit {
			return 0, false
		}
		if isOpen(ps, t) {
			left--
		}
	}
	return t, t < limit
}

type refSlot struct{ start, end int64 }

// slots enumerates the grid of every period: from the period's opening,
// restarting at each midnight whose previous midnight the store was
// already open at.
func (m *refModel) slots(ps []refPeriod, base time.Time, from, to int, lo, hi int64) []refSlot {
	L := int64(m.s.SlotMinutes) * 60
	var mids []int64
	for k := from; k <= to+3; k++ {
		mids = append(mids, m.instant(day(base, k), 0))
	}
	var out []refSlot
	for _, p := range ps {
		anchors := []int64{p.start}
		for i := 1; i < len(mids); i++ {
			if mids[i] > p.start && mids[i] < p.end && mids[i-1] >= p.start && mids[i] > anchors[len(anchors)-1] {
				anchors = append(anchors, mids[i])
			}
		}
		for i, a := range anchors {
			stop := p.end
			if i+1 < len(anchors) {
				stop = anchors[i+1]
			}
			for s := a; s < stop; s += L {
				if s >= lo && s < hi {
					out = append(out, refSlot{s, min(s+L, stop)})
				}
			}
		}
	}
	return out
}

// ---- properties ----

// TestPropertyPromise checks the engine against the reference model on
// random stores, instants, prep times and bookings.
func TestPropertyPromise(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := drawCase(t)
		sc, err := Compile(c.store)
		if err != nil {
			t.Fatalf("Compile: %v", err)
		}
		ref := newRef(c.store, c.loc)
		nowLocal := c.now.In(c.loc)
		base := day(nowLocal, 0)
		ps := ref.periods(base, -3, c.days+3)
		// Often move now onto a boundary: an opening, a closing, or exactly
		// the cutoff before a closing, give or take a minute.
		if len(ps) > 0 && rapid.IntRange(0, 9).Draw(t, "boundary now") < 4 {
			p := ps[rapid.IntRange(0, len(ps)-1).Draw(t, "boundary period")]
			at := rapid.SampledFrom([]int64{p.start, p.end, p.end - int64(c.store.CutoffMinutes)*60}).Draw(t, "boundary")
			c.now = time.Unix(at+60*int64(rapid.IntRange(-1, 1).Draw(t, "boundary minute")), 0).UTC()
			nowLocal = c.now.In(c.loc)
			base = day(nowLocal, 0)
			ps = ref.periods(base, -3, c.days+3)
		}
		lo, hi := ref.instant(base, 0), ref.instant(day(base, c.days), 0)
		now := c.now.Unix()
		refReady, refOK := ref.ready(ps, now, c.prep, hi)

		// Bookings on some slots of the reference grid.
		grid := ref.slots(ps, base, -3, c.days+3, lo, hi)
		booked := Booked{}
		if len(grid) > 0 {
			for k := rapid.IntRange(0, 6).Draw(t, "bookings"); k > 0; k-- {
				s := grid[rapid.IntRange(0, len(grid)-1).Draw(t, "booked slot")]
				booked[s.start] = rapid.IntRange(0, c.store.SlotCapacity+1).Draw(t, "booked count")
			}
		}

		p := sc.Promise(c.now, c.prep, c.days, booked)

		// The offered slots are exactly the reference slots from prep
		// completion on that have room.
		var want []refSlot
		if refOK {
			for _, s := range grid {
				if s.start >= refReady && (c.store.SlotCapacity == 0 || booked[s.start] < c.store.SlotCapacity) {
					want = append(want, s)
				}
			}
		}
		if len(p.Slots) != len(want) {
			t.Fatalf("%d slots, reference has %d\n got %v\nwant %v\nreason %q", len(p.Slots), len(want), slotStrings(p.Slots), refStrings(want, c.loc), p.NoPickupReason)
		}
		for i, s := range p.Slots {
			if s.Start.Unix() != want[i].start || s.End.Unix() != want[i].end {
				t.Fatalf("slot %d = %s/%s, reference %s", i, str(s.Start), str(s.End), refStrings(want[i:i+1], c.loc)[0])
			}
		}

		if len(p.Slots) == 0 {
			if p.NoPickupReason == "" || !p.EarliestReadyAt.IsZero() || !p.HoldUntil.IsZero() {
				t.Fatalf("no slots but reason %q, earliest %s, hold %s", p.NoPickupReason, str(p.EarliestReadyAt), str(p.HoldUntil))
			}
		} else {
			if p.NoPickupReason != "" {
				t.Fatalf("slots and a no-pickup reason %q", p.NoPickupReason)
			}
			if !p.EarliestReadyAt.Equal(p.Slots[0].Start) {
				t.Fatalf("earliest %s is not the first slot %s", str(p.EarliestReadyAt), str(p.Slots[0].Start))
			}
			// Earliest ready is no earlier than now plus prep in open time.
			if !refOK || p.EarliestReadyAt.Unix() < refReady || p.EarliestReadyAt.Before(c.now) {
				t.Fatalf("earliest %s before prep completion %s (now %s)", str(p.EarliestReadyAt), str(time.Unix(refReady, 0).In(c.loc)), str(nowLocal))
			}
		}

		blockedDate := func(x time.Time) bool { return ref.blocked(day(x.In(c.loc), 0)) }
		for i, s := range p.Slots {
			if s.Start.Location() != sc.Location() || s.End.Location() != sc.Location() {
				t.Fatalf("slot %s not in the store's zone", str(s.Start))
			}
			if !s.Start.Before(s.End) || (i > 0 && s.Start.Before(p.Slots[i-1].End)) {
				t.Fatalf("slots not increasing and disjoint at %d: %v", i, slotStrings(p.Slots))
			}
			if !within(ps, s.Start.Unix(), s.End.Unix()) {
				t.Fatalf("slot %s/%s is not inside an open period", str(s.Start), str(s.End))
			}
			if blockedDate(s.Start) || blockedDate(s.End.Add(-time.Second)) {
				t.Fatalf("slot %s/%s falls on a blocked date", str(s.Start), str(s.End))
			}
			if s.Start.Unix() < lo || s.Start.Unix() >= hi {
				t.Fatalf("slot %s outside the %d requested days", str(s.Start), c.days)
			}
			switch cap := c.store.SlotCapacity; {
			case cap == 0 && (s.Capacity != 0 || s.Remaining != -1):
				t.Fatalf("unlimited slot %s has capacity %d remaining %d", str(s.Start), s.Capacity, s.Remaining)
			case cap > 0 && (s.Remaining <= 0 || s.Remaining != cap-booked[s.Start.Unix()] || s.Capacity != cap):
				t.Fatalf("slot %s remaining %d of %d with %d booked", str(s.Start), s.Remaining, s.Capacity, booked[s.Start.Unix()])
			}
		}

		// ReadyAt is exactly the minute-by-minute prep count.
		if refOK {
			r, ok := sc.ReadyAt(c.now, c.prep)
			if !ok || r.Unix() != refReady {
				t.Fatalf("ReadyAt = %s %v, reference %s", str(r), ok, str(time.Unix(refReady, 0).In(c.loc)))
			}
		}

		if len(p.Slots) == 0 {
			return
		}
		// The hold ends at a closing, after the earliest ready time, not on a
		// blocked date, and matches a day-by-day count.
		h := p.HoldUntil
		if h.Location() != sc.Location() || !h.After(p.EarliestReadyAt) {
			t.Fatalf("hold %s not after earliest %s", str(h), str(p.EarliestReadyAt))
		}
		wide := ref.periods(base, -3, c.days+40)
		if !isOpen(wide, h.Unix()-1) || blockedDate(h.Add(-time.Second)) {
			t.Fatalf("hold %s is not the end of open time", str(h))
		}
		if want, ok := ref.hold(day(p.EarliestReadyAt, 0), p.EarliestReadyAt.Unix(), 40); ok && h.Unix() != want {
			t.Fatalf("hold %s, reference %s", str(h), str(time.Unix(want, 0).In(c.loc)))
		}

		// Every offered slot passes CheckSlot, and a full one is refused.
		for _, i := range []int{0, len(p.Slots) / 2, len(p.Slots) - 1} {
			s := p.Slots[i]
			if err := sc.CheckSlot(c.now, c.prep, s.Start, booked); err != nil {
				t.Fatalf("offered slot %s refused: %v", str(s.Start), err)
			}
			if c.store.SlotCapacity > 0 {
				full := Booked{s.Start.Unix(): c.store.SlotCapacity}
				if err := sc.CheckSlot(c.now, c.prep, s.Start, full); !errors.Is(err, ErrSlotFull) {
					t.Fatalf("full slot %s: %v", str(s.Start), err)
				}
			}
		}
	})
}

// hold counts open days from the local date before ready's, at most scan
// days; false when it found fewer than HoldDays (the engine then looks
// further).
func (m *refModel) hold(readyDate time.Time, ready int64, scan int) (int64, bool) {
	count := 0
	for k := -1; k <= scan; k++ {
		var closing int64
		for _, o := range m.openings(day(readyDate, k)) {
			closing = max(closing, o.end)
		}
		if closing > ready {
			count++
			if count == m.s.HoldDays {
				return closing, true
			}
		}
	}
	return 0, false
}

func refStrings(slots []refSlot, loc *time.Location) []string {
	out := make([]string, len(slots))
	for i, s := range slots {
		out[i] = str(time.Unix(s.start, 0).In(loc)) + "/" + str(time.Unix(s.end, 0).In(loc))
	}
	return out
}

// TestPropertyNeverOpen: a store with no open time anywhere answers no
// pickup quickly from every entry point, whatever the other settings.
func TestPropertyNeverOpen(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tz := rapid.SampledFrom(propertyZones).Draw(t, "zone")
		s := testStore(tz, everyDay(""), withHold(rapid.IntRange(1, 30).Draw(t, "hold")))
		if rapid.Bool().Draw(t, "open hours but all blocked") {
			s.Hours = everyDay("09:00-17:00")
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := 0; i < 40; i++ {
				s.SpecialHours = append(s.SpecialHours, closedOn(start.AddDate(0, 0, i).Format(time.DateOnly)))
			}
		}
		sc, err := Compile(s)
		if err != nil {
			t.Fatal(err)
		}
		loc := sc.Location()
		now := time.Date(2026, 1, 3, 0, rapid.IntRange(0, 1440).Draw(t, "minute"), 0, 0, loc)
		days := rapid.IntRange(-5, 100).Draw(t, "days")
		prep := rapid.IntRange(-10, 1<<40).Draw(t, "prep")
		p := sc.Promise(now, prep, days, nil)
		if p.NoPickupReason == "" || len(p.Slots) > 0 || !p.EarliestReadyAt.IsZero() {
			t.Fatalf("never-open store promised %+v", p)
		}
		if _, ok := sc.ReadyAt(now, prep); ok {
			t.Fatal("ReadyAt found a time")
		}
		if err := sc.CheckSlot(now, prep, now.Add(time.Hour), nil); err == nil {
			t.Fatal("CheckSlot accepted a slot")
		}
		// With no hours at all there is nothing to hold until; the blocked
		// variant opens again after its 40 blocked days.
		if _, ok := sc.HoldUntil(now); ok != (len(s.SpecialHours) > 0) {
			t.Fatalf("HoldUntil found a closing: %v, want %v", ok, len(s.SpecialHours) > 0)
		}
	})
}
