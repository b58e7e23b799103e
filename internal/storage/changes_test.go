package storage_test

import (
	"fmt"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// recorder is a ChangeSink that remembers what it was told.
type recorder struct {
	stores    map[string]bopis.Store
	skus      map[string]bopis.SKU
	overrides map[string]*int64
	levels    map[string][2]int64
	feeds     map[string]time.Time
	bookings  map[string]int
}

func newRecorder() *recorder {
	return &recorder{stores: map[string]bopis.Store{}, skus: map[string]bopis.SKU{}, overrides: map[string]*int64{},
		levels: map[string][2]int64{}, feeds: map[string]time.Time{}, bookings: map[string]int{}}
}

func (r *recorder) PutStore(s bopis.Store) { r.stores[s.ID] = s }
func (r *recorder) PutSKU(k bopis.SKU)     { r.skus[k.SKU] = k }
func (r *recorder) PutOverride(store, sku string, _ *bool, safety *int64) {
	r.overrides[store+"/"+sku] = safety
}
func (r *recorder) PutLevel(store, sku string, onHand, reserved int64) {
	r.levels[store+"/"+sku] = [2]int64{onHand, reserved}
}
func (r *recorder) PutFeed(store string, at time.Time) { r.feeds[store] = at }
func (r *recorder) Apply()                             {}
func (r *recorder) PutBooking(store string, start int64, n int) {
	r.bookings[fmt.Sprintf("%s/%d", store, start)] = n
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestChangeFeedCarriesEveryWrite(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		db.PutStore(ctx, storagetest.Store("s-1"))
		db.PutSKU(ctx, storagetest.SKU("A"))
		db.PutSKU(ctx, storagetest.SKU("B"))
		db.CountStore(ctx, "s-1", time.Now(), []bopis.Count{{SKU: "A", OnHand: 5}})

		r := newRecorder()
		w, err := db.ReadChanges(ctx, storage.Watermark{}, r)
		if err != nil {
			t.Fatal(err)
		}
		if got := keys(r.levels); !reflect.DeepEqual(got, []string{"s-1/A"}) || len(r.stores) != 1 || len(r.skus) != 2 {
			t.Fatalf("first read: stores %v skus %v levels %v", keys(r.stores), keys(r.skus), got)
		}

		// Nothing new: at most the same rows again (PostgreSQL re-sends rows
		// newer than the oldest transaction still running anywhere on the server).
		r2 := newRecorder()
		if w, err = db.ReadChanges(ctx, w, r2); err != nil {
			t.Fatal(err)
		}
		for k, v := range r2.levels {
			if r.levels[k] != v {
				t.Fatalf("re-read with nothing new changed %s to %v", k, v)
			}
		}

		// Each kind of write shows up, and only it.
		db.CountStore(ctx, "s-1", time.Now(), []bopis.Count{{SKU: "A", OnHand: 7}, {SKU: "B", OnHand: 1}})
		s := storagetest.Store("s-1")
		s.Name = "Renamed"
		db.PutStore(ctx, s)
		three := 3
		db.PutStoreSKU(ctx, &bopis.StoreSKU{StoreID: "s-1", SKU: "B", SafetyStock: &three})
		r3 := newRecorder()
		if w, err = db.ReadChanges(ctx, w, r3); err != nil {
			t.Fatal(err)
		}
		if r3.levels["s-1/A"] != [2]int64{7, 0} || r3.levels["s-1/B"] != [2]int64{1, 0} || r3.stores["s-1"].Name != "Renamed" ||
			r3.overrides["s-1/B"] == nil || *r3.overrides["s-1/B"] != 3 {
			t.Fatalf("after writes: levels %v stores %v skus %v overrides %v", r3.levels, keys(r3.stores), keys(r3.skus), r3.overrides)
		}

		// A removed override is told as "inherit everything".
		db.DeleteStoreSKU(ctx, "s-1", "B")
		r4 := newRecorder()
		if _, err = db.ReadChanges(ctx, w, r4); err != nil {
			t.Fatal(err)
		}
		if ov, told := r4.overrides["s-1/B"]; !told || ov != nil {
			t.Fatalf("removal not told: %v", r4.overrides)
		}
	})
}

// Writers committing while a reader follows the feed: the reader ends up
// with every last value, none skipped.
func TestChangeFeedMissesNothingUnderConcurrentWrites(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		db.PutStore(ctx, storagetest.Store("s-1"))
		var skus []*bopis.SKU
		for _, k := range []string{"A", "B", "C", "D", "E", "F", "G", "H"} {
			skus = append(skus, storagetest.SKU(k))
		}
		db.PutSKUs(ctx, skus)
		r := newRecorder()
		w, err := db.ReadChanges(ctx, storage.Watermark{}, r)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex // counts must be applied in as_of order; the reader is what runs concurrently
		asOf := time.Now()
		done := make(chan struct{})
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 1; n <= 20; n++ {
					var counts []bopis.Count
					for _, k := range skus {
						counts = append(counts, bopis.Count{SKU: k.SKU, OnHand: int64(g*100 + n)})
					}
					mu.Lock()
					asOf = asOf.Add(time.Second)
					_, err := db.CountStore(ctx, "s-1", asOf, counts)
					mu.Unlock()
					if err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		go func() { wg.Wait(); close(done) }()
		for reading := true; reading; {
			select {
			case <-done:
				reading = false
			default:
			}
			if w, err = db.ReadChanges(ctx, w, r); err != nil {
				t.Fatal(err)
			}
		}
		if w, err = db.ReadChanges(ctx, w, r); err != nil {
			t.Fatal(err)
		}
		levels, _ := db.Levels(ctx, "s-1", nil)
		for _, l := range levels {
			if got := r.levels["s-1/"+l.SKU]; got != [2]int64{l.OnHand, l.Reserved} {
				t.Errorf("%s: feed says %v, database %d/%d", l.SKU, got, l.OnHand, l.Reserved)
			}
		}
	})
}

// Two bopis processes on one database: what one writes, the other's
// change feed carries (each process follows the feed on its own).
func TestChangeFeedAcrossProcesses(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			url := storagetest.URL(t, backend)
			a, err := storage.Open(ctx, storage.Config{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			b, err := storage.Open(ctx, storage.Config{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			r := newRecorder()
			w, err := b.ReadChanges(ctx, storage.Watermark{}, r)
			if err != nil {
				t.Fatal(err)
			}
			a.PutStore(ctx, storagetest.Store("s-1"))
			a.PutSKU(ctx, storagetest.SKU("A"))
			a.CountStore(ctx, "s-1", time.Now(), []bopis.Count{{SKU: "A", OnHand: 4}})
			if _, err := b.ReadChanges(ctx, w, r); err != nil {
				t.Fatal(err)
			}
			if r.levels["s-1/A"] != [2]int64{4, 0} || r.stores["s-1"].ID != "s-1" {
				t.Fatalf("the other process's feed has levels %v, stores %v", r.levels, keys(r.stores))
			}
		})
	}
}

// The writers that stamp versions themselves (a POS batch, a reservation,
// a slot booking, a reservation undone by a shortfall in the same
// transaction) are carried like every other write, and a later write of
// the same rows is carried again.
func TestChangeFeedCarriesStampedWrites(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		db.PutStore(ctx, storagetest.Store("s-1"))
		db.PutSKU(ctx, storagetest.SKU("A"))
		db.PutSKU(ctx, storagetest.SKU("B"))
		db.CountStore(ctx, "s-1", time.Now(), []bopis.Count{{SKU: "A", OnHand: 5}, {SKU: "B", OnHand: 5}})
		w, err := db.ReadChanges(ctx, storage.Watermark{}, newRecorder())
		if err != nil {
			t.Fatal(err)
		}
		slot := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
		hold := func(id string) {
			t.Helper()
			_, err := db.PlaceHold(ctx, bopis.HoldPlacement{CreatedBy: "k",
				Hold: bopis.Hold{ID: id, Method: bopis.PickupInStore, ExpiresAt: time.Now().Add(time.Hour),
					Lines: []bopis.OrderLineRequest{{SKU: "B", Quantity: 1}}},
				Attempts: []bopis.PickupAttempt{{StoreID: "s-1", TimeZone: "America/Chicago", Capacity: 20,
					Slots: []bopis.PickupWindow{{Start: slot, End: slot.Add(time.Hour)}}}}})
			if err != nil {
				t.Fatal(err)
			}
		}
		read := func() *recorder {
			t.Helper()
			r := newRecorder()
			if w, err = db.ReadChanges(ctx, w, r); err != nil {
				t.Fatal(err)
			}
			return r
		}
		booking := fmt.Sprintf("s-1/%d", slot.Unix())

		minus := int64(-2)
		if res, _, err := db.ApplyInventoryEvents(ctx, []bopis.InventoryEvent{{ID: "e1", StoreID: "s-1", SKU: "A",
			Type: bopis.EventDelta, Delta: &minus, OccurredAt: time.Now()}}, bopis.BatchOptions{}); err != nil || res[0].Status != storage.EventApplied {
			t.Fatalf("POS delta: %v %v", res, err)
		}
		hold("h-1")
		r := read()
		if r.levels["s-1/A"] != [2]int64{3, 0} || r.levels["s-1/B"] != [2]int64{5, 1} || r.feeds["s-1"].IsZero() || r.bookings[booking] != 1 {
			t.Fatalf("after a POS delta and a hold: levels %v feeds %v bookings %v", r.levels, r.feeds, r.bookings)
		}

		// The same rows again, and a shortfall that reserves A then gives it back.
		hold("h-2")
		if _, err := db.Reserve(ctx, "s-1", "short", []bopis.ReserveLine{{SKU: "A", Quantity: 1}, {SKU: "B", Quantity: 99}}); err == nil {
			t.Fatal("reserving more than the stock succeeded")
		}
		r = read()
		if r.levels["s-1/B"] != [2]int64{5, 2} || r.bookings[booking] != 2 {
			t.Fatalf("after a second hold: levels %v bookings %v", r.levels, r.bookings)
		}
		if got, told := r.levels["s-1/A"]; told && got != [2]int64{3, 0} {
			t.Fatalf("the shortfall's undone reservation reads as %v", got)
		}
		if _, err := db.Reserve(ctx, "s-1", "r-1", []bopis.ReserveLine{{SKU: "A", Quantity: 1}}); err != nil {
			t.Fatal(err)
		}
		if r := read(); r.levels["s-1/A"] != [2]int64{3, 1} {
			t.Fatalf("after reserving A: %v", r.levels)
		}
	})
}
