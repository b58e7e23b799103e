package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// openSQLite opens the file at path twice: one writer connection (SQLite
// allows one writer at a time; queueing in Go beats SQLITE_BUSY retries) and
// a pool of read-only connections that WAL lets run beside it.
func openSQLite(ctx context.Context, path string) (w, r *sql.DB, err error) {
	if path == "" {
		return nil, nil, fmt.Errorf("sqlite: no file path given (sqlite:./bopis.db)")
	}
	dsn := sqliteDSN(path)
	// The writer begins immediate transactions (it is the one writer); the
	// readers begin deferred ones, which take a snapshot and never a write lock.
	// The writer's page cache holds up to 64 MiB: the pages it would
	// otherwise read again from the file on nearly every order (ADR 0010).
	// A bigger one costs more at commits after a b-tree split, where
	// SQLite's cache walks every page it holds (ADR 0018, superseded).
	// The writer, opened first, makes the database if there is none (or
	// the file is empty) with sqlitePageSize pages: the page size of a WAL
	// database is fixed once it is made, and the driver runs every _pragma
	// before the _journal_mode key (its documented order), so page_size
	// comes before WAL. A database made before keeps its pages (ADR 0025
	// says how to convert one).
	wdsn := dsn + fmt.Sprintf("&_txlock=immediate&_pragma=cache_size(-65536)&_pragma=page_size(%d)", sqlitePageSize)
	if w, err = sql.Open("sqlite", wdsn); err != nil {
		return nil, nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err = w.PingContext(ctx); err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("sqlite: %w", err)
	}
	// _query_only, unlike a _pragma, runs last, after _journal_mode.
	if r, err = sql.Open("sqlite", dsn+"&_query_only=1"); err != nil {
		w.Close()
		return nil, nil, err
	}
	n := max(4, runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	return w, r, nil
}

// sqlitePageSize is the page size of a database bopis makes (ADR 0025).
// 8 KiB pages gave the POS feed +12-20% over SQLite's default of 4 KiB
// (`bopis bench feed`: a batch's thousands of inserts, spread over every
// store, land in fewer pages of shallower indexes), and order placement
// ~5% less (each small order dirties pages twice the size); the feed
// was slower with 1-2 KiB and 16-64 KiB pages.
const sqlitePageSize = 8192

// sqliteDSN is the connection string of every connection to path: every
// setting of a connection is in it (the driver runs busy_timeout first, so
// the pragmas after it wait instead of failing, then the other _pragma
// values, then _journal_mode=WAL), and none is changed after opening.
// synchronous(FULL): in WAL mode SQLite syncs the WAL as part of every
// commit ("an additional sync operation of the WAL file happens after each
// transaction commit", pragma.html#pragma_synchronous), and Commit returns
// after it: a commit that answered survives a power loss. Readers see a
// commit only once SQLite has published it in the WAL index, which it does
// after that sync (the docs: FULL syncs "prior to continuing"; the source:
// wal.c's sqlite3WalFrames), so no reader acts on a commit that is not
// durable.
// temp_store(2): +5% on a 5,000-event POS batch, measured (BENCHMARKS.md).
// wal_autocheckpoint(30000): past a 30,000-page WAL the writer checkpoints
// after its commit, so that the next write can start the WAL over; the
// checkpointer has copied most of it by then (see checkpointer). 10,000
// pages (40 MB) was +14% on a POS batch against SQLite's default of 4 MB;
// a 5,000-event batch can pass 10,000 frames by itself, and the writer
// then checkpointed after nearly every one: 30,000 was another +8-13%
// (BENCHMARKS.md, measured with ADR 0016's VFS, since removed). The WAL file
// keeps the size it reached, up to ~240 MB with 8 KiB pages (ADR 0025;
// 15,000 of them, the same 120 MB as before, measured no better).
func sqliteDSN(path string) string {
	return sqliteFile(path) + "?_pragma=busy_timeout(10000)&_journal_mode=WAL" +
		"&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=temp_store(2)&_pragma=wal_autocheckpoint(30000)"
}

// sqliteFile is the URI of the database file at path, without parameters.
func sqliteFile(path string) string { return "file:" + (&url.URL{Path: path}).EscapedPath() }

// checkpointer runs PRAGMA wal_checkpoint(PASSIVE) every interval from a
// connection of its own: SQLite copies the committed WAL frames into the
// database file. A checkpoint run by the writer after a commit stalls
// every request queued behind it while it copies; a PASSIVE one here
// waits for nobody and makes nobody wait, so the writer's own (needed to
// start the WAL over, see sqliteDSN) finds little left to copy. Syncing
// is SQLite's: it syncs the WAL before copying and the database file when
// a checkpoint reaches the WAL's end, and starts the WAL over only after
// that, so durability never rests on this goroutine (ADR 0022, whose
// fsync of the database file behind SQLite's back is gone).
type checkpointer struct {
	conn *sql.DB
	stop chan struct{}
	done chan struct{}
	once sync.Once
	err  error
}

func startCheckpointer(path string, every time.Duration) (*checkpointer, error) {
	conn, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	c := &checkpointer{conn: conn, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(c.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-t.C:
				// Errors (SQLITE_BUSY while the file is being closed) only
				// delay the copy to the next tick.
				var busy, frames, copied int64
				_ = c.conn.QueryRow("PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
			}
		}
	}()
	return c, nil
}

// close stops it; closing again (a DB closed twice) is a no-op.
func (c *checkpointer) close() error {
	c.once.Do(func() {
		close(c.stop)
		<-c.done
		c.err = c.conn.Close()
	})
	return c.err
}

type sqliteDialect struct{}

func (sqliteDialect) name() string                { return "sqlite" }
func (sqliteDialect) gooseDialect() goose.Dialect { return goose.DialectSQLite3 }
func (sqliteDialect) migrationOptions() ([]goose.ProviderOption, error) {
	return nil, nil
}

func (sqliteDialect) uniqueViolation(err error) (string, bool) {
	var e *sqlite.Error
	if errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		_, detail, _ := strings.Cut(e.Error(), "failed: ")
		return detail, true
	}
	return "", false
}

func (sqliteDialect) foreignKeyViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

func (sqliteDialect) jsonTextArray(param string) string {
	return "json_each(" + param + ")"
}

func (sqliteDialect) inList(param string) string {
	return "IN (SELECT value FROM json_each(" + param + "))"
}

func (sqliteDialect) lockRows(string) string { return "" }

func (sqliteDialect) shareRows(string) string { return "" }

func (sqliteDialect) storeLocks(bool) string { return "" }

func (sqliteDialect) skipLocked() string { return "" }

func (sqliteDialect) snapshotTx() *sql.TxOptions { return nil }

func (sqliteDialect) changeHorizon() string { return "SELECT v + 1 FROM change_seq" }

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

func (sqliteDialect) positional() bool { return true }

// versionSet stamps the rows of one statement with the change counter
// plus one: above every horizon a reader has taken (changeHorizon), and
// above the counter, which the trigger of migration 00010 reads as
// "already stamped".
func (sqliteDialect) versionSet() string { return ", version = (SELECT v FROM change_seq) + 1" }

func (sqliteDialect) versionBump() string { return "UPDATE change_seq SET v = v + 1" }

func (sqliteDialect) levelsByLedger() bool { return true }
