package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
)

// MixedConfig sizes a mixed-load run: checkout reads, orders and the POS
// feed together, each at a fixed arrival rate (an open loop: a slow answer
// does not slow the arrivals, so queueing shows in the latencies).
type MixedConfig struct {
	Postgres   string
	Stores     int // 5,000
	SKUs       int // each store carries them all
	Duration   time.Duration
	PickupRate int // pickup-option requests per second (2,000)
	OrderRate  int // orders per second (100)
	POSRate    int // POS events per second (5,000), in batches of Batch
	Batch      int
	Progress   io.Writer
	CPUProfile string // a file for a CPU profile of the timed load
}

// Kind is one kind of request's figures.
type Kind struct {
	Name     string
	Target   float64 // requests/s asked for
	Sent     int64
	Errors   int64
	Late     int64 // arrivals dropped because every worker was busy
	Rate     float64
	P50, P99 time.Duration
	First    string // the first error
}

// MixedResult is what a run measured.
type MixedResult struct {
	Config     MixedConfig
	Dialect    string
	Kinds      []*Kind
	Violations int // stores whose reserved ≠ open reservations
	Elapsed    time.Duration
}

// Mixed runs the mixed load against bopis on a fresh database.
func Mixed(ctx context.Context, cfg MixedConfig) (*MixedResult, error) {
	say := func(format string, args ...any) { fmt.Fprintf(cfg.Progress, "bench mixed: "+format+"\n", args...) }
	d, err := NewDatabase(cfg.Postgres)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	db, err := storage.Open(ctx, benchSettings.Storage(d.URL))
	if err != nil {
		return nil, err
	}
	front, err := seedNetwork(ctx, db, cfg.Stores, cfg.SKUs)
	if err != nil {
		db.Close()
		return nil, err
	}
	pos, err := db.CreateAPIKey(ctx, &bopis.APIKey{Role: bopis.RoleAdmin, Name: "bench pos"})
	if err != nil {
		db.Close()
		return nil, err
	}
	srv, err := startWith(ctx, db)
	if err != nil {
		return nil, err
	}
	defer srv.close()
	say("%s: %d stores × %d SKUs; %s of %d pickup/s, %d orders/s, %d POS events/s", d.Dialect, cfg.Stores, cfg.SKUs,
		cfg.Duration, cfg.PickupRate, cfg.OrderRate, cfg.POSRate)

	var eventSeq atomic.Int64
	kinds := []struct {
		k    *Kind
		rate float64
		send func(r *rand.Rand, n int64) (int, error)
	}{
		{&Kind{Name: "pickup options", Target: float64(cfg.PickupRate)}, float64(cfg.PickupRate), func(r *rand.Rand, n int64) (int, error) {
			st := benchStore(storeID(r.IntN(cfg.Stores)), 0)
			c := scatter(r, st.Coordinates, 10)
			body := fmt.Sprintf(`{"coordinates":{"latitude":%f,"longitude":%f},"radius_km":25,"items":[{"sku":%q,"quantity":1},{"sku":%q,"quantity":2}],"limit":5}`,
				c.Latitude, c.Longitude, skuID(r.IntN(cfg.SKUs)), skuID(r.IntN(cfg.SKUs)))
			return send("POST", srv.url+"/v1/pickup-options", front, "", body, 200)
		}},
		{&Kind{Name: "orders", Target: float64(cfg.OrderRate)}, float64(cfg.OrderRate), func(r *rand.Rand, n int64) (int, error) {
			k := r.Perm(cfg.SKUs)[:3]
			body := orderJSON(storeID(r.IntN(cfg.Stores)), skuID(k[0]), 1, skuID(k[1]), 2, skuID(k[2]), 1)
			return send("POST", srv.url+"/v1/orders", front, fmt.Sprintf("m-%d-%d", n, r.Uint64()), string(body), 201)
		}},
		{&Kind{Name: fmt.Sprintf("POS batches of %d", cfg.Batch), Target: float64(cfg.POSRate) / float64(cfg.Batch)},
			float64(cfg.POSRate) / float64(cfg.Batch), func(r *rand.Rand, n int64) (int, error) {
				var b strings.Builder
				b.WriteString(`{"events":[`)
				store := storeID(r.IntN(cfg.Stores))
				now := time.Now().UTC().Format(time.RFC3339Nano)
				for i := range cfg.Batch {
					if i > 0 {
						b.WriteByte(',')
					}
					fmt.Fprintf(&b, `{"id":"m%d","store_id":%q,"sku":%q,"type":"delta","delta":%d,"reason":"sale","occurred_at":%q}`,
						eventSeq.Add(1), store, skuID(r.IntN(cfg.SKUs)), -1-r.IntN(2), now)
				}
				b.WriteString(`]}`)
				return send("POST", srv.url+"/v1/inventory/events", pos, "", b.String(), 200)
			}},
	}
	res := &MixedResult{Config: cfg, Dialect: d.Dialect}
	stopProfile, err := profileLoad(cfg.CPUProfile, d.Dialect)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i, kd := range kinds {
		if kd.rate <= 0 { // a kind asked at rate 0 is left out (to measure the others alone)
			continue
		}
		res.Kinds = append(res.Kinds, kd.k)
		wg.Add(1)
		go func() {
			defer wg.Done()
			pace(ctx, kd.k, kd.rate, cfg.Duration, uint64(i), kd.send)
		}()
	}
	wg.Wait()
	stopProfile()
	res.Elapsed = time.Since(start)
	for _, k := range res.Kinds {
		say("%s: %d sent (%.0f/s of %.0f), p50 %s p99 %s, %d errors, %d late", k.Name, k.Sent, k.Rate, k.Target, k.P50, k.P99,
			k.Errors, k.Late)
	}
	for i := range cfg.Stores {
		levels, err := db.Levels(ctx, storeID(i), nil)
		if err != nil {
			return nil, err
		}
		open, err := db.Reservations(ctx, storeID(i), "", bopis.ReservationOpen)
		if err != nil {
			return nil, err
		}
		held := map[string]int64{}
		for _, o := range open {
			held[o.SKU] += o.Quantity
		}
		for _, l := range levels {
			if l.Reserved != held[l.SKU] || l.OnHand < 0 {
				res.Violations++
			}
		}
	}
	say("%d invariant violations", res.Violations)
	return res, nil
}

// pace sends at rate per second for d, each arrival on its own goroutine
// from a bounded pool; an arrival that finds the pool full is counted late.
func pace(ctx context.Context, k *Kind, rate float64, d time.Duration, seed uint64, fn func(*rand.Rand, int64) (int, error)) {
	const workers = 512
	slots := make(chan struct{}, workers)
	var mu sync.Mutex
	var lat []time.Duration
	var sent, errs, late atomic.Int64
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	var wg sync.WaitGroup
	for n := int64(0); ; n++ {
		due := start.Add(time.Duration(n) * interval)
		if due.Sub(start) >= d || ctx.Err() != nil {
			break
		}
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait) // the arrival schedule of an open-loop load
		}
		select {
		case slots <- struct{}{}:
		default:
			late.Add(1)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			r := rand.New(rand.NewPCG(seed, uint64(n)))
			t := time.Now()
			_, err := fn(r, n)
			took := time.Since(t)
			sent.Add(1)
			if err != nil && errs.Add(1) == 1 {
				mu.Lock()
				k.First = err.Error()
				mu.Unlock()
			}
			mu.Lock()
			lat = append(lat, took)
			mu.Unlock()
		}()
	}
	wg.Wait()
	k.Sent, k.Errors, k.Late = sent.Load(), errs.Load(), late.Load()
	k.Rate = float64(k.Sent) / time.Since(start).Seconds()
	k.P50, k.P99 = percentile(lat, 50), percentile(lat, 99)
}

// send makes one request and checks its status is one of want.
func send(method, url, key, idem, body string, want ...int) (int, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if !slices.Contains(want, res.StatusCode) {
		raw, _ := io.ReadAll(res.Body)
		return res.StatusCode, fmt.Errorf("%d %s", res.StatusCode, truncate(raw, 200))
	}
	// Read to the end, so the connection is reused, but keep nothing: a
	// storefront's own work with the answer is not bopis's, and a buffer
	// grown to each ~40 KB checkout answer cost the shared cores more
	// than some of the server's work.
	_, err = io.Copy(io.Discard, res.Body)
	return res.StatusCode, err
}

// MixedMarkdown renders runs (one per database) as a BENCHMARKS.md section.
func MixedMarkdown(command string, runs []*MixedResult) string {
	var b strings.Builder
	c := runs[0].Config
	fmt.Fprintf(&b, "### Mixed load\n\nMachine: %s. Dataset: %d stores × %d SKUs. Command: `%s`.\n\n", Machine(), c.Stores, c.SKUs, command)
	fmt.Fprintf(&b, "Targets (issue 11): pickup p99 < 25 ms, order p99 < 75 ms, zero errors, zero invariant violations.\n\n")
	b.WriteString("| database | kind | asked /s | achieved /s | p50 | p99 | errors | late | invariant violations |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range runs {
		for _, k := range r.Kinds {
			fmt.Fprintf(&b, "| %s | %s | %.0f | %.0f | %s | %s | %d | %d | %d |\n", r.Dialect, k.Name, k.Target, k.Rate,
				k.P50.Round(10*time.Microsecond), k.P99.Round(10*time.Microsecond), k.Errors, k.Late, r.Violations)
		}
	}
	for _, r := range runs {
		for _, k := range r.Kinds {
			if k.First != "" {
				fmt.Fprintf(&b, "\nFirst %s error on %s: `%s`\n", k.Name, r.Dialect, k.First)
			}
		}
	}
	return b.String()
}
