// Package routing is the distributed order management decision: given the
// stores that (by the read model) can take an order, which to try first.
// It does no I/O; the database has the last word when the order reserves.
//
// Tie-breaks, in order:
//  1. Distance from the shopper, in bands of BandKm: stores within the
//     same band are equally near (a few hundred metres mean nothing to a
//     driver, and GPS is no better).
//  2. The earlier ready time: the customer gets the order sooner.
//  3. The exact distance.
//  4. The store id, so the choice is the same on every process.
package routing

import (
	"math"
	"sort"
	"time"
)

// BandKm is the width of a distance band.
const BandKm = 0.5

// MaxAttempts bounds how many stores one placement tries: past a few
// stores the read model is wrong about the area, and the shopper should
// hear so rather than wait.
const MaxAttempts = 5

// Candidate is a store that can take the order.
type Candidate struct {
	StoreID         string
	DistanceKm      float64
	EarliestReadyAt time.Time
}

// Rank returns the candidates in the order to try them, at most MaxAttempts.
func Rank(cs []Candidate) []Candidate {
	out := append([]Candidate(nil), cs...)
	band := func(c Candidate) float64 { return math.Floor(c.DistanceKm / BandKm) }
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if ba, bb := band(a), band(b); ba != bb {
			return ba < bb
		}
		if !a.EarliestReadyAt.Equal(b.EarliestReadyAt) {
			return a.EarliestReadyAt.Before(b.EarliestReadyAt)
		}
		if a.DistanceKm != b.DistanceKm {
			return a.DistanceKm < b.DistanceKm
		}
		return a.StoreID < b.StoreID
	})
	if len(out) > MaxAttempts {
		out = out[:MaxAttempts]
	}
	return out
}
