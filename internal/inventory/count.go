package inventory

import (
	"fmt"
	"slices"
	"time"

	"github.com/bopis/bopis"
)

// Count is a whole-store count, as ApplyCount reads it.
type Count struct {
	Store string
	AsOf  time.Time
	// Lines are the count's lines (bopis.ValidateStoreCount passed).
	Lines []bopis.CountLine
	// LastCount is the as_of of the store's last count (nil: none).
	LastCount *int64
	// Levels are the store's levels by SKU: every SKU it has a level of
	// and every SKU counted that exists (a zero level if none yet).
	Levels map[string]Level
}

// Reference is the reference of a count's ledger entries.
func (c Count) Reference() string { return "count@" + c.AsOf.UTC().Format(time.RFC3339Nano) }

// CountEffects are what a count does.
type CountEffects struct {
	// Stale says the store already has a newer count: nothing changed.
	Stale bool
	// Changed is how many levels' on_hand changed (one entry each).
	Changed int
	// Levels are every level of the store, in SKU order, as the count
	// leaves them (none when stale).
	Levels []Stock
	Ledger []Entry
	Alerts []Alert
	// Missing names the sums of later moves the count needs and later
	// lacks: one for each level it sets that has a move at or after its
	// as_of. Effects with Missing are not to be written: read the sums
	// and ApplyCount again.
	Missing []Since
}

// skus is c's levels' SKUs in order.
func (c Count) skus() []string {
	skus := make([]string, 0, len(c.Levels))
	for sku := range c.Levels {
		skus = append(skus, sku)
	}
	slices.Sort(skus)
	return skus
}

// unknown is the error of a count naming SKUs that do not exist.
func (c Count) unknown() error {
	var bad []bopis.FieldError
	for i, l := range c.Lines {
		if _, ok := c.Levels[l.SKU]; !ok {
			bad = append(bad, bopis.FieldError{Path: fmt.Sprintf("levels[%d].sku", i), Message: fmt.Sprintf("no SKU %q", l.SKU)})
		}
	}
	if len(bad) > 0 {
		return &bopis.Error{Code: bopis.EINVALID, Message: "store count names SKUs that do not exist", Fields: bad}
	}
	return nil
}

// stale reports whether c is older than the store's last count.
func (c Count) stale() bool { return c.LastCount != nil && c.AsOf.UnixMicro() < *c.LastCount }

// counts reports whether c sets l: not when l has a POS snapshot newer
// than the count, which knows better.
func (c Count) counts(l Level) bool {
	return l.LastSnapshot == nil || *l.LastSnapshot <= c.AsOf.UnixMicro()
}

// ApplyCount applies a whole-store count taken at c.AsOf: every SKU of
// the store is counted, those it does not list at 0, plus the moves
// recorded since (later; see CountEffects.Missing); a level
// with a newer POS snapshot keeps it; only levels that change get an
// entry. Reserved is untouched. A count older than the store's last
// count is stale and changes nothing; one listing a SKU that does not
// exist is refused (EINVALID, the paths levels[i].sku).
func ApplyCount(c Count, later map[Since]int64) (CountEffects, error) {
	var eff CountEffects
	if err := c.unknown(); err != nil {
		return eff, err
	}
	if c.stale() {
		eff.Stale = true
		return eff, nil
	}
	listed := make(map[string]int64, len(c.Lines))
	for _, l := range c.Lines {
		listed[l.SKU] = l.OnHand
	}
	at, ref := c.AsOf.UnixMicro(), c.Reference()
	skus := c.skus()
	eff.Levels = make([]Stock, 0, len(skus))
	for _, sku := range skus {
		k, l := Key{c.Store, sku}, c.Levels[sku]
		before := l
		if c.counts(l) {
			var since int64
			if NeedsLaterMoves(l, at) {
				var ok bool
				if since, ok = later[Since{k, at}]; !ok {
					eff.Missing = append(eff.Missing, Since{k, at})
				}
			}
			target := SnapshotTarget(l, listed[sku], at, since)
			if e, ok := l.Set(k, target, l.Reserved, CauseCount, ref, ""); ok {
				eff.Ledger = append(eff.Ledger, e)
				eff.Changed++
			}
		}
		eff.Levels = append(eff.Levels, Stock{Key: k, Level: l, Changed: !l.same(before)})
		eff.Alerts = alert(eff.Alerts, k, l)
	}
	return eff, nil
}

// Adjust applies a correction by hand (a.Validate passed) to l of key
// k, made at now: on_hand changes by a.Delta, never below 0, as a move
// (a snapshot taken before now and arriving later adds it back),
// referenced by a.Reference, else by its reason. It returns the level
// after and its entry.
func Adjust(k Key, l Level, a bopis.Adjustment, now int64) (Level, Entry) {
	ref := a.Reference
	if ref == "" {
		ref = a.Reason
	}
	e := l.Move(k, max(0, l.OnHand+a.Delta), l.Reserved, Move{Cause: CauseAdjustment, Reference: ref, Reason: a.Reason,
		Quantity: a.Delta, OccurredAt: now, Status: Applied})
	return l, e
}
