package wire

import (
	"strconv"
	"strings"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/webhookurl"
)

// webhookEvents are the event types a webhook may subscribe to (API.md).
var webhookEvents = []string{"order.placed", "order.accepted", "order.ready", "order.arrived", "order.picked_up",
	"order.cancelled", "order.expired", "order.delayed", "order.substitution_proposed", "order.pickup_reminder",
	"inventory.low_stock", "inventory.low_stock_digest", "inventory.stale_feed", "payment.authorization_expiring"}

// WebhookRequest subscribes an endpoint.
type WebhookRequest struct {
	URL    string   `json:"url" doc:"An absolute http or https URL, without a user name or password, to a public destination: loopback, private, link-local, unspecified and cloud-metadata addresses and internal names (localhost, *.internal, *.local, single labels) are refused, unless the operator sets BOPIS_WEBHOOK_ALLOW_PRIVATE. Redirects are never followed."`
	Events []string `json:"events,omitempty" doc:"Event types to deliver; all when empty."`
	Secret string   `json:"secret" doc:"16 to 200 characters; signs every delivery (Bopis-Signature). Stored sealed, never shown again."`
}

// Validate checks the request; allowPrivate lets the URL point at
// private destinations (BOPIS_WEBHOOK_ALLOW_PRIVATE). The URL's message
// never repeats it.
func (r *WebhookRequest) Validate(allowPrivate bool) error {
	var fields []bopis.FieldError
	if !bopis.ValidText(r.URL) {
		fields = append(fields, bopis.FieldError{Path: "url", Message: bopis.TextRule})
	} else if err := webhookurl.Check(r.URL, allowPrivate); err != nil {
		fields = append(fields, bopis.FieldError{Path: "url", Message: err.Error()})
	}
	for i, e := range r.Events {
		ok := false
		for _, known := range webhookEvents {
			ok = ok || e == known
		}
		if !ok {
			fields = append(fields, bopis.FieldError{Path: "events[" + strconv.Itoa(i) + "]",
				Message: "unknown event type; one of " + strings.Join(webhookEvents, ", ")})
		}
	}
	if !bopis.ValidString(r.Secret) {
		fields = append(fields, bopis.FieldError{Path: "secret", Message: bopis.StringRule})
	} else if len(r.Secret) < 16 || len(r.Secret) > 200 {
		fields = append(fields, bopis.FieldError{Path: "secret", Message: "must be 16 to 200 characters"})
	}
	if len(fields) > 0 {
		return &bopis.Error{Code: bopis.EINVALID, Message: "webhook is invalid", Fields: fields}
	}
	return nil
}
