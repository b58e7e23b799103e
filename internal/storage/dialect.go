package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"

	"github.com/bopis/bopis/internal/sqldb"
)

// dialect is the database's sqldb.Dialect under the names storage's SQL
// has always called it by, and storage's own differences (ownDialect).
type dialect struct {
	sqldb.Dialect
	ownDialect
}

// newDialect is d with storage's differences for that database.
func newDialect(d sqldb.Dialect) dialect {
	if d.Name() == "sqlite" {
		return dialect{d, sqliteDialect{}}
	}
	return dialect{d, postgresDialect{}}
}

func (d dialect) name() string                             { return d.Name() }
func (d dialect) skipLocked() string                       { return d.SkipLocked() }
func (d dialect) lockRows(table string) string             { return d.LockRows(table) }
func (d dialect) shareRows(tables string) string           { return d.ShareRows(tables) }
func (d dialect) uniqueViolation(err error) (string, bool) { return d.UniqueViolation(err) }
func (d dialect) foreignKeyViolation(err error) bool       { return d.ForeignKeyViolation(err) }
func (d dialect) jsonTextArray(param string) string        { return d.JSONTextArray(param) }
func (d dialect) inList(param string) string               { return d.InList(param) }
func (d dialect) snapshotTx() *sql.TxOptions               { return d.SnapshotTx() }
func (d dialect) positional() bool                         { return d.Positional() }

// ownDialect is what differs between the databases in storage's own SQL.
type ownDialect interface {
	// keysTable is keys as a table expression with two text columns, a
	// (store) and b (SKU, or another id), and its arguments, numbered
	// from $first: each dialect has the form its engine reads fastest.
	// On SQLite a non-empty part of keys at a time (see keyParts).
	keysTable(keys []levelKey, first int) (string, []any)
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
	// if exclusive (see DB.lockStores). "" where one writer excludes
	// every other write anyway (SQLite).
	storeLocks(exclusive bool) string
	// versionSet is ", version = …" for an UPDATE's SET (or an upsert's
	// DO UPDATE SET) of a table in the change feed, and versionBump the
	// statement to run after it (see DB.bumpVersions); both "" where
	// triggers stamp every row anyway (PostgreSQL).
	versionSet() string
	versionBump() string
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
		return "(SELECT ? AS a, column1 AS b FROM (VALUES " + placeholders(len(keys), 1, true) + "))", args
	}
	args := make([]any, 0, 2*len(keys))
	for _, k := range keys {
		args = append(args, k.store, k.sku)
	}
	return "(SELECT column1 AS a, column2 AS b FROM (VALUES " + placeholders(len(keys), 2, true) + "))", args
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

// versionSet stamps the rows of one statement with the change counter
// plus one: above every horizon a reader has taken (changefeed), and
// above the counter, which the trigger of migration 00010 reads as
// "already stamped".
func (sqliteDialect) versionSet() string { return ", version = (SELECT v FROM change_seq) + 1" }

func (sqliteDialect) versionBump() string { return "UPDATE change_seq SET v = v + 1" }

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
		[]any{jsonList(skus), keys[0].store}
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

func (postgresDialect) versionSet() string  { return "" }
func (postgresDialect) versionBump() string { return "" }

// bumpVersions ends a statement whose SET carried dialect.versionSet:
// the change counter moves up to the version its rows got, so rows
// written later get a higher one (SQLite; nothing on PostgreSQL).
func (db *DB) bumpVersions(ctx context.Context, tx *sql.Tx) error {
	q := db.dialect.versionBump()
	if q == "" {
		return nil
	}
	_, err := db.execTx(ctx, tx, q)
	return err
}
