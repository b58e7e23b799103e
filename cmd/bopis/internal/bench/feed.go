package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
)

// FeedConfig sizes a POS-feed run.
type FeedConfig struct {
	Postgres   string        // PostgreSQL server URL; empty runs on SQLite
	Stores     int           // 5,000 in the dataset
	SKUs       int           // 50,000
	Assortment float64       // share of the catalog each store carries: 0.4
	Duration   time.Duration // sustained load time
	Clients    int           // concurrent POS batches in flight
	Batch      int           // events per batch (the API allows 5,000)
	Seed       uint64
	Progress   io.Writer
	CPUProfile string // a file for a CPU profile of the timed load
}

// FeedResult is what a run measured.
type FeedResult struct {
	Config              FeedConfig
	Dialect             string
	Setup               time.Duration
	Events              int64
	Elapsed             time.Duration
	Statuses            map[string]int64
	BatchP50, BatchP99  time.Duration
	CountFirst          time.Duration // a 50,000-SKU whole-store count on an empty store
	CountAgain          time.Duration // the same count again with 10% changed
	BaselineRowsPerSec  float64
	BaselineDescription string
	EventsPerSec        float64
	CountSKUs           int
	VisibleP50          time.Duration // from a batch's answer to checkout showing its change
	VisibleMax          time.Duration
	VisibleTrials       int
}

// carries reports whether store s carries SKU k: a fixed pseudo-random
// share of the catalog, the same in every run.
func carries(seed uint64, s, k int, share float64) bool {
	h := seed ^ uint64(s)*0x9e3779b97f4a7c15 ^ uint64(k)*0xc2b2ae3d27d4eb4f
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return float64(h%10000) < share*10000
}

func storeID(i int) string { return fmt.Sprintf("b-%05d", i) }
func skuID(i int) string   { return fmt.Sprintf("K%06d", i) }

// Feed runs the POS-ingestion benchmark: sustained batches of mixed
// deltas and snapshots over HTTP, then a whole-store count, then the
// baseline (plain upserts, 5,000 a transaction) on a fresh database of the
// same kind.
func Feed(ctx context.Context, cfg FeedConfig) (*FeedResult, error) {
	say := func(format string, args ...any) { fmt.Fprintf(cfg.Progress, "bench feed: "+format+"\n", args...) }
	d, err := NewDatabase(cfg.Postgres)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	res := &FeedResult{Config: cfg, Dialect: d.Dialect, Statuses: map[string]int64{}, CountSKUs: cfg.SKUs}
	srv, err := startServer(ctx, d.URL)
	if err != nil {
		return nil, err
	}
	defer srv.close()

	// The network: stores and catalog, written directly (setup, not measured).
	start := time.Now()
	for i := range cfg.Stores {
		st := benchStore(storeID(i), i)
		if _, err := srv.db.PutStore(ctx, st); err != nil {
			return nil, err
		}
	}
	if _, err := srv.db.PutStore(ctx, benchStore("count-store", cfg.Stores)); err != nil {
		return nil, err
	}
	catalog := make([]*bopis.SKU, cfg.SKUs)
	for i := range catalog {
		catalog[i] = &bopis.SKU{SKU: skuID(i), Name: "Item " + skuID(i), PickupEligible: true, LowStockThreshold: 2, Active: true}
	}
	if _, err := srv.db.PutSKUs(ctx, catalog); err != nil {
		return nil, err
	}
	token, err := srv.db.CreateAPIKey(ctx, &bopis.APIKey{Role: bopis.RoleAdmin, Name: "bench"})
	if err != nil {
		return nil, err
	}
	res.Setup = time.Since(start)
	say("%s: %d stores, %d SKUs set up in %s", d.Dialect, cfg.Stores, cfg.SKUs, res.Setup.Round(time.Millisecond))

	// Sustained load.
	var (
		events    atomic.Int64
		mu        sync.Mutex
		latencies []time.Duration
		firstErr  error
		wg        sync.WaitGroup
	)
	// The POS's side is not bopis's cost: encode the batches before the clock starts.
	perClient := 12
	encoded := make([][][]byte, cfg.Clients)
	for c := range cfg.Clients {
		r := rand.New(rand.NewPCG(cfg.Seed, uint64(c)))
		for n := range perClient {
			b, err := json.Marshal(feedBatch(r, cfg, c, n))
			if err != nil {
				return nil, err
			}
			encoded[c] = append(encoded[c], b)
		}
	}
	stopProfile, err := profileLoad(cfg.CPUProfile, d.Dialect)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(cfg.Duration)
	loadStart := time.Now()
	for c := range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; time.Now().Before(deadline); n++ {
				body := encoded[c][n%perClient]
				if n >= perClient { // a resend would be answered duplicate: give the events new ids
					body = bytes.ReplaceAll(body, []byte(fmt.Sprintf(`"c%d-`, c)), []byte(fmt.Sprintf(`"r%d.%d-`, n, c)))
				}
				var out struct {
					Results []struct{ Status string } `json:"results"`
				}
				t0 := time.Now()
				err := callRaw("POST", srv.url+"/v1/inventory/events", token, body, &out, 200)
				took := time.Since(t0)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				latencies = append(latencies, took)
				for _, x := range out.Results {
					res.Statuses[x.Status]++
				}
				mu.Unlock()
				if err != nil {
					return
				}
				events.Add(int64(len(out.Results)))
			}
		}()
	}
	wg.Wait()
	stopProfile()
	if firstErr != nil {
		return nil, firstErr
	}
	res.Elapsed = time.Since(loadStart)
	res.Events = events.Load()
	res.EventsPerSec = float64(res.Events) / res.Elapsed.Seconds()
	res.BatchP50, res.BatchP99 = percentile(latencies, 50), percentile(latencies, 99)
	say("%s: %d events in %s: %.0f events/s, batch p50 %s p99 %s, statuses %v", d.Dialect, res.Events,
		res.Elapsed.Round(time.Millisecond), res.EventsPerSec, res.BatchP50.Round(time.Millisecond), res.BatchP99.Round(time.Millisecond), res.Statuses)

	// A whole-store count of every SKU, on a store with no stock yet, then again with 10% changed.
	count := map[string]any{"as_of": time.Now().UTC().Format(time.RFC3339Nano), "levels": countLevels(cfg.SKUs, 0)}
	t0 := time.Now()
	if err := call("PUT", srv.url+"/v1/stores/count-store/inventory", token, count, nil, 200); err != nil {
		return nil, err
	}
	res.CountFirst = time.Since(t0)
	count = map[string]any{"as_of": time.Now().UTC().Format(time.RFC3339Nano), "levels": countLevels(cfg.SKUs, 10)}
	t0 = time.Now()
	if err := call("PUT", srv.url+"/v1/stores/count-store/inventory", token, count, nil, 200); err != nil {
		return nil, err
	}
	res.CountAgain = time.Since(t0)
	say("%s: whole-store count of %d SKUs: %s first, %s with 10%% changed", d.Dialect, cfg.SKUs,
		res.CountFirst.Round(time.Millisecond), res.CountAgain.Round(time.Millisecond))

	// Freshness: how long after a batch's answer checkout shows its change.
	if err := measureVisibility(srv, token, res); err != nil {
		return nil, err
	}
	say("%s: batch answer to visible at checkout: p50 %s, max %s over %d trials", d.Dialect,
		res.VisibleP50.Round(time.Millisecond), res.VisibleMax.Round(time.Millisecond), res.VisibleTrials)

	// The baseline: the same number of rows written the plain way.
	res.BaselineRowsPerSec, res.BaselineDescription, err = feedBaseline(ctx, cfg)
	if err != nil {
		return nil, err
	}
	say("%s: baseline %s: %.0f rows/s", d.Dialect, res.BaselineDescription, res.BaselineRowsPerSec)
	return res, nil
}

// measureVisibility posts snapshots that raise one store's stock of one
// SKU to a new high and times, from each answer, how long until
// /v1/availability offers that store for the new quantity.
func measureVisibility(srv *server, token string, res *FeedResult) error {
	const trials = 20
	store := benchStore(storeID(0), 0)
	sku := 0
	for !carries(res.Config.Seed, 0, sku, res.Config.Assortment) {
		sku++
	}
	var waits []time.Duration
	for i := range trials {
		qty := 100000 + i
		ev := map[string]any{"id": fmt.Sprintf("visible-%d", i), "store_id": store.ID, "sku": skuID(sku), "type": "snapshot",
			"on_hand": qty, "occurred_at": time.Now().UTC().Format(time.RFC3339Nano)}
		if err := call("POST", srv.url+"/v1/inventory/events", token, map[string]any{"events": []any{ev}}, nil, 200); err != nil {
			return err
		}
		answered := time.Now()
		url := fmt.Sprintf("%s/v1/availability?sku=%s&latitude=%f&longitude=%f&radius_km=1&quantity=%d",
			srv.url, skuID(sku), store.Coordinates.Latitude, store.Coordinates.Longitude, qty)
		for {
			var out struct {
				Options []any `json:"options"`
			}
			if err := call("GET", url, token, nil, &out, 200); err != nil {
				return err
			}
			if len(out.Options) > 0 {
				break
			}
			if time.Since(answered) > 10*time.Second {
				return fmt.Errorf("a change was not visible at checkout after 10 s")
			}
			time.Sleep(2 * time.Millisecond)
		}
		waits = append(waits, time.Since(answered))
	}
	res.VisibleP50, res.VisibleMax, res.VisibleTrials = percentile(waits, 50), percentile(waits, 100), trials
	return nil
}

func benchStore(id string, i int) *bopis.Store {
	day := []bopis.Interval{{Open: "08:00", Close: "22:00"}}
	return &bopis.Store{ID: id, Name: "Bench " + id, Type: bopis.StoreTypeStore,
		Coordinates: bopis.Coordinates{Latitude: 30 + float64(i%1700)/100, Longitude: -120 + float64(i%4500)/100},
		TimeZone:    "America/Chicago",
		Hours: bopis.WeeklyHours{Monday: day, Tuesday: day, Wednesday: day, Thursday: day, Friday: day,
			Saturday: day, Sunday: day},
		SpecialHours: []bopis.SpecialHours{}, PickupMethods: []bopis.PickupMethod{bopis.PickupInStore},
		PrepMinutes: 60, CutoffMinutes: 60, HoldDays: 3, SlotMinutes: 60, SlotCapacity: 20, Active: true}
}

// feedBatch makes one POS batch: 90% deltas (sales, returns, receipts) and
// 10% snapshots, over stores and the SKUs they carry.
func feedBatch(r *rand.Rand, cfg FeedConfig, client, n int) map[string]any {
	evs := make([]map[string]any, cfg.Batch)
	now := time.Now().UTC()
	for i := range evs {
		s := r.IntN(cfg.Stores)
		k := r.IntN(cfg.SKUs)
		for !carries(cfg.Seed, s, k, cfg.Assortment) {
			k = r.IntN(cfg.SKUs)
		}
		ev := map[string]any{"id": fmt.Sprintf("c%d-%d-%d", client, n, i), "store_id": storeID(s), "sku": skuID(k),
			"occurred_at": now.Add(time.Duration(i) * time.Microsecond).Format(time.RFC3339Nano)}
		if r.IntN(10) == 0 {
			ev["type"], ev["on_hand"] = "snapshot", r.IntN(60)
		} else {
			ev["type"], ev["delta"], ev["reason"] = "delta", []int{-1, -1, -1, -2, 1, 6}[r.IntN(6)], "sale"
		}
		evs[i] = ev
	}
	return map[string]any{"events": evs}
}

// countLevels is a count of every SKU; changedPct of them differ from the
// first count.
func countLevels(skus, changedPct int) []map[string]any {
	out := make([]map[string]any, skus)
	for i := range out {
		q := 5 + i%37
		if changedPct > 0 && i%100 < changedPct {
			q++
		}
		out[i] = map[string]any{"sku": skuID(i), "on_hand": q}
	}
	return out
}

// feedBaseline writes rows the plain way on a fresh database of the same
// kind: an upsert per event, 5,000 per transaction, no dedupe, no
// ledger, no rules. It measures what the database gives before bopis's
// bookkeeping.
func feedBaseline(ctx context.Context, cfg FeedConfig) (float64, string, error) {
	d, err := NewDatabase(cfg.Postgres)
	if err != nil {
		return 0, "", err
	}
	defer d.Close()
	raw, err := storage.OpenSQL(ctx, d.URL)
	if err != nil {
		return 0, "", err
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bench_baseline_levels (
		store_id TEXT NOT NULL, sku TEXT NOT NULL, on_hand BIGINT NOT NULL, PRIMARY KEY (store_id, sku))`); err != nil {
		return 0, "", err
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 999))
	const batches = 40
	start := time.Now()
	for range batches {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			return 0, "", err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO bench_baseline_levels (store_id, sku, on_hand) VALUES ($1, $2, $3)
			ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = bench_baseline_levels.on_hand + excluded.on_hand`)
		if err != nil {
			tx.Rollback()
			return 0, "", err
		}
		for range cfg.Batch {
			if _, err := stmt.ExecContext(ctx, storeID(r.IntN(cfg.Stores)), skuID(r.IntN(cfg.SKUs)), 1); err != nil {
				tx.Rollback()
				return 0, "", err
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			return 0, "", err
		}
	}
	rows := float64(batches * cfg.Batch)
	return rows / time.Since(start).Seconds(), fmt.Sprintf("plain upserts, %d per transaction, one writer", cfg.Batch), nil
}

// Markdown renders the result as a BENCHMARKS.md section.
func (r *FeedResult) Markdown(command string) string {
	var b strings.Builder
	c := r.Config
	fmt.Fprintf(&b, "### POS feed on %s\n\n", r.Dialect)
	fmt.Fprintf(&b, "Command: `%s` (%s). Machine: %s.\n\n", command, time.Now().UTC().Format("2006-01-02"), Machine())
	fmt.Fprintf(&b, "Dataset: %d stores × %d SKUs, %.0f%% assortment; %d clients each posting batches of %d events "+
		"(90%% deltas, 10%% snapshots, random store and carried SKU) over HTTP on loopback for %s; durable commits "+
		"(SQLite WAL, fsynced before a commit is answered; PostgreSQL default fsync). Setup (stores and catalog) took %s and is not counted.\n\n",
		c.Stores, c.SKUs, c.Assortment*100, c.Clients, c.Batch, c.Duration, r.Setup.Round(time.Millisecond))
	fmt.Fprintf(&b, "| what | figure |\n|---|---|\n")
	fmt.Fprintf(&b, "| events ingested | %d in %s |\n", r.Events, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(&b, "| **events/s** | **%.0f** |\n", r.EventsPerSec)
	fmt.Fprintf(&b, "| batch latency p50 / p99 | %s / %s |\n", r.BatchP50.Round(time.Millisecond), r.BatchP99.Round(time.Millisecond))
	fmt.Fprintf(&b, "| statuses | %s |\n", statusList(r.Statuses))
	fmt.Fprintf(&b, "| whole-store count of %d SKUs, empty store | %s |\n", r.CountSKUs, r.CountFirst.Round(time.Millisecond))
	fmt.Fprintf(&b, "| same count again, 10%% changed | %s |\n", r.CountAgain.Round(time.Millisecond))
	fmt.Fprintf(&b, "| batch answer to change visible at checkout (p50 / max of %d) | %s / %s |\n", r.VisibleTrials,
		r.VisibleP50.Round(time.Millisecond), r.VisibleMax.Round(time.Millisecond))
	fmt.Fprintf(&b, "| baseline: %s | %.0f rows/s |\n", r.BaselineDescription, r.BaselineRowsPerSec)
	fmt.Fprintf(&b, "| ratio bopis / baseline | %.2f |\n", r.EventsPerSec/r.BaselineRowsPerSec)
	return b.String()
}

func statusList(m map[string]int64) string {
	var parts []string
	for _, k := range []string{"applied", "stale", "duplicate", "rejected"} {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
	}
	return strings.Join(parts, ", ")
}
