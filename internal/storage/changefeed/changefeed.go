// Package changefeed reads what changed since a watermark, from one
// snapshot, for the read model: stores, SKUs, overrides, stock levels,
// feed times and slot bookings. Writers stamp versions (triggers, or on
// SQLite the hot writers once per statement: ADR 0011); on SQLite levels
// are found by the ledger rows written since (ADR 0020). See ADR 0003.
package changefeed

import (
	"context"
	"database/sql"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
	"github.com/bopis/bopis/internal/storage/catalog"
)

// Changes is the change feed of db.
type Changes struct {
	db *sqldb.DB
}

// New is the change feed of db.
func New(db *sqldb.DB) *Changes { return &Changes{db: db} }

// Watermark is how far a reader has read the change feed; the zero
// Watermark reads everything.
type Watermark struct {
	version int64 // rows of a version below it were read (see feedDialect.horizon)
	ledger  int64 // where levels are found by the ledger: its rows up to this id were read
}

// ReadChanges hands sink every store, SKU, override, stock level and feed
// time written since the watermark, from one consistent snapshot, and
// returns the watermark to read from next: the horizon below which every
// writer has finished (on PostgreSQL the oldest running transaction, on
// SQLite the change counter). Rows at or above it are handed over now
// and again next time, so nothing waits for a slow transaction elsewhere
// and nothing committed late is skipped; applying a row twice is harmless.
// After a read that succeeded it calls sink.Apply.
//
// On SQLite a level carries no version: the levels read are those the
// ledger rows written since name (every change of on_hand or reserved
// writes one, in the same transaction), and the next watermark holds the
// last ledger row read (ADR 0020).
func (c *Changes) ReadChanges(ctx context.Context, since Watermark, sink bopis.ChangeSink) (Watermark, error) {
	tx, err := c.db.Readers().BeginTx(ctx, c.db.Dialect().SnapshotTx())
	if err != nil {
		return since, err
	}
	defer tx.Rollback()
	var next Watermark
	if err := tx.QueryRowContext(ctx, dialectOf(c.db.Dialect()).horizon).Scan(&next.version); err != nil {
		return since, err
	}
	// The first read (since zero) takes every level; on SQLite, later ones
	// take those the ledger rows written since name.
	levels, levelsSince := `SELECT store_id, sku, on_hand, reserved FROM inventory_levels WHERE version >= $1`, since.version
	if dialectOf(c.db.Dialect()).levelsByLedger {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM inventory_ledger`).Scan(&next.ledger); err != nil {
			return since, err
		}
		if since.version > 0 {
			levels = `SELECT store_id, sku, on_hand, reserved FROM inventory_levels
				WHERE (store_id, sku) IN (SELECT store_id, sku FROM inventory_ledger WHERE id > $1)`
			levelsSince = since.ledger
		}
	}
	// Stores and SKUs first: the read model drops levels it cannot place.
	if err := each(ctx, tx, `SELECT `+catalog.StoreColumns+` FROM stores WHERE version >= $1`, since.version,
		func(r *sql.Rows) error {
			s, err := catalog.ScanStore(r)
			if err == nil {
				sink.PutStore(*s)
			}
			return err
		}); err != nil {
		return since, err
	}
	if err := each(ctx, tx, `SELECT `+catalog.SKUColumns+` FROM skus WHERE version >= $1`, since.version,
		func(r *sql.Rows) error {
			k, err := catalog.ScanSKU(r)
			if err == nil {
				sink.PutSKU(*k)
			}
			return err
		}); err != nil {
		return since, err
	}
	if err := each(ctx, tx, `SELECT `+catalog.StoreSKUColumns+` FROM store_skus WHERE version >= $1`, since.version,
		func(r *sql.Rows) error {
			o, err := catalog.ScanStoreSKU(r)
			if err == nil {
				var safety *int64
				if o.SafetyStock != nil {
					n := int64(*o.SafetyStock)
					safety = &n
				}
				sink.PutOverride(o.StoreID, o.SKU, o.PickupEligible, safety)
			}
			return err
		}); err != nil {
		return since, err
	}
	if err := each(ctx, tx, `SELECT store_id, sku FROM store_sku_removals WHERE version >= $1
		AND NOT EXISTS (SELECT 1 FROM store_skus o WHERE o.store_id = store_sku_removals.store_id AND o.sku = store_sku_removals.sku)`,
		since.version, func(r *sql.Rows) error {
			var store, sku string
			err := r.Scan(&store, &sku)
			if err == nil {
				sink.PutOverride(store, sku, nil, nil)
			}
			return err
		}); err != nil {
		return since, err
	}
	if err := each(ctx, tx, levels, levelsSince, func(r *sql.Rows) error {
		var store, sku string
		var onHand, reserved int64
		err := r.Scan(&store, &sku, &onHand, &reserved)
		if err == nil {
			sink.PutLevel(store, sku, onHand, reserved)
		}
		return err
	}); err != nil {
		return since, err
	}
	if err := each(ctx, tx, `SELECT store_id, last_event_at FROM store_feeds
		WHERE version >= $1 AND last_event_at IS NOT NULL`,
		since.version, func(r *sql.Rows) error {
			var store string
			var at int64
			err := r.Scan(&store, &at)
			if err == nil {
				sink.PutFeed(store, sqldb.FromMicros(at))
			}
			return err
		}); err != nil {
		return since, err
	}
	// Bookings of slots that are over matter to no one. The cutoff is a
	// parameter, so the statement's text stays the same (and prepared).
	over := c.db.Now().Add(-24 * time.Hour).Unix()
	if err := each(ctx, tx, `SELECT store_id, slot_start, booked FROM slot_bookings
		WHERE version >= $1 AND slot_start >= $2`,
		since.version, func(r *sql.Rows) error {
			var store string
			var start int64
			var n int
			err := r.Scan(&store, &start, &n)
			if err == nil {
				sink.PutBooking(store, start, n)
			}
			return err
		}, over); err != nil {
		return since, err
	}
	if err := tx.Commit(); err != nil {
		return since, err
	}
	sink.Apply()
	return next, nil
}

// each runs query in tx, its $1 since and any further parameters args,
// and fn on each row.
func each(ctx context.Context, tx *sql.Tx, query string, since int64, fn func(*sql.Rows) error, args ...any) error {
	rows, err := tx.QueryContext(ctx, query, append([]any{since}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// feedDialect is where the databases differ for the change feed: on
// SQLite one writer numbers every change, so a counter is the horizon
// and the hot writers stamp versions themselves, once per statement; on
// PostgreSQL concurrent writers commit out of order, so the oldest
// running transaction is the horizon and triggers stamp every row.
type feedDialect struct {
	// horizon selects the exclusive upper bound of the feed a reader may
	// take now: the change counter plus one, or the oldest running
	// transaction.
	horizon string
	// levelsByLedger is whether the feed finds the levels that changed
	// by the ledger rows written since (SQLite, whose one writer numbers
	// them in commit order) rather than by a version on each level
	// (PostgreSQL). See ADR 0020.
	levelsByLedger bool
	// versionSet and versionBump: see VersionSet and VersionBump.
	versionSet, versionBump string
}

func dialectOf(d sqldb.Dialect) feedDialect {
	if d.Name() == "sqlite" {
		return feedDialect{horizon: "SELECT v + 1 FROM change_seq", levelsByLedger: true,
			versionSet: ", version = (SELECT v FROM change_seq) + 1", versionBump: "UPDATE change_seq SET v = v + 1"}
	}
	return feedDialect{horizon: "SELECT txid_snapshot_xmin(txid_current_snapshot())"}
}

// VersionSet is ", version = …" for an UPDATE's SET (or an upsert's DO
// UPDATE SET) of a table in the feed: on SQLite the hot writers stamp
// the rows of one statement with the change counter plus one, above
// every horizon a reader has taken and above the counter, which the
// trigger of migration 00010 reads as "already stamped" (ADR 0011).
// "" on PostgreSQL, whose triggers stamp every row.
func VersionSet(d sqldb.Dialect) string { return dialectOf(d).versionSet }

// VersionBump is the statement that ends one whose SET carried
// VersionSet: the change counter moves up to the version its rows got,
// so rows written later get a higher one ("" on PostgreSQL).
func VersionBump(d sqldb.Dialect) string { return dialectOf(d).versionBump }

// BumpVersions runs VersionBump in tx, if there is one.
func BumpVersions(ctx context.Context, db *sqldb.DB, tx *sql.Tx) error {
	q := VersionBump(db.Dialect())
	if q == "" {
		return nil
	}
	_, err := db.ExecTx(ctx, tx, q)
	return err
}
