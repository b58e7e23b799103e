package storage_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// pragma reads one PRAGMA of the SQLite database at path.
func pragma(t *testing.T, path, name string) string {
	t.Helper()
	c, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var v string
	if err := c.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// A database bopis makes has 8 KiB pages in WAL mode (ADR 0025); one
// made before, with SQLite's 4 KiB, opens, migrates and works as it is.
func TestSQLiteNewDatabasesHave8KiBPagesOldOnesKeepTheirs(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "new.db")
	db, err := storage.Open(ctx, storage.Config{URL: "sqlite:" + fresh})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if got := pragma(t, fresh, "page_size"); got != "8192" {
		t.Errorf("a new database has pages of %s bytes, want 8192", got)
	}
	if got := pragma(t, fresh, "journal_mode"); got != "wal" {
		t.Errorf("a new database's journal mode is %s, want wal", got)
	}

	old := filepath.Join(dir, "old.db")
	c, err := sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE before_bopis (x)"); err != nil {
		t.Fatal(err)
	}
	c.Close()
	db, err = storage.Open(ctx, storage.Config{URL: "sqlite:" + old})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.PutStore(ctx, storagetest.Store("s-1")); err != nil {
		t.Fatal(err)
	}
	if got := pragma(t, old, "page_size"); got != "4096" {
		t.Errorf("a database made with 4 KiB pages has %s now", got)
	}
}
