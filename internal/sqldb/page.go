package sqldb

import (
	"context"
	"database/sql"
	"encoding/base64"
	"strconv"

	"github.com/bopis/bopis"
)

// NextCursor returns the cursor after lastID when the page came back full.
func NextCursor(n, limit int, lastID string) string {
	if n < limit {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(lastID))
}

// Scanner is a *sql.Row or *sql.Rows.
type Scanner interface{ Scan(...any) error }

// Querier is a pool or a *sql.Tx.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// List runs a page query whose first parameter is the previous page's
// last key (the decoded cursor), scans each row, and returns the page with
// the cursor of the next one. key gives a row's ordering key.
func List[T any](ctx context.Context, q Querier, p bopis.Page, query string, args []any,
	scan func(Scanner) (*T, error), key func(*T) string) ([]T, string, error) {
	after, err := p.After()
	if err != nil {
		return nil, "", err
	}
	rows, err := q.QueryContext(ctx, query+` LIMIT `+strconv.Itoa(p.Size()), append([]any{after}, args...)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, *v)
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, "", err
	}
	return out, NextCursor(len(out), p.Size(), key(&out[len(out)-1])), nil
}

// Collect scans every row of res, and closes it.
func Collect[T any](res *sql.Rows, scan func(Scanner) (T, error)) ([]T, error) {
	defer res.Close()
	out := []T{}
	for res.Next() {
		v, err := scan(res)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, res.Err()
}

// NotFound is the domain error of a missing row.
func NotFound(what, id string) error {
	return bopis.Errorf(bopis.ENOTFOUND, "%s %q not found", what, id)
}
