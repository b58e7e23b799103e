package payment_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

var t0 = time.Date(2026, 11, 24, 15, 30, 0, 123456789, time.UTC)

func usd(n int64) bopis.Money { return bopis.Money{Amount: n, Currency: "USD"} }

// newTest returns the test gateway on db with a settable clock at t0.
func newTest(db *storage.DB) (*payment.Test, *storagetest.Clock) {
	clock := storagetest.NewClock(t0)
	return payment.NewTest(db, clock.Now), clock
}

func wantCode(t *testing.T, err error, code string) *bopis.Error {
	t.Helper()
	var e *bopis.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("error = %v, want a *bopis.Error with code %s", err, code)
	}
	return e
}

func authorize(t *testing.T, g payment.Gateway, token string, amount int64) payment.Authorization {
	t.Helper()
	a, err := g.Authorize(context.Background(), payment.AuthorizeRequest{Token: token, Amount: usd(amount), Reference: "ord_1"})
	if err != nil {
		t.Fatalf("authorize %s: %v", token, err)
	}
	return a
}

func TestTestGatewayAuthorize(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		g, _ := newTest(db)
		now := t0.Truncate(time.Microsecond)
		for token, hold := range map[string]time.Duration{"tok_visa": 7 * 24 * time.Hour, "tok_mastercard": 7 * 24 * time.Hour, "tok_expired_soon": time.Hour} {
			a := authorize(t, g, token, 2599)
			if a.Gateway != "test" || len(a.ID) != len("auth_")+24 || a.ID[:5] != "auth_" || a.Amount != usd(2599) || !a.ExpiresAt.Equal(now.Add(hold)) {
				t.Errorf("%s: authorization = %+v, want test auth_… for 2599 USD expiring at %v", token, a, now.Add(hold))
			}
			p, err := db.TestPayment(ctx, a.ID)
			want := bopis.TestPayment{ID: a.ID, Token: token, Reference: "ord_1", Amount: usd(2599), Status: bopis.PaymentAuthorized,
				ExpiresAt: now.Add(hold), CreatedAt: now, UpdatedAt: now}
			if err != nil || p != want {
				t.Errorf("%s: stored %+v, %v; want %+v", token, p, err, want)
			}
		}
		if a, b := authorize(t, g, "tok_visa", 1), authorize(t, g, "tok_visa", 1); a.ID == b.ID {
			t.Errorf("two authorizations share id %s", a.ID)
		}

		for token, msg := range map[string]string{
			"tok_declined":           "the card was declined",
			"tok_insufficient_funds": "the card was declined: insufficient funds",
			"tok_amex":               "the payment token was not accepted",
		} {
			_, err := g.Authorize(ctx, payment.AuthorizeRequest{Token: token, Amount: usd(100), Reference: "ord_2"})
			e := wantCode(t, err, bopis.EPAYMENT)
			if e.Message != msg || len(e.Fields) != 1 || e.Fields[0].Path != "payment.token" || !errors.Is(err, payment.ErrDeclined) {
				t.Errorf("%s: error %#v, want %q on payment.token, wrapping ErrDeclined", token, e, msg)
			}
		}
		_, err := g.Authorize(ctx, payment.AuthorizeRequest{Token: "tok_amex", Amount: usd(100)})
		if e := wantCode(t, err, bopis.EPAYMENT); !strings.Contains(e.Fields[0].Message, "tok_visa") {
			t.Errorf("unknown token: %q does not name the accepted tokens", e.Fields[0].Message)
		}

		for _, r := range []payment.AuthorizeRequest{
			{Token: "tok_visa", Amount: usd(0)},
			{Token: "tok_visa", Amount: usd(-5)},
			{Token: "tok_visa", Amount: bopis.Money{Amount: 100, Currency: "usd"}},
			{Token: "", Amount: usd(100)},
		} {
			_, err := g.Authorize(ctx, r)
			wantCode(t, err, bopis.EINVALID)
		}
		wantCode(t, g.Capture(ctx, "auth_nope", usd(1)), bopis.ENOTFOUND)
		wantCode(t, g.Void(ctx, "auth_nope"), bopis.ENOTFOUND)
		_, err = db.TestPayment(ctx, "auth_nope")
		wantCode(t, err, bopis.ENOTFOUND)
	})
}

func TestTestGatewayCaptureAndVoid(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		g, clock := newTest(db)
		a := authorize(t, g, "tok_visa", 5000)

		wantCode(t, g.Capture(ctx, a.ID, usd(5001)), bopis.EINVALID)                                 // more than authorized
		wantCode(t, g.Capture(ctx, a.ID, bopis.Money{Amount: 100, Currency: "EUR"}), bopis.EINVALID) // other currency
		wantCode(t, g.Capture(ctx, a.ID, usd(0)), bopis.EINVALID)

		clock.Advance(2 * time.Hour)
		if err := g.Capture(ctx, a.ID, usd(3000)); err != nil { // partial: the rest is released
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if err := g.Capture(ctx, a.ID, usd(3000)); err != nil { // a retry: no-op
			t.Fatalf("capturing again with the same amount: %v", err)
		}
		wantCode(t, g.Capture(ctx, a.ID, usd(2000)), bopis.ECONFLICT) // the rest is gone: final capture
		wantCode(t, g.Capture(ctx, a.ID, usd(5000)), bopis.ECONFLICT)
		wantCode(t, g.Void(ctx, a.ID), bopis.ECONFLICT) // void after capture
		p, err := db.TestPayment(ctx, a.ID)
		if err != nil || p.Status != bopis.PaymentCaptured || p.Captured != 3000 || !p.UpdatedAt.Equal(t0.Add(2*time.Hour).Truncate(time.Microsecond)) {
			t.Errorf("after capture: %+v, %v; want captured 3000, updated at the first capture", p, err)
		}

		v := authorize(t, g, "tok_mastercard", 700)
		if err := g.Void(ctx, v.ID); err != nil {
			t.Fatal(err)
		}
		if err := g.Void(ctx, v.ID); err != nil { // again: no-op
			t.Fatalf("voiding again: %v", err)
		}
		wantCode(t, g.Capture(ctx, v.ID, usd(700)), bopis.ECONFLICT)
		if p, err := db.TestPayment(ctx, v.ID); err != nil || p.Status != bopis.PaymentVoided || p.Captured != 0 {
			t.Errorf("after void: %+v, %v", p, err)
		}
	})
}

func TestTestGatewayExpiry(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		g, clock := newTest(db)
		soon := authorize(t, g, "tok_expired_soon", 1000)
		late := authorize(t, g, "tok_expired_soon", 1000)
		week := authorize(t, g, "tok_visa", 1000)

		clock.Advance(time.Hour - time.Microsecond)
		if err := g.Capture(ctx, soon.ID, usd(1000)); err != nil {
			t.Fatalf("capture a microsecond before expiry: %v", err)
		}
		clock.Advance(time.Microsecond) // exactly at ExpiresAt: lapsed
		if e := wantCode(t, g.Capture(ctx, late.ID, usd(1000)), bopis.ECONFLICT); !strings.Contains(e.Message, "expired") {
			t.Errorf("message %q does not say the authorization expired", e.Message)
		}
		if err := g.Void(ctx, late.ID); err != nil { // releasing a lapsed hold is fine
			t.Fatalf("void after expiry: %v", err)
		}
		if err := g.Capture(ctx, soon.ID, usd(1000)); err != nil { // captured before expiry: the retry still succeeds
			t.Fatalf("retrying a capture made before expiry: %v", err)
		}

		clock.Advance(7*24*time.Hour - time.Hour - time.Second)
		if err := g.Capture(ctx, week.ID, usd(400)); err != nil {
			t.Fatalf("tok_visa a second before 7 days: %v", err)
		}
		clock.Advance(time.Second)
		last := authorize(t, g, "tok_visa", 10)
		clock.Advance(7 * 24 * time.Hour)
		wantCode(t, g.Capture(ctx, last.ID, usd(10)), bopis.ECONFLICT)
	})
}

// Many captures of one authorization at once: exactly one takes money.
func TestTestGatewayConcurrentCaptures(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		g, _ := newTest(db)
		a := authorize(t, g, "tok_visa", 10_000)
		const n = 24
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = g.Capture(ctx, a.ID, usd(int64(100+i))) }) // every amount differs
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("captures %d and %d both succeeded", winner, i)
			case err == nil:
				winner = i
			default:
				wantCode(t, err, bopis.ECONFLICT)
			}
		}
		p, err := db.TestPayment(ctx, a.ID)
		if winner < 0 || err != nil || p.Status != bopis.PaymentCaptured || p.Captured != int64(100+winner) {
			t.Fatalf("stored %+v, %v; winner %d", p, err, winner)
		}

		// Captures and voids racing: every outcome agrees with the end state.
		b := authorize(t, g, "tok_visa", 500)
		errs = make([]error, n)
		for i := range n {
			wg.Go(func() {
				if i%2 == 0 {
					errs[i] = g.Capture(ctx, b.ID, usd(500))
				} else {
					errs[i] = g.Void(ctx, b.ID)
				}
			})
		}
		wg.Wait()
		p, err = db.TestPayment(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, err := range errs {
			captureWon := p.Status == bopis.PaymentCaptured
			if ok := (i%2 == 0) == captureWon; ok != (err == nil) {
				t.Errorf("end state %s, but op %d (capture=%v) returned %v", p.Status, i, i%2 == 0, err)
			}
			if err != nil {
				wantCode(t, err, bopis.ECONFLICT)
			}
		}
	})
}

// UpdateTestPayment saves nothing when fn fails.
func TestUpdateTestPaymentRollsBack(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		g, _ := newTest(db)
		a := authorize(t, g, "tok_visa", 100)
		boom := errors.New("boom")
		err := db.UpdateTestPayment(ctx, a.ID, func(p *bopis.TestPayment) error {
			p.Status, p.Captured = bopis.PaymentCaptured, 100
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want fn's", err)
		}
		if p, err := db.TestPayment(ctx, a.ID); err != nil || p.Status != bopis.PaymentAuthorized || p.Captured != 0 {
			t.Errorf("after a failed fn: %+v, %v", p, err)
		}
		err = db.CreateTestPayment(ctx, bopis.TestPayment{ID: a.ID, Token: "tok_visa", Amount: usd(1), Status: bopis.PaymentAuthorized})
		wantCode(t, err, bopis.ECONFLICT)
	})
}
