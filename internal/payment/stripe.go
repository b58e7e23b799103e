package payment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bopis/bopis"
	"github.com/stripe/stripe-go/v85"
)

// StripeHold is how long Stripe keeps an uncaptured card authorization,
// used when its answer does not say (latest_charge's capture_before).
const StripeHold = 7 * 24 * time.Hour

// StripeConfig configures the Stripe gateway.
type StripeConfig struct {
	SecretKey  string
	BaseURL    string       // https://api.stripe.com if empty; stripe-mock in tests
	HTTPClient *http.Client // stripe-go's default (80 s timeout) if nil
	Now        func() time.Time
}

// Stripe authorizes with PaymentIntents confirmed at once with manual
// capture; Capture captures it, Void cancels it.
type Stripe struct {
	sc  *stripe.Client
	now func() time.Time
}

// NewStripe returns the Stripe gateway.
func NewStripe(cfg StripeConfig) *Stripe {
	bc := &stripe.BackendConfig{
		HTTPClient: cfg.HTTPClient,
		// Errors come back to the caller; stripe-go's default logger would
		// also print every decline to stderr.
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if cfg.BaseURL != "" {
		bc.URL = stripe.String(strings.TrimSuffix(cfg.BaseURL, "/"))
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Stripe{sc: stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(bc))), now: now}
}

// Name is "stripe".
func (*Stripe) Name() string { return "stripe" }

// Authorize creates and confirms a PaymentIntent with manual capture. The
// idempotency key is the reference's, so a retry returns the same
// PaymentIntent (or decline) for 24 hours.
func (g *Stripe) Authorize(ctx context.Context, r AuthorizeRequest) (Authorization, error) {
	if err := checkRequest(r); err != nil {
		return Authorization{}, err
	}
	p := &stripe.PaymentIntentCreateParams{
		Amount:             stripe.Int64(r.Amount.Amount),
		Currency:           stripe.String(strings.ToLower(r.Amount.Currency)),
		PaymentMethod:      stripe.String(r.Token),
		PaymentMethodTypes: stripe.StringSlice([]string{"card"}),
		CaptureMethod:      stripe.String(string(stripe.PaymentIntentCaptureMethodManual)),
		Confirm:            stripe.Bool(true),
		// No shopper is present to complete 3-D Secure: fail as a card
		// error (authentication_required) instead of waiting in requires_action.
		ErrorOnRequiresAction: stripe.Bool(true),
	}
	if r.Reference != "" {
		p.AddMetadata("reference", r.Reference)
		p.IdempotencyKey = stripe.String(r.Reference + ":authorize")
	}
	p.AddExpand("latest_charge") // for capture_before
	pi, err := g.sc.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		return Authorization{}, stripeError(err, "")
	}
	if pi.Status != stripe.PaymentIntentStatusRequiresCapture {
		return Authorization{}, fmt.Errorf("stripe: payment intent %s is %s after confirmation, not requires_capture", pi.ID, pi.Status)
	}
	expires := g.now().UTC().Add(StripeHold).Truncate(time.Second)
	if c := pi.LatestCharge; c != nil && c.PaymentMethodDetails != nil && c.PaymentMethodDetails.Card != nil && c.PaymentMethodDetails.Card.CaptureBefore > 0 {
		expires = time.Unix(c.PaymentMethodDetails.Card.CaptureBefore, 0).UTC()
	}
	return Authorization{Gateway: g.Name(), ID: pi.ID,
		Amount: bopis.Money{Amount: pi.Amount, Currency: strings.ToUpper(string(pi.Currency))}, ExpiresAt: expires}, nil
}

// Capture captures amount of PaymentIntent id; Stripe releases the rest.
// amount must be in the authorization's currency (Stripe takes the number only).
func (g *Stripe) Capture(ctx context.Context, id string, amount bopis.Money) error {
	if err := checkAmount("amount", amount); err != nil {
		return err
	}
	_, err := g.sc.V1PaymentIntents.Capture(ctx, id, &stripe.PaymentIntentCaptureParams{AmountToCapture: stripe.Int64(amount.Amount)})
	if !unexpectedState(err) {
		return stripeError(err, id)
	}
	// Not capturable: already captured (a retry?), voided or lapsed.
	pi, err := g.sc.V1PaymentIntents.Retrieve(ctx, id, nil)
	if err != nil {
		return stripeError(err, id)
	}
	switch pi.Status {
	case stripe.PaymentIntentStatusSucceeded:
		if pi.AmountReceived == amount.Amount {
			return nil
		}
		return bopis.Errorf(bopis.ECONFLICT, "authorization %s was already captured for %d %s", id, pi.AmountReceived, strings.ToUpper(string(pi.Currency)))
	case stripe.PaymentIntentStatusCanceled:
		if pi.CancellationReason == stripe.PaymentIntentCancellationReasonAutomatic {
			return bopis.Errorf(bopis.ECONFLICT, "authorization %s expired", id)
		}
		return bopis.Errorf(bopis.ECONFLICT, "authorization %s was voided", id)
	}
	return bopis.Errorf(bopis.ECONFLICT, "authorization %s cannot be captured: it is %s", id, pi.Status)
}

// Void cancels PaymentIntent id.
func (g *Stripe) Void(ctx context.Context, id string) error {
	_, err := g.sc.V1PaymentIntents.Cancel(ctx, id, &stripe.PaymentIntentCancelParams{})
	if !unexpectedState(err) {
		return stripeError(err, id)
	}
	pi, err := g.sc.V1PaymentIntents.Retrieve(ctx, id, nil)
	if err != nil {
		return stripeError(err, id)
	}
	switch pi.Status {
	case stripe.PaymentIntentStatusCanceled:
		return nil
	case stripe.PaymentIntentStatusSucceeded:
		return bopis.Errorf(bopis.ECONFLICT, "authorization %s was captured and cannot be voided", id)
	}
	return bopis.Errorf(bopis.ECONFLICT, "authorization %s cannot be voided: it is %s", id, pi.Status)
}

// unexpectedState reports whether Stripe refused because of the
// PaymentIntent's state (already captured, canceled, …).
func unexpectedState(err error) bool {
	var se *stripe.Error
	return errors.As(err, &se) && se.Code == stripe.ErrorCodePaymentIntentUnexpectedState
}

// stripeError maps Stripe's errors to bopis's; nil stays nil. id names
// the PaymentIntent concerned, if any.
func stripeError(err error, id string) error {
	var se *stripe.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	switch {
	case se.Type == stripe.ErrorTypeCard:
		// Stripe writes card errors' messages for shoppers ("Your card has
		// insufficient funds.").
		msg := "the card was declined"
		if se.Code == stripe.ErrorCodeAuthenticationRequired {
			msg = "the card needs authentication (3-D Secure), which this checkout cannot do"
		}
		detail := se.Msg
		if detail == "" {
			detail = "try another card"
		}
		return decline(msg, detail)
	case se.Code == stripe.ErrorCodeResourceMissing && id != "":
		return bopis.Errorf(bopis.ENOTFOUND, "authorization %q not found", id)
	case se.Code == stripe.ErrorCodeAmountTooLarge:
		return invalid("amount.amount", "must be at most the amount authorized")
	case se.Type == stripe.ErrorTypeIdempotency:
		return bopis.Errorf(bopis.ECONFLICT, "this reference was already used for another payment request")
	}
	return fmt.Errorf("stripe: %w", err) // its text is Stripe's JSON: type, code, message, request id
}
