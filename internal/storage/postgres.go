package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// openPostgres opens a pool through pgx's own database/sql driver
// (pgx/v5/stdlib). database/sql sends BEGIN, each statement and COMMIT
// as it is told; pgx prepares each statement's text once per connection
// and keeps it (its statement cache), so bopis prepares nothing itself
// on PostgreSQL. Sessions keep the server's settings: a commit answers
// once durable as long as synchronous_commit is not off (on is
// PostgreSQL's default; see the README). Several bopis processes may
// share the database: every rule that must hold across them is enforced
// in SQL.
func openPostgres(ctx context.Context, url string, maxConns int) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := sql.OpenDB(stdlib.GetConnector(*cfg))
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return db, nil
}

type postgresDialect struct{}

func (postgresDialect) name() string                { return "postgres" }
func (postgresDialect) gooseDialect() goose.Dialect { return goose.DialectPostgres }

// migrationOptions takes a session lock so that processes starting
// together apply each migration once.
func (postgresDialect) migrationOptions() ([]goose.ProviderOption, error) {
	l, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return []goose.ProviderOption{goose.WithSessionLocker(l)}, nil
}

func (postgresDialect) uniqueViolation(err error) (string, bool) {
	var e *pgconn.PgError
	if errors.As(err, &e) && e.Code == "23505" {
		return e.ConstraintName + " " + e.Detail, true
	}
	return "", false
}

func (postgresDialect) foreignKeyViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23503"
}

func (postgresDialect) jsonTextArray(param string) string {
	return "jsonb_array_elements_text(" + param + "::jsonb) AS value"
}

func (postgresDialect) inList(param string) string {
	return "= ANY(ARRAY(SELECT jsonb_array_elements_text(" + param + "::jsonb)))"
}

// lockRows takes row locks, so that two transactions changing the same
// levels queue instead of both computing from the same old value.
func (postgresDialect) lockRows(table string) string { return " FOR UPDATE OF " + table }

func (postgresDialect) shareRows(tables string) string { return " FOR SHARE OF " + tables }

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

func (postgresDialect) skipLocked() string { return " FOR UPDATE SKIP LOCKED" }

func (postgresDialect) snapshotTx() *sql.TxOptions {
	return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
}

func (postgresDialect) changeHorizon() string {
	return "SELECT txid_snapshot_xmin(txid_current_snapshot())"
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

func (postgresDialect) positional() bool { return false }

func (postgresDialect) versionSet() string  { return "" }
func (postgresDialect) versionBump() string { return "" }

func (postgresDialect) levelsByLedger() bool { return false }
