package payment_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"go/build"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/payment"
)

// StripeMockEnv names the stripe-mock binary (.ci/run sets it). Without
// it the test looks on PATH and in GOBIN/GOPATH's bin, and skips only when
// no binary is found; one that is found but does not start fails.
const StripeMockEnv = "BOPIS_TEST_STRIPE_MOCK"

// captureBefore is the capture_before of the charge in the fixtures below.
const captureBefore = 1900000000

// stripeFixtures replace stripe-mock's bundled ones, whose PaymentIntent
// is in requires_payment_method whatever is asked: these answer like
// Stripe does to a confirmed manual-capture PaymentIntent (only
// payment_intent and charge are needed here). stripe-mock still checks
// every request against Stripe's OpenAPI spec and echoes request
// parameters (amount, currency, …) into the answer.
const stripeFixtures = `{"resources": {
 "payment_intent": {"id": "pi_fixture", "object": "payment_intent", "amount": 1099, "amount_capturable": 1099,
  "amount_received": 0, "capture_method": "manual", "currency": "usd", "status": "requires_capture", "metadata": {},
  "latest_charge": "ch_fixture", "livemode": false, "created": 1234567890, "payment_method_types": ["card"]},
 "charge": {"id": "ch_fixture", "object": "charge", "amount": 1099, "captured": false, "currency": "usd",
  "payment_method_details": {"type": "card", "card": {"brand": "visa", "capture_before": 1900000000}}}
}}`

// stripeMock starts stripe-mock on loopback ports of the kernel's choosing
// and returns its HTTP base URL; it is stopped when the test ends.
func stripeMock(t *testing.T) string {
	t.Helper()
	bin := os.Getenv(StripeMockEnv)
	if bin == "" {
		bin, _ = exec.LookPath("stripe-mock")
	}
	if bin == "" {
		dirs := []string{os.Getenv("GOBIN")}
		for _, p := range filepath.SplitList(build.Default.GOPATH) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
		for _, d := range dirs {
			if p := filepath.Join(d, "stripe-mock"); d != "" && isFile(p) {
				bin = p
				break
			}
		}
	}
	if bin == "" {
		t.Skipf("stripe-mock not found: go install github.com/stripe/stripe-mock@v0.203.0, or set %s", StripeMockEnv)
	}
	fixtures := filepath.Join(t.TempDir(), "fixtures.json")
	if err := os.WriteFile(fixtures, []byte(stripeFixtures), 0o600); err != nil {
		t.Fatal(err)
	}
	// An empty port lets the kernel choose; stripe-mock prints the address
	// once it listens, which is also how we know it is ready.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:", "-https-addr", "127.0.0.1:", "-fixtures", fixtures)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	go func() {
		var lines []string
		s := bufio.NewScanner(out)
		for s.Scan() {
			if a, ok := strings.CutPrefix(s.Text(), "Listening for HTTP at address: "); ok {
				addr <- a
				io.Copy(io.Discard, out) // keep its pipe drained
				return
			}
			lines = append(lines, s.Text())
		}
		addr <- "exited: " + strings.Join(lines, "\n")
	}()
	select {
	case a := <-addr:
		if strings.HasPrefix(a, "exited: ") {
			t.Fatalf("%s did not start listening: %s", bin, a)
		}
		return "http://" + a
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not listen within 30 s", bin)
	}
	return ""
}

func isFile(p string) bool { fi, err := os.Stat(p); return err == nil && fi.Mode().IsRegular() }

// recorder is an http.RoundTripper that keeps each request it sends on.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path string
	header       http.Header
	form         url.Values
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(strings.NewReader(string(body)))
	}
	form, _ := url.ParseQuery(string(body))
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{req.Method, req.URL.Path, req.Header.Clone(), form})
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) last(t *testing.T) recorded {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("no request was sent")
	}
	return r.reqs[len(r.reqs)-1]
}

func wantForm(t *testing.T, r recorded, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := r.form.Get(k); got != v {
			t.Errorf("%s %s: %s = %q, want %q (form %v)", r.method, r.path, k, got, v, r.form)
		}
	}
}

// The Stripe gateway against stripe-mock over HTTP: every request must
// pass its check against Stripe's OpenAPI spec. stripe-mock keeps no
// state, so this checks what is sent and how answers are read, not
// PaymentIntents' life.
func TestStripeMock(t *testing.T) {
	base := stripeMock(t)
	rec := &recorder{}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	g := payment.NewStripe(payment.StripeConfig{SecretKey: "sk_test_123", BaseURL: base,
		HTTPClient: &http.Client{Transport: rec, Timeout: 10 * time.Second}, Now: func() time.Time { return now }})
	ctx := context.Background()
	if g.Name() != "stripe" {
		t.Errorf("Name() = %q", g.Name())
	}

	a, err := g.Authorize(ctx, payment.AuthorizeRequest{Token: "pm_card_visa", Amount: usd(1234), Reference: "ord_42"})
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	want := payment.Authorization{Gateway: "stripe", ID: a.ID, Amount: usd(1234), ExpiresAt: time.Unix(captureBefore, 0).UTC()}
	if !strings.HasPrefix(a.ID, "pi_") || a != want {
		t.Errorf("authorization = %+v, want %+v (amount echoed, expiry from capture_before)", a, want)
	}
	r := rec.last(t)
	if r.method != http.MethodPost || r.path != "/v1/payment_intents" || r.header.Get("Idempotency-Key") != "ord_42:authorize" ||
		r.header.Get("Authorization") != "Bearer sk_test_123" {
		t.Errorf("authorize sent %s %s with Idempotency-Key %q, Authorization %q", r.method, r.path, r.header.Get("Idempotency-Key"), r.header.Get("Authorization"))
	}
	wantForm(t, r, map[string]string{"amount": "1234", "currency": "usd", "payment_method": "pm_card_visa",
		"capture_method": "manual", "confirm": "true", "error_on_requires_action": "true",
		"payment_method_types[0]": "card", "metadata[reference]": "ord_42", "expand[0]": "latest_charge"})

	if err := g.Capture(ctx, a.ID, usd(1000)); err != nil { // partial
		t.Fatalf("capture: %v", err)
	}
	r = rec.last(t)
	if r.method != http.MethodPost || r.path != "/v1/payment_intents/"+a.ID+"/capture" {
		t.Errorf("capture sent %s %s", r.method, r.path)
	}
	wantForm(t, r, map[string]string{"amount_to_capture": "1000"})

	if err := g.Void(ctx, a.ID); err != nil {
		t.Fatalf("void: %v", err)
	}
	if r = rec.last(t); r.method != http.MethodPost || r.path != "/v1/payment_intents/"+a.ID+"/cancel" {
		t.Errorf("void sent %s %s", r.method, r.path)
	}

	// Checked before any request.
	n := len(rec.reqs)
	_, err = g.Authorize(ctx, payment.AuthorizeRequest{Token: "pm_card_visa", Amount: usd(0)})
	wantCode(t, err, bopis.EINVALID)
	wantCode(t, g.Capture(ctx, a.ID, usd(-1)), bopis.EINVALID)
	if len(rec.reqs) != n {
		t.Errorf("invalid input reached Stripe")
	}
}

// What Stripe answers when things go wrong, which stripe-mock cannot
// play: a loopback server answers with Stripe's documented error bodies,
// and the gateway must map them to bopis's codes.
func TestStripeErrors(t *testing.T) {
	pi := func(id, status string, received int64, reason string) string {
		return fmt.Sprintf(`{"id": %q, "object": "payment_intent", "amount": 1000, "amount_received": %d, "currency": "usd",
			"capture_method": "manual", "status": %q, "cancellation_reason": %s}`, id, received, status, reason)
	}
	stripeErr := func(typ, code, msg string) string {
		return fmt.Sprintf(`{"error": {"type": %q, "code": %q, "message": %q}}`, typ, code, msg)
	}
	unexpected := stripeErr("invalid_request_error", "payment_intent_unexpected_state", "This PaymentIntent's status is not capturable.")
	answers := map[string]struct {
		status int
		body   string
	}{
		"POST /v1/payment_intents pm_card_visa":                   {200, pi("pi_new", "requires_capture", 0, "null")},
		"POST /v1/payment_intents pm_card_chargeDeclined":         {402, stripeErr("card_error", "card_declined", "Your card was declined.")},
		"POST /v1/payment_intents pm_card_authenticationRequired": {402, stripeErr("card_error", "authentication_required", "Your card was declined. This transaction requires authentication.")},
		"POST /v1/payment_intents pm_card_reused":                 {400, stripeErr("idempotency_error", "", "Keys for idempotent requests can only be used with the same parameters they were first used with.")},
		"POST /v1/payment_intents pm_card_boom":                   {500, stripeErr("api_error", "", "Something went wrong on Stripe's end.")},
		"POST /v1/payment_intents/pi_missing/capture":             {404, stripeErr("invalid_request_error", "resource_missing", "No such payment_intent: 'pi_missing'")},
		"POST /v1/payment_intents/pi_missing/cancel":              {404, stripeErr("invalid_request_error", "resource_missing", "No such payment_intent: 'pi_missing'")},
		"POST /v1/payment_intents/pi_open/capture":                {400, stripeErr("invalid_request_error", "amount_too_large", "The amount to capture is greater than the amount capturable.")},
		"POST /v1/payment_intents/pi_captured/capture":            {400, unexpected},
		"GET /v1/payment_intents/pi_captured":                     {200, pi("pi_captured", "succeeded", 600, "null")},
		"POST /v1/payment_intents/pi_captured/cancel":             {400, unexpected},
		"POST /v1/payment_intents/pi_voided/capture":              {400, unexpected},
		"GET /v1/payment_intents/pi_voided":                       {200, pi("pi_voided", "canceled", 0, `"requested_by_customer"`)},
		"POST /v1/payment_intents/pi_voided/cancel":               {400, unexpected},
		"POST /v1/payment_intents/pi_lapsed/capture":              {400, unexpected},
		"GET /v1/payment_intents/pi_lapsed":                       {200, pi("pi_lapsed", "canceled", 0, `"automatic"`)},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		key := r.Method + " " + r.URL.Path
		if r.URL.Path == "/v1/payment_intents" {
			key += " " + r.PostForm.Get("payment_method")
		}
		a, ok := answers[key]
		if !ok {
			t.Errorf("unexpected request %s", key)
			a.status, a.body = 404, stripeErr("invalid_request_error", "", "unexpected")
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Stripe-Should-Retry", "false")
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	defer srv.Close()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	g := payment.NewStripe(payment.StripeConfig{SecretKey: "sk_test_123", BaseURL: srv.URL, Now: func() time.Time { return now }})
	ctx := context.Background()
	auth := func(token string) (payment.Authorization, error) {
		return g.Authorize(ctx, payment.AuthorizeRequest{Token: token, Amount: usd(1000), Reference: "ord_9"})
	}

	// No capture_before in the answer: Stripe's 7 days for cards.
	if a, err := auth("pm_card_visa"); err != nil || !a.ExpiresAt.Equal(now.Add(7*24*time.Hour)) || a.ID != "pi_new" {
		t.Errorf("authorize = %+v, %v; want pi_new expiring in 7 days", a, err)
	}
	_, err := auth("pm_card_chargeDeclined")
	if e := wantCode(t, err, bopis.EPAYMENT); e.Message != "the card was declined" || e.Fields[0].Path != "payment.token" ||
		e.Fields[0].Message != "Your card was declined." || !errors.Is(err, payment.ErrDeclined) {
		t.Errorf("decline: %#v", e)
	}
	_, err = auth("pm_card_authenticationRequired")
	if e := wantCode(t, err, bopis.EPAYMENT); !strings.Contains(e.Message, "authentication") {
		t.Errorf("authentication required: %#v", e)
	}
	_, err = auth("pm_card_reused")
	wantCode(t, err, bopis.ECONFLICT)
	_, err = auth("pm_card_boom")
	if err == nil || bopis.ErrorCode(err) != bopis.EINTERNAL {
		t.Errorf("Stripe's 500: %v, want a plain (internal) error", err)
	}

	wantCode(t, g.Capture(ctx, "pi_missing", usd(100)), bopis.ENOTFOUND)
	wantCode(t, g.Void(ctx, "pi_missing"), bopis.ENOTFOUND)
	wantCode(t, g.Capture(ctx, "pi_open", usd(5000)), bopis.EINVALID)
	if err := g.Capture(ctx, "pi_captured", usd(600)); err != nil {
		t.Errorf("capturing again with the amount captured: %v, want a no-op", err)
	}
	wantCode(t, g.Capture(ctx, "pi_captured", usd(700)), bopis.ECONFLICT)
	wantCode(t, g.Void(ctx, "pi_captured"), bopis.ECONFLICT)
	if e := wantCode(t, g.Capture(ctx, "pi_voided", usd(600)), bopis.ECONFLICT); !strings.Contains(e.Message, "voided") {
		t.Errorf("capture of a voided one: %q", e.Message)
	}
	if err := g.Void(ctx, "pi_voided"); err != nil {
		t.Errorf("voiding again: %v, want a no-op", err)
	}
	if e := wantCode(t, g.Capture(ctx, "pi_lapsed", usd(600)), bopis.ECONFLICT); !strings.Contains(e.Message, "expired") {
		t.Errorf("capture of a lapsed one: %q", e.Message)
	}
}
