package bopis

import (
	"encoding/json"
	"time"
)

// Notification statuses.
const (
	NotificationPending = "pending"  // to be sent at next_attempt_at
	NotificationSent    = "sent"     // the provider took it
	NotificationFailed  = "failed"   // refused for good, or out of attempts
	NotificationNotSent = "not_sent" // the channel is not configured (reason says so)
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered" // the endpoint answered 2xx
	DeliveryDead      = "dead"      // not delivered within the maximum age
)

// Notification is one email or SMS to a customer about an order, as
// rendered when its event was dispatched.
type Notification struct {
	ID            int64      `json:"id"`
	OrderID       string     `json:"order_id"`
	EventID       int64      `json:"event_id"`
	EventType     string     `json:"event_type"`
	Channel       string     `json:"channel" enum:"email,sms"`
	Template      string     `json:"template"`
	Recipient     string     `json:"recipient"`
	Subject       string     `json:"subject,omitempty"`
	Text          string     `json:"text"`
	HTML          string     `json:"html,omitempty"`
	Status        string     `json:"status" enum:"pending,sent,failed,not_sent"`
	Reason        string     `json:"reason,omitempty" doc:"Why it was not sent, or the last error."`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	ProviderID    string     `json:"provider_id,omitempty" doc:"The email's Message-ID or the SMS's sid."`
	SentAt        *time.Time `json:"sent_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// Webhook is a subscription of an endpoint to events.
type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events" doc:"The event types delivered; empty for all."`
	CreatedAt time.Time `json:"created_at"`
	// Sealed is the signing secret, sealed; it never leaves
	Sealed string `json:"-"`
}

// Wants reports whether the webhook subscribes to an event type.
func (w *Webhook) Wants(typ string) bool {
	if len(w.Events) == 0 {
		return true
	}
	for _, e := range w.Events {
		if e == typ {
			return true
		}
	}
	return false
}

// Delivery is one event's delivery to one webhook.
type Delivery struct {
	ID            int64           `json:"id"`
	WebhookID     string          `json:"webhook_id"`
	EventID       int64           `json:"event_id"`
	EventType     string          `json:"event_type"`
	Body          json.RawMessage `json:"body" doc:"The exact JSON posted."`
	Status        string          `json:"status" enum:"pending,delivered,dead"`
	Attempts      int             `json:"attempts"`
	NextAttemptAt *time.Time      `json:"next_attempt_at,omitempty"`
	ExpiresAt     time.Time       `json:"expires_at" doc:"Retried until then, then dead."`
	LastStatus    *int64          `json:"last_status,omitempty" doc:"The endpoint's last HTTP status."`
	LastError     string          `json:"last_error,omitempty"`
	DeliveredAt   *time.Time      `json:"delivered_at,omitempty"`
	CreatedAt     time.Time       `json:"created_at"`
}

// Fanout is what one outbox event becomes.
type Fanout struct {
	EventID       int64
	Notifications []Notification
	Deliveries    []Delivery
}

// OutboxEvent is an event recorded for delivery (webhooks come later).
type OutboxEvent struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	StoreID   string          `json:"store_id"`
	Subject   string          `json:"subject"`
	Payload   json.RawMessage `json:"payload"`
	CreatedAt time.Time       `json:"created_at"`
}

// Lane is a queue of outbox events dispatched apart from the other, so
// that a customer's order messages never wait behind bulk inventory
// events (ADR 0032).
type Lane int

// The lanes.
const (
	// LaneOrders: order and payment events, the customer's messages and
	// the order systems' webhooks; few, and each awaited by someone.
	LaneOrders Lane = iota
	// LaneBulk: inventory events (types inventory.*: low stock, stale
	// feed, the digests); many at once after a large POS batch or count.
	LaneBulk
)

// EventTypeLowStockDigest is a store's low-stock events of one interval
// told in one event, for those who act on a store's shortages together
// rather than on each SKU's crossing.
const EventTypeLowStockDigest = "inventory.low_stock_digest"
