package inventory

import (
	"testing"

	"github.com/bopis/bopis"
)

// TestEventStatuses states what each kind of event is answered and what
// it leaves, one case a row, from a level of 10 on hand (2 reserved),
// last snapshot at minute 0, last move at minute 5, the store's last
// count at minute -10.
func TestEventStatuses(t *testing.T) {
	const S, K = "s1", "K1"
	cases := []struct {
		name   string
		seen   []string // ids the ledger already remembers at S
		events []bopis.InventoryEvent
		want   []string
		onHand int64
		// ledger is each entry's on_hand delta and status, in the order
		// the events apply.
		ledger []string
	}{
		{name: "a delta applies", events: []bopis.InventoryEvent{delta("e1", S, K, -3, 10)},
			want: []string{Applied}, onHand: 7, ledger: []string{"-3 applied"}},
		{name: "a delta never takes on_hand below 0", events: []bopis.InventoryEvent{delta("e1", S, K, -30, 10)},
			want: []string{Applied}, onHand: 0, ledger: []string{"-10 applied"}},
		{name: "deltas out of order all apply", events: []bopis.InventoryEvent{delta("e1", S, K, -1, 12), delta("e2", S, K, 4, 11)},
			want: []string{Applied, Applied}, onHand: 13, ledger: []string{"4 applied", "-1 applied"}},
		{name: "a snapshot sets on_hand", events: []bopis.InventoryEvent{snap("e1", S, K, 4, 10)},
			want: []string{Applied}, onHand: 4, ledger: []string{"-6 applied"}},
		{name: "a snapshot that confirms the level is applied and remembered", events: []bopis.InventoryEvent{snap("e1", S, K, 10, 10)},
			want: []string{Applied}, onHand: 10, ledger: []string{"0 applied"}},
		{name: "a snapshot before the last move adds the moves since back (5 at minute 5)",
			events: []bopis.InventoryEvent{snap("e1", S, K, 20, 3)},
			want:   []string{Applied}, onHand: 25, ledger: []string{"15 applied"}},
		{name: "a snapshot and a delta of the same instant: the snapshot counts what came before",
			events: []bopis.InventoryEvent{delta("e1", S, K, -2, 10), snap("e2", S, K, 6, 10)},
			want:   []string{Applied, Applied}, onHand: 4, ledger: []string{"-4 applied", "-2 applied"}},
		{name: "a delta older than the level's snapshot is stale", events: []bopis.InventoryEvent{delta("e1", S, K, -3, -1)},
			want: []string{Stale}, onHand: 10, ledger: []string{"0 stale"}},
		{name: "a snapshot older than the level's snapshot is stale", events: []bopis.InventoryEvent{snap("e1", S, K, 1, -1)},
			want: []string{Stale}, onHand: 10, ledger: []string{"0 stale"}},
		{name: "a delta older than a snapshot of the same batch is stale",
			events: []bopis.InventoryEvent{snap("e1", S, K, 8, 20), delta("e2", S, K, -3, 15), delta("e3", S, K, 1, 25)},
			want:   []string{Applied, Stale, Applied}, onHand: 9, ledger: []string{"0 stale", "-2 applied", "1 applied"}},
		{name: "of two snapshots in a batch the older is stale",
			events: []bopis.InventoryEvent{snap("e1", S, K, 8, 20), snap("e2", S, K, 3, 15)},
			want:   []string{Applied, Stale}, onHand: 8, ledger: []string{"0 stale", "-2 applied"}},
		{name: "an event remembered is a duplicate and changes nothing", seen: []string{"e1"},
			events: []bopis.InventoryEvent{delta("e1", S, K, -3, 10), delta("e2", S, K, -1, 11)},
			want:   []string{Duplicate, Applied}, onHand: 9, ledger: []string{"-1 applied"}},
		{name: "a remembered snapshot makes nothing stale", seen: []string{"e1"},
			events: []bopis.InventoryEvent{snap("e1", S, K, 3, 20), delta("e2", S, K, -1, 11)},
			want:   []string{Duplicate, Applied}, onHand: 9, ledger: []string{"-1 applied"}},
		{name: "a second event of one id in the request is a duplicate",
			events: []bopis.InventoryEvent{delta("e1", S, K, -3, 10), delta("e1", S, K, -3, 10)},
			want:   []string{Applied, Duplicate}, onHand: 7, ledger: []string{"-3 applied"}},
		{name: "an event of a store that does not exist is rejected",
			events: []bopis.InventoryEvent{delta("e1", "nowhere", K, -3, 10)},
			want:   []string{Rejected}, onHand: 10},
		{name: "an event of a SKU that does not exist is rejected",
			events: []bopis.InventoryEvent{delta("e1", S, "NOPE", -3, 10), delta("e2", S, K, 1, 10)},
			want:   []string{Rejected, Applied}, onHand: 11, ledger: []string{"1 applied"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld([]string{S}, K)
			w.checkNeeded = t
			w.feeds[S] = Feed{Fed: true, LastCount: usp(-10), LastEvent: usp(-10)}
			w.levels[Key{S, K}] = Level{OnHand: 10, Reserved: 2, LastSnapshot: usp(0), LastMove: usp(5)}
			w.ledger = append(w.ledger, Entry{Key: Key{S, K}, Cause: CauseDelta, Reference: "old", OnHandDelta: 5,
				Moved: true, OccurredAt: us(5), Quantity: 5, Status: Applied})
			for _, id := range c.seen {
				w.ledger = append(w.ledger, Entry{Key: Key{S, K}, Cause: CauseDelta, Reference: id, Moved: true, Status: Stale})
			}
			before := len(w.ledger)
			got, eff := w.batch(c.events...)
			eq(t, "statuses", got, c.want)
			eq(t, "on_hand", w.onHand(S, K), c.onHand)
			eq(t, "reserved", w.levels[Key{S, K}].Reserved, int64(2))
			var ledger []string
			for _, e := range w.ledger[before:] {
				ledger = append(ledger, itoa(e.OnHandDelta)+" "+e.Status)
				if !e.Moved || e.ReservedDelta != 0 || e.Store != S {
					t.Errorf("entry %+v", e)
				}
			}
			eq(t, "ledger", ledger, c.ledger)
			for _, r := range eff.Results {
				if (r.Status == Rejected) != (r.Error != "") {
					t.Errorf("result %+v", r)
				}
			}
		})
	}
}

func itoa(n int64) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestRejectedEventsSayWhy(t *testing.T) {
	w := newWorld([]string{"s1"}, "K1")
	_, eff := w.batch(delta("e1", "s9", "K1", 1, 1), delta("e2", "s1", "K9", 1, 1))
	eq(t, "results", eff.Results, []Result{
		{Index: 1, Status: Rejected, Error: "no SKU K9"},
		{Index: 0, Status: Rejected, Error: "no store s9"},
	})
	eq(t, "levels", len(eff.Levels), 0)
	eq(t, "feed clocks", eff.FeedClocks, []string(nil))
}

func TestSnapshotRecordsItsTimeAndDeltasTheirs(t *testing.T) {
	w := newWorld([]string{"s1"}, "K1")
	_, eff := w.batch(snap("e1", "s1", "K1", 5, 1), delta("e2", "s1", "K1", 2, 3), delta("e3", "s1", "K1", 2, 2))
	l := w.levels[Key{"s1", "K1"}]
	eq(t, "last snapshot", *l.LastSnapshot, us(1))
	eq(t, "last move", *l.LastMove, us(3))
	eq(t, "on_hand", l.OnHand, int64(9))
	eq(t, "changed", eff.Levels[0].Changed, true)
	// A stale delta moves neither time.
	w.batch(delta("e4", "s1", "K1", 2, 0))
	eq(t, "last move after a stale delta", *w.levels[Key{"s1", "K1"}].LastMove, us(3))
	// A snapshot is no move: a snapshot older than it adds nothing back.
	w.batch(snap("e5", "s1", "K1", 7, 4))
	eq(t, "on_hand after a newer snapshot", w.onHand("s1", "K1"), int64(7))
	eq(t, "later moves needed after only snapshots", w.laterNeeded(snap("e6", "s1", "K1", 1, 4)), []Since(nil))
}

// laterNeeded is the later moves a batch of events misses at first.
func (w *world) laterNeeded(events ...bopis.InventoryEvent) []Since {
	evs := make([]Event, len(events))
	for i := range events {
		evs[i] = NewEvent(i, &events[i])
	}
	todo, _ := Sequence(evs)
	return Apply(Batch{Events: todo, Feeds: w.feeds, Levels: w.level, Seen: w.seen()}).Missing
}

func TestLaterMovesMissingOnlyForASnapshotThatApplies(t *testing.T) {
	w := newWorld([]string{"s1"}, "K1", "K2")
	w.batch(delta("e1", "s1", "K1", 2, 10), delta("e2", "s1", "K2", 2, 10), snap("e3", "s1", "K2", 5, 12))
	eq(t, "a snapshot after the last move", w.laterNeeded(snap("n1", "s1", "K1", 1, 11)), []Since(nil))
	eq(t, "a snapshot at the last move's instant", w.laterNeeded(snap("n1", "s1", "K1", 1, 10)), []Since{{Key{"s1", "K1"}, us(10)}})
	eq(t, "only the newest of a level", w.laterNeeded(snap("n1", "s1", "K1", 1, 8), snap("n2", "s1", "K1", 1, 9)),
		[]Since{{Key{"s1", "K1"}, us(9)}})
	eq(t, "once for two of one instant", w.laterNeeded(snap("n1", "s1", "K1", 1, 9), snap("n2", "s1", "K1", 2, 9)),
		[]Since{{Key{"s1", "K1"}, us(9)}})
	b := Batch{Feeds: w.feeds, Levels: w.level, LaterMoves: map[Since]int64{{Key{"s1", "K1"}, us(9)}: 2}}
	evs := []bopis.InventoryEvent{snap("n1", "s1", "K1", 1, 9)}
	b.Events = []Event{NewEvent(0, &evs[0])}
	eff := Apply(b)
	eq(t, "none missing when given", eff.Missing, []Since(nil))
	eq(t, "given", eff.Levels[0].OnHand, int64(3))
	eq(t, "not a stale one", w.laterNeeded(snap("n1", "s1", "K2", 1, 9)), []Since(nil))
	eq(t, "not a remembered one", w.laterNeeded(snap("e3", "s1", "K1", 1, 9)), []Since(nil))
	eq(t, "not of a SKU that does not exist", w.laterNeeded(snap("n1", "s1", "K9", 1, 9)), []Since(nil))
}

func TestSequence(t *testing.T) {
	evs := []bopis.InventoryEvent{
		delta("d", "s2", "A", 1, 1),   // 0
		delta("a", "s1", "B", 1, 5),   // 1
		delta("b", "s1", "B", 1, 5),   // 2
		snap("c", "s1", "B", 1, 5),    // 3: a snapshot before deltas of its instant
		delta("e", "s1", "A", 1, 9),   // 4
		delta("a", "s1", "B", 7, 1),   // 5: id a again at s1
		delta("a", "s2", "B", 1, 1),   // 6: id a at another store
		delta("f", "s1", "B", 1, 4),   // 7
		snap("g", "s1", "B", 1, 5),    // 8
		delta("h", "s1", "A", -1, -3), // 9
	}
	in := make([]Event, len(evs))
	for i := range evs {
		in[i] = NewEvent(i, &evs[i])
	}
	todo, dups := Sequence(in)
	var order, dup []int
	for _, e := range todo {
		order = append(order, e.Index)
	}
	for _, e := range dups {
		dup = append(dup, e.Index)
	}
	eq(t, "order", order, []int{9, 4, 7, 3, 8, 1, 2, 0, 6})
	eq(t, "duplicates", dup, []int{5})
}

func TestApplySortsEventsGivenOutOfOrder(t *testing.T) {
	evs := []bopis.InventoryEvent{delta("a", "s1", "K1", -4, 3), snap("b", "s1", "K1", 5, 2), delta("c", "s1", "K1", 1, 1)}
	in := make([]Event, len(evs))
	for i := range evs {
		in[i] = NewEvent(i, &evs[i])
	}
	w := newWorld([]string{"s1"}, "K1")
	b := Batch{Events: in, Feeds: w.feeds, Levels: w.level, Now: w.now, FeedClockStep: w.step}
	got := Apply(b)
	b.Events, _ = Sequence(in)
	eq(t, "effects", got, Apply(b))
	eq(t, "on_hand", got.Levels[0].OnHand, int64(1))
}

func TestFeedClocks(t *testing.T) {
	w := newWorld([]string{"new", "behind", "fresh", "rejected"}, "K1")
	w.feeds["behind"] = Feed{Fed: true, LastEvent: usp(0)}
	fresh := w.now - w.step + 1
	w.feeds["fresh"] = Feed{Fed: true, LastEvent: &fresh}
	_, eff := w.batch(delta("1", "new", "K1", 1, 1), delta("2", "behind", "K1", 1, 1), delta("3", "fresh", "K1", 1, 1),
		delta("4", "rejected", "K9", 1, 1), delta("5", "behind", "K1", 1, 1))
	eq(t, "feed clocks", eff.FeedClocks, []string{"behind", "new"})
	eq(t, "new feeds", eff.NewFeeds, []string{"new"})
	// A store whose every event was a duplicate was heard from all the same.
	w.now += w.step
	_, eff = w.batch(delta("1", "new", "K1", 1, 1))
	eq(t, "feed clocks of duplicates", eff.FeedClocks, []string{"new"})
	eq(t, "new feeds of duplicates", eff.NewFeeds, []string(nil))
}

func TestLowStockAlertsOpenAndCloseOncePerEpisode(t *testing.T) {
	w := newWorld([]string{"s1"}, "K1", "K2")
	w.levels[Key{"s1", "K1"}] = Level{OnHand: 10, Reserved: 1, SafetyStock: 1, Threshold: 3}
	w.levels[Key{"s1", "K2"}] = Level{OnHand: 10, Threshold: 3}
	_, eff := w.batch(delta("1", "s1", "K1", -4, 1), delta("2", "s1", "K2", -1, 1))
	eq(t, "above the threshold", eff.Alerts, []Alert(nil))
	_, eff = w.batch(delta("3", "s1", "K1", -1, 2)) // available 10-4-1-1-1 = 3: at the threshold
	eq(t, "at the threshold", eff.Alerts, []Alert{{Key: Key{"s1", "K1"}, Open: true}})
	_, eff = w.batch(delta("4", "s1", "K1", -1, 3), delta("5", "s1", "K2", 1, 3))
	eq(t, "still low", eff.Alerts, []Alert(nil))
	_, eff = w.batch(delta("6", "s1", "K1", 5, 4))
	eq(t, "recovered", eff.Alerts, []Alert{{Key: Key{"s1", "K1"}}})
	// A level touched only by a stale event is settled as it stands.
	l := w.levels[Key{"s1", "K2"}]
	l.Threshold = 100
	w.levels[Key{"s1", "K2"}] = l
	_, eff = w.batch(delta("7", "s1", "K2", 1, -100), delta("8", "s1", "K2", 1, -99))
	eq(t, "a level whose threshold rose", eff.Alerts, []Alert{{Key: Key{"s1", "K2"}, Open: true}})
}

func TestLevelSetAndMove(t *testing.T) {
	k := Key{"s1", "K1"}
	l := Level{OnHand: 5, Reserved: 2}
	if _, ok := l.Set(k, 5, 2, CauseRelease, "o1", ""); ok {
		t.Error("a change of nothing made an entry")
	}
	e, ok := l.Set(k, 5, 0, CauseRelease, "o1", "")
	eq(t, "set", e, Entry{Key: k, Cause: CauseRelease, Reference: "o1", ReservedDelta: -2})
	eq(t, "set ok", ok, true)
	eq(t, "set last move", l.LastMove, (*int64)(nil))
	e = l.Move(k, 4, 0, Move{Cause: CauseHandoff, Reference: "o1", Quantity: -1, OccurredAt: us(1), Status: Applied})
	eq(t, "move", e, Entry{Key: k, Cause: CauseHandoff, Reference: "o1", OnHandDelta: -1, Moved: true, OccurredAt: us(1), Quantity: -1, Status: Applied})
	eq(t, "last move", *l.LastMove, us(1))
	l.Move(k, 4, 0, Move{Cause: CauseAdjustment, Quantity: 1, OccurredAt: us(0), Status: Applied})
	eq(t, "an older move keeps the last move", *l.LastMove, us(1))
	e = l.Move(k, 4, 0, Move{Cause: CauseDelta, Reference: "e1", Quantity: 3, OccurredAt: us(2), Status: Stale})
	eq(t, "a stale move changes nothing but is kept", e.OnHandDelta, int64(0))
	eq(t, "a stale move keeps the last move", *l.LastMove, us(1))
}
