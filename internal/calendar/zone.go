package calendar

import (
	"math"
	"time"
)

// Instants are handled as Unix seconds (int64) and wall clock readings as
// "naive" seconds: the Unix seconds the same reading would have in UTC, so
// local date D at midnight is D*secondsPerDay. This keeps the hot paths free
// of time.Date and of repeated zone look-ups.
const (
	secondsPerDay = 24 * 60 * 60
	// zoneMargin is more than any UTC offset (the extremes are -12:00 and
	// +14:00), so covering [u-zoneMargin, u+zoneMargin] in instants is enough
	// to map wall reading u.
	zoneMargin = 26 * 60 * 60
	// maxZoneSegments bounds the look-ups for one query; real zones change
	// offset at most a few times a year.
	maxZoneSegments = 256
)

// zoneSeg is a stretch of time [start, end) during which the location keeps
// one UTC offset.
type zoneSeg struct {
	start, end int64
	off        int64
}

// zones caches the offsets of a location over a window of instants. It
// belongs to one query (no sharing, no locking) and grows on demand.
type zones struct {
	loc    *time.Location
	lo, hi int64 // instants covered: [lo, hi)
	segs   []zoneSeg
	buf    [4]zoneSeg
}

func (z *zones) init(loc *time.Location) {
	z.loc = loc
	z.segs = z.buf[:0]
	z.lo, z.hi = 0, 0
}

// segAt looks the zone in effect at instant t up in the location.
func (z *zones) segAt(t int64) zoneSeg {
	tt := time.Unix(t, 0).In(z.loc)
	_, off := tt.Zone()
	s, e := tt.ZoneBounds()
	seg := zoneSeg{start: math.MinInt64, end: math.MaxInt64, off: int64(off)}
	if !s.IsZero() {
		seg.start = s.Unix()
	}
	if !e.IsZero() {
		seg.end = e.Unix()
	}
	return seg
}

// cover makes sure the instants [lo, hi) are covered.
func (z *zones) cover(lo, hi int64) {
	if len(z.segs) > 0 && lo >= z.lo && hi <= z.hi {
		return
	}
	if len(z.segs) == 0 || lo < z.lo {
		// Start afresh from lo; this happens once per query in practice.
		if len(z.segs) > 0 && z.hi > hi {
			hi = z.hi
		}
		z.segs = z.segs[:0]
		z.segs = append(z.segs, z.segAt(lo))
		z.lo = lo
	}
	for n := 0; n < maxZoneSegments; n++ {
		last := z.segs[len(z.segs)-1]
		if last.end >= hi {
			break
		}
		z.segs = append(z.segs, z.segAt(last.end))
	}
	z.hi = z.segs[len(z.segs)-1].end
	if z.hi < hi { // only after maxZoneSegments: treat the rest as the last offset
		z.segs[len(z.segs)-1].end = math.MaxInt64
		z.hi = math.MaxInt64
	}
}

// offset returns the UTC offset in seconds at instant t.
func (z *zones) offset(t int64) int64 {
	z.cover(t, t+1)
	for i := range z.segs {
		if t < z.segs[i].end {
			return z.segs[i].off
		}
	}
	return z.segs[len(z.segs)-1].off
}

// localDay returns the local date of instant t as days since 1970-01-01.
func (z *zones) localDay(t int64) int64 {
	return floorDiv(t+z.offset(t), secondsPerDay)
}

// instant maps a wall reading u (naive seconds) to the first instant whose
// wall reading is u or later. That is the instant itself when the reading
// exists once; the earlier one when a fall-back shows it twice; and the
// end of the gap (the first instant that exists after it) when a
// spring-forward skips it. The mapping never decreases as u grows, so
// intervals keep their order.
func (z *zones) instant(u int64) int64 {
	z.cover(u-zoneMargin, u+zoneMargin)
	// Within a segment the wall reading is t+off, so its first instant with
	// a reading >= u is max(start, u-off); segments are in order, so the
	// first segment where that lies inside wins.
	for _, s := range z.segs {
		c := u - s.off
		if c < s.start {
			c = s.start
		}
		if c < s.end {
			return c
		}
	}
	return u - z.segs[len(z.segs)-1].off // unreachable: the last segment is open-ended or covers u+zoneMargin
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
