package storage_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/bopis/bopis"
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

// Every SQLite connection's settings come from its DSN, and stay: the
// writer, inside a write transaction of the group commit, runs
// synchronous=FULL (SQLite syncs the WAL within each commit, before
// readers see it) in WAL mode with foreign keys on.
func TestSQLiteWriterCommitsWithFullSync(t *testing.T) {
	db, err := storage.Open(ctx, storage.Config{URL: "sqlite:" + filepath.Join(t.TempDir(), "bopis.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.PutStore(ctx, storagetest.Store("s-1")); err != nil {
		t.Fatal(err)
	}
	var sync, fk int
	var mode string
	if err := db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil {
			return err
		}
		if err := tx.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil {
			return err
		}
		return tx.QueryRow("PRAGMA journal_mode").Scan(&mode)
	}); err != nil {
		t.Fatal(err)
	}
	if sync != 2 || fk != 1 || mode != "wal" {
		t.Fatalf("the writer runs synchronous=%d foreign_keys=%d journal_mode=%s; want 2 (FULL), 1 and wal", sync, fk, mode)
	}
}

// A write the SQLite writer answered is in the files, as a crash right
// after the answer would leave them: a copy of the database and its WAL
// taken while bopis still runs holds every answered change, large (a POS
// batch of many WAL frames) and small.
func TestSQLiteAnsweredWritesAreInTheFiles(t *testing.T) {
	dir := t.TempDir()
	db, err := storage.Open(ctx, storage.Config{URL: "sqlite:" + filepath.Join(dir, "bopis.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const stores, skus = 20, 1000
	var catalog []*bopis.SKU
	for i := range skus {
		catalog = append(catalog, storagetest.SKU(fmt.Sprintf("K%04d", i)))
	}
	if _, err := db.PutSKUs(ctx, catalog); err != nil {
		t.Fatal(err)
	}
	for s := range stores {
		if _, err := db.PutStore(ctx, storagetest.Store(fmt.Sprintf("s-%02d", s))); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Now().Add(-time.Hour)
	for b := range 4 {
		var evs []bopis.InventoryEvent
		for i := range bopis.MaxEventBatch {
			id, store, sku := fmt.Sprintf("b%d-%d", b, i), fmt.Sprintf("s-%02d", i%stores), fmt.Sprintf("K%04d", (i*7+b)%skus)
			evs = append(evs, snap(id, store, sku, int64(i%50), at.Add(time.Duration(b*bopis.MaxEventBatch+i)*time.Microsecond)))
		}
		if _, _, err := db.ApplyInventoryEvents(ctx, evs, bopis.BatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := db.Adjust(ctx, "s-03", bopis.Adjustment{SKU: "K0003", Delta: 5, Reason: "found"}, nil); err != nil {
		t.Fatal(err)
	}

	// The files as a crash now would leave them (SQLite rebuilds -shm).
	copyDir := t.TempDir()
	for _, name := range []string{"bopis.db", "bopis.db-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(copyDir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	copied, err := storage.Open(ctx, storage.Config{URL: "sqlite:" + filepath.Join(copyDir, "bopis.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	for s := range stores {
		id := fmt.Sprintf("s-%02d", s)
		want, err := db.Levels(ctx, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := copied.Levels(ctx, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Fatalf("store %s: the files hold %d levels, bopis answered %d: an answered write was not written", id, len(got), len(want))
		}
	}
}
