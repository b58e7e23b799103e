package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bopis/bopis/cmd/bopis/internal/bench"
)

// benchFlags are the flags every benchmark takes.
type benchFlags struct {
	fs         *flag.FlagSet
	postgres   string
	sqlite     bool
	out        string
	profile    string
	stores     int
	skus       int
	clients    int
	assortment float64
	duration   time.Duration
}

func newBenchFlags(name string, stderr io.Writer, clients int, duration time.Duration, postgresHelp string) *benchFlags {
	b := &benchFlags{fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	b.fs.SetOutput(stderr)
	b.fs.StringVar(&b.postgres, "postgres", env("BOPIS_BENCH_POSTGRES_URL", ""), postgresHelp+" (env BOPIS_BENCH_POSTGRES_URL)")
	b.fs.BoolVar(&b.sqlite, "sqlite", true, "run the SQLite side (false: PostgreSQL only)")
	b.fs.StringVar(&b.out, "out", "BENCHMARKS.md", "file to write the figures into (empty: print only)")
	b.fs.StringVar(&b.profile, "cpuprofile", "", "write CPU profiles (server and load) to this file: feed, orders and mixed profile each timed load in a file of its own (name-sqlite.prof), not the setup; pickup and flash the whole run")
	b.fs.IntVar(&b.stores, "stores", 5000, "stores")
	b.fs.IntVar(&b.skus, "skus", 50000, "SKUs in the catalog")
	b.fs.Float64Var(&b.assortment, "assortment", 0.4, "share of the catalog each store carries")
	b.fs.IntVar(&b.clients, "clients", clients, "concurrent clients")
	b.fs.DurationVar(&b.duration, "duration", duration, "load time per side")
	return b
}

// command is the command line to record, naming the PostgreSQL URL (which
// may carry a password) by its variable.
func (b *benchFlags) command(args []string) string {
	c := "bopis bench " + strings.Join(args, " ")
	if b.postgres != "" {
		c = strings.ReplaceAll(c, b.postgres, "$BOPIS_BENCH_POSTGRES_URL")
	}
	return c
}

// write prints a section and records it in the output file.
func (b *benchFlags) write(stdout io.Writer, id, md string) error {
	fmt.Fprintln(stdout, md)
	if b.out == "" {
		return nil
	}
	return bench.WriteSection(b.out, id, md)
}

// runBench runs a benchmark and writes its figures into BENCHMARKS.md.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	kinds := []string{"feed", "pickup", "orders", "flash", "mixed"}
	const use = "usage: bopis bench feed|pickup|orders|flash|mixed [flags]  (bopis bench feed -h lists them)"
	if len(args) > 0 && askedForHelp(args[:1]) {
		fmt.Fprintln(stdout, use)
		return nil
	}
	if len(args) == 0 || !slices.Contains(kinds, args[0]) {
		return errors.New(use)
	}
	var b *benchFlags
	var batch, stock, processes, pickupRate, orderRate, posRate int
	var clientList, reuse string
	var keep bool
	switch args[0] {
	case "feed":
		b = newBenchFlags("bench feed", stderr, 4, 30*time.Second, "also run on PostgreSQL: a server URL where fresh databases may be created")
		b.fs.IntVar(&batch, "batch", 5000, "events per batch")
	case "pickup":
		b = newBenchFlags("bench pickup", stderr, 8, 20*time.Second, "PostgreSQL server URL where a fresh database may be created")
		b.fs.BoolVar(&keep, "keep", false, "keep the loaded database and print its URL for --reuse")
		b.fs.StringVar(&reuse, "reuse", "", "URL of a database kept by an earlier run with the same sizes (skips the load)")
	case "orders":
		b = newBenchFlags("bench orders", stderr, 32, 20*time.Second, "also run on PostgreSQL: a server URL where fresh databases may be created")
		b.fs.Lookup("skus").DefValue, b.skus = "200", 200
	case "mixed":
		b = newBenchFlags("bench mixed", stderr, 0, 10*time.Minute, "also run on PostgreSQL: a server URL where fresh databases may be created")
		b.fs.Lookup("skus").DefValue, b.skus = "200", 200
		b.fs.IntVar(&pickupRate, "pickup-rate", 2000, "pickup-option requests per second")
		b.fs.IntVar(&orderRate, "order-rate", 100, "orders per second")
		b.fs.IntVar(&posRate, "pos-rate", 5000, "POS events per second")
		b.fs.IntVar(&batch, "batch", 100, "POS events per batch")
	case "flash":
		b = newBenchFlags("bench flash", stderr, 0, 0, "run on PostgreSQL (else SQLite): a server URL where fresh databases may be created")
		b.fs.IntVar(&stock, "stock", 10000, "units of the one SKU on sale")
		b.fs.StringVar(&clientList, "client-runs", "16,256", "comma-separated client counts, one run each")
		b.fs.IntVar(&processes, "processes", 1, "bopis serve processes on one PostgreSQL database (needs --postgres when > 1)")
	}
	if err := b.fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "pickup", "flash":
		stop, err := bench.ProfileCPU(b.profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	switch args[0] {
	case "mixed":
		var runs []*bench.MixedResult
		for _, pg := range b.databases() {
			res, err := bench.Mixed(ctx, bench.MixedConfig{Postgres: pg, Stores: b.stores, SKUs: b.skus, Duration: b.duration,
				PickupRate: pickupRate, OrderRate: orderRate, POSRate: posRate, Batch: batch, Progress: stderr, CPUProfile: b.profile})
			if err != nil {
				return err
			}
			runs = append(runs, res)
		}
		return b.write(stdout, "mixed", bench.MixedMarkdown(b.command(args), runs))
	case "orders":
		type variant struct {
			pg   string
			noGC bool
		}
		var variants []variant
		if b.sqlite {
			variants = append(variants, variant{"", true}, variant{"", false}) // without group commit (the baseline), then with
		}
		if b.postgres != "" {
			variants = append(variants, variant{b.postgres, false})
		}
		var runs []*bench.OrdersResult
		for _, v := range variants {
			res, err := bench.Orders(ctx, bench.OrdersConfig{Postgres: v.pg, NoGroupCommit: v.noGC, Stores: b.stores, SKUs: b.skus,
				Duration: b.duration, Clients: b.clients, Seed: 1, Progress: stderr, CPUProfile: b.profile})
			if err != nil {
				return err
			}
			runs = append(runs, res)
		}
		return b.write(stdout, "orders", bench.OrdersMarkdown(b.command(args), runs))
	case "flash":
		var clients []int
		for _, f := range strings.Split(clientList, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				return fmt.Errorf("--client-runs: %q is not a number of clients", f)
			}
			clients = append(clients, n)
		}
		if processes > 1 && b.postgres == "" {
			return fmt.Errorf("--processes %d needs --postgres: SQLite has one writer process", processes)
		}
		res, err := bench.Flash(ctx, bench.FlashConfig{Postgres: b.postgres, Stock: stock, Clients: clients,
			Processes: processes, Progress: stderr})
		if err != nil {
			return err
		}
		return b.write(stdout, fmt.Sprintf("flash-%s-%d", res.Dialect, max(1, processes)), res.Markdown(b.command(args)))
	}
	if args[0] == "pickup" {
		res, err := bench.Pickup(ctx, bench.PickupConfig{Postgres: b.postgres, Stores: b.stores, SKUs: b.skus,
			Assortment: b.assortment, Duration: b.duration, Clients: b.clients, Seed: 1, Progress: stderr,
			Keep: keep, Reuse: reuse})
		if err != nil {
			return err
		}
		return b.write(stdout, "pickup", res.Markdown(b.command(args)))
	}
	for _, pg := range b.databases() {
		res, err := bench.Feed(ctx, bench.FeedConfig{Postgres: pg, Stores: b.stores, SKUs: b.skus, Assortment: b.assortment,
			Duration: b.duration, Clients: b.clients, Batch: batch, Seed: 1, Progress: stderr, CPUProfile: b.profile})
		if err != nil {
			return err
		}
		if err := b.write(stdout, "feed-"+res.Dialect, res.Markdown(b.command(args))); err != nil {
			return err
		}
	}
	return nil
}

// databases lists the runs asked for: "" for SQLite, then the PostgreSQL URL.
func (b *benchFlags) databases() []string {
	var runs []string
	if b.sqlite {
		runs = append(runs, "")
	}
	if b.postgres != "" {
		runs = append(runs, b.postgres)
	}
	return runs
}
