// Package storage keeps bopis's state in SQLite (the embedded default) or
// PostgreSQL (production, shared by several bopis processes). One
// implementation over database/sql serves both: the SQL is written once,
// over internal/sqldb (connections, transactions, the SQLite writer,
// dialects), by the aggregates in packages of their own below it (each
// with the few places its SQL differs between the databases); DB is
// their facade, one type whose methods are theirs. See
// docs/adr/0001-storage.md.
package storage

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
	"github.com/bopis/bopis/internal/storage/catalog"
	"github.com/bopis/bopis/internal/storage/changefeed"
	"github.com/bopis/bopis/internal/storage/migrations"
	"github.com/bopis/bopis/internal/storage/orders"
	"github.com/bopis/bopis/internal/storage/outbox"
	"github.com/bopis/bopis/internal/storage/reports"
	"github.com/bopis/bopis/internal/storage/staff"
	"github.com/bopis/bopis/internal/storage/stock"
	"github.com/bopis/bopis/internal/storage/testpayments"
)

// Config says which database to open and how.
type Config struct {
	// URL is "sqlite:PATH" (e.g. sqlite:./bopis.db) or "postgres://…".
	URL string
	// Now is the clock that stamps created_at and updated_at; time.Now if nil.
	Now    func() time.Time
	Logger *slog.Logger
	// DefaultSafetyStock is kept back from online promises of every SKU
	// at every store without a safety_stock override (0 if unset).
	DefaultSafetyStock int64
	// StaleAfter is how long a store's POS feed may be silent before its
	// stock is doubtful (a stale_feed alert, a buffer at checkout);
	// bopis.DefaultStaleAfter if 0.
	StaleAfter time.Duration
	// StaleBuffer is how many more units must remain at a store whose
	// feed is stale; bopis.DefaultStaleBuffer if nil (0 keeps none back).
	StaleBuffer *int64
	// NoGroupCommit makes every SQLite write commit on its own, for
	// benchmarks that measure what group commit buys.
	NoGroupCommit bool
	// MaxConns caps the PostgreSQL connections of this process
	// (DefaultMaxConns if 0). Few is fast: on a small server, many
	// connections queueing on the same rows and cores only slow each
	// other down; SQLite has one writer and a read pool of its own.
	MaxConns int

	// migrateTo stops the migrations at this version (all if 0): tests
	// of a migration write data as the schema was before it.
	migrateTo int64
}

// DefaultMaxConns is the PostgreSQL pool size of a process (see
// sqldb.DefaultMaxConns).
const DefaultMaxConns = sqldb.DefaultMaxConns

// DB is an open bopis database: sqldb's machinery, and bopis's
// aggregates over it.
type DB struct {
	// The aggregates in packages of their own; their methods are DB's.
	*catalog.Catalog
	*outbox.Outbox
	*reports.Reports
	*changefeed.Changes
	*testpayments.TestPayments
	*stock.Stock
	*orders.Orders
	*staff.Staff

	sql *sqldb.DB
	w   *sql.DB // writes; on SQLite the single writer connection
}

// Open connects to the database in cfg.URL and applies any pending migrations.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	rules := stock.Config{SafetyStock: cfg.DefaultSafetyStock, StaleAfter: cfg.StaleAfter, StaleBuffer: bopis.DefaultStaleBuffer}
	if rules.StaleAfter <= 0 {
		rules.StaleAfter = bopis.DefaultStaleAfter
	}
	if cfg.StaleBuffer != nil {
		rules.StaleBuffer = max(0, *cfg.StaleBuffer)
	}
	if rules.SafetyStock < 0 {
		return nil, fmt.Errorf("the default safety stock cannot be negative")
	}
	var d sqldb.Dialect // the database's, once open: for Retry
	s, err := sqldb.Open(ctx, sqldb.Config{URL: cfg.URL, Now: now, Migrations: migrations.FS, MigrateTo: cfg.migrateTo,
		Logger: cfg.Logger, NoGroupCommit: cfg.NoGroupCommit, MaxConns: cfg.MaxConns,
		Retry: func(err error) bool { return stock.LevelRace(d, err) }})
	if err != nil {
		return nil, err
	}
	d = s.Dialect()
	db := &DB{sql: s, w: s.Writer()}
	db.Catalog, db.Outbox, db.Reports, db.Changes = catalog.New(s), outbox.New(s), reports.New(s), changefeed.New(s)
	db.TestPayments = testpayments.New(s)
	db.Stock = stock.New(s, rules)
	db.Orders = orders.New(s, db.Stock)
	db.Staff = staff.New(s)
	return db, nil
}

// Dialect names the database in use: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.sql.Dialect().Name() }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.Ping(ctx) }

// Close closes the connections; on SQLite it checkpoints the WAL first.
func (db *DB) Close() error { return db.sql.Close() }

// OpenSQL opens the database in url as a plain *sql.DB with the same
// connection settings bopis uses (on SQLite: the writer connection) and no
// migrations. It is for benchmarks that measure the database itself beside
// bopis; application code goes through DB.
func OpenSQL(ctx context.Context, url string) (*sql.DB, error) { return sqldb.OpenSQL(ctx, url) }
