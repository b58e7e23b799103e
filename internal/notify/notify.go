// Package notify tells customers about their orders by email and SMS.
//
// Templates renders one message per customer-facing moment (order placed,
// ready, delayed, …) from built-in templates that a retailer may override
// file by file; times are always shown in the pickup store's time zone.
// A Sender delivers a rendered Message: SMTP (through go-mail) for email,
// the Twilio Messages API for SMS. A Sender's error says whether a retry
// can help: an error wrapping ErrPermanent never will. QuietHours keeps
// texts from arriving at night, store time.
package notify

import (
	"context"
	"errors"
	"fmt"
)

// Channels.
const (
	Email = "email"
	SMS   = "sms"
)

// Template names, one per customer-facing moment.
const (
	Confirmation = "confirmation" // order.placed
	Ready        = "ready"        // order.ready
	Reminder     = "reminder"     // order.pickup_reminder
	Delay        = "delay"        // order.delayed
	Substitution = "substitution" // order.substitution_proposed
	Cancelled    = "cancelled"    // order.cancelled
	Expired      = "expired"      // order.expired
	PickedUp     = "picked_up"    // order.picked_up
)

// names lists every template name.
var names = []string{Confirmation, Ready, Reminder, Delay, Substitution, Cancelled, Expired, PickedUp}

var events = map[string]string{
	"order.placed":                Confirmation,
	"order.ready":                 Ready,
	"order.pickup_reminder":       Reminder,
	"order.delayed":               Delay,
	"order.substitution_proposed": Substitution,
	"order.cancelled":             Cancelled,
	"order.expired":               Expired,
	"order.picked_up":             PickedUp,
}

// TemplateFor maps an event type (e.g. "order.ready") to its template
// name; false when customers are not told of it (order.accepted,
// order.arrived, …).
func TemplateFor(event string) (string, bool) {
	name, ok := events[event]
	return name, ok
}

// Message is one rendered email or SMS.
type Message struct {
	Channel string // Email or SMS
	To      string // email address or E.164 phone
	Subject string // email only
	Text    string // plain text body (the whole SMS)
	HTML    string // email only
}

// Sender sends a message and returns the provider's id for it
// (Message-ID or SMS sid). An error wrapping ErrPermanent must not be
// retried (a bad address, a 4xx from the SMS API other than 429); any
// other error is temporary.
type Sender interface {
	Send(ctx context.Context, m Message) (providerID string, err error)
}

// ErrPermanent marks a delivery failure that a retry cannot fix.
var ErrPermanent = errors.New("permanent delivery failure")

// permanent wraps err so that errors.Is(err, ErrPermanent) holds.
func permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }
