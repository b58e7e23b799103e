package stock

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"

	"github.com/bopis/bopis/internal/sqldb"
)

// dialect is the database's sqldb.Dialect and what differs between the
// databases in the stock's own SQL (stockDialect): here, and nowhere
// else in the package, SQLite and PostgreSQL part ways.
type dialect struct {
	sqldb.Dialect
	stockDialect
}

// newDialect is d with the stock's differences for that database.
func newDialect(d sqldb.Dialect) dialect {
	if d.Name() == "sqlite" {
		return dialect{d, sqliteDialect{}}
	}
	return dialect{d, postgresDialect{}}
}

// stockDialect is what differs between the databases in the stock's SQL:
// where each engine is faster another way (SQLite's one writer in
// process, PostgreSQL's server a round trip away), and the store locks,
// which only PostgreSQL's concurrent writers need.
type stockDialect interface {
	// keysTable is keys as a table expression with two text columns, a
	// (store) and b (SKU, or another id), and its arguments, numbered
	// from $first: each dialect has the form its engine reads fastest.
	// A part of keys at a time (see keyParts).
	keysTable(keys []levelKey, first int) (string, []any)
	// keyParts cuts keys into the non-empty parts keysTable takes at once.
	keyParts(db *sqldb.DB, keys []levelKey) [][]levelKey
	// skuThresholds is the skus table, named alias, as read for SKUs'
	// low-stock thresholds alone, by sku.
	skuThresholds(alias string) string
	// storeOverrides reads store's overrides of sku for a query over
	// keys: columns, its safety stock ($1 by default) and low-stock
	// threshold (threshold by default), and join, what the query's FROM
	// needs for them (maybe nothing).
	storeOverrides(store, sku, threshold string) (columns, join string)
	// storeLocks is a statement that takes the store locks listed in $1
	// (an array of int) until the transaction ends: shared, or exclusive
	// if exclusive (see Stock.lockStores). "" where one writer excludes
	// every other write anyway (SQLite).
	storeLocks(exclusive bool) string
	// feedRows is a statement that counts the feed rows, where a POS
	// batch naming many stores reads them all in one pass rather than
	// looking its own up (see Stock.scanFeeds); "" where it never does.
	feedRows() string
	// openLowStock opens a low_stock alert for each of levels, with the
	// detail detail writes, setting its alertID, or 0 where one was open
	// already (see Stock.openLowStock).
	openLowStock(ctx context.Context, db *sqldb.DB, tx *sql.Tx, levels []*level, now int64, detail func(*level) string) error
	// reserveStatement is the statement that reserves p's SKUs at a
	// store (see Stock.reserveStatement), over d's row locks: on
	// PostgreSQL the levels locked first, in SKU order, on SQLite none.
	reserveStatement(d sqldb.Dialect, p reserveParts) string
}

type sqliteDialect struct{}

func (sqliteDialect) storeLocks(bool) string { return "" }

// keysTable is keys as rows of bound parameters, for one store its id
// and a SKU a row (at most a chunk's worth, see keyParts). Binding a
// key's parameters cost the writer under a quarter of what json_each
// took to parse the key and hand it back as new strings (a POS batch's
// levels' read spent ~15% of its time in json_each). The parameters are
// anonymous (?): SQLite numbers each one past the highest before it, so
// a statement that names $1 to $first-1 before the table has its keys
// from $first. Named ones ($n) would each cost a search of every name at
// every bind.
func (sqliteDialect) keysTable(keys []levelKey, first int) (string, []any) {
	if len(keys) > 0 && oneStore(keys) {
		args := make([]any, 0, len(keys)+1)
		args = append(args, keys[0].store)
		for _, k := range keys {
			args = append(args, k.sku)
		}
		return "(SELECT ? AS a, column1 AS b FROM (VALUES " + sqldb.Placeholders(len(keys), 1, true) + "))", args
	}
	args := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		args = append(args, k.store, k.sku)
	}
	return "(SELECT column1 AS a, column2 AS b FROM (VALUES " + sqldb.Placeholders(len(keys), 2, true) + "))", args
}

// skuThresholds reads a SKU's threshold from an index that holds it
// (migration 00017): one search instead of the key's and then the row's.
// SQLite's planner, with no statistics, prefers the primary key's unique
// index over it, hence INDEXED BY.
func (sqliteDialect) skuThresholds(alias string) string {
	return "skus AS " + alias + " INDEXED BY skus_threshold"
}

// storeOverrides are one join: SQLite, with no statistics, probes the
// primary key for each key, once for both columns, with a cursor opened
// once for the statement. As two correlated subqueries it opened and
// closed a cursor twice per key (~10% of a POS batch's levels' read).
func (sqliteDialect) storeOverrides(store, sku, threshold string) (columns, join string) {
	return `COALESCE(o.safety_stock, $1), COALESCE(o.low_stock_threshold, ` + threshold + `)`,
		` LEFT JOIN store_skus o ON o.store_id = ` + store + ` AND o.sku = ` + sku
}

// keyParts are the sizes of sqldb's chunks: each size is a statement
// prepared once.
func (sqliteDialect) keyParts(db *sqldb.DB, keys []levelKey) [][]levelKey {
	parts := make([][]levelKey, 0, 8)
	for _, n := range db.Chunks(len(keys)) {
		parts, keys = append(parts, keys[:n]), keys[n:]
	}
	return parts
}

// feedRows counts the rows by their highest rowid, one search: feed rows
// are never deleted. A pass over them costs SQLite less than a search a
// store (each a walk from the root through pages of text keys, ~1 µs)
// once a batch names a quarter of them.
func (sqliteDialect) feedRows() string { return `SELECT coalesce(max(rowid), 0) FROM store_feeds` }

// openLowStock: SQLite's one writer numbers the alerts itself, past the
// highest number the table has given (AUTOINCREMENT's sqlite_sequence),
// and inserts them without RETURNING, which buffered and handed back a
// row per alert (~15% of opening them).
func (sqliteDialect) openLowStock(ctx context.Context, db *sqldb.DB, tx *sql.Tx, levels []*level, now int64, detail func(*level) string) error {
	var next int64
	if err := db.QueryRowTx(ctx, tx, `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'alerts'), 0) + 1`).Scan(&next); err != nil {
		return err
	}
	open := sqldb.Rows{Cols: 6}
	open.Grow(len(levels))
	for i, l := range levels {
		l.alertID = next + int64(i)
		open.Add(l.alertID, AlertLowStock, l.store, l.sku, detail(l), now)
	}
	if err := db.InsertRows(ctx, tx, `INSERT INTO alerts (id, type, store_id, subject, detail, opened_at)`, &open,
		`ON CONFLICT DO NOTHING`, nil); err != nil {
		return err
	}
	// A level whose alert is open already (a reservation does not
	// read it) got no new one: rare, so looked for only then.
	var opened int
	if err := db.QueryRowTx(ctx, tx, `SELECT count(*) FROM alerts WHERE id >= $1`, next).Scan(&opened); err != nil || opened == len(levels) {
		return err
	}
	res, err := db.QueryTx(ctx, tx, `SELECT id FROM alerts WHERE id >= $1`, next)
	if err != nil {
		return err
	}
	defer res.Close()
	made := map[int64]bool{}
	for res.Next() {
		var id int64
		if err := res.Scan(&id); err != nil {
			return err
		}
		made[id] = true
	}
	for _, l := range levels {
		if !made[l.alertID] {
			l.alertID = 0
		}
	}
	return res.Err()
}

// reserveStatement is one UPDATE: SQLite has one writer, so there is
// nothing to lock, and the rules read as they
// stand. The quantity is a CASE over parameters, not a join: SQLite
// would plan UPDATE … FROM as a scan of the store's levels. (No alias
// for the table: SQLite's RETURNING knows only its name.)
func (sqliteDialect) reserveStatement(_ sqldb.Dialect, p reserveParts) string {
	q := "CASE inventory_levels.sku" + p.qty + " END"
	rules := ``
	if p.forPickup {
		rules = `
		AND EXISTS (SELECT 1 FROM stores s, skus k WHERE s.id = $2 AND k.sku = inventory_levels.sku
			AND ` + pickupEligible("s", "k", "$2", "inventory_levels.sku") + `)`
	}
	return `UPDATE inventory_levels SET reserved = inventory_levels.reserved + ` + q + `, updated_at = $3
		WHERE inventory_levels.store_id = $2 AND inventory_levels.sku IN (` + p.in + `)
		AND inventory_levels.on_hand - inventory_levels.reserved - ` + reserveBuffer + `
			- ` + safetyStock("$2", "inventory_levels.sku") + ` >= ` + q + rules + `
		RETURNING ` + reservedLevel() + `, ` + safetyStock("$2", "inventory_levels.sku") + `, ` + skuThreshold("inventory_levels.sku") + `, 0`
}

type postgresDialect struct{}

// storeOverrides are correlated subqueries, which PostgreSQL runs as an
// index probe per key whatever its statistics say of store_skus; joined,
// a planner that believes the table empty may scan it once per key.
func (postgresDialect) storeOverrides(store, sku, threshold string) (columns, join string) {
	return safetyStock(store, sku) + `, ` + lowStockThreshold(store, sku, threshold), ""
}

func (postgresDialect) skuThresholds(alias string) string { return "skus AS " + alias }

// storeLockClass is the first key of bopis's store locks, advisory
// locks of two keys: PostgreSQL keeps those apart from one-key locks,
// and the class keeps them apart from another two-key user of the same
// database.
const storeLockClass = "1651470438" // "bopf"

// storeLocks takes advisory locks in the order of $1 (unnest yields the
// array in order). PostgreSQL queues them fairly: a shared request waits
// behind an exclusive one already waiting, so a count is never starved
// by a stream of batches.
func (postgresDialect) storeLocks(exclusive bool) string {
	f := "pg_advisory_xact_lock_shared"
	if exclusive {
		f = "pg_advisory_xact_lock"
	}
	return "SELECT " + f + "(" + storeLockClass + ", b) FROM unnest($1::int[]) AS b"
}

// keysTable is keys as JSON: for keys of one store (the usual case) the
// store id and a list of SKUs, else a list of pairs.
func (postgresDialect) keysTable(keys []levelKey, first int) (string, []any) {
	p1, p2 := "$"+strconv.Itoa(first), "$"+strconv.Itoa(first+1)
	if len(keys) == 0 || !oneStore(keys) {
		return "(SELECT p.v->>0 AS a, p.v->>1 AS b FROM jsonb_array_elements(" + p1 + "::jsonb) AS p(v))", []any{arrayPairs(keys)}
	}
	skus := make([]string, len(keys))
	for i, k := range keys {
		skus[i] = k.sku
	}
	return `(SELECT CAST(` + p2 + ` AS TEXT) AS a, value AS b FROM jsonb_array_elements_text(` + p1 + `::jsonb) AS value)`,
		[]any{sqldb.JSONList(skus), keys[0].store}
}

// arrayPairs encodes keys for PostgreSQL's keysTable, as
// [["store", "sku"], …]: one set-returning function, whose row estimate
// keeps the plans probing indexes (the grouped form's two nested ones
// made the planner expect 10,000 rows: a POS batch -10-25%).
func arrayPairs(keys []levelKey) string {
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.store, k.sku}
	}
	b, _ := json.Marshal(pairs)
	return string(b)
}

// keyParts is all of keys: keysTable is one JSON parameter however
// many they are.
func (postgresDialect) keyParts(_ *sqldb.DB, keys []levelKey) [][]levelKey { return [][]levelKey{keys} }

// feedRows is "": PostgreSQL looks a batch's stores up by their key,
// however many.
func (postgresDialect) feedRows() string { return "" }

// openLowStock inserts the alerts, each numbered by its sequence, and
// RETURNING says which went in: concurrent writers may open the same.
func (postgresDialect) openLowStock(ctx context.Context, db *sqldb.DB, tx *sql.Tx, levels []*level, now int64, detail func(*level) string) error {
	open := sqldb.Rows{Cols: 5}
	open.Grow(len(levels))
	byKey := make(map[levelKey]*level, len(levels))
	for _, l := range levels {
		open.Add(AlertLowStock, l.store, l.sku, detail(l), now)
		byKey[l.levelKey] = l
	}
	return db.InsertRows(ctx, tx, `INSERT INTO alerts (type, store_id, subject, detail, opened_at)`, &open,
		`ON CONFLICT DO NOTHING RETURNING id, store_id, subject`, func(r *sql.Rows) error {
			var id int64
			var k levelKey
			if err := r.Scan(&id, &k.store, &k.sku); err != nil {
				return err
			}
			byKey[k].alertID = id
			return nil
		})
}

// reserveStatement locks the levels first: PostgreSQL locks the rows
// an UPDATE of several changes in the
// order its plan meets them. The sub-select locks them first, in
// SKU order, the order every writer locks levels in, so writers
// queue rather than deadlock: whatever the plan, each new lock is
// taken by it in that order, before the UPDATE changes the row.
// One statement instead of a locking SELECT and the UPDATE saves
// a round trip (ADR 0012). A row another transaction changed
// while this one waited is re-checked against the conditions
// below before it is updated, so nothing is oversold; one that the
// other made sufficient only then reads as short (a 409 at the
// instant of a restock, never an oversell). The sub-select also
// reads each level's quantity, safety stock and threshold once,
// for the condition and the answer both; by correlated subqueries,
// which run as index probes whatever the statistics say (see
// levelColumns).
func (postgresDialect) reserveStatement(d sqldb.Dialect, p reserveParts) string {
	lock := d.LockRows("l")
	threshold := skuThreshold
	from, where := `inventory_levels l`, ``
	if p.forPickup {
		// The SKU's row is joined for the rules: its threshold comes with it.
		threshold = func(sku string) string { return lowStockThreshold("$2", sku, `k.low_stock_threshold`) }
		from = `inventory_levels l JOIN stores s ON s.id = l.store_id JOIN skus k ON k.sku = l.sku`
		// k.sku in the list as well as l's: the generic plan then
		// probes skus by its key, rather than hashing the whole table.
		where = ` AND k.sku IN (` + p.in + `) AND ` + pickupEligible("s", "k", "$2", "l.sku")
		lock += d.ShareRows("s, k")
	}
	return `UPDATE inventory_levels SET reserved = inventory_levels.reserved + q.qty, updated_at = $3
	FROM (SELECT l.sku, CASE l.sku` + p.qty + ` END AS qty, ` + safetyStock("$2", "l.sku") + ` AS safety,
			` + threshold("l.sku") + ` AS threshold
		FROM ` + from + ` WHERE l.store_id = $2 AND l.sku IN (` + p.in + `)` + where + `
		ORDER BY l.sku` + lock + `) q
	WHERE inventory_levels.store_id = $2 AND inventory_levels.sku = q.sku
	AND inventory_levels.on_hand - inventory_levels.reserved - ` + reserveBuffer + ` - q.safety >= q.qty
	RETURNING ` + reservedLevel() + `, q.safety, q.threshold, 0`
}
