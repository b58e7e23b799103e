package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
)

// OrdersConfig sizes an order-placement run.
type OrdersConfig struct {
	Postgres      string // PostgreSQL server URL; empty runs on SQLite
	NoGroupCommit bool   // SQLite: commit each order alone
	Stores        int    // 5,000
	SKUs          int    // SKUs each store carries (stock enough never to run out)
	Duration      time.Duration
	Clients       int
	Seed          uint64
	Progress      io.Writer
	CPUProfile    string // a file for a CPU profile of the timed load
}

// OrdersResult is what a run measured.
type OrdersResult struct {
	Config             OrdersConfig
	Dialect            string
	Setup              time.Duration
	Orders             int64
	Errors             int64
	FirstError         string
	Elapsed            time.Duration
	OrdersPerSec       float64
	P50, P99           time.Duration
	ReservedMatchesSum bool
}

// placeRequest sends one order and returns its status: 201, or 409 when
// short; anything else is an error.
func placeRequest(url, key, idem string, body []byte) (int, error) {
	return send("POST", url+"/v1/orders", key, idem, string(body), 201, 409)
}

func orderJSON(storeID string, lines ...any) []byte {
	var ls []map[string]any
	for i := 0; i < len(lines); i += 2 {
		ls = append(ls, map[string]any{"sku": lines[i], "quantity": lines[i+1],
			"unit_price": map[string]any{"amount": 1999, "currency": "USD"}, "fulfillment": "pickup"})
	}
	b, _ := json.Marshal(map[string]any{
		"customer": map[string]any{"name": "Bench", "email": "bench@example.com"},
		"pickup":   map[string]any{"store_id": storeID, "method": "in_store"},
		"lines":    ls,
		"payment":  map[string]any{"token": "tok_visa"},
	})
	return b
}

// seedNetwork stores a network of stores that each carry every SKU, with
// stock that never runs out and slots without a capacity (the benchmarks
// measure placement, not full slots), and returns a storefront key.
func seedNetwork(ctx context.Context, db *storage.DB, stores, skus int) (string, error) {
	catalog := make([]*bopis.SKU, skus)
	counts := make([]bopis.Count, skus)
	for i := range catalog {
		catalog[i] = &bopis.SKU{SKU: skuID(i), Name: "Item " + skuID(i), PickupEligible: true, Active: true}
		counts[i] = bopis.Count{SKU: skuID(i), OnHand: 1_000_000}
	}
	if _, err := db.PutSKUs(ctx, catalog); err != nil {
		return "", err
	}
	for i := range stores {
		st := benchStore(storeID(i), i)
		st.SlotCapacity = 0
		if _, err := db.PutStore(ctx, st); err != nil {
			return "", err
		}
		if _, err := db.CountStore(ctx, st.ID, time.Now(), counts); err != nil {
			return "", err
		}
	}
	return db.CreateAPIKey(ctx, &bopis.APIKey{Role: bopis.RoleStorefront, Name: "bench"})
}

// Orders runs the placement benchmark: 3-line pickup orders at random
// stores of the network, each at a named store, durable commits.
func Orders(ctx context.Context, cfg OrdersConfig) (*OrdersResult, error) {
	say := func(format string, args ...any) { fmt.Fprintf(cfg.Progress, "bench orders: "+format+"\n", args...) }
	d, err := NewDatabase(cfg.Postgres)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	set := benchSettings
	set.NoGroupCommit = cfg.NoGroupCommit
	db, err := storage.Open(ctx, set.Storage(d.URL))
	if err != nil {
		return nil, err
	}
	res := &OrdersResult{Config: cfg, Dialect: d.Dialect}
	start := time.Now()
	token, err := seedNetwork(ctx, db, cfg.Stores, cfg.SKUs)
	if err != nil {
		db.Close()
		return nil, err
	}
	res.Setup = time.Since(start)
	say("%s: %d stores × %d SKUs set up in %s", d.Dialect, cfg.Stores, cfg.SKUs, res.Setup.Round(time.Millisecond))
	srv, err := startWith(ctx, db)
	if err != nil {
		return nil, err
	}
	defer srv.close()

	var (
		mu        sync.Mutex
		latencies []time.Duration
		orders    atomic.Int64
		errs      atomic.Int64
		wg        sync.WaitGroup
	)
	run := d.Dialect
	if cfg.NoGroupCommit {
		run += "-alone"
	}
	stopProfile, err := profileLoad(cfg.CPUProfile, run)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(cfg.Duration)
	loadStart := time.Now()
	for c := range cfg.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(cfg.Seed, uint64(c)))
			var mine []time.Duration
			for n := 0; time.Now().Before(deadline); n++ {
				k := r.Perm(cfg.SKUs)[:3]
				body := orderJSON(storeID(r.IntN(cfg.Stores)), skuID(k[0]), 1, skuID(k[1]), 2, skuID(k[2]), 1)
				t := time.Now()
				status, err := placeRequest(srv.url, token, fmt.Sprintf("c%d-%d", c, n), body)
				mine = append(mine, time.Since(t))
				if err != nil || status != 201 {
					if errs.Add(1) == 1 {
						mu.Lock()
						res.FirstError = fmt.Sprint(status, " ", err)
						mu.Unlock()
					}
					continue
				}
				orders.Add(1)
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	stopProfile()
	res.Elapsed = time.Since(loadStart)
	res.Orders, res.Errors = orders.Load(), errs.Load()
	res.OrdersPerSec = float64(res.Orders) / res.Elapsed.Seconds()
	res.P50, res.P99 = percentile(latencies, 50), percentile(latencies, 99)
	say("%s (group commit %v): %d orders in %s, %.0f/s, p50 %s p99 %s, %d errors", d.Dialect, !cfg.NoGroupCommit,
		res.Orders, res.Elapsed.Round(time.Millisecond), res.OrdersPerSec, res.P50, res.P99, res.Errors)
	return res, nil
}

// OrdersMarkdown renders the placement runs side by side.
func OrdersMarkdown(command string, runs []*OrdersResult) string {
	var b strings.Builder
	c := runs[0].Config
	fmt.Fprintf(&b, "### Order placement\n\n")
	fmt.Fprintf(&b, "Command: `%s` (%s). Machine: %s.\n\n", command, time.Now().UTC().Format("2006-01-02"), Machine())
	fmt.Fprintf(&b, "Dataset: %d stores × %d SKUs (stock enough never to run out, unlimited slots); %d clients each "+
		"placing 3-line pickup orders (random store, 3 random SKUs, test gateway authorization, Idempotency-Key) over "+
		"HTTP on loopback for %s; durable commits (SQLite WAL, fsynced before a commit is answered; PostgreSQL default fsync). Each order is "+
		"an authorization write and the placement transaction (3 conditional reservations, slot booking, order, lines, "+
		"ledger, timeline, outbox, idempotency). The baseline is the same run with every SQLite commit on its own.\n\n",
		c.Stores, c.SKUs, c.Clients, c.Duration)
	fmt.Fprintf(&b, "| database | group commit | orders/s | p50 | p99 | errors | setup |\n|---|---|---|---|---|---|---|\n")
	var base float64
	for _, r := range runs {
		if r.Dialect == "sqlite" && r.Config.NoGroupCommit {
			base = r.OrdersPerSec
		}
	}
	for _, r := range runs {
		gc := "yes"
		switch {
		case r.Dialect == "postgres":
			gc = "n/a (many connections)"
		case r.Config.NoGroupCommit:
			gc = "no (baseline)"
		}
		fmt.Fprintf(&b, "| %s | %s | **%.0f** | %s | %s | %d | %s |\n", r.Dialect, gc, r.OrdersPerSec,
			r.P50.Round(100*time.Microsecond), r.P99.Round(100*time.Microsecond), r.Errors, r.Setup.Round(time.Second))
	}
	for _, r := range runs {
		if r.Dialect == "sqlite" && !r.Config.NoGroupCommit && base > 0 {
			fmt.Fprintf(&b, "\nGroup commit on SQLite: %.1f× the baseline.\n", r.OrdersPerSec/base)
		}
	}
	for _, r := range runs {
		if r.FirstError != "" {
			fmt.Fprintf(&b, "\nFirst error (%s): `%s`\n", r.Dialect, r.FirstError)
		}
	}
	return b.String()
}

// FlashConfig sizes a flash sale.
type FlashConfig struct {
	Postgres string
	Stock    int
	Clients  []int // each a run: e.g. 16 and 256
	// Processes > 1 runs that many `bopis serve` processes (this binary)
	// on one PostgreSQL database, the clients spread over them.
	Processes int
	Progress  io.Writer
}

// FlashRun is one flash sale.
type FlashRun struct {
	Clients, Processes int
	Sold, Refused      int64
	Errors             int64
	Elapsed            time.Duration
	OrdersPerSec       float64 // successful orders a second until sold out
	P99                time.Duration
	Reserved, OnHand   int64
	OpenReservations   int64
}

// FlashResult is a flash-sale benchmark.
type FlashResult struct {
	Config  FlashConfig
	Dialect string
	Runs    []FlashRun
}

// Flash runs the flash sale: one SKU with Stock units at one store, every
// client placing 1-unit orders until it is sold out.
func Flash(ctx context.Context, cfg FlashConfig) (*FlashResult, error) {
	out := &FlashResult{Config: cfg}
	for _, clients := range cfg.Clients {
		run, dialect, err := flashOnce(ctx, cfg, clients)
		if err != nil {
			return nil, err
		}
		out.Dialect = dialect
		out.Runs = append(out.Runs, *run)
		fmt.Fprintf(cfg.Progress, "bench flash: %s, %d process(es), %d clients: %d sold, %d refused, %d errors, %.0f orders/s, p99 %s\n",
			dialect, run.Processes, clients, run.Sold, run.Refused, run.Errors, run.OrdersPerSec, run.P99)
	}
	return out, nil
}

func flashOnce(ctx context.Context, cfg FlashConfig, clients int) (*FlashRun, string, error) {
	d, err := NewDatabase(cfg.Postgres)
	if err != nil {
		return nil, "", err
	}
	defer d.Close()
	db, err := storage.Open(ctx, benchSettings.Storage(d.URL))
	if err != nil {
		return nil, "", err
	}
	st := benchStore("flash", 0)
	st.SlotCapacity = 0
	if _, err := db.PutStore(ctx, st); err != nil {
		db.Close()
		return nil, "", err
	}
	if _, err := db.PutSKU(ctx, &bopis.SKU{SKU: "HOT", Name: "Console", PickupEligible: true, Active: true}); err != nil {
		db.Close()
		return nil, "", err
	}
	if _, err := db.CountStore(ctx, "flash", time.Now(), []bopis.Count{{SKU: "HOT", OnHand: int64(cfg.Stock)}}); err != nil {
		db.Close()
		return nil, "", err
	}
	token, err := db.CreateAPIKey(ctx, &bopis.APIKey{Role: bopis.RoleStorefront, Name: "bench"})
	if err != nil {
		db.Close()
		return nil, "", err
	}
	var urls []string
	procs := max(1, cfg.Processes)
	if procs == 1 {
		srv, err := startWith(ctx, db)
		if err != nil {
			return nil, "", err
		}
		defer srv.close()
		urls = []string{srv.url}
	} else {
		db.Close()
		for i := range procs {
			u, stop, err := startProcess(ctx, d.URL, i)
			if err != nil {
				return nil, "", err
			}
			defer stop()
			urls = append(urls, u)
		}
		if db, err = storage.Open(ctx, benchSettings.Storage(d.URL)); err != nil {
			return nil, "", err
		}
		defer db.Close()
	}

	run := &FlashRun{Clients: clients, Processes: procs}
	var sold, refused, errs atomic.Int64
	var mu sync.Mutex
	var latencies []time.Duration
	var wg sync.WaitGroup
	body := orderJSON("flash", "HOT", 1)
	start := time.Now()
	var soldOutAt atomic.Int64
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := urls[c%len(urls)]
			var mine []time.Duration
			// Keep trying until this client has been refused a few times in
			// a row: by then the stock is gone.
			for n, refusals := 0, 0; refusals < 3; n++ {
				t := time.Now()
				status, err := placeRequest(url, token, fmt.Sprintf("f%d-%d", c, n), body)
				mine = append(mine, time.Since(t))
				switch {
				case err != nil:
					errs.Add(1)
					if errs.Load() > 100 {
						return
					}
				case status == 201:
					refusals = 0
					if sold.Add(1) == int64(cfg.Stock) {
						soldOutAt.Store(int64(time.Since(start)))
					}
				default:
					refused.Add(1)
					refusals++
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	run.Sold, run.Refused, run.Errors = sold.Load(), refused.Load(), errs.Load()
	run.Elapsed = time.Duration(soldOutAt.Load())
	if run.Elapsed == 0 {
		run.Elapsed = time.Since(start)
	}
	run.OrdersPerSec = float64(run.Sold) / run.Elapsed.Seconds()
	run.P99 = percentile(latencies, 99)
	levels, err := db.Levels(ctx, "flash", []string{"HOT"})
	if err != nil || len(levels) != 1 {
		return nil, "", fmt.Errorf("reading the level: %v", err)
	}
	run.Reserved, run.OnHand = levels[0].Reserved, levels[0].OnHand
	open, err := db.Reservations(ctx, "flash", "", bopis.ReservationOpen)
	if err != nil {
		return nil, "", err
	}
	for _, r := range open {
		run.OpenReservations += r.Quantity
	}
	return run, d.Dialect, nil
}

// startProcess runs `bopis serve` (this executable) on dbURL and waits
// until it answers; stop ends it.
func startProcess(ctx context.Context, dbURL string, i int) (string, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", 18600+i)
	cmd := exec.CommandContext(ctx, exe, "serve")
	cmd.Env = append(os.Environ(), "BOPIS_DB="+dbURL, "BOPIS_ADDR="+addr, "BOPIS_LOG_LEVEL=error", "BOPIS_PUBLIC_RATE=1000000000")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }
	url := "http://" + addr
	for t := time.Now(); time.Since(t) < 60*time.Second; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return url, stop, nil
			}
		}
	}
	stop()
	return "", nil, fmt.Errorf("bopis serve on %s did not become ready", addr)
}

// Markdown renders a flash-sale result.
func (r *FlashResult) Markdown(command string) string {
	var b strings.Builder
	procs := max(1, r.Config.Processes)
	fmt.Fprintf(&b, "### Flash sale on %s, %d process(es)\n\n", r.Dialect, procs)
	fmt.Fprintf(&b, "Command: `%s` (%s). Machine: %s.\n\n", command, time.Now().UTC().Format("2006-01-02"), Machine())
	fmt.Fprintf(&b, "One SKU with stock %d at one store (unlimited slots); every client places 1-unit orders over HTTP until "+
		"it is refused three times in a row. Throughput is successful orders per second until sold out; it is compared "+
		"with the first run (fewest clients).\n\n", r.Config.Stock)
	fmt.Fprintf(&b, "| clients | sold | refused (409) | errors | reserved / open reservations / on hand | orders/s | vs first | p99 |\n|---|---|---|---|---|---|---|---|\n")
	for _, run := range r.Runs {
		fmt.Fprintf(&b, "| %d | **%d** | %d | %d | %d / %d / %d | %.0f | %.2f | %s |\n", run.Clients, run.Sold, run.Refused,
			run.Errors, run.Reserved, run.OpenReservations, run.OnHand, run.OrdersPerSec, run.OrdersPerSec/r.Runs[0].OrdersPerSec,
			run.P99.Round(100*time.Microsecond))
	}
	return b.String()
}
