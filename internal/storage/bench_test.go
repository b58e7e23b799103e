package storage_test

import (
	"fmt"
	"math/rand/v2"
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
				if _, _, err := db.ApplyInventoryEvents(ctx, makeBatch(-1), storage.BatchOptions{}); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for n := range b.N {
					b.StopTimer()
					evs := makeBatch(n)
					b.StartTimer()
					res, _, err := db.ApplyInventoryEvents(ctx, evs, storage.BatchOptions{})
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
			counts := make([]storage.Count, skus)
			for i := range counts {
				counts[i] = storage.Count{SKU: catalog[i].SKU, OnHand: int64(i % 40)}
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
