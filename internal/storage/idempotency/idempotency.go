// Package idempotency keeps the answers of writes under their clients'
// Idempotency-Keys (the idempotency_keys table): a write takes its key in
// its own transaction, last (Keyed), and a retry finds the answer before
// doing any work (Lookup). See ADR 0012.
package idempotency

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
)

// Keyed runs write in a write transaction of kind and keeps write's
// answer under idem's key (none with idem nil), inserted last, with
// write's batch, and returns the answer. The key is taken only when the
// write commits: of two requests with one key at once, the second's
// insert waits for the first (PostgreSQL; SQLite has one writer), then
// fails, and the whole second write is undone; Keyed then returns the
// first's answer and replayed (or, if the key was used for another
// request, ErrKeyReused). A retry after the first committed finds the
// answer before doing any work (Lookup). Taking the key last rather
// than first spares every write a statement and a second write of the
// row (ADR 0012).
func Keyed[T any](ctx context.Context, db *sqldb.DB, kind sqldb.Kind, idem *bopis.Idempotency,
	write func(tx *sql.Tx, later *sqldb.Batch) (T, error)) (answer T, replayed bool, err error) {
	var zero T
	err = db.Write(ctx, kind, func(tx *sql.Tx) error {
		var later sqldb.Batch
		a, err := write(tx, &later)
		if err != nil {
			return err
		}
		if idem != nil {
			resp, err := json.Marshal(a)
			if err != nil {
				return err
			}
			_, us := db.NowMicros()
			later.Add(`INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at) VALUES ($1, $2, $3, $4, $5)`,
				idem.Scope, idem.Key, hex.EncodeToString(idem.Hash), string(resp), us)
		}
		answer = a
		return db.RunBatch(ctx, tx, &later)
	})
	if err == nil {
		return answer, false, nil
	}
	if idem == nil {
		return zero, false, err
	}
	if detail, ok := db.Dialect().UniqueViolation(err); !ok || !strings.Contains(detail, "idempotency_keys") {
		return zero, false, err
	}
	// The write that took the key has committed: its insert is what made
	// this one fail (PostgreSQL), or its group's commit came before this
	// answer (SQLite).
	var first T
	found, lerr := Lookup(ctx, db, idem, &first)
	if lerr != nil {
		return zero, false, lerr
	}
	if !found {
		return zero, false, err
	}
	return first, true, nil
}

// Lookup finds the stored answer to idem's key before any work is done,
// so a retry costs nothing (no payment authorization either): found is
// true with the answer decoded into out; a different request under the
// key is ErrKeyReused. The key is taken for real by the write (Keyed).
func Lookup(ctx context.Context, db *sqldb.DB, idem *bopis.Idempotency, out any) (found bool, err error) {
	var hash, response string
	err = db.Readers().QueryRowContext(ctx, `SELECT request_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2`,
		idem.Scope, idem.Key).Scan(&hash, &response)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if stored, err := hex.DecodeString(hash); err != nil || !bytes.Equal(stored, idem.Hash) {
		return false, bopis.ErrKeyReused
	}
	return true, json.Unmarshal([]byte(response), out)
}
