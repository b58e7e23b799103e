package calendar

import "math"

// period is a stretch of continuous open time [start, end) in Unix seconds,
// after merging adjacent and overlapping openings.
type period struct{ start, end int64 }

// calc is the scratch state of one query: the zone offsets it met, the
// midnights and the merged open periods of the local days it built. It
// lives on the caller's stack; the buffers spare allocations for the usual
// week of a store with a few openings a day.
type calc struct {
	sc *Schedule
	z  zones

	// Local days first..last had their openings built. periods is exact for
	// instants in [mid(first+1), mid(last+1)): earlier, yesterday's spill
	// from first-1 is missing; later, tomorrow's openings are.
	first, last int64
	mids        []int64 // mids[i] is the midnight of local day first+i
	periods     []period

	midBuf [40]int64
	perBuf [48]period
}

func (sc *Schedule) newCalc(c *calc) {
	c.sc = sc
	c.z.init(sc.loc)
	c.mids = c.midBuf[:0]
	c.periods = c.perBuf[:0]
}

// mid returns the instant local day d begins (the first instant of the day
// when its midnight falls in a spring-forward gap).
func (c *calc) mid(d int64) int64 {
	if i := d - c.first; i >= 0 && i < int64(len(c.mids)) {
		return c.mids[i]
	}
	return c.z.instant(d * secondsPerDay)
}

// opening returns the instants of opening iv of local day d. An opening
// that runs past midnight into a blocked date is cut at that midnight. The
// result is empty (s >= e) when the opening lies wholly in a DST gap.
func (c *calc) opening(d int64, iv ivl) (s, e int64) {
	base := d * secondsPerDay
	s = c.z.instant(base + iv.open*60)
	e = c.z.instant(base + iv.close*60)
	// Only a close past 24:00 can reach into the next date (an opening is
	// shorter than a day, so never beyond it).
	if iv.close > 24*60 && c.sc.blocked(d+1) {
		e = min(e, c.mid(d+1))
	}
	return s, e
}

// build computes the midnights and the merged open periods of local days
// first..last.
func (c *calc) build(first, last int64) {
	c.first, c.last = first, last
	c.z.cover(first*secondsPerDay-zoneMargin, (last+4)*secondsPerDay+zoneMargin)
	c.mids = c.mids[:0]
	for d := first; d <= last+3; d++ {
		c.mids = append(c.mids, c.z.instant(d*secondsPerDay))
	}
	c.periods = c.periods[:0]
	for d := first; d <= last; d++ {
		h := c.sc.hours(d)
		if h.closed {
			continue
		}
		// Days in order and each day's openings sorted by opening time give
		// periods sorted by start (the wall-to-instant mapping never goes
		// back), so merging needs only the last period.
		for _, iv := range h.ivs {
			s, e := c.opening(d, iv)
			if s >= e {
				continue
			}
			if n := len(c.periods); n > 0 && s <= c.periods[n-1].end {
				c.periods[n-1].end = max(c.periods[n-1].end, e)
				continue
			}
			c.periods = append(c.periods, period{s, e})
		}
	}
}

// readyIn returns the instant prep seconds of open time are done for an
// order placed at now, or false if that is not before limit.
//
// Prep starts at now if the store is open and its current period ends at
// least cutoff after now; otherwise at the opening of the first later
// period that ends at least cutoff after now. For an order placed while
// closed that is the next opening, unless that opening is shorter than the
// cutoff still left (the contract: an order placed less than cutoff before
// a closing cannot be ready in that opening).
func (c *calc) readyIn(now, prep, limit int64) (int64, bool) {
	ps := c.periods
	i := 0
	for i < len(ps) && ps[i].end <= now {
		i++
	}
	for ; i < len(ps); i++ {
		if ps[i].start >= limit {
			return 0, false
		}
		if ps[i].end-now >= c.sc.cutoff {
			break
		}
	}
	x := now
	for ; i < len(ps); i++ {
		p := ps[i]
		x = max(x, p.start)
		if x >= limit {
			return 0, false
		}
		if prep <= p.end-x {
			r := x + prep
			return r, r < limit
		}
		prep -= p.end - x
	}
	return 0, false
}

// firstRestart returns the first local day d whose midnight restarts the
// slot grid of a period opening at start: a midnight restarts the grid
// when the store has been open since the previous midnight or earlier, so
// an overnight opening (22:00-02:00) keeps its alignment across midnight
// while a store open around the clock aligns its slots to each midnight,
// whatever instant the calendar is asked at.
func (c *calc) firstRestart(start int64) int64 {
	// d0 is the first day whose midnight is at or after start.
	d0 := c.z.localDay(start)
	if c.mid(d0) < start {
		d0++
	}
	return d0 + 1
}

// grid walks the slots of period p that start in [lo, hi), calling emit
// with each slot's start and end; emit returns false to stop. It reports
// whether it was stopped.
//
// Slots step slotLen seconds of real time from the period's opening (or
// the last restart midnight); the slot before the next restart or the close
// is cut short there.
func (c *calc) grid(p period, lo, hi int64, emit func(start, end int64) bool) bool {
	L := c.sc.slotLen
	d := c.firstRestart(p.start)
	anchor := p.start
	for anchor < p.end && anchor < hi {
		next := p.end
		// Restart midnights are increasing; a skipped day repeats one,
		// which only yields an empty stretch.
		for ; d <= c.last+maxGridDays; d++ {
			if m := c.mid(d); m > anchor {
				next = min(next, m)
				break
			}
		}
		if next > lo {
			st := anchor
			if lo > anchor {
				st += (lo - anchor + L - 1) / L * L
			}
			for ; st < next && st < hi; st += L {
				if !emit(st, min(st+L, next)) {
					return true
				}
			}
		}
		anchor = next
	}
	return false
}

// maxGridDays bounds the search of restart midnights past the built days.
const maxGridDays = 4

// slotAt finds the slot of the grid that contains instant t (inside open
// period p): its start and end.
func (c *calc) slotAt(p period, t int64) (start, end int64) {
	L := c.sc.slotLen
	start, end = math.MinInt64, math.MinInt64
	c.grid(p, t-L+1, t+1, func(s, e int64) bool {
		if s <= t && t < e {
			start, end = s, e
			return false
		}
		return true
	})
	return start, end
}

// periodAt returns the open period containing instant t.
func (c *calc) periodAt(t int64) (period, bool) {
	for _, p := range c.periods {
		if p.start <= t && t < p.end {
			return p, true
		}
		if p.start > t {
			break
		}
	}
	return period{}, false
}
