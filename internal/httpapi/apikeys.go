package httpapi

import (
	"context"
	"net/http"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/danielgtaylor/huma/v2"
)

func (s *Server) registerAPIKeys() {
	o := op("create-api-key", http.MethodPost, "/v1/api-keys", "Create an API key", "API keys")
	o.DefaultStatus = http.StatusCreated
	huma.Register(s.api, o, func(ctx context.Context, in *struct{ Body wire.APIKeyBody }) (*struct{ Body wire.NewAPIKey }, error) {
		k := &bopis.APIKey{Role: in.Body.Role, StoreIDs: in.Body.StoreIDs, Origins: in.Body.Origins, Name: in.Body.Name}
		token, err := s.db.CreateAPIKey(ctx, k)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &struct{ Body wire.NewAPIKey }{wire.NewAPIKey{APIKey: *k, Secret: token}}, nil
	})

	huma.Register(s.api, op("list-api-keys", http.MethodGet, "/v1/api-keys", "List API keys (never their secrets)", "API keys"),
		func(ctx context.Context, in *Page) (*listOutput[bopis.APIKey], error) {
			keys, next, err := s.db.ListAPIKeys(ctx, in.page())
			if err != nil {
				return nil, s.problem(ctx, "query", err)
			}
			return list(keys, next), nil
		})

	huma.Register(s.api, op("revoke-api-key", http.MethodDelete, "/v1/api-keys/{key_id}", "Revoke an API key", "API keys"),
		func(ctx context.Context, in *struct {
			KeyID string `path:"key_id"`
		}) (*struct{ Body *bopis.APIKey }, error) {
			k, err := s.db.RevokeAPIKey(ctx, in.KeyID)
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			s.keys.forget(k.ID)
			return &struct{ Body *bopis.APIKey }{k}, nil
		})
}
