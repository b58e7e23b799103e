//go:build linux && (amd64 || arm64)

package storage

import (
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite's page cache, with one bound kept tight (ADR 0018). When a
// b-tree page splits and the new pages' numbers must be swapped,
// balance_nonroot parks one page for a moment under the number of the
// pending-byte page (the page holding byte 1 GiB, 262,145 with 4 KiB
// pages). The default cache (pcache1) raises its highest-key bound to
// that number and never lowers it when the page moves on, so at the end
// of every such transaction, where SQLite drops the cached pages past
// the end of the database, pcache1 finds the bound past the end and
// walks every page it holds: with a 64 MiB cache, ~16,000 page headers
// per commit, 8% of the writer's time placing orders, and more the
// bigger the cache (so the writer's stayed small until this; ADR 0010).
//
// The cache is SQLite's own; only its Rekey is wrapped: parking a page
// there leaves the bound where it was, and the page moving on raises it
// to the page's new number as pcache1 does. Any page cached meanwhile
// raises the bound itself, so it still covers every page held once the
// parked one has moved on, which is all that dropping the pages past the
// end needs. (balance_nonroot's three Rekeys follow one another: nothing
// drops pages while one is parked.)
//
// sqlite3_config must come before SQLite initializes, so this runs
// when the package loads; should SQLite already be initialized the
// cache stays as it is.
func init() { tamePageCache() }

var pcacheState struct {
	methods sqlite3.Tsqlite3_pcache_methods2 // as installed
	rekey   uintptr                          // pcache1's own xRekey
	create  uintptr                          // pcache1's own xCreate
	destroy uintptr                          // pcache1's own xDestroy
	eased   atomic.Int64                     // parkings that left the bound (seen by tests)
	ownLRU  atomic.Int64                     // caches given an LRU of their own (seen by tests)
}

func tamePageCache() {
	tls := libc.NewTLS()
	defer tls.Close()
	methods := libc.Xcalloc(tls, 1, uint64(unsafe.Sizeof(sqlite3.Tsqlite3_pcache_methods2{})))
	va := libc.Xmalloc(tls, 8)
	defer libc.Xfree(tls, va)
	defer libc.Xfree(tls, methods) // SQLite copies the methods
	if methods == 0 || va == 0 {
		return
	}
	// The cache got here is pcache1, SQLite's default: nothing bopis
	// imports installs another before this package loads (one installed
	// later replaces these methods whole, this wrapper with them).
	if sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_GETPCACHE2, libc.VaList(va, methods)) != sqlite3.SQLITE_OK {
		return
	}
	m := (*sqlite3.Tsqlite3_pcache_methods2)(cptr(methods))
	if m.FxRekey == 0 {
		return
	}
	pcacheState.rekey = m.FxRekey
	m.FxRekey = cfunc(pcacheRekey)
	pcacheState.create, pcacheState.destroy = m.FxCreate, m.FxDestroy
	m.FxCreate, m.FxDestroy = cfunc(pcacheCreate), cfunc(pcacheDestroy)
	if sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PCACHE2, libc.VaList(va, methods)) == sqlite3.SQLITE_OK {
		pcacheState.methods = *m
	}
}

func pcacheRekey(tls *libc.TLS, p, page uintptr, oldKey, newKey uint32) {
	c := (*sqlite3.TPCache1)(cptr(p))
	bound := c.FiMaxKey
	cCall[func(*libc.TLS, uintptr, uintptr, uint32, uint32)](pcacheState.rekey)(tls, p, page, oldKey, newKey)
	if parking := pendingBytePage(c.FszPage); newKey == parking && bound < parking {
		c.FiMaxKey = bound
		pcacheState.eased.Add(1)
	}
}

// pendingBytePage is the number of the page holding byte 1 GiB (SQLite's
// pending byte) for pages of pageSize bytes: where balance_nonroot parks.
func pendingBytePage(pageSize int32) uint32 { return uint32(1<<30)/uint32(pageSize) + 1 }

// Every connection's page cache keeps its own LRU list (ADR 0028). This
// build of SQLite (SQLITE_ENABLE_MEMORY_MANAGEMENT) puts every cache of
// the process on one LRU list behind one mutex, so that memory can be
// taken back from any of them under a soft heap limit, which bopis does
// not set. The price was the mutex on every page fetched and released,
// 3% of the SQLite writer's time on the POS feed, and readers' pages
// pushing the writer's out of its cache. Each cache pcache1 makes is
// moved at once, still empty, onto a list of its own with no mutex,
// which is how SQLite's default build keeps them ("separate caches"): a
// connection is used by one goroutine at a time (ADR 0027).
func pcacheCreate(tls *libc.TLS, szPage, szExtra, bPurgeable int32) uintptr {
	p := cCall[func(*libc.TLS, int32, int32, int32) uintptr](pcacheState.create)(tls, szPage, szExtra, bPurgeable)
	if p == 0 {
		return 0
	}
	g := libc.Xcalloc(tls, 1, uint64(unsafe.Sizeof(sqlite3.TPGroup{})))
	if g == 0 {
		return p // it stays on the shared list
	}
	c := (*sqlite3.TPCache1)(cptr(p))
	shared, own := (*sqlite3.TPGroup)(cptr(c.FpGroup)), (*sqlite3.TPGroup)(cptr(g))
	anchor := g + unsafe.Offsetof(own.Flru)
	own.Flru.FisAnchor, own.Flru.FpLruNext, own.Flru.FpLruPrev = 1, anchor, anchor
	own.FmxPinned = 10
	if c.FbPurgeable != 0 {
		// Undo what pcache1Create counted in the shared list (it holds
		// no page of this cache yet, nor any of its size), count it here.
		sqlite3.Xsqlite3_mutex_enter(tls, shared.Fmutex)
		shared.FnMinPage -= c.FnMin
		shared.FmxPinned = shared.FnMaxPage + 10 - shared.FnMinPage
		sqlite3.Xsqlite3_mutex_leave(tls, shared.Fmutex)
		own.FnMinPage = c.FnMin
		own.FmxPinned = own.FnMaxPage + 10 - own.FnMinPage
		c.FpnPurgeable = g + unsafe.Offsetof(own.FnPurgeable)
	}
	c.FpGroup = g
	pcacheState.ownLRU.Add(1)
	return p
}

func pcacheDestroy(tls *libc.TLS, p uintptr) {
	g := (*sqlite3.TPCache1)(cptr(p)).FpGroup
	own := (*sqlite3.TPGroup)(cptr(g)).Fmutex == 0 // the shared list has one
	cCall[func(*libc.TLS, uintptr)](pcacheState.destroy)(tls, p)
	if own {
		libc.Xfree(tls, g)
	}
}
