package calendar

import (
	"fmt"
	"sort"
	"time"

	"github.com/bopis/bopis"
)

// Horizons. Every loop of the package is bounded by one of them, so a store
// that is never open costs a bounded amount of work and gets "no pickup".
const (
	// MaxDays is the longest calendar a Promise lists, in local days, and
	// the furthest ahead (from the local date of now) that ReadyAt looks
	// and that CheckSlot accepts a slot.
	MaxDays = 31
	// MaxHoldScanDays is how far HoldUntil looks for the open days of a
	// hold: a store open once a week needs 7*MaxHoldDays days.
	MaxHoldScanDays = 366
)

// ivl is one opening of a day in minutes from that day's midnight; close
// exceeds 1440 when it runs past midnight.
type ivl struct{ open, close int64 }

// dayHours are the openings of one local date.
type dayHours struct {
	closed bool // a blocked date (special hours "closed": true)
	ivs    []ivl
}

// Schedule is a store's hours compiled for many queries: the time zone
// loaded, every interval parsed, special dates indexed by local day. It is
// immutable once compiled and safe for concurrent use.
type Schedule struct {
	loc      *time.Location
	noPickup string // non-empty when the store never offers pickup

	weekly  [7][]ivl           // by time.Weekday
	special map[int64]dayHours // by local day number (days since 1970-01-01)

	prepMinutes int
	cutoff      int64 // seconds
	holdDays    int
	slotLen     int64 // seconds
	capacity    int
}

// Compile parses a store's hours once for many queries. It checks what the
// calendar relies on (time zone, intervals, special dates, slot length,
// hold days and the other bounds of Store.Validate) and returns an EINVALID
// *bopis.Error naming the field at fault.
//
// A warehouse or an inactive store compiles; its promises say "no pickup".
func Compile(s *bopis.Store) (*Schedule, error) {
	if s == nil {
		return nil, bopis.Errorf(bopis.EINVALID, "no store to compile")
	}
	var bad []bopis.FieldError
	fail := func(path, format string, args ...any) {
		bad = append(bad, bopis.FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	sc := &Schedule{
		prepMinutes: s.PrepMinutes,
		cutoff:      int64(s.CutoffMinutes) * 60,
		holdDays:    s.HoldDays,
		slotLen:     int64(s.SlotMinutes) * 60,
		capacity:    s.SlotCapacity,
	}
	switch {
	case s.Type != bopis.StoreTypeStore:
		sc.noPickup = fmt.Sprintf("%s is a %s, which does not offer pickup", s.ID, s.Type)
	case !s.Active:
		sc.noPickup = fmt.Sprintf("%s is not active", s.ID)
	}

	if s.TimeZone == "" || s.TimeZone == "Local" {
		fail("time_zone", "must be an IANA time zone such as America/Chicago")
	} else if loc, err := time.LoadLocation(s.TimeZone); err != nil {
		fail("time_zone", "%q is not an IANA time zone", s.TimeZone)
	} else {
		sc.loc = loc
	}

	for _, d := range [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		ivs, err := parseIntervals(s.Hours.Day(d))
		if err != nil {
			fail("hours."+lower(d), "%v", err)
		}
		sc.weekly[d] = ivs
	}

	if len(s.SpecialHours) > bopis.MaxSpecialHours {
		fail("special_hours", "at most %d dates", bopis.MaxSpecialHours)
	}
	sc.special = make(map[int64]dayHours, len(s.SpecialHours))
	for i, sh := range s.SpecialHours {
		path := fmt.Sprintf("special_hours[%d]", i)
		date, err := time.Parse(time.DateOnly, sh.Date)
		if err != nil {
			fail(path+".date", "%q is not a date in YYYY-MM-DD", sh.Date)
			continue
		}
		day := floorDiv(date.Unix(), secondsPerDay)
		if _, dup := sc.special[day]; dup {
			fail(path+".date", "%s is given twice", sh.Date)
			continue
		}
		if sh.Closed {
			if len(sh.Intervals) > 0 {
				fail(path+".intervals", "a closed date has no intervals")
			}
			sc.special[day] = dayHours{closed: true}
			continue
		}
		ivs, err := parseIntervals(sh.Intervals)
		if err != nil {
			fail(path+".intervals", "%v", err)
		}
		// An open special date with no interval would silently block the
		// date; Store.Validate refuses it and so do we.
		if len(sh.Intervals) == 0 {
			fail(path+".intervals", "give the date's openings, or closed: true to block it")
		}
		sc.special[day] = dayHours{ivs: ivs}
	}

	inRange := func(path string, n, lo, hi int) {
		if n < lo || n > hi {
			fail(path, "must be between %d and %d", lo, hi)
		}
	}
	inRange("prep_minutes", s.PrepMinutes, 0, bopis.MaxPrepMinutes)
	inRange("cutoff_minutes", s.CutoffMinutes, 0, bopis.MaxCutoffMinutes)
	inRange("hold_days", s.HoldDays, 1, bopis.MaxHoldDays)
	inRange("slot_minutes", s.SlotMinutes, bopis.MinSlotMinutes, bopis.MaxSlotMinutes)
	inRange("slot_capacity", s.SlotCapacity, 0, bopis.MaxSlotCapacity)

	if len(bad) > 0 {
		return nil, &bopis.Error{Code: bopis.EINVALID, Message: "store hours cannot be compiled", Fields: bad}
	}
	return sc, nil
}

// parseIntervals parses a day's openings, sorted by opening time.
func parseIntervals(list []bopis.Interval) ([]ivl, error) {
	out := make([]ivl, 0, len(list))
	for i, iv := range list {
		open, close, err := iv.Minutes()
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out = append(out, ivl{int64(open), int64(close)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].open < out[j].open })
	return out, nil
}

func lower(d time.Weekday) string {
	n := d.String()
	return string(n[0]+'a'-'A') + n[1:]
}

// Location returns the store's time zone; every time the Schedule returns
// is in it.
func (sc *Schedule) Location() *time.Location { return sc.loc }

// StorePrepMinutes returns the store's own prep time, to combine with the
// cart's SKUs through PrepMinutes.
func (sc *Schedule) StorePrepMinutes() int { return sc.prepMinutes }

// NoPickupReason says why the store never offers pickup (a warehouse, an
// inactive store), or is empty.
func (sc *Schedule) NoPickupReason() string { return sc.noPickup }

// hours returns the openings of local day d: its special hours if it has
// any, else its weekday's (bopis.Store.HoursOn's rule, on the compiled
// index: the promise asks it for every day it looks at).
func (sc *Schedule) hours(d int64) dayHours {
	if len(sc.special) > 0 {
		if h, ok := sc.special[d]; ok {
			return h
		}
	}
	return dayHours{ivs: sc.weekly[weekday(d)]}
}

// blocked reports whether local day d is closed by special hours.
func (sc *Schedule) blocked(d int64) bool {
	if len(sc.special) == 0 {
		return false
	}
	h, ok := sc.special[d]
	return ok && h.closed
}

// weekday of local day d (1970-01-01 was a Thursday).
func weekday(d int64) time.Weekday {
	return time.Weekday(((d+4)%7 + 7) % 7)
}

// PrepMinutes is the prep time of a cart: the store's prep plus the largest
// extra prep of the cart's SKUs (the SKUs are prepared side by side, so
// only the slowest one adds). Negative values count as zero.
func PrepMinutes(storePrep int, skuExtras ...int) int {
	extra := 0
	for _, e := range skuExtras {
		extra = max(extra, e)
	}
	return max(storePrep, 0) + extra
}
