package httpapi

import (
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Public access: publishable keys embedded in web pages reach only
// checkout reads, answer CORS for their listed origins, and are limited
// per client IP; the opt-in BigCommerce storefront route has the same limits.

// publicPaths are the routes a public key reaches (for CORS preflights,
// which carry no key).
var publicPaths = []string{"/v1/pickup-options", "/v1/availability", "/api/storefront/pickup-options"}

func isPublicPath(p string) bool {
	if slices.Contains(publicPaths, p) {
		return true
	}
	// /v1/stores/{store_id}/calendar
	const prefix, suffix = "/v1/stores/", "/calendar"
	return len(p) > len(prefix)+len(suffix) && p[:len(prefix)] == prefix && p[len(p)-len(suffix):] == suffix
}

// cors answers preflights for the public routes. A browser then sends the
// real request with the key; authenticate adds Access-Control-Allow-Origin
// only when the key lists the page's origin, so other origins are refused
// by the browser.
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
			r.Header.Get("Access-Control-Request-Method") != "" && isPublicPath(r.URL.Path) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
			h.Set("Access-Control-Allow-Methods", "GET, POST")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "600")
			h.Add("Vary", "Origin")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limiter keeps a token bucket per client: an IP address for public
// keys and the open storefront route, an API key's id for the others.
type limiter struct {
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

func newLimiter(perSecond float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate.Limit(perSecond), burst: burst, now: now, buckets: map[string]*bucket{}}
}

// clientIP is the address part of a remote address.
func clientIP(remoteAddr string) string {
	ip, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return ip
}

// allow takes a token for client; when there is none it says how long to
// wait.
func (l *limiter) allow(client string) (bool, time.Duration) {
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

// empty reports whether client has no token left, and how long until it
// has one, without taking any.
func (l *limiter) empty(client string) (bool, time.Duration) {
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

// take spends a token of client if it has one.
func (l *limiter) take(client string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.bucket(client, now).AllowN(now, 1)
}

// bucket is client's bucket, made when new; clients idle for a while
// are forgotten, so the map stays as small as the live clients.
func (l *limiter) bucket(client string, now time.Time) *rate.Limiter {
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

func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(d.Seconds()) + 1)
}
