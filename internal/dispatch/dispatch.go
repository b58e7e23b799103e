// Package dispatch delivers the transactional outbox. Every event a
// change wrote (in the change's own transaction) is fanned out once into
// customer notifications (email, SMS: rendered then, in the store's time
// zone) and webhook deliveries; each of those is then sent on its own,
// leased so that two processes never send it together, and retried with
// backoff. A crash after commit only delays a message: the event, the
// notification and the delivery are rows that wait for the next pass.
package dispatch

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/notify"
	"github.com/bopis/bopis/internal/seal"
	"github.com/bopis/bopis/internal/webhookurl"
)

// Storage is what dispatching needs of the database.
type Storage interface {
	UndispatchedEvents(ctx context.Context, lane bopis.Lane, limit int) ([]bopis.OutboxEvent, error)
	Dispatch(ctx context.Context, fans []bopis.Fanout) error
	ClaimNotifications(ctx context.Context, limit int, lease time.Duration) ([]bopis.Notification, error)
	FinishNotification(ctx context.Context, id int64, attempt int, sent bool, providerID, reason string, retryAt *time.Time) (bool, error)
	ClaimDeliveries(ctx context.Context, webhookID string, limit int, lease time.Duration) ([]bopis.Delivery, error)
	DigestLowStock(ctx context.Context, from, to time.Time) (int, error)
	FinishDelivery(ctx context.Context, id int64, attempt int, delivered bool, status int, errText string, retryAt *time.Time) (bool, error)
	Webhooks(ctx context.Context) ([]bopis.Webhook, error)
	GetOrder(ctx context.Context, id string, scope bopis.OrderScope) (*bopis.Order, error)
	GetStore(ctx context.Context, id string) (*bopis.Store, error)
}

// Config builds a Dispatcher.
type Config struct {
	DB        Storage
	Templates *notify.Templates
	// Email and SMS send the customer's messages; nil: the channel is not
	// configured and its messages are recorded not_sent with the reason.
	Email, SMS notify.Sender
	Quiet      notify.QuietHours // SMS wait for the end of these, store time
	// WebhookMaxAge is how long a delivery is retried (default 24 h).
	WebhookMaxAge time.Duration
	Key           *seal.Key // opens webhook secrets, makes customer links
	PublicURL     string    // where customer links point, e.g. https://pickup.example.com
	// AllowPrivate lets deliveries reach loopback, private and link-local
	// destinations (BOPIS_WEBHOOK_ALLOW_PRIVATE); off, such a webhook's
	// deliveries fail "destination not allowed", whatever its name
	// resolves to when it is dialed.
	AllowPrivate bool
	Now          func() time.Time
	Logger       *slog.Logger
	// Lease is how long a sender holds a claimed message before another
	// may take it (default 2 min). A send is given up at half of it (at
	// most 10 s for a webhook), so it ends while its claim is still the
	// sender's.
	Lease time.Duration
	// PerWebhook is how many deliveries to one webhook are sent at once
	// (default 4); Senders how many customer messages (default 8).
	PerWebhook, Senders int
	// DigestInterval is the interval of each store's low-stock digest
	// (inventory.low_stock_digest; default 1 h, BOPIS_LOW_STOCK_DIGEST).
	// Intervals are aligned to the clock's (every hour on the hour); an
	// interval is digested a few seconds after it ends.
	DigestInterval time.Duration
}

// Tunables.
const (
	batch           = 100             // events of the order lane fanned out, messages claimed, at a time
	bulkBatch       = 500             // events of the bulk lane fanned out in one transaction
	DefaultLease    = 2 * time.Minute // a sender's claim on a message
	maxAttempts     = 10              // of a notification
	firstRetry      = 10 * time.Second
	maxRetry        = time.Hour
	DefaultMaxAge   = 24 * time.Hour
	webhookTimeout  = 10 * time.Second
	DefaultDigest   = time.Hour
	digestGrace     = 5 * time.Second // for the interval's last events' transactions to commit
	SignatureHeader = "Bopis-Signature"
)

// Dispatcher fans out and sends.
type Dispatcher struct {
	c      Config
	client *http.Client // of webhooks

	mu       sync.Mutex
	digested time.Time // the end of the last interval digested
}

// New returns a Dispatcher.
func New(c Config) *Dispatcher {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.WebhookMaxAge == 0 {
		c.WebhookMaxAge = DefaultMaxAge
	}
	if c.Lease <= 0 {
		c.Lease = DefaultLease
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.PerWebhook <= 0 {
		c.PerWebhook = 4
	}
	if c.Senders <= 0 {
		c.Senders = 8
	}
	if c.DigestInterval <= 0 {
		c.DigestInterval = DefaultDigest
	}
	return &Dispatcher{c: c, client: webhookClient(c.AllowPrivate, nil)}
}

// sendTimeout is how long one send may take: half the lease, so that it
// ends (and its result is recorded) while the claim is still the
// sender's, and at most limit.
func (d *Dispatcher) sendTimeout(limit time.Duration) time.Duration {
	return min(d.c.Lease/2, limit)
}

// Run dispatches until ctx ends, in lanes that wait for nothing but
// their own work: the order lane (fan-out of order events, then the
// customer's messages), the bulk lane (fan-out of inventory events, as
// fast as the database takes them while a backlog lasts) and one worker
// per webhook. Each looks again every interval when it found nothing to
// do, at once when it found a full batch.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) {
	var wg sync.WaitGroup
	wg.Add(3)
	go func() {
		defer wg.Done()
		d.loop(ctx, interval, "the order lane", func(ctx context.Context) (bool, error) {
			n, err := d.fanOut(ctx, bopis.LaneOrders, batch)
			if err != nil {
				return false, err
			}
			claimed, _, err := d.sendNotifications(ctx)
			return n == batch || claimed == batch, err
		})
	}()
	go func() {
		defer wg.Done()
		d.loop(ctx, interval, "the bulk lane", func(ctx context.Context) (bool, error) {
			if err := d.Digest(ctx); err != nil {
				return false, err
			}
			n, err := d.fanOut(ctx, bopis.LaneBulk, bulkBatch)
			return n == bulkBatch, err
		})
	}()
	go func() { defer wg.Done(); d.runWebhooks(ctx, interval) }()
	wg.Wait()
}

// loop runs pass until ctx ends: again at once while it says there is
// more, else after interval.
func (d *Dispatcher) loop(ctx context.Context, interval time.Duration, what string, pass func(context.Context) (bool, error)) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		more, err := pass(ctx)
		if err != nil && ctx.Err() == nil {
			d.c.Logger.WarnContext(ctx, "dispatching the outbox", "lane", what, "error", err)
			more = false
		}
		if more {
			t.Reset(0)
		} else {
			t.Reset(interval)
		}
	}
}

// runWebhooks keeps one worker per live webhook, each claiming and
// sending only its webhook's deliveries, so that a slow or dead endpoint
// delays no other. The list of webhooks is read again every interval.
func (d *Dispatcher) runWebhooks(ctx context.Context, interval time.Duration) {
	var wg sync.WaitGroup
	defer wg.Wait()
	workers := map[string]context.CancelFunc{}
	defer func() {
		for _, stop := range workers {
			stop()
		}
	}()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		hooks, err := d.c.DB.Webhooks(ctx)
		if err != nil && ctx.Err() == nil {
			d.c.Logger.WarnContext(ctx, "listing webhooks", "error", err)
		}
		if err == nil {
			live := map[string]bool{}
			for _, w := range hooks {
				live[w.ID] = true
				if workers[w.ID] != nil {
					continue
				}
				wctx, stop := context.WithCancel(ctx)
				workers[w.ID] = stop
				wg.Add(1)
				go func() {
					defer wg.Done()
					d.loop(wctx, interval, "webhook "+w.ID, func(ctx context.Context) (bool, error) {
						n, _, err := d.deliverTo(ctx, w)
						return n == d.c.PerWebhook, err
					})
				}()
			}
			for id, stop := range workers {
				if !live[id] { // deleted: its pending deliveries died with it
					stop()
					delete(workers, id)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Stats is what one pass did.
type Stats struct{ Events, Notifications, Deliveries int }

// Once does one pass of every lane: fans out the events waiting (a batch
// of each lane), then sends what is due (one claim of each webhook's).
func (d *Dispatcher) Once(ctx context.Context) (Stats, error) {
	var st Stats
	var err error
	if st.Events, err = d.FanOut(ctx); err != nil {
		return st, err
	}
	if st.Notifications, err = d.SendNotifications(ctx); err != nil {
		return st, err
	}
	st.Deliveries, err = d.DeliverWebhooks(ctx)
	return st, err
}

// eventPayload is what order events carry (storage.recordStep).
type eventPayload struct {
	OrderID string         `json:"order_id"`
	Detail  map[string]any `json:"detail"`
}

// Digest writes each store's low-stock digest of the last interval that
// ended (DigestInterval), once it has: this process asks once per
// interval, and the database keeps one digest per store and interval
// whichever process asks.
func (d *Dispatcher) Digest(ctx context.Context) error {
	end := d.c.Now().Add(-digestGrace).Truncate(d.c.DigestInterval)
	d.mu.Lock()
	done := !end.After(d.digested)
	d.mu.Unlock()
	if done {
		return nil
	}
	n, err := d.c.DB.DigestLowStock(ctx, end.Add(-d.c.DigestInterval), end)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.digested = end
	d.mu.Unlock()
	if n > 0 {
		d.c.Logger.InfoContext(ctx, "low-stock digests", "stores", n, "until", end)
	}
	return nil
}

// FanOut turns waiting events into notifications and deliveries: the
// low-stock digests due, a batch of the order lane, then one of the bulk
// lane.
func (d *Dispatcher) FanOut(ctx context.Context) (int, error) {
	if err := d.Digest(ctx); err != nil {
		return 0, err
	}
	n, err := d.fanOut(ctx, bopis.LaneOrders, batch)
	if err != nil {
		return n, err
	}
	m, err := d.fanOut(ctx, bopis.LaneBulk, bulkBatch)
	return n + m, err
}

// fanOut fans out up to limit of a lane's waiting events.
func (d *Dispatcher) fanOut(ctx context.Context, lane bopis.Lane, limit int) (int, error) {
	evs, err := d.c.DB.UndispatchedEvents(ctx, lane, limit)
	if err != nil || len(evs) == 0 {
		return 0, err
	}
	hooks, err := d.c.DB.Webhooks(ctx)
	if err != nil {
		return 0, err
	}
	now := d.c.Now()
	fans := make([]bopis.Fanout, 0, len(evs))
	for _, ev := range evs {
		f := bopis.Fanout{EventID: ev.ID}
		if f.Notifications, err = d.notifications(ctx, ev, now); err != nil {
			return 0, fmt.Errorf("event %d: %w", ev.ID, err)
		}
		body, err := json.Marshal(map[string]any{"id": "evt_" + strconv.FormatInt(ev.ID, 10), "type": ev.Type,
			"created_at": ev.CreatedAt, "data": ev.Payload})
		if err != nil {
			return 0, err
		}
		for _, w := range hooks {
			if w.Wants(ev.Type) {
				f.Deliveries = append(f.Deliveries, bopis.Delivery{WebhookID: w.ID, EventType: ev.Type, Body: body,
					ExpiresAt: now.Add(d.c.WebhookMaxAge)})
			}
		}
		fans = append(fans, f)
	}
	return len(fans), d.c.DB.Dispatch(ctx, fans)
}

// notifications renders the customer's messages for an order event, one
// per channel they chose.
func (d *Dispatcher) notifications(ctx context.Context, ev bopis.OutboxEvent, now time.Time) ([]bopis.Notification, error) {
	name, ok := notify.TemplateFor(ev.Type)
	if !ok {
		return nil, nil
	}
	var p eventPayload
	if err := json.Unmarshal(ev.Payload, &p); err != nil || p.OrderID == "" {
		return nil, err
	}
	o, err := d.c.DB.GetOrder(ctx, p.OrderID, bopis.OrderScope{})
	if err != nil {
		return nil, err
	}
	if !hasPickup(o) {
		return nil, nil // a ship-only order (ship-to-home): the retailer's OMS tells of shipping
	}
	store, err := d.c.DB.GetStore(ctx, o.StoreID)
	if err != nil {
		return nil, err
	}
	data := notify.Data{Event: ev.Type, Order: o, Store: store, Detail: p.Detail, OrderLink: d.Link(o.ID, ""),
		ShipToHomeLink: d.Link(o.ID, "ship-to-home")}
	if line, _ := p.Detail["line_id"].(string); line != "" {
		data.ApproveLink = d.Link(o.ID, "substitutions/"+line+"/approve")
		data.RejectLink = d.Link(o.ID, "substitutions/"+line+"/reject")
	}
	loc, err := time.LoadLocation(store.TimeZone)
	if err != nil {
		return nil, err
	}
	var out []bopis.Notification
	for _, ch := range Channels(o.Customer) {
		n := bopis.Notification{OrderID: o.ID, EventType: ev.Type, Channel: ch, Template: name, Status: bopis.NotificationPending}
		m, err := d.c.Templates.Render(name, ch, data)
		if err != nil {
			// A template that cannot render will not render later either:
			// record the failure rather than hold up the outbox.
			n.Status, n.Reason = bopis.NotificationFailed, "rendering: "+err.Error()
		}
		n.Subject, n.Text, n.HTML = m.Subject, m.Text, m.HTML
		at := now
		switch ch {
		case notify.Email:
			n.Recipient = o.Customer.Email
			if d.c.Email == nil && n.Status == bopis.NotificationPending {
				n.Status, n.Reason = bopis.NotificationNotSent, "email is not configured (BOPIS_SMTP_URL)"
			}
		case notify.SMS:
			n.Recipient = o.Customer.Phone
			if d.c.SMS == nil && n.Status == bopis.NotificationPending {
				n.Status, n.Reason = bopis.NotificationNotSent, "SMS is not configured (BOPIS_SMS_URL)"
			}
			// Quiet hours, except to say a same-day order is ready.
			sameDay := o.CreatedAt.In(loc).Format(time.DateOnly) == now.In(loc).Format(time.DateOnly)
			if !(name == notify.Ready && sameDay) {
				at = d.c.Quiet.Next(now, loc)
			}
		}
		if n.Status == bopis.NotificationPending {
			n.NextAttemptAt = &at
		}
		out = append(out, n)
	}
	return out, nil
}

// Channels are the channels a customer is told on: their notify choice,
// or email (else SMS) when they made none.
func Channels(c bopis.Customer) []string {
	if len(c.Notify) > 0 {
		return c.Notify
	}
	if c.Email != "" {
		return []string{notify.Email}
	}
	if c.Phone != "" {
		return []string{notify.SMS}
	}
	return nil
}

// Link is the customer's link to their order page (and its actions),
// with the order's unguessable token.
func (d *Dispatcher) Link(orderID, action string) string {
	u := d.c.PublicURL + "/o/" + orderID + "/" + d.c.Key.Token("order", orderID)
	if action != "" {
		u += "/" + action
	}
	return u
}

// backoff is the wait before attempt n+1: 10 s, doubling, at most an hour.
func backoff(attempts int) time.Duration {
	d := firstRetry
	for i := 1; i < attempts && d < maxRetry; i++ {
		d *= 2
	}
	return min(d, maxRetry)
}

// SendNotifications sends a claim of the notifications due now and
// returns how many were sent.
func (d *Dispatcher) SendNotifications(ctx context.Context) (int, error) {
	_, sent, err := d.sendNotifications(ctx)
	return sent, err
}

// sendNotifications claims up to a batch of due notifications and sends
// them, Senders at a time; it returns how many it claimed and sent.
func (d *Dispatcher) sendNotifications(ctx context.Context) (claimed, sent int, err error) {
	ns, err := d.c.DB.ClaimNotifications(ctx, batch, d.c.Lease)
	if err != nil || len(ns) == 0 {
		return 0, 0, err
	}
	ok := make([]bool, len(ns))
	errs := make([]error, len(ns))
	each(len(ns), d.c.Senders, func(i int) { ok[i], errs[i] = d.sendNotification(ctx, ns[i]) })
	return len(ns), count(ok), errors.Join(errs...)
}

// count is how many of oks are true.
func count(oks []bool) int {
	n := 0
	for _, ok := range oks {
		if ok {
			n++
		}
	}
	return n
}

// each runs fn(0) … fn(n-1), at most limit at once, and waits for them.
func each(n, limit int, fn func(int)) {
	var wg sync.WaitGroup
	slots := make(chan struct{}, limit)
	for i := range n {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}

// sendNotification sends one claimed notification and records how it
// went, if the claim is still this sender's; it reports whether it was
// sent.
func (d *Dispatcher) sendNotification(ctx context.Context, n bopis.Notification) (bool, error) {
	sender := d.c.Email
	if n.Channel == notify.SMS {
		sender = d.c.SMS
	}
	if sender == nil {
		_, err := d.c.DB.FinishNotification(ctx, n.ID, n.Attempts, false, "", n.Channel+" is not configured", nil)
		return false, err
	}
	sctx, cancel := context.WithTimeout(ctx, d.sendTimeout(d.c.Lease))
	id, serr := sender.Send(sctx, notify.Message{Channel: n.Channel, To: n.Recipient, Subject: n.Subject, Text: n.Text, HTML: n.HTML})
	cancel()
	var retry *time.Time
	if serr != nil && !errors.Is(serr, notify.ErrPermanent) && n.Attempts < maxAttempts {
		at := d.c.Now().Add(backoff(n.Attempts))
		retry = &at
	}
	reason := ""
	if serr != nil {
		reason = serr.Error()
		d.c.Logger.WarnContext(ctx, "sending a notification", "notification", n.ID, "channel", n.Channel,
			"attempt", n.Attempts, "error", serr, "retry", retry != nil)
	}
	recorded, err := d.c.DB.FinishNotification(ctx, n.ID, n.Attempts, serr == nil, id, reason, retry)
	if err == nil && !recorded {
		d.c.Logger.WarnContext(ctx, "a notification's claim ended before its send was recorded", "notification", n.ID,
			"attempt", n.Attempts)
	}
	return serr == nil, err
}

// Sign is the Bopis-Signature of body sent at t: t=<unix>,v1=<hex
// HMAC-SHA256 of "<unix>.<body>" under the webhook's secret>.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// DeliverWebhooks posts the deliveries due now: one claim of each
// webhook's, the webhooks side by side.
func (d *Dispatcher) DeliverWebhooks(ctx context.Context) (int, error) {
	hooks, err := d.c.DB.Webhooks(ctx)
	if err != nil || len(hooks) == 0 {
		return 0, err
	}
	counts := make([]int, len(hooks))
	errs := make([]error, len(hooks))
	each(len(hooks), len(hooks), func(i int) { _, counts[i], errs[i] = d.deliverTo(ctx, hooks[i]) })
	total := 0
	for _, n := range counts {
		total += n
	}
	return total, errors.Join(errs...)
}

// deliverTo claims up to PerWebhook of w's due deliveries, posts them side
// by side and records each; it returns how many it claimed and how many
// were delivered.
func (d *Dispatcher) deliverTo(ctx context.Context, w bopis.Webhook) (claimed, delivered int, err error) {
	ds, err := d.c.DB.ClaimDeliveries(ctx, w.ID, d.c.PerWebhook, d.c.Lease)
	if err != nil || len(ds) == 0 {
		return 0, 0, err
	}
	ok := make([]bool, len(ds))
	errs := make([]error, len(ds))
	each(len(ds), len(ds), func(i int) { ok[i], errs[i] = d.deliver(ctx, w, ds[i]) })
	return len(ds), count(ok), errors.Join(errs...)
}

// deliver posts one claimed delivery and records how it went, if the
// claim is still this sender's; it reports whether it was delivered.
func (d *Dispatcher) deliver(ctx context.Context, w bopis.Webhook, del bopis.Delivery) (bool, error) {
	status, perr := d.post(ctx, w, del)
	var retry *time.Time
	errText := ""
	if perr != nil {
		errText = failure(perr) // the error itself names the network: only the operator's log has it
		if at := d.c.Now().Add(backoff(del.Attempts)); at.Before(del.ExpiresAt) {
			retry = &at
		}
		d.c.Logger.WarnContext(ctx, "delivering a webhook", "webhook", w.ID, "delivery", del.ID, "attempt", del.Attempts,
			"error", perr, "retry", retry != nil)
	}
	recorded, err := d.c.DB.FinishDelivery(ctx, del.ID, del.Attempts, perr == nil, status, errText, retry)
	if err == nil && !recorded {
		d.c.Logger.WarnContext(ctx, "a delivery's claim ended before its attempt was recorded", "webhook", w.ID,
			"delivery", del.ID, "attempt", del.Attempts)
	}
	return perr == nil, err
}

// post sends one delivery, signed; a 2xx answer is success, anything
// else (a 3xx too: redirects are not followed) a failure. The URL is
// checked again (it may have been saved while private destinations were
// allowed, or before they were refused), and the dialer checks the
// address its name resolves to.
func (d *Dispatcher) post(ctx context.Context, w bopis.Webhook, del bopis.Delivery) (int, error) {
	if err := webhookurl.Check(w.URL, d.c.AllowPrivate); err != nil {
		return 0, err
	}
	secret, err := d.c.Key.Open(w.Sealed)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", errSecret, err)
	}
	ctx, cancel := context.WithTimeout(ctx, d.sendTimeout(webhookTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(del.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "bopis-webhooks/1")
	req.Header.Set("Bopis-Event", del.EventType)
	req.Header.Set("Bopis-Delivery", strconv.FormatInt(del.ID, 10))
	req.Header.Set(SignatureHeader, Sign(secret, d.c.Now(), del.Body))
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, statusError(resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// Mailbox is the demo's sender: it sends nothing; the message stays in
// the database, where the demo's mailbox page shows it.
type Mailbox struct{}

// Send accepts every message.
func (Mailbox) Send(_ context.Context, m notify.Message) (string, error) {
	return "mailbox:" + m.Channel, nil
}

func hasPickup(o *bopis.Order) bool {
	for _, l := range o.Lines {
		if l.Fulfillment == bopis.FulfillPickup {
			return true
		}
	}
	return false
}
