package calendar

import (
	"fmt"
	"time"
)

// Booked counts the bookings already taken per slot, keyed by the slot's
// start in Unix seconds.
type Booked map[int64]int

// Slot is a pickup window. Capacity 0 means unlimited, and then Remaining is
// -1; otherwise Remaining is Capacity minus the bookings taken.
type Slot struct {
	Start, End          time.Time
	Capacity, Remaining int
}

// Promise is what the store can promise an order placed now.
type Promise struct {
	// EarliestReadyAt is the start of the first offered slot; zero when
	// there is no pickup.
	EarliestReadyAt time.Time
	// Slots are the offered slots in time order: each starts at or after
	// prep completion and has room.
	Slots []Slot
	// HoldUntil is when an order ready at EarliestReadyAt stops being held.
	HoldUntil time.Time
	// NoPickupReason is set, and everything else zero, when there is no
	// pickup in the horizon.
	NoPickupReason string
}

// maxPrepSeconds caps a prep time so arithmetic cannot overflow; anything
// longer cannot complete within MaxDays anyway.
const maxPrepSeconds = (MaxDays + 2) * secondsPerDay

func prepSeconds(prepMinutes int) int64 {
	return min(int64(max(prepMinutes, 0))*60, maxPrepSeconds)
}

// unixCeil is t in whole Unix seconds, rounded up so that "not before now"
// stays true.
func unixCeil(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

func (sc *Schedule) at(sec int64) time.Time { return time.Unix(sec, 0).In(sc.loc) }

// Promise lists what the store promises an order placed at now that needs
// prepMinutes of prep (see PrepMinutes): the slots of the days local days
// starting at now's local date (days is clamped to 1..MaxDays), the
// earliest ready time, and the hold deadline for an order ready then.
func (sc *Schedule) Promise(now time.Time, prepMinutes, days int, booked Booked) Promise {
	if sc.noPickup != "" {
		return Promise{NoPickupReason: sc.noPickup}
	}
	days = min(max(days, 1), MaxDays)
	var c calc
	sc.newCalc(&c)
	n := unixCeil(now)
	d0 := c.z.localDay(n)
	c.build(d0-2, d0+int64(days)+2)
	hi := c.mid(d0 + int64(days))

	ready, ok := c.readyIn(n, prepSeconds(prepMinutes), hi)
	if !ok {
		return Promise{NoPickupReason: c.whyNotReady(n, hi, prepMinutes, days)}
	}

	// Size the answer once: a period's stretch of open time yields at most
	// len/L slots plus one cut short per stretch (a stretch ends at a close
	// or a restart midnight, at most one a day).
	L := sc.slotLen
	var open int64
	stretches := 0
	for _, p := range c.periods {
		if p.end > ready && p.start < hi {
			open += min(p.end, hi) - max(p.start, ready)
			stretches++
		}
	}
	slots := make([]Slot, 0, int(open/L)+stretches+days+1)
	sawSlot := false
	for _, p := range c.periods {
		if p.end <= ready {
			continue
		}
		if p.start >= hi {
			break
		}
		c.grid(p, ready, hi, func(s, e int64) bool {
			sawSlot = true
			rem := -1
			if sc.capacity > 0 {
				rem = sc.capacity - booked[s]
				if rem <= 0 {
					return true
				}
			}
			slots = append(slots, Slot{Start: sc.at(s), End: sc.at(e), Capacity: sc.capacity, Remaining: rem})
			return true
		})
	}
	if len(slots) == 0 {
		if sawSlot {
			return Promise{NoPickupReason: fmt.Sprintf("every pickup slot of the next %s is full", plural(days, "day"))}
		}
		return Promise{NoPickupReason: fmt.Sprintf("no pickup slot of the next %s starts after the order can be ready at %s",
			plural(days, "day"), sc.format(sc.at(ready)))}
	}
	pr := Promise{EarliestReadyAt: slots[0].Start, Slots: slots}
	if h, ok := sc.holdUntil(&c, slots[0].Start.Unix()); ok {
		pr.HoldUntil = sc.at(h)
	}
	return pr
}

// whyNotReady explains why no slot can be offered before hi.
func (c *calc) whyNotReady(now, hi int64, prepMinutes, days int) string {
	for _, p := range c.periods {
		if p.end > now && p.start < hi {
			return fmt.Sprintf("an order needing %s of prep cannot be ready within the next %s", plural(max(prepMinutes, 0), "minute"), plural(days, "day"))
		}
	}
	return fmt.Sprintf("the store has no opening hours in the next %s", plural(days, "day"))
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// ReadyAt returns the instant prepMinutes of prep are done for an order
// placed at now, counting only open time and honouring the cutoff, or false
// when the store offers no pickup or prep cannot complete within MaxDays
// local days starting at now's local date. The instant may be a closing
// time (prep that ends exactly at a close); the earliest pickup is then the
// next slot.
func (sc *Schedule) ReadyAt(now time.Time, prepMinutes int) (time.Time, bool) {
	if sc.noPickup != "" {
		return time.Time{}, false
	}
	var c calc
	sc.newCalc(&c)
	n := unixCeil(now)
	d0 := c.z.localDay(n)
	c.build(d0-2, d0+MaxDays+2)
	r, ok := c.readyIn(n, prepSeconds(prepMinutes), c.mid(d0+MaxDays))
	if !ok {
		return time.Time{}, false
	}
	return sc.at(r), true
}

// CheckSlot reports whether an order placed at now, needing prepMinutes of
// prep, may take the slot starting at start, given the bookings already
// taken. The error (nil when the slot is good) says why not; see SlotAt.
func (sc *Schedule) CheckSlot(now time.Time, prepMinutes int, start time.Time, booked Booked) error {
	_, err := sc.SlotAt(now, prepMinutes, start, booked)
	return err
}

// SlotAt returns the slot starting at start if an order placed at now,
// needing prepMinutes of prep, may take it: the store offers pickup, the
// slot is not in the past nor beyond MaxDays local days, the store is open
// then, a slot of the grid starts exactly there, the order is ready by then
// and the slot is not full. The error wraps one of the Err* values (match
// with errors.Is) and a *bopis.Error carrying the code for the HTTP layer
// (EINVALID, or ECONFLICT for a full slot).
func (sc *Schedule) SlotAt(now time.Time, prepMinutes int, start time.Time, booked Booked) (Slot, error) {
	if sc.noPickup != "" {
		return Slot{}, slotErr(ErrNoPickup, "%s", sc.noPickup)
	}
	var c calc
	sc.newCalc(&c)
	n := unixCeil(now)
	st := start.Unix()
	if start.Nanosecond() != 0 {
		return Slot{}, slotErr(ErrNoSuchSlot, "no slot starts at %s: slots start on whole seconds", start.In(sc.loc).Format(time.RFC3339Nano))
	}
	if st < n {
		return Slot{}, slotErr(ErrSlotPast, "the slot starting %s has already begun", sc.format(start))
	}
	d0, ds := c.z.localDay(n), c.z.localDay(st)
	if ds-d0 >= MaxDays {
		return Slot{}, slotErr(ErrSlotBeyondHorizon, "the slot starting %s is more than %d days ahead", sc.format(start), MaxDays)
	}
	c.build(d0-2, ds+2)
	p, open := c.periodAt(st)
	if !open {
		return Slot{}, slotErr(ErrSlotClosed, "the store is closed at %s", sc.format(start))
	}
	s, e := c.slotAt(p, st)
	if s != st {
		return Slot{}, slotErr(ErrNoSuchSlot, "no slot starts at %s; the slot there starts at %s", sc.format(start), sc.format(sc.at(s)))
	}
	ready, ok := c.readyIn(n, prepSeconds(prepMinutes), c.mid(c.last+1))
	switch {
	case !ok:
		return Slot{}, slotErr(ErrNotReady, "an order needing %s of prep cannot be ready by %s", plural(prepMinutes, "minute"), sc.format(start))
	case st < ready:
		return Slot{}, slotErr(ErrNotReady, "an order needing %s of prep cannot be ready before %s", plural(prepMinutes, "minute"), sc.format(sc.at(ready)))
	}
	slot := Slot{Start: sc.at(s), End: sc.at(e), Capacity: sc.capacity, Remaining: -1}
	if sc.capacity > 0 {
		slot.Remaining = sc.capacity - booked[st]
		if slot.Remaining <= 0 {
			return Slot{}, slotErr(ErrSlotFull, "the slot starting %s is full", sc.format(start))
		}
	}
	return slot, nil
}

func (sc *Schedule) format(t time.Time) string { return t.In(sc.loc).Format(time.RFC3339) }

// HoldUntil returns until when an order ready at readyAt is held: the
// closing time of the HoldDays-th open day counting from readyAt (see the
// package comment). It is false when the store offers no pickup or has no
// open day within MaxHoldScanDays; with fewer open days than HoldDays in
// that scan it is the closing of the last one found.
func (sc *Schedule) HoldUntil(readyAt time.Time) (time.Time, bool) {
	if sc.noPickup != "" {
		return time.Time{}, false
	}
	var c calc
	sc.newCalc(&c)
	h, ok := sc.holdUntil(&c, readyAt.Unix())
	if !ok {
		return time.Time{}, false
	}
	return sc.at(h), true
}

// holdUntil counts open days from t. A local date's openings are its own
// intervals (special or regular), an overnight one belonging to the date
// it opens on; the date counts when one of them ends after t, and its
// closing time is the latest end among them.
func (sc *Schedule) holdUntil(c *calc, t int64) (int64, bool) {
	start := c.z.localDay(t) - 1 // yesterday's overnight opening may still run
	count := 0
	var closing int64
	for d := start; d <= start+MaxHoldScanDays; d++ {
		h := sc.hours(d)
		if h.closed || len(h.ivs) == 0 {
			continue
		}
		dayClose, found := int64(0), false
		for _, iv := range h.ivs {
			s, e := c.opening(d, iv)
			if s < e && (!found || e > dayClose) {
				dayClose, found = e, true
			}
		}
		if !found || dayClose <= t {
			continue
		}
		count++
		closing = dayClose
		if count >= sc.holdDays {
			break
		}
	}
	return closing, count > 0
}
