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

// keepAnswer adds to b the row that ties idem's key to v, the answer of
// the write b belongs to; with idem nil it does nothing. The key is taken
// only when that write commits, with the rest of it: of two requests with
// one key at once, the second's insert waits for the first (PostgreSQL;
// SQLite has one writer), then fails, and the whole second write is
// undone; replayIfTaken then answers it with the first's answer. A retry
// after the first committed finds the answer before doing any work
// (LookupKey). Taking the key last rather than first spares every write
// a statement and a second write of the row (ADR 0012).
func (db *DB) keepAnswer(b *batch, idem *Idempotency, v any) error {
	if idem == nil {
		return nil
	}
	resp, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, us := db.nowMicros()
	b.add(`INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at) VALUES ($1, $2, $3, $4, $5)`,
		idem.Scope, idem.Key, hex.EncodeToString(idem.Hash), string(resp), us)
	return nil
}

// replayIfTaken looks at err, the failure of a write that kept its answer
// under idem's key (keepAnswer): if another request took the key first,
// that request's answer is decoded into out and replayed is true (or the
// key was used for another request: ErrKeyReused). Any other err is
// returned as it is.
func (db *DB) replayIfTaken(ctx context.Context, err error, idem *Idempotency, out any) (replayed bool, _ error) {
	if idem == nil {
		return false, err
	}
	if detail, ok := db.dialect.uniqueViolation(err); !ok || !strings.Contains(detail, "idempotency_keys") {
		return false, err
	}
	// The write that took the key has committed: its insert is what made
	// this one fail (PostgreSQL), or its group's commit came before this
	// answer (SQLite).
	found, lerr := db.LookupKey(ctx, idem, out)
	if lerr != nil {
		return false, lerr
	}
	if !found {
		return false, err
	}
	return true, nil
}

// LookupKey finds the stored answer to idem's key before any work is done,
// so a retry costs nothing (no payment authorization either): found is
// true with the answer decoded into out; a different request under the
// key is ErrKeyReused. The key is taken for real by the write (keepAnswer).
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
