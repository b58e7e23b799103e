package storage

import (
	"context"
	"database/sql"
)

// Tx exposes the write transaction to the tests of package storage_test.
func (db *DB) Tx(ctx context.Context, fn func(tx *sql.Tx) error) error { return db.tx(ctx, fn) }

// Groups is how many group commits the SQLite writer made (0 without group commit).
func (db *DB) Groups() int64 {
	if db.group == nil {
		return 0
	}
	return db.group.groups.Load()
}

// TxAlone exposes the write transaction of big writes.
func (db *DB) TxAlone(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.txAlone(ctx, fn)
}
