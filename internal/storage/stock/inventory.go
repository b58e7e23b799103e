package stock

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/inventory"
	"github.com/bopis/bopis/internal/sqldb"
	"github.com/bopis/bopis/internal/storage/idempotency"
)

// Ledger causes: why on_hand or reserved changed (see internal/inventory).
const (
	CauseSnapshot    = inventory.CauseSnapshot    // a POS snapshot set on_hand
	CauseDelta       = inventory.CauseDelta       // a POS delta (sale, return, receipt)
	CauseCount       = inventory.CauseCount       // a whole-store count
	CauseAdjustment  = inventory.CauseAdjustment  // a correction by hand
	CauseReservation = inventory.CauseReservation // units held for an order
	CauseRelease     = inventory.CauseRelease     // held units let go
	CauseHandoff     = inventory.CauseHandoff     // held units picked up by the customer
	CauseShortPick   = inventory.CauseShortPick   // the store found fewer than it held: on_hand corrected, the rest released
	CauseNoShow      = inventory.CauseNoShow      // held units restocked: nobody came before hold_until
)

// posCauses are the causes of the POS's own events, as an SQL list:
// their ledger rows are how a resent event is recognised (ADR 0024).
const posCauses = "('" + CauseSnapshot + "', '" + CauseDelta + "')"

// levelKey names one store's stock of one SKU.
type levelKey struct{ store, sku string }

// appendJSONString appends s as a JSON string: as it is between quotes
// when it needs no escaping (store ids and SKUs do not), else as
// encoding/json writes it. A POS batch encodes thousands.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// level is one store's stock of a SKU, loaded for change inside a write
// transaction with what its alerts depend on.
type level struct {
	levelKey
	onHand, reserved       int64
	safety, threshold      int64
	updatedAt              int64
	lastSnapshot, lastMove *int64 // nil: never
	alertID                int64  // the open low_stock alert, 0 if none
	stored                 bool   // in the database already: flush updates it, else inserts it
	dirty                  bool   // changed: to be written back
}

func (l *level) available() int64 { return bopis.Available(l.onHand, l.reserved, l.safety) }

func (l *level) key() inventory.Key { return inventory.Key{Store: l.store, SKU: l.sku} }

// rules is l as the rules of internal/inventory read it.
func (l *level) rules() inventory.Level {
	return inventory.Level{OnHand: l.onHand, Reserved: l.reserved, SafetyStock: l.safety, Threshold: l.threshold,
		LastSnapshot: l.lastSnapshot, LastMove: l.lastMove, AlertOpen: l.alertID != 0}
}

// take makes l's stock and times v's (a rule's result), marking l dirty
// if they changed and updated now if its stock did.
func (l *level) take(v inventory.Level, now int64) {
	if v.OnHand != l.onHand || v.Reserved != l.reserved {
		l.onHand, l.reserved, l.updatedAt, l.dirty = v.OnHand, v.Reserved, now, true
	}
	if !sameTime(v.LastSnapshot, l.lastSnapshot) || !sameTime(v.LastMove, l.lastMove) {
		l.lastSnapshot, l.lastMove, l.dirty = v.LastSnapshot, v.LastMove, true
	}
}

func sameTime(a, b *int64) bool { return a == b || a != nil && b != nil && *a == *b }

// stockTx gathers the writes of one inventory transaction so they leave
// as a few multi-row statements at the end (flush) instead of several
// round trips per change. Every level it changes was loaded by
// loadLevels, which locks the stored ones (PostgreSQL; SQLite has one
// writer), so writing absolute values back loses no concurrent change.
type stockTx struct {
	db     *Stock
	tx     *sql.Tx
	now    int64
	levels []*level // loaded: written back if dirty, alerts settled
	ledger sqldb.Rows
	seen   map[*level]bool
	// later, if set, takes the ledger rows at flush, for the caller to
	// run with its other writes; else flush runs them.
	later *sqldb.Batch
}

func (db *Stock) stockTx(tx *sql.Tx, now int64) *stockTx {
	return &stockTx{db: db, tx: tx, now: now, ledger: sqldb.Rows{Cols: 11}, seen: map[*level]bool{}}
}

// set moves a level to onHand and reserved, recording the change in the
// ledger with cause and reference. A change of nothing writes nothing.
func (s *stockTx) set(l *level, onHand, reserved int64, cause, ref, reason string) {
	v := l.rules()
	if e, ok := v.Set(l.key(), onHand, reserved, cause, ref, reason); ok {
		s.add(e)
		l.take(v, s.now)
	}
}

// change adds the ledger row of a change that is not a move (its time,
// quantity and status NULL): for set, and for reservations, whose
// statement has already changed the level.
func (s *stockTx) change(store, sku, cause, ref, reason string, dOnHand, dReserved int64) {
	s.ledger.Add(store, sku, cause, ref, reason, dOnHand, dReserved, s.now, nil, nil, nil)
}

// A move is a change of on_hand kept with the time it happened, so a
// snapshot taken before it and arriving later adds it back: a POS event
// (applied or stale), an adjustment, a handoff, a short pick.
type move struct {
	cause, ref, reason string
	quantity           int64 // a snapshot's count, else the change asked for
	occurredAt         int64
	status             string // EventApplied or EventStale
}

// move sets a level as set does, but its ledger row is written even
// when nothing changed: a POS event is remembered by it (ADR 0024).
func (s *stockTx) move(l *level, onHand, reserved int64, m move) {
	v := l.rules()
	s.add(v.Move(l.key(), onHand, reserved, inventory.Move{Cause: m.cause, Reference: m.ref, Reason: m.reason,
		Quantity: m.quantity, OccurredAt: m.occurredAt, Status: m.status}))
	l.take(v, s.now)
}

// add adds a ledger entry made by the rules: a move's with its time,
// quantity and status, any other's with them NULL.
func (s *stockTx) add(e inventory.Entry) {
	if !e.Moved {
		s.change(e.Store, e.SKU, e.Cause, e.Reference, e.Reason, e.OnHandDelta, e.ReservedDelta)
		return
	}
	s.ledger.Add(e.Store, e.SKU, e.Cause, e.Reference, e.Reason, e.OnHandDelta, e.ReservedDelta, s.now, e.OccurredAt, e.Quantity, e.Status)
}

// record adds the ledger entries of a rule's effects, in order.
func (s *stockTx) record(entries []inventory.Entry) {
	s.ledger.Grow(len(entries))
	for _, e := range entries {
		s.add(e)
	}
}

// taken makes each of levels take its stock as a rule leaves it
// (stocks, in key order), and returns them in that order, to be written.
func (s *stockTx) taken(stocks []inventory.Stock, levels map[levelKey]*level) []*level {
	out := make([]*level, len(stocks))
	for i, st := range stocks {
		l := levels[levelKey{st.Store, st.SKU}]
		if st.Changed {
			l.take(st.Level, s.now)
		}
		out[i] = l
	}
	return out
}

// track adds loaded levels to those written back and settled at flush,
// in key order.
func (s *stockTx) track(ls map[levelKey]*level) {
	sorted := make([]*level, 0, len(ls))
	for _, l := range ls {
		sorted = append(sorted, l)
	}
	sort.Slice(sorted, func(i, j int) bool { return less(sorted[i].levelKey, sorted[j].levelKey) })
	s.trackSorted(sorted)
}

// trackSorted is track for levels already in key order.
func (s *stockTx) trackSorted(ls []*level) {
	for _, l := range ls {
		if !s.seen[l] {
			s.seen[l] = true
			s.levels = append(s.levels, l)
		}
	}
}

func less(a, b levelKey) bool { return a.store < b.store || a.store == b.store && a.sku < b.sku }

// flush writes the changed levels and the ledger rows (or adds those
// to s.later), then opens and closes low-stock alerts as
// the levels now stand.
func (s *stockTx) flush(ctx context.Context) error {
	if err := s.write(ctx); err != nil {
		return err
	}
	return s.db.settleLowStock(ctx, s.tx, s.levels, s.now)
}

// write writes the changed levels and the ledger rows (or adds those
// to s.later).
func (s *stockTx) write(ctx context.Context) error {
	// New levels are inserted apart from stored ones: a plain insert
	// fails, rather than overwrites, a level another transaction created
	// meanwhile (see loadLevels). Neither stamps a version: on SQLite the
	// change feed finds them by their ledger rows, on PostgreSQL a
	// trigger stamps them (ADR 0020).
	levelRow := `INSERT INTO inventory_levels (store_id, sku, on_hand, reserved, updated_at, last_snapshot_at, last_move_at)`
	up, added := sqldb.Rows{Cols: 7}, sqldb.Rows{Cols: 7}
	up.Grow(len(s.levels))
	for _, l := range s.levels {
		switch {
		case !l.dirty:
		case l.stored:
			up.Add(l.store, l.sku, l.onHand, l.reserved, l.updatedAt, sqldb.Nullable(l.lastSnapshot), sqldb.Nullable(l.lastMove))
		default:
			added.Add(l.store, l.sku, l.onHand, l.reserved, l.updatedAt, sqldb.Nullable(l.lastSnapshot), sqldb.Nullable(l.lastMove))
		}
	}
	err := s.db.sql.InsertRows(ctx, s.tx, levelRow, &up,
		`ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = excluded.on_hand, reserved = excluded.reserved,
			updated_at = excluded.updated_at, last_snapshot_at = excluded.last_snapshot_at, last_move_at = excluded.last_move_at`, nil)
	if err == nil {
		err = s.db.sql.InsertRows(ctx, s.tx, levelRow, &added, "", nil)
	}
	if err != nil {
		return err
	}
	// The ledger is appended, never read back in the transaction: its
	// rows may leave with the caller's batch.
	b := sqldb.Own(s.later)
	s.db.sql.AddRows(b, `INSERT INTO inventory_ledger (store_id, sku, cause, reference, reason, on_hand_delta, reserved_delta, at,
		occurred_at, quantity, status)`, &s.ledger, "")
	return s.db.sql.RunOwn(ctx, s.tx, s.later, b)
}

// levelColumns are the columns a level is read with for change: store,
// SKU, its own columns, then overrides (its safety stock, $1 by default,
// and low-stock threshold, by default the SKU's: see
// dialect.storeOverrides) and open low_stock alert (0 if none), for the
// level in table l (a name or an alias) of store and sku. The alert is
// looked up by a correlated subquery, which both databases run as one
// index probe per key whatever their statistics say; joined, a planner
// that believes alerts empty (a fresh database) scans every open alert
// once per key. The alert only for a stored level: one is opened only
// with its level, and levels are never deleted.
func levelColumns(l, store, sku, overrides string) string {
	return levelState(l, store, sku) + `, ` + overrides + `,
		CASE WHEN ` + l + `.updated_at IS NULL THEN 0 ELSE COALESCE((SELECT a.id FROM alerts a WHERE a.type = '` + AlertLowStock + `'
			AND a.store_id = ` + store + ` AND a.subject = ` + sku + ` AND a.closed_at IS NULL), 0) END`
}

// levelState is the first columns of levelColumns: store, SKU and the
// level's own columns.
func levelState(l, store, sku string) string {
	return store + `, ` + sku + `, ` + l + `.on_hand, ` + l + `.reserved, ` + l + `.updated_at, ` + l + `.last_snapshot_at, ` + l + `.last_move_at`
}

// safetyStock is the safety stock of store's sku: its override, else $1.
func safetyStock(store, sku string) string {
	return `COALESCE((SELECT o.safety_stock FROM store_skus o WHERE o.store_id = ` + store + ` AND o.sku = ` + sku + `), $1)`
}

// lowStockThreshold is the low-stock threshold of store's sku: its
// override, else threshold (the SKU's).
func lowStockThreshold(store, sku, threshold string) string {
	return `COALESCE((SELECT o.low_stock_threshold FROM store_skus o WHERE o.store_id = ` + store + ` AND o.sku = ` + sku + `), ` + threshold + `)`
}

// levelQuery reads the levels of the keys in table p(a, b), their SKUs'
// thresholds from skus k (dialect.skuThresholds).
func (db *Stock) levelQuery(table string) string {
	overrides, join := db.dialect.storeOverrides("p.a", "p.b", "k.low_stock_threshold")
	return `SELECT ` + levelColumns("l", "p.a", "p.b", overrides) + `
	FROM ` + table + ` p
	JOIN ` + db.dialect.skuThresholds("k") + ` ON k.sku = p.b
	LEFT JOIN inventory_levels l ON l.store_id = p.a AND l.sku = p.b` + join
}

// loadLevels reads the levels of keys with their safety stock, low-stock
// threshold and open low_stock alert, for change. On PostgreSQL the
// stored ones are locked first, in key order (the order every writer
// locks levels in, so writers queue rather than deadlock). A key whose
// SKU exists but has no level yet gets a new zero level, which flush
// inserts; should another transaction insert the same level first, that
// insert fails (or the level turns up unlocked) and write runs the
// transaction again (see LevelRace). A key whose SKU does not exist is
// left out.
func (db *Stock) loadLevels(ctx context.Context, tx *sql.Tx, keys []levelKey, now int64) (map[levelKey]*level, error) {
	var locked map[levelKey]bool
	if lock := db.dialect.LockRows("l"); lock != "" {
		table, args := db.dialect.keysTable(keys, 1)
		res, err := tx.QueryContext(ctx, `SELECT l.store_id, l.sku FROM inventory_levels l JOIN `+table+` p
			ON l.store_id = p.a AND l.sku = p.b ORDER BY l.store_id, l.sku`+lock, args...)
		if err != nil {
			return nil, err
		}
		locked = map[levelKey]bool{}
		for res.Next() {
			var k levelKey
			if err := res.Scan(&k.store, &k.sku); err != nil {
				res.Close()
				return nil, err
			}
			locked[k] = true
		}
		res.Close()
		if err := res.Err(); err != nil {
			return nil, err
		}
	}
	levels := make(map[levelKey]*level, len(keys))
	arena := make(levelArena, len(keys))
	for _, part := range db.dialect.keyParts(db.sql, keys) {
		table, args := db.dialect.keysTable(part, 2)
		res, err := db.sql.QueryTx(ctx, tx, db.levelQuery(table), append([]any{db.safetyStock}, args...)...)
		if err != nil {
			return nil, err
		}
		if err := scanLevels(res, levels, now, &arena); err != nil {
			return nil, err
		}
	}
	if locked == nil {
		return levels, nil
	}
	for k, l := range levels {
		if l.stored && !locked[k] {
			// Created and committed by another transaction between the
			// two statements: not locked, so not safe to change.
			return nil, errLevelRace
		}
	}
	return levels, nil
}

// errLevelRace is a transaction's loss of a race to create a level (see
// loadLevels): write runs the transaction again.
var errLevelRace = errors.New("storage: another transaction created a level meanwhile")

// LevelRace reports whether err is the failed insert of a level another
// transaction inserted first (see loadLevels): PostgreSQL only, as
// SQLite's one writer runs one transaction at a time. Exported for
// storage.Open, which has sqldb run such a write again
// (sqldb.Config.Retry): the next attempt finds the level.
func LevelRace(d sqldb.Dialect, err error) bool {
	if errors.Is(err, errLevelRace) {
		return true
	}
	detail, ok := d.UniqueViolation(err)
	return ok && strings.HasPrefix(detail, "inventory_levels_pkey")
}

// scanLevels reads rows of levelColumns into out and closes them. A key
// with no level yet gets a new zero level (dirty, to be inserted).
func scanLevels(res *sql.Rows, out map[levelKey]*level, now int64, arena *levelArena) error {
	defer res.Close()
	for res.Next() {
		l := arena.next()
		var onHand, reserved, updated, snap, move sql.NullInt64
		if err := res.Scan(&l.store, &l.sku, &onHand, &reserved, &updated, &snap, &move, &l.safety, &l.threshold, &l.alertID); err != nil {
			return err
		}
		l.onHand, l.reserved, l.updatedAt = onHand.Int64, reserved.Int64, updated.Int64
		l.lastSnapshot, l.lastMove = sqldb.NullInt(snap), sqldb.NullInt(move)
		l.stored = updated.Valid
		if !l.stored {
			l.updatedAt, l.dirty = now, true
		}
		out[l.levelKey] = l
	}
	return res.Err()
}

// levelArena hands out the levels of one read from one allocation: a
// POS batch reads thousands.
type levelArena []level

func (a *levelArena) next() *level {
	if len(*a) == 0 {
		return &level{}
	}
	l := &(*a)[0]
	*a = (*a)[1:]
	return l
}

func oneStore(keys []levelKey) bool {
	for _, k := range keys[1:] {
		if k.store != keys[0].store {
			return false
		}
	}
	return true
}

// storeSKUs lists the SKUs a store has levels of.
func storeSKUs(ctx context.Context, tx *sql.Tx, storeID string) ([]levelKey, error) {
	res, err := tx.QueryContext(ctx, `SELECT sku FROM inventory_levels WHERE store_id = $1`, storeID)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	var out []levelKey
	for res.Next() {
		k := levelKey{store: storeID}
		if err := res.Scan(&k.sku); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, res.Err()
}

// movesSince sums the changes of on_hand that happened at or after t
// (POS deltas as sent, adjustments, handoffs): what a snapshot taken at t
// could not have counted.
func movesSince(ctx context.Context, tx *sql.Tx, storeID, sku string, t int64) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(quantity), 0) FROM inventory_ledger
		WHERE store_id = $1 AND sku = $2 AND occurred_at >= $3 AND cause <> '`+CauseSnapshot+`' AND status = '`+EventApplied+`'`,
		storeID, sku, t).Scan(&n)
	return n, err
}

// laterMoves reads the sums of later moves a rule misses
// (inventory.Effects.Missing): one statement each, as a snapshot or
// count older than moves already applied is rare.
func laterMoves(ctx context.Context, tx *sql.Tx, need []inventory.Since) (map[inventory.Since]int64, error) {
	if len(need) == 0 {
		return nil, nil
	}
	out := make(map[inventory.Since]int64, len(need))
	for _, since := range need {
		n, err := movesSince(ctx, tx, since.Store, since.SKU, since.At)
		if err != nil {
			return nil, err
		}
		out[since] = n
	}
	return out, nil
}

// storeExists answers ENOTFOUND for an unknown store.
func (db *Stock) storeExists(ctx context.Context, tx *sql.Tx, storeID string) error {
	var one int
	err := db.sql.QueryRowTx(ctx, tx, `SELECT 1 FROM stores WHERE id = $1`, storeID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return sqldb.NotFound("store", storeID)
	}
	return err
}

// storeLockBuckets is how many store locks there are: stores share them
// by a hash of their id.
const storeLockBuckets = 64

// lockStores makes POS batches and whole-store counts of the same stores
// wait for each other: a batch takes its stores' locks shared, so any
// number of batches run side by side, and a count takes its store's lock
// exclusive, so it waits for the batches in flight and later ones wait
// for it. A batch reads its stores' last counts under the lock, so it
// never applies an event older than a count that commits after that
// read. Stores hash into storeLockBuckets locks, taken in bucket order:
// a batch spanning 4,000 stores takes at most 64, well within
// PostgreSQL's lock table, and a count also waits for batches of the
// other stores of its bucket. On SQLite, whose one writer already
// excludes every other write, it does nothing.
//
// Row locks on the stores' feed rows would do the same but for one
// thing: PostgreSQL grants a shared row lock at once whenever only
// shared lockers hold the row, so a count could wait for ever behind
// overlapping batches.
func (db *Stock) lockStores(ctx context.Context, tx *sql.Tx, storeIDs []string, exclusive bool) error {
	q := db.dialect.storeLocks(exclusive)
	if q == "" {
		return nil
	}
	var taken [storeLockBuckets]bool
	for _, id := range storeIDs {
		h := fnv.New32a()
		h.Write([]byte(id))
		taken[h.Sum32()%storeLockBuckets] = true
	}
	var buckets []int32
	for b, ok := range taken {
		if ok {
			buckets = append(buckets, int32(b))
		}
	}
	_, err := tx.ExecContext(ctx, q, buckets)
	return err
}

// CountStore sets a store's on-hand to a whole-store count taken at asOf,
// in one transaction: listed SKUs take their counted quantity, SKUs it
// leaves out go to zero, and only levels that change are written, each
// with its ledger row. Reserved quantities are untouched.
//
// The count is a snapshot of every SKU of the store as of asOf: changes
// that happened after asOf and were already applied are added back, a SKU
// with a POS snapshot newer than asOf keeps it, and POS events older than
// asOf arriving later are stale. A count older than the store's last
// count is stale itself and changes nothing.
func (db *Stock) CountStore(ctx context.Context, storeID string, asOf time.Time, counts []bopis.Count) (res bopis.CountResult, err error) {
	now, us := db.sql.NowMicros()
	lines := make([]bopis.CountLine, len(counts))
	for i, c := range counts {
		lines[i] = bopis.CountLine(c)
	}
	if err := bopis.ValidateStoreCount(asOf, lines, now); err != nil {
		return res, err
	}
	keys := make([]levelKey, len(counts))
	for i, c := range counts {
		keys[i] = levelKey{storeID, c.SKU}
	}
	err = db.sql.TransactAlone(ctx, func(tx *sql.Tx) error {
		res = bopis.CountResult{} // a retried transaction starts again
		if err := db.storeExists(ctx, tx, storeID); err != nil {
			return err
		}
		if err := db.lockStores(ctx, tx, []string{storeID}, true); err != nil {
			return err
		}
		var c sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT last_count_at FROM store_feeds WHERE store_id = $1`, storeID).Scan(&c); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// Every SKU counted, and every SKU the store has a level of.
		all, err := storeSKUs(ctx, tx, storeID)
		if err != nil {
			return err
		}
		have := make(map[levelKey]bool, len(all))
		for _, k := range all {
			have[k] = true
		}
		for _, k := range keys {
			if !have[k] {
				all = append(all, k)
			}
		}
		levels, err := db.loadLevels(ctx, tx, all, us)
		if err != nil {
			return err
		}
		count := inventory.Count{Store: storeID, AsOf: asOf, Lines: lines, LastCount: sqldb.NullInt(c), Levels: make(map[string]inventory.Level, len(levels))}
		for k, l := range levels {
			count.Levels[k.sku] = l.rules()
		}
		eff, err := inventory.ApplyCount(count, nil)
		if len(eff.Missing) > 0 {
			// Moves since the count was taken are added back.
			later, lerr := laterMoves(ctx, tx, eff.Missing)
			if lerr != nil {
				return lerr
			}
			if eff, err = inventory.ApplyCount(count, later); len(eff.Missing) > 0 {
				return fmt.Errorf("storage: later moves %v still missing", eff.Missing)
			}
		}
		if err != nil || eff.Stale {
			res.Stale = eff.Stale
			return err
		}
		res.Changed = eff.Changed
		s := db.stockTx(tx, us)
		s.record(eff.Ledger)
		s.levels = s.taken(eff.Levels, levels)
		if _, err := tx.ExecContext(ctx, `INSERT INTO store_feeds (store_id, last_count_at) VALUES ($1, $2)
			ON CONFLICT (store_id) DO UPDATE SET last_count_at = excluded.last_count_at`, storeID, sqldb.Micros(asOf)); err != nil {
			return err
		}
		if err := s.write(ctx); err != nil {
			return err
		}
		opening, closing := alertLevels(eff.Alerts, levels)
		return db.writeLowStock(ctx, tx, opening, closing, us)
	})
	if err != nil {
		return bopis.CountResult{}, err
	}
	return res, nil
}

func (l *level) public() bopis.Level {
	return bopis.Level{SKU: l.sku, OnHand: l.onHand, Reserved: l.reserved, SafetyStock: l.safety,
		Available: l.available(), UpdatedAt: sqldb.FromMicros(l.updatedAt)}
}

// Levels returns a store's stock of the given SKUs (all SKUs when skus is
// empty), ordered by SKU. Safety stock is the store's override, else the
// configured default.
func (db *Stock) Levels(ctx context.Context, storeID string, skus []string) ([]bopis.Level, error) {
	q := `SELECT l.sku, l.on_hand, l.reserved, COALESCE(o.safety_stock, $2), l.updated_at
		FROM inventory_levels l LEFT JOIN store_skus o ON o.store_id = l.store_id AND o.sku = l.sku
		WHERE l.store_id = $1`
	args := []any{storeID, db.safetyStock}
	if len(skus) > 0 {
		q += ` AND l.sku ` + db.dialect.InList("$3")
		args = append(args, sqldb.JSONList(skus))
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY l.sku`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []bopis.Level{}
	for rows.Next() {
		var l bopis.Level
		var updated int64
		if err := rows.Scan(&l.SKU, &l.OnHand, &l.Reserved, &l.SafetyStock, &updated); err != nil {
			return nil, err
		}
		l.Available = bopis.Available(l.OnHand, l.Reserved, l.SafetyStock)
		l.UpdatedAt = sqldb.FromMicros(updated)
		out = append(out, l)
	}
	return out, rows.Err()
}

// Ledger returns one page of a store's ledger in the order it was written,
// for one SKU or (sku "") all. The rows of remembered POS events that
// changed nothing (stale, or a snapshot that confirmed the level) are
// left out.
func (db *Stock) Ledger(ctx context.Context, storeID, sku string, p bopis.Page) ([]bopis.LedgerEntry, string, error) {
	after, err := p.After()
	if err != nil {
		return nil, "", err
	}
	afterID, _ := strconv.ParseInt(after, 10, 64)
	rows, err := db.r.QueryContext(ctx, `SELECT id, store_id, sku, cause, reference, reason, on_hand_delta, reserved_delta, at
		FROM inventory_ledger WHERE store_id = $1 AND ($2 = '' OR sku = $2) AND id > $3
			AND (on_hand_delta <> 0 OR reserved_delta <> 0)
		ORDER BY id LIMIT `+strconv.Itoa(p.Size()), storeID, sku, afterID)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []bopis.LedgerEntry{}
	for rows.Next() {
		var e bopis.LedgerEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.StoreID, &e.SKU, &e.Cause, &e.Reference, &e.Reason, &e.OnHandDelta, &e.ReservedDelta, &at); err != nil {
			return nil, "", err
		}
		e.At = sqldb.FromMicros(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, "", err
	}
	return out, sqldb.NextCursor(len(out), p.Size(), strconv.FormatInt(out[len(out)-1].ID, 10)), nil
}

// Adjust corrects a store's on-hand of a SKU by a.Delta (never below 0),
// with its ledger row. With idem, a repeat of the same request answers
// the first result (replayed true) and changes nothing.
func (db *Stock) Adjust(ctx context.Context, storeID string, a bopis.Adjustment, idem *bopis.Idempotency) (res *bopis.AdjustmentResult, replayed bool, err error) {
	if err := a.Validate(); err != nil {
		return nil, false, err
	}
	now, us := db.sql.NowMicros()
	first := &bopis.AdjustmentResult{}
	if idem != nil {
		if found, err := idempotency.Lookup(ctx, db.sql, idem, first); err != nil || found {
			return first, found, err
		}
	}
	return idempotency.Keyed(ctx, db.sql, sqldb.Shared, idem, func(tx *sql.Tx, _ *sqldb.Batch) (*bopis.AdjustmentResult, error) {
		if err := db.storeExists(ctx, tx, storeID); err != nil {
			return nil, err
		}
		key := []levelKey{{storeID, a.SKU}}
		levels, err := db.loadLevels(ctx, tx, key, us)
		if err != nil {
			return nil, err
		}
		l := levels[key[0]]
		if l == nil {
			return nil, &bopis.Error{Code: bopis.EINVALID, Message: "adjustment is invalid",
				Fields: []bopis.FieldError{{Path: "sku", Message: fmt.Sprintf("no SKU %q", a.SKU)}}}
		}
		s := db.stockTx(tx, us)
		s.track(levels)
		before := l.onHand
		v, e := inventory.Adjust(l.key(), l.rules(), a, us)
		s.add(e)
		l.take(v, us)
		if err := s.flush(ctx); err != nil {
			return nil, err
		}
		return &bopis.AdjustmentResult{StoreID: storeID, Adjustment: a, Applied: l.onHand - before, At: now, Level: l.public()}, nil
	})
}
