package dispatch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/seal"
	"github.com/bopis/bopis/internal/webhookurl"
)

// hooksDB is the part of the database delivering webhooks needs, in
// memory: one webhook with one delivery due, and how it finished.
type hooksDB struct {
	Storage // the rest: not called
	hook    bopis.Webhook
	mu      sync.Mutex
	due     bool
	// What FinishDelivery was told.
	finished  bool
	delivered bool
	status    int
	errText   string
}

func (h *hooksDB) ClaimDeliveries(context.Context, string, int, time.Duration) ([]bopis.Delivery, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.due {
		return nil, nil
	}
	h.due = false
	return []bopis.Delivery{{ID: 1, WebhookID: h.hook.ID, EventType: "order.placed", Body: []byte(`{"type":"order.placed"}`),
		ExpiresAt: time.Now().Add(time.Hour)}}, nil
}

func (h *hooksDB) Webhooks(context.Context) ([]bopis.Webhook, error) {
	return []bopis.Webhook{h.hook}, nil
}

func (h *hooksDB) FinishDelivery(_ context.Context, _ int64, _ int, delivered bool, status int, errText string, _ *time.Time) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.finished, h.delivered, h.status, h.errText = true, delivered, status, errText
	return true, nil
}

// deliverOnce delivers one event to rawURL through a dispatcher whose
// webhook client resolves names with resolver (nil: the system's).
func deliverOnce(t *testing.T, rawURL string, allowPrivate bool, resolver *net.Resolver) *hooksDB {
	t.Helper()
	key, err := seal.Parse(seal.Generate())
	if err != nil {
		t.Fatal(err)
	}
	db := &hooksDB{hook: bopis.Webhook{ID: "wh-1", URL: rawURL, Sealed: key.Seal("whsec_0123456789abcdef")}, due: true}
	d := New(Config{DB: db, Key: key, AllowPrivate: allowPrivate})
	d.client = webhookClient(allowPrivate, resolver)
	if _, err := d.DeliverWebhooks(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !db.finished {
		t.Fatal("the delivery was not finished")
	}
	return db
}

// receiver is a loopback endpoint counting what it gets.
func receiver(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// stubResolver answers every A query with 127.0.0.1 and every other
// query with no address: a DNS server speaking over an in-memory pipe,
// so no packet leaves the process. It stands for a public-looking name
// that resolves to an internal address when it is dialed.
func stubResolver(t *testing.T) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		client, server := net.Pipe()
		go func() {
			defer server.Close()
			for {
				var n uint16
				if binary.Read(server, binary.BigEndian, &n) != nil {
					return
				}
				q := make([]byte, n)
				if _, err := io.ReadFull(server, q); err != nil || len(q) < 12 {
					return
				}
				// The question: its name's labels, then type and class.
				end := 12
				for end < len(q) && q[end] != 0 {
					end += int(q[end]) + 1
				}
				end += 5
				if end > len(q) {
					return
				}
				qtype := binary.BigEndian.Uint16(q[end-4:])
				a := append([]byte{}, q[:2]...)                   // id
				a = append(a, 0x85, 0x80, 0, 1, 0, 0, 0, 0, 0, 0) // answer, authoritative, recursion; one question
				a = append(a, q[12:end]...)
				if qtype == 1 { // A
					a[7] = 1
					a = append(a, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1)
				}
				binary.Write(server, binary.BigEndian, uint16(len(a)))
				server.Write(a)
			}
		}()
		return client, nil
	}}
}

// TestDialRefusesWhatANameResolvesTo: a webhook named by a host that
// passes the URL rule but resolves to 127.0.0.1 when it is dialed is not
// delivered, and last_error says so without the address, port or name.
// Allowing private destinations, the same delivery goes (the resolver
// really answered loopback).
func TestDialRefusesWhatANameResolvesTo(t *testing.T) {
	srv, got := receiver(t, nil)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	u := "http://hooks.rebind.example:" + port + "/hook"
	if err := webhookurl.Check(u, false); err != nil {
		t.Fatalf("the name should pass the URL rule: %v", err)
	}
	db := deliverOnce(t, u, false, stubResolver(t))
	if got.Load() != 0 || db.delivered || db.errText != "destination not allowed" {
		t.Errorf("to a name resolving to loopback: %d received, finished %+v", got.Load(), db)
	}
	for _, leak := range []string{"127.0.0.1", port, "rebind", "dial", "tcp"} {
		if strings.Contains(db.errText, leak) {
			t.Errorf("last_error %q names %q", db.errText, leak)
		}
	}
	if db := deliverOnce(t, u, true, stubResolver(t)); got.Load() != 1 || !db.delivered {
		t.Errorf("allowing private destinations: %d received, finished %+v", got.Load(), db)
	}
}

// TestRedirectsAreNotFollowed: a 3xx is a failed delivery, with its
// status; where it points gets nothing, not even with private
// destinations allowed.
func TestRedirectsAreNotFollowed(t *testing.T) {
	target, followed := receiver(t, nil)
	for _, code := range []int{301, 302, 303, 307, 308} {
		srv, _ := receiver(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/elsewhere", code)
		})
		db := deliverOnce(t, srv.URL+"/hook", true, nil)
		if db.delivered || db.status != code || db.errText != fmt.Sprintf("answered %d (redirects are not followed)", code) {
			t.Errorf("%d: finished %+v", code, db)
		}
	}
	if n := followed.Load(); n != 0 {
		t.Errorf("a redirect was followed: %d requests", n)
	}
}

// TestRefusedConnectionInWords: a closed port is "connection refused",
// no address, no port.
func TestRefusedConnectionInWords(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	db := deliverOnce(t, "http://"+addr+"/hook", true, nil)
	if db.delivered || db.errText != "connection refused" {
		t.Errorf("to a closed port: %+v", db)
	}
	// An endpoint's own words in its status line are not kept either.
	srv, _ := receiver(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(503)
		io.WriteString(w, "backend 10.1.2.3:8080 is down")
	})
	if db := deliverOnce(t, srv.URL, true, nil); db.errText != "answered 503" || db.status != 503 {
		t.Errorf("a 503: %+v", db)
	}
}

// TestFailureWords: every failure a delivery can meet is recorded in
// words that do not map the network.
func TestFailureWords(t *testing.T) {
	wrap := func(err error) error {
		return &url.Error{Op: "Post", URL: "http://10.9.8.7:6543/x", Err: &net.OpError{Op: "dial", Net: "tcp",
			Addr: &net.TCPAddr{IP: net.IPv4(10, 9, 8, 7), Port: 6543}, Err: err}}
	}
	for _, c := range []struct {
		err  error
		want string
	}{
		{wrap(webhookurl.ErrForbidden), "destination not allowed"},
		{webhookurl.ErrForbidden, "destination not allowed"},
		{webhookurl.ErrUserinfo, "the URL carries a user name or password"},
		{webhookurl.ErrInvalid, "not an acceptable URL"},
		{wrap(os.NewSyscallError("connect", syscall.ECONNREFUSED)), "connection refused"},
		{wrap(os.NewSyscallError("read", syscall.ECONNRESET)), "connection reset"},
		{wrap(os.NewSyscallError("connect", syscall.EHOSTUNREACH)), "destination unreachable"},
		{wrap(os.NewSyscallError("connect", syscall.ENETUNREACH)), "destination unreachable"},
		{wrap(&net.DNSError{Err: "no such host", Name: "hooks.example.com", IsNotFound: true}), "name not resolved"},
		{wrap(&net.DNSError{Err: "i/o timeout", Name: "hooks.example.com", IsTimeout: true}), "name not resolved"},
		{wrap(context.DeadlineExceeded), "timed out"},
		{&url.Error{Op: "Post", URL: "http://x.example", Err: timeoutError{}}, "timed out"},
		{wrap(os.ErrDeadlineExceeded), "timed out"},
		{wrap(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), "TLS handshake failed"},
		{wrap(x509.UnknownAuthorityError{}), "TLS handshake failed"},
		{wrap(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), "TLS handshake failed"},
		{wrap(tls.AlertError(40)), "TLS handshake failed"},
		{wrap(io.EOF), "the connection closed before an answer"},
		{wrap(io.ErrUnexpectedEOF), "the connection closed before an answer"},
		{statusError(302), "answered 302 (redirects are not followed)"},
		{fmt.Errorf("%w: %w", errSecret, errors.New("cipher: message authentication failed")), errSecret.Error()},
		{wrap(errors.New("something new at 10.9.8.7:6543")), "delivery failed"},
	} {
		if got := failure(c.err); got != c.want {
			t.Errorf("failure(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// timeoutError is what net/http's client answers when its Timeout passes.
type timeoutError struct{}

func (timeoutError) Error() string   { return "Client.Timeout exceeded while awaiting headers" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
