// Package outbox keeps the events bopis tells (the events table, written
// in the transaction of the change they tell: Enqueue), what each became
// (customer notifications, webhook deliveries: Dispatch) and their
// sending under leases, the webhooks, and the instance's keys. See ADR
// 0007.
package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
)

// Outbox is the outbox's tables in db.
type Outbox struct {
	db *sqldb.DB
}

var _ bopis.DeliveryService = (*Outbox)(nil)

// New is the outbox in db.
func New(db *sqldb.DB) *Outbox { return &Outbox{db: db} }

// Enqueue adds an event to b, the writes of the transaction that makes
// it happen: it is told once, if and when that transaction commits.
func Enqueue(b *sqldb.Batch, typ, storeID, subject, payload string, at int64) {
	b.Add(`INSERT INTO events (type, store_id, subject, payload, created_at) VALUES ($1, $2, $3, $4, $5)`,
		typ, storeID, subject, payload, at)
}

// lanes are the conditions that pick each lane's events, written as the
// partial indexes of migration 00019 write them (both planners use such
// an index only for a query that states its condition).
var lanes = [...]string{
	bopis.LaneOrders: `dispatched_at IS NULL AND type NOT LIKE 'inventory.%'`,
	bopis.LaneBulk:   `dispatched_at IS NULL AND type LIKE 'inventory.%'`,
}

// UndispatchedEvents returns up to limit of a lane's events not yet
// fanned out, oldest first.
func (o *Outbox) UndispatchedEvents(ctx context.Context, lane bopis.Lane, limit int) ([]bopis.OutboxEvent, error) {
	res, err := o.db.Readers().QueryContext(ctx, `SELECT id, type, store_id, subject, payload, created_at FROM events
		WHERE `+lanes[lane]+` ORDER BY id LIMIT `+strconv.Itoa(limit))
	if err != nil {
		return nil, err
	}
	defer res.Close()
	var out []bopis.OutboxEvent
	for res.Next() {
		var e bopis.OutboxEvent
		var payload string
		var created int64
		if err := res.Scan(&e.ID, &e.Type, &e.StoreID, &e.Subject, &payload, &created); err != nil {
			return nil, err
		}
		e.Payload, e.CreatedAt = json.RawMessage(payload), sqldb.FromMicros(created)
		out = append(out, e)
	}
	return out, res.Err()
}

// digestSKUs is the most SKUs a digest names; its count says how many
// there were.
const digestSKUs = 1000

// DigestLowStock writes, for each store with inventory.low_stock events
// created in [from, to), one inventory.low_stock_digest event naming the
// SKUs that went low, and returns how many it wrote. Each store's digest
// of an interval is written once, whichever process asks first (a unique
// index on the store and the interval's start).
func (o *Outbox) DigestLowStock(ctx context.Context, from, to time.Time) (int, error) {
	res, err := o.db.Readers().QueryContext(ctx, `SELECT store_id, subject FROM events
		WHERE type = 'inventory.low_stock' AND created_at >= $1 AND created_at < $2 ORDER BY store_id, subject`,
		sqldb.Micros(from), sqldb.Micros(to))
	if err != nil {
		return 0, err
	}
	type digest struct {
		StoreID string   `json:"store_id"`
		From    string   `json:"from"`
		To      string   `json:"to"`
		SKUs    []string `json:"skus"`
		Count   int      `json:"count"` // SKUs that went low; skus names the first 1,000
		last    string
	}
	var digests []*digest
	for res.Next() {
		var store, sku string
		if err := res.Scan(&store, &sku); err != nil {
			res.Close()
			return 0, err
		}
		if len(digests) == 0 || digests[len(digests)-1].StoreID != store {
			digests = append(digests, &digest{StoreID: store, From: from.UTC().Format(time.RFC3339), To: to.UTC().Format(time.RFC3339)})
		}
		d := digests[len(digests)-1]
		if d.Count > 0 && d.last == sku {
			continue // it went low more than once in the interval
		}
		if d.Count, d.last = d.Count+1, sku; len(d.SKUs) < digestSKUs {
			d.SKUs = append(d.SKUs, sku)
		}
	}
	res.Close()
	if err := res.Err(); err != nil || len(digests) == 0 {
		return 0, err
	}
	_, now := o.db.NowMicros()
	written := 0
	err = o.db.Transact(ctx, func(tx *sql.Tx) error {
		written = 0
		for _, d := range digests {
			payload, err := json.Marshal(d)
			if err != nil {
				return err
			}
			r, err := o.db.ExecTx(ctx, tx, `INSERT INTO events (type, store_id, subject, payload, created_at)
				VALUES ('`+bopis.EventTypeLowStockDigest+`', $1, $2, $3, $4) ON CONFLICT DO NOTHING`, d.StoreID, d.From, string(payload), now)
			if err != nil {
				return err
			}
			n, _ := r.RowsAffected()
			written += int(n)
		}
		return nil
	})
	return written, err
}

// Dispatch writes what events became and marks them dispatched, in one
// transaction. Rows already written for an event (another process got
// there first) are left as they are, so each is written once.
func (o *Outbox) Dispatch(ctx context.Context, fans []bopis.Fanout) error {
	if len(fans) == 0 {
		return nil
	}
	_, now := o.db.NowMicros()
	return o.db.Transact(ctx, func(tx *sql.Tx) error {
		for _, f := range fans {
			for _, n := range f.Notifications {
				if _, err := o.db.ExecTx(ctx, tx, `INSERT INTO notifications (order_id, event_id, event_type, channel, template,
					recipient, subject, body_text, body_html, status, reason, attempts, next_attempt_at, provider_id, created_at,
					updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, '', $13, $13)
					ON CONFLICT (event_id, channel) DO NOTHING`,
					n.OrderID, f.EventID, n.EventType, n.Channel, n.Template, n.Recipient, n.Subject, n.Text, n.HTML, n.Status,
					n.Reason, sqldb.MicrosOrNull(n.NextAttemptAt), now); err != nil {
					return err
				}
			}
			for _, d := range f.Deliveries {
				if _, err := o.db.ExecTx(ctx, tx, `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, body, status,
					attempts, next_attempt_at, expires_at, last_error, created_at, updated_at)
					VALUES ($1, $2, $3, $4, '`+bopis.DeliveryPending+`', 0, $5, $6, '', $5, $5)
					ON CONFLICT (webhook_id, event_id) DO NOTHING`,
					d.WebhookID, f.EventID, d.EventType, string(d.Body), now, sqldb.Micros(d.ExpiresAt)); err != nil {
					return err
				}
			}
		}
		// The events marked in one statement: a bulk lane's batch is
		// hundreds of events, most of which became nothing.
		ids := make([]any, 0, len(fans)+1)
		var in strings.Builder
		ids = append(ids, now)
		for i, f := range fans {
			if i > 0 {
				in.WriteString(", ")
			}
			in.WriteString("$" + strconv.Itoa(i+2))
			ids = append(ids, f.EventID)
		}
		_, err := o.db.ExecTx(ctx, tx, `UPDATE events SET dispatched_at = $1 WHERE id IN (`+in.String()+`) AND dispatched_at IS NULL`, ids...)
		return err
	})
}

const notificationColumns = `id, order_id, event_id, event_type, channel, template, recipient, subject, body_text, body_html,
	status, reason, attempts, next_attempt_at, provider_id, sent_at, created_at`

func scanNotification(r sqldb.Scanner) (bopis.Notification, error) {
	var n bopis.Notification
	var next, sent sql.NullInt64
	var created int64
	err := r.Scan(&n.ID, &n.OrderID, &n.EventID, &n.EventType, &n.Channel, &n.Template, &n.Recipient, &n.Subject, &n.Text,
		&n.HTML, &n.Status, &n.Reason, &n.Attempts, &next, &n.ProviderID, &sent, &created)
	n.NextAttemptAt, n.SentAt, n.CreatedAt = sqldb.NullTime(next), sqldb.NullTime(sent), sqldb.FromMicros(created)
	return n, err
}

// ClaimNotifications takes up to limit notifications due now for
// sending: each is leased (not due again until lease has passed) and its
// attempt counted, in one transaction, so two senders never take the same
// one, and one whose sender died is taken again when the lease ends. The
// attempt a notification comes back with is the claim's fence: only its
// holder can record the send (FinishNotification).
func (o *Outbox) ClaimNotifications(ctx context.Context, limit int, lease time.Duration) ([]bopis.Notification, error) {
	t, now := o.db.NowMicros()
	var out []bopis.Notification
	err := o.db.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = claim(ctx, tx, o, "notifications", bopis.NotificationPending, notificationColumns, scanNotification, "", nil,
			limit, now, sqldb.Micros(t.Add(lease)))
		return err
	})
	return out, err
}

// claim leases, in tx, up to limit rows of table that are pending and
// due at now (and meet the condition and, if any, its argument, $3) until
// leased, as ClaimNotifications describes, and returns them.
func claim[T any](ctx context.Context, tx *sql.Tx, o *Outbox, table, pending, columns string,
	scan func(sqldb.Scanner) (T, error), cond string, arg any, limit int, now, leased int64) ([]T, error) {
	args := []any{now, leased}
	if arg != nil {
		args = append(args, arg)
	}
	res, err := tx.QueryContext(ctx, `UPDATE `+table+` SET next_attempt_at = $2, attempts = attempts + 1, updated_at = $1
		WHERE id IN (SELECT id FROM `+table+` WHERE status = '`+pending+`' AND next_attempt_at <= $1`+cond+`
			ORDER BY next_attempt_at, id LIMIT `+strconv.Itoa(limit)+o.db.Dialect().SkipLocked()+`)
		RETURNING `+columns, args...)
	if err != nil {
		return nil, err
	}
	return sqldb.Collect(res, scan)
}

// FinishNotification records the send of a notification claimed at
// attempt: sent (with the provider's id), or failed with reason, to be
// tried again at retryAt (nil: never). It records nothing, and says so
// (false), when the claim is no longer the caller's: its lease ended and
// another sender claimed the notification again (or finished it), whose
// result stands.
func (o *Outbox) FinishNotification(ctx context.Context, id int64, attempt int, sent bool, providerID, reason string,
	retryAt *time.Time) (bool, error) {
	_, now := o.db.NowMicros()
	status := bopis.NotificationSent
	var sentAt any = now
	switch {
	case !sent && retryAt != nil:
		status, sentAt = bopis.NotificationPending, nil
	case !sent:
		status, sentAt = bopis.NotificationFailed, nil
	}
	return o.fenced(ctx, `UPDATE notifications SET status = $3, provider_id = $4, reason = $5, next_attempt_at = $6,
		sent_at = $7, updated_at = $8 WHERE id = $1 AND attempts = $2 AND status = '`+bopis.NotificationPending+`'`,
		id, attempt, status, providerID, reason, sqldb.MicrosOrNull(retryAt), sentAt, now)
}

// fenced runs a finishing UPDATE whose WHERE names the claim's attempt,
// and reports whether it changed the row.
func (o *Outbox) fenced(ctx context.Context, query string, args ...any) (bool, error) {
	var n int64
	err := o.db.Transact(ctx, func(tx *sql.Tx) error {
		res, err := o.db.ExecTx(ctx, tx, query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// OrderNotifications lists an order's notifications, oldest first; who
// may see the order is the caller's to check.
func (o *Outbox) OrderNotifications(ctx context.Context, orderID string) ([]bopis.Notification, error) {
	res, err := o.db.Readers().QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE order_id = $1 ORDER BY id`, orderID)
	if err != nil {
		return nil, err
	}
	return sqldb.Collect(res, scanNotification)
}

// RecentNotifications lists the newest notifications of every order (the
// demo mailbox).
func (o *Outbox) RecentNotifications(ctx context.Context, limit int) ([]bopis.Notification, error) {
	res, err := o.db.Readers().QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications ORDER BY id DESC LIMIT `+strconv.Itoa(limit))
	if err != nil {
		return nil, err
	}
	return sqldb.Collect(res, scanNotification)
}

// CreateWebhook stores a subscription with its sealed secret.
func (o *Outbox) CreateWebhook(ctx context.Context, w bopis.Webhook) (*bopis.Webhook, error) {
	t, now := o.db.NowMicros()
	events, _ := json.Marshal(w.Events)
	w.CreatedAt = t
	err := o.db.Transact(ctx, func(tx *sql.Tx) error {
		_, err := o.db.ExecTx(ctx, tx, `INSERT INTO webhooks (id, url, events, secret, created_at) VALUES ($1, $2, $3, $4, $5)`,
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
func (o *Outbox) Webhooks(ctx context.Context) ([]bopis.Webhook, error) { return o.webhooks(ctx, "") }

// Webhook returns one subscription that is not deleted.
func (o *Outbox) Webhook(ctx context.Context, id string) (*bopis.Webhook, error) {
	list, err := o.webhooks(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, sqldb.NotFound("webhook", id)
	}
	return &list[0], nil
}

// webhooks lists the live subscriptions, or the one with id.
func (o *Outbox) webhooks(ctx context.Context, id string) ([]bopis.Webhook, error) {
	res, err := o.db.Readers().QueryContext(ctx, `SELECT id, url, events, secret, created_at FROM webhooks
		WHERE deleted_at IS NULL AND ($1 = '' OR id = $1) ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	return sqldb.Collect(res, func(r sqldb.Scanner) (bopis.Webhook, error) {
		var w bopis.Webhook
		var events string
		var created int64
		if err := r.Scan(&w.ID, &w.URL, &events, &w.Sealed, &created); err != nil {
			return w, err
		}
		w.CreatedAt = sqldb.FromMicros(created)
		return w, json.Unmarshal([]byte(events), &w.Events)
	})
}

// DeleteWebhook ends a subscription; its pending deliveries die.
func (o *Outbox) DeleteWebhook(ctx context.Context, id string) error {
	_, now := o.db.NowMicros()
	return o.db.Transact(ctx, func(tx *sql.Tx) error {
		res, err := o.db.ExecTx(ctx, tx, `UPDATE webhooks SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL`, id, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return sqldb.NotFound("webhook", id)
		}
		_, err = o.db.ExecTx(ctx, tx, `UPDATE webhook_deliveries SET status = '`+bopis.DeliveryDead+`', next_attempt_at = NULL,
			last_error = 'the webhook was deleted', updated_at = $2 WHERE webhook_id = $1 AND status = '`+bopis.DeliveryPending+`'`, id, now)
		return err
	})
}

const deliveryColumns = `id, webhook_id, event_id, event_type, body, status, attempts, next_attempt_at, expires_at, last_status,
	last_error, delivered_at, created_at`

func scanDelivery(r sqldb.Scanner) (bopis.Delivery, error) {
	var d bopis.Delivery
	var body string
	var next, delivered, last sql.NullInt64
	var expires, created int64
	err := r.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventType, &body, &d.Status, &d.Attempts, &next, &expires, &last,
		&d.LastError, &delivered, &created)
	d.Body, d.NextAttemptAt, d.ExpiresAt, d.LastStatus = json.RawMessage(body), sqldb.NullTime(next), sqldb.FromMicros(expires), sqldb.NullInt(last)
	d.DeliveredAt, d.CreatedAt = sqldb.NullTime(delivered), sqldb.FromMicros(created)
	return d, err
}

// ClaimDeliveries leases up to limit due deliveries to one webhook, as
// ClaimNotifications does notifications: each webhook's deliveries are
// claimed apart, so a slow endpoint holds up only its own, and the order
// lane's first (by an index of their own), so an order's delivery does
// not wait behind the webhook's backlog of inventory events.
func (o *Outbox) ClaimDeliveries(ctx context.Context, webhookID string, limit int, lease time.Duration) ([]bopis.Delivery, error) {
	t, now := o.db.NowMicros()
	var out []bopis.Delivery
	err := o.db.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = claim(ctx, tx, o, "webhook_deliveries", bopis.DeliveryPending, deliveryColumns, scanDelivery,
			` AND webhook_id = $3 AND event_type NOT LIKE 'inventory.%'`, webhookID, limit, now, sqldb.Micros(t.Add(lease)))
		if err != nil || len(out) == limit {
			return err
		}
		more, err := claim(ctx, tx, o, "webhook_deliveries", bopis.DeliveryPending, deliveryColumns, scanDelivery,
			` AND webhook_id = $3`, webhookID, limit-len(out), now, sqldb.Micros(t.Add(lease)))
		out = append(out, more...)
		return err
	})
	return out, err
}

// FinishDelivery records the attempt of a delivery claimed at attempt:
// delivered, or not with the endpoint's status (0: no answer) and error,
// to be tried again at retryAt (nil: dead). Like FinishNotification it
// records nothing (false) for a claim that is no longer the caller's.
func (o *Outbox) FinishDelivery(ctx context.Context, id int64, attempt int, delivered bool, status int, errText string,
	retryAt *time.Time) (bool, error) {
	_, now := o.db.NowMicros()
	state := bopis.DeliveryDelivered
	var at any = now
	switch {
	case !delivered && retryAt != nil:
		state, at = bopis.DeliveryPending, nil
	case !delivered:
		state, at = bopis.DeliveryDead, nil
	}
	var code any
	if status > 0 {
		code = status
	}
	return o.fenced(ctx, `UPDATE webhook_deliveries SET status = $3, last_status = $4, last_error = $5,
		next_attempt_at = $6, delivered_at = $7, updated_at = $8 WHERE id = $1 AND attempts = $2 AND status = '`+bopis.DeliveryPending+`'`,
		id, attempt, state, code, errText, sqldb.MicrosOrNull(retryAt), at, now)
}

// Deliveries lists a webhook's deliveries, newest first, a page at a time.
func (o *Outbox) Deliveries(ctx context.Context, webhookID string, p bopis.Page) ([]bopis.Delivery, string, error) {
	if _, err := o.Webhook(ctx, webhookID); err != nil {
		return nil, "", err
	}
	after, err := p.After()
	if err != nil {
		return nil, "", err
	}
	var before int64 = 1 << 62
	if after != "" {
		if before, err = strconv.ParseInt(after, 10, 64); err != nil {
			return nil, "", bopis.ErrBadCursor
		}
	}
	res, err := o.db.Readers().QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE webhook_id = $1 AND id < $2
		ORDER BY id DESC LIMIT `+strconv.Itoa(p.Size()), webhookID, before)
	if err != nil {
		return nil, "", err
	}
	out, err := sqldb.Collect(res, scanDelivery)
	if err != nil || len(out) == 0 {
		return out, "", err
	}
	return out, sqldb.NextCursor(len(out), p.Size(), strconv.FormatInt(out[len(out)-1].ID, 10)), nil
}

// ReplayDelivery sends a delivery again, whatever its status: it is
// pending now and retried until expiresAt.
func (o *Outbox) ReplayDelivery(ctx context.Context, webhookID string, id int64, expiresAt time.Time) (*bopis.Delivery, error) {
	if _, err := o.Webhook(ctx, webhookID); err != nil {
		return nil, err
	}
	_, now := o.db.NowMicros()
	var d bopis.Delivery
	err := o.db.Transact(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = scanDelivery(tx.QueryRowContext(ctx, `UPDATE webhook_deliveries SET status = '`+bopis.DeliveryPending+`',
			next_attempt_at = $3, expires_at = $4, delivered_at = NULL, updated_at = $3
			WHERE id = $1 AND webhook_id = $2 RETURNING `+deliveryColumns, id, webhookID, now, sqldb.Micros(expiresAt)))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqldb.NotFound("delivery", strconv.FormatInt(id, 10))
	}
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// InstanceKey returns the instance's key called name, creating it with
// generate on first use (the first process to ask wins).
func (o *Outbox) InstanceKey(ctx context.Context, name string, generate func() string) (string, error) {
	err := o.db.Transact(ctx, func(tx *sql.Tx) error {
		_, err := o.db.ExecTx(ctx, tx, `INSERT INTO instance_keys (name, key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
			name, generate())
		return err
	})
	if err != nil {
		return "", err
	}
	var key string
	err = o.db.Readers().QueryRowContext(ctx, `SELECT key FROM instance_keys WHERE name = $1`, name).Scan(&key)
	return key, err
}
