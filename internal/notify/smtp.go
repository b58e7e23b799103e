package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTP sends email through an SMTP server, one connection per message.
// It is safe for concurrent use.
type SMTP struct {
	host       string
	port       int
	implicit   bool // smtps: TLS from the first byte
	policy     gomail.TLSPolicy
	tlsConfig  *tls.Config
	user, pass string
	from       string
	domain     string // of from, for Message-IDs
	redacted   string // the URL without its password
}

// smtpTimeout bounds a connection and each command on it.
const smtpTimeout = 30 * time.Second

// NewSMTP returns a Sender for an SMTP server given by a URL:
//
//	smtp://user:pass@host:587   STARTTLS when the server offers it (port 587 by default)
//	smtp://host:2525?tls=none   never STARTTLS
//	smtp://host?tls=required    fail unless STARTTLS works
//	smtps://user:pass@host:465  implicit TLS (port 465 by default)
//
// With a user, it authenticates with the best mechanism both sides know
// (SCRAM, CRAM-MD5, PLAIN, LOGIN); PLAIN and LOGIN only over TLS or to
// localhost. ?insecure_skip_verify=true accepts any certificate (test
// servers only). from is the From address of every message.
//
// Neither errors nor String show the password.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the URL, password and all: keep only its reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("notify: SMTP URL: %v", err)
	}
	s := &SMTP{host: u.Hostname(), redacted: u.Redacted(), policy: gomail.TLSOpportunistic}
	fail := func(format string, a ...any) (*SMTP, error) {
		return nil, fmt.Errorf("notify: SMTP URL %s: %s", s.redacted, fmt.Sprintf(format, a...))
	}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.implicit = 465, true
	default:
		return fail("scheme must be smtp or smtps")
	}
	if s.host == "" {
		return fail("no host")
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return fail("bad port %q", p)
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	s.tlsConfig = &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
	for k, v := range u.Query() {
		switch k {
		case "tls":
			switch v[0] {
			case "", "starttls":
			case "none":
				s.policy = gomail.NoTLS
			case "required":
				s.policy = gomail.TLSMandatory
			default:
				return fail("tls must be none or required")
			}
			if s.implicit && s.policy == gomail.NoTLS {
				return fail("smtps is always TLS")
			}
		case "insecure_skip_verify":
			if s.tlsConfig.InsecureSkipVerify, err = strconv.ParseBool(v[0]); err != nil {
				return fail("insecure_skip_verify must be true or false")
			}
		default:
			return fail("unknown parameter %q", k)
		}
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("notify: SMTP from address %q: %v", from, err)
	}
	s.from = a.String()
	s.domain = a.Address[strings.LastIndexByte(a.Address, '@')+1:]
	return s, nil
}

// String describes the server without the password.
func (s *SMTP) String() string { return s.redacted }

// GoString keeps %#v from printing the password.
func (s *SMTP) GoString() string { return "notify.SMTP(" + s.redacted + ")" }

// Send sends m as multipart/alternative (text and HTML) and returns its
// Message-ID, angle brackets included. A bad To address, or a 5xx reply to
// the recipient or the message, wraps ErrPermanent; anything else (the
// server unreachable, a 4xx, failed authentication) is temporary.
func (s *SMTP) Send(ctx context.Context, m Message) (string, error) {
	if m.Channel != Email {
		return "", permanent(fmt.Errorf("notify: SMTP cannot send a %q message", m.Channel))
	}
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return "", permanent(fmt.Errorf("notify: from address: %w", err))
	}
	if err := msg.To(m.To); err != nil {
		return "", permanent(fmt.Errorf("notify: to address: %w", err))
	}
	msg.SetMessageIDWithValue(rand.Text() + "@" + s.domain)
	id := msg.GetMessageID()
	msg.SetDate()
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}

	opts := []gomail.Option{gomail.WithPort(s.port), gomail.WithTimeout(smtpTimeout), gomail.WithTLSConfig(s.tlsConfig)}
	if s.implicit {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(s.policy))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithUsername(s.user), gomail.WithPassword(s.pass),
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256PLUS, gomail.SMTPAuthSCRAMSHA256,
				gomail.SMTPAuthSCRAMSHA1PLUS, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
				gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
	}
	c, err := gomail.NewClient(s.host, opts...)
	if err == nil {
		err = c.DialAndSendWithContext(ctx, msg)
	}
	if err == nil {
		return id, nil
	}
	err = &redactedError{fmt.Errorf("notify: SMTP %s: %w", s.redacted, err), s.pass}
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() >= 500 &&
		(se.Reason == gomail.ErrSMTPRcptTo || se.Reason == gomail.ErrSMTPData || se.Reason == gomail.ErrSMTPDataClose) {
		return "", permanent(err)
	}
	return "", err
}

// redactedError hides a secret that a server or library may have echoed.
type redactedError struct {
	err    error
	secret string
}

func (e *redactedError) Error() string {
	if e.secret == "" {
		return e.err.Error()
	}
	return strings.ReplaceAll(e.err.Error(), e.secret, "xxxxx")
}

func (e *redactedError) Unwrap() error { return e.err }
