package readmodel

import (
	"fmt"
	"math"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/calendar"
)

// Line is one line of a cart.
type Line struct {
	SKU      string
	Quantity int64
}

// Query asks where and when a cart can be picked up.
type Query struct {
	Coordinates    bopis.Coordinates
	RadiusKm       float64
	Lines          []Line
	Method         bopis.PickupMethod
	Days           int  // of slots, from today
	Limit          int  // stores at most
	IncludePartial bool // also stores that can supply only some lines
	Now            time.Time
}

// LineAvailability is what one store can do for one line.
type LineAvailability struct {
	SKU       string
	Quantity  int64
	Available int64 // units checkout may promise: after reservations, safety stock and a stale feed's buffer
	Eligible  bool  // the SKU is known, active and pickup-eligible at this store
	Enough    bool  // eligible and available >= quantity
}

// Option is a store that can take the cart (or part of it, if asked).
type Option struct {
	Store        bopis.Store
	DistanceKm   float64
	Lines        []LineAvailability
	AllAvailable bool
	FeedStale    bool
	PrepMinutes  int
	Promise      calendar.Promise
}

type candidate struct {
	si    int32
	e     *storeEntry
	km    float64
	lines []LineAvailability
	all   bool
	stale bool
}

// PickupOptions answers the checkout question: the nearest active stores
// within the radius that offer the method and can supply every line (or,
// with IncludePartial, some), nearest first, each with its promise. A
// store with no pickup time in the horizon is not offered.
func (m *Model) PickupOptions(q Query) []Option {
	m.mu.RLock()
	defer m.mu.RUnlock()
	idx := make([]int32, len(q.Lines))
	for i, l := range q.Lines {
		k, ok := m.skuIdx[l.SKU]
		if !ok {
			k = -1
		}
		idx[i] = k
	}
	lat := q.Coordinates.Latitude * math.Pi / 180
	lon := q.Coordinates.Longitude * math.Pi / 180
	cosLat := math.Cos(lat)
	var cands []candidate
	m.eachCellNear(q.Coordinates, q.RadiusKm, func(si int32) {
		e := m.stores[si]
		if e.schedule == nil || !e.store.Active || !e.store.Offers(q.Method) {
			return
		}
		km := distanceKm(lat, lon, cosLat, e.lat, e.lon, e.cosLat)
		if km > q.RadiusKm {
			return
		}
		c := candidate{si: si, e: e, km: km, stale: m.stale(e, q.Now)}
		if !q.IncludePartial && !m.hasAll(si, c.stale, q.Lines, idx) {
			return // most stores fail on a line: say so without building the answer
		}
		c.lines, c.all = m.lines(si, c.stale, q.Lines, idx)
		if c.all || (q.IncludePartial && anyEnough(c.lines)) {
			cands = append(cands, c)
		}
	})
	sortByDistance(cands)
	var out []Option
	for _, c := range cands {
		if len(out) >= q.Limit {
			break
		}
		extras := make([]int, 0, len(idx))
		for _, k := range idx {
			if k >= 0 {
				extras = append(extras, m.skus[k].extraPrep)
			}
		}
		prep := calendar.PrepMinutes(c.e.store.PrepMinutes, extras...)
		p := c.e.schedule.Promise(q.Now, prep, q.Days, m.booked[c.si])
		if p.EarliestReadyAt.IsZero() {
			continue
		}
		out = append(out, Option{Store: c.e.store, DistanceKm: c.km, Lines: c.lines, AllAvailable: c.all,
			FeedStale: c.stale, PrepMinutes: prep, Promise: p})
	}
	return out
}

func anyEnough(ls []LineAvailability) bool {
	for _, l := range ls {
		if l.Enough {
			return true
		}
	}
	return false
}

// stale reports whether the store's POS feed has gone quiet. A store that
// never sent an event (stock from counts only) is not judged by its feed.
func (m *Model) stale(e *storeEntry, now time.Time) bool {
	return !e.feedAt.IsZero() && now.Sub(e.feedAt) > m.cfg.StaleAfter
}

// hasAll reports whether store si can supply every line, stopping at the
// first it cannot; lines gives the same verdict with the details.
func (m *Model) hasAll(si int32, stale bool, lines []Line, idx []int32) bool {
	for i, l := range lines {
		if !m.line(si, stale, l, idx[i]).Enough {
			return false
		}
	}
	return true
}

// lines works out each line at store si.
func (m *Model) lines(si int32, stale bool, lines []Line, idx []int32) ([]LineAvailability, bool) {
	out := make([]LineAvailability, len(lines))
	all := true
	for i, l := range lines {
		out[i] = m.line(si, stale, l, idx[i])
		all = all && out[i].Enough
	}
	return out, all
}

// line works out one line (SKU index k, -1 if unknown) at store si.
func (m *Model) line(si int32, stale bool, l Line, k int32) LineAvailability {
	la := LineAvailability{SKU: l.SKU, Quantity: l.Quantity}
	if k >= 0 {
		sk := m.skus[k]
		ov, hasOv := m.overrides[si][k]
		la.Eligible = bopis.EligibleForPickup(sk.active, sk.eligible, ov.eligible)
		if free, ok := m.freeStock(si, k); ok {
			safety := m.cfg.DefaultSafetyStock
			if hasOv && ov.safetyStock != nil {
				safety = *ov.safetyStock
			}
			la.Available = bopis.Promisable(bopis.Available(free, 0, safety), stale, m.cfg.StaleBuffer)
		}
	}
	la.Enough = la.Eligible && la.Available >= l.Quantity
	return la
}

// eachCellNear calls fn for every store in the grid cells that cover the
// circle of radiusKm around c (a bounding box; callers check distance).
func (m *Model) eachCellNear(c bopis.Coordinates, radiusKm float64, fn func(int32)) {
	const kmPerDegree = earthRadiusKm * math.Pi / 180
	dLat := radiusKm / kmPerDegree
	cos := math.Max(math.Cos(c.Latitude*math.Pi/180), 0.01)
	dLon := math.Min(radiusKm/(kmPerDegree*cos), 180)
	lo := cellOf(max(c.Latitude-dLat, -90), c.Longitude-dLon)
	hi := cellOf(min(c.Latitude+dLat, 90), c.Longitude+dLon)
	if n := int32(360 / cellDegrees); hi.lon-lo.lon >= n { // the whole circle of longitude, once
		lo.lon, hi.lon = -n/2, n/2-1
	}
	for la := lo.lat; la <= hi.lat; la++ {
		for lo2 := lo.lon; lo2 <= hi.lon; lo2++ {
			for _, si := range m.grid[cell{la, wrapLon(lo2)}] {
				fn(si)
			}
		}
	}
}

// wrapLon keeps a longitude cell index within [-180°, 180°), so a circle
// across the antimeridian finds the stores on the other side.
func wrapLon(i int32) int32 {
	n := int32(360 / cellDegrees)
	i = (i + n/2) % n
	if i < 0 {
		i += n
	}
	return i - n/2
}

// StorePromise is what the promise engine promises at one store now.
type StorePromise struct {
	Store       bopis.Store
	Location    *time.Location // the store's zone
	PrepMinutes int            // the store's prep plus the cart's largest extra prep
	// Promise is the answer; its NoPickupReason says why there is none,
	// also when the store does not offer the method.
	Promise calendar.Promise
}

// Calendar answers the calendar question for one store and cart from the
// compiled schedule. found is false for an unknown store; unknown lists
// the indexes of SKUs the model does not know (then nothing is computed).
func (m *Model) Calendar(storeID string, skus []string, method bopis.PickupMethod, now time.Time, days int) (sp StorePromise, unknown []int, found bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	si, ok := m.storeIdx[storeID]
	if !ok {
		return sp, nil, false
	}
	e := m.stores[si]
	extras := make([]int, 0, len(skus))
	for i, s := range skus {
		k, ok := m.skuIdx[s]
		if !ok {
			unknown = append(unknown, i)
			continue
		}
		extras = append(extras, m.skus[k].extraPrep)
	}
	if len(unknown) > 0 {
		return sp, unknown, true
	}
	sp = StorePromise{Store: e.store, Location: time.UTC, PrepMinutes: calendar.PrepMinutes(e.store.PrepMinutes, extras...)}
	switch {
	case e.schedule == nil:
		sp.Promise.NoPickupReason = "the store's hours cannot be used"
		return sp, nil, true
	case !e.store.Offers(method):
		sp.Promise.NoPickupReason = fmt.Sprintf("the store does not offer %s pickup", method)
	default:
		sp.Promise = e.schedule.Promise(now, sp.PrepMinutes, days, m.booked[si])
	}
	sp.Location = e.schedule.Location()
	return sp, nil, true
}
