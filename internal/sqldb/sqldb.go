// Package sqldb is bopis's database machinery, free of any schema: it
// opens SQLite (one writer connection with group commit, a pool of
// read-only connections, a checkpointer) or PostgreSQL (pgx's own
// database/sql driver, one pool), applies the migrations it is given,
// runs write transactions (retried when the caller says an error is a
// race lost), keeps statements prepared, writes multi-row inserts in
// chunks and batches, classifies errors and pages lists. The SQL of each
// aggregate lives with it (internal/storage and its packages). See
// docs/adr/0001-storage.md.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
)

// Config says which database to open and how.
type Config struct {
	// URL is "sqlite:PATH" (e.g. sqlite:./bopis.db) or "postgres://…".
	URL string
	// Now is the clock of NowMicros; time.Now if nil.
	Now func() time.Time
	// Migrations holds a folder of goose migrations per dialect, named
	// by Dialect.Name ("sqlite", "postgres"); nil applies none.
	Migrations fs.FS
	// MigrateTo stops the migrations at this version (all if 0).
	MigrateTo int64
	Logger    *slog.Logger
	// NoGroupCommit makes every SQLite write commit on its own, for
	// benchmarks that measure what group commit buys.
	NoGroupCommit bool
	// MaxConns caps the PostgreSQL connections (DefaultMaxConns if 0).
	MaxConns int
	// Retry reports whether a write transaction that failed with err lost
	// a race that running it again wins (see Write); nil retries nothing.
	Retry func(err error) bool
}

// DefaultMaxConns is the PostgreSQL pool size of a process. Measured on
// 2 cores: 16 placed more orders per second than 8 or 32, and a flash
// sale from two processes did not slow down with 256 clients (32: it lost
// a quarter of its speed).
const DefaultMaxConns = 16

// DB is an open database.
type DB struct {
	w       *sql.DB  // writes; on SQLite the single writer connection
	r       *Readers // reads; on SQLite a pool of read-only connections
	dialect Dialect
	now     func() time.Time
	retry   func(error) bool
	group   *committer    // SQLite: the writer's group commit; nil on PostgreSQL
	stmts   stmts         // SQLite: the writer's prepared statements
	ckpt    *checkpointer // SQLite: copies the WAL into the database file
}

// Open connects to the database in cfg.URL and applies any pending migrations.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	db := &DB{now: cfg.Now, retry: cfg.Retry}
	if db.now == nil {
		db.now = time.Now
	}
	w, r, d, err := connect(ctx, cfg.URL, cfg.MaxConns)
	if err != nil {
		return nil, err
	}
	db.w, db.r, db.dialect = w, newReaders(r, d.Name() == "sqlite"), d
	if cfg.Migrations != nil {
		if err := db.migrate(ctx, cfg.Migrations, cfg.Logger, cfg.MigrateTo); err != nil {
			db.Close()
			return nil, err
		}
	}
	if db.dialect.Name() == "sqlite" && !cfg.NoGroupCommit {
		db.group = newCommitter(db.w, db.prepareWanted)
	}
	if db.dialect.Name() == "sqlite" {
		if db.ckpt, err = startCheckpointer(sqlitePath(cfg.URL), 200*time.Millisecond); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// migrate applies the dialect's migrations in migrations, up to version
// to if it is not 0; re-running is a no-op.
func (db *DB) migrate(ctx context.Context, migrations fs.FS, logger *slog.Logger, to int64) error {
	fsys, err := fs.Sub(migrations, db.dialect.Name())
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

// Dialect is the database in use.
func (db *DB) Dialect() Dialect { return db.dialect }

// Writer is the pool writes go through: on SQLite the one writer
// connection, which also reads what was just written.
func (db *DB) Writer() *sql.DB { return db.w }

// Readers is the pool reads go through.
func (db *DB) Readers() *Readers { return db.r }

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
	if db.dialect != nil && db.dialect.Name() == "sqlite" {
		_, err := db.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		errs = append(errs, err)
	}
	errs = append(errs, db.w.Close())
	return errors.Join(errs...)
}

// Kind is how a write transaction runs.
type Kind int

const (
	// Shared: on SQLite, a share of the group commit (see committer).
	Shared Kind = iota
	// Alone: on SQLite, a transaction of its own, which spares a big
	// write (a POS batch, a whole-store count) a savepoint's cost.
	Alone
)

// Transact runs fn in one write transaction: all of it commits, or none.
// On SQLite the transaction may be shared with other callers' (group
// commit, see committer): fn must not call Transact itself, and it sees
// the writes of the requests before it, as it would have after their
// commits.
func (db *DB) Transact(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.Write(ctx, Shared, fn)
}

// TransactAlone is Transact for big writes (POS batches, whole-store counts).
func (db *DB) TransactAlone(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.Write(ctx, Alone, fn)
}

// Exec runs one write statement as a transaction of its own, answered
// once it is durable like every write: on SQLite through the writer
// (Transact), on PostgreSQL autocommitted, one round trip instead of
// three (BEGIN, the statement, COMMIT).
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	if db.dialect.Name() != "sqlite" {
		_, err := db.w.ExecContext(ctx, query, args...)
		return err
	}
	return db.Transact(ctx, func(tx *sql.Tx) error {
		_, err := db.ExecTx(ctx, tx, query, args...)
		return err
	})
}

// Write runs fn in a write transaction of kind. Without group commit
// (PostgreSQL, or SQLite with NoGroupCommit) a transaction that failed
// with an error Config.Retry accepts runs again, up to maxWriteAttempts
// times; SQLite's one writer runs one transaction at a time, so there
// it loses no race.
func (db *DB) Write(ctx context.Context, kind Kind, fn func(tx *sql.Tx) error) error {
	if db.group != nil {
		return db.group.do(ctx, kind, fn)
	}
	for attempt := 1; ; attempt++ {
		err := db.writeOnce(ctx, fn)
		if attempt == maxWriteAttempts || db.retry == nil || !db.retry(err) {
			return err
		}
	}
}

// maxWriteAttempts bounds how often Write runs a transaction that lost a
// race: each loss means another transaction committed what this one
// tried to, so the next attempt finds it stored.
const maxWriteAttempts = 5

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
	if db.dialect.Name() == "sqlite" {
		db.prepareWanted()
	}
	return err
}

// GroupCommits is how many group commits the SQLite writer made (0
// without group commit), and QueuedWrites how many writes wait for it.
func (db *DB) GroupCommits() int64 {
	if db.group == nil {
		return 0
	}
	return db.group.groups.Load()
}

// QueuedWrites: see GroupCommits.
func (db *DB) QueuedWrites() int {
	if db.group == nil {
		return 0
	}
	return len(db.group.reqs)
}

// Now is the clock's time.
func (db *DB) Now() time.Time { return db.now() }

// NowMicros is the clock's time truncated to what the database keeps, so
// a value returned to the caller equals the value read back later.
func (db *DB) NowMicros() (time.Time, int64) {
	us := Micros(db.now())
	return FromMicros(us), us
}

// Micros and FromMicros convert times to the stored form: unix
// microseconds, UTC.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// FromMicros: see Micros.
func FromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// connect opens the writer and reader pools of the database in url: on
// SQLite one writer connection and a read-only pool, on PostgreSQL one
// pool for both.
func connect(ctx context.Context, url string, maxConns int) (w, r *sql.DB, d Dialect, err error) {
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
