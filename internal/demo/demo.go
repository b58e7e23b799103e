// Package demo generates a realistic demo retail network: some 320 pickup
// stores around 52 real US metro areas, four warehouses, a 2,000-SKU
// catalog and the stock of every store. It is pure and deterministic: no
// I/O, no clock, and the same seed gives the same network byte for byte.
// The caller stores what it returns.
package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/bopis/bopis"
)

// Sizes of the generated network.
const (
	NumSKUs          = 2000
	numIneligible    = NumSKUs / 20 // 5%: oversized and hazmat, ship only
	numExtraPrep     = NumSKUs / 10 // 10%: take longer to stage
	warehouseLocBase = 9000         // warehouse location_ids are 9001, 9002, ...
)

// Streams of the PCG source, one per part of the network, so that each
// part depends on the seed alone.
const (
	streamStores = 0x73746f7265730001
	streamSKUs   = 0x736b757300000002
)

// Network is a generated retail network.
type Network struct {
	// Stores are the pickup stores (ids s-0001, s-0002, ..., location_id
	// 1, 2, ...) followed by the warehouses (w-01, ..., location_id 9001,
	// ...). Each passes Store.Validate; CreatedAt and UpdatedAt are zero.
	Stores []bopis.Store
	// SKUs are the catalog (SKU-000001, ..., variant_id 1, 2, ...). Each
	// passes SKU.Validate; CreatedAt and UpdatedAt are zero.
	SKUs []bopis.SKU

	seed     uint64
	metroOf  []int // index into metros per store; -1 for a warehouse
	storeIdx map[string]int
	skuIdx   map[string]int
	items    []item // where each SKU's name comes from, by index
}

// Generate builds the network for seed. The same seed gives the same
// network, byte for byte; the metros and store counts (Metros) are the same
// for every seed.
func Generate(seed uint64) *Network {
	n := &Network{seed: seed}
	n.genStores(rand.New(rand.NewPCG(seed, streamStores)))
	n.genSKUs(rand.New(rand.NewPCG(seed, streamSKUs)))
	n.storeIdx = make(map[string]int, len(n.Stores))
	for i := range n.Stores {
		n.storeIdx[n.Stores[i].ID] = i
	}
	n.skuIdx = make(map[string]int, len(n.SKUs))
	for i := range n.SKUs {
		n.skuIdx[n.SKUs[i].SKU] = i
	}
	return n
}

// MetroOf returns the metro area of the pickup store storeID; false for a
// warehouse or an unknown id.
func (n *Network) MetroOf(storeID string) (Metro, bool) {
	i, ok := n.storeIdx[storeID]
	if !ok || n.metroOf[i] < 0 {
		return Metro{}, false
	}
	return metros[n.metroOf[i]].public(), true
}

// ---- stores ----

// streets are generic US street names for store addresses.
var streets = []string{
	"Main St", "Oak Ave", "Maple Ave", "Washington Blvd", "Lincoln Ave", "Park Ave", "Elm St",
	"Market St", "Broadway", "Central Ave", "Highland Ave", "Lake St", "Hillcrest Dr", "Cedar Ln",
	"Pine St", "Jefferson Ave", "Madison St", "Franklin Blvd", "Commerce Dr", "Grand Ave",
	"University Ave", "Center St", "River Rd", "Mill Rd", "Church St", "Spring St", "Walnut St",
	"Chestnut St", "Ridge Rd", "Valley View Dr", "Meadow Ln", "Forest Ave", "Town Center Dr",
	"Crossroads Blvd", "Gateway Blvd", "Plaza Dr", "Sycamore St", "Willow Rd", "Union St",
	"Liberty Ave", "Jackson St", "Adams St", "Kennedy Blvd", "Martin Luther King Jr Blvd",
	"3rd St", "5th Ave", "7th St", "12th Ave", "Airport Rd", "College Ave", "Memorial Pkwy",
	"Station Rd", "Fairview Ave", "Sunset Blvd", "Parkway Dr", "Pleasant St", "Cherry St",
}

// compass names the eight directions, clockwise from north.
var compass = [8]string{"North", "Northeast", "East", "Southeast", "South", "Southwest", "West", "Northwest"}

// area names a part of a metro by its distance and bearing from the centre.
func area(km, bearing float64) string {
	if km < 6 {
		return "Downtown"
	}
	dir := compass[int(math.Mod(bearing+22.5, 360)/45)%8]
	if km < 18 {
		return dir
	}
	return "Far " + dir
}

// offset moves km along bearing (degrees clockwise from north) from a
// point, on a sphere flat enough at these distances.
func offset(lat, lon, km, bearing float64) (float64, float64) {
	const kmPerDegLat, kmPerDegLonAtEquator = 110.574, 111.320
	b := bearing * math.Pi / 180
	dlat := km * math.Cos(b) / kmPerDegLat
	dlon := km * math.Sin(b) / (kmPerDegLonAtEquator * math.Cos(lat*math.Pi/180))
	return round5(lat + dlat), round5(lon + dlon)
}

func round5(x float64) float64 { return math.Round(x*1e5) / 1e5 }

func (n *Network) genStores(r *rand.Rand) {
	total := 0
	for _, m := range metros {
		total += m.stores
	}
	n.Stores = make([]bopis.Store, 0, total+len(warehouses))
	n.metroOf = make([]int, 0, total+len(warehouses))
	num := 0
	for mi := range metros {
		m := &metros[mi]
		used := map[string]bool{}
		for k := 0; k < m.stores; k++ {
			num++
			// The first store of a bigger metro is its downtown flagship;
			// the others spread out, more of them in the suburbs.
			km := 2 + (m.maxKm-2)*math.Pow(r.Float64(), 0.75)
			if k == 0 && m.stores >= 3 {
				km = 2 + 3*r.Float64()
			}
			from, span := m.bearFrom, m.bearSpan
			if b, ok := downtownBearings[m.name]; ok && k == 0 && m.stores >= 3 {
				from, span = b[0], b[1]
			}
			bearing := math.Mod(from+span*r.Float64(), 360)
			lat, lon := offset(m.lat, m.lon, km, bearing)

			street := streets[r.IntN(len(streets))]
			addr := bopis.Address{
				Line1:      fmt.Sprintf("%d %s", 10+r.IntN(200+int(300*km)), street),
				City:       m.name,
				Region:     m.region,
				PostalCode: fmt.Sprintf("%05d", m.zipLo+r.IntN(m.zipHi-m.zipLo+1)),
				Country:    "US",
			}
			if r.IntN(5) == 0 {
				addr.Line2 = fmt.Sprintf("Suite %d", 100+10*r.IntN(30))
			}

			name := m.name + " – " + area(km, bearing)
			if used[name] {
				name = m.name + " – " + street
			}
			if used[name] {
				name = fmt.Sprintf("%s #%d", m.name, k+1)
			}
			used[name] = true

			loc := int64(num)
			s := bopis.Store{
				ID:          fmt.Sprintf("s-%04d", num),
				Name:        name,
				Type:        bopis.StoreTypeStore,
				LocationID:  &loc,
				Address:     addr,
				Coordinates: bopis.Coordinates{Latitude: lat, Longitude: lon},
				TimeZone:    m.zone,
				Active:      true,
			}
			s.PickupMethods = []bopis.PickupMethod{bopis.PickupInStore}
			if r.Float64() < 0.4 {
				s.PickupMethods = append(s.PickupMethods, bopis.PickupCurbside)
			}
			s.PrepMinutes = pick(r, []int{30, 45, 45, 60, 60, 60, 90, 120})
			s.CutoffMinutes = pick(r, []int{30, 60, 60, 90})
			s.HoldDays = pick(r, []int{3, 5, 5, 7})
			s.SlotMinutes = pick(r, []int{30, 60, 60})
			s.SlotCapacity = 10 + r.IntN(21)
			if r.IntN(25) == 0 {
				s.SlotCapacity = 0 // unlimited
			}
			n.Stores = append(n.Stores, s)
			n.metroOf = append(n.metroOf, mi)
		}
	}

	// Hours: draw a profile per store, then make sure each kind the demo
	// shows off is there at least once.
	profiles := make([]profile, len(n.Stores))
	seen := map[profile]bool{}
	for i := range profiles {
		profiles[i] = drawProfile(r)
		seen[profiles[i]] = true
	}
	for _, want := range []profile{open24h, closedSundays, overnight, splitDay} {
		if !seen[want] {
			for {
				i := r.IntN(len(profiles))
				if profiles[i] == standard {
					profiles[i] = want
					break
				}
			}
		}
	}
	for i := range n.Stores {
		s := &n.Stores[i]
		s.Hours = hours(r, profiles[i])
		s.SpecialHours = specialHours(r, profiles[i])
	}

	for wi, w := range warehouses {
		loc := int64(warehouseLocBase + wi + 1)
		s := bopis.Store{
			ID:         fmt.Sprintf("w-%02d", wi+1),
			Name:       "Distribution Center – " + w.city,
			Type:       bopis.StoreTypeWarehouse,
			LocationID: &loc,
			Address: bopis.Address{
				Line1:      fmt.Sprintf("%d %s", 1000+r.IntN(9000), w.street),
				City:       w.city,
				Region:     w.region,
				PostalCode: w.zip,
				Country:    "US",
			},
			Coordinates:   bopis.Coordinates{Latitude: w.lat, Longitude: w.lon},
			TimeZone:      w.zone,
			PickupMethods: []bopis.PickupMethod{},
			PrepMinutes:   120,
			CutoffMinutes: 60,
			HoldDays:      1,
			SlotMinutes:   60,
			SlotCapacity:  0,
			Active:        true,
		}
		if w.roundTheClock {
			s.Hours = week(nil, nil, nil, nil, nil, []bopis.Interval{iv("06:00", "18:00")}, nil)
			for _, d := range weekdays {
				s.Hours.SetDay(d, []bopis.Interval{iv("00:00", "24:00")})
			}
		} else {
			s.Hours = week(nil, nil, nil, nil, nil, []bopis.Interval{iv("06:00", "14:00")}, nil)
			for _, d := range weekdays {
				s.Hours.SetDay(d, []bopis.Interval{iv("06:00", "22:00")})
			}
		}
		s.SpecialHours = []bopis.SpecialHours{
			{Date: thanksgiving, Closed: true, Label: "Thanksgiving"},
			{Date: christmas, Closed: true, Label: "Christmas Day"},
			{Date: newYear, Closed: true, Label: "New Year's Day"},
		}
		n.Stores = append(n.Stores, s)
		n.metroOf = append(n.metroOf, -1)
	}
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// profile is a kind of opening hours.
type profile int

const (
	standard      profile = iota // Mon–Sat days, shorter Sunday
	extended                     // early to late every day
	open24h                      // around the clock
	closedSundays                // weekdays and Saturday only
	splitDay                     // closed for lunch on weekdays
	overnight                    // open past midnight on weekends
)

func drawProfile(r *rand.Rand) profile {
	switch x := r.IntN(100); {
	case x < 55:
		return standard
	case x < 67:
		return extended
	case x < 75:
		return open24h
	case x < 87:
		return closedSundays
	case x < 95:
		return splitDay
	default:
		return overnight
	}
}

var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

func iv(open, close string) bopis.Interval { return bopis.Interval{Open: open, Close: close} }

// week builds WeeklyHours from Monday..Sunday; a nil day is closed (an
// empty, non-nil list). Every day gets its own slice.
func week(days ...[]bopis.Interval) bopis.WeeklyHours {
	var w bopis.WeeklyHours
	order := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	for i, d := range order {
		w.SetDay(d, append([]bopis.Interval{}, days[i]...))
	}
	return w
}

func same(n int, ivs ...bopis.Interval) [][]bopis.Interval {
	out := make([][]bopis.Interval, n)
	for i := range out {
		out[i] = ivs
	}
	return out
}

func hours(r *rand.Rand, p profile) bopis.WeeklyHours {
	switch p {
	case extended:
		return week(same(7, iv("07:00", "23:00"))...)
	case open24h:
		return week(same(7, iv("00:00", "24:00"))...)
	case closedSundays:
		day := pick(r, []bopis.Interval{iv("08:00", "20:00"), iv("07:00", "19:00"), iv("09:00", "19:00")})
		d := same(5, day)
		return week(append(d, []bopis.Interval{iv("09:00", "18:00")}, nil)...)
	case splitDay:
		d := same(5, iv("08:00", "12:00"), iv("13:00", "20:00"))
		return week(append(d, []bopis.Interval{iv("09:00", "17:00")}, []bopis.Interval{iv("10:00", "16:00")})...)
	case overnight:
		// Sunday to Thursday until midnight, Friday and Saturday until 2 am.
		late, later := iv("08:00", "24:00"), iv("08:00", "02:00")
		return week(append(same(4, late), []bopis.Interval{later}, []bopis.Interval{later}, []bopis.Interval{late})...)
	default:
		open := pick(r, []string{"08:00", "09:00", "09:00", "10:00"})
		close := pick(r, []string{"20:00", "21:00", "21:00", "22:00"})
		sun := pick(r, []bopis.Interval{iv("10:00", "18:00"), iv("10:00", "18:00"), iv("11:00", "19:00"), iv("10:00", "19:00")})
		return week(append(same(6, iv(open, close)), []bopis.Interval{sun})...)
	}
}

// The holiday season the demo network is set up for.
const (
	thanksgiving = "2026-11-26"
	blackFriday  = "2026-11-27"
	christmasEve = "2026-12-24"
	christmas    = "2026-12-25"
	newYear      = "2027-01-01"
)

// blockedLabels name the odd extra date a store closes.
var blockedLabels = []string{"Inventory count", "Inventory count", "Staff training", "Floor remodel", "Private event"}

func specialHours(r *rand.Rand, p profile) []bopis.SpecialHours {
	var out []bopis.SpecialHours
	if p == open24h {
		// Around-the-clock stores stay open on Thanksgiving and New
		// Year's Day and close early on Christmas Eve.
		out = append(out,
			bopis.SpecialHours{Date: christmasEve, Intervals: []bopis.Interval{iv("00:00", "20:00")}, Label: "Christmas Eve"},
			bopis.SpecialHours{Date: christmas, Closed: true, Label: "Christmas Day"},
		)
	} else {
		out = append(out,
			bopis.SpecialHours{Date: thanksgiving, Closed: true, Label: "Thanksgiving"},
			bopis.SpecialHours{Date: christmasEve, Intervals: []bopis.Interval{iv("09:00", "15:00")}, Label: "Christmas Eve"},
			bopis.SpecialHours{Date: christmas, Closed: true, Label: "Christmas Day"},
			bopis.SpecialHours{Date: newYear, Closed: true, Label: "New Year's Day"},
		)
		if (p == standard || p == extended) && r.IntN(2) == 0 {
			out = append(out, bopis.SpecialHours{Date: blackFriday, Intervals: []bopis.Interval{iv("06:00", "23:00")}, Label: "Black Friday"})
		}
	}
	// Some stores close an extra day or two between December and February.
	if r.IntN(8) == 0 {
		start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		for extra := 1 + r.IntN(2); extra > 0; {
			date := start.AddDate(0, 0, r.IntN(90)).Format(time.DateOnly)
			if hasDate(out, date) {
				continue
			}
			out = append(out, bopis.SpecialHours{Date: date, Closed: true, Label: pick(r, blockedLabels)})
			extra--
		}
	}
	sortByDate(out)
	return out
}

func hasDate(list []bopis.SpecialHours, date string) bool {
	for _, sh := range list {
		if sh.Date == date {
			return true
		}
	}
	return false
}

func sortByDate(list []bopis.SpecialHours) {
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && list[j].Date < list[j-1].Date; j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// ---- SKUs ----

func (n *Network) genSKUs(r *rand.Rand) {
	eligible := names(categories...)
	shipOnly := names(bulky)
	r.Shuffle(len(eligible), func(i, j int) { eligible[i], eligible[j] = eligible[j], eligible[i] })
	r.Shuffle(len(shipOnly), func(i, j int) { shipOnly[i], shipOnly[j] = shipOnly[j], shipOnly[i] })

	type entry struct {
		name     string
		eligible bool
	}
	all := make([]entry, 0, NumSKUs)
	for _, s := range eligible[:NumSKUs-numIneligible] {
		all = append(all, entry{s, true})
	}
	for _, s := range shipOnly[:numIneligible] {
		all = append(all, entry{s, false})
	}
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })

	n.SKUs = make([]bopis.SKU, len(all))
	n.items = make([]item, len(all))
	from := items()
	var pickable []int
	for i, e := range all {
		v := int64(i + 1)
		n.SKUs[i] = bopis.SKU{
			SKU:               fmt.Sprintf("SKU-%06d", i+1),
			Name:              e.name,
			VariantID:         &v,
			PickupEligible:    e.eligible,
			LowStockThreshold: r.IntN(6),
			Active:            true,
		}
		n.items[i] = from[e.name]
		describe(&n.SKUs[i], i, n.items[i])
		if e.eligible {
			pickable = append(pickable, i)
		}
	}
	// A tenth of the catalog takes longer to stage (from the back room,
	// behind a counter, needs a check).
	r.Shuffle(len(pickable), func(i, j int) { pickable[i], pickable[j] = pickable[j], pickable[i] })
	for _, i := range pickable[:numExtraPrep] {
		n.SKUs[i].ExtraPrepMinutes = pick(r, []int{15, 20, 30, 30, 45, 60})
	}
}

// ---- stock ----

// Stock calls fn for every (store, SKU) the store carries with its on-hand
// count, store by store in the order of Stores and SKUs. A pickup store
// carries 60 to 90% of the catalog, mostly 1 to 40 units, a few lines at
// zero, a few in the hundreds; a warehouse carries every SKU in the
// thousands. Every count but a sold-out one is above its SKU's low-stock
// threshold, so a fresh demo opens a few thousand low-stock alerts, the
// sold-out lines', not one per line that happens to be short (issue 40:
// 156,845 of them drowned the demo's outbox).
// The counts derive from the seed and the store's and SKU's positions
// alone, so Stock holds nothing in memory and gives the same answer every
// time.
func (n *Network) Stock(fn func(storeID, sku string, onHand int)) {
	pop := make([]float64, len(n.SKUs))
	for j := range pop {
		pop[j] = popularity(n.seed, j)
	}
	for i := range n.Stores {
		st := storeStock(n.seed, i, n.Stores[i].Type == bopis.StoreTypeWarehouse)
		id := n.Stores[i].ID
		for j := range n.SKUs {
			if q, ok := st.level(j, pop[j], n.SKUs[j].LowStockThreshold); ok {
				fn(id, n.SKUs[j].SKU, q)
			}
		}
	}
}

// OnHand returns the count Stock gives for storeID and sku, and whether the
// store carries the SKU at all.
func (n *Network) OnHand(storeID, sku string) (onHand int, carried bool) {
	i, ok1 := n.storeIdx[storeID]
	j, ok2 := n.skuIdx[sku]
	if !ok1 || !ok2 {
		return 0, false
	}
	st := storeStock(n.seed, i, n.Stores[i].Type == bopis.StoreTypeWarehouse)
	return st.level(j, popularity(n.seed, j), n.SKUs[j].LowStockThreshold)
}

// stockOf is what the stock of one store depends on.
type stockOf struct {
	seed      uint64
	store     int
	warehouse bool
	share     float64 // part of the catalog carried
	size      float64 // bigger stores hold more of each SKU
}

func storeStock(seed uint64, i int, warehouse bool) stockOf {
	h := mix(seed, uint64(i), math.MaxUint64)
	return stockOf{
		seed:      seed,
		store:     i,
		warehouse: warehouse,
		share:     0.6 + 0.3*unit(h),
		size:      0.7 + 0.6*unit(splitmix(h)),
	}
}

// popularity scales how much of SKU j stores keep: 0.3 for a slow mover
// to 1.5 for a best seller.
func popularity(seed uint64, j int) float64 {
	return 0.3 + 1.2*unit(mix(seed, math.MaxUint64, uint64(j)))
}

func (s stockOf) level(j int, pop float64, threshold int) (int, bool) {
	h := mix(s.seed, uint64(s.store), uint64(j))
	if s.warehouse {
		return 200 + int(4800*unit(h)), true
	}
	if unit(h) >= s.share {
		return 0, false
	}
	h = splitmix(h)
	switch u := unit(h); {
	case u < 0.005: // sold out
		return 0, true
	case u < 0.96: // exponential around a mean of ~10, above the threshold
		q := 1 + int(-math.Log(1-unit(splitmix(h)))*9*pop*s.size)
		return max(min(q, 80), threshold+1), true
	default: // a pallet's worth
		return 80 + int(420*unit(splitmix(h))), true
	}
}

// mix hashes the seed with two positions.
func mix(seed, a, b uint64) uint64 {
	return splitmix(seed ^ splitmix(a+0x9e3779b97f4a7c15) ^ splitmix(b^0xc2b2ae3d27d4eb4f)*3)
}

// splitmix is the SplitMix64 finalizer.
func splitmix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }
