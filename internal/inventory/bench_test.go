package inventory

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bopis/bopis"
)

// BenchmarkApply runs the rules of a POS batch as storage does
// (Sequence, Apply) on 5,000 events (90% deltas) at
// one store and over 1,000 stores, 2,000 SKUs: the part of a batch's
// time that is not the database's.
//
//	go test -run x -bench Apply ./internal/inventory
func BenchmarkApply(b *testing.B) {
	const batch, skus = bopis.MaxEventBatch, 2000
	for _, stores := range []int{1, 1000} {
		b.Run(fmt.Sprintf("stores=%d", stores), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			feeds := map[string]Feed{}
			for i := range stores {
				feeds[fmt.Sprintf("s-%04d", i)] = Feed{Fed: true, LastEvent: usp(-10)}
			}
			evs := make([]bopis.InventoryEvent, batch)
			for i := range evs {
				store, sku := fmt.Sprintf("s-%04d", r.IntN(stores)), fmt.Sprintf("K%05d", r.IntN(skus))
				if r.IntN(10) == 0 {
					evs[i] = snap(fmt.Sprint(i), store, sku, int64(r.IntN(60)), 1)
				} else {
					evs[i] = delta(fmt.Sprint(i), store, sku, []int64{-1, -1, -1, -2, 1, 6}[r.IntN(6)], 1)
				}
			}
			level := Level{OnHand: 20, Threshold: 2, LastMove: usp(0), LastSnapshot: usp(0)}
			levels := func(Key) (Level, bool) { return level, true }
			in := make([]Event, len(evs))
			b.ResetTimer()
			for range b.N {
				for i := range evs {
					in[i] = NewEvent(i, &evs[i])
				}
				todo, _ := Sequence(in)
				bt := Batch{Events: todo, Feeds: feeds, Levels: levels, Now: us(60), FeedClockStep: 5_000_000}
				if eff := Apply(bt); len(eff.Missing) != 0 {
					b.Fatal("later moves")
				}
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
