package inventory

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"pgregory.net/rapid"
)

// The properties below compare the rules with a brute-force reference:
// every event of a level (and every count of its store), sorted by the
// time it happened, replayed from the first. They share no code with
// the rules.

// item is one thing that reaches the world: a POS event, or a count.
type item struct {
	event *bopis.InventoryEvent
	count *countItem
}

type countItem struct {
	store string
	asOf  time.Time
	lines []bopis.CountLine
}

// tick is t as an instant: ticks are microseconds after t0.
func tick(t int) time.Time { return t0.Add(time.Duration(t) * time.Microsecond) }

var (
	propStores = []string{"s1", "s2"}
	propSKUs   = []string{"A", "B"}
)

// history is a generated world: its initial levels (a snapshot at tick
// 0 each) and what happens to them.
type history struct {
	initial map[Key]Level
	items   []item
}

// drawHistory draws levels and events. With noClamp, every count is big
// enough that no order of the deltas takes on_hand below 0, so the
// order they arrive in cannot matter; else the deltas are any.
func drawHistory(t *rapid.T, noClamp bool) history {
	h := history{initial: map[Key]Level{}}
	n := rapid.IntRange(0, 40).Draw(t, "events")
	const maxDelta = 5
	lo, hi := int64(0), int64(30)
	if noClamp {
		lo, hi = int64(n*maxDelta), int64(n*maxDelta+40)
	}
	for _, s := range propStores {
		for _, k := range propSKUs {
			l := Level{
				OnHand:       rapid.Int64Range(lo, hi).Draw(t, "on_hand"),
				Reserved:     rapid.Int64Range(0, 5).Draw(t, "reserved"),
				SafetyStock:  rapid.Int64Range(0, 3).Draw(t, "safety"),
				Threshold:    rapid.Int64Range(0, 40).Draw(t, "threshold"),
				LastSnapshot: usp(0),
			}
			l.AlertOpen, _ = LowStock(l) // settled
			h.initial[Key{s, k}] = l
		}
	}
	// Snapshots and counts of a store each have an instant of their own
	// (of two taken at one instant, none is the later); deltas share
	// instants with anything.
	used := map[string]map[int]bool{}
	for _, s := range propStores {
		used[s] = map[int]bool{0: true}
	}
	unique := func(store string, at int) int {
		for used[store][at] {
			at++
		}
		used[store][at] = true
		return at
	}
	for i := range n {
		store := rapid.SampledFrom(append(propStores, "s9")).Draw(t, "store")
		sku := rapid.SampledFrom(append(propSKUs, "Z")).Draw(t, "sku")
		at := rapid.IntRange(-5, 40).Draw(t, "at")
		id := fmt.Sprintf("e%d", i)
		switch kind := rapid.IntRange(0, 9).Draw(t, "kind"); {
		case kind < 6:
			d := rapid.Int64Range(-maxDelta, maxDelta).Filter(func(d int64) bool { return d != 0 }).Draw(t, "delta")
			e := bopis.InventoryEvent{ID: id, StoreID: store, SKU: sku, Type: bopis.EventDelta, Delta: &d, OccurredAt: tick(at)}
			h.items = append(h.items, item{event: &e})
		case kind < 9 || store == "s9":
			if store != "s9" {
				at = unique(store, at)
			}
			c := rapid.Int64Range(lo, hi).Draw(t, "count")
			e := bopis.InventoryEvent{ID: id, StoreID: store, SKU: sku, Type: bopis.EventSnapshot, OnHand: &c, OccurredAt: tick(at)}
			h.items = append(h.items, item{event: &e})
		default:
			c := &countItem{store: store, asOf: tick(unique(store, at))}
			for _, k := range propSKUs {
				if noClamp || rapid.Bool().Draw(t, "listed") {
					c.lines = append(c.lines, bopis.CountLine{SKU: k, OnHand: rapid.Int64Range(lo, hi).Draw(t, "counted")})
				}
			}
			h.items = append(h.items, item{count: c})
		}
	}
	return h
}

// replay is the brute-force on_hand of every level: its initial
// snapshot, then its events and its store's counts in the order they
// happened, a snapshot or count before a delta of its instant.
func (h history) replay() map[Key]int64 {
	type change struct {
		at     time.Time
		set    bool
		amount int64
	}
	out := map[Key]int64{}
	for k, l := range h.initial {
		cs := []change{{tick(0), true, l.OnHand}} // the initial level, a snapshot
		for _, it := range h.items {
			switch e, c := it.event, it.count; {
			case e != nil && e.StoreID == k.Store && e.SKU == k.SKU:
				if e.Type == bopis.EventSnapshot {
					cs = append(cs, change{e.OccurredAt, true, *e.OnHand})
				} else {
					cs = append(cs, change{e.OccurredAt, false, *e.Delta})
				}
			case c != nil && c.store == k.Store:
				var n int64 // a SKU the count leaves out is counted at 0
				for _, line := range c.lines {
					if line.SKU == k.SKU {
						n = line.OnHand
					}
				}
				cs = append(cs, change{c.asOf, true, n})
			}
		}
		slices.SortStableFunc(cs, func(a, b change) int {
			if c := a.at.Compare(b.at); c != 0 {
				return c
			}
			switch {
			case a.set && !b.set:
				return -1
			case b.set && !a.set:
				return 1
			}
			return 0
		})
		var n int64
		for _, c := range cs {
			if c.set {
				n = c.amount
			} else {
				n = max(0, n+c.amount)
			}
		}
		out[k] = n
	}
	return out
}

// world is h's initial state.
func (h history) world() *world {
	w := newWorld(propStores, propSKUs...)
	for k, l := range h.initial {
		w.levels[k] = l
	}
	return w
}

// run makes the items arrive in arrival's order, POS events in batches
// cut where cuts says, counts alone, and answers the batches.
func (w *world) run(t *rapid.T, arrival []item) [][]bopis.InventoryEvent {
	var batches [][]bopis.InventoryEvent
	var cur []bopis.InventoryEvent
	flush := func() {
		if len(cur) > 0 {
			w.batch(cur...)
			batches = append(batches, cur)
			cur = nil
		}
	}
	for _, it := range arrival {
		if it.count != nil {
			flush()
			if _, err := w.count(it.count.store, it.count.asOf, it.count.lines...); err != nil {
				t.Fatal(err)
			}
			continue
		}
		cur = append(cur, *it.event)
		if rapid.IntRange(0, 3).Draw(t, "cut") == 0 {
			flush()
		}
	}
	flush()
	return batches
}

// checkLedger checks each level's entries against the level: on_hand
// moved by their sum, reserved by none, never below 0, and every POS
// event remembered once.
func (w *world) checkLedger(t *rapid.T, initial map[Key]Level) {
	sum := map[Key]int64{}
	remembered := map[EventKey]int{}
	for _, e := range w.ledger {
		sum[e.Key] += e.OnHandDelta
		if e.ReservedDelta != 0 {
			t.Fatalf("an entry changes reserved: %+v", e)
		}
		if e.Cause == CauseSnapshot || e.Cause == CauseDelta {
			remembered[EventKey{e.Store, e.Reference}]++
		}
	}
	for k, l := range w.levels {
		if l.OnHand-initial[k].OnHand != sum[k] {
			t.Fatalf("%v: on_hand went from %d to %d, its entries sum to %d", k, initial[k].OnHand, l.OnHand, sum[k])
		}
		if l.Reserved != initial[k].Reserved {
			t.Fatalf("%v: reserved went from %d to %d", k, initial[k].Reserved, l.Reserved)
		}
		if l.OnHand < 0 {
			t.Fatalf("%v: on_hand %d", k, l.OnHand)
		}
		if open, close := LowStock(l); open || close {
			t.Fatalf("%v: the low_stock alert is not settled: %+v", k, l)
		}
	}
	for k, n := range remembered {
		if n != 1 {
			t.Fatalf("event %v remembered %d times", k, n)
		}
	}
}

// TestPropertyAnyArrivalOrderGivesTheReplay: for any events and counts
// arriving in any order, in any batches, some resent, every level ends
// as the brute-force replay in the order they happened says (counts big
// enough that no delta is cut at 0); the ledger sums to the change,
// reserved never moves, and every batch sent again changes nothing.
func TestPropertyAnyArrivalOrderGivesTheReplay(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t, true)
		arrival := rapid.Permutation(h.items).Draw(t, "arrival")
		for _, it := range h.items { // some sent again, later
			if it.event != nil && rapid.IntRange(0, 4).Draw(t, "resend") == 0 {
				at := rapid.IntRange(0, len(arrival)).Draw(t, "resent at")
				arrival = slices.Insert(arrival, at, it)
			}
		}
		w := h.world()
		w.checkNeeded = t
		batches := w.run(t, arrival)
		want := h.replay()
		for _, k := range keys(want) {
			if got := w.onHand(k.Store, k.SKU); got != want[k] {
				t.Fatalf("%v: on_hand %d, the replay in time order gives %d", k, got, want[k])
			}
		}
		w.checkLedger(t, h.initial)
		// The same batches again change nothing.
		levels, entries := fmt.Sprint(w.levels), len(w.ledger)
		for _, b := range batches {
			st, eff := w.batch(b...)
			for i, s := range st {
				if s != Duplicate && s != Rejected {
					t.Fatalf("event %s sent again: %s", b[i].ID, s)
				}
			}
			for _, l := range eff.Levels {
				if l.Changed {
					t.Fatalf("sent again, %v changed", l.Key)
				}
			}
			if len(eff.Ledger)+len(eff.Alerts)+len(eff.FeedClocks) > 0 {
				t.Fatalf("sent again: %+v", eff)
			}
		}
		if fmt.Sprint(w.levels) != levels || len(w.ledger) != entries {
			t.Fatal("batches sent again changed the levels or the ledger")
		}
	})
}

// TestPropertyInOrderArrivalGivesTheReplay: events that arrive in the
// order they happened, in any batches, end as the replay says, also
// when deltas are cut at 0.
func TestPropertyInOrderArrivalGivesTheReplay(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t, false)
		// Distinct instants: deltas of one instant cut at 0 give what
		// their order gives.
		arrival := slices.Clone(h.items)
		for i, it := range arrival {
			if it.event != nil {
				e := *it.event
				e.OccurredAt = e.OccurredAt.Add(time.Duration(i) * time.Millisecond)
				arrival[i] = item{event: &e}
			} else {
				c := *it.count
				c.asOf = c.asOf.Add(time.Duration(i) * time.Millisecond)
				arrival[i] = item{count: &c}
			}
		}
		at := func(it item) time.Time {
			if it.event != nil {
				return it.event.OccurredAt
			}
			return it.count.asOf
		}
		slices.SortStableFunc(arrival, func(a, b item) int { return at(a).Compare(at(b)) })
		h.items = arrival
		w := h.world()
		w.checkNeeded = t
		w.run(t, arrival)
		want := h.replay()
		for _, k := range keys(want) {
			if got := w.onHand(k.Store, k.SKU); got != want[k] {
				t.Fatalf("%v: on_hand %d, the replay gives %d", k, got, want[k])
			}
		}
		w.checkLedger(t, h.initial)
	})
}
