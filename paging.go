package bopis

import "encoding/base64"

// Page asks for one page of a list ordered by a key.
type Page struct {
	Cursor string // opaque; empty for the first page
	Limit  int
}

// Page limits.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// After decodes the cursor into the last key of the previous page.
func (p Page) After() (string, error) {
	if p.Cursor == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil || len(b) == 0 {
		return "", ErrBadCursor
	}
	return string(b), nil
}

// ErrBadCursor answers a cursor no page gave out.
var ErrBadCursor = &Error{Code: EINVALID, Message: "bad cursor",
	Fields: []FieldError{{Path: "cursor", Message: "is not a cursor this API gave out"}}}

// Size is the page's limit within DefaultLimit and MaxLimit.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}
