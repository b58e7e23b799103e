//go:build linux && (amd64 || arm64)

package storage

import (
	"reflect"

	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Every SQLite connection runs in SQLite's multi-thread mode (ADR 0027):
// no mutex of its own. The driver opens connections serialized
// (SQLITE_OPEN_FULLMUTEX, which it does not let a DSN change), so SQLite
// locks and unlocks the connection's mutex on every call into it: each
// bind, step and column read. On the POS feed that was a tenth of the
// writer's time. The mutex guards nothing here: database/sql lends a
// connection to one goroutine at a time, and the driver's own state
// already forbids more (its doc: two goroutines using one connection can
// corrupt memory), which is exactly what multi-thread mode asks. What
// connections share (the page cache, the VFS's locks, the allocator)
// keeps SQLite's static mutexes, which multi-thread mode keeps too.
func init() { sqlite.RegisterConnectionHook(dropConnectionMutex) }

// dropConnectionMutex turns a connection just opened into one opened
// with SQLITE_OPEN_NOMUTEX: its mutex freed and unset, as SQLite leaves
// it in that mode (every use of it is skipped when it is unset). Should
// the driver's connection no longer hold its handle where this looks,
// the connection stays serialized (TestSQLiteConnectionsHaveNoMutex fails).
func dropConnectionMutex(c sqlite.ExecQuerierContext, _ string) error {
	db := sqliteHandle(c)
	if db == 0 {
		return nil
	}
	h := (*sqlite3.Tsqlite3)(cptr(db))
	m := h.Fmutex
	h.Fmutex = 0
	tls := libc.NewTLS()
	sqlite3.Xsqlite3_mutex_free(tls, m)
	tls.Close()
	return nil
}

// sqliteHandle is the sqlite3* of a modernc driver connection (its
// unexported field db), or 0.
func sqliteHandle(c any) uintptr {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return 0
	}
	f := v.Elem().FieldByName("db")
	if !f.IsValid() || f.Kind() != reflect.Uintptr {
		return 0
	}
	return uintptr(f.Uint())
}
