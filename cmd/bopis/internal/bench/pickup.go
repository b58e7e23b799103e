package bench

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/demo"
	"github.com/bopis/bopis/internal/storage"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// PickupConfig sizes a checkout run.
type PickupConfig struct {
	Postgres   string // PostgreSQL server URL (required: the baseline is SQL on PostgreSQL)
	Stores     int    // 5,000
	SKUs       int    // 50,000
	Assortment float64
	Duration   time.Duration // per side (bopis, baseline)
	Clients    int
	Seed       uint64
	Progress   io.Writer
	// Keep leaves the loaded database in place (its URL is reported) and
	// Reuse names one kept by an earlier run with the same sizes and seed:
	// the load takes 20-40 minutes, the measurement under a minute, and
	// the measurement wants a quiet machine.
	Keep  bool
	Reuse string
}

// PickupResult is what a checkout run measured.
type PickupResult struct {
	Config                   PickupConfig
	Levels                   int64
	Load, ModelLoad          time.Duration
	ModelBytes               uint64
	Answers                  int
	Elapsed                  time.Duration
	P50, P99                 time.Duration
	NonEmpty                 int
	BaselineAnswers          int
	BaselineElapsed          time.Duration
	BaselineP50, BaselineP99 time.Duration
	Checked, Disagreements   int // requests answered both ways and compared
}

type pickupRequest struct {
	lat, lon float64
	skus     []string
	qty      []int64
}

// Pickup runs the checkout benchmark: the same random pickup-options
// requests answered by bopis over HTTP (read model) and by one plain SQL
// query each on the same PostgreSQL data.
func Pickup(ctx context.Context, cfg PickupConfig) (*PickupResult, error) {
	say := func(format string, args ...any) { fmt.Fprintf(cfg.Progress, "bench pickup: "+format+"\n", args...) }
	if cfg.Postgres == "" {
		return nil, fmt.Errorf("bench pickup compares bopis with SQL on PostgreSQL: give --postgres")
	}
	d := &Database{URL: cfg.Reuse, Dialect: "postgres", cleanup: func() {}}
	if cfg.Reuse == "" {
		var err error
		if d, err = NewDatabase(cfg.Postgres); err != nil {
			return nil, err
		}
	}
	if cfg.Keep {
		say("keeping the database: reuse it with --reuse '%s'", d.URL)
	} else {
		defer d.Close()
	}
	res := &PickupResult{Config: cfg}
	start := time.Now()
	db, err := storage.Open(ctx, benchSettings.Storage(d.URL))
	if err != nil {
		return nil, err
	}
	metros := demo.Metros()
	r := rand.New(rand.NewPCG(cfg.Seed, 7))
	for i := range cfg.Stores {
		m := metros[r.IntN(len(metros))]
		st := benchStore(storeID(i), i)
		st.TimeZone = m.TimeZone
		st.Coordinates = scatter(r, m.Center, 35)
		if cfg.Reuse != "" {
			continue // the same seed placed it there before
		}
		if _, err := db.PutStore(ctx, st); err != nil {
			db.Close()
			return nil, err
		}
	}
	catalog := make([]*bopis.SKU, cfg.SKUs)
	for i := range catalog {
		catalog[i] = &bopis.SKU{SKU: skuID(i), Name: "Item " + skuID(i), PickupEligible: true, Active: true}
	}
	switch {
	case cfg.Reuse != "":
		res.Levels, err = keptLevels(ctx, d.URL)
	default:
		if _, err = db.PutSKUs(ctx, catalog); err == nil {
			res.Levels, err = copyLevels(ctx, d.URL, cfg)
		}
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	res.Load = time.Since(start)
	say("%d stores, %d SKUs, %d levels %s", cfg.Stores, cfg.SKUs, res.Levels, res.loaded())

	// bopis, as `bopis serve` starts it: the read model loads first.
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	srv, err := startWith(ctx, db)
	if err != nil {
		return nil, err
	}
	defer srv.close()
	res.ModelLoad = time.Since(t0)
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	res.ModelBytes = max(after.HeapInuse, before.HeapInuse) - before.HeapInuse // a tiny dataset can end below
	say("read model loaded in %s, %.0f MiB", res.ModelLoad.Round(time.Second), float64(res.ModelBytes)/(1<<20))
	token, err := db.CreateAPIKey(ctx, &bopis.APIKey{Role: bopis.RoleStorefront, Name: "bench"})
	if err != nil {
		return nil, err
	}

	reqs := make([]pickupRequest, 20000)
	for i := range reqs {
		m := metros[r.IntN(len(metros))]
		c := scatter(r, m.Center, 30)
		n := 1 + r.IntN(5)
		q := pickupRequest{lat: c.Latitude, lon: c.Longitude}
		for range n {
			q.skus = append(q.skus, skuID(r.IntN(cfg.SKUs)))
			q.qty = append(q.qty, int64(1+r.IntN(2)))
		}
		reqs[i] = q
	}

	// bopis over HTTP.
	var nonEmpty int
	var mu sync.Mutex
	lat, n, elapsed, err := drive(cfg.Clients, cfg.Duration, len(reqs), func(i int) error {
		ids, err := bopisPickup(srv, token, reqs[i])
		if err == nil && len(ids) > 0 {
			mu.Lock()
			nonEmpty++
			mu.Unlock()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	res.Answers, res.Elapsed, res.P50, res.P99, res.NonEmpty = n, elapsed, percentile(lat, 50), percentile(lat, 99), nonEmpty
	say("bopis: %d answers in %s: %.0f/s, p50 %s p99 %s (%d with a store)", n, elapsed.Round(time.Millisecond),
		float64(n)/elapsed.Seconds(), res.P50.Round(time.Microsecond), res.P99.Round(time.Microsecond), nonEmpty)

	// The baseline: one SQL query per request on the same data.
	raw, err := storage.OpenSQL(ctx, d.URL)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(cfg.Clients)
	// Both must give the same stores, or the comparison means nothing.
	for i := range 200 {
		want, err := sqlPickup(ctx, raw, reqs[i], 50, 5)
		if err != nil {
			return nil, err
		}
		got, err := bopisPickup(srv, token, reqs[i])
		if err != nil {
			return nil, err
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			res.Disagreements++
			if res.Disagreements <= 3 {
				say("disagreement on request %d: bopis %v, SQL %v", i, got, want)
			}
		}
	}
	res.Checked = 200
	lat, n, elapsed, err = drive(cfg.Clients, cfg.Duration, len(reqs), func(i int) error {
		_, err := sqlPickup(ctx, raw, reqs[i], 50, 5)
		return err
	})
	if err != nil {
		return nil, err
	}
	res.BaselineAnswers, res.BaselineElapsed, res.BaselineP50, res.BaselineP99 = n, elapsed, percentile(lat, 50), percentile(lat, 99)
	say("SQL baseline: %d answers in %s: %.0f/s, p50 %s p99 %s", n, elapsed.Round(time.Millisecond),
		float64(n)/elapsed.Seconds(), res.BaselineP50.Round(time.Microsecond), res.BaselineP99.Round(time.Microsecond))
	return res, nil
}

// loaded says how the levels came to be in the database.
func (r *PickupResult) loaded() string {
	if r.Config.Reuse != "" {
		return "kept from an earlier run (--reuse)"
	}
	return "loaded in " + r.Load.Round(time.Second).String()
}

// keptLevels counts the stock levels of a database kept by an earlier run.
func keptLevels(ctx context.Context, url string) (int64, error) {
	raw, err := storage.OpenSQL(ctx, url)
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	var n int64
	err = raw.QueryRowContext(ctx, `SELECT count(*) FROM inventory_levels`).Scan(&n)
	return n, err
}

// bopisPickup asks bopis for pickup options and returns the store ids.
// It reads only the ids from the answer: decoding every slot would make
// the load generator, on the same two cores, the bottleneck.
func bopisPickup(srv *server, token string, q pickupRequest) ([]string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, `{"coordinates":{"latitude":%g,"longitude":%g},"radius_km":50,"items":[`, q.lat, q.lon)
	for j := range q.skus {
		if j > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"sku":%q,"quantity":%d}`, q.skus[j], q.qty[j])
	}
	b.WriteString("]}")
	raw, err := post(srv.url+"/v1/pickup-options", token, []byte(b.String()))
	if err != nil {
		return nil, err
	}
	var ids []string
	const marker = `"store":{"id":"`
	for {
		i := bytes.Index(raw, []byte(marker))
		if i < 0 {
			return ids, nil
		}
		raw = raw[i+len(marker):]
		end := bytes.IndexByte(raw, '"')
		ids = append(ids, string(raw[:end]))
		raw = raw[end:]
	}
}

// scatter places a point up to km from c, uniformly over the disc.
func scatter(r *rand.Rand, c bopis.Coordinates, km float64) bopis.Coordinates {
	d := km * math.Sqrt(r.Float64())
	bearing := r.Float64() * 2 * math.Pi
	lat := c.Latitude + d*math.Cos(bearing)/111.195
	lon := c.Longitude + d*math.Sin(bearing)/(111.195*math.Cos(c.Latitude*math.Pi/180))
	return bopis.Coordinates{Latitude: math.Round(lat*1e5) / 1e5, Longitude: math.Round(lon*1e5) / 1e5}
}

// copyLevels loads every carried (store, SKU) with COPY: the dataset, not
// the POS path (that is `bench feed`).
func copyLevels(ctx context.Context, url string, cfg PickupConfig) (int64, error) {
	raw, err := storage.OpenSQL(ctx, url)
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	conn, err := raw.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var total int64
	now := time.Now().UnixMicro()
	err = conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn() // pgx's own connection beneath database/sql
		// A bulk load of a fresh dataset: the change-feed trigger would run
		// PL/pgSQL once per row for nothing (the read model's first load
		// reads every row anyway), and slows COPY several times.
		if _, err := pc.Exec(ctx, `ALTER TABLE inventory_levels DISABLE TRIGGER inventory_levels_version`); err != nil {
			return err
		}
		defer pc.Exec(ctx, `ALTER TABLE inventory_levels ENABLE TRIGGER inventory_levels_version`)
		for s := range cfg.Stores {
			r := rand.New(rand.NewPCG(cfg.Seed, uint64(s)))
			var rows [][]any
			for k := range cfg.SKUs {
				if !carries(cfg.Seed, s, k, cfg.Assortment) {
					continue
				}
				onHand := int64(r.IntN(40))
				if r.IntN(10) == 0 {
					onHand = 0
				}
				rows = append(rows, []any{storeID(s), skuID(k), onHand, int64(0), now})
			}
			n, err := pc.CopyFrom(ctx, pgx.Identifier{"inventory_levels"},
				[]string{"store_id", "sku", "on_hand", "reserved", "updated_at"}, pgx.CopyFromRows(rows))
			if err != nil {
				return err
			}
			total += n
			if s%500 == 499 {
				fmt.Fprintf(cfg.Progress, "bench pickup: levels of %d/%d stores copied\n", s+1, cfg.Stores)
			}
		}
		return nil
	})
	return total, err
}

// drive runs fn from clients goroutines over request indexes for d, and
// returns each call's latency, the count and the time taken.
func drive(clients int, d time.Duration, nreq int, fn func(i int) error) ([]time.Duration, int, time.Duration, error) {
	var (
		mu       sync.Mutex
		all      []time.Duration
		firstErr error
		wg       sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := c; time.Now().Before(deadline); i += clients {
				t0 := time.Now()
				if err := fn(i % nreq); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, len(all), time.Since(start), firstErr
}

// sqlPickup is the plain SQL implementation: active pickup stores in the
// bounding box, within the radius by haversine, that have every line,
// nearest first, in one query.
func sqlPickup(ctx context.Context, db *sql.DB, q pickupRequest, radiusKm float64, limit int) ([]string, error) {
	dLat := radiusKm / 111.195
	dLon := radiusKm / (111.195 * math.Cos(q.lat*math.Pi/180))
	rows, err := db.QueryContext(ctx, `
		WITH cart AS (SELECT * FROM unnest($5::text[], $6::bigint[]) AS c(sku, qty)),
		near AS (
			SELECT id, 2 * 6371.0088 * asin(sqrt(power(sin(radians(latitude - $1) / 2), 2) +
				cos(radians($1)) * cos(radians(latitude)) * power(sin(radians(longitude - $2) / 2), 2))) AS km
			FROM stores
			WHERE active AND type = 'store' AND latitude BETWEEN $1 - $3 AND $1 + $3 AND longitude BETWEEN $2 - $4 AND $2 + $4)
		SELECT n.id FROM near n
		WHERE n.km <= $7 AND NOT EXISTS (
			SELECT 1 FROM cart c LEFT JOIN inventory_levels l ON l.store_id = n.id AND l.sku = c.sku
			WHERE l.sku IS NULL OR l.on_hand - l.reserved < c.qty)
		ORDER BY n.km LIMIT $8`,
		q.lat, q.lon, dLat, dLon, "{"+strings.Join(q.skus, ",")+"}", int64sArray(q.qty), radiusKm, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func int64sArray(xs []int64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Markdown renders the result as a BENCHMARKS.md section.
func (r *PickupResult) Markdown(command string) string {
	var b strings.Builder
	c := r.Config
	rate := float64(r.Answers) / r.Elapsed.Seconds()
	base := float64(r.BaselineAnswers) / r.BaselineElapsed.Seconds()
	fmt.Fprintf(&b, "### Checkout: pickup options\n\n")
	fmt.Fprintf(&b, "Command: `%s` (%s). Machine: %s.\n\n", command, time.Now().UTC().Format("2006-01-02"), Machine())
	fmt.Fprintf(&b, "Dataset: %d stores scattered within 35 km of 52 US metro centres, %d SKUs, %.0f%% assortment: "+
		"%d stock levels (on hand 0–39, 10%% zero) in PostgreSQL, %s. Requests: 20,000 pre-generated carts of "+
		"1–5 random SKUs (quantity 1–2) at random points within 30 km of a metro centre, radius 50 km, limit 5; %d concurrent "+
		"clients on the same machine for %s per side. %d of bopis's answers named at least one store.\n\n",
		c.Stores, c.SKUs, c.Assortment*100, r.Levels, r.loaded(), c.Clients, c.Duration, r.NonEmpty)
	fmt.Fprintf(&b, "| what | answers/s | p50 | p99 |\n|---|---|---|---|\n")
	fmt.Fprintf(&b, "| **bopis** `POST /v1/pickup-options` over HTTP (read model, with earliest ready time and 7 days of slots) | **%.0f** | %s | %s |\n",
		rate, r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond))
	fmt.Fprintf(&b, "| baseline: one SQL query per request on PostgreSQL (bounding box + haversine + stock check; no HTTP, no calendar) | %.0f | %s | %s |\n",
		base, r.BaselineP50.Round(time.Microsecond), r.BaselineP99.Round(time.Microsecond))
	fmt.Fprintf(&b, "| **ratio bopis / baseline** | **%.1f×** | | |\n\n", rate/base)
	fmt.Fprintf(&b, "Both answered the first %d requests with the same stores in the same order in %d cases.\n\n", r.Checked, r.Checked-r.Disagreements)
	fmt.Fprintf(&b, "Read model: loaded from PostgreSQL in %s; %.0f MiB of heap for the dataset.\n", r.ModelLoad.Round(time.Second), float64(r.ModelBytes)/(1<<20))
	return b.String()
}
