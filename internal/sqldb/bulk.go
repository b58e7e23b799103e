package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"time"
)

// bulkRows is the most rows one multi-row statement carries: well under
// SQLite's 32,766 and PostgreSQL's 65,535 parameters for the widest
// table written this way.
const bulkRows = 500

// cachedRows is the most rows of a multi-row statement whose every size
// is its own statement (see Chunks).
const cachedRows = 16

// Rows collects the parameters of a multi-row INSERT, Cols per row.
type Rows struct {
	Cols int
	Args []any
}

// Add adds one row's values.
func (r *Rows) Add(vals ...any) { r.Args = append(r.Args, vals...) }

// Grow makes room for n more rows: a POS batch adds thousands, and
// growing by appends alone copied them over and over.
func (r *Rows) Grow(n int) { r.Args = slices.Grow(r.Args, n*r.Cols) }

// Len is the number of rows.
func (r *Rows) Len() int { return len(r.Args) / r.Cols }

// InsertRows runs `head VALUES (...), (...) tail` over every collected
// row, in the statements Chunks gives: one round trip per 500 rows
// instead of one per row. fn, if not nil, scans the rows each statement
// returns (tail holding a RETURNING clause).
func (db *DB) InsertRows(ctx context.Context, tx *sql.Tx, head string, r *Rows, tail string, fn func(*sql.Rows) error) error {
	if fn == nil {
		var b Batch
		db.AddRows(&b, head, r, tail)
		return db.RunBatch(ctx, tx, &b)
	}
	start := 0
	for _, size := range db.Chunks(r.Len()) {
		end := start + size
		q := head + " VALUES " + Placeholders(size, r.Cols, db.dialect.Positional()) + " " + tail
		res, err := db.QueryTx(ctx, tx, q, r.Args[start*r.Cols:end*r.Cols]...)
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
		start = end
	}
	return nil
}

// Chunks is how many rows each statement of an n-row insert carries:
// bulkRows at a time, and on SQLite the rest cut into powers of two above
// cachedRows (100 rows go as 64, 32 and 4). On SQLite compiling a
// multi-row statement costs more than running it (a 100-event POS batch
// spent ~20% of its time compiling its inserts), so every statement is
// kept prepared, and these sizes keep the texts few: at most 21 per
// insert. PostgreSQL compiles on its server and pgx caches by text, so
// there the rest goes in one statement.
func (db *DB) Chunks(n int) []int {
	var out []int
	for ; n >= bulkRows; n -= bulkRows {
		out = append(out, bulkRows)
	}
	if db.dialect.Name() == "sqlite" {
		for n > cachedRows {
			p := 1 << (bits.Len(uint(n)) - 1)
			out = append(out, p)
			n -= p
		}
	}
	if n > 0 {
		out = append(out, n)
	}
	return out
}

// Batch is writes a transaction makes one after another without reading
// their results. On PostgreSQL they reach the server as one statement,
// each a data-modifying WITH query of the last: one round trip for all
// instead of one each, and round trips (the server's CPU and bopis's) are
// what PostgreSQL is short of on two cores. Only small writes are joined
// (see maxJoinedParams). On SQLite, where a statement costs no round
// trip, they run one by one. The parts of a batch must not touch the same
// row: PostgreSQL runs them against one snapshot, in no set order. Their
// SQL must hold no "$" but in parameters (see renumber).
type Batch struct {
	parts []batchPart
}

type batchPart struct {
	query string
	args  []any
}

// Add adds one write.
func (b *Batch) Add(query string, args ...any) {
	b.parts = append(b.parts, batchPart{query, args})
}

// Len and Truncate let a caller take back what it added since Len: the
// writes of a reservation undone by a savepoint.
func (b *Batch) Len() int { return len(b.parts) }

// Truncate: see Len.
func (b *Batch) Truncate(n int) { b.parts = b.parts[:n] }

// AddRows adds `head VALUES (...), (...) tail` over r's rows to b, in
// the statements Chunks gives.
func (db *DB) AddRows(b *Batch, head string, r *Rows, tail string) {
	start := 0
	for _, size := range db.Chunks(r.Len()) {
		end := start + size
		b.parts = append(b.parts, batchPart{
			query: head + " VALUES " + Placeholders(size, r.Cols, db.dialect.Positional()) + " " + tail,
			args:  r.Args[start*r.Cols : end*r.Cols],
		})
		start = end
	}
}

// maxJoinedParams bounds the parameters of a joined PostgreSQL statement.
// Joining pays for small writes (an order's seven inserts carry ~110
// parameters); a big one, such as a 500-row chunk of a POS batch, costs
// more to plan joined than its round trip saves, and alone its text comes
// back again and again, so it stays prepared. Joined, a POS batch's flush
// ingested 20-25% fewer events a second (ADR 0012).
const maxJoinedParams = 1000

// RunBatch runs b's writes in tx (see Batch) and empties it.
func (db *DB) RunBatch(ctx context.Context, tx *sql.Tx, b *Batch) error {
	parts := b.parts
	b.parts = nil
	if db.dialect.Name() == "sqlite" {
		for _, p := range parts {
			if _, err := db.ExecTx(ctx, tx, p.query, p.args...); err != nil {
				return err
			}
		}
		return nil
	}
	for len(parts) > 0 {
		n, params := 1, len(parts[0].args)
		for n < len(parts) && params+len(parts[n].args) <= maxJoinedParams {
			params += len(parts[n].args)
			n++
		}
		q, args := joinParts(parts[:n])
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		parts = parts[n:]
	}
	return nil
}

// joinParts is parts as one PostgreSQL statement: each but the last a
// data-modifying WITH query, the last the statement itself, their
// parameters numbered one after another.
func joinParts(parts []batchPart) (string, []any) {
	if len(parts) == 1 {
		return parts[0].query, parts[0].args
	}
	var q strings.Builder
	var args []any
	for i, p := range parts {
		switch {
		case i == 0:
			q.WriteString("WITH ")
		case i < len(parts)-1:
			q.WriteString(", ")
		}
		if i < len(parts)-1 {
			q.WriteString("b" + strconv.Itoa(i) + " AS (")
		} else {
			q.WriteString(" ")
		}
		renumber(&q, p.query, len(args))
		if i < len(parts)-1 {
			q.WriteString(")")
		}
		args = append(args, p.args...)
	}
	return q.String(), args
}

// renumber writes query with each parameter $n as $(n+by). It reads every
// "$" followed by digits as a parameter: bopis's SQL has no dollar-quoted
// strings and no "$" in its literals.
func renumber(w *strings.Builder, query string, by int) {
	for {
		i := strings.IndexByte(query, '$')
		if i < 0 || i+1 >= len(query) || query[i+1] < '0' || query[i+1] > '9' {
			if i < 0 {
				w.WriteString(query)
				return
			}
			w.WriteString(query[:i+1])
			query = query[i+1:]
			continue
		}
		j := i + 1
		for j < len(query) && query[j] >= '0' && query[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(query[i+1 : j])
		w.WriteString(query[:i+1])
		w.WriteString(strconv.Itoa(n + by))
		query = query[j:]
	}
}

// Placeholders is "($1, $2), ($3, $4)" for n rows of cols columns, or
// "(?, ?), (?, ?)" if positional.
func Placeholders(n, cols int, positional bool) string {
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

// JSONList encodes a list for a JSONTextArray or InList parameter: one
// parameter however long the list, so the SQL stays fixed.
func JSONList(items []string) string {
	if items == nil {
		items = []string{}
	}
	b, _ := json.Marshal(items)
	return string(b)
}

// Nullable turns a stored time that may be absent into a parameter.
func Nullable(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// NullInt is a column that may be NULL as a pointer.
func NullInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

// NullTime is a stored time (unix microseconds) that may be NULL as a
// pointer.
func NullTime(us sql.NullInt64) *time.Time {
	if !us.Valid {
		return nil
	}
	t := FromMicros(us.Int64)
	return &t
}

// MicrosOrNull is a time that may be absent as a parameter.
func MicrosOrNull(t *time.Time) any {
	if t == nil {
		return nil
	}
	return Micros(*t)
}

// Own returns later, the batch a caller was given to add its writes to,
// or, when it was given none, a batch of its own that it runs itself
// (RunOwn).
func Own(later *Batch) *Batch {
	if later == nil {
		return &Batch{}
	}
	return later
}

// RunOwn runs b if it is the caller's own (later nil); a batch the caller
// was given is its giver's to run.
func (db *DB) RunOwn(ctx context.Context, tx *sql.Tx, later, b *Batch) error {
	if later != nil {
		return nil
	}
	return db.RunBatch(ctx, tx, b)
}
