package httpapi

import (
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"
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

// clientIP is the address part of a remote address.
func clientIP(remoteAddr string) string {
	ip, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return ip
}

func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(d.Seconds()) + 1)
}
