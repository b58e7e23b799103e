// Package seal keeps the instance's secret key: it seals secrets bopis
// must read back (webhook signing secrets) with AES-256-GCM, and derives
// unguessable capability tokens (customer order links) with HMAC-SHA256,
// so neither needs storing in the clear.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// Key is the instance's secret key. Its String never shows it.
type Key struct {
	k    []byte
	aead cipher.AEAD // sealing: made once, as each order seals its payment token
}

// Parse reads a key given as 64 hex digits or base64 of 32 bytes.
func Parse(s string) (*Key, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return newKey(b), nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return newKey(b), nil
	}
	return nil, errors.New("a secret key is 32 random bytes as 64 hex digits or base64 (openssl rand -hex 32)")
}

// Generate returns a new random key in the form Parse reads.
func Generate() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (*Key) String() string { return "seal.Key(redacted)" }

// sub derives a purpose's own key, so a sealing key is never a token key.
func (k *Key) sub(purpose string) []byte {
	m := hmac.New(sha256.New, k.k)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// Seal encrypts plain; Open gets it back.
func (k *Key) Seal(plain string) string {
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	return base64.RawStdEncoding.EncodeToString(k.aead.Seal(nonce, nonce, []byte(plain), nil))
}

// Open decrypts what Seal sealed with the same key.
func (k *Key) Open(sealed string) (string, error) {
	b, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(b) < k.aead.NonceSize() {
		return "", errors.New("not a sealed secret")
	}
	plain, err := k.aead.Open(nil, b[:k.aead.NonceSize()], b[k.aead.NonceSize():], nil)
	if err != nil {
		return "", fmt.Errorf("cannot open a sealed secret: sealed under another key? (%w)", err)
	}
	return string(plain), nil
}

func newKey(b []byte) *Key {
	k := &Key{k: b}
	block, err := aes.NewCipher(k.sub("seal"))
	if err != nil {
		panic(err) // 32-byte keys always work
	}
	if k.aead, err = cipher.NewGCM(block); err != nil {
		panic(err)
	}
	return k
}

// Token is the capability token for id under purpose (e.g. "order"): 26
// characters, unguessable without the key, the same every time.
func (k *Key) Token(purpose, id string) string {
	m := hmac.New(sha256.New, k.sub("token"))
	m.Write([]byte(purpose + "\x00" + id))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// Verify reports whether token is id's under purpose, in constant time.
func (k *Key) Verify(purpose, id, token string) bool {
	return hmac.Equal([]byte(k.Token(purpose, id)), []byte(token))
}
