package storage_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// t0 is "now" in the inventory tests; events happen minutes before it.
var t0 = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

func ago(minutes int) time.Time { return t0.Add(-time.Duration(minutes) * time.Minute) }

func snap(id, store, sku string, n int64, at time.Time) bopis.InventoryEvent {
	return bopis.InventoryEvent{ID: id, StoreID: store, SKU: sku, Type: bopis.EventSnapshot, OnHand: &n, OccurredAt: at}
}

func delta(id, store, sku string, d int64, at time.Time) bopis.InventoryEvent {
	return bopis.InventoryEvent{ID: id, StoreID: store, SKU: sku, Type: bopis.EventDelta, Delta: &d, Reason: "sale", OccurredAt: at}
}

// inv is a database with a stopped clock, stores s-1 and s-2 and SKUs A,
// B and C (low-stock threshold 0, so alerts stay out of the way unless a
// test asks for them).
type inv struct {
	t     *testing.T
	db    *storage.DB
	clock *storagetest.Clock
}

func eachInv(t *testing.T, cfg storage.Config, fn func(t *testing.T, x *inv)) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			clock := storagetest.NewClock(t0)
			cfg.Now = clock.Now
			x := &inv{t: t, db: storagetest.OpenConfig(t, backend, cfg), clock: clock}
			for _, s := range []string{"s-1", "s-2"} {
				if _, err := x.db.PutStore(ctx, storagetest.Store(s)); err != nil {
					t.Fatal(err)
				}
			}
			for _, k := range []string{"A", "B", "C"} {
				x.sku(k, 0)
			}
			fn(t, x)
		})
	}
}

func (x *inv) sku(sku string, threshold int) {
	x.t.Helper()
	k := storagetest.SKU(sku)
	k.LowStockThreshold = threshold
	if _, err := x.db.PutSKU(ctx, k); err != nil {
		x.t.Fatal(err)
	}
}

// apply sends one batch and returns each event's status, failing on an error.
func (x *inv) apply(evs ...bopis.InventoryEvent) []string {
	x.t.Helper()
	res, _, err := x.db.ApplyInventoryEvents(ctx, evs, bopis.BatchOptions{})
	if err != nil {
		x.t.Fatal(err)
	}
	return statuses(res)
}

func statuses(res []bopis.EventResult) []string {
	out := make([]string, len(res))
	for i, r := range res {
		out[i] = r.Status
	}
	return out
}

func repeat(status string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = status
	}
	return out
}

func (x *inv) level(store, sku string) bopis.Level {
	x.t.Helper()
	ls, err := x.db.Levels(ctx, store, []string{sku})
	if err != nil {
		x.t.Fatal(err)
	}
	if len(ls) == 0 {
		return bopis.Level{SKU: sku}
	}
	return ls[0]
}

func (x *inv) onHand(store, sku string) int64 { x.t.Helper(); return x.level(store, sku).OnHand }

func (x *inv) ledger(store string) []bopis.LedgerEntry {
	x.t.Helper()
	var all []bopis.LedgerEntry
	cursor := ""
	for {
		page, next, err := x.db.Ledger(ctx, store, "", bopis.Page{Cursor: cursor, Limit: bopis.MaxLimit})
		if err != nil {
			x.t.Fatal(err)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		cursor = next
	}
}

func (x *inv) levels(store string) []bopis.Level {
	x.t.Helper()
	ls, err := x.db.Levels(ctx, store, nil)
	if err != nil {
		x.t.Fatal(err)
	}
	return ls
}

func TestSnapshotsAndDeltasApplyAndAResentBatchChangesNothing(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		batch := []bopis.InventoryEvent{
			snap("e1", "s-1", "A", 10, ago(30)),
			delta("e2", "s-1", "A", -1, ago(20)),
			delta("e3", "s-1", "A", -2, ago(10)),
			snap("e4", "s-1", "B", 5, ago(5)),
			snap("e1", "s-2", "A", 4, ago(5)), // another store may reuse an id
		}
		if got := x.apply(batch...); !reflect.DeepEqual(got, repeat("applied", 5)) {
			t.Fatalf("first send: %v", got)
		}
		if a, b, a2 := x.onHand("s-1", "A"), x.onHand("s-1", "B"), x.onHand("s-2", "A"); a != 7 || b != 5 || a2 != 4 {
			t.Fatalf("levels A=%d B=%d s-2 A=%d; want 7, 5, 4", a, b, a2)
		}
		levels, ledger := x.levels("s-1"), x.ledger("s-1")
		x.clock.Advance(time.Minute) // a resend after a timeout
		if got := x.apply(batch...); !reflect.DeepEqual(got, repeat("duplicate", 5)) {
			t.Fatalf("resend: %v, want all duplicate", got)
		}
		if after := x.levels("s-1"); !reflect.DeepEqual(after, levels) {
			t.Fatalf("resend changed levels:\n%v\n%v", levels, after)
		}
		if after := x.ledger("s-1"); !reflect.DeepEqual(after, ledger) {
			t.Fatalf("resend changed the ledger:\n%v\n%v", ledger, after)
		}
		storagetest.CheckReplay(t, x.db, "s-1")
		storagetest.CheckReplay(t, x.db, "s-2")
	})
}

// A batch holding both events seen before and new ones (a POS resending
// what timed out along with what came since) applies only the new ones,
// with the level and the ledger as if the old ones had not been resent.
func TestABatchOfSeenAndNewEventsAppliesOnlyTheNew(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		if got := x.apply(snap("s1", "s-1", "A", 10, ago(30)), delta("d1", "s-1", "A", 5, ago(20))); !reflect.DeepEqual(got, repeat("applied", 2)) {
			t.Fatalf("first send: %v", got)
		}
		rows := len(x.ledger("s-1"))
		got := x.apply(
			delta("d2", "s-1", "A", -3, ago(10)),
			delta("d1", "s-1", "A", 5, ago(20)),  // seen: counted again, A would be 17
			snap("s1", "s-1", "A", 10, ago(30)),  // seen
			delta("d0", "s-1", "A", -1, ago(40)), // older than s1's snapshot: stale
			snap("s2", "s-1", "B", 4, ago(10)))
		if want := []string{"applied", "duplicate", "duplicate", "stale", "applied"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("statuses %v, want %v", got, want)
		}
		if a, b := x.onHand("s-1", "A"), x.onHand("s-1", "B"); a != 12 || b != 4 {
			t.Fatalf("A=%d B=%d, want 12 and 4", a, b)
		}
		if n := len(x.ledger("s-1")); n != rows+2 {
			t.Fatalf("the ledger grew by %d rows, want 2 (d2 and s2; a stale event changes nothing)", n-rows)
		}
		storagetest.CheckReplay(t, x.db, "s-1")
	})
}

// A POS batch that fails at a late statement, after it wrote levels
// (stored and new), ledger rows, a low-stock alert and its outbox event,
// leaves nothing of it: not the rows of the failing multi-row statement
// before the one that failed, not the statements before, not its
// Idempotency-Key. Sent again once the failure is gone, every event
// applies (none is found as seen). A trigger makes the failure: at the
// ledger's last row, and at the batch's last statement (closing the
// store's stale_feed alert).
func TestAFailedBatchLeavesNothing(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		x.sku("L", 3)
		x.apply(snap("f-a", "s-1", "A", 10, ago(50)), snap("f-b", "s-1", "B", 10, ago(50)), snap("f-l", "s-1", "L", 10, ago(50)))
		x.clock.Advance(16 * time.Minute)
		if o, _, err := x.db.SweepFeeds(ctx); err != nil || o != 1 {
			t.Fatalf("sweep opened %d stale_feed alerts (%v), want 1", o, err)
		}
		var batch []bopis.InventoryEvent
		for i := range 60 {
			store, sku := []string{"s-1", "s-2"}[i/30], []string{"A", "B", "C"}[i%3]
			batch = append(batch, delta(fmt.Sprint("e-", i), store, sku, 1, ago(40).Add(time.Duration(i)*time.Second)))
		}
		batch = append(batch, delta("low", "s-1", "L", -8, ago(30)), // 2 left: a low-stock alert
			delta("boom", "s-2", "C", 1, ago(1))) // the ledger's last row
		idem := &bopis.Idempotency{Scope: "key_1 events", Key: "failing", Hash: []byte("h")}

		state := func() string {
			t.Helper()
			var n [8]int64
			if err := x.db.Tx(ctx, func(tx *sql.Tx) error {
				return tx.QueryRow(`SELECT (SELECT count(*) FROM inventory_levels), (SELECT coalesce(sum(on_hand), 0) FROM inventory_levels),
					(SELECT count(*) FROM inventory_ledger), (SELECT count(*) FROM alerts), (SELECT count(*) FROM alerts WHERE closed_at IS NULL),
					(SELECT count(*) FROM events), (SELECT count(*) FROM store_feeds), (SELECT count(*) FROM idempotency_keys)`).
					Scan(&n[0], &n[1], &n[2], &n[3], &n[4], &n[5], &n[6], &n[7])
			}); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("levels %d (on hand %d), ledger %d, alerts %d (open %d), events %d, feeds %d, keys %d",
				n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7])
		}
		exec := func(stmts ...string) {
			t.Helper()
			for _, q := range stmts {
				if err := x.db.Tx(ctx, func(tx *sql.Tx) error { _, err := tx.Exec(q); return err }); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		}
		type failure struct{ name, table, trigger string }
		failures := []failure{
			{"the ledger's last row", "inventory_ledger", `BEFORE INSERT ON inventory_ledger`},
			{"the last statement", "alerts", `BEFORE UPDATE OF closed_at ON alerts`},
		}
		when := map[string]string{"inventory_ledger": `NEW.reference = 'boom'`, "alerts": `NEW.type = 'stale_feed'`}
		if x.db.Dialect() == "postgres" {
			exec(`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$`)
		}
		for _, f := range failures {
			before, s1, s2, feed := state(), x.levels("s-1"), x.levels("s-2"), must(x.db.Feed(ctx, "s-1"))
			if x.db.Dialect() == "postgres" {
				exec(`CREATE TRIGGER boom ` + f.trigger + ` FOR EACH ROW WHEN (` + when[f.table] + `) EXECUTE FUNCTION boom()`)
			} else {
				exec(`CREATE TRIGGER boom ` + f.trigger + ` WHEN ` + when[f.table] + ` BEGIN SELECT RAISE(ABORT, 'boom'); END`)
			}
			_, _, err := x.db.ApplyInventoryEvents(ctx, batch, bopis.BatchOptions{Idempotency: idem})
			if err == nil || !strings.Contains(err.Error(), "boom") {
				t.Fatalf("failing at %s: %v, want the trigger's error", f.name, err)
			}
			if after := state(); after != before {
				t.Errorf("failing at %s left writes behind:\n before %s\n after  %s", f.name, before, after)
			}
			if !reflect.DeepEqual(x.levels("s-1"), s1) || !reflect.DeepEqual(x.levels("s-2"), s2) {
				t.Errorf("failing at %s changed levels", f.name)
			}
			if after := must(x.db.Feed(ctx, "s-1")); !reflect.DeepEqual(after, feed) {
				t.Errorf("failing at %s moved the feed: %+v, was %+v", f.name, after, feed)
			}
			if x.db.Dialect() == "postgres" {
				exec(`DROP TRIGGER boom ON ` + f.table)
			} else {
				exec(`DROP TRIGGER boom`)
			}
		}
		res, replayed, err := x.db.ApplyInventoryEvents(ctx, batch, bopis.BatchOptions{Idempotency: idem})
		if err != nil || replayed || !reflect.DeepEqual(statuses(res), repeat("applied", len(batch))) {
			t.Fatalf("sent again: %v, replayed %v, %v; want all applied", statuses(res), replayed, err)
		}
		if a, l, c := x.onHand("s-1", "A"), x.onHand("s-1", "L"), x.onHand("s-2", "C"); a != 20 || l != 2 || c != 11 {
			t.Fatalf("s-1 A=%d L=%d, s-2 C=%d; want 20, 2 and 11", a, l, c)
		}
		if f := must(x.db.Feed(ctx, "s-1")); f.Stale {
			t.Fatalf("s-1's feed still stale after the batch: %+v", f)
		}
		storagetest.CheckReplay(t, x.db, "s-1")
		storagetest.CheckReplay(t, x.db, "s-2")
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A batch of the most events the API takes writes its ledger and event
// rows in many multi-row statements (more parameters in all than
// PostgreSQL takes in one): every event must still land, once. Batches of
// other sizes are cut into statements of several sizes: the same.
func TestAFullBatchAppliesWhole(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		rows := 0
		for round, n := range []int{5000, 1237, 100, 17} {
			evs := []bopis.InventoryEvent{snap(fmt.Sprint(n, "-s"), "s-1", "A", 1, ago(60-2*round))}
			for i := 1; i < n; i++ {
				evs = append(evs, delta(fmt.Sprint(n, "-", i), "s-1", "A", 2, ago(59-2*round)))
			}
			if got := x.apply(evs...); !reflect.DeepEqual(got, repeat("applied", n)) {
				t.Fatalf("batch of %d: statuses other than applied in %v", n, got)
			}
			if got := x.onHand("s-1", "A"); got != int64(1+2*(n-1)) {
				t.Fatalf("batch of %d: on hand %d, want %d", n, got, 1+2*(n-1))
			}
			rows += n
			if got := len(x.ledger("s-1")); got != rows {
				t.Fatalf("batch of %d: %d ledger rows, want %d", n, got, rows)
			}
		}
		storagetest.CheckReplay(t, x.db, "s-1")
	})
}

// A batch spanning more stores and levels than SQLite reads or writes in
// one statement (its lists go in chunks) reaches every one: each level
// right, each store's feed clock moved and its stale_feed alert closed.
func TestABatchAcrossManyStoresReachesEachOne(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		const n = 600
		id := func(i int) string { return fmt.Sprintf("m-%03d", i) }
		var first []bopis.InventoryEvent
		for i := range n {
			if _, err := x.db.PutStore(ctx, storagetest.Store(id(i))); err != nil {
				t.Fatal(err)
			}
			first = append(first, snap("f", id(i), "A", 0, ago(50)))
		}
		x.apply(first...)
		x.clock.Advance(16 * time.Minute)
		if o, _, err := x.db.SweepFeeds(ctx); err != nil || o != n {
			t.Fatalf("sweep opened %d stale_feed alerts (%v), want %d", o, err, n)
		}
		var batch []bopis.InventoryEvent
		for i := range n {
			batch = append(batch, snap("a", id(i), "A", int64(i), ago(10)),
				delta("b1", id(i), "B", 1, ago(9)), delta("b2", id(i), "B", 2, ago(8)))
		}
		if got := x.apply(batch...); !reflect.DeepEqual(got, repeat("applied", 3*n)) {
			t.Fatalf("statuses other than applied: %v", got)
		}
		for i := range n {
			if a, b := x.onHand(id(i), "A"), x.onHand(id(i), "B"); a != int64(i) || b != 3 {
				t.Fatalf("%s: A=%d B=%d, want %d and 3", id(i), a, b, i)
			}
			if f, err := x.db.Feed(ctx, id(i)); err != nil || f.Stale || f.LastEventAt == nil || !f.LastEventAt.Equal(x.clock.Now()) {
				t.Fatalf("%s: feed %+v (%v), want heard from now", id(i), f, err)
			}
		}
		as, _, err := x.db.Alerts(ctx, bopis.AlertFilter{Type: storage.AlertStaleFeed}, bopis.Page{Limit: bopis.MaxLimit})
		if err != nil || len(as) != 0 {
			t.Fatalf("stale_feed alerts still open: %d (%v)", len(as), err)
		}
	})
}

func TestDeltaOlderThanTheSnapshotIsStale(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		x.apply(snap("s", "s-1", "A", 10, ago(10)))
		got := x.apply(
			delta("old", "s-1", "A", -1, ago(20)),   // already counted in the snapshot
			delta("new", "s-1", "A", -1, ago(5)),    // after it
			snap("olds", "s-1", "A", 50, ago(15)),   // an older snapshot too
			delta("same", "s-1", "A", -1, ago(10)),  // at the snapshot's instant: after it
			snap("news", "s-1", "B", 3, ago(30)),    // another SKU has no snapshot yet
			delta("oldb", "s-1", "B", -1, ago(40)),  // older than B's snapshot in the same batch
			delta("newer", "s-1", "B", -1, ago(20)), // newer
		)
		want := []string{"stale", "applied", "stale", "applied", "applied", "stale", "applied"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("statuses %v, want %v", got, want)
		}
		if a, b := x.onHand("s-1", "A"), x.onHand("s-1", "B"); a != 8 || b != 2 {
			t.Fatalf("A=%d B=%d, want 8 and 2", a, b)
		}
		// A stale event is remembered: sent again, it is a duplicate.
		if got := x.apply(delta("old", "s-1", "A", -1, ago(20))); got[0] != "duplicate" {
			t.Fatalf("stale event resent: %v", got)
		}
		// The ledger shows the five changes applied, not the stale events.
		var refs []string
		for _, e := range x.ledger("s-1") {
			refs = append(refs, e.Reference)
		}
		if want := []string{"s", "same", "new", "news", "newer"}; !reflect.DeepEqual(refs, want) {
			t.Fatalf("ledger rows of %v, want %v", refs, want)
		}
		storagetest.CheckReplay(t, x.db, "s-1")
	})
}

func TestDeltasOutOfOrderAllApply(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		x.apply(snap("s", "s-1", "A", 10, ago(60)))
		for i, m := range []int{10, 30, 20, 50, 40} { // newest first, then shuffled
			if got := x.apply(delta(fmt.Sprint("d", i), "s-1", "A", -1, ago(m))); got[0] != "applied" {
				t.Fatalf("delta %d minutes ago: %v", m, got)
			}
		}
		// and within one batch, in reverse order
		got := x.apply(delta("x1", "s-1", "A", 2, ago(1)), delta("x2", "s-1", "A", 3, ago(2)), delta("x3", "s-1", "A", -1, ago(3)))
		if !reflect.DeepEqual(got, repeat("applied", 3)) || x.onHand("s-1", "A") != 9 {
			t.Fatalf("statuses %v, A=%d; want all applied and 10-5+4=9", got, x.onHand("s-1", "A"))
		}
		storagetest.CheckReplay(t, x.db, "s-1")
	})
}

func TestSnapshotArrivingAfterLaterChangesKeepsThem(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		// Changes after 14:45 arrive before the 14:45 count does, from an
		// empty level: on_hand stays at 0 meanwhile (never negative).
		x.apply(delta("d1", "s-1", "A", -1, ago(10)), delta("d2", "s-1", "A", -2, ago(5)))
		if _, _, err := x.db.Adjust(ctx, "s-1", bopis.Adjustment{SKU: "A", Delta: -1, Reason: "damaged"}, nil); err != nil {
			t.Fatal(err)
		}
		if n := x.onHand("s-1", "A"); n != 0 {
			t.Fatalf("A=%d before the snapshot, want 0", n)
		}
		// The count of 10 at 14:45 did not see the -1, -2 (POS) and -1
		// (adjustment, at 15:00) that happened after it.
		if got := x.apply(snap("s", "s-1", "A", 10, ago(15))); got[0] != "applied" {
			t.Fatal(got)
		}
		if n := x.onHand("s-1", "A"); n != 6 {
			t.Fatalf("A=%d, want 10-1-2-1=6", n)
		}
		// A delta from before the snapshot is in it.
		if got := x.apply(delta("d0", "s-1", "A", -1, ago(20))); got[0] != "stale" || x.onHand("s-1", "A") != 6 {
			t.Fatalf("delta before the snapshot: %v, A=%d", got, x.onHand("s-1", "A"))
		}
		storagetest.CheckReplay(t, x.db, "s-1")
	})
}

func TestBadEventsAreRejectedOneByOne(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		neg := snap("neg", "s-1", "B", -3, ago(5))
		noID := delta("", "s-1", "A", -1, ago(5))
		noSKU := delta("nosku", "s-1", "", -1, ago(5))
		zero := delta("zero", "s-1", "A", 0, ago(5))
		noTime := delta("notime", "s-1", "A", -1, time.Time{})
		future := delta("future", "s-1", "A", -1, t0.Add(time.Hour))
		badType := delta("type", "s-1", "A", -1, ago(5))
		badType.Type = "count"
		noOnHand := snap("nohand", "s-1", "A", 0, ago(5))
		noOnHand.OnHand = nil
		unreadable := delta("garbled", "s-1", "A", -1, ago(5))
		unreadable.Malformed = []bopis.FieldError{{Path: "delta", Message: "must be a whole number"}}
		batch := []bopis.InventoryEvent{
			delta("ok", "s-1", "A", 5, ago(5)),
			noID, noSKU, neg, zero, noTime, future, badType, noOnHand, unreadable,
			delta("ghost", "s-9", "A", -1, ago(5)), // unknown store
			delta("nope", "s-1", "ZZ", -1, ago(5)), // unknown SKU
			delta("ok", "s-1", "A", 5, ago(4)),     // the same id again in the batch
			delta("far", "s-2", "A", 1, ago(5)),    // a store the key does not reach
			delta("ok2", "s-1", "B", 2, ago(5)),
		}
		res, _, err := x.db.ApplyInventoryEvents(ctx, batch, bopis.BatchOptions{CanReach: func(id string) bool { return id != "s-2" }})
		if err != nil {
			t.Fatal(err)
		}
		want := []struct{ status, error string }{
			{"applied", ""}, {"rejected", "id:"}, {"rejected", "sku:"}, {"rejected", "on_hand:"}, {"rejected", "delta:"},
			{"rejected", "occurred_at:"}, {"rejected", "future"}, {"rejected", "type:"}, {"rejected", "on_hand:"},
			{"rejected", "delta: must be a whole number"}, {"rejected", "no store s-9"}, {"rejected", "no SKU ZZ"},
			{"duplicate", ""}, {"rejected", "this key does not reach store s-2"}, {"applied", ""},
		}
		for i, w := range want {
			if res[i].Status != w.status || !strings.Contains(res[i].Error, w.error) || (w.error == "") != (res[i].Error == "") {
				t.Errorf("event %d (%s): %s %q, want %s %q", i, batch[i].ID, res[i].Status, res[i].Error, w.status, w.error)
			}
			if res[i].ID != batch[i].ID {
				t.Errorf("result %d has id %q, want %q (results follow the request's order)", i, res[i].ID, batch[i].ID)
			}
		}
		if a, b, a2 := x.onHand("s-1", "A"), x.onHand("s-1", "B"), x.onHand("s-2", "A"); a != 5 || b != 2 || a2 != 0 {
			t.Fatalf("A=%d B=%d s-2 A=%d; want 5, 2, 0", a, b, a2)
		}
		// Rejected events are not remembered: fixed and resent, they apply.
		fixed := snap("neg", "s-1", "B", 3, ago(4))
		if got := x.apply(fixed); got[0] != "applied" || x.onHand("s-1", "B") != 3 {
			t.Fatalf("fixed event: %v, B=%d", got, x.onHand("s-1", "B"))
		}
		storagetest.CheckReplay(t, x.db, "s-1")
	})
}

func TestEventBatchWithIdempotencyKeyAnswersTheFirstResults(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		batch := []bopis.InventoryEvent{snap("e1", "s-1", "A", 10, ago(5)), delta("e2", "s-1", "A", -1, ago(1))}
		idem := &bopis.Idempotency{Scope: "key_1 events", Key: "batch-1", Hash: []byte("h1")}
		first, replayed, err := x.db.ApplyInventoryEvents(ctx, batch, bopis.BatchOptions{Idempotency: idem})
		if err != nil || replayed {
			t.Fatal(err, replayed)
		}
		again, replayed, err := x.db.ApplyInventoryEvents(ctx, batch, bopis.BatchOptions{Idempotency: idem})
		if err != nil || !replayed || !reflect.DeepEqual(again, first) {
			t.Fatalf("repeat: %v %v %v; want the first answer %v", again, replayed, err, first)
		}
		other := &bopis.Idempotency{Scope: idem.Scope, Key: idem.Key, Hash: []byte("h2")}
		if _, _, err := x.db.ApplyInventoryEvents(ctx, batch[:1], bopis.BatchOptions{Idempotency: other}); !errors.Is(err, bopis.ErrKeyReused) {
			t.Fatalf("same key, other batch: %v", err)
		}
		if n := x.onHand("s-1", "A"); n != 9 || len(x.ledger("s-1")) != 2 {
			t.Fatalf("A=%d with %d ledger rows; want 9 and 2", n, len(x.ledger("s-1")))
		}
	})
}

func TestWholeStoreCount(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		r, err := x.db.CountStore(ctx, "s-1", ago(60), []bopis.Count{{SKU: "A", OnHand: 5}, {SKU: "B", OnHand: 2}})
		if err != nil || r.Changed != 2 || r.Stale {
			t.Fatalf("first count: %+v %v", r, err)
		}
		rows := len(x.ledger("s-1"))
		// A unchanged, B omitted: B goes to zero and only B reaches the ledger.
		if r, err = x.db.CountStore(ctx, "s-1", ago(30), []bopis.Count{{SKU: "A", OnHand: 5}}); err != nil || r.Changed != 1 {
			t.Fatalf("second count: %+v %v", r, err)
		}
		l := x.ledger("s-1")[rows:]
		if len(l) != 1 || l[0].SKU != "B" || l[0].OnHandDelta != -2 || l[0].Cause != storage.CauseCount {
			t.Fatalf("second count wrote %+v; want one row, B -2", l)
		}
		// The count is a snapshot of every SKU: POS events before it are stale.
		got := x.apply(delta("before", "s-1", "A", -1, ago(40)), delta("before-c", "s-1", "C", 4, ago(40)),
			delta("after", "s-1", "A", -1, ago(20)))
		if !reflect.DeepEqual(got, []string{"stale", "stale", "applied"}) || x.onHand("s-1", "A") != 4 {
			t.Fatalf("events around the count: %v A=%d", got, x.onHand("s-1", "A"))
		}
		// An older count than the last changes nothing.
		if r, err = x.db.CountStore(ctx, "s-1", ago(50), []bopis.Count{{SKU: "A", OnHand: 99}}); err != nil || !r.Stale || x.onHand("s-1", "A") != 4 {
			t.Fatalf("older count: %+v %v A=%d", r, err, x.onHand("s-1", "A"))
		}
		// A count adds back what happened after it (the -1 at 14:40)
		// and leaves a SKU whose POS snapshot is newer.
		x.apply(snap("b-snap", "s-1", "B", 7, ago(10)))
		if _, err = x.db.CountStore(ctx, "s-1", ago(25), []bopis.Count{{SKU: "A", OnHand: 8}, {SKU: "B", OnHand: 1}}); err != nil {
			t.Fatal(err)
		}
		if a, b := x.onHand("s-1", "A"), x.onHand("s-1", "B"); a != 7 || b != 7 {
			t.Fatalf("after a late count: A=%d B=%d, want 7 (8-1) and 7 (newer snapshot)", a, b)
		}
		for _, c := range []struct {
			asOf   time.Time
			counts []bopis.Count
			path   string
		}{
			{ago(1), []bopis.Count{{SKU: "A", OnHand: -1}}, "levels[0].on_hand"},
			{ago(1), []bopis.Count{{SKU: "A", OnHand: 1}, {SKU: "A", OnHand: 2}}, "levels[1].sku"},
			{ago(1), []bopis.Count{{SKU: "ZZ", OnHand: 1}}, "levels[0].sku"},
			{t0.Add(time.Hour), nil, "as_of"},
			{time.Time{}, nil, "as_of"},
		} {
			_, err := x.db.CountStore(ctx, "s-1", c.asOf, c.counts)
			if code(err) != bopis.EINVALID || !reflect.DeepEqual(fields(err), []string{c.path}) {
				t.Errorf("count %v at %v: %v, want invalid at %s", c.counts, c.asOf, err, c.path)
			}
		}
		if _, err := x.db.CountStore(ctx, "s-9", ago(1), nil); code(err) != bopis.ENOTFOUND {
			t.Errorf("count of an unknown store: %v", err)
		}
		storagetest.CheckReplay(t, x.db, "s-1")
	})
}

func fields(err error) []string {
	var e *bopis.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Path)
	}
	return out
}

func TestAdjustments(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		x.apply(snap("s", "s-1", "A", 3, ago(5)))
		idem := &bopis.Idempotency{Scope: "key_1 adjust", Key: "k1", Hash: []byte("h1")}
		a := bopis.Adjustment{SKU: "A", Delta: -5, Reason: "damaged", Reference: "ticket-9"}
		res, replayed, err := x.db.Adjust(ctx, "s-1", a, idem)
		if err != nil || replayed || res.Applied != -3 || res.Level.OnHand != 0 {
			t.Fatalf("adjust: %+v %v %v; want -3 applied (never below 0)", res, replayed, err)
		}
		rows := len(x.ledger("s-1"))
		again, replayed, err := x.db.Adjust(ctx, "s-1", a, idem)
		if err != nil || !replayed || !reflect.DeepEqual(again, res) || len(x.ledger("s-1")) != rows {
			t.Fatalf("repeat: %+v %v %v; want the first answer and no new ledger row", again, replayed, err)
		}
		other := &bopis.Idempotency{Scope: idem.Scope, Key: idem.Key, Hash: []byte("h2")}
		if _, _, err := x.db.Adjust(ctx, "s-1", bopis.Adjustment{SKU: "A", Delta: 1, Reason: "found"}, other); !errors.Is(err, bopis.ErrKeyReused) {
			t.Fatalf("same key, other request: %v", err)
		}
		// The same key in another scope (another API key) is another request.
		mine := &bopis.Idempotency{Scope: "key_2 adjust", Key: "k1", Hash: []byte("h3")}
		if res, _, err := x.db.Adjust(ctx, "s-1", bopis.Adjustment{SKU: "A", Delta: 4, Reason: "found"}, mine); err != nil || res.Level.OnHand != 4 {
			t.Fatalf("other scope: %+v %v", res, err)
		}
		last := x.ledger("s-1")[len(x.ledger("s-1"))-1]
		if last.Cause != storage.CauseAdjustment || last.Reason != "found" || last.OnHandDelta != 4 {
			t.Fatalf("ledger row %+v", last)
		}
		for _, c := range []struct {
			store string
			a     bopis.Adjustment
			code  string
		}{
			{"s-1", bopis.Adjustment{SKU: "ZZ", Delta: 1, Reason: "x"}, bopis.EINVALID},
			{"s-1", bopis.Adjustment{SKU: "A", Delta: 0, Reason: "x"}, bopis.EINVALID},
			{"s-1", bopis.Adjustment{SKU: "A", Delta: 1}, bopis.EINVALID},
			{"s-9", bopis.Adjustment{SKU: "A", Delta: 1, Reason: "x"}, bopis.ENOTFOUND},
		} {
			if _, _, err := x.db.Adjust(ctx, c.store, c.a, nil); code(err) != c.code {
				t.Errorf("%s %+v: %v, want %s", c.store, c.a, err, c.code)
			}
		}
		storagetest.CheckReplay(t, x.db, "s-1")
	})
}

func TestReservationsAllOrNothingReleaseAndHandoff(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		x.apply(snap("a", "s-1", "A", 5, ago(5)), snap("b", "s-1", "B", 1, ago(5)), snap("c", "s-1", "C", 4, ago(5)))
		three := 3
		if err := x.db.PutStoreSKU(ctx, &bopis.StoreSKU{StoreID: "s-1", SKU: "C", SafetyStock: &three}); err != nil {
			t.Fatal(err)
		}
		rows := len(x.ledger("s-1"))
		_, err := x.db.Reserve(ctx, "s-1", "o-1", []bopis.ReserveLine{{SKU: "A", Quantity: 3}, {SKU: "B", Quantity: 2}, {SKU: "A", Quantity: 3}, {SKU: "C", Quantity: 2}})
		var short *bopis.Shortfall
		if !errors.As(err, &short) || code(err) != bopis.ECONFLICT {
			t.Fatalf("short reservation: %v", err)
		}
		if got := fields(err); !reflect.DeepEqual(got, []string{"lines[1]", "lines[2]", "lines[3]"}) {
			t.Fatalf("short lines %v, want lines[1] (B), lines[2] (A twice), lines[3] (C behind safety stock)", got)
		}
		if short.Lines[0] != (bopis.ShortLine{Line: 1, SKU: "B", Requested: 2, Available: 1}) || short.Lines[2].Available != 1 {
			t.Fatalf("shortfall %+v", short.Lines)
		}
		if l := x.level("s-1", "A"); l.Reserved != 0 || len(x.ledger("s-1")) != rows {
			t.Fatalf("a failed reservation left reserved %d and %d ledger rows", l.Reserved, len(x.ledger("s-1"))-rows)
		}
		if rs, _ := x.db.Reservations(ctx, "s-1", "", ""); len(rs) != 0 {
			t.Fatalf("failed reservation left %v", rs)
		}

		rs, err := x.db.Reserve(ctx, "s-1", "o-1", []bopis.ReserveLine{{SKU: "A", Quantity: 3}, {SKU: "B", Quantity: 1}})
		if err != nil || len(rs) != 2 || rs[0].Status != bopis.ReservationOpen {
			t.Fatalf("reserve: %v %v", rs, err)
		}
		if l := x.level("s-1", "A"); l.Reserved != 3 || l.Available != 2 || l.OnHand != 5 {
			t.Fatalf("A after reserving 3: %+v", l)
		}
		if _, err := x.db.Reserve(ctx, "s-1", "o-2", []bopis.ReserveLine{{SKU: "A", Quantity: 2}}); err != nil {
			t.Fatal(err)
		}
		// A snapshot or count sets on_hand and leaves reserved alone.
		x.apply(snap("a2", "s-1", "A", 6, ago(1)))
		if l := x.level("s-1", "A"); l.OnHand != 6 || l.Reserved != 5 {
			t.Fatalf("A after a snapshot: %+v", l)
		}

		// Handoff of o-1: 2 of 3 A picked, B not found.
		if _, err := x.db.Consume(ctx, "o-1", map[string]int64{"A": 4}); code(err) != bopis.EINVALID {
			t.Fatalf("picking more than reserved: %v", err)
		}
		before := len(x.ledger("s-1"))
		done, err := x.db.Consume(ctx, "o-1", map[string]int64{"A": 2})
		if err != nil || len(done) != 2 || done[0].Status != bopis.ReservationConsumed {
			t.Fatalf("consume: %v %v", done, err)
		}
		if a, b := x.level("s-1", "A"), x.level("s-1", "B"); a.OnHand != 4 || a.Reserved != 2 || b.OnHand != 1 || b.Reserved != 0 {
			t.Fatalf("after handoff A %+v B %+v; want A 4/2, B 1/0", a, b)
		}
		var causes []string
		for _, e := range x.ledger("s-1")[before:] {
			causes = append(causes, fmt.Sprintf("%s %s %d/%d", e.Cause, e.SKU, e.OnHandDelta, e.ReservedDelta))
		}
		if want := []string{"handoff A -2/-2", "release A 0/-1", "release B 0/-1"}; !reflect.DeepEqual(causes, want) {
			t.Fatalf("handoff ledger %v, want %v", causes, want)
		}
		if _, err := x.db.Consume(ctx, "o-1", nil); code(err) != bopis.ENOTFOUND {
			t.Fatalf("second handoff: %v", err)
		}

		// Release o-2; releasing again is a no-op.
		for range 2 {
			if _, err := x.db.Release(ctx, "o-2"); err != nil {
				t.Fatal(err)
			}
		}
		if l := x.level("s-1", "A"); l.Reserved != 0 || l.OnHand != 4 {
			t.Fatalf("after release: %+v", l)
		}
		if _, err := x.db.Reserve(ctx, "s-9", "o-3", []bopis.ReserveLine{{SKU: "A", Quantity: 1}}); code(err) != bopis.ENOTFOUND {
			t.Fatalf("unknown store: %v", err)
		}
		if _, err := x.db.Reserve(ctx, "s-1", "o-3", []bopis.ReserveLine{{SKU: "A", Quantity: 0}}); !reflect.DeepEqual(fields(err), []string{"lines[0].quantity"}) {
			t.Fatalf("zero quantity: %v", err)
		}
		if _, err := x.db.Reserve(ctx, "s-1", "o-3", []bopis.ReserveLine{{SKU: "ZZ", Quantity: 1}}); code(err) != bopis.ECONFLICT {
			t.Fatalf("a SKU the store does not carry: %v", err)
		}
		storagetest.CheckReplay(t, x.db, "s-1")
	})
}

// Sixty-four checkouts race for the last 100 units of one SKU: exactly
// 100 reservations succeed, the rest are told there is not enough, the
// sum reserved never exceeds the stock, and releasing and handing off in
// parallel keeps reserved equal to what open reservations hold.
func TestConcurrentReservationsNeverOversell(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		x.apply(snap("stock", "s-1", "A", 100, ago(5)))
		const workers = 64
		type outcome struct {
			refs []string
			err  error
		}
		results := make(chan outcome, workers)
		for g := range workers {
			go func() {
				var o outcome
				for n := 0; ; n++ {
					ref := fmt.Sprintf("g%02d-%d", g, n)
					_, err := x.db.Reserve(ctx, "s-1", ref, []bopis.ReserveLine{{SKU: "A", Quantity: 1}})
					var short *bopis.Shortfall
					if errors.As(err, &short) {
						break
					}
					if err != nil {
						o.err = err
						break
					}
					o.refs = append(o.refs, ref)
				}
				results <- o
			}()
		}
		var refs []string
		for range workers {
			o := <-results
			if o.err != nil {
				t.Fatal(o.err)
			}
			refs = append(refs, o.refs...)
		}
		l := x.level("s-1", "A")
		if len(refs) != 100 || l.Reserved != 100 || l.OnHand != 100 || l.OnHand-l.Reserved-l.SafetyStock < 0 {
			t.Fatalf("%d reservations succeeded, level %+v; want exactly 100 reserved of 100", len(refs), l)
		}
		storagetest.CheckReplay(t, x.db, "s-1")

		// Half released, half handed off (every third picks nothing), all at once.
		done := make(chan error, len(refs))
		for i, ref := range refs {
			go func() {
				var err error
				switch {
				case i%2 == 0:
					_, err = x.db.Release(ctx, ref)
				case i%3 == 0:
					_, err = x.db.Consume(ctx, ref, nil)
				default:
					_, err = x.db.Consume(ctx, ref, map[string]int64{"A": 1})
				}
				done <- err
			}()
		}
		picked := 0
		for i := range refs {
			if i%2 == 1 && i%3 != 0 {
				picked++
			}
		}
		for range refs {
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		}
		if l := x.level("s-1", "A"); l.Reserved != 0 || l.OnHand != int64(100-picked) {
			t.Fatalf("after releases and handoffs: %+v, want reserved 0, on hand %d", l, 100-picked)
		}
		storagetest.CheckReplay(t, x.db, "s-1")
	})
}

// Carts of the same SKUs listed in opposite orders reserve at one store
// at once: every one ends in a reservation or a shortfall (none in a
// deadlock or another error), and no SKU is reserved past its stock.
func TestConcurrentCartsOfSeveralSKUsQueueWithoutDeadlock(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		x.apply(snap("a", "s-1", "A", 60, ago(5)), snap("b", "s-1", "B", 60, ago(5)), snap("c", "s-1", "C", 60, ago(5)))
		carts := [][]bopis.ReserveLine{{{SKU: "A", Quantity: 1}, {SKU: "B", Quantity: 1}, {SKU: "C", Quantity: 1}}, {{SKU: "C", Quantity: 1}, {SKU: "B", Quantity: 1}, {SKU: "A", Quantity: 1}}, {{SKU: "B", Quantity: 2}, {SKU: "A", Quantity: 1}}}
		const workers = 48
		errs := make(chan error, workers)
		reserved := make(chan map[string]int64, workers)
		for g := range workers {
			go func() {
				got := map[string]int64{}
				for n := 0; n < 20; n++ {
					cart := carts[(g+n)%len(carts)]
					_, err := x.db.Reserve(ctx, "s-1", fmt.Sprintf("g%02d-%d", g, n), cart)
					var short *bopis.Shortfall
					if errors.As(err, &short) {
						continue
					}
					if err != nil {
						errs <- err
						return
					}
					for _, l := range cart {
						got[l.SKU] += l.Quantity
					}
				}
				errs <- nil
				reserved <- got
			}()
		}
		sum := map[string]int64{}
		for range workers {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
			for sku, n := range <-reserved {
				sum[sku] += n
			}
		}
		for _, sku := range []string{"A", "B", "C"} {
			l := x.level("s-1", sku)
			if l.Reserved != sum[sku] || l.Reserved > l.OnHand {
				t.Errorf("%s: level %+v, reservations that succeeded hold %d", sku, l, sum[sku])
			}
		}
		storagetest.CheckReplay(t, x.db, "s-1")
	})
}

func TestLowStockAlertOpensOncePerEpisode(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		x.sku("L", 3)
		zero := 0
		if err := x.db.PutStoreSKU(ctx, &bopis.StoreSKU{StoreID: "s-2", SKU: "L", LowStockThreshold: &zero}); err != nil {
			t.Fatal(err)
		}
		open := func() []bopis.Alert {
			t.Helper()
			as, _, err := x.db.Alerts(ctx, bopis.AlertFilter{Type: storage.AlertLowStock}, bopis.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return as
		}
		events := func() []bopis.OutboxEvent {
			t.Helper()
			es, _, err := x.db.OutboxEvents(ctx, storage.EventTypeLowStock, bopis.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return es
		}
		x.apply(snap("s1", "s-1", "L", 10, ago(30)), delta("d1", "s-1", "L", -3, ago(29)))
		if len(open()) != 0 {
			t.Fatalf("alert at 7 available: %v", open())
		}
		x.apply(delta("d2", "s-1", "L", -4, ago(28))) // 3: at the threshold
		x.apply(delta("d3", "s-1", "L", -1, ago(27))) // 2
		x.apply(delta("d4", "s-1", "L", -1, ago(26)), delta("d5", "s-1", "L", 0+1, ago(25)), delta("d6", "s-1", "L", -1, ago(24)))
		if _, err := x.db.Reserve(ctx, "s-1", "o-1", []bopis.ReserveLine{{SKU: "L", Quantity: 1}}); err != nil { // available 0
			t.Fatal(err)
		}
		as, es := open(), events()
		if len(as) != 1 || as[0].StoreID != "s-1" || as[0].SKU != "L" || len(es) != 1 {
			t.Fatalf("after falling through the threshold in several steps: alerts %v, events %d; want one of each", as, len(es))
		}
		// Opened by d2, at 3 on hand and none reserved.
		var payload map[string]any
		if err := json.Unmarshal(es[0].Payload, &payload); err != nil {
			t.Fatalf("event payload %s: %v", es[0].Payload, err)
		}
		detail := map[string]any{"available": 3.0, "threshold": 3.0, "on_hand": 3.0, "reserved": 0.0, "safety_stock": 0.0}
		want := map[string]any{"alert_id": float64(as[0].ID), "store_id": "s-1", "sku": "L", "at": t0.Format(time.RFC3339Nano)}
		maps.Copy(want, detail)
		if es[0].Subject != "L" || !reflect.DeepEqual(payload, want) {
			t.Fatalf("event %+v: %s, want %v", es[0], es[0].Payload, want)
		}
		if !reflect.DeepEqual(as[0].Detail, detail) {
			t.Fatalf("alert detail %v, want %v", as[0].Detail, detail)
		}
		// Recovers (available 9 with 1 reserved): closed.
		x.apply(snap("s2", "s-1", "L", 10, ago(20)))
		if len(open()) != 0 {
			t.Fatalf("alert still open after recovery: %v", open())
		}
		// Falls again: a second episode, a second event.
		x.apply(delta("d7", "s-1", "L", -8, ago(19)))
		if as, es := open(), events(); len(as) != 1 || len(es) != 2 {
			t.Fatalf("second episode: alerts %v events %d; want 1 open, 2 events", as, len(es))
		}
		// The store's threshold override: 1 available at s-2 is fine, 0 is not.
		x.apply(snap("t1", "s-2", "L", 1, ago(5)))
		if len(open()) != 1 {
			t.Fatalf("s-2 at 1 with threshold 0 alerted: %v", open())
		}
		x.apply(delta("t2", "s-2", "L", -1, ago(4)))
		as, _, err := x.db.Alerts(ctx, bopis.AlertFilter{StoreIDs: []string{"s-2"}}, bopis.Page{})
		if err != nil || len(as) != 1 || as[0].SKU != "L" || as[0].Detail["threshold"] != 0.0 {
			t.Fatalf("s-2 alerts %v %v", as, err)
		}
		// A reservation that takes a level to its threshold opens the
		// alert itself; the next one, with the alert open, adds none.
		x.sku("M", 3)
		x.apply(snap("m1", "s-1", "M", 5, ago(3)))
		for i := range 2 { // 5 - 2 = 3 available, at the threshold; then 2
			if _, err := x.db.Reserve(ctx, "s-1", fmt.Sprintf("m-%d", i), []bopis.ReserveLine{{SKU: "M", Quantity: int64(2 - i)}}); err != nil {
				t.Fatal(err)
			}
			as, _, err := x.db.Alerts(ctx, bopis.AlertFilter{StoreIDs: []string{"s-1"}, Type: storage.AlertLowStock}, bopis.Page{})
			n := 0
			for _, a := range as {
				if a.SKU == "M" {
					n++
				}
			}
			if err != nil || n != 1 || len(events()) != 4 {
				t.Fatalf("after reservation %d of M: %d open alerts of M, %d events, %v; want 1 and 4", i, n, len(events()), err)
			}
		}
	})
}

func TestStaleFeedSweepAndBuffer(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		wh := storagetest.Store("w-1")
		wh.Type, wh.PickupMethods = bopis.StoreTypeWarehouse, []bopis.PickupMethod{}
		if _, err := x.db.PutStore(ctx, wh); err != nil {
			t.Fatal(err)
		}
		x.apply(snap("a", "s-1", "A", 2, ago(1)), snap("w", "w-1", "A", 50, ago(1)))
		// s-2 never sent an event: it has no feed to go silent.
		x.db.CountStore(ctx, "s-2", ago(1), []bopis.Count{{SKU: "A", OnHand: 2}})
		sweep := func() (int, int) {
			t.Helper()
			o, c, err := x.db.SweepFeeds(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return o, c
		}
		staleStores := func() []string {
			t.Helper()
			as, _, err := x.db.Alerts(ctx, bopis.AlertFilter{Type: storage.AlertStaleFeed}, bopis.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, a := range as {
				ids = append(ids, a.StoreID)
			}
			return ids
		}
		promisable := func(store string) int64 {
			t.Helper()
			av, err := x.db.Availability(ctx, []string{store}, []string{"A"})
			if err != nil || len(av) != 1 {
				t.Fatal(av, err)
			}
			return av[0].Promisable
		}
		if o, _ := sweep(); o != 0 || promisable("s-1") != 2 {
			t.Fatalf("fresh feed: %d opened, %d promisable", o, promisable("s-1"))
		}
		x.clock.Advance(16 * time.Minute) // silent for 16 minutes, more than the default 15
		if f, _ := x.db.Feed(ctx, "s-1"); !f.Stale || f.LastEventAt == nil || !f.LastEventAt.Equal(t0) {
			t.Fatalf("feed after 16 silent minutes: %+v", f)
		}
		if p, p2 := promisable("s-1"), promisable("s-2"); p != 1 || p2 != 2 {
			t.Fatalf("promisable at the silent store %d (want 1: one unit kept back), at the store without a feed %d", p, p2)
		}
		// The reservation primitive keeps the buffer too: the last unit is not promised.
		if _, err := x.db.Reserve(ctx, "s-1", "o-1", []bopis.ReserveLine{{SKU: "A", Quantity: 2}}); code(err) != bopis.ECONFLICT {
			t.Fatalf("reserving the last unit at a silent store: %v", err)
		}
		if o, _ := sweep(); o != 1 || !reflect.DeepEqual(staleStores(), []string{"s-1"}) {
			t.Fatalf("sweep opened %d: %v; want s-1 only (not the warehouse, not s-2)", o, staleStores())
		}
		if o, _ := sweep(); o != 0 {
			t.Fatalf("second sweep opened %d more", o)
		}
		es, _, _ := x.db.OutboxEvents(ctx, storage.EventTypeStaleFeed, bopis.Page{})
		if len(es) != 1 || es[0].StoreID != "s-1" {
			t.Fatalf("stale feed events %v", es)
		}
		// The POS speaks again: the alert closes with that batch.
		x.apply(delta("d", "s-1", "A", 1, t0))
		if got := staleStores(); len(got) != 0 || promisable("s-1") != 3 {
			t.Fatalf("after the feed resumed: stale %v, promisable %d", got, promisable("s-1"))
		}
		// Silent again: a new alert.
		x.clock.Advance(20 * time.Minute)
		if o, _ := sweep(); o != 1 {
			t.Fatalf("second silence opened %d", o)
		}
		// A deactivated store's alert is closed by the sweep.
		x.db.DeactivateStore(ctx, "s-1")
		if _, c := sweep(); c != 1 || len(staleStores()) != 0 {
			t.Fatalf("deactivated store: closed %d, open %v", c, staleStores())
		}
	})
}

// A store's feed clock trails its last batch by at most a step: five
// seconds, or a tenth of stale_after if that is shorter.
func TestFeedClockTrailsByAtMostAStep(t *testing.T) {
	for _, c := range []struct {
		staleAfter time.Duration
		step       time.Duration
	}{{0, 5 * time.Second}, {20 * time.Second, 2 * time.Second}} {
		eachInv(t, storage.Config{StaleAfter: c.staleAfter}, func(t *testing.T, x *inv) {
			clock := func() time.Time {
				t.Helper()
				f, err := x.db.Feed(ctx, "s-1")
				if err != nil || f.LastEventAt == nil {
					t.Fatalf("feed %+v: %v", f, err)
				}
				return *f.LastEventAt
			}
			x.apply(delta("a", "s-1", "A", 1, ago(1)))
			heard := x.clock.Now()
			x.clock.Advance(c.step - time.Millisecond)
			x.apply(delta("b", "s-1", "A", 1, ago(1)))
			if got := clock(); !got.Equal(heard) {
				t.Fatalf("stale_after %s: clock %s after a batch within the step, want %s kept", c.staleAfter, got, heard)
			}
			x.clock.Advance(time.Millisecond)
			x.apply(delta("c", "s-1", "A", 1, ago(1)))
			if got := clock(); !got.Equal(x.clock.Now()) {
				t.Fatalf("stale_after %s: clock %s after a batch a step later, want %s", c.staleAfter, got, x.clock.Now())
			}
		})
	}
}

func TestStaleAfterAndBufferAreConfigurable(t *testing.T) {
	none := int64(0)
	eachInv(t, storage.Config{StaleAfter: time.Hour, StaleBuffer: &none, DefaultSafetyStock: 1}, func(t *testing.T, x *inv) {
		x.apply(snap("a", "s-1", "A", 5, t0))
		one := 0
		x.db.PutStoreSKU(ctx, &bopis.StoreSKU{StoreID: "s-1", SKU: "B", SafetyStock: &one})
		x.apply(snap("b", "s-1", "B", 5, t0))
		if a, b := x.level("s-1", "A"), x.level("s-1", "B"); a.SafetyStock != 1 || a.Available != 4 || b.SafetyStock != 0 || b.Available != 5 {
			t.Fatalf("default safety stock 1: A %+v, B (override 0) %+v", a, b)
		}
		x.clock.Advance(30 * time.Minute)
		if f, _ := x.db.Feed(ctx, "s-1"); f.Stale {
			t.Fatal("stale after 30 minutes with stale_after 1h")
		}
		x.clock.Advance(31 * time.Minute)
		av, _ := x.db.Availability(ctx, []string{"s-1"}, []string{"A"})
		if !av[0].FeedStale || av[0].Promisable != 4 {
			t.Fatalf("stale with buffer 0: %+v", av[0])
		}
		if _, err := x.db.Reserve(ctx, "s-1", "o", []bopis.ReserveLine{{SKU: "A", Quantity: 4}}); err != nil {
			t.Fatalf("reserving all available with buffer 0 and safety 1: %v", err)
		}
		if _, err := x.db.Reserve(ctx, "s-1", "o2", []bopis.ReserveLine{{SKU: "A", Quantity: 1}}); code(err) != bopis.ECONFLICT {
			t.Fatalf("reserving into the safety stock: %v", err)
		}
	})
}

func TestPickupEligibilityGlobalAndPerStore(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		no, yes := false, true
		big := storagetest.SKU("BIG")
		big.PickupEligible = false
		x.db.PutSKU(ctx, big)
		x.db.PutStoreSKU(ctx, &bopis.StoreSKU{StoreID: "s-2", SKU: "BIG", PickupEligible: &yes}) // s-2 has a loading dock
		x.db.PutStoreSKU(ctx, &bopis.StoreSKU{StoreID: "s-1", SKU: "A", PickupEligible: &no})
		x.db.DeactivateSKU(ctx, "C")
		for _, s := range []string{"s-1", "s-2"} {
			x.db.CountStore(ctx, s, ago(1), []bopis.Count{{SKU: "A", OnHand: 3}, {SKU: "B", OnHand: 3}, {SKU: "C", OnHand: 3}, {SKU: "BIG", OnHand: 3}})
		}
		av, err := x.db.Availability(ctx, []string{"s-1", "s-2", "s-9"}, []string{"A", "B", "C", "BIG", "ZZ"})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, a := range av {
			got[a.StoreID+"/"+a.SKU] = fmt.Sprintf("%v %d", a.Eligible, a.Promisable)
		}
		want := map[string]string{
			"s-1/A": "false 0", "s-1/B": "true 3", "s-1/C": "false 0", "s-1/BIG": "false 0",
			"s-2/A": "true 3", "s-2/B": "true 3", "s-2/C": "false 0", "s-2/BIG": "true 3",
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("eligibility %v\nwant %v", got, want)
		}
	})
}

// A day of everything at two stores, then the ledger replays to the levels.
func TestLedgerReplaysToTheLevels(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		x.sku("L", 2)
		x.db.CountStore(ctx, "s-1", ago(120), []bopis.Count{{SKU: "A", OnHand: 20}, {SKU: "B", OnHand: 5}, {SKU: "L", OnHand: 4}})
		x.apply(delta("1", "s-1", "A", -3, ago(100)), delta("2", "s-1", "B", -9, ago(90)), snap("3", "s-2", "A", 7, ago(90)),
			delta("4", "s-1", "L", -2, ago(80)), delta("1", "s-2", "A", 2, ago(85)), delta("5", "s-1", "A", -1, ago(130)))
		x.db.Adjust(ctx, "s-1", bopis.Adjustment{SKU: "A", Delta: -2, Reason: "damaged"}, nil)
		x.db.Adjust(ctx, "s-2", bopis.Adjustment{SKU: "B", Delta: -2, Reason: "theft"}, nil)
		x.db.Reserve(ctx, "s-1", "o-1", []bopis.ReserveLine{{SKU: "A", Quantity: 4}, {SKU: "L", Quantity: 1}})
		x.db.Reserve(ctx, "s-1", "o-2", []bopis.ReserveLine{{SKU: "A", Quantity: 2}})
		x.db.Reserve(ctx, "s-2", "o-3", []bopis.ReserveLine{{SKU: "A", Quantity: 5}})
		x.apply(snap("6", "s-1", "A", 15, ago(60)), delta("7", "s-1", "A", -20, ago(50)))
		x.db.Consume(ctx, "o-1", map[string]int64{"A": 3, "L": 1})
		x.db.Release(ctx, "o-3")
		x.db.CountStore(ctx, "s-2", ago(30), []bopis.Count{{SKU: "B", OnHand: 8}})
		x.apply(snap("8", "s-2", "A", 1, ago(40)), delta("9", "s-2", "B", -1, ago(20)))
		causes := map[string]bool{}
		for _, s := range []string{"s-1", "s-2"} {
			for _, e := range x.ledger(s) {
				causes[e.Cause] = true
			}
			storagetest.CheckReplay(t, x.db, s)
		}
		for _, c := range []string{storage.CauseSnapshot, storage.CauseDelta, storage.CauseCount, storage.CauseAdjustment,
			storage.CauseReservation, storage.CauseRelease, storage.CauseHandoff} {
			if !causes[c] {
				t.Errorf("the scenario never wrote a %s row", c)
			}
		}
		if l := x.level("s-1", "A"); l.Reserved != 2 {
			t.Errorf("s-1 A reserved %d, want 2 (o-2 open)", l.Reserved)
		}
	})
}

// skus adds n SKUs named prefix00, prefix01, … and returns their names.
func (x *inv) skus(prefix string, n int) []string {
	x.t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
		x.sku(out[i], 0)
	}
	return out
}

// POS batches and adjustments that reach the same stores and SKUs at
// once, the levels not existing yet, all apply: each level ends at the
// sum of every change, none lost to another writer creating it first.
func TestConcurrentBatchesAndAdjustmentsCreatingLevelsLoseNothing(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		skus := x.skus("N", 30)
		const workers, batches = 8, 4
		errs := make(chan error, workers)
		for g := range workers {
			go func() {
				for n := range batches {
					var evs []bopis.InventoryEvent
					for _, store := range []string{"s-1", "s-2"} {
						for _, k := range skus {
							evs = append(evs, delta(fmt.Sprintf("g%d-%d-%s", g, n, k), store, k, 1, ago(1)))
						}
					}
					res, _, err := x.db.ApplyInventoryEvents(ctx, evs, bopis.BatchOptions{})
					if err == nil && !reflect.DeepEqual(statuses(res), repeat("applied", len(evs))) {
						err = fmt.Errorf("batch %d of worker %d: %v", n, g, statuses(res))
					}
					if err == nil && g%2 == 0 { // and a correction by hand of a SKU, by half the workers
						_, _, err = x.db.Adjust(ctx, "s-2", bopis.Adjustment{SKU: skus[(g+n)%len(skus)], Delta: 10, Reason: "found"}, nil)
					}
					if err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range workers {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		adjusted := map[string]int64{}
		for g := 0; g < workers; g += 2 {
			for n := range batches {
				adjusted[skus[(g+n)%len(skus)]] += 10
			}
		}
		for _, store := range []string{"s-1", "s-2"} {
			for _, k := range skus {
				want := int64(workers * batches)
				if store == "s-2" {
					want += adjusted[k]
				}
				if got := x.onHand(store, k); got != want {
					t.Errorf("%s %s: on hand %d, want %d", store, k, got, want)
				}
			}
			storagetest.CheckReplay(t, x.db, store)
		}
	})
}

// A whole-store count taken while POS batches flow ends the same
// whatever the interleaving: every event from before the count is
// either counted over or stale, every event after it adds up, on SKUs
// counted and on SKUs the count leaves out (which go to zero), levels
// stored or not.
func TestCountAmidBatchesCountsOverEveryEarlierEvent(t *testing.T) {
	eachInv(t, storage.Config{}, func(t *testing.T, x *inv) {
		skus := x.skus("M", 20)
		asOf := ago(30)
		// Half the SKUs have levels before it all starts.
		var first []bopis.InventoryEvent
		for _, k := range skus[:10] {
			first = append(first, snap("first-"+k, "s-1", k, 3, ago(60)))
		}
		x.apply(first...)
		var counts []bopis.Count
		for i, k := range skus {
			if i%2 == 0 {
				counts = append(counts, bopis.Count{SKU: k, OnHand: 5})
			}
		}
		const workers, batches = 6, 5
		errs := make(chan error, workers+1)
		started := make(chan struct{}, workers)
		for g := range workers {
			go func() {
				for n := range batches {
					var evs []bopis.InventoryEvent
					for _, k := range skus {
						evs = append(evs, delta(fmt.Sprintf("before-%d-%d-%s", g, n, k), "s-1", k, 1, asOf.Add(-time.Minute)),
							delta(fmt.Sprintf("after-%d-%d-%s", g, n, k), "s-1", k, 2, asOf.Add(time.Minute)))
					}
					_, _, err := x.db.ApplyInventoryEvents(ctx, evs, bopis.BatchOptions{})
					if err != nil {
						errs <- err
						return
					}
					if n == 0 {
						started <- struct{}{}
					}
				}
				errs <- nil
			}()
		}
		go func() {
			<-started // the count comes in while the batches flow
			_, err := x.db.CountStore(ctx, "s-1", asOf, counts)
			errs <- err
		}()
		for range workers + 1 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		for i, k := range skus {
			want := int64(2 * workers * batches)
			if i%2 == 0 {
				want += 5
			}
			if got := x.onHand("s-1", k); got != want {
				t.Errorf("%s: on hand %d, want %d (counted %v)", k, got, want, i%2 == 0)
			}
		}
		storagetest.CheckReplay(t, x.db, "s-1")
	})
}

// Migration 00016 folds the remembered events into the ledger: after it,
// events sent before it are still duplicates when resent, the ledger
// reads as before, and a late snapshot still adds back the moves made
// after it (a POS delta and an adjustment).
func TestPOSEventsKeptAcrossMigration16(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			cfg := storage.Config{URL: storagetest.URL(t, backend), Now: func() time.Time { return t0 }}
			old, err := storage.Open(ctx, storage.MigratedTo(cfg, 15))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := old.PutStore(ctx, storagetest.Store("s-1")); err != nil {
				t.Fatal(err)
			}
			undoProducts := productColumns(t, old)
			if _, err := old.PutSKU(ctx, storagetest.SKU("A")); err != nil {
				t.Fatal(err)
			}
			undoProducts()
			// As the code before it wrote them: a snapshot of 0 at -30 min
			// (no change), a delta at -40 min found stale, a receipt of 5
			// at -20 min and an adjustment of -1 at -10 min.
			us := func(m int) int64 { return ago(m).UnixMicro() }
			err = old.Tx(ctx, func(tx *sql.Tx) error {
				for _, q := range []struct {
					sql  string
					args []any
				}{
					{`INSERT INTO inventory_levels (store_id, sku, on_hand, reserved, updated_at, last_snapshot_at, last_move_at)
						VALUES ('s-1', 'A', 4, 0, $1, $2, $3)`, []any{us(0), us(30), us(10)}},
					{`INSERT INTO inventory_ledger (store_id, sku, cause, reference, reason, on_hand_delta, reserved_delta, at)
						VALUES ('s-1', 'A', 'pos_delta', 'e1', 'receipt', 5, 0, $1), ('s-1', 'A', 'adjustment', 'recount', 'damaged', -1, 0, $1)`,
						[]any{us(0)}},
					{`INSERT INTO inventory_events (store_id, origin, id, sku, kind, quantity, reason, occurred_at, received_at, status)
						VALUES ('s-1', 'pos', 'e-s', 'A', 'snapshot', 0, '', $1, $5, 'applied'),
						('s-1', 'pos', 'e0', 'A', 'delta', -2, 'sale', $2, $5, 'stale'),
						('s-1', 'pos', 'e1', 'A', 'delta', 5, 'receipt', $3, $5, 'applied'),
						('s-1', 'bopis', 'adjustment-x', 'A', 'adjustment', -1, 'damaged', $4, $5, 'applied')`,
						[]any{us(30), us(40), us(20), us(10), us(0)}},
				} {
					if _, err := tx.ExecContext(ctx, q.sql, q.args...); err != nil {
						return err
					}
				}
				return nil
			})
			old.Close()
			if err != nil {
				t.Fatal(err)
			}

			db, err := storage.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			x := &inv{t: t, db: db}
			if got := x.apply(snap("e-s", "s-1", "A", 0, ago(30)), delta("e0", "s-1", "A", -2, ago(40)),
				delta("e1", "s-1", "A", 5, ago(20))); !reflect.DeepEqual(got, repeat("duplicate", 3)) {
				t.Fatalf("events sent before the migration, sent again: %v", got)
			}
			var rows []string
			for _, e := range x.ledger("s-1") {
				rows = append(rows, fmt.Sprintf("%s %s %+d", e.Cause, e.Reference, e.OnHandDelta))
			}
			if want := []string{"pos_delta e1 +5", "adjustment recount -1"}; !reflect.DeepEqual(rows, want) {
				t.Fatalf("ledger after the migration %q, want %q", rows, want)
			}
			// A count of 10 at -25 min missed the receipt and the adjustment.
			if got := x.apply(snap("late", "s-1", "A", 10, ago(25))); got[0] != "applied" || x.onHand("s-1", "A") != 14 {
				t.Fatalf("late snapshot %v, A=%d; want applied and 10+5-1=14", got, x.onHand("s-1", "A"))
			}
			storagetest.CheckReplay(t, db, "s-1")
		})
	}
}
