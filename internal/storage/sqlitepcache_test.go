//go:build linux && (amd64 || arm64)

package storage

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite on the wrapped page cache (sqlitepcache.go), end to end:
// random keys split pages all over an index, so pages are parked and
// moved on, and savepoints rolled back shrink the database under the
// cached pages, so pages past the end are dropped; the file must stay
// sound and hold exactly what was committed. (What the bound must cover
// is checked step by step in TestSQLitePageCacheRekeyKeepsTheBound: a
// single writer reinitializes a page it allocates again, so a page
// wrongly kept past the end does not show here.)
func TestSQLitePageCacheBoundAfterSplits(t *testing.T) {
	if pcacheState.methods.FxRekey == 0 {
		t.Fatal("the page cache's Rekey is not wrapped")
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "t.db")+
		"?_pragma=journal_mode(WAL)&_pragma=cache_size(-65536)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID; CREATE INDEX t_v ON t (v)`); err != nil {
		t.Fatal(err)
	}
	eased := pcacheState.eased.Load()
	r := rand.New(rand.NewPCG(1, 2))
	want := 0
	row := func() (string, []byte) {
		v := make([]byte, 200+r.IntN(400))
		for i := range v {
			v[i] = byte(r.IntN(256))
		}
		return fmt.Sprintf("%016x", r.Uint64()), v
	}
	for range 60 {
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for sp := range 4 {
			if _, err := tx.Exec("SAVEPOINT s"); err != nil {
				t.Fatal(err)
			}
			for range 150 {
				k, v := row()
				if _, err := tx.Exec("INSERT INTO t VALUES (?, ?)", k, v); err != nil {
					t.Fatal(err)
				}
			}
			end := "RELEASE s"
			if sp%2 == 1 {
				end = "ROLLBACK TO s; RELEASE s"
			} else {
				want += 150
			}
			if _, err := tx.Exec(end); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if pcacheState.eased.Load() == eased {
		t.Fatal("no split parked a page: the test did not reach the wrapped Rekey")
	}
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q, %v", check, err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t INDEXED BY t_v").Scan(&n); err != nil || n != want {
		t.Fatalf("rows: %d, %v; want %d", n, err, want)
	}
}

// The wrapped Rekey against SQLite's own cache, step by step: parking a
// page and moving it on, as balance_nonroot does, brings the bound back
// to the highest page held, so the pages past the end are dropped
// without a walk; a page cached while one was parked keeps the bound up
// (nothing is lowered that would miss it).
func TestSQLitePageCacheRekeyKeepsTheBound(t *testing.T) {
	tls, m := installedPageCache(t)
	if pcacheState.methods.FxRekey != cfunc(pcacheRekey) {
		t.Fatal("the page cache's Rekey is not wrapped")
	}
	create, size, fetch, unpin, rekey, truncate, destroy := m.create, m.size, m.fetch, m.unpin, m.rekey, m.truncate, m.destroy

	p := create(tls, 4096, 256, 1)
	if p == 0 {
		t.Fatal("no cache")
	}
	defer destroy(tls, p)
	size(tls, p, 100)
	c := (*sqlite3.TPCache1)(cptr(p))
	parking := pendingBytePage(4096)
	pages := map[uint32]uintptr{}
	for k := uint32(1); k <= 10; k++ {
		pages[k] = fetch(tls, p, k, 2)
	}
	held := func(k uint32) bool {
		pg := fetch(tls, p, k, 0)
		if pg != 0 {
			unpin(tls, p, pg, 0)
		}
		return pg != 0
	}

	// balance_nonroot swapping pages 3 and 7.
	rekey(tls, p, pages[3], 3, parking)
	if c.FiMaxKey != 10 {
		t.Fatalf("bound with a page parked: %d, want 10", c.FiMaxKey)
	}
	rekey(tls, p, pages[7], 7, 3)
	rekey(tls, p, pages[3], parking, 7)
	if c.FiMaxKey != 10 {
		t.Fatalf("bound after the swap: %d, want 10", c.FiMaxKey)
	}
	truncate(tls, p, 9)
	if held(9) || held(10) || !held(8) || !held(7) || !held(3) {
		t.Fatal("truncating at 9 kept or dropped the wrong pages")
	}

	// A page cached while one is parked: the bound must still cover it.
	rekey(tls, p, pages[5], 5, parking)
	pages[20] = fetch(tls, p, 20, 2)
	rekey(tls, p, pages[5], parking, 5)
	if c.FiMaxKey < 20 {
		t.Fatalf("bound %d misses page 20", c.FiMaxKey)
	}
	truncate(tls, p, 15)
	if held(20) || !held(8) {
		t.Fatal("truncating at 15 kept page 20 or dropped page 8")
	}
}

// Each page cache has an LRU list of its own (pcacheCreate): a cache that
// keeps to its size recycles its own pages, never another cache's, and
// fetches with no mutex. On one shared list the churning cache took the
// other's unpinned pages first, they being the oldest.
func TestSQLitePageCachesKeepTheirOwnPages(t *testing.T) {
	tls, m := installedPageCache(t)
	if pcacheState.methods.FxCreate != cfunc(pcacheCreate) {
		t.Fatal("the page cache's Create is not wrapped")
	}
	create, size, fetch, unpin, pages, destroy := m.create, m.size, m.fetch, m.unpin, m.pages, m.destroy

	made := pcacheState.ownLRU.Load()
	a, b := create(tls, 4096, 256, 1), create(tls, 4096, 256, 1)
	if a == 0 || b == 0 {
		t.Fatal("no cache")
	}
	defer destroy(tls, a)
	defer destroy(tls, b)
	if got := pcacheState.ownLRU.Load() - made; got != 2 {
		t.Fatalf("%d of 2 caches got a list of their own", got)
	}
	ga, gb := (*sqlite3.TPCache1)(cptr(a)).FpGroup, (*sqlite3.TPCache1)(cptr(b)).FpGroup
	if ga == gb || (*sqlite3.TPGroup)(cptr(ga)).Fmutex != 0 {
		t.Fatal("the caches share a list, or theirs has a mutex")
	}
	size(tls, a, 20)
	size(tls, b, 20)
	for k := uint32(1); k <= 10; k++ {
		unpin(tls, b, fetch(tls, b, k, 2), 0)
	}
	for k := uint32(1); k <= 500; k++ {
		pg := fetch(tls, a, k, 2)
		if pg == 0 {
			t.Fatalf("page %d: none", k)
		}
		unpin(tls, a, pg, 0)
	}
	if n := pages(tls, a); n > 20 {
		t.Fatalf("the churning cache holds %d pages, more than its 20", n)
	}
	for k := uint32(1); k <= 10; k++ {
		pg := fetch(tls, b, k, 0)
		if pg == 0 {
			t.Fatalf("page %d of the quiet cache was taken", k)
		}
		unpin(tls, b, pg, 0)
	}
}

// pageCacheFuncs are the installed page cache's methods, callable.
type pageCacheFuncs struct {
	create   func(*libc.TLS, int32, int32, int32) uintptr
	size     func(*libc.TLS, uintptr, int32)
	fetch    func(*libc.TLS, uintptr, uint32, int32) uintptr
	unpin    func(*libc.TLS, uintptr, uintptr, int32)
	rekey    func(*libc.TLS, uintptr, uintptr, uint32, uint32)
	truncate func(*libc.TLS, uintptr, uint32)
	pages    func(*libc.TLS, uintptr) int32
	destroy  func(*libc.TLS, uintptr)
}

// installedPageCache initializes SQLite and returns a TLS to call into
// it (closed when the test ends) and its page cache's methods.
func installedPageCache(t *testing.T) (*libc.TLS, pageCacheFuncs) {
	tls := libc.NewTLS()
	t.Cleanup(tls.Close)
	if rc := sqlite3.Xsqlite3_initialize(tls); rc != sqlite3.SQLITE_OK {
		t.Fatal(rc)
	}
	m := pcacheState.methods
	return tls, pageCacheFuncs{
		create:   cCall[func(*libc.TLS, int32, int32, int32) uintptr](m.FxCreate),
		size:     cCall[func(*libc.TLS, uintptr, int32)](m.FxCachesize),
		fetch:    cCall[func(*libc.TLS, uintptr, uint32, int32) uintptr](m.FxFetch),
		unpin:    cCall[func(*libc.TLS, uintptr, uintptr, int32)](m.FxUnpin),
		rekey:    cCall[func(*libc.TLS, uintptr, uintptr, uint32, uint32)](m.FxRekey),
		truncate: cCall[func(*libc.TLS, uintptr, uint32)](m.FxTruncate),
		pages:    cCall[func(*libc.TLS, uintptr) int32](m.FxPagecount),
		destroy:  cCall[func(*libc.TLS, uintptr)](m.FxDestroy),
	}
}
