package storage

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"

	"github.com/bopis/bopis"
)

// Idempotency ties a write to the client's Idempotency-Key: the first
// request's answer is stored in the transaction of its write, so a repeat
// (a retry after a timeout) gets that answer and changes nothing.
type Idempotency struct {
	Scope string // whose key and for what: the API key id and the operation
	Key   string // the client's Idempotency-Key
	Hash  []byte // of the request: the same key with another request is refused
}

// ErrKeyReused answers a request whose Idempotency-Key was already used
// for a different request.
var ErrKeyReused = &bopis.Error{Code: bopis.EINVALID, Message: "this Idempotency-Key was already used with a different request",
	Fields: []bopis.FieldError{{Path: "Idempotency-Key", Message: "was already used with a different request; use a new key for a new request"}}}

// keyed runs write in a write transaction of kind and keeps write's
// answer under idem's key (none with idem nil), inserted last, with
// write's batch, and returns the answer. The key is taken only when the
// write commits: of two requests with one key at once, the second's
// insert waits for the first (PostgreSQL; SQLite has one writer), then
// fails, and the whole second write is undone; keyed then returns the
// first's answer and replayed (or, if the key was used for another
// request, ErrKeyReused). A retry after the first committed finds the
// answer before doing any work (LookupKey). Taking the key last rather
// than first spares every write a statement and a second write of the
// row (ADR 0012).
func keyed[T any](ctx context.Context, db *DB, kind writeKind, idem *Idempotency,
	write func(tx *sql.Tx, later *batch) (T, error)) (answer T, replayed bool, err error) {
	var zero T
	err = db.write(ctx, kind, func(tx *sql.Tx) error {
		var later batch
		a, err := write(tx, &later)
		if err != nil {
			return err
		}
		if idem != nil {
			resp, err := json.Marshal(a)
			if err != nil {
				return err
			}
			_, us := db.nowMicros()
			later.add(`INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at) VALUES ($1, $2, $3, $4, $5)`,
				idem.Scope, idem.Key, hex.EncodeToString(idem.Hash), string(resp), us)
		}
		answer = a
		return db.runBatch(ctx, tx, &later)
	})
	if err == nil {
		return answer, false, nil
	}
	if idem == nil {
		return zero, false, err
	}
	if detail, ok := db.dialect.uniqueViolation(err); !ok || !strings.Contains(detail, "idempotency_keys") {
		return zero, false, err
	}
	// The write that took the key has committed: its insert is what made
	// this one fail (PostgreSQL), or its group's commit came before this
	// answer (SQLite).
	var first T
	found, lerr := db.LookupKey(ctx, idem, &first)
	if lerr != nil {
		return zero, false, lerr
	}
	if !found {
		return zero, false, err
	}
	return first, true, nil
}

// LookupKey finds the stored answer to idem's key before any work is done,
// so a retry costs nothing (no payment authorization either): found is
// true with the answer decoded into out; a different request under the
// key is ErrKeyReused. The key is taken for real by the write (keyed).
func (db *DB) LookupKey(ctx context.Context, idem *Idempotency, out any) (found bool, err error) {
	var hash, response string
	err = db.r.QueryRowContext(ctx, `SELECT request_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2`,
		idem.Scope, idem.Key).Scan(&hash, &response)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if stored, err := hex.DecodeString(hash); err != nil || !bytes.Equal(stored, idem.Hash) {
		return false, ErrKeyReused
	}
	return true, json.Unmarshal([]byte(response), out)
}
