package payment

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"

	"github.com/bopis/bopis"
)

// TestStore keeps the test gateway's authorizations (internal/storage
// implements it on the database).
type TestStore interface {
	CreateTestPayment(ctx context.Context, p bopis.TestPayment) error
	// UpdateTestPayment loads the payment inside one write transaction,
	// locks it, calls fn, and saves what fn left in *p if fn returns nil
	// (fn's error is returned as is). fn must not use the store. Unknown
	// id: ENOTFOUND *bopis.Error.
	UpdateTestPayment(ctx context.Context, id string, fn func(p *bopis.TestPayment) error) error
	TestPayment(ctx context.Context, id string) (bopis.TestPayment, error)
}

// Test is the built-in test gateway: well-known tokens approve or decline,
// like a card processor's test mode, with no network.
//
//	tok_visa, tok_mastercard  approve; the hold lasts 7 days
//	tok_expired_soon          approves; the hold lasts 1 hour
//	tok_declined              declines (generic)
//	tok_insufficient_funds    declines: insufficient funds
//	anything else             declines as an unknown token
type Test struct {
	store TestStore
	now   func() time.Time
}

// Test gateway holds.
const (
	TestHold      = 7 * 24 * time.Hour
	TestShortHold = time.Hour // tok_expired_soon
)

// NewTest returns the test gateway keeping its state in store, with the
// clock now (time.Now if nil).
func NewTest(store TestStore, now func() time.Time) *Test {
	if now == nil {
		now = time.Now
	}
	return &Test{store: store, now: now}
}

// Name is "test".
func (*Test) Name() string { return "test" }

// clock is now truncated to what the database keeps, so returned times
// equal stored ones.
func (g *Test) clock() time.Time { return g.now().UTC().Truncate(time.Microsecond) }

// Authorize approves or declines by token, and stores an approval in a
// durable transaction of its own, as a real gateway's exists whatever
// happens to bopis after.
func (g *Test) Authorize(ctx context.Context, r AuthorizeRequest) (Authorization, error) {
	a, p, err := g.Prepare(r)
	if err != nil {
		return Authorization{}, err
	}
	if err := g.store.CreateTestPayment(ctx, p); err != nil {
		return Authorization{}, err
	}
	return a, nil
}

// Preparer is a gateway whose authorization can be written by the caller
// in its own transaction: only the test gateway, whose state is a row in
// bopis's database. An order placed through it costs one durable commit,
// not two, and an order that is not placed leaves no authorization
// behind (as if voided at once).
type Preparer interface {
	Prepare(r AuthorizeRequest) (Authorization, bopis.TestPayment, error)
}

var _ Preparer = (*Test)(nil)

// Prepare approves or declines by token, like Authorize, and returns the
// approval's row for the caller to store (TestStore.CreateTestPayment or
// its own transaction) instead of storing it.
func (g *Test) Prepare(r AuthorizeRequest) (Authorization, bopis.TestPayment, error) {
	if err := checkRequest(r); err != nil {
		return Authorization{}, bopis.TestPayment{}, err
	}
	var hold time.Duration
	switch r.Token {
	case "tok_visa", "tok_mastercard":
		hold = TestHold
	case "tok_expired_soon":
		hold = TestShortHold
	case "tok_declined":
		return Authorization{}, bopis.TestPayment{}, decline("the card was declined", "declined by the card's issuer; try another card")
	case "tok_insufficient_funds":
		return Authorization{}, bopis.TestPayment{}, decline("the card was declined: insufficient funds", "the card has insufficient funds; try another card")
	default:
		return Authorization{}, bopis.TestPayment{}, decline("the payment token was not accepted",
			"unknown to the test gateway, which accepts tok_visa, tok_mastercard and tok_expired_soon (approve), tok_declined and tok_insufficient_funds (decline)")
	}
	// The id: the millisecond (48 bits), then 48 random bits. Ids made
	// later sort later, so each new row goes to the right edge of the
	// table's key instead of a random page (one page fewer per order).
	now := g.clock()
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	rand.Read(b[6:]) // never fails (Go 1.24+)
	p := bopis.TestPayment{ID: "auth_" + hex.EncodeToString(b[:]), Token: r.Token, Reference: r.Reference,
		Amount: r.Amount, Status: bopis.PaymentAuthorized, ExpiresAt: now.Add(hold), CreatedAt: now, UpdatedAt: now}
	return Authorization{Gateway: g.Name(), ID: p.ID, Amount: p.Amount, ExpiresAt: p.ExpiresAt}, p, nil
}

// Capture takes amount of authorization id, once; see Gateway.
func (g *Test) Capture(ctx context.Context, id string, amount bopis.Money) error {
	if err := checkAmount("amount", amount); err != nil {
		return err
	}
	return g.store.UpdateTestPayment(ctx, id, func(p *bopis.TestPayment) error {
		now := g.clock()
		switch {
		case p.Status == bopis.PaymentVoided:
			return bopis.Errorf(bopis.ECONFLICT, "authorization %s was voided", id)
		case p.Status == bopis.PaymentCaptured && p.Captured == amount.Amount && p.Amount.Currency == amount.Currency:
			return nil // a retry of the same capture
		case p.Status == bopis.PaymentCaptured:
			return bopis.Errorf(bopis.ECONFLICT, "authorization %s was already captured for %d %s", id, p.Captured, p.Amount.Currency)
		case !now.Before(p.ExpiresAt):
			return bopis.Errorf(bopis.ECONFLICT, "authorization %s expired at %s", id, p.ExpiresAt.Format(time.RFC3339))
		case amount.Currency != p.Amount.Currency:
			return invalid("amount.currency", "must be %s, the authorization's currency", p.Amount.Currency)
		case amount.Amount > p.Amount.Amount:
			return invalid("amount.amount", "must be at most %d, the amount authorized", p.Amount.Amount)
		}
		p.Captured, p.Status, p.UpdatedAt = amount.Amount, bopis.PaymentCaptured, now
		return nil
	})
}

// Void releases authorization id; see Gateway. An expired authorization
// can still be voided.
func (g *Test) Void(ctx context.Context, id string) error {
	return g.store.UpdateTestPayment(ctx, id, func(p *bopis.TestPayment) error {
		switch p.Status {
		case bopis.PaymentVoided:
			return nil
		case bopis.PaymentCaptured:
			return bopis.Errorf(bopis.ECONFLICT, "authorization %s was captured and cannot be voided", id)
		}
		p.Status, p.UpdatedAt = bopis.PaymentVoided, g.clock()
		return nil
	})
}
