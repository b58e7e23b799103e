package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
)

// bulkRows is the most rows one multi-row statement carries: well under
// SQLite's 32,766 and PostgreSQL's 65,535 parameters for the widest
// table written this way.
const bulkRows = 500

// cachedRows is the most rows of a multi-row statement kept prepared,
// besides full chunks of bulkRows.
const cachedRows = 16

// rows collects the parameters of a multi-row INSERT, cols per row.
type rows struct {
	cols int
	args []any
}

func (r *rows) add(vals ...any) { r.args = append(r.args, vals...) }
func (r *rows) len() int        { return len(r.args) / r.cols }

// insertRows runs `head VALUES (...), (...) tail` over every collected
// row, bulkRows at a time: one round trip per 500 rows instead of one per
// row. fn, if not nil, scans the rows each statement returns (tail
// holding a RETURNING clause).
func (db *DB) insertRows(ctx context.Context, tx *sql.Tx, head string, r *rows, tail string, fn func(*sql.Rows) error) error {
	n := r.len()
	for start := 0; start < n; start += bulkRows {
		end := min(n, start+bulkRows)
		q := head + " VALUES " + placeholders(end-start, r.cols, db.dialect.positional()) + " " + tail
		args := r.args[start*r.cols : end*r.cols]
		// Small statements (an order's lines, its ledger rows) and full
		// chunks (a POS batch's) come back with the same text again and
		// again: keep them prepared (on SQLite compiling 500 rows costs
		// ~10% of a batch). A partial chunk's text depends on its row
		// count: preparing it for the cache would only double the work.
		exec, query := tx.ExecContext, tx.QueryContext
		if n := end - start; n <= cachedRows || n == bulkRows {
			exec = func(ctx context.Context, q string, args ...any) (sql.Result, error) {
				return db.execTx(ctx, tx, q, args...)
			}
			query = func(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
				return db.queryTx(ctx, tx, q, args...)
			}
		}
		if fn == nil {
			if _, err := exec(ctx, q, args...); err != nil {
				return err
			}
			continue
		}
		res, err := query(ctx, q, args...)
		if err != nil {
			return err
		}
		for res.Next() {
			if err := fn(res); err != nil {
				res.Close()
				return err
			}
		}
		res.Close()
		if err := res.Err(); err != nil {
			return err
		}
	}
	return nil
}

// placeholders is "($1, $2), ($3, $4)" for n rows of cols columns, or
// "(?, ?), (?, ?)" if positional.
func placeholders(n, cols int, positional bool) string {
	var b strings.Builder
	b.Grow(n * cols * 6)
	p := 1
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			if positional {
				b.WriteByte('?')
				continue
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(p))
			p++
		}
		b.WriteByte(')')
	}
	return b.String()
}

// jsonList encodes a list for a jsonTextArray parameter: one parameter
// however long the list, so the SQL stays fixed.
func jsonList(items []string) string {
	if items == nil {
		items = []string{}
	}
	b, _ := json.Marshal(items)
	return string(b)
}

// jsonText is v as JSON text, a parameter for dialect.jsonPairs.
func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// nullable turns a stored time that may be absent into a parameter.
func nullable(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}
