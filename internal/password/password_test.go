package password

import (
	"errors"
	"strings"
	"testing"
)

// cheap keeps the tests fast; the format and compare are the same.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestHashVerify(t *testing.T) {
	h := Hash("correct horse battery", cheap)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q", h)
	}
	if h2 := Hash("correct horse battery", cheap); h2 == h {
		t.Fatal("two hashes of one password share a salt")
	}
	ok, stale, err := Verify("correct horse battery", h, cheap)
	if !ok || stale || err != nil {
		t.Fatalf("Verify = %v %v %v", ok, stale, err)
	}
	if ok, _, _ := Verify("correct horse batterY", h, cheap); ok {
		t.Fatal("a wrong password verified")
	}
	if _, stale, _ := Verify("correct horse battery", h, Default); !stale {
		t.Fatal("a hash of other parameters is not stale")
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5"} {
		if _, _, err := Verify("x", bad, cheap); !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) err = %v", bad, err)
		}
	}
}

func TestCheck(t *testing.T) {
	for pw, want := range map[string]error{
		"short":                  ErrTooShort,
		"Password123!":           ErrCommon,
		"QWERTYUIOP":             ErrCommon,
		"1234567890":             ErrCommon,
		strings.Repeat("a", 300): ErrTooLong,
		"tab\there is ok?\x00":   ErrText,
		"bad utf8 \xff\xfe here": ErrText,
		"ana.lopez is here":      ErrPersonal,
		"correct horse battery":  nil,
		"ünïcödé pässwörd":       nil,
	} {
		if got := Check(pw, "Ana.Lopez@example.com", "Ana"); !errors.Is(got, want) {
			t.Errorf("Check(%.20q) = %v, want %v", pw, got, want)
		}
	}
}
