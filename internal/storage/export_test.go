package storage

import (
	"context"
	"database/sql"
	"testing"

	"github.com/bopis/bopis"
)

// Tx exposes the write transaction to the tests of package storage_test.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.sql.Transact(ctx, fn)
}

// Groups is how many group commits the SQLite writer made (0 without group commit).
func (db *DB) Groups() int64 { return db.sql.GroupCommits() }

// Queued is how many writes wait for the SQLite writer (0 without group commit).
func (db *DB) Queued() int { return db.sql.QueuedWrites() }

// TxAlone exposes the write transaction of big writes.
func (db *DB) TxAlone(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.sql.TransactAlone(ctx, fn)
}

// MigratedTo is cfg with its migrations stopped at version.
func MigratedTo(cfg Config, version int64) Config {
	cfg.migrateTo = version
	return cfg
}

// PickupRefusal exposes the rules of pickup as the Go side applies them
// (see stock.Stock.PickupRefusalTx), in a transaction of its own.
func (db *DB) PickupRefusal(ctx context.Context, storeID string, lines []bopis.ReserveLine) (err error) {
	terr := db.sql.Transact(ctx, func(tx *sql.Tx) error {
		err = db.Stock.PickupRefusalTx(ctx, tx, storeID, lines, true)
		return nil
	})
	if terr != nil {
		return terr
	}
	return err
}

// WriterPragma reads a pragma on the writer's connection (SQLite).
func (db *DB) WriterPragma(t testing.TB, name string) string {
	t.Helper()
	var v string
	if err := db.w.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
