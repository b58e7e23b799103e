package bopis

import "unicode/utf8"

// The text rule: one rule for every string that comes from outside and
// may be stored, checked by the Validate methods so that SQLite and
// PostgreSQL behave alike. PostgreSQL cannot store NUL in text and
// refuses bytes that are not UTF-8 (which was a 500, and failed a whole
// POS batch); SQLite stored both.
//
//   - Every string (ids, codes, tokens, secrets, URLs as well as a
//     person's text) must be valid UTF-8 with no NUL (U+0000) and no
//     U+FFFD. U+FFFD is refused because it is what a JSON decoder makes
//     of bytes that are not UTF-8 and of a lone surrogate ("\ud800"):
//     refusing it is how such input is refused with its field named,
//     instead of being stored mangled. (ValidString)
//   - A person's text (names, addresses, labels, reasons, references,
//     vehicle, parking spot, staging location, e-mail addresses, external
//     ids) must moreover hold no other control character: none of C0
//     (U+0001–U+001F) but tab and newline, where a newline is LF or CR LF
//     (a CR only right before a LF, as text areas send it), no DEL
//     (U+007F), none of C1 (U+0080–U+009F). (ValidText)
//
// Messages name the rule, never the value.

// StringRule is ValidString in words, for error messages.
const StringRule = "must be valid UTF-8 without NUL or U+FFFD (the mark of bytes that are not UTF-8)"

// TextRule is ValidText in words, for error messages.
const TextRule = "must be valid UTF-8 text without control characters other than tab and newline, nor U+FFFD (the mark of bytes that are not UTF-8)"

// ValidString reports whether s is valid UTF-8 with no NUL and no U+FFFD.
func ValidString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return false
		}
		if s[i] >= utf8.RuneSelf {
			// Ranging yields utf8.RuneError for each byte that is not
			// UTF-8, the same as for an encoded U+FFFD.
			for _, r := range s[i:] {
				if r == 0 || r == utf8.RuneError {
					return false
				}
			}
			return true
		}
	}
	return true
}

// ValidText reports whether s is a person's text: ValidString, and no
// control character but tab, LF and CR LF.
func ValidText(s string) bool {
	for i, r := range s {
		switch {
		case r >= 0x20 && r < 0x7f:
		case r == '\t' || r == '\n':
		case r == '\r':
			if i+1 == len(s) || s[i+1] != '\n' {
				return false
			}
		case r <= 0x9f || r == utf8.RuneError:
			return false // C0, DEL, C1, or not UTF-8
		}
	}
	return true
}

// str checks s under path with ValidString and reports whether it passed.
func (v *fieldErrors) str(path, s string) bool {
	if ValidString(s) {
		return true
	}
	v.add(path, "%s", StringRule)
	return false
}

// text checks s, a person's text, under path with ValidText and reports
// whether it passed.
func (v *fieldErrors) text(path, s string) bool {
	if ValidText(s) {
		return true
	}
	v.add(path, "%s", TextRule)
	return false
}
