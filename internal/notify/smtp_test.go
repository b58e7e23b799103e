package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message as the SMTP server saw it.
type received struct {
	user, pass string // AUTH PLAIN credentials
	tls        bool   // the session ran over TLS
	from       string
	to         []string
	data       []byte
}

// mailServer is an in-process SMTP server on 127.0.0.1 that requires
// AUTH PLAIN as user:secret and rejects nobody@example.com.
type mailServer struct {
	addr string
	mu   sync.Mutex
	got  []received
}

func (s *mailServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

type session struct {
	srv  *mailServer
	conn *smtp.Conn
	msg  received
	auth bool
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		s.msg.user, s.msg.pass = user, pass
		if user != "user" || pass != "secret" {
			// A careless server repeats what it was given.
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials " + user + ":" + pass}
		}
		s.auth = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.auth {
		return smtp.ErrAuthRequired
	}
	s.msg.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == "nobody@example.com" {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.msg.to = append(s.msg.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = b
	_, s.msg.tls = s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.got = append(s.srv.got, s.msg)
	s.srv.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.msg = received{user: s.msg.user, pass: s.msg.pass} }
func (s *session) Logout() error { return nil }

// startSMTP serves on 127.0.0.1:0; with tlsConfig it offers STARTTLS.
func startSMTP(t *testing.T, tlsConfig *tls.Config) *mailServer {
	t.Helper()
	ms := &mailServer{}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: ms, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.TLSConfig = tlsConfig
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return ms
}

var email = Message{Channel: Email, To: "ana@example.com", Subject: "Order ord_7K2M is ready for pickup at Loop Market",
	Text: "Hi Ana Díaz,\nYour pickup code is 482913.\n", HTML: "<p>Hi Ana Díaz,</p><p>Your pickup code is <strong>482913</strong>.</p>"}

func TestSMTPSends(t *testing.T) {
	ms := startSMTP(t, nil)
	s, err := NewSMTP("smtp://user:secret@"+ms.addr+"?tls=none", "Loop Market <bopis@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Send(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	got := ms.messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages", len(got))
	}
	r := got[0]
	if r.user != "user" || r.pass != "secret" {
		t.Errorf("AUTH as %q:%q", r.user, r.pass)
	}
	if r.from != "bopis@example.com" || len(r.to) != 1 || r.to[0] != "ana@example.com" {
		t.Errorf("envelope from %q to %q", r.from, r.to)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(r.data))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != email.Subject {
		t.Errorf("Subject %q, %v", subject, err)
	}
	if from, err := msg.Header.AddressList("From"); err != nil || from[0].Address != "bopis@example.com" || from[0].Name != "Loop Market" {
		t.Errorf("From %v, %v", from, err)
	}
	if to, err := msg.Header.AddressList("To"); err != nil || to[0].Address != "ana@example.com" {
		t.Errorf("To %v, %v", to, err)
	}
	if mid := msg.Header.Get("Message-Id"); mid != id || !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
		t.Errorf("Message-ID header %q, Send returned %q", mid, id)
	}
	parts := alternatives(t, msg)
	if parts["text/plain"] != email.Text || parts["text/html"] != email.HTML {
		t.Errorf("parts %q, want the text and the HTML as sent", parts)
	}

	// Another message gets another Message-ID.
	if id2, err := s.Send(context.Background(), email); err != nil || id2 == id {
		t.Errorf("second Send = %q, %v", id2, err)
	}
}

// alternatives decodes a multipart/alternative body by content type.
func alternatives(t *testing.T, msg *mail.Message) map[string]string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q, %v", msg.Header.Get("Content-Type"), err)
	}
	out := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = p
		if p.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			r = quotedprintable.NewReader(p)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		out[ct] = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
}

func TestSMTPWrongPassword(t *testing.T) {
	ms := startSMTP(t, nil)
	s, err := NewSMTP("smtp://user:hunter2-wrong@"+ms.addr+"?tls=none", "bopis@example.com")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(context.Background(), email)
	if err == nil {
		t.Fatal("sent with a wrong password")
	}
	if strings.Contains(err.Error(), "hunter2-wrong") || strings.Contains(fmt.Sprintf("%v %s %#v", s, s, s), "hunter2-wrong") {
		t.Errorf("the password shows: %v / %#v", err, s)
	}
	if !strings.Contains(err.Error(), "535") {
		t.Errorf("error %q does not say why", err)
	}
	if len(ms.messages()) != 0 {
		t.Error("the server accepted the message")
	}
}

func TestSMTPRejectedRecipientIsPermanent(t *testing.T) {
	ms := startSMTP(t, nil)
	s, err := NewSMTP("smtp://user:secret@"+ms.addr+"?tls=none", "bopis@example.com")
	if err != nil {
		t.Fatal(err)
	}
	m := email
	m.To = "nobody@example.com"
	if _, err := s.Send(context.Background(), m); !errors.Is(err, ErrPermanent) || !strings.Contains(err.Error(), "550") {
		t.Errorf("Send to a rejected mailbox = %v, want ErrPermanent with the 550", err)
	}
	m.To = "not an address"
	if _, err := s.Send(context.Background(), m); !errors.Is(err, ErrPermanent) {
		t.Errorf("Send to %q = %v, want ErrPermanent", m.To, err)
	}
}

func TestSMTPServerDownIsTemporary(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s, err := NewSMTP("smtp://user:secret@"+addr+"?tls=none", "bopis@example.com")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Send(context.Background(), email)
	if err == nil || errors.Is(err, ErrPermanent) || strings.Contains(err.Error(), "secret") {
		t.Errorf("Send to a closed port = %v, want a temporary error without the password", err)
	}
}

func TestSMTPStartTLS(t *testing.T) {
	ms := startSMTP(t, selfSigned(t))
	// Offered, so used (the test certificate needs insecure_skip_verify).
	s, err := NewSMTP("smtp://user:secret@"+ms.addr+"?insecure_skip_verify=true", "bopis@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), email); err != nil {
		t.Fatal(err)
	}
	if got := ms.messages(); len(got) != 1 || !got[0].tls {
		t.Errorf("received %+v, want one message over TLS", got)
	}
	// Without insecure_skip_verify the self-signed certificate is refused.
	s, _ = NewSMTP("smtp://user:secret@"+ms.addr+"?tls=required", "bopis@example.com")
	if _, err := s.Send(context.Background(), email); err == nil {
		t.Error("sent over an unverified certificate")
	}

	// tls=required fails where STARTTLS is not offered, before any password is sent.
	plain := startSMTP(t, nil)
	s, _ = NewSMTP("smtp://user:secret@"+plain.addr+"?tls=required", "bopis@example.com")
	if _, err := s.Send(context.Background(), email); err == nil || len(plain.messages()) != 0 {
		t.Errorf("tls=required without STARTTLS: %v", err)
	}
}

func TestNewSMTPErrors(t *testing.T) {
	for _, raw := range []string{
		"http://user:pa55word@mail.example.com",
		"smtp://user:pa55word@mail.example.com:99999",
		"smtp://user:pa55word@mail.example.com?tls=maybe",
		"smtp://user:pa55word@mail.example.com?tsl=none",
		"smtps://user:pa55word@mail.example.com?tls=none",
		"smtp://user:pa55word@mail.example.com:bad port",
		"smtp://user:pa55word@",
	} {
		_, err := NewSMTP(raw, "bopis@example.com")
		if err == nil || strings.Contains(err.Error(), "pa55word") {
			t.Errorf("NewSMTP(%q) = %v, want an error without the password", raw, err)
		}
	}
	if _, err := NewSMTP("smtp://mail.example.com", "not an address"); err == nil {
		t.Error("a bad from address is accepted")
	}
	s, err := NewSMTP("smtps://user:pa55word@mail.example.com", "bopis@example.com")
	if err != nil || s.port != 465 || !s.implicit || strings.Contains(s.String(), "pa55word") {
		t.Errorf("smtps = %v (port %d), %v", s, s.port, err)
	}
}

func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}
