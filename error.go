// Package bopis holds the domain of buy-online-pick-up-in-store: stores,
// SKUs, API keys and the rules that make them valid. It does no I/O; storage,
// HTTP and jobs live in internal/ and depend on this package, never the
// other way round.
package bopis

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error codes, mapped to HTTP statuses in one place (HTTPStatus).
const (
	ECONFLICT     = "conflict"     // the change clashes with current state (409)
	EINVALID      = "invalid"      // the input breaks a rule (422)
	ENOTFOUND     = "not_found"    // no such thing (404)
	EUNAUTHORIZED = "unauthorized" // no valid credentials (401)
	EFORBIDDEN    = "forbidden"    // credentials valid, access not allowed (403)
	EPAYMENT      = "payment"      // the payment was declined (402)
	ELOCKED       = "locked"       // refused for a while after too many failed tries (429, with RetryAfter)
	EINTERNAL     = "internal"     // our fault (500)
)

// Error is a domain error: a code for the machine, a message for a person
// and, for input faults, the fields at fault.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	// RetryAfter, for ELOCKED, is how long until trying again can succeed.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, else EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// httpStatus is the status each code answers over HTTP.
var httpStatus = map[string]int{
	EINVALID:      http.StatusUnprocessableEntity,
	ENOTFOUND:     http.StatusNotFound,
	ECONFLICT:     http.StatusConflict,
	EUNAUTHORIZED: http.StatusUnauthorized,
	EFORBIDDEN:    http.StatusForbidden,
	EPAYMENT:      http.StatusPaymentRequired,
	ELOCKED:       http.StatusTooManyRequests,
}

// HTTPStatus is the HTTP status that answers an error of the given code,
// or 0 when the code is not one a client is told (EINTERNAL, unknown).
// The API's problems and the customer pages both answer by it, so a code
// means the same status wherever it surfaces.
func HTTPStatus(code string) int { return httpStatus[code] }

// FieldError names one input field at fault. Path is relative to the
// document being validated, in the contract's notation: "hours.monday[0].close".
type FieldError struct {
	Path    string
	Message string
}

func (f FieldError) Error() string { return f.Path + ": " + f.Message }

// fieldErrors collects FieldErrors under a path prefix while validating.
type fieldErrors struct{ list []FieldError }

func (v *fieldErrors) add(path, format string, args ...any) {
	v.list = append(v.list, FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
}

// err returns nil when nothing was collected, else an EINVALID *Error.
func (v *fieldErrors) err(what string) error {
	if len(v.list) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: what + " is invalid", Fields: v.list}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}
