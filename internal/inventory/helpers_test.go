package inventory

import (
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/bopis/bopis"
)

// t0 is the instant the tests' times count from, in minutes.
var t0 = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

func minute(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

// us is minute m as unix µs.
func us(m int) int64 { return minute(m).UnixMicro() }

func usp(m int) *int64 { v := us(m); return &v }

func snap(id, store, sku string, n int64, m int) bopis.InventoryEvent {
	return bopis.InventoryEvent{ID: id, StoreID: store, SKU: sku, Type: bopis.EventSnapshot, OnHand: &n, OccurredAt: minute(m)}
}

func delta(id, store, sku string, d int64, m int) bopis.InventoryEvent {
	return bopis.InventoryEvent{ID: id, StoreID: store, SKU: sku, Type: bopis.EventDelta, Delta: &d, Reason: "sale", OccurredAt: minute(m)}
}

// world is storage as the rules see it: what it keeps between batches,
// loaded and written back as storage does, in memory.
type world struct {
	feeds  map[string]Feed // the stores that exist
	skus   map[string]bool // the SKUs that exist
	levels map[Key]Level
	ledger []Entry
	now    int64 // µs
	step   int64 // the feed clock's step, µs
	// checkNeeded makes every batch also run with the later moves of
	// every snapshot, and fails if that changes anything: what
	// Effects.Missing leaves out is never read.
	checkNeeded interface{ Fatalf(string, ...any) }
}

func newWorld(stores []string, skus ...string) *world {
	w := &world{feeds: map[string]Feed{}, skus: map[string]bool{}, levels: map[Key]Level{}, now: us(60), step: (5 * time.Second).Microseconds()}
	for _, s := range stores {
		w.feeds[s] = Feed{}
	}
	for _, k := range skus {
		w.skus[k] = true
	}
	return w
}

// seen is the events the ledger remembers (as storage asks it).
func (w *world) seen() map[EventKey]bool {
	seen := map[EventKey]bool{}
	for _, e := range w.ledger {
		if e.Moved && (e.Cause == CauseSnapshot || e.Cause == CauseDelta) {
			seen[EventKey{e.Store, e.Reference}] = true
		}
	}
	return seen
}

// movesSince sums the ledger as storage's query does.
func (w *world) movesSince(s Since) int64 {
	var n int64
	for _, e := range w.ledger {
		if e.Key == s.Key && e.Moved && e.Cause != CauseSnapshot && e.Status == Applied && e.OccurredAt >= s.At {
			n += e.Quantity
		}
	}
	return n
}

func (w *world) level(k Key) (Level, bool) {
	if !w.skus[k.SKU] {
		return Level{}, false
	}
	return w.levels[k], true
}

// batch applies events as storage does and answers their statuses in
// the request's order.
func (w *world) batch(events ...bopis.InventoryEvent) ([]string, Effects) {
	evs := make([]Event, len(events))
	for i := range events {
		evs[i] = NewEvent(i, &events[i])
	}
	todo, dups := Sequence(evs)
	b := Batch{Events: todo, Feeds: w.feeds, Levels: w.level, Seen: w.seen(), Now: w.now, FeedClockStep: w.step}
	eff := Apply(b)
	if len(eff.Missing) > 0 {
		b.LaterMoves = map[Since]int64{}
		for _, s := range eff.Missing {
			b.LaterMoves[s] = w.movesSince(s)
		}
		if eff = Apply(b); eff.Missing != nil {
			panic("missing later moves given")
		}
	}
	if w.checkNeeded != nil {
		all := b
		all.LaterMoves = map[Since]int64{}
		for _, e := range todo {
			s := Since{e.key(), e.At}
			all.LaterMoves[s] = w.movesSince(s)
		}
		if got := Apply(all); !reflect.DeepEqual(got, eff) {
			w.checkNeeded.Fatalf("given the later moves missing (%v), the effects differ from those given every snapshot's:\n%+v\n%+v", b.LaterMoves, eff, got)
		}
	}
	w.commit(eff.Levels, eff.Ledger, eff.Alerts)
	for _, s := range eff.FeedClocks {
		f, now := w.feeds[s], w.now
		f.Fed, f.LastEvent = true, &now
		w.feeds[s] = f
	}
	statuses := make([]string, len(events))
	for _, d := range dups {
		statuses[d.Index] = Duplicate
	}
	for _, r := range eff.Results {
		statuses[r.Index] = r.Status
	}
	return statuses, eff
}

// commit writes a rule's levels, ledger and alerts.
func (w *world) commit(levels []Stock, ledger []Entry, alerts []Alert) {
	for _, s := range levels {
		s.Level.AlertOpen = w.levels[s.Key].AlertOpen
		w.levels[s.Key] = s.Level
	}
	w.ledger = append(w.ledger, ledger...)
	for _, a := range alerts {
		l := w.levels[a.Key]
		l.AlertOpen = a.Open
		w.levels[a.Key] = l
	}
}

// count applies a whole-store count as storage does.
func (w *world) count(store string, asOf time.Time, lines ...bopis.CountLine) (CountEffects, error) {
	c := Count{Store: store, AsOf: asOf, Lines: lines, LastCount: w.feeds[store].LastCount, Levels: map[string]Level{}}
	for k, l := range w.levels {
		if k.Store == store {
			c.Levels[k.SKU] = l
		}
	}
	for _, l := range lines {
		if k := (Key{store, l.SKU}); w.skus[l.SKU] {
			c.Levels[l.SKU] = w.levels[k]
		}
	}
	eff, err := ApplyCount(c, nil)
	if len(eff.Missing) > 0 {
		later := map[Since]int64{}
		for _, s := range eff.Missing {
			later[s] = w.movesSince(s)
		}
		if eff, err = ApplyCount(c, later); eff.Missing != nil {
			panic("missing later moves given")
		}
	}
	if err != nil || eff.Stale {
		return eff, err
	}
	w.commit(eff.Levels, eff.Ledger, eff.Alerts)
	f := w.feeds[store]
	at := asOf.UnixMicro()
	f.Fed, f.LastCount = true, &at
	w.feeds[store] = f
	return eff, nil
}

func (w *world) onHand(store, sku string) int64 { return w.levels[Key{store, sku}].OnHand }

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
}

// keys lists the keys of m in order.
func keys[V any](m map[Key]V) []Key {
	return slices.SortedFunc(maps.Keys(m), func(a, b Key) int {
		if a.Store != b.Store {
			return cmpString(a.Store, b.Store)
		}
		return cmpString(a.SKU, b.SKU)
	})
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
