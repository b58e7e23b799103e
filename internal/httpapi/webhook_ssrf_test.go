package httpapi_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/webhookurl"
)

// TestWebhookURLsRefused: a webhook cannot be aimed at bopis's own
// network: loopback, private, link-local, unspecified and metadata
// destinations in any notation, internal names, and URLs with a user
// name or password answer 422 naming body.url, in words that do not
// repeat the URL. With BOPIS_WEBHOOK_ALLOW_PRIVATE the destinations are
// allowed, user info still is not.
func TestWebhookURLsRefused(t *testing.T) {
	const secret = "whsec_0123456789abcdef"
	forbidden := []string{
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://10.0.0.1/hook", "http://172.16.0.1/hook", "http://192.168.1.20:8080/hook",
		"http://localhost/hook", "http://localhost:19999/hook", "http://api.localhost/hook",
		"http://[::1]/hook", "http://[::]/hook", "http://0.0.0.0/hook", "http://[::ffff:127.0.0.1]/hook",
		"http://[fe80::1%25eth0]/hook", "http://[fd00:ec2::254]/hook",
		"http://127.0.0.1:19999/hook", "http://127.1/hook", "http://2130706433/hook", "http://0x7f.1/hook",
		"http://0177.0.0.1/hook", "http://0x7f000001/hook",
		"http://metadata.google.internal/computeMetadata/v1/", "http://metadata/hook",
		"https://user:pass@hooks.example.com/hook", "https://user@hooks.example.com/hook",
	}
	eachWork(t, func(t *testing.T, w *work) {
		admin := w.key(bopis.RoleAdmin)
		for _, u := range forbidden {
			r := w.do("POST", "/v1/webhooks", admin, map[string]any{"url": u, "secret": secret})
			if r.status != 422 {
				t.Errorf("%s: %d %s, want 422", u, r.status, r.raw)
				continue
			}
			errs, _ := r.body["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["location"] != "body.url" {
				t.Errorf("%s: errors %s, want one at body.url", u, r.raw)
			}
			// What the answer says besides the rule's own words.
			said := string(r.raw)
			for _, e := range []error{webhookurl.ErrForbidden, webhookurl.ErrUserinfo, webhookurl.ErrInvalid} {
				said = strings.ReplaceAll(said, e.Error(), "")
			}
			parsed, _ := url.Parse(u)
			for _, leak := range []string{u, parsed.Hostname(), "pass", "19999", "meta-data"} {
				if leak != "" && strings.Contains(said, leak) {
					t.Errorf("%s: the answer repeats %q: %s", u, leak, r.raw)
				}
			}
		}
		if hooks, _ := w.db.Webhooks(context.Background()); len(hooks) != 0 {
			t.Fatalf("saved: %+v", hooks)
		}
		if r := w.do("POST", "/v1/webhooks", admin, map[string]any{"url": "https://hooks.example.com/bopis", "secret": secret}); r.status != 201 {
			t.Errorf("a public URL: %d %s", r.status, r.raw)
		}
	})
	t.Run("allowing private destinations", func(t *testing.T) {
		eachWorkWith(t, httpapi.Config{AllowPrivateWebhooks: true}, func(t *testing.T, w *work) {
			admin := w.key(bopis.RoleAdmin)
			for _, u := range forbidden {
				want := 201
				if strings.Contains(u, "@") {
					want = 422
				}
				if r := w.do("POST", "/v1/webhooks", admin, map[string]any{"url": u, "secret": secret}); r.status != want {
					t.Errorf("allowing private destinations, %s: %d %s, want %d", u, r.status, r.raw, want)
				}
			}
		})
	})
}

// noAddress fails t if a delivery's last_error names the network: an
// address, a port, a host name.
func noAddress(t *testing.T, d bopis.Delivery, leaks ...string) {
	t.Helper()
	for _, leak := range append(leaks, "127.0.0.1", "::1", "localhost", "dial", "tcp") {
		if strings.Contains(d.LastError, leak) {
			t.Errorf("last_error %q names %q", d.LastError, leak)
		}
	}
}

// onlyDelivery is the one delivery of webhook id.
func (w *work) onlyDelivery(id string) bopis.Delivery {
	w.t.Helper()
	ds, _, err := w.db.Deliveries(context.Background(), id, bopis.Page{Limit: 10})
	if err != nil || len(ds) != 1 {
		w.t.Fatalf("deliveries of %s: %+v %v", id, ds, err)
	}
	return ds[0]
}

// TestWebhookDeliveriesStayOutside: what a delivery will not do. A
// webhook saved while private destinations were allowed, whose name
// resolves to loopback, is not delivered once they are not; a 302 is a
// failed delivery and its Location gets nothing (nor the signature); a
// refused connection is recorded as such, with no address or port.
func TestWebhookDeliveriesStayOutside(t *testing.T) {
	eachWorkWith(t, httpapi.Config{AllowPrivateWebhooks: true}, func(t *testing.T, w *work) {
		const secret = "whsec_outside_0123456789"
		inside := startHookServer(t, secret)
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(inside.url, "http://"))
		insideID := w.subscribe("http://localhost:"+port+"/hook", secret, "order.placed")

		var followed atomic.Int32
		target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
		t.Cleanup(target.Close)
		redirect := httptest.NewServer(http.RedirectHandler(target.URL+"/stolen", http.StatusFound))
		t.Cleanup(redirect.Close)
		redirectID := w.subscribe(redirect.URL+"/hook", secret, "order.placed")

		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := ln.Addr().String()
		ln.Close()
		_, closedPort, _ := net.SplitHostPort(closed)
		refusedID := w.subscribe("http://"+closed+"/hook", secret, "order.placed")

		w.order("mid", "in_store", "A", 1)
		if _, err := w.newDispatcher(nil, nil, false).FanOut(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Private destinations not allowed: the name resolving to loopback is refused.
		if _, err := w.newDispatcher(nil, nil, false).DeliverWebhooks(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := len(inside.types()); n != 0 {
			t.Errorf("delivered to a name resolving to loopback: %d", n)
		}
		d := w.onlyDelivery(insideID)
		if d.Status == bopis.DeliveryDelivered || d.LastError != "destination not allowed" {
			t.Errorf("to loopback by name: %+v", d)
		}
		noAddress(t, d, port)
		if d := w.onlyDelivery(redirectID); d.LastError != "destination not allowed" {
			t.Errorf("a loopback address, private destinations not allowed: %+v", d)
		}

		// Allowed (as in the tests): the 302 is not followed, the closed port refused.
		w.clock.Advance(10 * time.Second)
		if _, err := w.newDispatcher(nil, nil, true).DeliverWebhooks(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := followed.Load(); n != 0 {
			t.Errorf("the redirect was followed: %d requests", n)
		}
		d = w.onlyDelivery(redirectID)
		if d.Status == bopis.DeliveryDelivered || d.LastStatus == nil || *d.LastStatus != 302 ||
			!strings.Contains(d.LastError, "302") || d.NextAttemptAt == nil {
			t.Errorf("after a 302: %+v", d)
		}
		_, redirectPort, _ := net.SplitHostPort(strings.TrimPrefix(target.URL, "http://"))
		noAddress(t, d, redirectPort, "stolen")
		d = w.onlyDelivery(refusedID)
		if d.Status == bopis.DeliveryDelivered || d.LastError != "connection refused" || d.NextAttemptAt == nil {
			t.Errorf("to a closed port: %+v", d)
		}
		noAddress(t, d, closedPort)
		if n := len(inside.types()); n != 1 {
			t.Errorf("allowed, the loopback receiver got %d", n)
		}
	})
}
