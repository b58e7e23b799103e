package sqldb

import (
	"context"
	"path/filepath"
	"testing"
)

// The readers' DSN makes them read-only (_query_only, which the driver
// runs after _journal_mode): a write through them fails, and they read
// what the writer committed.
func TestSQLiteReadersAreReadOnly(t *testing.T) {
	ctx := context.Background()
	w, r, err := openSQLite(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer r.Close()
	if _, err := w.ExecContext(ctx, `CREATE TABLE t (a INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ExecContext(ctx, `INSERT INTO t VALUES (1)`); err == nil {
		t.Fatal("a reader wrote a row")
	}
	var mode string
	if err := r.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("a reader's journal mode %q (%v), want wal", mode, err)
	}
}
