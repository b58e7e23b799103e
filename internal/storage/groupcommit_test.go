package storage_test

import (
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// TestGroupCommitIsolatesFailures runs many writes at once, a third of
// them failing after they wrote (midway through a multi-row statement)
// and a third panicking: the failed ones leave nothing, the others all
// commit, and on SQLite they shared commits.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		const n = 300
		errBoom := errors.New("boom")
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = db.Tx(ctx, func(tx *sql.Tx) error {
					if _, err := tx.Exec(`INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at)
						VALUES ('test', $1, '', 'null', 0)`, fmt.Sprint(i)); err != nil {
						return err
					}
					if i%3 == 0 {
						// A multi-row insert that fails at its third row:
						// neither its rows nor the write's first insert
						// may stay (the write's savepoint undoes them).
						if _, err := tx.Exec(`INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at)
							VALUES ('test', $1, '', 'null', 0), ('test', $2, '', 'null', 0), ('test', $1, '', 'null', 0)`,
							fmt.Sprint(i, "a"), fmt.Sprint(i, "b")); err == nil {
							return nil // reported below: a write that should have failed
						}
						return errBoom
					}
					if i%3 == 1 {
						panic("a bug in one write")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			switch {
			case i%3 == 0 && !errors.Is(err, errBoom):
				t.Errorf("write %d: %v, want its own error", i, err)
			case i%3 == 1 && err == nil:
				t.Errorf("write %d panicked but reported success", i)
			case i%3 == 2 && err != nil:
				t.Errorf("write %d: %v", i, err)
			}
		}
		var got int
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			return tx.QueryRow(`SELECT count(*) FROM idempotency_keys WHERE scope = 'test'`).Scan(&got)
		}); err != nil {
			t.Fatal(err)
		}
		if got != n/3 {
			t.Fatalf("%d rows committed, want %d (only the writes that succeeded)", got, n/3)
		}
		if db.Dialect() == "sqlite" {
			if g := db.Groups(); g >= n {
				t.Errorf("%d commits for %d writes: no group commit happened", g, n)
			}
		}
	})
}

// TestFailedWriteLeavesNothing: a write that fails (or panics) after it
// wrote leaves nothing, whether it ran first in its transaction (no
// savepoint), alone, or among others, and the writes after it commit.
func TestFailedWriteLeavesNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		insert := func(tx *sql.Tx, key string) error {
			_, err := tx.Exec(`INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at)
				VALUES ('test', $1, '', 'null', 0)`, key)
			return err
		}
		errBoom := errors.New("boom")
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			if err := insert(tx, "failed"); err != nil {
				return err
			}
			return errBoom
		}); !errors.Is(err, errBoom) {
			t.Fatalf("failed write: %v", err)
		}
		if err := db.TxAlone(ctx, func(tx *sql.Tx) error {
			if err := insert(tx, "panicked"); err != nil {
				return err
			}
			panic("a bug")
		}); err == nil {
			t.Fatal("a write that panicked reported success")
		}
		// A key written twice fails on its second insert, after the first.
		if err := db.TxAlone(ctx, func(tx *sql.Tx) error {
			if err := insert(tx, "twice"); err != nil {
				return err
			}
			return insert(tx, "twice")
		}); err == nil {
			t.Fatal("a write that broke a primary key reported success")
		}
		// A multi-row insert whose third row fails leaves none.
		partial := func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at)
				VALUES ('test', 'partial-1', '', 'null', 0), ('test', 'partial-2', '', 'null', 0), ('test', 'partial-1', '', 'null', 0)`)
			return err
		}
		if err := db.Tx(ctx, partial); err == nil {
			t.Fatal("a multi-row insert that broke a primary key reported success")
		}
		if err := db.TxAlone(ctx, partial); err == nil {
			t.Fatal("a multi-row insert that broke a primary key reported success, alone")
		}
		if err := db.TxAlone(ctx, func(tx *sql.Tx) error { return insert(tx, "alone") }); err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return insert(tx, "kept") }); err != nil {
			t.Fatal(err)
		}
		if keys := testKeys(t, db, "%"); fmt.Sprint(keys) != "[alone kept]" {
			t.Fatalf("rows %v, want [alone kept]: a failed write left rows behind", keys)
		}
	})
}

// TestBigWritesCommitAlone: on SQLite a big write (a POS batch) queued
// behind another runs in a transaction of its own, once, and so does the
// one behind it: a big write that fails undoes only its own writes.
func TestBigWritesCommitAlone(t *testing.T) {
	db := storagetest.Open(t, "sqlite", nil)
	insert := func(key string) func(tx *sql.Tx) error {
		return func(tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at)
				VALUES ('test', $1, '', 'null', 0)`, key)
			return err
		}
	}
	errBoom := errors.New("boom")
	for _, secondFails := range []bool{false, true} {
		tag := fmt.Sprint(secondFails)
		// The first holds the writer until the two after it are queued.
		var runs atomic.Int32
		entered, release := make(chan struct{}), make(chan struct{})
		first := func(tx *sql.Tx) error {
			if runs.Add(1) == 1 {
				close(entered)
				<-release
			}
			return insert("first-" + tag)(tx)
		}
		second := insert("second-" + tag)
		if secondFails {
			second = func(tx *sql.Tx) error {
				if err := insert("second-" + tag)(tx); err != nil {
					return err
				}
				return errBoom
			}
		}
		groups := db.Groups()
		answers := make([]chan error, 3)
		for i, fn := range []func(*sql.Tx) error{first, second, insert("third-" + tag)} {
			answers[i] = make(chan error, 1)
			go func() { answers[i] <- db.TxAlone(ctx, fn) }()
			if i == 0 {
				<-entered
				continue
			}
			for db.Queued() < i { // in order: the second first
				runtime.Gosched()
			}
		}
		close(release)
		for i, want := range []error{nil, map[bool]error{false: nil, true: errBoom}[secondFails], nil} {
			if err := <-answers[i]; !errors.Is(err, want) {
				t.Errorf("second fails %v: write %d answered %v, want %v", secondFails, i, err, want)
			}
		}
		keys := testKeys(t, db, "%-"+tag)
		// {first}, {third}, and {second} unless it failed (rolled back).
		want, commits := "[first-false second-false third-false]", int64(3)
		if secondFails {
			want, commits = "[first-true third-true]", 2
		}
		if fmt.Sprint(keys) != want {
			t.Errorf("second fails %v: rows %v, want %s", secondFails, keys, want)
		}
		// One Tx more counted its own commit: the read above.
		if got := db.Groups() - groups - 1; got != commits {
			t.Errorf("second fails %v: %d commits, want %d", secondFails, got, commits)
		}
		if n := runs.Load(); n != 1 {
			t.Errorf("second fails %v: the first write ran %d times", secondFails, n)
		}
	}
}

// testKeys lists the keys of scope "test" LIKE pattern, in order, read
// in a write transaction (after every write before it).
func testKeys(t *testing.T, db *storage.DB, pattern string) []string {
	t.Helper()
	var keys []string
	if err := db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.Query(`SELECT key FROM idempotency_keys WHERE scope = 'test' AND key LIKE $1 ORDER BY key`, pattern)
		if err != nil {
			return err
		}
		defer res.Close()
		for res.Next() {
			var k string
			if err := res.Scan(&k); err != nil {
				return err
			}
			keys = append(keys, k)
		}
		return res.Err()
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}
