package storage_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// eligibilityNetwork: store s-1 (slots without a capacity) and s-2 (a
// capacity of 20), store "gone" (deactivated), warehouse "wh"; SKUs A
// (eligible), NOPE (not pickup-eligible), LOCAL (not eligible at s-1
// and s-2 by their overrides), OFF (deactivated), BIG (not eligible but
// for s-1's override); 100 of each everywhere.
func eligibilityNetwork(t *testing.T, db *storage.DB) {
	t.Helper()
	for _, id := range []string{"s-1", "s-2", "gone", "wh"} {
		s := storagetest.Store(id)
		s.SlotCapacity = 0
		switch id {
		case "s-2":
			s.SlotCapacity = 20
		case "wh":
			s.Type, s.PickupMethods = bopis.StoreTypeWarehouse, nil
		}
		if _, err := db.PutStore(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	no, yes := false, true
	var counts []bopis.Count
	for _, k := range []string{"A", "NOPE", "LOCAL", "OFF", "BIG"} {
		sku := storagetest.SKU(k)
		sku.PickupEligible = k != "NOPE" && k != "BIG"
		if _, err := db.PutSKU(ctx, sku); err != nil {
			t.Fatal(err)
		}
		counts = append(counts, bopis.Count{SKU: k, OnHand: 100})
	}
	for _, o := range []bopis.StoreSKU{{StoreID: "s-1", SKU: "LOCAL", PickupEligible: &no},
		{StoreID: "s-2", SKU: "LOCAL", PickupEligible: &no}, {StoreID: "s-1", SKU: "BIG", PickupEligible: &yes}} {
		if err := db.PutStoreSKU(ctx, &o); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"s-1", "s-2", "gone", "wh"} {
		if _, err := db.CountStore(ctx, id, time.Now(), counts); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.DeactivateSKU(ctx, "OFF"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DeactivateStore(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
}

var slot = time.Now().Add(24 * time.Hour).Truncate(time.Hour)

func at(store string) bopis.PickupAttempt {
	return bopis.PickupAttempt{StoreID: store, TimeZone: "America/Chicago", Capacity: map[string]int{"s-2": 20}[store],
		Slots: []bopis.PickupWindow{{Start: slot, End: slot.Add(time.Hour)}}}
}

func lines(skus ...string) []bopis.ReserveLine {
	var out []bopis.ReserveLine
	for _, s := range skus {
		out = append(out, bopis.ReserveLine{SKU: s, Quantity: 1})
	}
	return out
}

// placeAt places an order of one unit of each SKU at store, as a shopper
// naming the store does.
func placeAt(db *storage.DB, id, store string, skus ...string) (*bopis.Order, error) {
	o, _, err := db.PlaceOrder(ctx, bopis.Placement{Order: pickupOrder(id, lines(skus...)...), PlacedBy: "k-1",
		Attempts: []bopis.PickupAttempt{at(store)}, Routing: bopis.Routing{Requested: true}})
	return o, err
}

func holdAt(db *storage.DB, id, store string, skus ...string) (*bopis.Hold, error) {
	h := bopis.Hold{ID: id, Method: bopis.PickupInStore, ExpiresAt: time.Now().Add(10 * time.Minute)}
	for _, l := range lines(skus...) {
		h.Lines = append(h.Lines, bopis.OrderLineRequest{SKU: l.SKU, Quantity: l.Quantity, Fulfillment: bopis.FulfillPickup,
			UnitPrice: bopis.Money{Amount: 1000, Currency: "USD"}})
	}
	return db.PlaceHold(ctx, bopis.HoldPlacement{Hold: h, CreatedBy: "k-1", Attempts: []bopis.PickupAttempt{at(store)}})
}

// problem is a domain error as code and "field: message" lines.
func problem(err error) (string, []string) {
	var e *bopis.Error
	if !errors.As(err, &e) {
		return "", nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Path+": "+f.Message)
	}
	return e.Code, out
}

// nothingHeld fails the test unless no store holds anything: no units
// reserved, no open reservation, no slot booked.
func nothingHeld(t *testing.T, db *storage.DB) {
	t.Helper()
	for _, store := range []string{"s-1", "s-2", "gone", "wh"} {
		levels, err := db.Levels(ctx, store, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range levels {
			if l.Reserved != 0 {
				t.Errorf("%s/%s: %d reserved", store, l.SKU, l.Reserved)
			}
		}
		if open, _ := db.Reservations(ctx, store, "", bopis.ReservationOpen); len(open) > 0 {
			t.Errorf("%s: open reservations %v", store, open)
		}
		bookings, err := db.SlotBookings(ctx, store, 0)
		if err != nil {
			t.Fatal(err)
		}
		for start, n := range bookings {
			if n > 0 {
				t.Errorf("%s: %d booked in the slot at %d", store, n, start)
			}
		}
		storagetest.CheckReplay(t, db, store)
	}
}

// Item 3 of issue 37: an order or hold that names its store applied no
// eligibility at all. Every reservation for pickup now applies the rules
// of checkout in its transaction: the SKU active and pickup-eligible (the
// store's override first), the store active and a store. Nothing is held
// for what is refused.
func TestPickupPlacementsApplyEligibility(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		eligibilityNetwork(t, db)
		for _, c := range []struct {
			name  string
			store string
			skus  []string
			code  string
			field string // "path: message"
		}{
			{"globally ineligible", "s-1", []string{"A", "NOPE"}, bopis.ECONFLICT, "lines[1].sku: NOPE is not eligible for pickup"},
			{"ineligible by the store's override", "s-1", []string{"LOCAL"}, bopis.ECONFLICT,
				"lines[0].sku: LOCAL is not eligible for pickup at store s-1 (the store's override)"},
			{"ineligible by override, slots with a capacity", "s-2", []string{"A", "LOCAL"}, bopis.ECONFLICT,
				"lines[1].sku: LOCAL is not eligible for pickup at store s-2 (the store's override)"},
			{"deactivated SKU", "s-2", []string{"OFF", "A"}, bopis.ECONFLICT, "lines[0].sku: OFF is deactivated"},
			{"unknown SKU", "s-1", []string{"ZZ"}, bopis.ECONFLICT, "lines[0].sku: no SKU ZZ"},
			{"deactivated store", "gone", []string{"A"}, bopis.ENOTFOUND, "pickup.store_id: no active store has this id"},
			{"unknown store", "nowhere", []string{"A"}, bopis.ENOTFOUND, "pickup.store_id: no active store has this id"},
			{"warehouse", "wh", []string{"A"}, bopis.EINVALID, "pickup.store_id: is a warehouse: it ships and offers no pickup"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := placeAt(db, "o-"+c.name, c.store, c.skus...)
				if code, fields := problem(err); code != c.code || !slices.Contains(fields, c.field) {
					t.Errorf("order: %v (%s %q), want %s naming %q", err, code, fields, c.code, c.field)
				}
				var r *bopis.Refusal
				if !errors.As(err, &r) {
					t.Errorf("order: %T is no *bopis.Refusal", err)
				}
				if _, err := db.GetOrder(ctx, "o-"+c.name, bopis.OrderScope{}); code(err) != bopis.ENOTFOUND {
					t.Errorf("the refused order was written: %v", err)
				}
				_, err = holdAt(db, "h-"+c.name, c.store, c.skus...)
				if code, fields := problem(err); code != c.code || !slices.Contains(fields, c.field) {
					t.Errorf("hold: %v (%s %q), want %s naming %q", err, code, fields, c.code, c.field)
				}
				if _, err := db.GetHold(ctx, "h-"+c.name, ""); code(err) != bopis.ENOTFOUND {
					t.Errorf("the refused hold was written: %v", err)
				}
				nothingHeld(t, db)
			})
		}
		// A ship line first: the refusal names the order's line, not the
		// pickup line's place among the pickup lines.
		o := pickupOrder("o-mixed", lines("A", "NOPE")...)
		o.Lines[0].Fulfillment = bopis.FulfillShip
		_, _, err := db.PlaceOrder(ctx, bopis.Placement{Order: o, PlacedBy: "k-1", Attempts: []bopis.PickupAttempt{at("s-1")},
			Warehouses: []string{"wh"}})
		if code, fields := problem(err); code != bopis.ECONFLICT || !slices.Equal(fields, []string{"lines[1].sku: NOPE is not eligible for pickup"}) {
			t.Errorf("mixed cart: %v (%s %q)", err, code, fields)
		}
		nothingHeld(t, db)

		// What the rules allow is placed: BIG by s-1's override, A anywhere.
		if o, err := placeAt(db, "o-ok", "s-1", "BIG", "A"); err != nil || o.StoreID != "s-1" {
			t.Fatalf("eligible by the store's override: %v", err)
		}
		if _, err := holdAt(db, "h-ok", "s-2", "A"); err != nil {
			t.Fatalf("eligible: %v", err)
		}
	})
}

// The rules of pickup are written twice: in Go (bopis.TakesPickup,
// bopis.EligibleForPickup: checkout's read model and the explanation of a
// refusal) and in SQL (the reserving statement). Every combination of a
// store's and a SKU's settings gets the same verdict from each: one rule.
func TestEligibilityInSQLIsTheRule(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		type skuCase struct {
			id               string
			active, eligible bool
			override         *bool
		}
		no, yes := false, true
		var skus []skuCase
		var counts []bopis.Count
		for _, active := range []bool{true, false} {
			for _, eligible := range []bool{true, false} {
				for _, override := range []*bool{nil, &yes, &no} {
					c := skuCase{id: fmt.Sprintf("K-%v-%v-%v", active, eligible, override != nil && *override),
						active: active, eligible: eligible, override: override}
					if override == nil {
						c.id += "-none"
					}
					skus = append(skus, c)
					k := storagetest.SKU(c.id)
					k.PickupEligible = eligible
					if _, err := db.PutSKU(ctx, k); err != nil {
						t.Fatal(err)
					}
					counts = append(counts, bopis.Count{SKU: c.id, OnHand: 10})
				}
			}
		}
		type storeCase struct {
			id     string
			active bool
			typ    bopis.StoreType
		}
		var stores []storeCase
		for _, active := range []bool{true, false} {
			for _, typ := range []bopis.StoreType{bopis.StoreTypeStore, bopis.StoreTypeWarehouse} {
				s := storagetest.Store(fmt.Sprintf("s-%v-%s", active, typ))
				s.Type, s.SlotCapacity = typ, 0
				if typ == bopis.StoreTypeWarehouse {
					s.PickupMethods = nil
				}
				if _, err := db.PutStore(ctx, s); err != nil {
					t.Fatal(err)
				}
				for _, k := range skus {
					if k.override != nil {
						if err := db.PutStoreSKU(ctx, &bopis.StoreSKU{StoreID: s.ID, SKU: k.id, PickupEligible: k.override}); err != nil {
							t.Fatal(err)
						}
					}
				}
				if _, err := db.CountStore(ctx, s.ID, time.Now(), counts); err != nil {
					t.Fatal(err)
				}
				if !active {
					if _, err := db.DeactivateStore(ctx, s.ID); err != nil {
						t.Fatal(err)
					}
				}
				stores = append(stores, storeCase{s.ID, active, typ})
			}
		}
		for _, k := range skus {
			if !k.active {
				if _, err := db.DeactivateSKU(ctx, k.id); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, s := range stores {
			for _, k := range skus {
				want := bopis.TakesPickup(s.active, s.typ) && bopis.EligibleForPickup(k.active, k.eligible, k.override)
				_, err := holdAt(db, "h-"+s.id+"-"+k.id, s.id, k.id)
				if placed := err == nil; placed != want {
					t.Errorf("%s at %s: reserved %v (%v), the rule says %v", k.id, s.id, placed, err, want)
				}
				var r *bopis.Refusal
				if err != nil && !errors.As(err, &r) {
					t.Errorf("%s at %s: %v", k.id, s.id, err)
				}
				if err := db.PickupRefusal(ctx, s.id, lines(k.id)); (err == nil) != want {
					t.Errorf("%s at %s: the explanation says %v, the rule %v", k.id, s.id, err, want)
				}
			}
		}
	})
}

// Routing by coordinates reads the read model, which may not know yet
// that a store was deactivated (in another process, or a poll ago): the
// transaction passes over it to the next store.
func TestRoutingPassesOverAStoreThatTakesNoPickupNow(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		eligibilityNetwork(t, db)
		o, _, err := db.PlaceOrder(ctx, bopis.Placement{Order: pickupOrder("o-1", lines("A")...), PlacedBy: "k-1",
			Attempts: []bopis.PickupAttempt{at("gone"), at("wh"), at("s-2")}})
		if err != nil || o.StoreID != "s-2" || !slices.Equal(o.Routing.Tried, []string{"gone", "wh"}) {
			t.Fatalf("placed %+v, %v; want at s-2 after trying gone and wh", o, err)
		}
		// A SKU ineligible at the first store only.
		o, _, err = db.PlaceOrder(ctx, bopis.Placement{Order: pickupOrder("o-2", lines("A", "LOCAL")...), PlacedBy: "k-1",
			Attempts: []bopis.PickupAttempt{at("s-1"), at("gone"), at("s-2")}})
		var nr *bopis.NoRoute
		if !errors.As(err, &nr) || len(nr.Tried) != 3 {
			t.Fatalf("LOCAL is eligible nowhere active: %+v, %v", o, err)
		}
		if levels, _ := db.Levels(ctx, "s-1", []string{"A"}); levels[0].Reserved != 0 {
			t.Errorf("the refused attempt left %d reserved", levels[0].Reserved)
		}
	})
}

// A checkout hold converts into an order only while its store and SKUs
// still take pickup: a deactivation between the two refuses the order,
// and the hold stays as it was.
func TestHoldConvertsOnlyWhileItsStoreAndSKUsTakePickup(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		eligibilityNetwork(t, db)
		convert := func(hold, id string, skus ...string) error {
			o := pickupOrder(id, lines(skus...)...)
			o.HoldID = hold
			_, _, err := db.PlaceOrder(ctx, bopis.Placement{Order: o, PlacedBy: "k-1"})
			return err
		}
		if _, err := holdAt(db, "h-1", "s-1", "A", "BIG"); err != nil {
			t.Fatal(err)
		}
		if _, err := holdAt(db, "h-2", "s-2", "A"); err != nil {
			t.Fatal(err)
		}
		no := false
		if err := db.PutStoreSKU(ctx, &bopis.StoreSKU{StoreID: "s-1", SKU: "BIG", PickupEligible: &no}); err != nil {
			t.Fatal(err)
		}
		err := convert("h-1", "o-1", "A", "BIG")
		if code, fields := problem(err); code != bopis.ECONFLICT ||
			!slices.Equal(fields, []string{"lines[1].sku: BIG is not eligible for pickup at store s-1 (the store's override)"}) {
			t.Errorf("converting with BIG no longer eligible: %v %q", err, fields)
		}
		if _, err := db.DeactivateStore(ctx, "s-2"); err != nil {
			t.Fatal(err)
		}
		err = convert("h-2", "o-2", "A")
		if code, fields := problem(err); code != bopis.ECONFLICT || len(fields) != 1 || fields[0][:8] != "hold_id:" {
			t.Errorf("converting at a deactivated store: %v %q", err, fields)
		}
		for _, h := range []string{"h-1", "h-2"} {
			if got, err := db.GetHold(ctx, h, ""); err != nil || got.Status != bopis.HoldActive {
				t.Errorf("hold %s after the refusal: %+v %v", h, got, err)
			}
		}
		if levels, _ := db.Levels(ctx, "s-2", []string{"A"}); levels[0].Reserved != 1 {
			t.Errorf("h-2 holds %d, want its 1", levels[0].Reserved)
		}
	})
}

// Item 6 of issue 37: orders were taken at a store for ~200 ms after its
// deactivation was acknowledged. Now the deactivation and the orders
// serialize on the store's row (or SKU's): once DeactivateStore (or
// DeactivateSKU) returns, no placement begun after it succeeds, and no
// order commits after it did (the orders there when it returned are all
// there ever are). Run with -race; on PostgreSQL the placements run side
// by side on their own connections.
func TestDeactivationStopsPlacementsAtOnce(t *testing.T) {
	for _, what := range []string{"store", "sku"} {
		t.Run(what, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db *storage.DB) {
				s := storagetest.Store("s-1")
				s.SlotCapacity = 0
				if _, err := db.PutStore(ctx, s); err != nil {
					t.Fatal(err)
				}
				if _, err := db.PutSKU(ctx, storagetest.SKU("A")); err != nil {
					t.Fatal(err)
				}
				if _, err := db.CountStore(ctx, "s-1", time.Now(), []bopis.Count{{SKU: "A", OnHand: 1_000_000}}); err != nil {
					t.Fatal(err)
				}
				const workers, afterwards = 16, 3
				var (
					placed     atomic.Int64
					deactivate = make(chan struct{}) // closed once enough orders are in
					once       sync.Once
					done       atomic.Bool // the deactivation has returned
					late       atomic.Int64
					wg         sync.WaitGroup
					seq        atomic.Int64
				)
				for range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						tries := 0
						for tries < afterwards {
							after := done.Load()
							_, err := placeAt(db, fmt.Sprintf("o-%d", seq.Add(1)), "s-1", "A")
							switch {
							case err == nil && after:
								late.Add(1)
							case err == nil:
								if placed.Add(1) >= 2*workers {
									once.Do(func() { close(deactivate) })
								}
							case errors.As(err, new(*bopis.Refusal)):
							default:
								t.Error(err)
								return
							}
							if after {
								tries++
							}
						}
					}()
				}
				exited := make(chan struct{})
				go func() { wg.Wait(); close(exited) }()
				select {
				case <-deactivate:
				case <-exited:
					t.Fatal("the placements ended before the deactivation")
				}
				var err error
				if what == "store" {
					_, err = db.DeactivateStore(ctx, "s-1")
				} else {
					_, err = db.DeactivateSKU(ctx, "A")
				}
				if err != nil {
					t.Fatal(err)
				}
				done.Store(true)
				then, err := db.Reservations(ctx, "s-1", "", bopis.ReservationOpen)
				if err != nil {
					t.Fatal(err)
				}
				<-exited
				if n := late.Load(); n > 0 {
					t.Errorf("%d orders placed after the deactivation returned", n)
				}
				now, err := db.Reservations(ctx, "s-1", "", bopis.ReservationOpen)
				if err != nil {
					t.Fatal(err)
				}
				if len(now) != len(then) {
					t.Errorf("%d orders when the deactivation returned, %d in the end: an order committed after it",
						len(then), len(now))
				}
				storagetest.CheckReplay(t, db, "s-1")
			})
		})
	}
}
