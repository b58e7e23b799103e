package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
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
	// Sealed is the signing secret, sealed; it never leaves bopis.
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

// UndispatchedEvents returns up to limit outbox events not yet fanned
// out, oldest first.
func (db *DB) UndispatchedEvents(ctx context.Context, limit int) ([]OutboxEvent, error) {
	res, err := db.r.QueryContext(ctx, `SELECT id, type, store_id, subject, payload, created_at FROM events
		WHERE dispatched_at IS NULL ORDER BY id LIMIT `+strconv.Itoa(limit))
	if err != nil {
		return nil, err
	}
	defer res.Close()
	var out []OutboxEvent
	for res.Next() {
		var e OutboxEvent
		var payload string
		var created int64
		if err := res.Scan(&e.ID, &e.Type, &e.StoreID, &e.Subject, &payload, &created); err != nil {
			return nil, err
		}
		e.Payload, e.CreatedAt = json.RawMessage(payload), fromMicros(created)
		out = append(out, e)
	}
	return out, res.Err()
}

// Dispatch writes what events became and marks them dispatched, in one
// transaction. Rows already written for an event (another process got
// there first) are left as they are, so each is written once.
func (db *DB) Dispatch(ctx context.Context, fans []Fanout) error {
	_, now := db.nowMicros()
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, f := range fans {
			for _, n := range f.Notifications {
				if _, err := db.execTx(ctx, tx, `INSERT INTO notifications (order_id, event_id, event_type, channel, template,
					recipient, subject, body_text, body_html, status, reason, attempts, next_attempt_at, provider_id, created_at,
					updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, '', $13, $13)
					ON CONFLICT (event_id, channel) DO NOTHING`,
					n.OrderID, f.EventID, n.EventType, n.Channel, n.Template, n.Recipient, n.Subject, n.Text, n.HTML, n.Status,
					n.Reason, microsPtr(n.NextAttemptAt), now); err != nil {
					return err
				}
			}
			for _, d := range f.Deliveries {
				if _, err := db.execTx(ctx, tx, `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body, status,
					attempts, next_attempt_at, expires_at, last_error, created_at, updated_at)
					VALUES ($1, $2, $3, $4, '`+DeliveryPending+`', 0, $5, $6, '', $5, $5)
					ON CONFLICT (webhook_id, event_id) DO NOTHING`,
					d.WebhookID, f.EventID, d.EventType, string(d.Body), now, micros(d.ExpiresAt)); err != nil {
					return err
				}
			}
			if _, err := db.execTx(ctx, tx, `UPDATE events SET dispatched_at = $2 WHERE id = $1 AND dispatched_at IS NULL`,
				f.EventID, now); err != nil {
				return err
			}
		}
		return nil
	})
}

const notificationColumns = `id, order_id, event_id, event_type, channel, template, recipient, subject, body_text, body_html,
	status, reason, attempts, next_attempt_at, provider_id, sent_at, created_at`

func scanNotification(r scanner) (Notification, error) {
	var n Notification
	var next, sent sql.NullInt64
	var created int64
	err := r.Scan(&n.ID, &n.OrderID, &n.EventID, &n.EventType, &n.Channel, &n.Template, &n.Recipient, &n.Subject, &n.Text,
		&n.HTML, &n.Status, &n.Reason, &n.Attempts, &next, &n.ProviderID, &sent, &created)
	n.NextAttemptAt, n.SentAt, n.CreatedAt = timePtr(next), timePtr(sent), fromMicros(created)
	return n, err
}

// ClaimNotifications takes up to limit notifications due now for
// sending: each is leased (not due again until lease has passed) and its
// attempt counted, in one transaction, so two senders never take the same
// one, and one whose sender died is taken again when the lease ends.
func (db *DB) ClaimNotifications(ctx context.Context, limit int, lease time.Duration) ([]Notification, error) {
	return claim(ctx, db, "notifications", NotificationPending, notificationColumns, scanNotification, limit, lease)
}

// claim leases up to limit rows of table that are pending and due, as
// ClaimNotifications describes, and returns them.
func claim[T any](ctx context.Context, db *DB, table, pending, columns string, scan func(scanner) (T, error),
	limit int, lease time.Duration) ([]T, error) {
	t, now := db.nowMicros()
	var out []T
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.QueryContext(ctx, `UPDATE `+table+` SET next_attempt_at = $2, attempts = attempts + 1, updated_at = $1
			WHERE id IN (SELECT id FROM `+table+` WHERE status = '`+pending+`' AND next_attempt_at <= $1
				ORDER BY next_attempt_at, id LIMIT `+strconv.Itoa(limit)+db.dialect.skipLocked()+`)
			RETURNING `+columns, now, micros(t.Add(lease)))
		if err != nil {
			return err
		}
		out, err = collect(res, scan)
		return err
	})
	return out, err
}

// FinishNotification records a send: sent (with the provider's id), or
// failed with reason, to be tried again at retryAt (nil: never).
func (db *DB) FinishNotification(ctx context.Context, id int64, sent bool, providerID, reason string, retryAt *time.Time) error {
	_, now := db.nowMicros()
	status := NotificationSent
	var sentAt any = now
	switch {
	case !sent && retryAt != nil:
		status, sentAt = NotificationPending, nil
	case !sent:
		status, sentAt = NotificationFailed, nil
	}
	return db.exec(ctx, `UPDATE notifications SET status = $2, provider_id = $3, reason = $4, next_attempt_at = $5,
		sent_at = $6, updated_at = $7 WHERE id = $1`, id, status, providerID, reason, microsPtr(retryAt), sentAt, now)
}

// OrderNotifications lists an order's notifications, oldest first, if
// scope may see the order.
func (db *DB) OrderNotifications(ctx context.Context, orderID string, scope OrderScope) ([]Notification, error) {
	if _, err := db.GetOrder(ctx, orderID, scope); err != nil {
		return nil, err
	}
	res, err := db.r.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE order_id = $1 ORDER BY id`, orderID)
	if err != nil {
		return nil, err
	}
	return collect(res, scanNotification)
}

// RecentNotifications lists the newest notifications of every order (the
// demo mailbox).
func (db *DB) RecentNotifications(ctx context.Context, limit int) ([]Notification, error) {
	res, err := db.r.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications ORDER BY id DESC LIMIT `+strconv.Itoa(limit))
	if err != nil {
		return nil, err
	}
	return collect(res, scanNotification)
}

// CreateWebhook stores a subscription with its sealed secret.
func (db *DB) CreateWebhook(ctx context.Context, w Webhook) (*Webhook, error) {
	t, now := db.nowMicros()
	events, _ := json.Marshal(w.Events)
	w.CreatedAt = t
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := db.execTx(ctx, tx, `INSERT INTO webhooks (id, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5)`,
			w.ID, w.URL, string(events), w.Sealed, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &w, nil
}

// Webhooks lists the subscriptions that are not deleted, with their
// sealed secrets (for the dispatcher; never answered).
func (db *DB) Webhooks(ctx context.Context) ([]Webhook, error) { return db.webhooks(ctx, "") }

// Webhook returns one subscription that is not deleted.
func (db *DB) Webhook(ctx context.Context, id string) (*Webhook, error) {
	list, err := db.webhooks(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, notFound("webhook", id)
	}
	return &list[0], nil
}

// webhooks lists the live subscriptions, or the one with id.
func (db *DB) webhooks(ctx context.Context, id string) ([]Webhook, error) {
	res, err := db.r.QueryContext(ctx, `SELECT id, url, events, secret, created_at FROM webhooks
		WHERE deleted_at IS NULL AND ($1 = '' OR id = $1) ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	return collect(res, func(r scanner) (Webhook, error) {
		var w Webhook
		var events string
		var created int64
		if err := r.Scan(&w.ID, &w.URL, &events, &w.Sealed, &created); err != nil {
			return w, err
		}
		w.CreatedAt = fromMicros(created)
		return w, json.Unmarshal([]byte(events), &w.Events)
	})
}

// DeleteWebhook ends a subscription; its pending deliveries die.
func (db *DB) DeleteWebhook(ctx context.Context, id string) error {
	_, now := db.nowMicros()
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := db.execTx(ctx, tx, `UPDATE webhooks SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL`, id, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("webhook", id)
		}
		_, err = db.execTx(ctx, tx, `UPDATE webhook_deliveries SET status = '`+DeliveryDead+`', next_attempt_at = NULL,
			last_error = 'the webhook was deleted', updated_at = $2 WHERE webhook_id = $1 AND status = '`+DeliveryPending+`'`, id, now)
		return err
	})
}

const deliveryColumns = `id, webhook_id, event_id, event_type, body, status, attempts, next_attempt_at, expires_at, last_status,
	last_error, delivered_at, created_at`

func scanDelivery(r scanner) (Delivery, error) {
	var d Delivery
	var body string
	var next, delivered, last sql.NullInt64
	var expires, created int64
	err := r.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventType, &body, &d.Status, &d.Attempts, &next, &expires, &last,
		&d.LastError, &delivered, &created)
	d.Body, d.NextAttemptAt, d.ExpiresAt, d.LastStatus = json.RawMessage(body), timePtr(next), fromMicros(expires), ptr(last)
	d.DeliveredAt, d.CreatedAt = timePtr(delivered), fromMicros(created)
	return d, err
}

// ClaimDeliveries leases up to limit due webhook deliveries, as
// ClaimNotifications does notifications.
func (db *DB) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]Delivery, error) {
	return claim(ctx, db, "webhook_deliveries", DeliveryPending, deliveryColumns, scanDelivery, limit, lease)
}

// FinishDelivery records an attempt: delivered, or not with the
// endpoint's status (0: no answer) and error, to be tried again at
// retryAt (nil: dead).
func (db *DB) FinishDelivery(ctx context.Context, id int64, delivered bool, status int, errText string, retryAt *time.Time) error {
	_, now := db.nowMicros()
	state := DeliveryDelivered
	var at any = now
	switch {
	case !delivered && retryAt != nil:
		state, at = DeliveryPending, nil
	case !delivered:
		state, at = DeliveryDead, nil
	}
	var code any
	if status > 0 {
		code = status
	}
	return db.exec(ctx, `UPDATE webhook_deliveries SET status = $2, last_status = $3, last_error = $4,
		next_attempt_at = $5, delivered_at = $6, updated_at = $7 WHERE id = $1`,
		id, state, code, errText, microsPtr(retryAt), at, now)
}

// Deliveries lists a webhook's deliveries, newest first, a page at a time.
func (db *DB) Deliveries(ctx context.Context, webhookID string, p Page) ([]Delivery, string, error) {
	if _, err := db.Webhook(ctx, webhookID); err != nil {
		return nil, "", err
	}
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	var before int64 = 1 << 62
	if after != "" {
		if before, err = strconv.ParseInt(after, 10, 64); err != nil {
			return nil, "", errBadCursor
		}
	}
	res, err := db.r.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE webhook_id = $1 AND id < $2
		ORDER BY id DESC LIMIT `+strconv.Itoa(p.limit()), webhookID, before)
	if err != nil {
		return nil, "", err
	}
	out, err := collect(res, scanDelivery)
	if err != nil || len(out) == 0 {
		return out, "", err
	}
	return out, nextCursor(len(out), p.limit(), strconv.FormatInt(out[len(out)-1].ID, 10)), nil
}

// ReplayDelivery sends a delivery again, whatever its status: it is
// pending now and retried until expiresAt.
func (db *DB) ReplayDelivery(ctx context.Context, webhookID string, id int64, expiresAt time.Time) (*Delivery, error) {
	if _, err := db.Webhook(ctx, webhookID); err != nil {
		return nil, err
	}
	_, now := db.nowMicros()
	var d Delivery
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = scanDelivery(tx.QueryRowContext(ctx, `UPDATE webhook_deliveries SET status = '`+DeliveryPending+`',
			next_attempt_at = $3, expires_at = $4, delivered_at = NULL, updated_at = $3
			WHERE id = $1 AND webhook_id = $2 RETURNING `+deliveryColumns, id, webhookID, now, micros(expiresAt)))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("delivery", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// InstanceKey returns the instance's key called name, creating it with
// generate on first use (the first process to ask wins).
func (db *DB) InstanceKey(ctx context.Context, name string, generate func() string) (string, error) {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := db.execTx(ctx, tx, `INSERT INTO instance_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
			name, generate())
		return err
	})
	if err != nil {
		return "", err
	}
	var key string
	err = db.r.QueryRowContext(ctx, `SELECT key FROM instance_keys WHERE name = $1`, name).Scan(&key)
	return key, err
}
