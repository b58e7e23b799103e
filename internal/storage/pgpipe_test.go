package storage_test

import (
	"database/sql"
	"testing"

	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// PostgreSQL transactions send their BEGIN with their first statement and
// may send their COMMIT with their last (pipeConn). Another session must
// see exactly what a transaction would show without that: nothing before
// the commit, everything after, nothing of a transaction that failed.
func TestPostgresTransactionsBeginWithFirstStatement(t *testing.T) {
	if len(storagetest.Backends()) < 2 {
		t.Skip("PostgreSQL only (the SQLite driver sends its BEGIN itself): set " + storagetest.PostgresEnv)
	}
	db, err := storage.OpenSQL(ctx, storagetest.URL(t, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(4)
	if _, err := db.Exec(`CREATE TABLE t (id INT PRIMARY KEY, note TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		t.Helper()
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	begin := func() *sql.Tx {
		t.Helper()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}

	t.Run("first statement an exec, rolled back", func(t *testing.T) {
		tx := begin()
		if _, err := tx.Exec(`INSERT INTO t VALUES (1, 'a')`); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 0 {
			t.Fatalf("another session sees %d rows of an open transaction: its first statement ran outside it", n)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 0 {
			t.Fatalf("%d rows after rollback", n)
		}
	})

	t.Run("first statement a query, committed", func(t *testing.T) {
		tx := begin()
		var id int64
		var note string
		if err := tx.QueryRow(`INSERT INTO t VALUES (2, 'b') RETURNING id, note`).Scan(&id, &note); err != nil {
			t.Fatal(err)
		}
		if id != 2 || note != "b" {
			t.Fatalf("returned %d %q, want 2 \"b\"", id, note)
		}
		if n := count(); n != 0 {
			t.Fatalf("another session sees %d rows of an open transaction", n)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 1 {
			t.Fatalf("%d rows after commit, want 1", n)
		}
	})

	t.Run("commit with the last statement", func(t *testing.T) {
		tx := begin()
		if _, err := tx.Exec(`INSERT INTO t VALUES (3, 'c')`); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(storage.CommitMark + `INSERT INTO t VALUES (4, 'd')`); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 3 {
			t.Fatalf("%d rows once the last statement is answered, want 3: its COMMIT did not go with it", n)
		}
		if _, err := tx.Exec(`INSERT INTO t VALUES (5, 'e')`); err == nil {
			t.Fatal("a statement after the commit ran (outside any transaction)")
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 3 {
			t.Fatalf("%d rows, want 3", n)
		}
	})

	t.Run("a failed last statement undoes the first", func(t *testing.T) {
		tx := begin()
		if _, err := tx.Exec(`INSERT INTO t VALUES (6, 'f')`); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(storage.CommitMark + `INSERT INTO t VALUES (1, 'dup'), (2, 'dup')`); err == nil {
			t.Fatal("a duplicate key was accepted")
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if n := count(); n != 3 {
			t.Fatalf("%d rows, want 3: the failed transaction's first row stayed", n)
		}
	})

	t.Run("a transaction that sent nothing", func(t *testing.T) {
		if err := begin().Commit(); err != nil {
			t.Fatal(err)
		}
		if err := begin().Rollback(); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("only statement carries begin and commit", func(t *testing.T) {
		tx := begin()
		if _, err := tx.Exec(storage.CommitMark + `UPDATE t SET note = 'x' WHERE id = 1 OR id = 2`); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		var x int
		if err := db.QueryRow(`SELECT count(*) FROM t WHERE note = 'x'`).Scan(&x); err != nil || x != 1 {
			t.Fatalf("%d rows changed (%v), want 1", x, err)
		}
	})
}
