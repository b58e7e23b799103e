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
