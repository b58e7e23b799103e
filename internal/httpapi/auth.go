package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/bopis/bopis"
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
	scheme, token, _ := strings.Cut(ctx.Header("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="bopis"`)
		huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "an API key is required: Authorization: Bearer <key>")
		return
	}
	key, err := s.keys.authenticate(ctx.Context(), s.db, strings.TrimSpace(token))
	if err != nil {
		if bopis.ErrorCode(err) != bopis.EUNAUTHORIZED {
			s.log.ErrorContext(ctx.Context(), "authenticating", "error", err)
			huma.WriteErr(s.api, ctx, http.StatusServiceUnavailable, "cannot check the API key now")
			return
		}
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="bopis", error="invalid_token"`)
		huma.WriteErr(s.api, ctx, http.StatusUnauthorized, err.Error())
		return
	}
	if key.Role != bopis.RoleAdmin && !slices.Contains(roles, key.Role) {
		huma.WriteErr(s.api, ctx, http.StatusForbidden, "a "+string(key.Role)+" key cannot do this")
		return
	}
	if id := ctx.Param("store_id"); id != "" && !key.CanReachStore(id) {
		huma.WriteErr(s.api, ctx, http.StatusForbidden, "this key does not reach store "+id)
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

// allowIP takes a token from the client's per-IP bucket, or answers 429
// with Retry-After and reports false.
func (s *Server) allowIP(ctx huma.Context) bool {
	return s.allow(ctx, s.publicLimit, clientIP(ctx.RemoteAddr()), "too many requests from this address")
}

// allow takes a token of client from l, or answers 429 with Retry-After.
func (s *Server) allow(ctx huma.Context, l *limiter, client, why string) bool {
	ok, wait := l.allow(client)
	if !ok {
		ctx.SetHeader("Retry-After", retryAfter(wait))
		huma.WriteErr(s.api, ctx, http.StatusTooManyRequests, why+"; retry after the time in Retry-After")
	}
	return ok
}
