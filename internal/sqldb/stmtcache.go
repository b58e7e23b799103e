package sqldb

import (
	"context"
	"database/sql"
	"sync"
)

// stmts keeps the writer's prepared statements across transactions. On
// SQLite, preparing a statement costs as much as running it (modernc
// compiles the SQL each time), and the one writer connection makes a
// statement prepared once usable by every later transaction (tx.Stmt
// finds it already prepared on that connection). PostgreSQL's driver
// (pgx) caches prepared statements itself, so there the cache is unused.
type stmts struct {
	mu   sync.Mutex
	m    map[string]*sql.Stmt
	want map[string]bool // asked for inside a transaction, to prepare after it
}

// prepared is a statement of a transaction: on SQLite a prepared
// statement, on PostgreSQL the SQL itself, run on the transaction's
// connection. pgx prepares and caches each SQL text per connection on
// first use, so preparing through database/sql there would only add two
// round trips (Parse, and a Deallocate when the transaction ends).
type prepared struct {
	s     *sql.Stmt // nil on PostgreSQL
	tx    *sql.Tx
	query string
}

func (p prepared) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	if p.s == nil {
		return p.tx.ExecContext(ctx, p.query, args...)
	}
	return p.s.ExecContext(ctx, args...)
}

func (p prepared) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	if p.s == nil {
		return p.tx.QueryContext(ctx, p.query, args...)
	}
	return p.s.QueryContext(ctx, args...)
}

func (p prepared) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	if p.s == nil {
		return p.tx.QueryRowContext(ctx, p.query, args...)
	}
	return p.s.QueryRowContext(ctx, args...)
}

// stmt returns query prepared for tx: on SQLite from the cache, else
// prepared in tx (closed with it); on PostgreSQL, see prepared. A
// statement missing from the cache is prepared for it once the writer is
// free (prepareWanted): the one writer connection is busy with tx now.
func (db *DB) stmt(ctx context.Context, tx *sql.Tx, query string) (prepared, error) {
	if db.dialect.Name() != "sqlite" {
		return prepared{tx: tx, query: query}, nil
	}
	db.stmts.mu.Lock()
	s, ok := db.stmts.m[query]
	if !ok {
		if db.stmts.want == nil {
			db.stmts.want = map[string]bool{}
		}
		db.stmts.want[query] = true
	}
	db.stmts.mu.Unlock()
	if !ok {
		s, err := tx.PrepareContext(ctx, query)
		return prepared{s: s, tx: tx, query: query}, err
	}
	return prepared{s: tx.StmtContext(ctx, s), tx: tx, query: query}, nil
}

// prepareWanted prepares the statements transactions asked for; call it
// when no transaction holds the writer.
func (db *DB) prepareWanted() {
	db.stmts.mu.Lock()
	var queries []string
	for q := range db.stmts.want {
		queries = append(queries, q)
	}
	clear(db.stmts.want)
	db.stmts.mu.Unlock()
	// Not under the lock: preparing waits for the writer connection, whose
	// transaction may be asking the cache for a statement.
	for _, q := range queries {
		s, err := db.w.PrepareContext(context.Background(), q)
		if err != nil {
			continue // it is prepared per transaction, as before
		}
		db.stmts.mu.Lock()
		if db.stmts.m == nil {
			db.stmts.m = map[string]*sql.Stmt{}
		}
		if old, ok := db.stmts.m[q]; ok {
			old.Close()
		}
		db.stmts.m[q] = s
		db.stmts.mu.Unlock()
	}
}

// ExecTx runs a statement in tx through the statement cache.
func (db *DB) ExecTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	s, err := db.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// QueryTx runs a query in tx through the statement cache; closing the
// rows is the caller's.
func (db *DB) QueryTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	s, err := db.stmt(ctx, tx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// QueryRowTx runs a one-row query in tx through the statement cache.
func (db *DB) QueryRowTx(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	s, err := db.stmt(ctx, tx, query)
	if err != nil {
		// Preparing failed: run it plainly, so the Row carries that error.
		return tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// closeStmts closes the cached statements.
func (db *DB) closeStmts() {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	for _, s := range db.stmts.m {
		s.Close()
	}
	db.stmts.m = nil
}

// Readers is the pool reads go through. On SQLite it keeps each query's
// prepared statement, as stmts does for the writer: a plain query is
// compiled anew each time, which for a point lookup (an API key, an
// Idempotency-Key, an order) costs as much as running it. database/sql
// prepares a kept statement again on each pool connection the first time
// it runs there. On PostgreSQL it is the plain pool (pgx caches).
type Readers struct {
	*sql.DB
	keep bool
	mu   sync.RWMutex
	m    map[string]*sql.Stmt
}

// maxReadStmts bounds the statements kept: a query whose text varies
// (a LIMIT written into it) would otherwise grow the map without end.
const maxReadStmts = 256

func newReaders(pool *sql.DB, keep bool) *Readers {
	return &Readers{DB: pool, keep: keep, m: map[string]*sql.Stmt{}}
}

// stmt is query's kept statement, prepared on first use; nil when
// statements are not kept (PostgreSQL, a full cache, or preparing failed:
// the query then runs plainly and reports its own error).
func (r *Readers) stmt(ctx context.Context, query string) *sql.Stmt {
	if !r.keep {
		return nil
	}
	r.mu.RLock()
	s, ok := r.m[query]
	full := len(r.m) >= maxReadStmts
	r.mu.RUnlock()
	if ok || full {
		return s
	}
	s, err := r.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if kept, ok := r.m[query]; ok { // prepared meanwhile by another reader
		s.Close()
		return kept
	}
	r.m[query] = s
	return s
}

func (r *Readers) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := r.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return r.DB.QueryContext(ctx, query, args...)
}

func (r *Readers) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := r.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return r.DB.QueryRowContext(ctx, query, args...)
}

// close closes the kept statements (not the pool).
func (r *Readers) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for q, s := range r.m {
		s.Close()
		delete(r.m, q)
	}
}
