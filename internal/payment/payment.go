// Package payment authorizes, captures and voids payments through a small
// Gateway interface: the built-in test gateway (state in bopis's database
// through TestStore, so this package imports no storage) and Stripe.
//
// Errors are *bopis.Error where the caller can act on them: EPAYMENT for a
// declined card (402, a message the shopper can read), EINVALID for bad
// input, ENOTFOUND for an unknown authorization, ECONFLICT for one in the
// wrong state. Anything else (network, the gateway's 5xx) is a plain error.
package payment

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/bopis/bopis"
)

// AuthorizeRequest asks a gateway to hold Amount on the shopper's card.
type AuthorizeRequest struct {
	// Token is the storefront's payment token: tok_visa, tok_declined, …
	// on the test gateway; a PaymentMethod id such as pm_card_visa on Stripe.
	Token  string
	Amount bopis.Money
	// Reference is bopis's (an order id or an idempotency scope); it goes to
	// the gateway as metadata and, on Stripe, in the idempotency key.
	Reference string
}

// Authorization is money held on a card until captured or voided.
type Authorization struct {
	Gateway   string // "test" or "stripe"
	ID        string // the gateway's id: "auth_…" (test), the PaymentIntent id (stripe)
	Amount    bopis.Money
	ExpiresAt time.Time // when the hold lapses if not captured
}

// Gateway is a payment provider.
type Gateway interface {
	Name() string
	// Authorize holds r.Amount. A decline is an EPAYMENT *bopis.Error.
	Authorize(ctx context.Context, r AuthorizeRequest) (Authorization, error)
	// Capture takes amount (at most what was authorized, in its currency);
	// less is a partial capture and the rest is released: the capture is
	// final. Capturing a captured authorization again with the same amount
	// succeeds without effect; with another amount it is ECONFLICT.
	Capture(ctx context.Context, id string, amount bopis.Money) error
	// Void releases an uncaptured authorization. Voiding a voided one
	// succeeds without effect; voiding a captured one is ECONFLICT.
	Void(ctx context.Context, id string) error
}

// ErrDeclined is in the chain of every decline (errors.Is), beside the
// EPAYMENT *bopis.Error that carries the shopper's message (errors.As).
var ErrDeclined = errors.New("payment declined")

// declined is the error of a declined authorization.
type declined struct{ e *bopis.Error }

func (d declined) Error() string   { return d.e.Error() }
func (d declined) Unwrap() []error { return []error{d.e, ErrDeclined} }

// decline returns an EPAYMENT error whose message a shopper can read;
// detail says what to do, on the field at fault.
func decline(message, detail string) error {
	return declined{&bopis.Error{Code: bopis.EPAYMENT, Message: message,
		Fields: []bopis.FieldError{{Path: "payment.token", Message: detail}}}}
}

func invalid(path, format string, args ...any) error {
	return &bopis.Error{Code: bopis.EINVALID, Message: "payment request is invalid",
		Fields: []bopis.FieldError{{Path: path, Message: fmt.Sprintf(format, args...)}}}
}

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// checkAmount checks an amount to authorize or capture.
func checkAmount(path string, m bopis.Money) error {
	if !currencyPattern.MatchString(m.Currency) {
		return invalid(path+".currency", "must be an ISO 4217 code such as USD")
	}
	if m.Amount <= 0 || m.Amount > bopis.MaxMoneyAmount {
		return invalid(path+".amount", "must be between 1 and %d minor units", int64(bopis.MaxMoneyAmount))
	}
	return nil
}

func checkRequest(r AuthorizeRequest) error {
	if r.Token == "" || len(r.Token) > bopis.MaxTokenLength {
		return invalid("payment.token", "must be 1 to %d characters", bopis.MaxTokenLength)
	}
	return checkAmount("amount", r.Amount)
}
