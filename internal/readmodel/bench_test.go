package readmodel_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

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
