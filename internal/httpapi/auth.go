package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/ratelimit"
	"github.com/danielgtaylor/huma/v2"
)

const rolesKey = "roles"

type keyCtx struct{}

// keyFrom returns the API key that authenticated the request.
func keyFrom(ctx context.Context) *bopis.APIKey {
	k, _ := ctx.Value(keyCtx{}).(*bopis.APIKey)
	return k
}

// authenticate lets a request through only with a live key whose role the
// operation allows; store and pos keys also only reach their own stores
// (any {store_id} in the path).
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	if name := badPathParam(ctx); name != "" {
		huma.WriteErr(s.api, ctx, http.StatusUnprocessableEntity, "request is invalid",
			&huma.ErrorDetail{Location: "path." + name, Message: bopis.TextRule})
		return
	}
	meta := ctx.Operation().Metadata
	if meta[openLimitedKey] == true { // an open route, limited per client IP
		if !s.allowIP(ctx) {
			return
		}
		next(ctx)
		return
	}
	roles, guarded := meta[rolesKey].([]bopis.Role)
	if !guarded {
		next(ctx)
		return
	}
	ip := clientIP(ctx.RemoteAddr())
	scheme, token, _ := strings.Cut(ctx.Header("Authorization"), " ")
	token = strings.TrimSpace(token)
	// A client that keeps failing is refused before its key is looked
	// at; a key this process already trusts still passes (a store's
	// devices may share one address with a misconfigured one).
	if out, wait := s.failedAuth.Empty(ip); out && !s.keys.trusted(token) {
		ctx.SetHeader("Retry-After", retryAfter(wait))
		huma.WriteErr(s.api, ctx, http.StatusTooManyRequests, "too many failed authentications from this address; retry after the time in Retry-After")
		return
	}
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		s.failedAuth.Take(ip)
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="bopis"`)
		huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "an API key is required: Authorization: Bearer <key>")
		return
	}
	key, err := s.keys.authenticate(ctx.Context(), s.db, token)
	if err != nil {
		if bopis.ErrorCode(err) != bopis.EUNAUTHORIZED {
			s.log.ErrorContext(ctx.Context(), "authenticating", "error", err)
			huma.WriteErr(s.api, ctx, http.StatusServiceUnavailable, "cannot check the API key now")
			return
		}
		s.failedAuth.Take(ip)
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="bopis", error="invalid_token"`)
		huma.WriteErr(s.api, ctx, http.StatusUnauthorized, err.Error())
		return
	}
	if key.Role != bopis.RoleAdmin && !slices.Contains(roles, key.Role) {
		huma.WriteErr(s.api, ctx, http.StatusForbidden, "a "+string(key.Role)+" key cannot do this")
		return
	}
	if id := ctx.Param("store_id"); id != "" && !key.CanReachStore(id) {
		huma.WriteErr(s.api, ctx, http.StatusForbidden, "this key does not reach that store")
		return
	}
	if key.Role != bopis.RolePublic && !s.allow(ctx, s.keyLimit, key.ID, "too many requests with this API key") {
		return
	}
	if key.Role == bopis.RolePublic {
		if !s.allowIP(ctx) {
			return
		}
		if origin := ctx.Header("Origin"); origin != "" && slices.Contains(key.Origins, origin) {
			ctx.SetHeader("Access-Control-Allow-Origin", origin)
			ctx.AppendHeader("Vary", "Origin")
		}
	}
	next(huma.WithValue(ctx, keyCtx{}, key))
}

// badPathParam names the first path parameter that breaks the text rule
// (bopis.ValidText): ids are looked up in both databases, and PostgreSQL
// refuses a NUL or an invalid byte with an error rather than "not found".
func badPathParam(ctx huma.Context) string {
	for _, p := range ctx.Operation().Parameters {
		if p.In != "path" {
			continue
		}
		if !bopis.ValidText(ctx.Param(p.Name)) {
			return p.Name
		}
	}
	return ""
}

// allowIP takes a token from the client's per-IP bucket, or answers 429
// with Retry-After and reports false.
func (s *Server) allowIP(ctx huma.Context) bool {
	return s.allow(ctx, s.publicLimit, clientIP(ctx.RemoteAddr()), "too many requests from this address")
}

// allow takes a token of client from l, or answers 429 with Retry-After.
func (s *Server) allow(ctx huma.Context, l *ratelimit.Limiter, client, why string) bool {
	ok, wait := l.Allow(client)
	if !ok {
		ctx.SetHeader("Retry-After", retryAfter(wait))
		huma.WriteErr(s.api, ctx, http.StatusTooManyRequests, why+"; retry after the time in Retry-After")
	}
	return ok
}
