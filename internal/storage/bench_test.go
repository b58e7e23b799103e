package storage_test

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// BenchmarkApplyEvents applies batches of 5,000 POS events (90% deltas,
// 10% snapshots) with durable commits, at one store (a store's own POS)
// and spread over 1,000 stores (a head-office feed), and reports events/s.
//
//	go test -run x -bench ApplyEvents ./internal/storage
//
// With BOPIS_TEST_POSTGRES_URL set it runs on PostgreSQL too.
func BenchmarkApplyEvents(b *testing.B) {
	const batch, skus = bopis.MaxEventBatch, 2000
	for _, backend := range storagetest.Backends() {
		for _, stores := range []int{1, 1000} {
			b.Run(fmt.Sprintf("%s/stores=%d", backend, stores), func(b *testing.B) {
				db := storagetest.Open(b, backend, nil)
				for i := range stores {
					if _, err := db.PutStore(ctx, storagetest.Store(fmt.Sprintf("s-%04d", i))); err != nil {
						b.Fatal(err)
					}
				}
				catalog := make([]*bopis.SKU, skus)
				for i := range catalog {
					catalog[i] = storagetest.SKU(fmt.Sprintf("K%05d", i))
				}
				if _, err := db.PutSKUs(ctx, catalog); err != nil {
					b.Fatal(err)
				}
				r := rand.New(rand.NewPCG(1, 2))
				makeBatch := func(n int) []bopis.InventoryEvent {
					evs := make([]bopis.InventoryEvent, batch)
					at := time.Now().Add(-time.Minute)
					for i := range evs {
						store, sku := fmt.Sprintf("s-%04d", r.IntN(stores)), fmt.Sprintf("K%05d", r.IntN(skus))
						id := fmt.Sprintf("b%d-%d", n, i)
						when := at.Add(time.Duration(i) * time.Microsecond)
						if r.IntN(10) == 0 {
							evs[i] = snap(id, store, sku, int64(r.IntN(60)), when)
						} else {
							evs[i] = delta(id, store, sku, []int64{-1, -1, -1, -2, 1, 6}[r.IntN(6)], when)
						}
					}
					return evs
				}
				// One batch first, so the levels exist as in steady state.
				if _, _, err := db.ApplyInventoryEvents(ctx, makeBatch(-1), bopis.BatchOptions{}); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for n := range b.N {
					b.StopTimer()
					evs := makeBatch(n)
					b.StartTimer()
					res, _, err := db.ApplyInventoryEvents(ctx, evs, bopis.BatchOptions{})
					if err != nil {
						b.Fatal(err)
					}
					if res[0].Status == storage.EventRejected {
						b.Fatal(res[0])
					}
				}
				b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// BenchmarkCountStore applies a whole-store count of 2,000 SKUs to a store
// with no stock yet (as the demo seeds), and again with 10% changed.
func BenchmarkCountStore(b *testing.B) {
	const skus = 2000
	for _, backend := range storagetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			db := storagetest.Open(b, backend, nil)
			catalog := make([]*bopis.SKU, skus)
			for i := range catalog {
				catalog[i] = storagetest.SKU(fmt.Sprintf("K%05d", i))
			}
			if _, err := db.PutSKUs(ctx, catalog); err != nil {
				b.Fatal(err)
			}
			counts := make([]bopis.Count, skus)
			for i := range counts {
				counts[i] = bopis.Count{SKU: catalog[i].SKU, OnHand: int64(i % 40)}
			}
			for _, again := range []bool{false, true} {
				b.Run(map[bool]string{false: "new", true: "again"}[again], func(b *testing.B) {
					for n := range b.N {
						b.StopTimer()
						store := fmt.Sprintf("s-%v-%d", again, n)
						if _, err := db.PutStore(ctx, storagetest.Store(store)); err != nil {
							b.Fatal(err)
						}
						if again {
							if _, err := db.CountStore(ctx, store, time.Now().Add(-time.Minute), counts); err != nil {
								b.Fatal(err)
							}
							for i := 0; i < skus; i += 10 {
								counts[i].OnHand++
							}
						}
						b.StartTimer()
						if _, err := db.CountStore(ctx, store, time.Now(), counts); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(skus*b.N)/b.Elapsed().Seconds(), "levels/s")
				})
			}
		})
	}
}

// BenchmarkPlaceOrder places 3-line pickup orders (as `bopis bench orders`
// does, without HTTP, routing or the payment gateway) from 32 concurrent
// callers over 1,000 stores, with durable commits, and reports orders/s:
// the storage side of placement, and on SQLite the writer's cost per
// order.
//
//	go test -run x -bench PlaceOrder ./internal/storage
func BenchmarkPlaceOrder(b *testing.B) {
	const stores, skus = 1000, 100
	for _, backend := range storagetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			db := storagetest.Open(b, backend, nil)
			catalog := make([]*bopis.SKU, skus)
			counts := make([]bopis.Count, skus)
			for i := range catalog {
				catalog[i] = storagetest.SKU(fmt.Sprintf("K%05d", i))
				counts[i] = bopis.Count{SKU: catalog[i].SKU, OnHand: 1_000_000}
			}
			if _, err := db.PutSKUs(ctx, catalog); err != nil {
				b.Fatal(err)
			}
			for i := range stores {
				id := fmt.Sprintf("s-%04d", i)
				st := storagetest.Store(id)
				st.SlotCapacity = 0
				if _, err := db.PutStore(ctx, st); err != nil {
					b.Fatal(err)
				}
				if _, err := db.CountStore(ctx, id, time.Now(), counts); err != nil {
					b.Fatal(err)
				}
			}
			slot := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
			var seq atomic.Int64
			b.SetParallelism(16) // 32 callers on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(uint64(seq.Add(1)), 7))
				for pb.Next() {
					n := seq.Add(1)
					id := fmt.Sprintf("o-%013x%013x", time.Now().UnixMilli(), r.Uint64()>>12)
					var lines []bopis.ReserveLine
					for _, k := range r.Perm(skus)[:3] {
						lines = append(lines, bopis.ReserveLine{SKU: catalog[k].SKU, Quantity: 1})
					}
					store := fmt.Sprintf("s-%04d", r.IntN(stores))
					_, _, err := db.PlaceOrder(ctx, bopis.Placement{Order: pickupOrder(id, lines...), PlacedBy: "k-bench",
						Attempts: []bopis.PickupAttempt{{StoreID: store, TimeZone: "America/Chicago",
							Slots: []bopis.PickupWindow{{Start: slot, End: slot.Add(time.Hour)}}}},
						Routing:     bopis.Routing{Requested: true, Reason: "bench"},
						Idempotency: &bopis.Idempotency{Scope: "k-bench/orders", Key: fmt.Sprintf("key-%d-%d", n, r.Uint64()), Hash: []byte{1}}})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
		})
	}
}
