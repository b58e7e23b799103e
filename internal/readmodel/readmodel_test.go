package readmodel_test

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/calendar"
	"github.com/bopis/bopis/internal/readmodel"
)

var chicago, _ = time.LoadLocation("America/Chicago")

// Monday 2026-11-23 10:17 in Chicago: stores open 09:00-21:00.
var now = time.Date(2026, 11, 23, 10, 17, 0, 0, chicago)

func store(id string, lat, lon float64, mods ...func(*bopis.Store)) bopis.Store {
	day := []bopis.Interval{{Open: "09:00", Close: "21:00"}}
	s := bopis.Store{ID: id, Name: "Store " + id, Type: bopis.StoreTypeStore,
		Coordinates: bopis.Coordinates{Latitude: lat, Longitude: lon}, TimeZone: "America/Chicago",
		Hours:        bopis.WeeklyHours{Monday: day, Tuesday: day, Wednesday: day, Thursday: day, Friday: day, Saturday: day, Sunday: day},
		SpecialHours: []bopis.SpecialHours{}, PickupMethods: []bopis.PickupMethod{bopis.PickupInStore},
		PrepMinutes: 60, CutoffMinutes: 60, HoldDays: 3, SlotMinutes: 60, SlotCapacity: 10, Active: true}
	for _, m := range mods {
		m(&s)
	}
	return s
}

func sku(id string, mods ...func(*bopis.SKU)) bopis.SKU {
	k := bopis.SKU{SKU: id, Name: id, PickupEligible: true, Active: true}
	for _, m := range mods {
		m(&k)
	}
	return k
}

func ids(opts []readmodel.Option) []string {
	var out []string
	for _, o := range opts {
		out = append(out, o.Store.ID)
	}
	return out
}

func query(lines ...readmodel.Line) readmodel.Query {
	return readmodel.Query{Coordinates: bopis.Coordinates{Latitude: 41.88, Longitude: -87.63}, RadiusKm: 50,
		Lines: lines, Method: bopis.PickupInStore, Days: 2, Limit: 5, Now: now}
}

// A small Chicago network: a (1 km), b (10 km), c (30 km), far (300 km).
func network(t *testing.T, cfg readmodel.Config) *readmodel.Model {
	t.Helper()
	m := readmodel.New(cfg)
	m.PutSKU(sku("A"))
	m.PutSKU(sku("B", func(k *bopis.SKU) { k.ExtraPrepMinutes = 30 }))
	m.PutStore(store("a", 41.889, -87.63))
	m.PutStore(store("b", 41.97, -87.63))
	m.PutStore(store("c", 42.15, -87.63))
	m.PutStore(store("far", 44.58, -87.63))
	for _, s := range []string{"a", "b", "c", "far"} {
		m.PutLevel(s, "A", 10, 0)
		m.PutLevel(s, "B", 10, 0)
	}
	return m
}

func TestNearestFirstWithinRadius(t *testing.T) {
	m := network(t, readmodel.Config{})
	opts := m.PickupOptions(query(readmodel.Line{SKU: "A", Quantity: 2}))
	if got := fmt.Sprint(ids(opts)); got != "[a b c]" {
		t.Fatalf("stores %s, want [a b c] (far is 300 km away)", got)
	}
	if d := opts[1].DistanceKm; math.Abs(d-10.0) > 0.1 {
		t.Errorf("b is %.3f km away, want about 10.0", d)
	}
	q := query(readmodel.Line{SKU: "A", Quantity: 1})
	q.Limit = 2
	if got := fmt.Sprint(ids(m.PickupOptions(q))); got != "[a b]" {
		t.Errorf("limit 2: %s", got)
	}
}

func TestGreatCircleDistance(t *testing.T) {
	m := readmodel.New(readmodel.Config{})
	m.PutSKU(sku("A"))
	m.PutStore(store("la", 34.0522, -118.2437))
	m.PutLevel("la", "A", 5, 0)
	q := query(readmodel.Line{SKU: "A", Quantity: 1})
	q.Coordinates, q.RadiusKm = bopis.Coordinates{Latitude: 40.7128, Longitude: -74.0060}, 4000
	opts := m.PickupOptions(q)
	if len(opts) != 1 || math.Abs(opts[0].DistanceKm-3935.7) > 1 {
		t.Fatalf("New York to Los Angeles: %v, want about 3,936 km", opts)
	}
}

func TestStoresThatCannotTakeTheCartAreLeftOut(t *testing.T) {
	m := network(t, readmodel.Config{})
	m.PutStore(store("a", 41.889, -87.63, func(s *bopis.Store) { s.Active = false }))
	m.PutStore(store("b", 41.97, -87.63, func(s *bopis.Store) { s.Type, s.PickupMethods = bopis.StoreTypeWarehouse, nil }))
	m.PutLevel("c", "A", 3, 2) // one free unit
	line := readmodel.Line{SKU: "A", Quantity: 2}
	if got := ids(m.PickupOptions(query(line))); len(got) != 0 {
		t.Fatalf("offered %v: a is inactive, b a warehouse, c has one unit free", got)
	}
	q := query(line)
	q.Method = bopis.PickupCurbside
	m.PutStore(store("a", 41.889, -87.63))
	if got := ids(m.PickupOptions(q)); len(got) != 0 {
		t.Fatalf("curbside offered at %v, which offer only in-store", got)
	}
}

func TestUnknownSKUIsAnUnavailableLine(t *testing.T) {
	m := network(t, readmodel.Config{})
	q := query(readmodel.Line{SKU: "A", Quantity: 1}, readmodel.Line{SKU: "GHOST", Quantity: 1})
	if got := m.PickupOptions(q); len(got) != 0 {
		t.Fatalf("a cart with an unknown SKU was fully offered at %v", ids(got))
	}
	q.IncludePartial = true
	opts := m.PickupOptions(q)
	if len(opts) != 3 || opts[0].AllAvailable || opts[0].Lines[1].Eligible || !opts[0].Lines[0].Enough {
		t.Fatalf("partial answer %+v", opts)
	}
}

func TestSafetyStockEligibilityAndStaleFeed(t *testing.T) {
	m := network(t, readmodel.Config{DefaultSafetyStock: 1, StaleBuffer: 1, StaleAfter: 15 * time.Minute})
	m.PutLevel("a", "A", 4, 1) // 3 free, 1 safety: 2 promisable
	avail := func() int64 {
		for _, o := range m.PickupOptions(query(readmodel.Line{SKU: "A", Quantity: 1})) {
			if o.Store.ID == "a" {
				return o.Lines[0].Available
			}
		}
		return -1
	}
	if got := avail(); got != 2 {
		t.Fatalf("available %d, want 2 (4 on hand - 1 reserved - 1 safety)", got)
	}
	three := int64(3)
	m.PutOverride("a", "A", nil, &three)
	if got := avail(); got != -1 {
		t.Fatalf("with safety stock 3 at a nothing is left, yet a offered %d", got)
	}
	m.PutOverride("a", "A", nil, nil)
	m.PutFeed("a", now.Add(-16*time.Minute)) // the POS went quiet
	if got := avail(); got != 1 {
		t.Fatalf("with a stale feed: %d, want 1 (one unit kept back)", got)
	}
	m.PutFeed("a", now.Add(-time.Minute))
	no := false
	m.PutOverride("a", "A", &no, nil)
	if got := avail(); got != -1 {
		t.Fatalf("A not eligible at a, yet a offered it with %d", got)
	}
}

// A store offered at its earliest ready time is really open then, after
// prep, in a slot with room, and has the stock.
func TestOfferedTimeIsOpenAndStocked(t *testing.T) {
	m := network(t, readmodel.Config{})
	full := func(storeID string) calendar.Booked {
		// a's 11:00 and 12:00 slots are full
		return calendar.Booked{
			time.Date(2026, 11, 23, 11, 0, 0, 0, chicago).Unix(): 10,
			time.Date(2026, 11, 23, 12, 0, 0, 0, chicago).Unix(): 10,
		}
	}
	for _, id := range []string{"a", "b", "c", "d", "far"} {
		for start, n := range full(id) {
			m.PutBooking(id, start, n)
		}
	}
	opts := m.PickupOptions(query(readmodel.Line{SKU: "A", Quantity: 2}, readmodel.Line{SKU: "B", Quantity: 1}))
	for _, o := range opts {
		sc, _ := calendar.Compile(&o.Store)
		if err := sc.CheckSlot(now, o.PrepMinutes, o.Promise.EarliestReadyAt, full(o.Store.ID)); err != nil {
			t.Errorf("%s offered at %s: %v", o.Store.ID, o.Promise.EarliestReadyAt, err)
		}
		if o.PrepMinutes != 90 {
			t.Errorf("prep %d, want 60 + B's 30", o.PrepMinutes)
		}
		for _, l := range o.Lines {
			if l.Available < l.Quantity {
				t.Errorf("%s offered with %d of %s for %d", o.Store.ID, l.Available, l.SKU, l.Quantity)
			}
		}
	}
	// 10:17 + 90 min of prep = 11:47: the first slot starting after is 12:00, full; so 13:00.
	if got := opts[0].Promise.EarliestReadyAt; !got.Equal(time.Date(2026, 11, 23, 13, 0, 0, 0, chicago)) {
		t.Errorf("a's earliest ready %s, want 13:00", got)
	}
}

func TestAntimeridian(t *testing.T) {
	m := readmodel.New(readmodel.Config{})
	m.PutSKU(sku("A"))
	m.PutStore(store("fiji", -17.0, 179.9, func(s *bopis.Store) { s.TimeZone = "Pacific/Fiji" }))
	m.PutLevel("fiji", "A", 5, 0)
	q := query(readmodel.Line{SKU: "A", Quantity: 1})
	q.Coordinates = bopis.Coordinates{Latitude: -17.0, Longitude: -179.9}
	if got := ids(m.PickupOptions(q)); len(got) != 1 {
		t.Fatalf("a store 21 km away across the antimeridian: %v", got)
	}
}

// Stock changes, one at a time and through the change feed's sink, while
// checkout reads.
func TestQueriesWhileTheFeedUpdates(t *testing.T) {
	m := network(t, readmodel.Config{})
	f := m.Feed()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				switch g {
				case 0:
					m.PutLevel("a", "A", int64(i%7), 0)
					continue
				case 1:
					f.PutLevel("b", "A", int64(i%7), 0)
					f.PutLevel("b", "A", int64(i%5), 0)
					f.Apply()
					continue
				}
				for _, o := range m.PickupOptions(query(readmodel.Line{SKU: "A", Quantity: 1})) {
					if o.Lines[0].Available < 1 {
						t.Errorf("offered %s with %d", o.Store.ID, o.Lines[0].Available)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// The change feed's sink gathers stock, feed times and bookings and puts
// them in at Apply, in the order they came; stores and SKUs go in at once.
func TestFeedAppliesTogether(t *testing.T) {
	m := readmodel.New(readmodel.Config{})
	f := m.Feed()
	f.PutSKU(sku("A"))
	f.PutStore(store("a", 41.88, -87.63))
	f.PutLevel("a", "A", 1, 0)
	f.PutLevel("a", "A", 5, 1) // the later row of the same level wins
	f.PutBooking("a", now.Add(2*time.Hour).Unix(), 3)
	q := query(readmodel.Line{SKU: "A", Quantity: 1})
	if got := ids(m.PickupOptions(q)); len(got) != 0 {
		t.Fatalf("stock offered before Apply: %v", got)
	}
	f.Apply()
	opts := m.PickupOptions(query(readmodel.Line{SKU: "A", Quantity: 4}))
	if len(opts) != 1 || opts[0].Lines[0].Available != 4 {
		t.Fatalf("after Apply: %+v", opts)
	}
	f.PutLevel("a", "A", 0, 0)
	f.Apply()
	if got := ids(m.PickupOptions(q)); len(got) != 0 {
		t.Fatalf("sold out, still offered: %v", got)
	}
}

// A read of the whole feed (a process starting with every level of the
// chain) goes in chunk by chunk instead of being gathered whole: gathered,
// 100 million levels took a 6 GiB buffer that stayed. Levels past a
// chunk are in the model before Apply; the rest go in at Apply.
func TestALargeReadGoesInChunkByChunk(t *testing.T) {
	m := readmodel.New(readmodel.Config{})
	f := m.Feed()
	f.PutStore(store("a", 41.88, -87.63))
	const n = 20000
	for i := range n {
		f.PutSKU(sku(fmt.Sprintf("K%05d", i)))
	}
	for i := range n {
		f.PutLevel("a", fmt.Sprintf("K%05d", i), 3, 0)
	}
	offered := func(k string) bool {
		return len(m.PickupOptions(query(readmodel.Line{SKU: k, Quantity: 1}))) == 1
	}
	if !offered("K00000") {
		t.Fatal("the first level of a 20,000-level read is not in the model before Apply: the read is gathered whole")
	}
	if offered(fmt.Sprintf("K%05d", n-1)) {
		t.Fatal("the last level went in before Apply: a small read would not go in together")
	}
	f.Apply()
	if !offered(fmt.Sprintf("K%05d", n-1)) {
		t.Fatal("the last level is not in the model after Apply")
	}
}

func TestCalendarForOneStore(t *testing.T) {
	m := network(t, readmodel.Config{})
	if _, _, found := m.Calendar("nope", nil, bopis.PickupInStore, now, 2); found {
		t.Fatal("an unknown store was found")
	}
	if _, unknown, _ := m.Calendar("a", []string{"A", "GHOST"}, bopis.PickupInStore, now, 2); len(unknown) != 1 || unknown[0] != 1 {
		t.Fatalf("unknown SKUs %v, want [1]", unknown)
	}
	sp, _, _ := m.Calendar("a", []string{"A", "B"}, bopis.PickupCurbside, now, 2)
	if sp.Promise.NoPickupReason == "" || !sp.Promise.EarliestReadyAt.IsZero() {
		t.Fatalf("curbside at an in-store-only store: %+v", sp.Promise)
	}
	// 10:17 + 60 min + B's 30 min = 11:47: the first slot after is 12:00.
	sp, _, _ = m.Calendar("a", []string{"A", "B"}, bopis.PickupInStore, now, 2)
	if sp.PrepMinutes != 90 || !sp.Promise.EarliestReadyAt.Equal(time.Date(2026, 11, 23, 12, 0, 0, 0, chicago)) || sp.Location.String() != "America/Chicago" {
		t.Fatalf("prep %d ready %s zone %s", sp.PrepMinutes, sp.Promise.EarliestReadyAt, sp.Location)
	}
}

// A store's stock is kept for the SKUs it has levels for, wherever they
// sit in a large catalog, whatever the quantity: none, short (more
// reserved than on hand), either side of what 16 bits hold, past 32 bits.
func TestStockAcrossALargeCatalog(t *testing.T) {
	m := readmodel.New(readmodel.Config{})
	for i := range 600 {
		m.PutSKU(sku(fmt.Sprintf("K%03d", i)))
	}
	m.PutStore(store("a", 41.889, -87.63))
	m.PutLevel("a", "K000", 0, 0)
	m.PutLevel("a", "K300", 2, 5)
	m.PutLevel("a", "K599", math.MaxInt64, 0)
	m.PutLevel("a", "K511", 7, 0)
	m.PutLevel("a", "K100", 32766, 0)
	m.PutLevel("a", "K101", 32767, 0)
	m.PutLevel("a", "K102", 40000, 1)
	m.PutLevel("a", "K103", 40000, 0)
	m.PutLevel("a", "K103", 5, 0) // back under 16 bits
	if got := m.Stats().Levels; got != 8 {
		t.Fatalf("%d levels kept, want 8", got)
	}
	avail := func(sku string, qty int64) (int64, bool) {
		// K511 keeps the store offered (a partial answer needs a line it can supply).
		q := query(readmodel.Line{SKU: "K511", Quantity: 1}, readmodel.Line{SKU: sku, Quantity: qty})
		q.IncludePartial = true
		opts := m.PickupOptions(q)
		if len(opts) != 1 {
			t.Fatalf("%s: %d options", sku, len(opts))
		}
		return opts[0].Lines[1].Available, opts[0].Lines[1].Enough
	}
	for _, c := range []struct {
		sku    string
		qty    int64
		want   int64
		enough bool
	}{
		{"K000", 1, 0, false}, {"K300", 1, 0, false}, {"K511", 7, 7, true}, {"K512", 1, 0, false},
		{"K599", math.MaxInt32, math.MaxInt64, true}, {"K256", 1, 0, false},
		{"K100", 32766, 32766, true}, {"K101", 32767, 32767, true}, {"K102", 40000, 39999, false},
		{"K103", 5, 5, true},
	} {
		if got, enough := avail(c.sku, c.qty); got != c.want || enough != c.enough {
			t.Errorf("%s ×%d: available %d (enough %v), want %d (%v)", c.sku, c.qty, got, enough, c.want, c.enough)
		}
	}
	m.PutLevel("a", "K511", 3, 0)
	if got, _ := avail("K511", 1); got != 3 {
		t.Errorf("K511 after a change: %d, want 3", got)
	}
}
