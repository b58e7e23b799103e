package inventory

import (
	"cmp"
	"slices"
	"strings"

	"github.com/bopis/bopis"
)

// Event is a POS event that passed every check needing no stored state
// (bopis.InventoryEvent.Validate, the sender's reach).
type Event struct {
	*bopis.InventoryEvent
	Index int   // its place in the request
	At    int64 // occurred_at, unix µs
}

// NewEvent is the event e at place i of its request.
func NewEvent(i int, e *bopis.InventoryEvent) Event {
	return Event{InventoryEvent: e, Index: i, At: e.OccurredAt.UnixMicro()}
}

func (e Event) key() Key           { return Key{e.StoreID, e.SKU} }
func (e Event) eventKey() EventKey { return EventKey{e.StoreID, e.ID} }
func (e Event) snapshot() bool     { return e.Type == bopis.EventSnapshot }

// compare is the order events apply in: by store, SKU and occurred_at
// (the order the changes happened in, and the order every writer locks
// levels in), a snapshot before a delta of the same instant (it counts
// what happened before its instant), then by place in the request.
func compare(x, y Event) int {
	if c := strings.Compare(x.StoreID, y.StoreID); c != 0 {
		return c
	}
	if c := strings.Compare(x.SKU, y.SKU); c != 0 {
		return c
	}
	if c := cmp.Compare(x.At, y.At); c != 0 {
		return c
	}
	if xs, ys := x.snapshot(), y.snapshot(); xs != ys {
		if xs {
			return -1
		}
		return 1
	}
	return cmp.Compare(x.Index, y.Index)
}

// Sequence puts events (in the request's order) in the order they apply,
// less the duplicates: an event whose id an earlier event of the request
// has at the same store. The duplicates are answered Duplicate.
func Sequence(events []Event) (todo, duplicates []Event) {
	seen := make(map[EventKey]struct{}, len(events))
	todo = make([]Event, 0, len(events))
	for _, e := range events {
		k := e.eventKey()
		if _, dup := seen[k]; dup {
			duplicates = append(duplicates, e)
			continue
		}
		seen[k] = struct{}{}
		todo = append(todo, e)
	}
	slices.SortFunc(todo, compare)
	return todo, duplicates
}

// Feed is what a batch reads of an existing store's POS feed.
type Feed struct {
	Fed       bool   // the store has a feed row (a batch or count was taken before)
	LastCount *int64 // its last whole-store count's as_of (nil: none)
	LastEvent *int64 // its feed clock (nil: never set)
}

// Batch is what Apply reads.
type Batch struct {
	// Events are the batch's events, in Sequence's order.
	Events []Event
	// Feeds has every store of the events that exists.
	Feeds map[string]Feed
	// Levels gives the level of a key whose SKU exists (a zero level if
	// the store has none yet), and false for a SKU that does not exist.
	// Apply asks once per key and changes nothing through it.
	Levels func(Key) (Level, bool)
	// Seen holds the events of the batch already remembered (their
	// ledger entries written by an earlier batch).
	Seen map[EventKey]bool
	// LaterMoves sums the applied moves of a level at or after a time,
	// for each Since that Apply names in Effects.Missing.
	LaterMoves map[Since]int64
	// Now is the server's clock; FeedClockStep is how far a store's feed
	// clock may trail it before a batch moves it.
	Now, FeedClockStep int64
}

// Result is what became of one event: Status, and for a rejected one
// Error.
type Result struct {
	Index         int // the event's place in its request
	Status, Error string
}

// Effects are what a batch does.
type Effects struct {
	// Results answer every event of the batch, in the order they
	// applied.
	Results []Result
	// Levels are every level an event of an existing store and SKU
	// names, in key order, as the batch leaves them.
	Levels []Stock
	// Ledger are the entries the batch writes, in the order the events
	// applied: one for each applied or stale event.
	Ledger []Entry
	// Alerts are the low_stock alerts that open or close, in key order.
	Alerts []Alert
	// FeedClocks are the stores heard from whose feed clock trails now
	// by a step or more (or was never set): it moves to now, and their
	// stale_feed alert closes. NewFeeds are those of them without a
	// feed row yet.
	FeedClocks, NewFeeds []string
	// Missing names the sums of later moves the batch needs and
	// Batch.LaterMoves lacks: one for each snapshot applied to a level
	// with a move at or after the snapshot's time (it arrived after
	// later changes; at most one a level). Effects with Missing are not
	// to be written: read the sums and Apply again.
	Missing []Since
}

// run is the events of one key, with the level they change.
type run struct {
	k      Key
	events []Event
	feed   Feed
	level  Level
	// live is false when the key's store or SKU does not exist.
	live bool
}

// runs calls fn for each key of b's events in turn (events sorted).
func (b *Batch) runs(events []Event, fn func(r *run)) {
	for lo := 0; lo < len(events); {
		k := events[lo].key()
		hi := lo + 1
		for hi < len(events) && events[hi].StoreID == k.Store && events[hi].SKU == k.SKU {
			hi++
		}
		r := run{k: k, events: events[lo:hi]}
		var ok bool
		if r.feed, ok = b.Feeds[k.Store]; ok {
			r.level, r.live = b.Levels(k)
		}
		fn(&r)
		lo = hi
	}
}

// cut is the time before which an event of r is stale, if any: the
// latest of the level's newest snapshot, the store's last count and the
// newest snapshot of the batch not seen before.
func (b *Batch) cut(r *run) (int64, bool) {
	var t int64
	var ok bool
	later := func(p *int64) {
		if p != nil && (!ok || *p > t) {
			t, ok = *p, true
		}
	}
	later(r.level.LastSnapshot)
	later(r.feed.LastCount)
	for i := len(r.events) - 1; i >= 0; i-- { // sorted: the last is the newest
		if e := r.events[i]; e.snapshot() && !b.Seen[e.eventKey()] {
			later(&e.At)
			break
		}
	}
	return t, ok
}

// sorted is b's events in Sequence's order.
func (b *Batch) sorted() []Event {
	if slices.IsSortedFunc(b.Events, compare) {
		return b.Events
	}
	events := slices.Clone(b.Events)
	slices.SortFunc(events, compare)
	return events
}

// Apply applies a batch of POS events to the levels they name and says
// what each did, what the ledger records and which alerts and feed
// clocks change (see the package's documentation). A snapshot that
// arrived after later moves of its level adds them back from
// b.LaterMoves; the first Apply of a batch, without them, names those it
// needs in Effects.Missing (rarely any), for a second.
func Apply(b Batch) Effects {
	events := b.sorted()
	eff := Effects{Results: make([]Result, 0, len(events)), Ledger: make([]Entry, 0, len(events))}
	behind := b.Now - b.FeedClockStep
	b.runs(events, func(r *run) {
		if !r.live {
			for _, e := range r.events {
				res := Result{Index: e.Index, Status: Rejected, Error: "no SKU " + e.SKU}
				if _, ok := b.Feeds[e.StoreID]; !ok {
					res.Error = "no store " + e.StoreID
				}
				eff.Results = append(eff.Results, res)
			}
			return
		}
		if n := len(eff.FeedClocks); n == 0 || eff.FeedClocks[n-1] != r.k.Store {
			if f := r.feed; f.LastEvent == nil || *f.LastEvent <= behind {
				eff.FeedClocks = append(eff.FeedClocks, r.k.Store)
				if !f.Fed {
					eff.NewFeeds = append(eff.NewFeeds, r.k.Store)
				}
			}
		}
		cut, hasCut := b.cut(r)
		l := r.level
		for _, e := range r.events {
			if b.Seen[e.eventKey()] {
				eff.Results = append(eff.Results, Result{Index: e.Index, Status: Duplicate})
				continue
			}
			status := Applied
			if hasCut && e.At < cut {
				status = Stale
			}
			eff.Results = append(eff.Results, Result{Index: e.Index, Status: status})
			m := Move{Cause: CauseDelta, Reference: e.ID, Reason: e.Reason, OccurredAt: e.At, Status: status}
			onHand := l.OnHand
			if e.snapshot() {
				m.Cause, m.Quantity = CauseSnapshot, *e.OnHand
				if status == Applied {
					var later int64
					if NeedsLaterMoves(l, e.At) {
						since := Since{r.k, e.At}
						var ok bool
						if later, ok = b.LaterMoves[since]; !ok && (len(eff.Missing) == 0 || eff.Missing[len(eff.Missing)-1] != since) {
							eff.Missing = append(eff.Missing, since)
						}
					}
					onHand = SnapshotTarget(l, m.Quantity, e.At, later)
					at := e.At
					l.LastSnapshot = &at
				}
			} else {
				m.Quantity = *e.Delta
				if status == Applied {
					onHand = max(0, l.OnHand+m.Quantity)
				}
			}
			eff.Ledger = append(eff.Ledger, l.Move(r.k, onHand, l.Reserved, m))
		}
		eff.Levels = append(eff.Levels, Stock{Key: r.k, Level: l, Changed: !l.same(r.level)})
		eff.Alerts = alert(eff.Alerts, r.k, l)
	})
	return eff
}
