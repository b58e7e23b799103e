package inventory

import (
	"testing"

	"github.com/bopis/bopis"
)

func TestWholeStoreCount(t *testing.T) {
	S := "s1"
	w := newWorld([]string{S}, "A", "B", "C", "D", "E")
	w.levels[Key{S, "A"}] = Level{OnHand: 5, Reserved: 1}                             // counted
	w.levels[Key{S, "B"}] = Level{OnHand: 5, Reserved: 2}                             // not counted: 0
	w.levels[Key{S, "C"}] = Level{OnHand: 5, LastSnapshot: usp(20)}                   // a newer POS snapshot: kept
	w.levels[Key{S, "D"}] = Level{OnHand: 5, LastSnapshot: usp(1), LastMove: usp(12)} // moves since the count added back
	w.ledger = append(w.ledger, Entry{Key: Key{S, "D"}, Cause: CauseAdjustment, Moved: true, OccurredAt: us(12), Quantity: -2, Status: Applied},
		Entry{Key: Key{S, "D"}, Cause: CauseDelta, Moved: true, OccurredAt: us(11), Quantity: 9, Status: Stale})
	eff, err := w.count(S, minute(10), bopis.CountLine{SKU: "A", OnHand: 7}, bopis.CountLine{SKU: "C", OnHand: 1},
		bopis.CountLine{SKU: "D", OnHand: 6}, bopis.CountLine{SKU: "E", OnHand: 0})
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "changed", eff.Changed, 3)
	eq(t, "stale", eff.Stale, false)
	for sku, want := range map[string]int64{"A": 7, "B": 0, "C": 5, "D": 4, "E": 0} {
		eq(t, "on_hand of "+sku, w.onHand(S, sku), want)
	}
	eq(t, "reserved untouched", w.levels[Key{S, "B"}].Reserved, int64(2))
	var skus []string
	for _, s := range eff.Levels {
		skus = append(skus, s.SKU)
	}
	eq(t, "levels, in SKU order, a new one (E) too", skus, []string{"A", "B", "C", "D", "E"})
	ref := "count@2026-11-23T15:10:00Z"
	eq(t, "ledger", eff.Ledger, []Entry{
		{Key: Key{S, "A"}, Cause: CauseCount, Reference: ref, OnHandDelta: 2},
		{Key: Key{S, "B"}, Cause: CauseCount, Reference: ref, OnHandDelta: -5},
		{Key: Key{S, "D"}, Cause: CauseCount, Reference: ref, OnHandDelta: -1},
	})
	// The POS events older than the count are stale; an older count is
	// stale itself.
	st, _ := w.batch(delta("e1", S, "A", -1, 9), delta("e2", S, "A", -1, 11))
	eq(t, "events around the count", st, []string{Stale, Applied})
	eff, err = w.count(S, minute(9), bopis.CountLine{SKU: "A", OnHand: 100})
	eq(t, "an older count", eff, CountEffects{Stale: true})
	eq(t, "an older count's error", err, error(nil))
	eq(t, "on_hand after an older count", w.onHand(S, "A"), int64(6))
}

func TestCountNamingUnknownSKUsIsRefused(t *testing.T) {
	w := newWorld([]string{"s1"}, "A")
	w.feeds["s1"] = Feed{Fed: true, LastCount: usp(50)}
	_, err := w.count("s1", minute(10), bopis.CountLine{SKU: "A", OnHand: 1}, bopis.CountLine{SKU: "X", OnHand: 1},
		bopis.CountLine{SKU: "Y", OnHand: 1})
	if bopis.ErrorCode(err) != bopis.EINVALID {
		t.Fatalf("error %v", err)
	}
	var paths []string
	for _, f := range err.(*bopis.Error).Fields {
		paths = append(paths, f.Path+": "+f.Message)
	}
	// Refused before it is found stale.
	eq(t, "fields", paths, []string{`levels[1].sku: no SKU "X"`, `levels[2].sku: no SKU "Y"`})
}

func TestCountLaterMovesMissing(t *testing.T) {
	c := Count{Store: "s1", AsOf: minute(10), Levels: map[string]Level{
		"A": {LastMove: usp(10)}, "B": {LastMove: usp(9)}, "C": {LastMove: usp(11), LastSnapshot: usp(12)}, "D": {LastMove: usp(30)}}}
	eff, _ := ApplyCount(c, nil)
	eq(t, "missing", eff.Missing, []Since{{Key{"s1", "A"}, us(10)}, {Key{"s1", "D"}, us(10)}})
	eff, _ = ApplyCount(c, map[Since]int64{{Key{"s1", "A"}, us(10)}: 4, {Key{"s1", "D"}, us(10)}: 0})
	eq(t, "missing when given", eff.Missing, []Since(nil))
	eq(t, "A", eff.Levels[0].OnHand, int64(4))
	c.LastCount = usp(11)
	eff, _ = ApplyCount(c, nil)
	eq(t, "missing of a stale count", eff.Missing, []Since(nil))
}

func TestAdjust(t *testing.T) {
	k := Key{"s1", "K1"}
	l, e := Adjust(k, Level{OnHand: 3, Reserved: 1}, bopis.Adjustment{SKU: "K1", Delta: -5, Reason: "damaged"}, us(1))
	eq(t, "level", l, Level{OnHand: 0, Reserved: 1, LastMove: usp(1)})
	eq(t, "entry", e, Entry{Key: k, Cause: CauseAdjustment, Reference: "damaged", Reason: "damaged", OnHandDelta: -3,
		Moved: true, OccurredAt: us(1), Quantity: -5, Status: Applied})
	_, e = Adjust(k, l, bopis.Adjustment{SKU: "K1", Delta: 2, Reason: "found", Reference: "R-7"}, us(2))
	eq(t, "reference", e.Reference, "R-7")
	eq(t, "delta", e.OnHandDelta, int64(2))
}
