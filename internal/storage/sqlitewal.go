//go:build linux && (amd64 || arm64)

package storage

import (
	"sync"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// The SQLite writer's WAL, written in a few large writes instead of two
// system calls a page (ADR 0016). SQLite writes each WAL frame as its
// 24-byte header and then its page, one pwrite each: a POS batch of
// 5,000 events writes tens of thousands of frames, and a system call is
// dear on these virtual machines. The "bopis-wal" VFS is SQLite's own
// unix VFS with the WAL's writes gathered in a buffer while they follow
// each other in the file, and written out:
//   - before anything else touches the file (a read, a sync, its size, a
//     truncation, a file control, closing it), so SQLite always finds
//     what it wrote;
//   - before the commit is published to other connections: SQLite
//     publishes a commit by writing the WAL index header around a memory
//     barrier of the database file (xShmBarrier), which flushes the WAL
//     of that database first. Readers read only frames so published, and
//     the group committer's fsync (syncFile) comes after the commit, so
//     it finds the frames written;
//   - when the buffer is full.
// A crash loses at most frames no commit had published, as a crash in
// the middle of SQLite's own writes would.
//
// Only the writer connection opens its files through it; readers and the
// checkpointer never write the WAL.

const walVFS = "bopis-wal"

// walBufferSize bounds the bytes gathered before they are written.
const walBufferSize = 8 << 20

// walFile is a WAL file opened through walVFS and what it gathered.
type walFile struct {
	mu      sync.Mutex
	file    uintptr // its sqlite3_file
	methods uintptr // SQLite's own io methods of the file
	path    string
	buf     uintptr // C memory of walBufferSize bytes
	off     int64   // file offset of buf's first byte
	n       int     // bytes gathered
	commit  bool    // the last write was a commit frame's header: its page ends the commit
	err     int32   // a write that failed where it could not be reported (see dbShmBarrier)
}

// walRegistry is what walVFS keeps of the files open through it.
type walRegistry struct {
	once    sync.Once
	ok      bool
	mu      sync.Mutex
	unix    uintptr             // SQLite's unix VFS
	walMeth map[uintptr]uintptr // own io methods -> the WAL's wrapped copy
	dbMeth  map[uintptr]uintptr // own io methods -> the database file's wrapped copy
	wal     sync.Map            // open WAL files by sqlite3_file (uintptr → *walFile): read on every write, without s.mu
	walPath map[string]*walFile // and by path
	dbPath  map[uintptr]string  // database files by sqlite3_file: their path
	dbOwn   map[uintptr]uintptr // database files: their own io methods
}

var walVFSState walRegistry

// registerWalVFS registers walVFS once; it reports whether it is there.
func registerWalVFS() bool {
	s := &walVFSState
	s.once.Do(func() {
		tls := libc.NewTLS()
		defer tls.Close()
		s.unix = sqlite3.Xsqlite3_vfs_find(tls, 0)
		if s.unix == 0 {
			return
		}
		s.walMeth, s.dbMeth = map[uintptr]uintptr{}, map[uintptr]uintptr{}
		s.walPath = map[string]*walFile{}
		s.dbPath, s.dbOwn = map[uintptr]string{}, map[uintptr]uintptr{}
		size := unsafe.Sizeof(sqlite3.Tsqlite3_vfs{})
		v := libc.Xcalloc(tls, 1, uint64(size))
		vfs := (*sqlite3.Tsqlite3_vfs)(cptr(v))
		*vfs = *(*sqlite3.Tsqlite3_vfs)(cptr(s.unix))
		name, _ := libc.CString(walVFS)
		vfs.FzName, vfs.FpNext = name, 0
		vfs.FxOpen = cfunc(walOpen)
		s.ok = sqlite3.Xsqlite3_vfs_register(tls, v, 0) == sqlite3.SQLITE_OK
	})
	return s.ok
}

// cfunc is a Go function as SQLite (modernc's C in Go) calls it.
func cfunc[T any](f T) uintptr { return *(*uintptr)(unsafe.Pointer(&struct{ f T }{f})) }

// cptr is C memory's address as a pointer. (Not unsafe.Pointer(u): the
// memory is modernc's C heap, never Go's, which vet cannot know.)
func cptr(u uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&u)) }

// cCall turns a C function pointer of type T back into a Go function.
func cCall[T any](fp uintptr) T { return *(*T)(unsafe.Pointer(&struct{ uintptr }{fp})) }

func walOpen(tls *libc.TLS, pVfs, zName, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	s := &walVFSState
	unix := (*sqlite3.Tsqlite3_vfs)(cptr(s.unix))
	rc := cCall[func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32](unix.FxOpen)(tls, s.unix, zName, pFile, flags, pOutFlags)
	own := (*sqlite3.Tsqlite3_file)(cptr(pFile)).FpMethods
	if rc != sqlite3.SQLITE_OK || own == 0 || zName == 0 {
		return rc
	}
	path := libc.GoString(zName)
	switch {
	case flags&sqlite3.SQLITE_OPEN_WAL != 0:
		buf := libc.Xmalloc(tls, walBufferSize)
		if buf == 0 {
			return rc // SQLite's own writes, unbuffered
		}
		f := &walFile{file: pFile, methods: own, path: path, buf: buf}
		s.mu.Lock()
		s.wal.Store(pFile, f)
		s.walPath[path] = f
		(*sqlite3.Tsqlite3_file)(cptr(pFile)).FpMethods = s.wrapped(tls, s.walMeth, own, wrapWAL)
		s.mu.Unlock()
	case flags&sqlite3.SQLITE_OPEN_MAIN_DB != 0:
		s.mu.Lock()
		s.dbPath[pFile], s.dbOwn[pFile] = path, own
		(*sqlite3.Tsqlite3_file)(cptr(pFile)).FpMethods = s.wrapped(tls, s.dbMeth, own, wrapDB)
		s.mu.Unlock()
	}
	return rc
}

// wrapped returns the copy of the io methods own that wrap changes,
// made once per own. Called with s.mu held.
func (s *walRegistry) wrapped(tls *libc.TLS, cache map[uintptr]uintptr, own uintptr, wrap func(*sqlite3.Tsqlite3_io_methods)) uintptr {
	if m, ok := cache[own]; ok {
		return m
	}
	size := unsafe.Sizeof(sqlite3.Tsqlite3_io_methods{})
	m := libc.Xcalloc(tls, 1, uint64(size))
	*(*sqlite3.Tsqlite3_io_methods)(cptr(m)) = *(*sqlite3.Tsqlite3_io_methods)(cptr(own))
	wrap((*sqlite3.Tsqlite3_io_methods)(cptr(m)))
	cache[own] = m
	return m
}

func wrapWAL(m *sqlite3.Tsqlite3_io_methods) {
	m.FxWrite = cfunc(walWrite)
	m.FxRead = cfunc(walRead)
	m.FxSync = cfunc(walSync)
	m.FxTruncate = cfunc(walTruncate)
	m.FxFileSize = cfunc(walFileSize)
	m.FxFileControl = cfunc(walFileControl)
	m.FxClose = cfunc(walClose)
}

func wrapDB(m *sqlite3.Tsqlite3_io_methods) {
	if m.FxShmBarrier != 0 {
		m.FxShmBarrier = cfunc(dbShmBarrier)
	}
	m.FxClose = cfunc(dbClose)
}

func walOf(pFile uintptr) *walFile {
	f, _ := walVFSState.wal.Load(pFile)
	return f.(*walFile)
}

// flush writes what f gathered. Called with f.mu held.
func (f *walFile) flush(tls *libc.TLS) int32 {
	if f.err != sqlite3.SQLITE_OK {
		return f.err
	}
	if f.n == 0 {
		return sqlite3.SQLITE_OK
	}
	write := cCall[func(*libc.TLS, uintptr, uintptr, int32, int64) int32](f.own().FxWrite)
	for done := 0; done < f.n; done += maxWrite {
		if rc := write(tls, f.file, f.buf+uintptr(done), int32(min(maxWrite, f.n-done)), f.off+int64(done)); rc != sqlite3.SQLITE_OK {
			f.n = 0
			return rc
		}
	}
	f.n = 0
	return sqlite3.SQLITE_OK
}

// maxWrite is the most the unix VFS writes in one call: it masks a
// write's length with 0x1ffff (seekAndWriteFd), so a longer one would be
// cut, and one of exactly 128 KiB written as nothing.
const maxWrite = 0x1ffff

func (f *walFile) own() *sqlite3.Tsqlite3_io_methods {
	return (*sqlite3.Tsqlite3_io_methods)(cptr(f.methods))
}

// walFrameHeader is the size of a WAL frame's header; bytes 4-7 hold the
// database's size after a commit, 0 in every frame but a commit's.
const walFrameHeader = 24

func walWrite(tls *libc.TLS, pFile, pBuf uintptr, amt int32, off int64) int32 {
	f := walOf(pFile)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n > 0 && (off != f.off+int64(f.n) || f.n+int(amt) > walBufferSize) {
		if rc := f.flush(tls); rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	if int(amt) > walBufferSize {
		return cCall[func(*libc.TLS, uintptr, uintptr, int32, int64) int32](f.own().FxWrite)(tls, pFile, pBuf, amt, off)
	}
	data := unsafe.Slice((*byte)(cptr(pBuf)), amt)
	if f.n == 0 {
		f.off = off
	}
	copy(unsafe.Slice((*byte)(cptr(f.buf+uintptr(f.n))), amt), data)
	f.n += int(amt)
	// A commit frame's page is the last write of a commit: written out
	// now, a failure fails the commit, before SQLite publishes it.
	commitPage := f.commit
	f.commit = amt == walFrameHeader && (data[4]|data[5]|data[6]|data[7]) != 0
	if commitPage {
		return f.flush(tls)
	}
	return sqlite3.SQLITE_OK
}

// flushed runs op on the file once what it gathered is written.
func flushed(tls *libc.TLS, pFile uintptr, op func(own *sqlite3.Tsqlite3_io_methods) int32) int32 {
	f := walOf(pFile)
	f.mu.Lock()
	defer f.mu.Unlock()
	if rc := f.flush(tls); rc != sqlite3.SQLITE_OK {
		return rc
	}
	return op(f.own())
}

func walRead(tls *libc.TLS, pFile, pBuf uintptr, amt int32, off int64) int32 {
	return flushed(tls, pFile, func(m *sqlite3.Tsqlite3_io_methods) int32 {
		return cCall[func(*libc.TLS, uintptr, uintptr, int32, int64) int32](m.FxRead)(tls, pFile, pBuf, amt, off)
	})
}

func walSync(tls *libc.TLS, pFile uintptr, flags int32) int32 {
	return flushed(tls, pFile, func(m *sqlite3.Tsqlite3_io_methods) int32 {
		return cCall[func(*libc.TLS, uintptr, int32) int32](m.FxSync)(tls, pFile, flags)
	})
}

func walTruncate(tls *libc.TLS, pFile uintptr, size int64) int32 {
	return flushed(tls, pFile, func(m *sqlite3.Tsqlite3_io_methods) int32 {
		return cCall[func(*libc.TLS, uintptr, int64) int32](m.FxTruncate)(tls, pFile, size)
	})
}

func walFileSize(tls *libc.TLS, pFile, pSize uintptr) int32 {
	return flushed(tls, pFile, func(m *sqlite3.Tsqlite3_io_methods) int32 {
		return cCall[func(*libc.TLS, uintptr, uintptr) int32](m.FxFileSize)(tls, pFile, pSize)
	})
}

func walFileControl(tls *libc.TLS, pFile uintptr, op int32, pArg uintptr) int32 {
	return flushed(tls, pFile, func(m *sqlite3.Tsqlite3_io_methods) int32 {
		return cCall[func(*libc.TLS, uintptr, int32, uintptr) int32](m.FxFileControl)(tls, pFile, op, pArg)
	})
}

func walClose(tls *libc.TLS, pFile uintptr) int32 {
	s := &walVFSState
	rc := flushed(tls, pFile, func(m *sqlite3.Tsqlite3_io_methods) int32 {
		return cCall[func(*libc.TLS, uintptr) int32](m.FxClose)(tls, pFile)
	})
	f := walOf(pFile)
	s.wal.Delete(pFile)
	s.mu.Lock()
	if s.walPath[f.path] == f {
		delete(s.walPath, f.path)
	}
	s.mu.Unlock()
	libc.Xfree(tls, f.buf)
	return rc
}

// dbShmBarrier writes the database's WAL out before SQLite publishes
// what it wrote there (see the top of this file).
func dbShmBarrier(tls *libc.TLS, pFile uintptr) {
	s := &walVFSState
	s.mu.Lock()
	own := s.dbOwn[pFile]
	f := s.walPath[s.dbPath[pFile]+"-wal"]
	s.mu.Unlock()
	if f != nil {
		// Nothing is left to write here after a commit (walWrite wrote
		// its last page out), but for frames rewritten after it. A
		// barrier cannot report a failure: the file's next operation
		// does, and every one after.
		f.mu.Lock()
		if rc := f.flush(tls); rc != sqlite3.SQLITE_OK {
			f.err = rc
		}
		f.mu.Unlock()
	}
	cCall[func(*libc.TLS, uintptr)]((*sqlite3.Tsqlite3_io_methods)(cptr(own)).FxShmBarrier)(tls, pFile)
}

func dbClose(tls *libc.TLS, pFile uintptr) int32 {
	s := &walVFSState
	s.mu.Lock()
	own := s.dbOwn[pFile]
	delete(s.dbOwn, pFile)
	delete(s.dbPath, pFile)
	s.mu.Unlock()
	return cCall[func(*libc.TLS, uintptr) int32]((*sqlite3.Tsqlite3_io_methods)(cptr(own)).FxClose)(tls, pFile)
}
