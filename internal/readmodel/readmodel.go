// Package readmodel answers checkout from memory: the stores in a geo grid
// with their compiled calendars, and each store's free stock of each SKU.
// It is fed by the storage change feed and may lag writes by a moment;
// placing an order never trusts it (reservations are checked in the
// database). It does no I/O.
package readmodel

import (
	"math"
	"sort"
	"sync"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/calendar"
)

// Config tunes what checkout promises.
type Config struct {
	// StaleAfter: a store whose last POS event is older than this has a
	// stale feed (default 15 minutes).
	StaleAfter time.Duration
	// StaleBuffer units must remain beyond the order at a store with a
	// stale feed (default 1), so a silent POS stops promising its last unit.
	StaleBuffer int64
	// DefaultSafetyStock applies where a store sets none for a SKU.
	DefaultSafetyStock int64
}

// A store's free stock of a SKU (on_hand - reserved) is held in 16 bits:
// the rows of 5,000 stores × 50,000 SKUs take 500 MB instead of 1 GB, and
// a store's first POS event fills 100 KB instead of 200 KB (the read
// model's writes were the largest cost beside the SQLite writer in
// `bopis bench feed`). A quantity past 16 bits is kept exactly in
// Model.big; one below is clamped, as any stock below zero offers none.
const (
	notCarried = math.MinInt16 // a SKU the store has no level for
	bigStock   = math.MaxInt16 // see Model.big
	leastStock = math.MinInt16 + 1
)

// Model is the in-memory read model. Its methods are safe for concurrent use.
type Model struct {
	cfg Config

	mu        sync.RWMutex
	stores    []*storeEntry
	storeIdx  map[string]int32
	grid      map[cell][]int32
	skus      []skuEntry
	skuIdx    map[string]int32
	variant   map[int64]int32
	free      [][]int16          // [store][sku] on_hand - reserved; notCarried when absent, bigStock when in big
	big       map[[2]int32]int64 // [store, sku] free stock of bigStock or more
	overrides []map[int32]override
	booked    []calendar.Booked // [store] bookings taken per slot start
}

type storeEntry struct {
	store    bopis.Store
	schedule *calendar.Schedule // nil when the store cannot be compiled (then never offered)
	lat, lon float64            // radians
	cosLat   float64
	cell     cell
	feedAt   time.Time // last POS event; zero if none yet
}

type skuEntry struct {
	sku       string
	name      string
	image     string // the product's picture (SKU.ImageURL)
	variantID int64
	eligible  bool
	active    bool
	extraPrep int
}

type override struct {
	eligible    *bool
	safetyStock *int64
}

// New returns an empty model.
func New(cfg Config) *Model {
	if cfg.StaleAfter == 0 {
		cfg.StaleAfter = 15 * time.Minute
	}
	return &Model{cfg: cfg, storeIdx: map[string]int32{}, grid: map[cell][]int32{},
		skuIdx: map[string]int32{}, variant: map[int64]int32{}, big: map[[2]int32]int64{}}
}

// cell is a square of the grid: cellDegrees of latitude by as many of longitude.
type cell struct{ lat, lon int32 }

const cellDegrees = 0.5

func cellOf(latDeg, lonDeg float64) cell {
	return cell{int32(math.Floor(latDeg / cellDegrees)), int32(math.Floor(lonDeg / cellDegrees))}
}

// PutStore adds or replaces a store.
func (m *Model) PutStore(s bopis.Store) {
	sc, err := calendar.Compile(&s)
	if err != nil {
		sc = nil
	}
	e := &storeEntry{store: s, schedule: sc,
		lat: s.Coordinates.Latitude * math.Pi / 180, lon: s.Coordinates.Longitude * math.Pi / 180,
		cell: cellOf(s.Coordinates.Latitude, s.Coordinates.Longitude)}
	e.cosLat = math.Cos(e.lat)
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.storeIdx[s.ID]
	if !ok {
		i = int32(len(m.stores))
		m.storeIdx[s.ID] = i
		m.stores = append(m.stores, e)
		m.free = append(m.free, nil)
		m.overrides = append(m.overrides, nil)
		m.booked = append(m.booked, nil)
	} else {
		old := m.stores[i]
		e.feedAt = old.feedAt
		m.grid[old.cell] = remove(m.grid[old.cell], i)
		m.stores[i] = e
	}
	m.grid[e.cell] = append(m.grid[e.cell], i)
}

func remove(xs []int32, x int32) []int32 {
	for j, v := range xs {
		if v == x {
			return append(xs[:j], xs[j+1:]...)
		}
	}
	return xs
}

// PutSKU adds or replaces a SKU.
func (m *Model) PutSKU(k bopis.SKU) {
	e := skuEntry{sku: k.SKU, name: k.Name, image: k.ImageURL, eligible: k.PickupEligible, active: k.Active, extraPrep: k.ExtraPrepMinutes}
	if k.VariantID != nil {
		e.variantID = *k.VariantID
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	i, ok := m.skuIdx[k.SKU]
	if !ok {
		i = int32(len(m.skus))
		m.skuIdx[k.SKU] = i
		m.skus = append(m.skus, e)
	} else {
		if old := m.skus[i].variantID; old != 0 && m.variant[old] == i {
			delete(m.variant, old)
		}
		m.skus[i] = e
	}
	if e.variantID != 0 {
		m.variant[e.variantID] = i
	}
}

// PutOverride sets a store's override of a SKU (nil fields inherit).
func (m *Model) PutOverride(storeID, sku string, eligible *bool, safetyStock *int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok1 := m.storeIdx[storeID]
	k, ok2 := m.skuIdx[sku]
	if !ok1 || !ok2 {
		return
	}
	if eligible == nil && safetyStock == nil {
		delete(m.overrides[s], k)
		return
	}
	if m.overrides[s] == nil {
		m.overrides[s] = map[int32]override{}
	}
	m.overrides[s][k] = override{eligible: eligible, safetyStock: safetyStock}
}

// PutLevel sets a store's stock of a SKU: on hand minus reserved.
func (m *Model) PutLevel(storeID, sku string, onHand, reserved int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putLevel(storeID, sku, onHand, reserved)
}

func (m *Model) putLevel(storeID, sku string, onHand, reserved int64) {
	s, ok1 := m.storeIdx[storeID]
	k, ok2 := m.skuIdx[sku]
	if !ok1 || !ok2 {
		return // the store or SKU arrives with the same feed; the next poll sets it
	}
	row := m.free[s]
	if int(k) >= len(row) {
		grown := make([]int16, max(len(m.skus), int(k)+1))
		copy(grown, row)
		for j := len(row); j < len(grown); j++ {
			grown[j] = notCarried
		}
		row = grown
		m.free[s] = row
	}
	free, key := onHand-reserved, [2]int32{s, k}
	if row[k] == bigStock {
		delete(m.big, key)
	}
	if free >= bigStock {
		row[k], m.big[key] = bigStock, free
		return
	}
	row[k] = int16(max(free, leastStock))
}

// freeStock is store si's free stock of SKU k, and whether it has a level.
func (m *Model) freeStock(si, k int32) (int64, bool) {
	row := m.free[si]
	switch {
	case int(k) >= len(row) || row[k] == notCarried:
		return 0, false
	case row[k] == bigStock:
		return m.big[[2]int32{si, k}], true
	}
	return int64(row[k]), true
}

// PutFeed records the time of a store's last POS event.
func (m *Model) PutFeed(storeID string, lastEventAt time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putFeed(storeID, lastEventAt)
}

func (m *Model) putFeed(storeID string, lastEventAt time.Time) {
	if s, ok := m.storeIdx[storeID]; ok {
		m.stores[s].feedAt = lastEventAt
	}
}

// pruneBookingsAt is how many slots a store's bookings may hold before
// the long-past ones are dropped.
const pruneBookingsAt = 4096

// PutBooking records how many bookings a store's slot starting at
// slotStart (unix seconds) has taken.
func (m *Model) PutBooking(storeID string, slotStart int64, booked int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putBooking(storeID, slotStart, booked)
}

func (m *Model) putBooking(storeID string, slotStart int64, booked int) {
	s, ok := m.storeIdx[storeID]
	if !ok {
		return
	}
	b := m.booked[s]
	if b == nil {
		b = calendar.Booked{}
		m.booked[s] = b
	}
	b[slotStart] = booked
	if len(b) > pruneBookingsAt {
		for start := range b {
			if start < slotStart-7*24*3600 {
				delete(b, start)
			}
		}
	}
}

// Feed is the model's end of the storage change feed (a
// bopis.ChangeSink). Stores, SKUs and overrides, which are rare, go in
// as they come. Stock levels, POS feed times and slot bookings, thousands
// a second under a busy POS feed, are gathered and go in together at
// Apply, under one hold of the model's lock per read of the feed: taken
// once per row, the lock made checkout's readers queue behind it
// thousands of times a second (a writer waiting for the lock holds back
// every new reader). Use it from one goroutine.
type Feed struct {
	m        *Model
	levels   []levelChange
	feeds    []feedChange
	bookings []bookingChange
}

type levelChange struct {
	store, sku       string
	onHand, reserved int64
}

type feedChange struct {
	store string
	at    time.Time
}

type bookingChange struct {
	store  string
	start  int64
	booked int
}

// Feed returns a change-feed sink for m.
func (m *Model) Feed() *Feed { return &Feed{m: m} }

func (f *Feed) PutStore(s bopis.Store) { f.m.PutStore(s) }
func (f *Feed) PutSKU(k bopis.SKU)     { f.m.PutSKU(k) }
func (f *Feed) PutOverride(storeID, sku string, eligible *bool, safetyStock *int64) {
	f.m.PutOverride(storeID, sku, eligible, safetyStock)
}
func (f *Feed) PutLevel(storeID, sku string, onHand, reserved int64) {
	f.levels = append(f.levels, levelChange{storeID, sku, onHand, reserved})
	if len(f.levels) == feedChunk {
		f.m.mu.Lock()
		f.putLevels()
		f.m.mu.Unlock()
	}
}

// feedChunk bounds the levels a Feed gathers before they go in: a read of
// the whole feed (a process starting: every level of the chain) would
// otherwise gather them all first, 100 million levels in 6 GiB of
// buffer kept after (measured with bench pickup, 2026-12-07), and then
// hold the lock for the whole of them. A busy POS feed's reads stay
// below it and go in whole, as before.
const feedChunk = 8192

// putLevels puts the gathered levels into the model; f.m.mu is held.
func (f *Feed) putLevels() {
	for _, c := range f.levels {
		f.m.putLevel(c.store, c.sku, c.onHand, c.reserved)
	}
	clear(f.levels) // let the strings go
	f.levels = f.levels[:0]
}
func (f *Feed) PutFeed(storeID string, lastEventAt time.Time) {
	f.feeds = append(f.feeds, feedChange{storeID, lastEventAt})
}
func (f *Feed) PutBooking(storeID string, slotStart int64, booked int) {
	f.bookings = append(f.bookings, bookingChange{storeID, slotStart, booked})
}

// Apply puts what was gathered into the model, in the order it came.
func (f *Feed) Apply() {
	if len(f.levels)+len(f.feeds)+len(f.bookings) == 0 {
		return
	}
	f.m.mu.Lock()
	f.putLevels()
	for _, c := range f.feeds {
		f.m.putFeed(c.store, c.at)
	}
	for _, c := range f.bookings {
		f.m.putBooking(c.store, c.start, c.booked)
	}
	f.m.mu.Unlock()
	f.feeds, f.bookings = f.feeds[:0], f.bookings[:0]
}

// SKUByVariant returns the SKU with a storefront variant id.
func (m *Model) SKUByVariant(id int64) (string, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	k, ok := m.variant[id]
	if !ok {
		return "", false
	}
	return m.skus[k].sku, true
}

// Product is how a person recognises SKU sku: its name and picture.
func (m *Model) Product(sku string) (name, image string, ok bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, ok := m.skuIdx[sku]
	if !ok {
		return "", "", false
	}
	return m.skus[i].name, m.skus[i].image, true
}

// Stats is the model's size.
type Stats struct{ Stores, SKUs, Levels int }

// Stats counts what the model holds.
func (m *Model) Stats() Stats {
	m.mu.RLock()
	defer m.mu.RUnlock()
	st := Stats{Stores: len(m.stores), SKUs: len(m.skus)}
	for _, row := range m.free {
		for _, v := range row {
			if v != notCarried {
				st.Levels++
			}
		}
	}
	return st
}

const earthRadiusKm = 6371.0088

// distanceKm is the great-circle (haversine) distance.
func distanceKm(lat1, lon1, cos1, lat2, lon2, cos2 float64) float64 {
	sdLat := math.Sin((lat2 - lat1) / 2)
	sdLon := math.Sin((lon2 - lon1) / 2)
	a := sdLat*sdLat + cos1*cos2*sdLon*sdLon
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(min(1, a)))
}

// sortByDistance orders candidates nearest first, by store id on a tie.
func sortByDistance(c []candidate) {
	sort.Slice(c, func(i, j int) bool {
		if c[i].km != c[j].km {
			return c[i].km < c[j].km
		}
		return c[i].e.store.ID < c[j].e.store.ID
	})
}
