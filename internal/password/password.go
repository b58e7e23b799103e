// Package password holds the rules of staff passwords (issue 41): the
// policy a new password must meet and its argon2id hash, kept in the
// PHC string form ($argon2id$v=19$m=…,t=…,p=…$salt$hash) so the
// parameters can be raised later without losing the old hashes. No I/O.
package password

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's costs. Default follows RFC 9106's second
// recommended option scaled to a server answering sign-ins: 64 MiB,
// 3 passes, 2 lanes.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// Default is the parameter set new hashes are made with.
var Default = Params{Memory: 64 * 1024, Time: 3, Threads: 2, KeyLen: 32, SaltLen: 16}

// Bounds of a password, in characters (runes) and bytes.
const (
	MinLength = 10
	MaxBytes  = 256 // argon2 takes any length; a bound keeps a request's cost bounded
)

//go:embed common.txt
var commonList string

var common = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonList))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
}()

// Errors of the policy; messages name the rule, never the password.
var (
	ErrTooShort = fmt.Errorf("must be at least %d characters", MinLength)
	ErrTooLong  = fmt.Errorf("must be at most %d bytes", MaxBytes)
	ErrCommon   = errors.New("is among the most common passwords; choose another")
	ErrText     = errors.New("must be valid UTF-8 without control characters")
	ErrPersonal = errors.New("must not contain the email address or name")
)

// Check applies the policy to a new password: long enough, bounded, text,
// not one of the commonest passwords (whatever the case, and ignoring
// digits and punctuation appended to a common word), and not the
// person's email or name.
func Check(pw string, personal ...string) error {
	if len(pw) > MaxBytes {
		return ErrTooLong
	}
	if !utf8.ValidString(pw) {
		return ErrText
	}
	for _, r := range pw {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == utf8.RuneError {
			return ErrText
		}
	}
	if utf8.RuneCountInString(pw) < MinLength {
		return ErrTooShort
	}
	low := strings.ToLower(pw)
	if common[low] || common[strings.TrimRight(low, "0123456789!@#$%^&*.?_-")] {
		return ErrCommon
	}
	for _, p := range personal {
		p = strings.ToLower(strings.TrimSpace(p))
		if at := strings.IndexByte(p, '@'); at > 0 {
			p = p[:at]
		}
		if len(p) >= 4 && strings.Contains(low, p) {
			return ErrPersonal
		}
	}
	return nil
}

// Hash returns pw's argon2id hash in PHC string form with a fresh salt.
func Hash(pw string, p Params) string {
	salt := make([]byte, p.SaltLen)
	rand.Read(salt) // never fails (Go 1.24+)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key))
}

// ErrMalformed is a stored hash that is not argon2id in PHC form.
var ErrMalformed = errors.New("password: malformed hash")

// Verify reports whether pw matches the hash, comparing in constant
// time; stale reports that the hash was made with other parameters than
// p and should be replaced once the password is known good.
func Verify(pw, hash string, p Params) (ok, stale bool, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false, ErrMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false, ErrMalformed
	}
	var hp Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &hp.Memory, &hp.Time, &hp.Threads); err != nil || hp.Memory == 0 || hp.Memory > 1<<22 || hp.Time == 0 || hp.Time > 64 || hp.Threads == 0 {
		return false, false, ErrMalformed
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	key, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 128 {
		return false, false, ErrMalformed
	}
	hp.KeyLen, hp.SaltLen = uint32(len(key)), uint32(len(salt))
	got := argon2.IDKey([]byte(pw), salt, hp.Time, hp.Memory, hp.Threads, hp.KeyLen)
	ok = subtle.ConstantTimeCompare(got, key) == 1
	return ok, hp != p, nil
}
