package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type requestIDKey struct{}

// RequestID returns the id of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// LogHandler wraps h so every record logged with a request's context
// carries that request's id.
func LogHandler(h slog.Handler) slog.Handler { return contextHandler{h} }

type contextHandler struct{ slog.Handler }

func (c contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return c.Handler.Handle(ctx, r)
}

func (c contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return contextHandler{c.Handler.WithAttrs(as)}
}

func (c contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{c.Handler.WithGroup(name)}
}

// validRequestID accepts a caller's X-Request-Id only if it is short and plain,
// so it is safe in logs.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// metrics are the Prometheus series of the HTTP edge.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bopis_http_requests_total", Help: "HTTP requests answered, by route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bopis_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route", "status"}),
	}
	reg.MustRegister(m.requests, m.latency)
	return m
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// observe gives each request an id, then logs and counts it by route (the
// mux pattern, so ids in paths do not explode the series).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		status := strconv.Itoa(rec.status)
		s.metrics.requests.WithLabelValues(r.Method, route, status).Inc()
		s.metrics.latency.WithLabelValues(r.Method, route, status).Observe(elapsed.Seconds())
		level := slog.LevelInfo
		if rec.status >= 500 && rec.status != http.StatusNotImplemented {
			level = slog.LevelError
		}
		s.log.Log(r.Context(), level, "request", "method", clip(r.Method, 16), "path", loggedPath(r), "route", route,
			"status", rec.status, "bytes", rec.bytes, "duration_ms", float64(elapsed.Microseconds())/1000)
	})
}

// secretWildcards are path wildcards that carry a capability: the
// customer link's token lets whoever holds it see the pickup code and
// act as the customer, so it never reaches a log.
var secretWildcards = []string{"token"}

// loggedPath is the request's path as it may be logged: secret segments
// replaced, and clipped (an unmatched path is whatever a client sent).
func loggedPath(r *http.Request) string {
	p := r.URL.Path
	for _, w := range secretWildcards {
		if v := r.PathValue(w); v != "" {
			p = strings.Replace(p, "/"+v, "/{"+w+"}", 1)
		}
	}
	return clip(p, 200)
}
