package bopis_test

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/bopis/bopis"
)

// The hash is the one keys already stored were made with: each part after
// its length and a colon. Parts cannot trade bytes without changing it.
func TestIdempotencyHash(t *testing.T) {
	want := sha256.Sum256([]byte("5:store7:{\"a\":1}"))
	if got := bopis.IdempotencyHash([]byte("store"), []byte(`{"a":1}`)); !bytes.Equal(got, want[:]) {
		t.Fatalf("IdempotencyHash = %x, want %x", got, want)
	}
	if bytes.Equal(bopis.IdempotencyHash([]byte("ab"), []byte("c")), bopis.IdempotencyHash([]byte("a"), []byte("bc"))) {
		t.Fatal("parts that run into each other hash the same")
	}
}
