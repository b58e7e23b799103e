package inventory

import "github.com/bopis/bopis"

// What became of a POS event.
const (
	Applied   = "applied"   // the stock changed (or was confirmed) by it
	Duplicate = "duplicate" // its id was seen before at its store: nothing changed
	Stale     = "stale"     // older than the latest snapshot or count: already counted there
	Rejected  = "rejected"  // invalid, or for a store or SKU that does not exist or the key does not reach
)

// Ledger causes: why on_hand or reserved changed.
const (
	CauseSnapshot    = "pos_snapshot" // a POS snapshot set on_hand
	CauseDelta       = "pos_delta"    // a POS delta (sale, return, receipt)
	CauseCount       = "count"        // a whole-store count
	CauseAdjustment  = "adjustment"   // a correction by hand
	CauseReservation = "reservation"  // units held for an order
	CauseRelease     = "release"      // held units let go
	CauseHandoff     = "handoff"      // held units picked up by the customer
	CauseShortPick   = "short_pick"   // the store found fewer than it held: on_hand corrected, the rest released
	CauseNoShow      = "no_show"      // held units restocked: nobody came before hold_until
)

// Key names one store's stock of one SKU.
type Key struct{ Store, SKU string }

// EventKey names a POS event: its id is unique per store.
type EventKey struct{ Store, ID string }

// Level is one store's stock of one SKU, with what its rules read.
type Level struct {
	OnHand, Reserved int64
	// SafetyStock and Threshold are the level's safety stock and
	// low-stock threshold (the store's override, else the default).
	SafetyStock, Threshold int64
	// LastSnapshot is the occurred_at of the newest POS snapshot applied,
	// LastMove of the newest move applied (nil: never).
	LastSnapshot, LastMove *int64
	// AlertOpen says a low_stock alert of the level is open.
	AlertOpen bool
}

// Available is what the level may promise: on_hand less reserved less
// safety stock, never below 0.
func (l Level) Available() int64 { return bopis.Available(l.OnHand, l.Reserved, l.SafetyStock) }

// same reports whether l and m hold the same stock and times.
func (l Level) same(m Level) bool {
	return l.OnHand == m.OnHand && l.Reserved == m.Reserved && sameTime(l.LastSnapshot, m.LastSnapshot) && sameTime(l.LastMove, m.LastMove)
}

func sameTime(a, b *int64) bool { return a == b || a != nil && b != nil && *a == *b }

// Entry is one ledger row: a change of a level with its cause.
type Entry struct {
	Key
	Cause, Reference, Reason   string
	OnHandDelta, ReservedDelta int64
	// Moved marks a move's entry, which keeps OccurredAt, Quantity and
	// Status; other entries have none of them.
	Moved      bool
	OccurredAt int64
	Quantity   int64  // a snapshot's count, else the change asked for
	Status     string // Applied or Stale
}

// Move is a change of on_hand kept with the time it happened, so a
// snapshot taken before it and arriving later adds it back: a POS event
// (applied or stale), an adjustment, a handoff, a short pick.
type Move struct {
	Cause, Reference, Reason string
	Quantity                 int64 // a snapshot's count, else the change asked for
	OccurredAt               int64
	Status                   string // Applied or Stale
}

// Set moves l to onHand and reserved by a change that is not a move,
// and returns its ledger entry; a change of nothing records nothing
// (false).
func (l *Level) Set(k Key, onHand, reserved int64, cause, ref, reason string) (Entry, bool) {
	if onHand == l.OnHand && reserved == l.Reserved {
		return Entry{}, false
	}
	e := Entry{Key: k, Cause: cause, Reference: ref, Reason: reason, OnHandDelta: onHand - l.OnHand, ReservedDelta: reserved - l.Reserved}
	l.OnHand, l.Reserved = onHand, reserved
	return e, true
}

// Move moves l to onHand and reserved by m and returns its ledger
// entry, made even when nothing changed: a POS event is remembered by
// it. An applied move other than a snapshot that happened after every
// move before it becomes the level's last move.
func (l *Level) Move(k Key, onHand, reserved int64, m Move) Entry {
	e := Entry{Key: k, Cause: m.Cause, Reference: m.Reference, Reason: m.Reason,
		OnHandDelta: onHand - l.OnHand, ReservedDelta: reserved - l.Reserved,
		Moved: true, OccurredAt: m.OccurredAt, Quantity: m.Quantity, Status: m.Status}
	l.OnHand, l.Reserved = onHand, reserved
	if m.Status == Applied && m.Cause != CauseSnapshot && (l.LastMove == nil || m.OccurredAt > *l.LastMove) {
		at := m.OccurredAt
		l.LastMove = &at
	}
	return e
}

// Since names the moves of a level that happened at or after At: what a
// snapshot or count taken at At could not have counted.
type Since struct {
	Key
	At int64
}

// NeedsLaterMoves reports whether a snapshot of l taken at t must add
// moves back: some applied move of l happened at or after t.
func NeedsLaterMoves(l Level, t int64) bool { return l.LastMove != nil && *l.LastMove >= t }

// SnapshotTarget is the on_hand a count of counted units of l taken at t
// gives now: the count plus later, the sum of the quantities of the
// applied moves (other than snapshots) that happened at or after t,
// when NeedsLaterMoves says there are any; never below 0.
func SnapshotTarget(l Level, counted, t, later int64) int64 {
	if NeedsLaterMoves(l, t) {
		counted += later
	}
	return max(0, counted)
}

// Alert is a change of a level's low_stock alert: Open one, or else
// close the open one.
type Alert struct {
	Key
	Open bool
}

// LowStock says what becomes of l's low_stock alert as l stands: open
// one when l is low (available at or below its threshold) and has none,
// close it when l is no longer low. A level that stays low keeps its one
// alert however many changes touch it.
func LowStock(l Level) (open, close bool) {
	low := bopis.LowStock(l.Available(), l.Threshold)
	return low && !l.AlertOpen, !low && l.AlertOpen
}

// alert appends k's change of alert, if any, to out.
func alert(out []Alert, k Key, l Level) []Alert {
	switch open, close := LowStock(l); {
	case open:
		return append(out, Alert{Key: k, Open: true})
	case close:
		return append(out, Alert{Key: k})
	}
	return out
}

// Stock is a level with its key, as a rule leaves it: Changed says its
// stock or times differ from what the rule was given.
type Stock struct {
	Key
	Level
	Changed bool
}
