package sqldb

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

func (sqliteDialect) Name() string                { return "sqlite" }
func (sqliteDialect) gooseDialect() goose.Dialect { return goose.DialectSQLite3 }
func (sqliteDialect) migrationOptions() ([]goose.ProviderOption, error) {
	return nil, nil
}

func (sqliteDialect) UniqueViolation(err error) (string, bool) {
	var e *sqlite.Error
	if errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		_, detail, _ := strings.Cut(e.Error(), "failed: ")
		return detail, true
	}
	return "", false
}

func (sqliteDialect) ForeignKeyViolation(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

func (sqliteDialect) JSONTextArray(param string) string {
	return "json_each(" + param + ")"
}

func (sqliteDialect) InList(param string) string {
	return "IN (SELECT value FROM json_each(" + param + "))"
}

func (sqliteDialect) LockRows(string) string { return "" }

func (sqliteDialect) ShareRows(string) string { return "" }

func (sqliteDialect) SkipLocked() string { return "" }

func (sqliteDialect) SnapshotTx() *sql.TxOptions { return nil }

func (sqliteDialect) Positional() bool { return true }
