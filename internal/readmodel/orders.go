package readmodel

import (
	"math"
	"sort"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/calendar"
)

// SlotAt checks whether a cart needing prepMinutes may take the slot of a
// store starting at start, with the bookings the model knows (see
// calendar.Schedule.SlotAt). found is false for an unknown store or one
// whose hours cannot be used.
func (m *Model) SlotAt(storeID string, prepMinutes int, now, start time.Time) (slot calendar.Slot, found bool, err error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	si, ok := m.storeIdx[storeID]
	if !ok || m.stores[si].schedule == nil {
		return slot, false, nil
	}
	slot, err = m.stores[si].schedule.SlotAt(now, prepMinutes, start, m.booked[si])
	return slot, true, err
}

// Location is a store or warehouse at a distance.
type Location struct {
	StoreID    string
	DistanceKm float64
}

// Warehouses returns up to limit active warehouses that can supply every
// line (by the model's stock), nearest to c first, however far.
func (m *Model) Warehouses(c bopis.Coordinates, lines []Line, limit int) []Location {
	m.mu.RLock()
	defer m.mu.RUnlock()
	idx := make([]int32, len(lines))
	for i, l := range lines {
		k, ok := m.skuIdx[l.SKU]
		if !ok {
			return nil
		}
		idx[i] = k
	}
	lat, lon := c.Latitude*math.Pi/180, c.Longitude*math.Pi/180
	cosLat := math.Cos(lat)
	var out []Location
	for si, e := range m.stores {
		if e.store.Type != bopis.StoreTypeWarehouse || !e.store.Active {
			continue
		}
		if !m.hasAllStock(int32(si), lines, idx) {
			continue
		}
		out = append(out, Location{StoreID: e.store.ID, DistanceKm: distanceKm(lat, lon, cosLat, e.lat, e.lon, e.cosLat)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DistanceKm != out[j].DistanceKm {
			return out[i].DistanceKm < out[j].DistanceKm
		}
		return out[i].StoreID < out[j].StoreID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// hasAllStock reports whether store si has every line in stock, whatever
// the pickup eligibility (a warehouse ships, it does not hand over).
func (m *Model) hasAllStock(si int32, lines []Line, idx []int32) bool {
	for i, l := range lines {
		la := m.line(si, false, l, idx[i])
		if la.Available < l.Quantity {
			return false
		}
	}
	return true
}

// StoreCoordinates returns where a store is.
func (m *Model) StoreCoordinates(storeID string) (bopis.Coordinates, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	si, ok := m.storeIdx[storeID]
	if !ok {
		return bopis.Coordinates{}, false
	}
	return m.stores[si].store.Coordinates, true
}

// HoldUntil is until when a store holds an order ready at readyAt (see
// calendar.Schedule.HoldUntil); false for an unknown store or one that
// offers no pickup.
func (m *Model) HoldUntil(storeID string, readyAt time.Time) (time.Time, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	si, ok := m.storeIdx[storeID]
	if !ok || m.stores[si].schedule == nil {
		return time.Time{}, false
	}
	return m.stores[si].schedule.HoldUntil(readyAt)
}

// ClosedOn reports whether a store is closed all day on a local date
// (YYYY-MM-DD) by its special hours: a blocked date.
func (m *Model) ClosedOn(storeID, date string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	si, ok := m.storeIdx[storeID]
	if !ok {
		return false
	}
	for _, sh := range m.stores[si].store.SpecialHours {
		if sh.Date == date && sh.Closed {
			return true
		}
	}
	return false
}

// ClosedStores lists the stores closed all day, by their special hours,
// on a local date that overlaps [from, to): the only stores whose orders
// the closure timer needs to look at.
func (m *Model) ClosedStores(from, to time.Time) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []string
	for _, e := range m.stores {
		if e.schedule == nil {
			continue
		}
		loc := e.schedule.Location()
		first, last := from.In(loc).Format(time.DateOnly), to.In(loc).Format(time.DateOnly)
		for _, sh := range e.store.SpecialHours {
			if sh.Closed && sh.Date >= first && sh.Date <= last {
				out = append(out, e.store.ID)
				break
			}
		}
	}
	return out
}
