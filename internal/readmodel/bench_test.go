package readmodel_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/demo"
	"github.com/bopis/bopis/internal/readmodel"
)

// BenchmarkPickupOptions answers 3-line carts from a model of 5,000 stores
// around 52 US metros × 50,000 SKUs at 40% assortment (the issue's
// dataset; 1 GB, built once), radius 50 km, limit 5, with 7 days of slots.
//
//	go test -run x -bench PickupOptions ./internal/readmodel
func BenchmarkPickupOptions(b *testing.B) {
	const stores, skus = 5000, 50000
	m := readmodel.New(readmodel.Config{})
	r := rand.New(rand.NewPCG(1, 2))
	metros := demo.Metros()
	for k := range skus {
		m.PutSKU(bopis.SKU{SKU: fmt.Sprintf("K%06d", k), Name: "x", PickupEligible: true, Active: true})
	}
	for i := range stores {
		c := metros[r.IntN(len(metros))].Center
		st := store(fmt.Sprintf("s-%05d", i), c.Latitude+(r.Float64()-0.5)*0.6, c.Longitude+(r.Float64()-0.5)*0.8)
		m.PutStore(st)
		for k := range skus {
			if r.IntN(10) < 4 {
				m.PutLevel(st.ID, fmt.Sprintf("K%06d", k), int64(r.IntN(40)), 0)
			}
		}
	}
	queries := make([]readmodel.Query, 1000)
	for i := range queries {
		c := metros[r.IntN(len(metros))].Center
		q := query()
		q.Coordinates = bopis.Coordinates{Latitude: c.Latitude + (r.Float64()-0.5)*0.4, Longitude: c.Longitude + (r.Float64()-0.5)*0.5}
		q.Days = 7
		for range 3 {
			q.Lines = append(q.Lines, readmodel.Line{SKU: fmt.Sprintf("K%06d", r.IntN(skus)), Quantity: 1})
		}
		queries[i] = q
	}
	found := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		found += len(m.PickupOptions(queries[i%len(queries)]))
	}
	b.ReportMetric(math.Round(float64(found)/float64(b.N)*100)/100, "stores/op")
}

// BenchmarkLoadThroughFeed loads 10 million stock levels (1,000 stores ×
// 25,000 SKUs at 40%) through the change feed's sink, as a starting
// process does, and reports the model's heap per million levels after a
// GC and the load rate: the sizing figures of docs/operations.md.
//
//	go test -run x -bench LoadThroughFeed -benchtime 1x ./internal/readmodel
func BenchmarkLoadThroughFeed(b *testing.B) {
	const stores, skus = 1000, 25000
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m := readmodel.New(readmodel.Config{})
		f := m.Feed()
		for k := range skus {
			f.PutSKU(bopis.SKU{SKU: fmt.Sprintf("K%06d", k), Name: "x", PickupEligible: true, Active: true})
		}
		r := rand.New(rand.NewPCG(1, 2))
		for i := range stores {
			f.PutStore(store(fmt.Sprintf("s-%05d", i), 41+r.Float64(), -87+r.Float64()))
		}
		n := 0
		start := time.Now()
		for i := range stores {
			for k := range skus {
				if r.IntN(10) < 4 {
					f.PutLevel(fmt.Sprintf("s-%05d", i), fmt.Sprintf("K%06d", k), int64(r.IntN(40)), 0)
					n++
				}
			}
		}
		f.Apply()
		elapsed := time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20)/(float64(n)/1e6), "MiB/Mlevels")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "levels/s")
		runtime.KeepAlive(m)
	}
}
