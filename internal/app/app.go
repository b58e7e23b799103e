// Package app wires bopis's parts into a running service: the read model
// loaded and kept current from the change feed, the stale-feed sweeper and
// the HTTP API over them. cmd/bopis and the benchmarks start bopis through
// it, so both run the same thing.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/dispatch"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/notify"
	"github.com/bopis/bopis/internal/orders"
	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/readmodel"
	"github.com/bopis/bopis/internal/seal"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/web"
	"github.com/prometheus/client_golang/prometheus"
)

// Settings are the retailer's policies and limits.
type Settings struct {
	SafetyStock      int64         // default units kept back per SKU and store
	StaleAfter       time.Duration // a POS feed silent this long is stale
	StaleBuffer      int64         // extra units that must remain at a stale store
	PublicStorefront bool          // serve /api/storefront/pickup-options with no key
	PublicRate       float64       // requests/s per client IP on public routes
	KeyRate          float64       // requests/s per API key (not public ones); 0: 5,000
	// Payment is the gateway: "test" (built in, the default) or "stripe".
	Payment       string
	StripeSecret  string // the Stripe secret key (BOPIS_STRIPE_SECRET_KEY)
	StripeURL     string // the Stripe API base URL; api.stripe.com if empty
	NoGroupCommit bool   // SQLite: commit each write alone (benchmarks)
	MaxConns      int    // PostgreSQL connections of this process (storage.DefaultMaxConns if 0)
	// ShortPick is what happens to a short line's rest: continue (the
	// default) or reroute.
	ShortPick bopis.ShortPickPolicy
	// SubstitutionTimeout is how long a proposed substitute waits for the
	// customer's answer (default 30 minutes).
	SubstitutionTimeout time.Duration
	// Order timers (zero: the defaults of internal/orders).
	Reminders  []time.Duration
	LateGrace  time.Duration
	AuthMargin time.Duration
	AuthPolicy orders.AuthPolicy
	// ClosurePolicy: notify (default) or reroute orders on a blocked date.
	ClosurePolicy orders.ClosurePolicy
	Notify        Notify
	// The demo storefront page (bopis demo, with Notify.Mailbox): the
	// publishable key its picker uses, its cart, and where its shopper is.
	DemoPublicKey string
	DemoCart      []web.DemoItem
	DemoNear      *bopis.Coordinates
	// Clock is the time every part of the service uses (nil: time.Now);
	// the crash tests set it to move a real process's time forward.
	Clock func() time.Time
}

// Notify configures how customers and the retailer's systems are told.
type Notify struct {
	SMTPURL, SMTPFrom string // email; no URL: not configured
	// SMSURL is the Twilio-compatible provider's base URL; no URL: not configured.
	SMSURL, SMSAccountSID, SMSAuthToken, SMSFrom string
	QuietHours                                   notify.QuietHours
	WebhookMaxAge                                time.Duration
	TemplatesDir                                 string // overrides of the built-in templates
	PublicURL                                    string // base of customer links
	// SecretKey seals webhook secrets and signs customer links; without
	// one, the instance keeps a generated key in its database.
	SecretKey string
	// Mailbox (the demo): email and SMS go to the /demo/mailbox page.
	Mailbox bool
	// Lease is how long a sender holds a claimed message (0: 2 min).
	Lease time.Duration
	// DigestInterval is the interval of each store's low-stock digest
	// (BOPIS_LOW_STOCK_DIGEST; 0: an hour).
	DigestInterval time.Duration
	// AllowPrivateWebhooks lets webhooks point at loopback, private and
	// link-local destinations (BOPIS_WEBHOOK_ALLOW_PRIVATE; off by default).
	AllowPrivateWebhooks bool
}

// gateway builds the payment gateway the settings name.
func (s Settings) gateway(db *storage.DB, now func() time.Time) (payment.Gateway, error) {
	switch s.Payment {
	case "", "test":
		return payment.NewTest(db, now), nil
	case "stripe":
		if s.StripeSecret == "" {
			return nil, fmt.Errorf("the stripe gateway needs BOPIS_STRIPE_SECRET_KEY")
		}
		return payment.NewStripe(payment.StripeConfig{SecretKey: s.StripeSecret, BaseURL: s.StripeURL, Now: now}), nil
	}
	return nil, fmt.Errorf("unknown payment gateway %q: use test or stripe", s.Payment)
}

// Storage is the storage configuration these settings imply for url.
func (s Settings) Storage(url string) storage.Config {
	buffer := s.StaleBuffer
	return storage.Config{URL: url, DefaultSafetyStock: s.SafetyStock, StaleAfter: s.StaleAfter, StaleBuffer: &buffer,
		NoGroupCommit: s.NoGroupCommit, MaxConns: s.MaxConns, Now: s.Clock}
}

// ReadModel is the read model configuration these settings imply.
func (s Settings) ReadModel() readmodel.Config {
	return readmodel.Config{StaleAfter: s.StaleAfter, StaleBuffer: s.StaleBuffer, DefaultSafetyStock: s.SafetyStock}
}

// Intervals of the background work.
const (
	FollowInterval = 200 * time.Millisecond // change feed → read model
	SweepInterval  = time.Minute            // silent POS feeds → stale_feed alerts
	TimerInterval  = 5 * time.Second        // order timers: holds, substitutes, no-shows, reminders, late, authorizations
	// DispatchInterval is how often the outbox is fanned out and sent.
	DispatchInterval = time.Second
)

// Service is a started bopis: its API and the work running behind it.
type Service struct {
	API   *httpapi.Server
	Model *readmodel.Model
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// Start loads the read model from db (which may take a while on a large
// network), then keeps it current, sweeps POS feeds, and builds the API.
// The read model follows the change feed every FollowInterval, and at
// once after the API acknowledges a change of a store, SKU or override
// (so this process never answers from a state older than what it
// acknowledged), or when a calendar or a named store misses (see
// follower). Stop ends the background work; call it before closing db.
func Start(ctx context.Context, db *storage.DB, set Settings, logger *slog.Logger, reg *prometheus.Registry, version string) (*Service, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &Service{Model: readmodel.New(set.ReadModel()), stop: cancel}
	f := newFollower(db, s.Model.Feed(), logger)
	loaded := make(chan struct{})
	followErr := make(chan error, 1)
	start := time.Now()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		followErr <- f.run(ctx, FollowInterval, loaded)
	}()
	select {
	case <-loaded:
		st := s.Model.Stats()
		logger.Info("read model loaded", "stores", st.Stores, "skus", st.SKUs, "levels", st.Levels, "duration", time.Since(start))
	case err := <-followErr:
		s.Stop()
		return nil, fmt.Errorf("loading the read model: %w", err)
	}
	gw, err := set.gateway(db, set.Clock)
	if err != nil {
		s.Stop()
		return nil, err
	}
	key, d, err := set.Notify.dispatcher(ctx, db, logger, set.Clock)
	if err != nil {
		s.Stop()
		return nil, err
	}
	model := checkout{Model: s.Model, f: f}
	svc := orders.New(orders.Config{DB: db, Model: model, Gateway: gw, Logger: logger, Registry: reg, Key: key, Now: set.Clock,
		ShortPick: set.ShortPick, SubstitutionTimeout: set.SubstitutionTimeout, Reminders: set.Reminders,
		LateGrace: set.LateGrace, AuthMargin: set.AuthMargin, AuthPolicy: set.AuthPolicy, ClosurePolicy: set.ClosurePolicy})
	s.wg.Add(3)
	go func() { defer s.wg.Done(); sweepFeeds(ctx, db, logger, SweepInterval) }()
	go func() { defer s.wg.Done(); sweepOrders(ctx, svc, logger, TimerInterval) }()
	go func() { defer s.wg.Done(); d.Run(ctx, DispatchInterval) }()
	s.API = httpapi.New(httpapi.Config{Storage: writes{DB: db, f: f}, Logger: logger, Registry: reg, Version: version, Now: set.Clock,
		Checkout: model, Orders: svc, PublicStorefront: set.PublicStorefront, PublicRate: set.PublicRate, KeyRate: set.KeyRate,
		Key: key, WebhookMaxAge: set.Notify.WebhookMaxAge, AllowPrivateWebhooks: set.Notify.AllowPrivateWebhooks, Mailbox: set.Notify.Mailbox,
		Pages: web.New(web.Config{Logger: logger, Demo: set.Notify.Mailbox, Key: key, Orders: db, Actions: svc,
			DemoPublicKey: set.DemoPublicKey, DemoCart: set.DemoCart, DemoNear: set.DemoNear})})
	return s, nil
}

// dispatcher builds the outbox dispatcher the settings describe, with the
// instance's secret key.
func (n Notify) dispatcher(ctx context.Context, db *storage.DB, logger *slog.Logger, clock func() time.Time) (*seal.Key, *dispatch.Dispatcher, error) {
	secret := n.SecretKey
	if secret == "" {
		var err error
		if secret, err = db.InstanceKey(ctx, "secret", seal.Generate); err != nil {
			return nil, nil, fmt.Errorf("the instance key: %w", err)
		}
		logger.Warn("BOPIS_SECRET_KEY is not set: webhook secrets are sealed with a key kept in the database itself; " +
			"set BOPIS_SECRET_KEY in production")
	}
	key, err := seal.Parse(secret)
	if err != nil {
		return nil, nil, fmt.Errorf("BOPIS_SECRET_KEY: %w", err)
	}
	tmpl, err := notify.LoadTemplates(n.TemplatesDir)
	if err != nil {
		return nil, nil, fmt.Errorf("BOPIS_TEMPLATES_DIR: %w", err)
	}
	c := dispatch.Config{DB: db, Templates: tmpl, Quiet: n.QuietHours, WebhookMaxAge: n.WebhookMaxAge, Key: key,
		PublicURL: n.PublicURL, Logger: logger, Lease: n.Lease, Now: clock, AllowPrivate: n.AllowPrivateWebhooks,
		DigestInterval: n.DigestInterval}
	switch {
	case n.Mailbox:
		c.Email, c.SMS = dispatch.Mailbox{}, dispatch.Mailbox{}
	default:
		if n.SMTPURL != "" {
			smtp, err := notify.NewSMTP(n.SMTPURL, n.SMTPFrom)
			if err != nil {
				return nil, nil, fmt.Errorf("BOPIS_SMTP_URL: %w", err)
			}
			c.Email = smtp
		}
		if n.SMSURL != "" {
			c.SMS = notify.NewSMS(n.SMSURL, n.SMSAccountSID, n.SMSAuthToken, n.SMSFrom, nil)
		}
	}
	return key, dispatch.New(c), nil
}

// Stop ends the background work and waits for it.
func (s *Service) Stop() {
	s.stop()
	s.wg.Wait()
}

// sweepOrders runs the order timers (orders.Service.RunTimers) every
// interval, whether or not any request comes. Every process sweeps; each
// timer fires once (the database decides). See ADR 0008.
func sweepOrders(ctx context.Context, svc *orders.Service, logger *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st, err := svc.RunTimers(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.WarnContext(ctx, "order timers", "error", err)
		case st.Total() > 0:
			logger.InfoContext(ctx, "order timers fired", "holds_expired", st.Holds, "substitutes_rejected", st.Substitutions,
				"orders_expired", st.Expired, "reminders", st.Reminded, "delayed", st.Delayed,
				"authorizations", st.Authorizations, "rescheduled", st.Rescheduled, "settled", st.Settled)
		}
	}
}

// sweepFeeds raises stale_feed alerts for silent POS feeds every interval.
// Every process sweeps; the database keeps one open alert per store.
func sweepFeeds(ctx context.Context, db *storage.DB, logger *slog.Logger, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		opened, closed, err := db.SweepFeeds(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			logger.WarnContext(ctx, "sweeping POS feeds", "error", err)
		case opened+closed > 0:
			logger.InfoContext(ctx, "stale POS feeds", "alerts_opened", opened, "alerts_closed", closed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
