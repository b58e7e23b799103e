package inventory

import (
	"flag"
	"os"
	"strconv"
	"testing"
)

// minPropertyChecks is how many cases each rapid property runs in a plain
// `go test`; -rapid.checks on the command line (or RAPID_CHECKS) wins.
const minPropertyChecks = 3000

func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "rapid.checks" {
			explicit = true
		}
	})
	if _, env := os.LookupEnv("RAPID_CHECKS"); !explicit && !env {
		if err := flag.Set("rapid.checks", strconv.Itoa(minPropertyChecks)); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
