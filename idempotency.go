package bopis

import (
	"crypto/sha256"
	"strconv"
)

// IdempotencyHash is what an Idempotency-Key remembers of its request, to
// tell a retry (the same hash) from another request under the same key:
// SHA-256 over the parts that identify the request, each after its length
// so that parts cannot run into each other. The API and the demo
// storefront both key their writes by it.
func IdempotencyHash(request ...[]byte) []byte {
	sum := sha256.New()
	for _, r := range request {
		sum.Write(strconv.AppendInt(nil, int64(len(r)), 10))
		sum.Write([]byte{':'})
		sum.Write(r)
	}
	return sum.Sum(nil)
}

// Idempotency ties a write to the client's Idempotency-Key: the first request's
// answer is stored in the transaction of its write, so a repeat (a retry
// after a timeout) gets that answer and changes nothing.
type Idempotency struct {
	Scope string // whose key and for what: the API key id and the operation
	Key   string // the client's Idempotency-Key
	Hash  []byte // of the request: the same key with another request is refused
}

// ErrKeyReused answers a request whose Idempotency-Key was already used
// for a different request.
var ErrKeyReused = &Error{Code: EINVALID, Message: "this Idempotency-Key was already used with a different request",
	Fields: []FieldError{{Path: "Idempotency-Key", Message: "was already used with a different request; use a new key for a new request"}}}
