package stock

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/inventory"
	"github.com/bopis/bopis/internal/sqldb"
	"github.com/bopis/bopis/internal/storage/changefeed"
	"github.com/bopis/bopis/internal/storage/idempotency"
)

// What became of each event of a batch (see internal/inventory).
const (
	EventApplied   = inventory.Applied   // the stock changed (or was confirmed) by it
	EventDuplicate = inventory.Duplicate // its id was seen before at its store: nothing changed
	EventStale     = inventory.Stale     // older than the latest snapshot or count: already counted there
	EventRejected  = inventory.Rejected  // invalid, or for a store or SKU that does not exist or the key does not reach
)

// ApplyInventoryEvents applies a batch of POS events in one transaction
// and answers each on its own, in the request's order:
//
//   - A snapshot sets on_hand as of its occurred_at, plus every change
//     already applied that happened at or after it; reserved is untouched.
//   - A delta changes on_hand (never below 0); deltas apply in any order
//     among themselves.
//   - An event older than the level's latest snapshot (applied before or
//     in this batch), or the store's latest whole-store count, is stale:
//     that count already includes it.
//   - An id already seen at its store, in an earlier batch or earlier in
//     this one, is a duplicate and changes nothing; applied and stale
//     events are remembered, rejected ones are not (the POS may fix and
//     resend them).
//   - An invalid event, or one for an unknown store or SKU or a store
//     the sender may not reach, is rejected without failing the others.
//
// Events apply in (store, SKU, occurred_at) order, snapshots before
// deltas of the same instant: that is the order the changes happened in,
// and the same lock order for every batch, so concurrent batches on
// PostgreSQL that share levels queue rather than deadlock; batches of
// the same stores otherwise run side by side (see lockStores). Each
// store's feed clock is moved to now (to a few seconds, see
// feedClockStep) and its stale_feed alert closed; low-stock alerts open
// and close as the levels end up.
//
// These are the rules of internal/inventory (Sequence, Apply): this
// loads what they read and writes what they decide, in one transaction.
func (db *Stock) ApplyInventoryEvents(ctx context.Context, events []bopis.InventoryEvent, opt bopis.BatchOptions) (results []bopis.EventResult, replayed bool, err error) {
	now, us := db.sql.NowMicros()
	results = make([]bopis.EventResult, len(events))
	todo := make([]inventory.Event, 0, len(events))
	for i := range events {
		e := &events[i]
		if bopis.ValidEventID(e.ID) { // an id that is not one is not echoed; results are in the events' order
			results[i].ID = e.ID
		}
		if err := e.Validate(now); err != nil {
			results[i].Status, results[i].Error = EventRejected, bopis.Problem(err)
			continue
		}
		if opt.CanReach != nil && !opt.CanReach(e.StoreID) {
			results[i].Status, results[i].Error = EventRejected, "this key does not reach store "+e.StoreID
			continue
		}
		todo = append(todo, inventory.NewEvent(i, e))
	}
	todo, dups := inventory.Sequence(todo)
	for _, d := range dups {
		results[d.Index].Status = EventDuplicate
	}
	var first []bopis.EventResult
	if idem := opt.Idempotency; idem != nil {
		// A resend after a timeout is answered without redoing the batch.
		if found, err := idempotency.Lookup(ctx, db.sql, idem, &first); err != nil || found {
			return first, found, err
		}
	}
	// First as if no event had been seen before: the ledger's unique
	// index on (store, event id) finds a resent one when its row goes in,
	// so the batch looks each id up only when that happens (seenEvent).
	askSeen := false
	for {
		answer, replayed, err := idempotency.Keyed(ctx, db.sql, sqldb.Alone, opt.Idempotency, func(tx *sql.Tx, _ *sqldb.Batch) ([]bopis.EventResult, error) {
			if len(todo) == 0 {
				return results, nil
			}
			for _, e := range todo { // a transaction run again starts again
				results[e.Index] = bopis.EventResult{ID: e.ID}
			}
			r, err := db.readBatch(ctx, tx, todo, us, askSeen)
			if err != nil {
				return nil, err
			}
			err = db.applyEvents(ctx, tx, todo, r, results, us)
			if !askSeen && db.seenEvent(err) {
				return nil, errSeenEvent
			}
			return results, err
		})
		if askSeen || !errors.Is(err, errSeenEvent) {
			return answer, replayed, err
		}
		askSeen = true
	}
}

// errSeenEvent ends a batch's first try (its writes undone) when one of
// its events turns out to have been seen before.
var errSeenEvent = errors.New("storage: a POS event of the batch was seen before")

// seenEvent reports whether err is the ledger refusing the row of a POS
// event its store already sent (the index inventory_ledger_pos_events).
func (db *Stock) seenEvent(err error) bool {
	detail, ok := db.dialect.UniqueViolation(err)
	return ok && strings.Contains(detail, "inventory_ledger")
}

// batchReads is what a POS batch reads before it writes.
type batchReads struct {
	feeds  map[string]inventory.Feed   // the batch's stores that exist, with their feeds
	levels map[levelKey]*level         // the levels of its keys whose SKU exists (a new zero level where none yet)
	seen   map[inventory.EventKey]bool // already in the ledger (asked only when told, see readBatch)
}

// readBatch reads what applying todo (sorted) needs, in tx: each step
// one statement for the whole batch, however many stores and SKUs it
// spans. Under the stores' locks (PostgreSQL), no count of them is under
// way: the counts read are the last before this batch commits. The ids
// are asked only with askSeen (else seen is empty), after the locks, so
// a resend racing the first send sees its events once it commits. (A
// store that does not exist takes its lock too: a batch naming one is a
// mistake, and rare.)
func (db *Stock) readBatch(ctx context.Context, tx *sql.Tx, todo []inventory.Event, now int64, askSeen bool) (*batchReads, error) {
	stores := batchStores(todo)
	if err := db.lockStores(ctx, tx, stores, false); err != nil {
		return nil, err
	}
	r := &batchReads{}
	var err error
	if r.feeds, err = db.readStores(ctx, tx, stores); err != nil {
		return nil, err
	}
	var known []inventory.Event
	for _, e := range todo {
		if _, ok := r.feeds[e.StoreID]; ok {
			known = append(known, e)
		}
	}
	if len(known) == 0 {
		return r, nil // every event is rejected by its store
	}
	if r.levels, err = db.loadLevels(ctx, tx, batchKeys(known), now); err != nil {
		return nil, err
	}
	if askSeen {
		r.seen, err = db.readSeen(ctx, tx, batchIDs(known))
	}
	return r, err
}

// batchStores lists the stores of sorted events, once each.
func batchStores(todo []inventory.Event) []string {
	var ids []string
	for i, e := range todo {
		if i == 0 || e.StoreID != todo[i-1].StoreID {
			ids = append(ids, e.StoreID)
		}
	}
	return ids
}

// batchKeys lists the levels of sorted events, once each, in order.
func batchKeys(todo []inventory.Event) []levelKey {
	var keys []levelKey
	for _, e := range todo {
		if k := (levelKey{e.StoreID, e.SKU}); len(keys) == 0 || keys[len(keys)-1] != k {
			keys = append(keys, k)
		}
	}
	return keys
}

// batchIDs lists the (store, event id) pairs of events.
func batchIDs(todo []inventory.Event) []levelKey {
	ids := make([]levelKey, len(todo))
	for i, e := range todo {
		ids[i] = levelKey{e.StoreID, e.ID}
	}
	return ids
}

// readStores reads which of stores exist and, of those with a feed row,
// their last whole-store count and feed clock.
func (db *Stock) readStores(ctx context.Context, tx *sql.Tx, stores []string) (known map[string]inventory.Feed, err error) {
	known = make(map[string]inventory.Feed, len(stores))
	// read keeps the rows of query of the stores in want (nil: all).
	read := func(want map[string]bool, query string, args ...any) error {
		res, err := db.sql.QueryTx(ctx, tx, query, args...)
		if err != nil {
			return err
		}
		defer res.Close()
		for res.Next() {
			var id string
			var fed bool
			var c, e sql.NullInt64
			if err := res.Scan(&id, &fed, &c, &e); err != nil {
				return err
			}
			if want != nil && !want[id] {
				continue
			}
			known[id] = inventory.Feed{Fed: fed, LastCount: sqldb.NullInt(c), LastEvent: sqldb.NullInt(e)}
		}
		return res.Err()
	}
	scan, err := db.scanFeeds(ctx, tx, len(stores))
	if err != nil {
		return nil, err
	}
	if scan {
		want := make(map[string]bool, len(stores))
		for _, id := range stores {
			want[id] = true
		}
		if err := read(want, `SELECT store_id, true, last_count_at, last_event_at FROM store_feeds`); err != nil {
			return nil, err
		}
		// Those with no feed row yet may still exist: looked up below.
		stores = slices.DeleteFunc(slices.Clone(stores), func(id string) bool { _, ok := known[id]; return ok })
		if len(stores) == 0 {
			return known, nil
		}
	}
	// Joined from the list (stores are unique), not filtered by it: SQLite
	// would first copy the list into an index of its own.
	err = read(nil, `SELECT s.id, f.store_id IS NOT NULL, f.last_count_at, f.last_event_at
		FROM `+db.dialect.JSONTextArray("$1")+` JOIN stores s ON s.id = value LEFT JOIN store_feeds f ON f.store_id = s.id`, sqldb.JSONList(stores))
	return known, err
}

// scanFeeds reports whether a batch of n stores reads every feed row in
// one pass rather than looking its own up: where the dialect counts the
// rows (dialect.feedRows, SQLite), once the batch names a quarter of
// them or more (a batch of events at random stores names thousands).
func (db *Stock) scanFeeds(ctx context.Context, tx *sql.Tx, n int) (bool, error) {
	q := db.dialect.feedRows()
	if q == "" || n < minFeedScan {
		return false, nil
	}
	var rows int64
	err := db.sql.QueryRowTx(ctx, tx, q).Scan(&rows)
	return err == nil && int64(n)*4 >= rows, err
}

// minFeedScan is the fewest stores a batch names for scanFeeds to
// consider a pass.
const minFeedScan = 64

// readSeen finds which (store, event id) pairs the ledger holds.
func (db *Stock) readSeen(ctx context.Context, tx *sql.Tx, ids []levelKey) (map[inventory.EventKey]bool, error) {
	seen := map[inventory.EventKey]bool{}
	for _, part := range db.dialect.keyParts(db.sql, ids) {
		table, args := db.dialect.keysTable(part, 1)
		// A correlated probe per id, not a join, for the reason given at levelColumns.
		res, err := db.sql.QueryTx(ctx, tx, `SELECT p.a, p.b FROM `+table+` p
			WHERE (SELECT 1 FROM inventory_ledger e WHERE e.store_id = p.a AND e.reference = p.b AND e.cause IN `+posCauses+`) = 1`, args...)
		if err != nil {
			return nil, err
		}
		for res.Next() {
			var k levelKey
			if err := res.Scan(&k.store, &k.sku); err != nil {
				res.Close()
				return nil, err
			}
			seen[inventory.EventKey{Store: k.store, ID: k.sku}] = true
		}
		res.Close()
		if err := res.Err(); err != nil {
			return nil, err
		}
	}
	return seen, nil
}

// applyEvents applies sorted events as readBatch found things
// (inventory.Apply), filling in results, and writes what they did: the
// levels, the ledger and the low-stock alerts as a few multi-row
// statements, then the feed clocks.
func (db *Stock) applyEvents(ctx context.Context, tx *sql.Tx, todo []inventory.Event, read *batchReads, results []bopis.EventResult, now int64) error {
	levels := read.levels
	b := inventory.Batch{Events: todo, Feeds: read.feeds, Seen: read.seen, Now: now, FeedClockStep: db.feedClockStep(),
		Levels: func(k inventory.Key) (inventory.Level, bool) {
			l := levels[levelKey{k.Store, k.SKU}]
			if l == nil {
				return inventory.Level{}, false
			}
			return l.rules(), true
		}}
	eff := inventory.Apply(b)
	if len(eff.Missing) > 0 {
		// A snapshot that arrived after later changes adds them back:
		// rare, read for each.
		var err error
		if b.LaterMoves, err = laterMoves(ctx, tx, eff.Missing); err != nil {
			return err
		}
		if eff = inventory.Apply(b); len(eff.Missing) > 0 {
			return fmt.Errorf("storage: later moves %v still missing", eff.Missing)
		}
	}
	for _, r := range eff.Results {
		results[r.Index].Status, results[r.Index].Error = r.Status, r.Error
	}
	if len(eff.Levels) == 0 {
		return nil // no event of a store and SKU that exist: nobody heard from
	}
	s := db.stockTx(tx, now)
	s.record(eff.Ledger)
	s.levels = s.taken(eff.Levels, levels)
	if err := s.write(ctx); err != nil {
		return err
	}
	opening, closing := alertLevels(eff.Alerts, levels)
	if err := db.writeLowStock(ctx, tx, opening, closing, now); err != nil {
		return err
	}
	// Only stores whose clock, as read, trails by a step: the rest have
	// just been heard from and have no stale_feed alert to close (one
	// opens only on a clock older than stale_after, longer than a step,
	// and the batch that next moves that clock closes it; should one open
	// in a race with a batch, on PostgreSQL, SweepFeeds closes it within
	// its minute).
	if len(eff.FeedClocks) == 0 {
		return nil
	}
	// Last: batches of the same stores write the same feed rows.
	return db.heardFrom(ctx, tx, eff.FeedClocks, eff.NewFeeds, now, b.FeedClockStep)
}

// feedClockStep is how far, in µs, a store's feed clock may trail its
// last batch: a batch moves the clock only if it is this far behind.
// Five seconds, or a tenth of stale_after if that is shorter: against a
// stale_after of minutes that is invisible, and it spares a stream of
// batches rewriting the feed rows of the stores they name (at one second,
// ~3% of a POS batch's time, at random stores; ADR 0013).
func (db *Stock) feedClockStep() int64 {
	return min(5*time.Second, db.staleAfter/10).Microseconds()
}

// heardFrom moves the feed clocks of stores to now (those a step or more
// behind), creating the feed rows of those unfed (which must be among
// stores), and closes their stale_feed alerts.
func (db *Stock) heardFrom(ctx context.Context, tx *sql.Tx, stores, unfed []string, now, step int64) error {
	if len(unfed) > 0 {
		// Only the missing: PostgreSQL's ON CONFLICT waits for the commit
		// of whoever is updating a row it finds, even to do nothing.
		if _, err := db.sql.ExecTx(ctx, tx, `INSERT INTO store_feeds (store_id) SELECT value FROM `+db.dialect.JSONTextArray("$1")+`
			WHERE true ON CONFLICT (store_id) DO NOTHING`, sqldb.JSONList(unfed)); err != nil {
			return err
		}
	}
	trailing := `store_id ` + db.dialect.InList("$2") + ` AND (last_event_at IS NULL OR last_event_at <= $3)`
	if skip := db.dialect.SkipLocked(); skip != "" {
		// A feed row another batch is moving right now is skipped rather
		// than waited for: that batch moves it to its own now, as good
		// (and should it roll back, the next batch does). SQLite has one
		// writer, and the subquery would cost it a second search a store.
		trailing = `store_id IN (SELECT store_id FROM store_feeds WHERE ` + trailing + skip + `)`
	}
	if _, err := db.sql.ExecTx(ctx, tx, `UPDATE store_feeds SET last_event_at = $1`+changefeed.VersionSet(db.dialect)+` WHERE `+trailing,
		now, sqldb.JSONList(stores), now-step); err != nil {
		return err
	}
	if err := changefeed.BumpVersions(ctx, db.sql, tx); err != nil {
		return err
	}
	_, err := db.sql.ExecTx(ctx, tx, `UPDATE alerts SET closed_at = $1
		WHERE type = '`+AlertStaleFeed+`' AND subject = '' AND closed_at IS NULL
		AND store_id `+db.dialect.InList("$2"), now, sqldb.JSONList(stores))
	return err
}
