package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/bopis/bopis/internal/bench"
)

// runBench runs a benchmark and writes its figures into BENCHMARKS.md.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "pickup" {
		return runBenchPickup(ctx, args, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "feed" {
		return fmt.Errorf("usage: bopis bench feed|pickup [flags]  (bopis bench feed -h lists them)")
	}
	fs := flag.NewFlagSet("bench feed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pg := fs.String("postgres", env("BOPIS_BENCH_POSTGRES_URL", ""), "also run on PostgreSQL: a server URL where fresh databases may be created (env BOPIS_BENCH_POSTGRES_URL)")
	cfg := bench.FeedConfig{Seed: 1, Progress: stderr}
	fs.IntVar(&cfg.Stores, "stores", 5000, "stores")
	fs.IntVar(&cfg.SKUs, "skus", 50000, "SKUs in the catalog")
	fs.Float64Var(&cfg.Assortment, "assortment", 0.4, "share of the catalog each store carries")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "sustained load time per database")
	fs.IntVar(&cfg.Clients, "clients", 4, "concurrent batches in flight")
	fs.IntVar(&cfg.Batch, "batch", 5000, "events per batch")
	out := fs.String("out", "BENCHMARKS.md", "file to write the figures into (empty: print only)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (server and load) to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	stop, err := startProfile(*profile)
	if err != nil {
		return err
	}
	defer stop()
	command := "bopis bench " + strings.Join(args, " ")
	if *pg != "" { // a server URL may carry a password: name the variable instead
		command = strings.ReplaceAll(command, *pg, "$BOPIS_BENCH_POSTGRES_URL")
	}
	runs := []string{""}
	if *pg != "" {
		runs = append(runs, *pg)
	}
	for _, base := range runs {
		c := cfg
		c.Postgres = base
		res, err := bench.Feed(ctx, c)
		if err != nil {
			return err
		}
		md := res.Markdown(command)
		fmt.Fprintln(stdout, md)
		if *out != "" {
			if err := bench.WriteSection(*out, "feed-"+res.Dialect, md); err != nil {
				return err
			}
		}
	}
	return nil
}

func runBenchPickup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench pickup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	pg := fs.String("postgres", env("BOPIS_BENCH_POSTGRES_URL", ""), "PostgreSQL server URL where a fresh database may be created (env BOPIS_BENCH_POSTGRES_URL)")
	cfg := bench.PickupConfig{Seed: 1, Progress: stderr}
	fs.IntVar(&cfg.Stores, "stores", 5000, "stores")
	fs.IntVar(&cfg.SKUs, "skus", 50000, "SKUs in the catalog")
	fs.Float64Var(&cfg.Assortment, "assortment", 0.4, "share of the catalog each store carries")
	fs.DurationVar(&cfg.Duration, "duration", 20*time.Second, "load time for bopis and again for the SQL baseline")
	fs.IntVar(&cfg.Clients, "clients", 8, "concurrent clients")
	out := fs.String("out", "BENCHMARKS.md", "file to write the figures into (empty: print only)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (server and load) to this file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	stop, err := startProfile(*profile)
	if err != nil {
		return err
	}
	defer stop()
	cfg.Postgres = *pg
	res, err := bench.Pickup(ctx, cfg)
	if err != nil {
		return err
	}
	md := res.Markdown(strings.ReplaceAll("bopis bench "+strings.Join(args, " "), *pg, "$BOPIS_BENCH_POSTGRES_URL"))
	fmt.Fprintln(stdout, md)
	if *out != "" {
		return bench.WriteSection(*out, "pickup", md)
	}
	return nil
}

// startProfile writes a CPU profile to path (nothing when empty) until stop.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
