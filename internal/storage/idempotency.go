package storage

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"

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

// claimKey takes idem's key for this transaction. If an earlier request
// already holds it, the stored answer is decoded into out and replayed is
// true; a different request under the same key is ErrKeyReused. With idem
// nil it does nothing.
//
// The key is inserted before the work, in the same transaction: a
// concurrent request with the same key waits on that row (PostgreSQL) or
// on the writer (SQLite) and then finds the first answer.
func (db *DB) claimKey(ctx context.Context, tx *sql.Tx, idem *Idempotency, out any) (replayed bool, err error) {
	if idem == nil {
		return false, nil
	}
	_, us := db.nowMicros()
	res, err := db.execTx(ctx, tx, `INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at)
		VALUES ($1, $2, $3, 'null', $4) ON CONFLICT (scope, key) DO NOTHING`,
		idem.Scope, idem.Key, hex.EncodeToString(idem.Hash), us)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return false, err
	}
	var hash, response string
	if err := tx.QueryRowContext(ctx, `SELECT request_hash, response FROM idempotency_keys WHERE scope = $1 AND key = $2`,
		idem.Scope, idem.Key).Scan(&hash, &response); err != nil {
		return false, err
	}
	if stored, err := hex.DecodeString(hash); err != nil || !bytes.Equal(stored, idem.Hash) {
		return false, ErrKeyReused
	}
	return true, json.Unmarshal([]byte(response), out)
}

// saveResponse stores the answer to a claimed key: added to later if set,
// else written here.
func (db *DB) saveResponse(ctx context.Context, tx *sql.Tx, idem *Idempotency, v any, later *batch) error {
	if idem == nil {
		return nil
	}
	resp, err := json.Marshal(v)
	if err != nil {
		return err
	}
	const save = `UPDATE idempotency_keys SET response = $3 WHERE scope = $1 AND key = $2`
	if later != nil {
		later.add(save, idem.Scope, idem.Key, string(resp))
		return nil
	}
	_, err = db.execTx(ctx, tx, save, idem.Scope, idem.Key, string(resp))
	return err
}

// LookupKey finds the stored answer to idem's key before any work is done,
// so a retry costs nothing (no payment authorization either): found is
// true with the answer decoded into out; a different request under the
// key is ErrKeyReused. The key is claimed for real by the write (claimKey).
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
	if response == "null" {
		return false, nil
	}
	return true, json.Unmarshal([]byte(response), out)
}
