package storage

// The names storage's SQL has always called sqldb's machinery by: the
// aggregates still in this package (orders, reservations, inventory,
// store work, timers) call them as they did, and their files need no
// change for the move.

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/bopis/bopis/internal/sqldb"
)

type (
	writeKind = sqldb.Kind
	scanner   = sqldb.Scanner
)

const (
	shared = sqldb.Shared
	alone  = sqldb.Alone
)

var errBadCursor = sqldb.ErrBadCursor

func (p Page) after() (string, error) { return sqldb.Page(p).After() }
func (p Page) limit() int             { return sqldb.Page(p).Size() }

func nextCursor(n, limit int, lastID string) string { return sqldb.NextCursor(n, limit, lastID) }

func listPage[T any](ctx context.Context, q querier, p Page, query string, args []any,
	scan func(scanner) (*T, error), key func(*T) string) ([]T, string, error) {
	return sqldb.List(ctx, q, sqldb.Page(p), query, args, scan, key)
}

func collect[T any](res *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	return sqldb.Collect(res, scan)
}

func notFound(what, id string) error { return sqldb.NotFound(what, id) }

func micros(t time.Time) int64      { return sqldb.Micros(t) }
func fromMicros(us int64) time.Time { return sqldb.FromMicros(us) }
func (db *DB) nowMicros() (time.Time, int64) {
	return db.sql.NowMicros()
}

func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.sql.Transact(ctx, fn)
}

func (db *DB) txAlone(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return db.sql.TransactAlone(ctx, fn)
}

func (db *DB) write(ctx context.Context, kind writeKind, fn func(tx *sql.Tx) error) error {
	return db.sql.Write(ctx, kind, fn)
}

func (db *DB) exec(ctx context.Context, query string, args ...any) error {
	return db.sql.Exec(ctx, query, args...)
}

func (db *DB) execTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	return db.sql.ExecTx(ctx, tx, query, args...)
}

func (db *DB) queryTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Rows, error) {
	return db.sql.QueryTx(ctx, tx, query, args...)
}

func (db *DB) queryRowTx(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	return db.sql.QueryRowTx(ctx, tx, query, args...)
}

// rows collects the parameters of a multi-row INSERT, cols per row (see
// sqldb.Rows).
type rows struct {
	cols int
	args []any
}

func (r *rows) add(vals ...any) { r.args = append(r.args, vals...) }
func (r *rows) grow(n int)      { r.args = slices.Grow(r.args, n*r.cols) }
func (r *rows) len() int        { return len(r.args) / r.cols }

// sql is r for sqldb, sharing its parameters.
func (r *rows) sql() *sqldb.Rows { return &sqldb.Rows{Cols: r.cols, Args: r.args} }

// batch is writes a transaction makes one after another without reading
// their results (see sqldb.Batch).
type batch struct{ sqldb.Batch }

func (b *batch) add(query string, args ...any) { b.Add(query, args...) }
func (b *batch) len() int                      { return b.Len() }
func (b *batch) truncate(n int)                { b.Truncate(n) }

// own returns later, the batch a caller was given to add its writes to,
// or, when it was given none, a batch of its own that it runs itself
// (runOwn).
func own(later *batch) *batch {
	if later == nil {
		return &batch{}
	}
	return later
}

// runOwn runs b if it is the caller's own (later nil); a batch the caller
// was given is its giver's to run.
func (db *DB) runOwn(ctx context.Context, tx *sql.Tx, later, b *batch) error {
	if later != nil {
		return nil
	}
	return db.runBatch(ctx, tx, b)
}

func (db *DB) runBatch(ctx context.Context, tx *sql.Tx, b *batch) error {
	return db.sql.RunBatch(ctx, tx, &b.Batch)
}

func (db *DB) addRows(b *batch, head string, r *rows, tail string) {
	db.sql.AddRows(&b.Batch, head, r.sql(), tail)
}

func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, head string, r *rows, tail string, fn func(*sql.Rows) error) error {
	return db.sql.InsertRows(ctx, tx, head, r.sql(), tail, fn)
}

func (db *DB) chunks(n int) []int { return db.sql.Chunks(n) }

func placeholders(n, cols int, positional bool) string {
	return sqldb.Placeholders(n, cols, positional)
}
func jsonList(items []string) string { return sqldb.JSONList(items) }
func nullable(p *int64) any          { return sqldb.Nullable(p) }
func ptr(n sql.NullInt64) *int64     { return sqldb.NullInt(n) }
