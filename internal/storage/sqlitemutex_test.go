//go:build linux && (amd64 || arm64)

package storage

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// Every connection bopis opens, writer and readers, runs without a
// mutex of its own (sqlitemutex.go).
func TestSQLiteConnectionsHaveNoMutex(t *testing.T) {
	ctx := context.Background()
	w, r := openTestSQLite(t)
	tls := libc.NewTLS()
	defer tls.Close()
	for name, db := range map[string]*sql.DB{"writer": w, "reader": r} {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Raw(func(dc any) error {
			h := sqliteHandle(dc)
			switch {
			case h == 0:
				return fmt.Errorf("no sqlite3 handle found in the driver's %T", dc)
			case sqlite3.Xsqlite3_db_mutex(tls, h) != 0:
				return fmt.Errorf("the connection has a mutex: it is serialized")
			}
			return nil
		})
		c.Close()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Multi-thread mode is safe as database/sql uses connections: one
// goroutine at a time each. Many goroutines writing and reading through
// pools of a few connections get every row back, and under -race any
// connection used by two at once is reported.
func TestSQLiteConnectionsSharedByGoroutines(t *testing.T) {
	ctx := context.Background()
	w, r := openTestSQLite(t)
	if _, err := w.ExecContext(ctx, `CREATE TABLE t (g INTEGER, i INTEGER, PRIMARY KEY (g, i))`); err != nil {
		t.Fatal(err)
	}
	const goroutines, rows = 32, 50
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rows {
				if _, err := w.ExecContext(ctx, `INSERT INTO t VALUES ($1, $2)`, g, i); err != nil {
					errs <- err
					return
				}
				var n int
				if err := r.QueryRowContext(ctx, `SELECT count(*) FROM t WHERE g = $1`, g).Scan(&n); err != nil {
					errs <- err
					return
				}
				if n != i+1 {
					errs <- fmt.Errorf("goroutine %d: %d rows read after writing %d", g, n, i+1)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var n int
	if err := r.QueryRowContext(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil || n != goroutines*rows {
		t.Fatalf("%d rows, %v; want %d", n, err, goroutines*rows)
	}
}

// openTestSQLite opens a new database's writer and readers as bopis
// does, closed when the test ends.
func openTestSQLite(t *testing.T) (w, r *sql.DB) {
	w, r, err := openSQLite(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(); r.Close() })
	return w, r
}
