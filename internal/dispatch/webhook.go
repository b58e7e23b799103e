package dispatch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/bopis/bopis/internal/webhookurl"
)

// webhookClient is the HTTP client of webhook deliveries. Unless
// allowPrivate, its dialer refuses any forbidden address it is about to
// connect to (webhookurl.Control), after resolving the name with resolver
// (nil: the system's), so a name that resolves inside the network now,
// whatever it resolved to when the webhook was saved, is not reached. It
// never follows a redirect (the 3xx is the answer, a failed delivery) and
// uses no proxy from the environment, which would dial for it where the
// dialer cannot look.
func webhookClient(allowPrivate bool, resolver *net.Resolver) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Resolver: resolver}
	if !allowPrivate {
		dialer.Control = webhookurl.Control
	}
	return &http.Client{
		Timeout: webhookTimeout,
		Transport: &http.Transport{DialContext: dialer.DialContext, ForceAttemptHTTP2: true, MaxIdleConns: 100,
			IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 5 * time.Second, ExpectContinueTimeout: time.Second},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// statusError is an endpoint's answer that is not a 2xx: its code only
// (the status line's text is the endpoint's, and may say anything).
type statusError int

func (e statusError) Error() string {
	if e/100 == 3 {
		return "answered " + strconv.Itoa(int(e)) + " (redirects are not followed)"
	}
	return "answered " + strconv.Itoa(int(e))
}

// errSecret is a webhook whose sealed secret does not open (the instance
// key changed).
var errSecret = errors.New("the webhook's secret cannot be opened with this instance's key")

// failure says why a delivery failed, for its last_error, in words that
// do not map the network: no address, port, host name or text of the
// endpoint's (the caller who saved the webhook reads it, and must not
// learn which internal ports are open). The operator's log has the error
// itself.
func failure(err error) string {
	var (
		dnsErr  *net.DNSError
		netErr  net.Error
		certErr *tls.CertificateVerificationError
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
		unknown x509.UnknownAuthorityError
		invalid x509.CertificateInvalidError
		host    x509.HostnameError
	)
	var status statusError
	switch {
	case errors.As(err, &status):
		return status.Error()
	case errors.Is(err, errSecret):
		return errSecret.Error()
	case errors.Is(err, webhookurl.ErrForbidden):
		return "destination not allowed"
	case errors.Is(err, webhookurl.ErrUserinfo):
		return "the URL carries a user name or password"
	case errors.Is(err, webhookurl.ErrInvalid):
		return "not an acceptable URL"
	case errors.As(err, &dnsErr):
		return "name not resolved"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "destination unreachable"
	case errors.As(err, &certErr), errors.As(err, &recErr), errors.As(err, &alert), errors.As(err, &unknown),
		errors.As(err, &invalid), errors.As(err, &host):
		return "TLS handshake failed"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection closed before an answer"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	return "delivery failed"
}
