// Package stock keeps what the stores have: stock levels and their
// append-only ledger, POS event batches, whole-store counts,
// adjustments, reservations (with the rules of pickup eligibility in the
// reserving statement), low_stock and stale_feed alerts and what
// checkout may promise. The rules are internal/inventory's; this loads
// what they read and writes what they decide. See ADR 0013, 0023, 0024,
// 0030.
package stock

import (
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
)

// Config is the stock rules a database is opened with (storage.Config).
type Config struct {
	SafetyStock int64         // default safety stock
	StaleAfter  time.Duration // a feed silent this long is stale
	StaleBuffer int64         // units kept back at a stale store
}

// Stock is the stock's tables in a database.
type Stock struct {
	sql     *sqldb.DB
	r       *sqldb.Readers // reads
	dialect dialect

	safetyStock int64
	staleAfter  time.Duration
	staleBuffer int64
}

var _ bopis.InventoryService = (*Stock)(nil)

// New is the stock in db, under cfg's rules.
func New(db *sqldb.DB, cfg Config) *Stock {
	return &Stock{sql: db, r: db.Readers(), dialect: newDialect(db.Dialect()),
		safetyStock: cfg.SafetyStock, staleAfter: cfg.StaleAfter, staleBuffer: cfg.StaleBuffer}
}
