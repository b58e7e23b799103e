// Package inventory holds the rules of a store's stock: what a batch of
// POS events, a whole-store count or an adjustment does to the levels,
// which ledger rows record it, what each event is answered and which
// low_stock alerts open and close. It does no I/O: storage loads what
// the rules read (the levels, the stores' feeds, the events already
// remembered, the moves recorded after a late snapshot's time), calls
// them, and writes the effects in one transaction. Times are unix
// microseconds, as storage keeps them.
//
// # Levels, moves and the ledger
//
// A level is a store's on_hand and reserved of one SKU. Every change of
// either is one ledger entry with its cause. A move is a change of
// on_hand kept with the time it happened (a POS event, an adjustment, a
// handoff, a short pick): its entry carries that time, the quantity
// asked for and a status, so a snapshot counted before it and arriving
// after it can add it back. A POS event is remembered by its entry (the
// entry is written even when nothing changed), which is how a resent
// event is recognised. A level keeps the time of its newest snapshot and
// of its newest applied move.
//
// # POS events
//
// Sequence puts a batch's events in the order they apply: by store, SKU
// and occurred_at, a snapshot before a delta of the same instant (it
// counts what happened before its instant), then by place in the
// request; the second and later events of one id at one store in a
// request are duplicates. Apply then answers each:
//
//   - rejected: its store, or its SKU, does not exist;
//   - duplicate: its id was remembered at its store by an earlier batch;
//   - stale: it happened before the level's newest snapshot (of an
//     earlier batch or this one) or the store's last whole-store count,
//     which already counted it; it is remembered and changes nothing;
//   - applied: a delta changes on_hand, never below 0; a snapshot sets
//     on_hand to its count plus every move already applied that
//     happened at or after its instant (LaterMoves), never below 0.
//
// Reserved never changes by a POS event. Every store with an event of a
// known SKU was heard from: its feed clock moves to now when it trails by
// a step or more (FeedClockStep), and its stale_feed alert closes.
//
// # Counts and adjustments
//
// A whole-store count (ApplyCount) is a snapshot of every SKU of the
// store at its as_of: listed SKUs take their count, the others 0, plus
// the moves that happened since; a SKU with a newer POS snapshot keeps
// it; a count older than the store's last count is stale and changes
// nothing. An adjustment (Adjust) is a move made now by hand.
//
// # Low stock
//
// After a change a level's low_stock alert opens when the level's
// available stock is at or below its threshold and none is open, and
// closes when it is above: a level that stays low keeps its one alert.
package inventory
