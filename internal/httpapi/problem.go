package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

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
	http.StatusMethodNotAllowed:      "urn:bopis:problem:method-not-allowed",
	http.StatusRequestTimeout:        "urn:bopis:problem:timeout",
	http.StatusConflict:              "urn:bopis:problem:conflict",
	http.StatusRequestEntityTooLarge: "urn:bopis:problem:too-large",
	http.StatusUnsupportedMediaType:  "urn:bopis:problem:unsupported-media-type",
	http.StatusUnprocessableEntity:   "urn:bopis:problem:invalid",
	http.StatusTooManyRequests:       "urn:bopis:problem:rate-limited",
	http.StatusInternalServerError:   "urn:bopis:problem:internal",
	http.StatusNotImplemented:        "urn:bopis:problem:not-implemented",
	http.StatusServiceUnavailable:    "urn:bopis:problem:unavailable",
}

// humaNewError is huma's own constructor, wrapped below.
var humaNewError = huma.NewError

// Bounds of an error answer, whatever the request: at most maxDetails
// entries (then one saying how many more), each location and message
// clipped. Huma's validator puts the value at fault in each entry, which
// for an unknown property is the whole request body: a 39 KB body with
// 4,000 unknown keys answered 156 MB. No entry carries a value.
const (
	maxDetails       = 20
	maxDetailText    = 200
	maxProblemDetail = 500
)

func init() {
	// huma builds every error it answers (validation included) through
	// NewError; bounding and stamping it here keeps all problems alike.
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		status, msg, details := boundProblem(status, msg, errs)
		se := humaNewError(status, msg, details...)
		if m, ok := se.(*huma.ErrorModel); ok {
			m.Type = problemTypes[status]
			if m.Type == "" {
				m.Type = "about:blank"
			}
		}
		return se
	}
}

// boundProblem makes a problem safe to answer: entries without values,
// clipped and capped; the body faults huma reports without an entry
// named as body faults; a body that could not be read is the client's
// fault (400), not the server's.
func boundProblem(status int, msg string, errs []error) (int, string, []error) {
	switch {
	case strings.HasPrefix(msg, "request body is required"):
		msg, errs = "the request needs a JSON body", []error{&huma.ErrorDetail{Location: "body", Message: "a JSON body is required"}}
	case strings.HasPrefix(msg, "request body is too large"):
		var limit int
		fmt.Sscanf(msg, "request body is too large limit=%d", &limit)
		msg, errs = "the request body is larger than this route takes", []error{&huma.ErrorDetail{Location: "body",
			Message: fmt.Sprintf("must be under %d KiB", limit>>10)}}
	case status == http.StatusInternalServerError && msg == "cannot read request body":
		status, msg, errs = http.StatusBadRequest, "the request body could not be read", []error{&huma.ErrorDetail{Location: "body", Message: "the body ended early or was cut off"}}
	}
	out := make([]error, 0, min(len(errs), maxDetails+1))
	for i, err := range errs {
		if err == nil {
			continue
		}
		var d huma.ErrorDetail
		if ed, ok := err.(huma.ErrorDetailer); ok {
			src := ed.ErrorDetail()
			d = huma.ErrorDetail{Location: src.Location, Message: src.Message}
		} else {
			d = huma.ErrorDetail{Message: err.Error()}
		}
		if len(out) == maxDetails {
			d.Message = fmt.Sprintf("and %d more errors like these", len(errs)-i)
		}
		d.Location, d.Message = clip(d.Location, maxDetailText), clip(d.Message, maxDetailText)
		out = append(out, &d)
		if len(out) > maxDetails {
			break
		}
	}
	return status, clip(msg, maxProblemDetail), out
}

// clip shortens s to at most n bytes of valid UTF-8, marking the cut;
// invalid bytes (a message may quote input) become U+FFFD.
func clip(s string, n int) string {
	if len(s) <= n && utf8.ValidString(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// problem turns an error from below into the answer the client gets.
// Field paths are relative to the input document; loc is where that
// document sits in the request ("body", "query", "path").
func (s *Server) problem(ctx context.Context, loc string, err error) error {
	var e *bopis.Error
	if !errors.As(err, &e) || bopis.HTTPStatus(e.Code) == 0 {
		s.log.ErrorContext(ctx, "request failed", "error", err)
		return huma.Error500InternalServerError("internal error; the request id is in the X-Request-Id header")
	}
	details := make([]error, len(e.Fields))
	for i, f := range e.Fields {
		details[i] = &huma.ErrorDetail{Location: loc + "." + f.Path, Message: f.Message}
	}
	p := huma.NewError(bopis.HTTPStatus(e.Code), e.Message, details...)
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
