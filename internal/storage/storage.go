// Package storage keeps bopis's state in SQLite (the embedded default) or
// PostgreSQL (production, shared by several bopis processes). One
// implementation over database/sql serves both: the SQL is written once,
// and a dialect holds the few places where the databases differ
// (connection setup, migrations, error codes). See docs/adr/0001-storage.md.
package storage

import (
	"context"
	"database/sql"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/bopis/bopis"
	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrations embed.FS

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

// DefaultMaxConns is the PostgreSQL pool size of a process. Measured on
// 2 cores: 16 placed more orders per second than 8 or 32, and a flash
// sale from two processes did not slow down with 256 clients (32: it lost
// a quarter of its speed).
const DefaultMaxConns = 16

// DB is an open bopis database.
type DB struct {
	w       *sql.DB  // writes; on SQLite the single writer connection
	r       *readers // reads; on SQLite a pool of read-only connections
	dialect dialect
	now     func() time.Time
	group   *committer    // SQLite: the writer's group commit; nil on PostgreSQL
	stmts   stmts         // SQLite: the writer's prepared statements
	ckpt    *checkpointer // SQLite: copies the WAL into the database file

	safetyStock int64         // default safety stock
	staleAfter  time.Duration // a feed silent this long is stale
	staleBuffer int64         // units kept back at a stale store
}

// dialect is what differs between the databases.
type dialect interface {
	name() string
	// skipLocked ends a SELECT that claims rows: other claimers skip them
	// (PostgreSQL; SQLite has one writer).
	skipLocked() string
	gooseDialect() goose.Dialect
	migrationOptions() ([]goose.ProviderOption, error)
	// conflict reports whether err is a unique violation, and on what.
	uniqueViolation(err error) (detail string, ok bool)
	foreignKeyViolation(err error) bool
	// jsonTextArray is a table expression with one text column "value"
	// holding the elements of the JSON array in param.
	jsonTextArray(param string) string
	// inList is "IN the JSON array of text in param", to follow a column.
	// On PostgreSQL it is "= ANY(ARRAY(...))", which the planner answers
	// with index probes once a table is big; "IN (SELECT ...)" over a
	// set-returning function, estimated at 100 rows, could become a hash
	// join over the whole table while its statistics lag its growth.
	// Either way a generic plan expects 100 values, and on a small table
	// scans it: a hot lookup of one value says "= $1" (see loadLines).
	inList(param string) string
	// snapshotTx is how to begin a read that sees one consistent snapshot.
	snapshotTx() *sql.TxOptions
	// changeHorizon selects the exclusive upper bound of the change feed
	// a reader may take now (see changes.go).
	changeHorizon() string
	// positional reports whether multi-row statements should bind "?"
	// rather than "$n": modernc's SQLite looks each "$n" up by name in a
	// list, which costs O(n²) over the thousands of one bulk insert.
	positional() bool
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
	// lockRows is the clause that locks the rows of table a SELECT reads
	// until the transaction ends. SQLite needs none: its one writer
	// already excludes every other write.
	lockRows(table string) string
	// shareRows is the clause that locks the rows of tables (a list) a
	// SELECT reads shared until the transaction ends: writers of those
	// rows wait, readers that lock them shared too do not. "" on SQLite.
	shareRows(tables string) string
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
	// levelsByLedger is whether the change feed finds the levels that
	// changed by the ledger rows written since (SQLite, whose one writer
	// numbers them in commit order) rather than by a version on each
	// level (PostgreSQL). See ADR 0020.
	levelsByLedger() bool
}

// Open connects to the database in cfg.URL and applies any pending migrations.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	db := &DB{now: cfg.Now, safetyStock: cfg.DefaultSafetyStock, staleAfter: cfg.StaleAfter, staleBuffer: bopis.DefaultStaleBuffer}
	if db.now == nil {
		db.now = time.Now
	}
	if db.staleAfter <= 0 {
		db.staleAfter = bopis.DefaultStaleAfter
	}
	if cfg.StaleBuffer != nil {
		db.staleBuffer = max(0, *cfg.StaleBuffer)
	}
	if db.safetyStock < 0 {
		return nil, fmt.Errorf("the default safety stock cannot be negative")
	}
	w, r, d, err := connect(ctx, cfg.URL, cfg.MaxConns)
	if err != nil {
		return nil, err
	}
	db.w, db.r, db.dialect = w, newReaders(r, d.name() == "sqlite"), d
	if err := db.migrate(ctx, cfg.Logger, cfg.migrateTo); err != nil {
		db.Close()
		return nil, err
	}
	if db.dialect.name() == "sqlite" && !cfg.NoGroupCommit {
		db.group = newCommitter(db.w, db.prepareWanted)
	}
	if db.dialect.name() == "sqlite" {
		if db.ckpt, err = startCheckpointer(sqlitePath(cfg.URL), 200*time.Millisecond); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// migrate applies the dialect's embedded migrations, up to version to if
// it is not 0; re-running is a no-op.
func (db *DB) migrate(ctx context.Context, logger *slog.Logger, to int64) error {
	fsys, err := fs.Sub(migrations, "migrations/"+db.dialect.name())
	if err != nil {
		return err
	}
	opts, err := db.dialect.migrationOptions()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(db.dialect.gooseDialect(), db.w, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	var results []*goose.MigrationResult
	if to > 0 {
		results, err = p.UpTo(ctx, to)
	} else {
		results, err = p.Up(ctx)
	}
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	for _, r := range results {
		if logger != nil {
			logger.Info("migration applied", "version", r.Source.Version, "path", r.Source.Path, "duration", r.Duration)
		}
	}
	return nil
}

// Dialect names the database in use: "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.name() }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return err
	}
	return db.r.PingContext(ctx)
}

// Close closes the connections; on SQLite it checkpoints the WAL first.
func (db *DB) Close() error {
	var errs []error
	if db.group != nil {
		db.group.close()
	}
	db.closeStmts()
	if db.ckpt != nil {
		errs = append(errs, db.ckpt.close())
	}
	db.r.close()
	if db.r.DB != db.w {
		errs = append(errs, db.r.DB.Close())
	}
	if db.dialect != nil && db.dialect.name() == "sqlite" {
		_, err := db.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		errs = append(errs, err)
	}
	errs = append(errs, db.w.Close())
	return errors.Join(errs...)
}

// writeKind is how a write transaction runs.
type writeKind int

const (
	// shared: on SQLite, a share of the group commit (see committer).
	shared writeKind = iota
	// alone: on SQLite, a transaction of its own, which spares a big
	// write (a POS batch, a whole-store count) a savepoint's cost.
	alone
)

// tx runs fn in one write transaction: all of it commits, or none. On
// SQLite the transaction may be shared with other callers' (group commit,
// see committer): fn must not call tx itself, and it sees the writes of
// the requests before it, as it would have after their commits.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.write(ctx, shared, fn)
}

// txAlone is tx for big writes (POS batches, whole-store counts).
func (db *DB) txAlone(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.write(ctx, alone, fn)
}

// exec runs one write statement as a transaction of its own, answered
// once it is durable like every write: on SQLite through the writer
// (tx), on PostgreSQL autocommitted, one round trip instead of three
// (BEGIN, the statement, COMMIT).
func (db *DB) exec(ctx context.Context, query string, args ...any) error {
	if db.dialect.name() != "sqlite" {
		_, err := db.w.ExecContext(ctx, query, args...)
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := db.execTx(ctx, tx, query, args...)
		return err
	})
}

func (db *DB) write(ctx context.Context, kind writeKind, fn func(tx *sql.Tx) error) error {
	if db.group != nil {
		return db.group.do(ctx, kind, fn)
	}
	for attempt := 1; ; attempt++ {
		err := db.writeOnce(ctx, fn)
		if attempt == maxWriteAttempts || !db.levelRace(err) {
			return err
		}
	}
}

// maxWriteAttempts bounds how often write runs a transaction that lost a
// level race: each loss means another transaction created the level and
// committed, so the next attempt finds it stored.
const maxWriteAttempts = 5

// levelRace reports whether err is the failed insert of a level another
// transaction inserted first (see loadLevels): PostgreSQL only, as
// SQLite's one writer runs one transaction at a time.
func (db *DB) levelRace(err error) bool {
	if errors.Is(err, errLevelRace) {
		return true
	}
	detail, ok := db.dialect.uniqueViolation(err)
	return ok && strings.HasPrefix(detail, "inventory_levels_pkey")
}

func (db *DB) writeOnce(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := call(fn, tx); err != nil {
		tx.Rollback()
		return err
	}
	err = tx.Commit()
	if db.dialect.name() == "sqlite" {
		db.prepareWanted()
	}
	return err
}

// micros and fromMicros convert times to the stored form: unix microseconds, UTC.
func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// nowMicros is the clock's time truncated to what the database keeps, so a
// value returned to the caller equals the value read back later.
func (db *DB) nowMicros() (time.Time, int64) {
	us := micros(db.now())
	return fromMicros(us), us
}

// Page asks for one page of a list ordered by id.
type Page struct {
	Cursor string // opaque; empty for the first page
	Limit  int
}

// Page limits.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// after decodes the cursor into the last id of the previous page.
func (p Page) after() (string, error) {
	if p.Cursor == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil || len(b) == 0 {
		return "", errBadCursor
	}
	return string(b), nil
}

var errBadCursor = &bopis.Error{Code: bopis.EINVALID, Message: "bad cursor",
	Fields: []bopis.FieldError{{Path: "cursor", Message: "is not a cursor this API gave out"}}}

func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}

// nextCursor returns the cursor after lastID when the page came back full.
func nextCursor(n, limit int, lastID string) string {
	if n < limit {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(lastID))
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(...any) error }

// listPage runs a page query whose first parameter is the previous page's
// last key (the decoded cursor), scans each row, and returns the page with
// the cursor of the next one. key gives a row's ordering key.
func listPage[T any](ctx context.Context, q querier, p Page, query string, args []any,
	scan func(scanner) (*T, error), key func(*T) string) ([]T, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	rows, err := q.QueryContext(ctx, query+` LIMIT `+strconv.Itoa(p.limit()), append([]any{after}, args...)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, *v)
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, "", err
	}
	return out, nextCursor(len(out), p.limit(), key(&out[len(out)-1])), nil
}

func notFound(what, id string) error {
	return bopis.Errorf(bopis.ENOTFOUND, "%s %q not found", what, id)
}

// connect opens the writer and reader pools of the database in url: on
// SQLite one writer connection and a read-only pool, on PostgreSQL one
// pool for both.
func connect(ctx context.Context, url string, maxConns int) (w, r *sql.DB, d dialect, err error) {
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		w, r, err = openSQLite(ctx, sqlitePath(url))
		return w, r, sqliteDialect{}, err
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		w, err = openPostgres(ctx, url, postgresConns(maxConns))
		return w, w, postgresDialect{}, err
	}
	return nil, nil, nil, fmt.Errorf("database URL must start with sqlite: or postgres://")
}

// postgresConns is the size of the PostgreSQL pool asked for in
// Config.MaxConns: every connection of the process.
func postgresConns(maxConns int) int {
	if maxConns <= 0 {
		return DefaultMaxConns
	}
	return maxConns
}

// sqlitePath is the file of a sqlite: URL.
func sqlitePath(url string) string {
	return strings.TrimPrefix(strings.TrimPrefix(url, "sqlite:"), "//")
}

// OpenSQL opens the database in url as a plain *sql.DB with the same
// connection settings bopis uses (on SQLite: the writer connection) and no
// migrations. It is for benchmarks that measure the database itself beside
// bopis; application code goes through DB.
func OpenSQL(ctx context.Context, url string) (*sql.DB, error) {
	w, r, _, err := connect(ctx, url, 0)
	if err != nil {
		return nil, err
	}
	if r != w {
		r.Close()
	}
	return w, nil
}
