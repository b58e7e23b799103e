package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/app"
	"github.com/bopis/bopis/internal/notify"
	"github.com/bopis/bopis/internal/orders"
)

// loadSettings reads the retailer's policies from the environment:
// BOPIS_SAFETY_STOCK, BOPIS_STALE_AFTER, BOPIS_STALE_BUFFER, BOPIS_DB_MAX_CONNS,
// BOPIS_PUBLIC_STOREFRONT, BOPIS_PUBLIC_RATE, BOPIS_SHORT_PICK_POLICY,
// BOPIS_SUBSTITUTION_TIMEOUT and the payment gateway's (see the usage text).
func loadSettings() (app.Settings, error) {
	s := app.Settings{StaleAfter: bopis.DefaultStaleAfter, StaleBuffer: bopis.DefaultStaleBuffer, PublicRate: 10}
	var err error
	if v := env("BOPIS_SAFETY_STOCK", ""); v != "" {
		if s.SafetyStock, err = strconv.ParseInt(v, 10, 64); err != nil || s.SafetyStock < 0 {
			return s, fmt.Errorf("BOPIS_SAFETY_STOCK must be a whole number of units, 0 or more")
		}
	}
	if v := env("BOPIS_STALE_AFTER", ""); v != "" {
		if s.StaleAfter, err = time.ParseDuration(v); err != nil || s.StaleAfter <= 0 {
			return s, fmt.Errorf("BOPIS_STALE_AFTER must be a duration such as 15m")
		}
	}
	if v := env("BOPIS_STALE_BUFFER", ""); v != "" {
		if s.StaleBuffer, err = strconv.ParseInt(v, 10, 64); err != nil || s.StaleBuffer < 0 {
			return s, fmt.Errorf("BOPIS_STALE_BUFFER must be a whole number of units, 0 or more")
		}
	}
	if v := env("BOPIS_DB_MAX_CONNS", ""); v != "" {
		if s.MaxConns, err = strconv.Atoi(v); err != nil || s.MaxConns < 1 {
			return s, fmt.Errorf("BOPIS_DB_MAX_CONNS must be a number of connections, 1 or more")
		}
	}
	if v := env("BOPIS_PUBLIC_STOREFRONT", ""); v != "" {
		if s.PublicStorefront, err = strconv.ParseBool(v); err != nil {
			return s, fmt.Errorf("BOPIS_PUBLIC_STOREFRONT must be true or false")
		}
	}
	if v := env("BOPIS_KEY_RATE", ""); v != "" {
		if s.KeyRate, err = strconv.ParseFloat(v, 64); err != nil || s.KeyRate <= 0 {
			return s, fmt.Errorf("BOPIS_KEY_RATE must be a number of requests per second above 0")
		}
	}
	if v := env("BOPIS_PUBLIC_RATE", ""); v != "" {
		if s.PublicRate, err = strconv.ParseFloat(v, 64); err != nil || s.PublicRate <= 0 {
			return s, fmt.Errorf("BOPIS_PUBLIC_RATE must be a number of requests per second above 0")
		}
	}
	switch p := bopis.ShortPickPolicy(env("BOPIS_SHORT_PICK_POLICY", string(bopis.ShortPickContinue))); p {
	case bopis.ShortPickContinue, bopis.ShortPickReroute:
		s.ShortPick = p
	default:
		return s, fmt.Errorf("BOPIS_SHORT_PICK_POLICY must be continue or reroute")
	}
	s.SubstitutionTimeout = bopis.DefaultSubstitutionTimeout
	if v := env("BOPIS_SUBSTITUTION_TIMEOUT", ""); v != "" {
		if s.SubstitutionTimeout, err = time.ParseDuration(v); err != nil || s.SubstitutionTimeout < time.Minute {
			return s, fmt.Errorf("BOPIS_SUBSTITUTION_TIMEOUT must be a duration of a minute or more, such as 30m")
		}
	}
	if v := env("BOPIS_REMINDERS", ""); v != "" {
		for _, part := range strings.Split(v, ",") {
			d, err := time.ParseDuration(strings.TrimSpace(part))
			if err != nil || d <= 0 {
				return s, fmt.Errorf("BOPIS_REMINDERS must list durations before hold_until, such as 24h,2h")
			}
			s.Reminders = append(s.Reminders, d)
		}
		sort.Slice(s.Reminders, func(i, j int) bool { return s.Reminders[i] > s.Reminders[j] })
	}
	if v := env("BOPIS_LATE_GRACE", ""); v != "" {
		if s.LateGrace, err = time.ParseDuration(v); err != nil || s.LateGrace < 0 {
			return s, fmt.Errorf("BOPIS_LATE_GRACE must be a duration such as 15m")
		}
	}
	if v := env("BOPIS_AUTH_MARGIN", ""); v != "" {
		if s.AuthMargin, err = time.ParseDuration(v); err != nil || s.AuthMargin <= 0 {
			return s, fmt.Errorf("BOPIS_AUTH_MARGIN must be a duration such as 1h")
		}
	}
	switch p := orders.AuthPolicy(env("BOPIS_AUTH_POLICY", string(orders.AuthReauthorize))); p {
	case orders.AuthReauthorize, orders.AuthShortenHold:
		s.AuthPolicy = p
	default:
		return s, fmt.Errorf("BOPIS_AUTH_POLICY must be reauthorize or shorten")
	}
	switch p := orders.ClosurePolicy(env("BOPIS_CLOSURE_POLICY", string(orders.ClosureNotify))); p {
	case orders.ClosureNotify, orders.ClosureReroute:
		s.ClosurePolicy = p
	default:
		return s, fmt.Errorf("BOPIS_CLOSURE_POLICY must be notify or reroute")
	}
	if path := os.Getenv("BOPIS_TEST_CLOCK_FILE"); path != "" {
		s.Clock = fileClock(path)
	}
	if s.Notify, err = loadNotify(); err != nil {
		return s, err
	}
	s.Payment = env("BOPIS_PAYMENT_GATEWAY", "test")
	s.StripeURL = env("BOPIS_STRIPE_URL", "")
	if s.StripeSecret, err = secret("BOPIS_STRIPE_SECRET_KEY"); err != nil {
		return s, err
	}
	return s, nil
}

// loadNotify reads how customers and webhooks are told: BOPIS_SMTP_URL
// (secret: it may hold the password), BOPIS_SMTP_FROM, BOPIS_SMS_URL,
// BOPIS_SMS_ACCOUNT_SID, BOPIS_SMS_AUTH_TOKEN (secret), BOPIS_SMS_FROM,
// BOPIS_QUIET_HOURS, BOPIS_WEBHOOK_MAX_AGE, BOPIS_WEBHOOK_ALLOW_PRIVATE, BOPIS_TEMPLATES_DIR,
// BOPIS_PUBLIC_URL and BOPIS_SECRET_KEY (secret).
func loadNotify() (app.Notify, error) {
	var n app.Notify
	var err error
	if n.SMTPURL, err = secret("BOPIS_SMTP_URL"); err != nil {
		return n, err
	}
	n.SMTPFrom = env("BOPIS_SMTP_FROM", "bopis@localhost")
	n.SMSURL = env("BOPIS_SMS_URL", "")
	n.SMSAccountSID = env("BOPIS_SMS_ACCOUNT_SID", "")
	if n.SMSAuthToken, err = secret("BOPIS_SMS_AUTH_TOKEN"); err != nil {
		return n, err
	}
	n.SMSFrom = env("BOPIS_SMS_FROM", "")
	if n.SMSURL != "" && (n.SMSAccountSID == "" || n.SMSAuthToken == "" || n.SMSFrom == "") {
		return n, fmt.Errorf("BOPIS_SMS_URL needs BOPIS_SMS_ACCOUNT_SID, BOPIS_SMS_AUTH_TOKEN and BOPIS_SMS_FROM")
	}
	if n.QuietHours, err = notify.ParseQuietHours(env("BOPIS_QUIET_HOURS", "21:00-08:00")); err != nil {
		return n, fmt.Errorf("BOPIS_QUIET_HOURS: %w", err)
	}
	n.WebhookMaxAge = 24 * time.Hour
	if v := env("BOPIS_WEBHOOK_MAX_AGE", ""); v != "" {
		if n.WebhookMaxAge, err = time.ParseDuration(v); err != nil || n.WebhookMaxAge < time.Minute {
			return n, fmt.Errorf("BOPIS_WEBHOOK_MAX_AGE must be a duration of a minute or more, such as 24h")
		}
	}
	if v := env("BOPIS_WEBHOOK_ALLOW_PRIVATE", ""); v != "" {
		if n.AllowPrivateWebhooks, err = strconv.ParseBool(v); err != nil {
			return n, fmt.Errorf("BOPIS_WEBHOOK_ALLOW_PRIVATE must be true or false")
		}
	}
	if v := env("BOPIS_DISPATCH_LEASE", ""); v != "" {
		if n.Lease, err = time.ParseDuration(v); err != nil || n.Lease < time.Second {
			return n, fmt.Errorf("BOPIS_DISPATCH_LEASE must be a duration of a second or more, such as 2m")
		}
	}
	if v := env("BOPIS_LOW_STOCK_DIGEST", ""); v != "" {
		if n.DigestInterval, err = time.ParseDuration(v); err != nil || n.DigestInterval < time.Minute {
			return n, fmt.Errorf("BOPIS_LOW_STOCK_DIGEST must be a duration of a minute or more, such as 1h")
		}
	}
	n.TemplatesDir = env("BOPIS_TEMPLATES_DIR", "")
	n.PublicURL = strings.TrimRight(env("BOPIS_PUBLIC_URL", ""), "/")
	if n.SecretKey, err = secret("BOPIS_SECRET_KEY"); err != nil {
		return n, err
	}
	return n, nil
}

// secret reads a secret from NAME, or from the file named by NAME_FILE
// (for secrets mounted as files); it is never logged.
func secret(name string) (string, error) {
	if v := os.Getenv(name); v != "" {
		return v, nil
	}
	path := os.Getenv(name + "_FILE")
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// fileClock is the clock of BOPIS_TEST_CLOCK_FILE, for crash tests that
// must move a real process's time: the file holds an offset such as
// "70s" added to the wall clock (missing or empty: none). It is read at
// most every 50 ms. Never set it in production.
func fileClock(path string) func() time.Time {
	var mu sync.Mutex
	var offset time.Duration
	var read time.Time
	return func() time.Time {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		if now.Sub(read) > 50*time.Millisecond {
			read = now
			if b, err := os.ReadFile(path); err == nil {
				if d, err := time.ParseDuration(strings.TrimSpace(string(b))); err == nil {
					offset = d
				}
			}
		}
		return now.Add(offset)
	}
}
