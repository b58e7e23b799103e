package storage

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL write transactions in two round trips fewer (ADR 0015). A
// transaction's BEGIN is not sent on its own: it leaves with the
// transaction's first statement, as one pgx batch (one round trip). And
// a write's last statement (keyed's batch, see runBatchCommit) carries
// the COMMIT with it the same way. database/sql knows nothing of this:
// pipeConn wraps pgx's own database/sql connection and does it beneath.

// commitMark starts the text of a statement to be committed with: the
// transaction ends with it, and Commit then has nothing left to send.
const commitMark = "/*bopis:commit*/"

// pipeConnector makes pipeConns of pgx's connections.
type pipeConnector struct{ driver.Connector }

func (c pipeConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pipeConn{Conn: conn.(*stdlib.Conn)}, nil
}

// Where a pipeConn's transaction is.
const (
	txNone    = iota // no transaction, or one begun by pgx itself
	txPending        // begun for database/sql; BEGIN not sent yet
	txOpen           // BEGIN sent
	txEnded          // ended with its last statement (committed, or rolled back if it had failed)
)

// pipeConn is pgx's database/sql connection, whose transactions of the
// default options begin with their first statement and may commit with
// their last. The rest (prepared statements, pings, session resets) is
// pgx's as it is.
type pipeConn struct {
	*stdlib.Conn
	state int
}

func (c *pipeConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if opts.Isolation != 0 || opts.ReadOnly {
		return c.Conn.BeginTx(ctx, opts) // snapshots of the change feed and reports: as pgx does
	}
	if c.IsClosed() {
		return nil, driver.ErrBadConn
	}
	c.state = txPending
	return pipeTx{c: c, ctx: ctx}, nil
}

func (c *pipeConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *pipeConn) IsClosed() bool { return c.Conn.Conn().IsClosed() }

// PrepareContext sends a pending BEGIN first: a prepared statement runs
// through pgx's connection, not through this one.
func (c *pipeConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if err := c.sendBegin(ctx); err != nil {
		return nil, err
	}
	return c.Conn.PrepareContext(ctx, query)
}

func (c *pipeConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *pipeConn) sendBegin(ctx context.Context) error {
	if c.state != txPending {
		return nil
	}
	if _, err := c.Conn.Conn().Exec(ctx, "begin"); err != nil {
		return err
	}
	c.state = txOpen
	return nil
}

var errAfterCommit = errors.New("storage: a statement after its transaction's commit")

// batch queues query between a pending BEGIN and, if query is marked,
// the COMMIT. With neither, b is nil: pgx runs q alone.
func (c *pipeConn) batch(query string, args []driver.NamedValue) (b *pgx.Batch, q string, commit bool, err error) {
	q, commit = strings.CutPrefix(query, commitMark)
	commit = commit && c.state != txNone
	if c.state == txEnded {
		return nil, q, false, errAfterCommit
	}
	if c.state != txPending && !commit {
		return nil, q, false, nil
	}
	b = &pgx.Batch{}
	if c.state == txPending {
		b.Queue("begin")
	}
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	b.Queue(q, vals...)
	if commit {
		b.Queue("commit")
	}
	return b, q, commit, nil
}

// send sends b in one round trip and reads the result of the BEGIN it
// starts with, if it does; the statement's result is the caller's to read.
func (c *pipeConn) send(ctx context.Context, b *pgx.Batch) (pgx.BatchResults, error) {
	br := c.Conn.Conn().SendBatch(ctx, b)
	if c.state != txPending {
		return br, nil
	}
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, err
	}
	c.state = txOpen
	return br, nil
}

// committed reads the result of the COMMIT sent with br: a transaction
// that had failed answers ROLLBACK.
func (c *pipeConn) committed(br pgx.BatchResults) error {
	tag, err := br.Exec()
	if err != nil {
		return err
	}
	c.state = txEnded
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

func (c *pipeConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	b, q, commit, err := c.batch(query, args)
	switch {
	case err != nil:
		return nil, err
	case b == nil:
		return c.Conn.ExecContext(ctx, q, args)
	}
	br, err := c.send(ctx, b)
	if err != nil {
		return nil, err
	}
	tag, err := br.Exec()
	if err == nil && commit {
		err = c.committed(br)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

func (c *pipeConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	b, q, commit, err := c.batch(query, args)
	switch {
	case err != nil:
		return nil, err
	case b == nil:
		return c.Conn.QueryContext(ctx, q, args)
	}
	if commit {
		return nil, errors.New("storage: only an Exec may carry its transaction's commit")
	}
	br, err := c.send(ctx, b)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err == nil {
		// The first row now, as pgx's own Rows do: its error belongs to the query.
		r := &pipeRows{br: br, rows: rows, m: c.Conn.Conn().TypeMap(), ahead: true}
		r.more = rows.Next()
		if err = rows.Err(); err == nil {
			return r, nil
		}
	}
	rows.Close()
	br.Close()
	return nil, err
}

// pipeTx ends a pipeConn's transaction: with nothing sent, nothing to
// end; ended with its last statement, nothing left to send (a failed
// COMMIT was that statement's error).
type pipeTx struct {
	c   *pipeConn
	ctx context.Context
}

func (t pipeTx) Commit() error { return t.end("commit") }

func (t pipeTx) Rollback() error { return t.end("rollback") }

func (t pipeTx) end(verb string) error {
	state := t.c.state
	t.c.state = txNone
	if state != txOpen {
		return nil
	}
	tag, err := t.c.Conn.Conn().Exec(t.ctx, verb)
	if err == nil && verb == "commit" && tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return err
}

// pipeRows are the rows of a query sent with its BEGIN, as database/sql
// values (the conversions of pgx's own database/sql rows).
type pipeRows struct {
	br    pgx.BatchResults
	rows  pgx.Rows
	m     *pgtype.Map
	more  bool // whether the query has a first row, read ahead
	ahead bool // that first row not handed out yet
	conv  []func([]byte) (driver.Value, error)
	cols  []string
}

func (r *pipeRows) Columns() []string {
	if r.cols == nil {
		for _, fd := range r.rows.FieldDescriptions() {
			r.cols = append(r.cols, fd.Name)
		}
	}
	return r.cols
}

func (r *pipeRows) Close() error {
	r.rows.Close()
	err := r.rows.Err()
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

func (r *pipeRows) Next(dest []driver.Value) error {
	if r.conv == nil {
		for _, fd := range r.rows.FieldDescriptions() {
			r.conv = append(r.conv, valueOf(r.m, fd))
		}
	}
	more := r.more
	if r.ahead {
		r.ahead = false
	} else {
		more = r.rows.Next()
	}
	if !more {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	for i, raw := range r.rows.RawValues() {
		if raw == nil {
			dest[i] = nil
			continue
		}
		v, err := r.conv[i](raw)
		if err != nil {
			return fmt.Errorf("convert field %d failed: %w", i, err)
		}
		dest[i] = v
	}
	return nil
}

// valueOf converts a column's wire value to what database/sql takes, as
// pgx's own database/sql rows do for the types bopis reads.
func valueOf(m *pgtype.Map, fd pgconn.FieldDescription) func([]byte) (driver.Value, error) {
	switch fd.DataTypeOID {
	case pgtype.BoolOID:
		return scanAs[bool](m, fd, func(v bool) (driver.Value, error) { return v, nil })
	case pgtype.Int2OID:
		return scanAs[int16](m, fd, func(v int16) (driver.Value, error) { return int64(v), nil })
	case pgtype.Int4OID:
		return scanAs[int32](m, fd, func(v int32) (driver.Value, error) { return int64(v), nil })
	case pgtype.Int8OID:
		return scanAs[int64](m, fd, func(v int64) (driver.Value, error) { return v, nil })
	case pgtype.Float4OID:
		return scanAs[float32](m, fd, func(v float32) (driver.Value, error) { return float64(v), nil })
	case pgtype.Float8OID:
		return scanAs[float64](m, fd, func(v float64) (driver.Value, error) { return v, nil })
	case pgtype.ByteaOID, pgtype.JSONOID, pgtype.JSONBOID:
		return scanAs[[]byte](m, fd, func(v []byte) (driver.Value, error) { return v, nil })
	case pgtype.TimestamptzOID:
		return scanAs[pgtype.Timestamptz](m, fd, pgtype.Timestamptz.Value)
	case pgtype.TimestampOID:
		return scanAs[pgtype.Timestamp](m, fd, pgtype.Timestamp.Value)
	case pgtype.DateOID:
		return scanAs[pgtype.Date](m, fd, pgtype.Date.Value)
	}
	return scanAs[string](m, fd, func(v string) (driver.Value, error) { return v, nil })
}

func scanAs[T any](m *pgtype.Map, fd pgconn.FieldDescription, value func(T) (driver.Value, error)) func([]byte) (driver.Value, error) {
	var v T
	plan := m.PlanScan(fd.DataTypeOID, fd.Format, &v)
	return func(src []byte) (driver.Value, error) {
		if err := plan.Scan(src, &v); err != nil {
			return nil, err
		}
		return value(v)
	}
}
