package seal

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	k, err := Parse(Generate())
	if err != nil {
		t.Fatal(err)
	}
	s := k.Seal("whsec_abc")
	if strings.Contains(s, "whsec_abc") || k.Seal("whsec_abc") == s {
		t.Fatalf("sealed %q: the secret shows, or sealing is deterministic", s)
	}
	if got, err := k.Open(s); err != nil || got != "whsec_abc" {
		t.Fatalf("open: %q %v", got, err)
	}
	other, _ := Parse(Generate())
	if _, err := other.Open(s); err == nil {
		t.Fatal("another key opened it")
	}
	// One bit of the tag flipped. (Writing "AA" over the last two
	// characters left it as it was whenever its last byte was 0: 1 run
	// in 256 failed.)
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 1
	if _, err := k.Open(base64.RawStdEncoding.EncodeToString(b)); err == nil {
		t.Fatal("a tampered secret opened")
	}
	if k.String() != "seal.Key(redacted)" {
		t.Fatal("the key shows in String")
	}
}

func TestTokens(t *testing.T) {
	k, _ := Parse(Generate())
	tok := k.Token("order", "o-1")
	if len(tok) != 32 || tok != k.Token("order", "o-1") || !k.Verify("order", "o-1", tok) {
		t.Fatalf("token %q", tok)
	}
	if k.Verify("order", "o-2", tok) || k.Verify("hold", "o-1", tok) {
		t.Fatal("a token reaches another order or purpose")
	}
	other, _ := Parse(Generate())
	if other.Verify("order", "o-1", tok) {
		t.Fatal("another key accepts it")
	}
	if _, err := Parse("short"); err == nil {
		t.Fatal("a short key parsed")
	}
}
