package demo

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
)

const seed = 42

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stockHash hashes every line Stock gives, and counts them.
func stockHash(n *Network) (uint64, int) {
	h := fnv.New64a()
	lines := 0
	n.Stock(func(storeID, sku string, onHand int) {
		fmt.Fprintf(h, "%s %s %d\n", storeID, sku, onHand)
		lines++
	})
	return h.Sum64(), lines
}

func TestSameSeedSameNetwork(t *testing.T) {
	a, b := Generate(seed), Generate(seed)
	if ja, jb := mustJSON(t, a.Stores), mustJSON(t, b.Stores); string(ja) != string(jb) {
		t.Error("two networks of the same seed have different stores")
	}
	if ja, jb := mustJSON(t, a.SKUs), mustJSON(t, b.SKUs); string(ja) != string(jb) {
		t.Error("two networks of the same seed have different SKUs")
	}
	ha, na := stockHash(a)
	hb, nb := stockHash(b)
	if ha != hb || na != nb {
		t.Errorf("stock differs for the same seed: %x/%d vs %x/%d", ha, na, hb, nb)
	}
	// Stock is the same on a second call of the same network too.
	if h, _ := stockHash(a); h != ha {
		t.Error("Stock gives different counts on a second call")
	}
}

func TestDifferentSeedDifferentNetwork(t *testing.T) {
	a, b := Generate(1), Generate(2)
	if string(mustJSON(t, a.Stores)) == string(mustJSON(t, b.Stores)) {
		t.Error("seeds 1 and 2 give the same stores")
	}
	if string(mustJSON(t, a.SKUs)) == string(mustJSON(t, b.SKUs)) {
		t.Error("seeds 1 and 2 give the same catalog")
	}
	ha, _ := stockHash(a)
	hb, _ := stockHash(b)
	if ha == hb {
		t.Error("seeds 1 and 2 give the same stock")
	}
	// Ids are stable across seeds, so a re-seeded demo replaces the old one.
	if a.Stores[0].ID != b.Stores[0].ID || a.SKUs[0].SKU != b.SKUs[0].SKU {
		t.Error("ids depend on the seed")
	}
}

func TestEverythingValidates(t *testing.T) {
	for _, s := range []uint64{0, 1, seed, math.MaxUint64} {
		n := Generate(s)
		for i := range n.Stores {
			if err := n.Stores[i].Validate(); err != nil {
				t.Errorf("seed %d: store %s: %v", s, n.Stores[i].ID, err)
			}
		}
		for i := range n.SKUs {
			if err := n.SKUs[i].Validate(); err != nil {
				t.Errorf("seed %d: SKU %s: %v", s, n.SKUs[i].SKU, err)
			}
		}
	}
}

func TestNetworkShape(t *testing.T) {
	n := Generate(seed)
	ids := map[string]bool{}
	locs := map[int64]bool{}
	zones := map[string]int{}
	pickup, warehouses := 0, 0
	idRe := regexp.MustCompile(`^s-\d{4}$`)
	for i, s := range n.Stores {
		if ids[s.ID] {
			t.Errorf("store id %s twice", s.ID)
		}
		ids[s.ID] = true
		if s.LocationID == nil {
			t.Errorf("%s has no location_id", s.ID)
		} else if locs[*s.LocationID] {
			t.Errorf("location_id %d twice", *s.LocationID)
		} else {
			locs[*s.LocationID] = true
		}
		if !s.Active {
			t.Errorf("%s is not active", s.ID)
		}
		switch s.Type {
		case bopis.StoreTypeStore:
			pickup++
			zones[s.TimeZone]++
			if want := fmt.Sprintf("s-%04d", i+1); s.ID != want || !idRe.MatchString(s.ID) || *s.LocationID != int64(i+1) {
				t.Errorf("store %d is %s, location_id %d; want %s, %d", i, s.ID, *s.LocationID, want, i+1)
			}
			if !s.Offers(bopis.PickupInStore) {
				t.Errorf("%s does not offer in-store pickup", s.ID)
			}
		case bopis.StoreTypeWarehouse:
			warehouses++
			if len(s.PickupMethods) != 0 || s.PickupMethods == nil {
				t.Errorf("warehouse %s: pickup methods %v, want an empty list", s.ID, s.PickupMethods)
			}
		}
	}
	if pickup < 300 {
		t.Errorf("%d pickup stores, want at least 300", pickup)
	}
	if warehouses < 3 || warehouses > 4 {
		t.Errorf("%d warehouses, want 3 or 4", warehouses)
	}
	for _, z := range []string{"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
		"America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"} {
		if zones[z] == 0 {
			t.Errorf("no store in %s", z)
		}
	}
	t.Logf("%d pickup stores, %d warehouses, %d time zones", pickup, warehouses, len(zones))
}

func TestMetros(t *testing.T) {
	ms := Metros()
	if len(ms) < 40 {
		t.Errorf("%d metros, want at least 40", len(ms))
	}
	total, names := 0, map[string]bool{}
	for _, m := range ms {
		if names[m.Name+m.Region] {
			t.Errorf("metro %s, %s twice", m.Name, m.Region)
		}
		names[m.Name+m.Region] = true
		if _, err := time.LoadLocation(m.TimeZone); err != nil {
			t.Errorf("%s: %v", m.Name, err)
		}
		total += m.Stores
	}
	n := Generate(seed)
	if got := len(n.Stores) - len(warehouses); got != total {
		t.Errorf("Metros promises %d stores, Generate made %d", total, got)
	}
	// The biggest markets get the most stores.
	count := map[string]int{}
	for _, s := range n.Stores {
		if m, ok := n.MetroOf(s.ID); ok {
			count[m.Name]++
		}
	}
	if count["New York"] <= count["Omaha"] || count["Los Angeles"] <= count["Boise"] {
		t.Errorf("store counts do not follow market size: %v", count)
	}
	if _, ok := n.MetroOf("w-01"); ok {
		t.Error("a warehouse belongs to a metro")
	}
}

// distanceKm is the great-circle distance between two points.
func distanceKm(a, b bopis.Coordinates) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat := (b.Latitude - a.Latitude) * rad
	dlon := (b.Longitude - a.Longitude) * rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(a.Latitude*rad)*math.Cos(b.Latitude*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

func TestStoresSitInTheirMetro(t *testing.T) {
	for _, sd := range []uint64{seed, 7} {
		n := Generate(sd)
		names := map[string]bool{}
		for _, s := range n.Stores {
			if s.Type != bopis.StoreTypeStore {
				continue
			}
			m, ok := n.MetroOf(s.ID)
			if !ok {
				t.Fatalf("%s has no metro", s.ID)
			}
			if d := distanceKm(m.Center, s.Coordinates); d < 1.9 || d > 35.5 {
				t.Errorf("%s (%s) is %.1f km from the centre of %s", s.ID, s.Name, d, m.Name)
			}
			if s.TimeZone != m.TimeZone || s.Address.City != m.Name || s.Address.Region != m.Region || s.Address.Country != "US" {
				t.Errorf("%s: zone %s, address %+v does not match metro %+v", s.ID, s.TimeZone, s.Address, m)
			}
			if !strings.HasPrefix(s.Name, m.Name+" ") {
				t.Errorf("%s is named %q, not after %s", s.ID, s.Name, m.Name)
			}
			if names[s.Name] {
				t.Errorf("two stores are named %q", s.Name)
			}
			names[s.Name] = true
			if !regexp.MustCompile(`^\d+ \S.*$`).MatchString(s.Address.Line1) || !regexp.MustCompile(`^\d{5}$`).MatchString(s.Address.PostalCode) {
				t.Errorf("%s: address %+v", s.ID, s.Address)
			}
			// The ZIP belongs to the metro's state: same first digit as
			// the metro's own range.
			def := metros[n.metroOf[indexOf(n, s.ID)]]
			if zip := fmt.Sprintf("%05d", def.zipLo); s.Address.PostalCode[:2] != zip[:2] {
				t.Errorf("%s: ZIP %s outside %s", s.ID, s.Address.PostalCode, m.Name)
			}
		}
	}
}

func TestEveryBigMetroHasADowntownStore(t *testing.T) {
	for name := range downtownBearings {
		found := false
		for _, m := range metros {
			found = found || m.name == name
		}
		if !found {
			t.Errorf("downtownBearings names %q, which is not a metro", name)
		}
	}
	n := Generate(seed)
	first := map[string]bool{}
	for _, s := range n.Stores {
		m, ok := n.MetroOf(s.ID)
		if !ok || first[m.Name] || m.Stores < 3 {
			continue
		}
		first[m.Name] = true
		if d := distanceKm(m.Center, s.Coordinates); s.Name != m.Name+" – Downtown" || d > 5.1 {
			t.Errorf("first store of %s is %q, %.1f km out; want its downtown flagship", m.Name, s.Name, d)
		}
	}
}

func indexOf(n *Network, id string) int { return n.storeIdx[id] }

func TestHoursVariety(t *testing.T) {
	for _, sd := range []uint64{seed, 0, 99} {
		n := Generate(sd)
		var all24, closedSun, overnightStores, split, curbside, pickup int
		for _, s := range n.Stores {
			if s.Type != bopis.StoreTypeStore {
				continue
			}
			pickup++
			if s.Offers(bopis.PickupCurbside) {
				curbside++
			}
			if len(s.Hours.Sunday) == 0 {
				closedSun++
			}
			around := true
			night, twoOnADay := false, false
			for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
				ivs := s.Hours.Day(d)
				if len(ivs) != 1 || ivs[0] != iv("00:00", "24:00") {
					around = false
				}
				if len(ivs) > 1 {
					twoOnADay = true
				}
				for _, x := range ivs {
					if open, close, _ := x.Minutes(); close > 24*60 && open < close {
						night = true
					}
				}
			}
			if around {
				all24++
			}
			if night {
				overnightStores++
			}
			if twoOnADay {
				split++
			}
		}
		if all24 == 0 || closedSun == 0 || overnightStores == 0 || split == 0 {
			t.Errorf("seed %d: %d open 24h, %d closed Sundays, %d open past midnight, %d closed for lunch; want each at least 1",
				sd, all24, closedSun, overnightStores, split)
		}
		if share := float64(curbside) / float64(pickup); share < 0.25 || share > 0.55 {
			t.Errorf("seed %d: curbside at %.0f%% of stores, want about 40%%", sd, 100*share)
		}
		if all24 > pickup/4 {
			t.Errorf("seed %d: %d of %d stores open 24h; most should keep regular hours", sd, all24, pickup)
		}
	}
}

func TestSettingsVary(t *testing.T) {
	n := Generate(seed)
	prep, cutoff, hold, slot := map[int]bool{}, map[int]bool{}, map[int]bool{}, map[int]bool{}
	unlimited := 0
	for _, s := range n.Stores {
		if s.Type != bopis.StoreTypeStore {
			continue
		}
		prep[s.PrepMinutes], cutoff[s.CutoffMinutes], hold[s.HoldDays], slot[s.SlotMinutes] = true, true, true, true
		if s.SlotCapacity == 0 {
			unlimited++
		} else if s.SlotCapacity < 10 || s.SlotCapacity > 30 {
			t.Errorf("%s: slot capacity %d", s.ID, s.SlotCapacity)
		}
	}
	if len(prep) != 5 || len(cutoff) != 3 || len(hold) != 3 || len(slot) != 2 {
		t.Errorf("settings barely vary: prep %v cutoff %v hold %v slot %v", prep, cutoff, hold, slot)
	}
	if unlimited == 0 || unlimited > 40 {
		t.Errorf("%d stores with unlimited slots, want a few", unlimited)
	}
}

func TestHolidays(t *testing.T) {
	n := Generate(seed)
	closed := map[string]int{}
	eve, extra, pickup := 0, 0, 0
	holidays := map[string]bool{thanksgiving: true, christmas: true, newYear: true, christmasEve: true, blackFriday: true}
	for _, s := range n.Stores {
		if s.Type != bopis.StoreTypeStore {
			continue
		}
		pickup++
		for _, sh := range s.SpecialHours {
			if sh.Label == "" {
				t.Errorf("%s: special hours of %s have no label", s.ID, sh.Date)
			}
			if sh.Closed {
				closed[sh.Date]++
			}
			if sh.Date == christmasEve && len(sh.Intervals) > 0 {
				eve++
			}
			if !holidays[sh.Date] {
				extra++
				if sh.Date < "2026-12-01" || sh.Date > "2027-02-28" || !sh.Closed {
					t.Errorf("%s: odd extra date %+v", s.ID, sh)
				}
			}
		}
	}
	for _, d := range []string{thanksgiving, christmas, newYear} {
		if closed[d] < pickup*3/4 {
			t.Errorf("%d of %d stores closed on %s, want most", closed[d], pickup, d)
		}
	}
	if closed[christmas] != pickup {
		t.Errorf("%d of %d stores closed on Christmas Day, want all", closed[christmas], pickup)
	}
	if eve < pickup*3/4 {
		t.Errorf("%d stores with short hours on Christmas Eve", eve)
	}
	if extra == 0 || extra > pickup/3 {
		t.Errorf("%d extra closed dates, want some", extra)
	}
}

func TestCatalog(t *testing.T) {
	n := Generate(seed)
	if len(n.SKUs) != NumSKUs {
		t.Fatalf("%d SKUs, want %d", len(n.SKUs), NumSKUs)
	}
	names := map[string]bool{}
	shipOnly, extra := 0, 0
	for i, k := range n.SKUs {
		if want := fmt.Sprintf("SKU-%06d", i+1); k.SKU != want {
			t.Errorf("SKU %d is %s, want %s", i, k.SKU, want)
		}
		if k.VariantID == nil || *k.VariantID != int64(i+1) {
			t.Errorf("%s: variant_id %v, want %d", k.SKU, k.VariantID, i+1)
		}
		if names[k.Name] {
			t.Errorf("two SKUs are named %q", k.Name)
		}
		names[k.Name] = true
		if len(strings.Fields(k.Name)) < 2 {
			t.Errorf("%s: name %q is too thin for a product", k.SKU, k.Name)
		}
		bulky := strings.HasSuffix(k.Name, "(Oversized)") || strings.HasSuffix(k.Name, "(Hazmat)")
		if bulky == k.PickupEligible {
			t.Errorf("%s %q: pickup_eligible %v", k.SKU, k.Name, k.PickupEligible)
		}
		if !k.PickupEligible {
			shipOnly++
		}
		if k.ExtraPrepMinutes > 0 {
			extra++
			if k.ExtraPrepMinutes < 15 || k.ExtraPrepMinutes > 60 {
				t.Errorf("%s: extra prep %d", k.SKU, k.ExtraPrepMinutes)
			}
		}
		if k.LowStockThreshold < 0 || k.LowStockThreshold > 5 || !k.Active {
			t.Errorf("%s: threshold %d, active %v", k.SKU, k.LowStockThreshold, k.Active)
		}
	}
	if shipOnly != NumSKUs/20 {
		t.Errorf("%d SKUs not pickup eligible, want 5%%", shipOnly)
	}
	if extra != NumSKUs/10 {
		t.Errorf("%d SKUs with extra prep, want 10%%", extra)
	}
}

func TestVocabularyIsBigEnough(t *testing.T) {
	elig, ship := names(categories...), names(bulky)
	if len(elig) < NumSKUs {
		t.Errorf("only %d product names for %d pickable SKUs", len(elig), NumSKUs-numIneligible)
	}
	if len(ship) < numIneligible {
		t.Errorf("only %d ship-only names for %d SKUs", len(ship), numIneligible)
	}
	t.Logf("%d pickable names, %d ship-only names", len(elig), len(ship))
}

func TestStock(t *testing.T) {
	n := Generate(seed)
	type tally struct{ lines, zeros, upTo40, min int }
	per := map[string]*tally{}
	n.Stock(func(storeID, sku string, onHand int) {
		tl := per[storeID]
		if tl == nil {
			tl = &tally{min: math.MaxInt}
			per[storeID] = tl
		}
		tl.lines++
		if onHand < 0 {
			t.Fatalf("%s %s: on hand %d", storeID, sku, onHand)
		}
		if onHand == 0 {
			tl.zeros++
		}
		if onHand <= 40 {
			tl.upTo40++
		}
		tl.min = min(tl.min, onHand)
	})
	var lines, zeros, upTo40, large int
	for _, s := range n.Stores {
		tl := per[s.ID]
		if tl == nil {
			t.Errorf("%s has no stock", s.ID)
			continue
		}
		if s.Type == bopis.StoreTypeWarehouse {
			if tl.lines != len(n.SKUs) || tl.min < 100 {
				t.Errorf("warehouse %s carries %d SKUs, at least %d each", s.ID, tl.lines, tl.min)
			}
			continue
		}
		if share := float64(tl.lines) / float64(len(n.SKUs)); share < 0.55 || share > 0.95 {
			t.Errorf("%s carries %.0f%% of the catalog", s.ID, 100*share)
		}
		lines += tl.lines
		zeros += tl.zeros
		upTo40 += tl.upTo40
		large += tl.lines - tl.upTo40
	}
	if f := float64(upTo40) / float64(lines); f < 0.85 {
		t.Errorf("only %.0f%% of store counts are 0–40", 100*f)
	}
	if zeros == 0 || large == 0 {
		t.Errorf("%d sold-out lines and %d large counts; want some of each", zeros, large)
	}
	// Issue 40: a fresh demo opens a low-stock alert for a sold-out line
	// only, not for every line that happens to be short.
	threshold := map[string]int{}
	for _, k := range n.SKUs {
		threshold[k.SKU] = k.LowStockThreshold
	}
	n.Stock(func(storeID, sku string, onHand int) {
		if onHand > 0 && onHand <= threshold[sku] {
			t.Fatalf("%s %s: %d on hand, at its low-stock threshold %d", storeID, sku, onHand, threshold[sku])
		}
	})
	if f := float64(zeros) / float64(lines); f > 0.01 {
		t.Errorf("%.1f%% of store lines are sold out: that many low-stock alerts at start", 100*f)
	}
	// OnHand agrees with Stock.
	n.Stock(func(storeID, sku string, onHand int) {
		if q, ok := n.OnHand(storeID, sku); !ok || q != onHand {
			t.Fatalf("OnHand(%s, %s) = %d, %v; Stock said %d", storeID, sku, q, ok, onHand)
		}
	})
	if _, ok := n.OnHand("s-9999", "SKU-000001"); ok {
		t.Error("an unknown store carries stock")
	}
	t.Logf("%d store lines (%d sold out, %d above 40), %d per warehouse", lines, zeros, large, len(n.SKUs))
}

func TestPickupItemsInStockInEveryMetro(t *testing.T) {
	// A shopper in any metro finds nearly every pickable SKU in stock at
	// some store of the metro.
	n := Generate(seed)
	metroOf := map[string]string{}
	for _, s := range n.Stores {
		if m, ok := n.MetroOf(s.ID); ok {
			metroOf[s.ID] = m.Name
		}
	}
	pickable := map[string]bool{}
	for _, k := range n.SKUs {
		pickable[k.SKU] = k.PickupEligible
	}
	found := map[string]map[string]bool{}
	n.Stock(func(storeID, sku string, onHand int) {
		m := metroOf[storeID]
		if m == "" || onHand == 0 || !pickable[sku] {
			return
		}
		if found[m] == nil {
			found[m] = map[string]bool{}
		}
		found[m][sku] = true
	})
	want := NumSKUs - numIneligible
	for _, m := range Metros() {
		need := want * 90 / 100
		if m.Stores < 3 {
			need = want * 75 / 100
		}
		if got := len(found[m.Name]); got < need {
			t.Errorf("%s has %d of %d pickable SKUs in stock", m.Name, got, want)
		}
	}
}

// BenchmarkGenerate and BenchmarkStock measure what `bopis demo` spends
// before it touches the database.
func BenchmarkGenerate(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		Generate(uint64(i))
	}
}

func BenchmarkStock(b *testing.B) {
	n := Generate(seed)
	for b.Loop() {
		n.Stock(func(string, string, int) {})
	}
}
