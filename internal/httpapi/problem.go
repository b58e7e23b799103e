package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/bopis/bopis"
	"github.com/danielgtaylor/huma/v2"
)

// problemTypes gives each status a stable problem type URI (RFC 9457).
var problemTypes = map[int]string{
	http.StatusBadRequest:            "urn:bopis:problem:bad-request",
	http.StatusUnauthorized:          "urn:bopis:problem:unauthorized",
	http.StatusPaymentRequired:       "urn:bopis:problem:payment-declined",
	http.StatusForbidden:             "urn:bopis:problem:forbidden",
	http.StatusNotFound:              "urn:bopis:problem:not-found",
	http.StatusConflict:              "urn:bopis:problem:conflict",
	http.StatusRequestEntityTooLarge: "urn:bopis:problem:too-large",
	http.StatusUnprocessableEntity:   "urn:bopis:problem:invalid",
	http.StatusTooManyRequests:       "urn:bopis:problem:rate-limited",
	http.StatusInternalServerError:   "urn:bopis:problem:internal",
	http.StatusServiceUnavailable:    "urn:bopis:problem:unavailable",
}

// humaNewError is huma's own constructor, wrapped below.
var humaNewError = huma.NewError

func init() {
	// huma builds every error it answers (validation included) through
	// NewError; stamping the type here keeps all problems alike.
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		se := humaNewError(status, msg, errs...)
		if m, ok := se.(*huma.ErrorModel); ok {
			m.Type = problemTypes[status]
			if m.Type == "" {
				m.Type = "about:blank"
			}
		}
		return se
	}
}

var statusOf = map[string]int{
	bopis.EINVALID:      http.StatusUnprocessableEntity,
	bopis.ENOTFOUND:     http.StatusNotFound,
	bopis.ECONFLICT:     http.StatusConflict,
	bopis.EUNAUTHORIZED: http.StatusUnauthorized,
	bopis.EFORBIDDEN:    http.StatusForbidden,
	bopis.EPAYMENT:      http.StatusPaymentRequired,
	bopis.ELOCKED:       http.StatusTooManyRequests,
}

// problem turns an error from below into the answer the client gets.
// Field paths are relative to the input document; loc is where that
// document sits in the request ("body", "query", "path").
func (s *Server) problem(ctx context.Context, loc string, err error) error {
	var e *bopis.Error
	if !errors.As(err, &e) || statusOf[e.Code] == 0 {
		s.log.ErrorContext(ctx, "request failed", "error", err)
		return huma.Error500InternalServerError("internal error; the request id is in the X-Request-Id header")
	}
	details := make([]error, len(e.Fields))
	for i, f := range e.Fields {
		details[i] = &huma.ErrorDetail{Location: loc + "." + f.Path, Message: f.Message}
	}
	p := huma.NewError(statusOf[e.Code], e.Message, details...)
	if m, ok := p.(*huma.ErrorModel); ok && e.RetryAfter > 0 {
		return &headersProblem{m, http.Header{"Retry-After": {retryAfter(e.RetryAfter)}}}
	}
	return p
}

// headersProblem is a problem answered with headers (Retry-After).
type headersProblem struct {
	*huma.ErrorModel
	headers http.Header
}

func (p *headersProblem) GetHeaders() http.Header { return p.headers }

// invalid is a 422 naming one field.
func invalid(location, message string) error {
	return huma.NewError(http.StatusUnprocessableEntity, "request is invalid",
		&huma.ErrorDetail{Location: location, Message: message})
}

// checkID answers 422 when a path id cannot be a store id or SKU.
func checkID(param, id string) error {
	if !bopis.ValidID(id) {
		return invalid("path."+param, bopis.IDRule)
	}
	return nil
}
