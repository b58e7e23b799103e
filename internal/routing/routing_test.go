package routing

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

var t0 = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

func ids(cs []Candidate) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.StoreID)
	}
	return fmt.Sprint(out)
}

func TestRank(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []Candidate
		want string
	}{
		{"nearest first", []Candidate{{"far", 9, t0}, {"near", 1, t0}}, "[near far]"},
		{"same band: ready sooner wins", []Candidate{{"a", 1.1, t0.Add(time.Hour)}, {"b", 1.4, t0}}, "[b a]"},
		{"next band: distance wins over ready time", []Candidate{{"a", 1.1, t0.Add(time.Hour)}, {"b", 1.6, t0}}, "[a b]"},
		{"same band and time: nearer", []Candidate{{"a", 1.3, t0}, {"b", 1.2, t0}}, "[b a]"},
		{"full tie: store id", []Candidate{{"b", 2, t0}, {"a", 2, t0}}, "[a b]"},
		{"at most MaxAttempts", []Candidate{{"a", 1, t0}, {"b", 2, t0}, {"c", 3, t0}, {"d", 4, t0}, {"e", 5, t0}, {"f", 6, t0}}, "[a b c d e]"},
		{"none", nil, "[]"},
	} {
		if got := ids(Rank(c.in)); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// The ranking is a function of the set, not of the order it came in, and
// never puts a store of a farther band before a nearer one.
func TestRankProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 12).Draw(t, "n")
		cs := make([]Candidate, n)
		for i := range cs {
			cs[i] = Candidate{StoreID: fmt.Sprintf("s%02d", i), DistanceKm: float64(rapid.IntRange(0, 40).Draw(t, "d")) / 10,
				EarliestReadyAt: t0.Add(time.Duration(rapid.IntRange(0, 3).Draw(t, "h")) * time.Hour)}
		}
		shuffled := append([]Candidate(nil), cs...)
		perm := rapid.Permutation(shuffled).Draw(t, "perm")
		a, b := Rank(cs), Rank(perm)
		if ids(a) != ids(b) {
			t.Fatalf("order-dependent: %s vs %s", ids(a), ids(b))
		}
		for i := 1; i < len(a); i++ {
			if int(a[i].DistanceKm/BandKm) < int(a[i-1].DistanceKm/BandKm) {
				t.Fatalf("%s before nearer band %s", a[i-1].StoreID, a[i].StoreID)
			}
		}
	})
}
