// Package ratelimit keeps token buckets per client, forgetting clients
// idle for ten minutes; the clock is the caller's, so tests move it.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter keeps a token bucket per client (an IP address, an API key's
// id), on a clock of the caller's.
type Limiter struct {
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// New is a limiter of perSecond tokens a second per client, bursts of
// burst, on the clock now.
func New(perSecond float64, burst int, now func() time.Time) *Limiter {
	return &Limiter{rate: rate.Limit(perSecond), burst: burst, now: now, buckets: map[string]*bucket{}}
}

// Allow takes a token for client; when there is none it says how long to
// wait.
func (l *Limiter) Allow(client string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.bucket(client, now).ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Empty reports whether client has no token left, and how long until it
// has one, without taking any.
func (l *Limiter) Empty(client string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[client]
	if !ok {
		return false, 0
	}
	tokens := b.lim.TokensAt(now)
	if tokens >= 1 {
		return false, 0
	}
	return true, time.Duration((1 - tokens) / float64(l.rate) * float64(time.Second))
}

// Take spends a token of client if it has one.
func (l *Limiter) Take(client string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bucket(client, now).AllowN(now, 1)
}

// bucket is client's bucket, made when new; clients idle for a while
// are forgotten, so the map stays as small as the live clients.
func (l *Limiter) bucket(client string, now time.Time) *rate.Limiter {
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b := l.buckets[client]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[client] = b
	}
	b.seen = now
	return b.lim
}
