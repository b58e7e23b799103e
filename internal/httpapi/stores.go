package httpapi

import (
	"context"
	"net/http"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/danielgtaylor/huma/v2"
)

type storeOutput struct {
	Status int
	Body   *bopis.Store
}

func (s *Server) registerStores() {
	put := op("put-store", http.MethodPut, "/v1/stores/{store_id}", "Create or replace a store", "Stores")
	put.MaxBodyBytes = maxLargeBodyBytes // up to 1,000 special dates
	huma.Register(s.api, put,
		func(ctx context.Context, in *struct {
			wire.StoreIDPath
			Body wire.StoreBody
		}) (*storeOutput, error) {
			if err := checkID("store_id", in.StoreID); err != nil {
				return nil, err
			}
			if in.Body.ID != "" && in.Body.ID != in.StoreID {
				return nil, invalid("body.id", "must equal the store id in the path, "+in.StoreID)
			}
			st := in.Body.ToStore(in.StoreID)
			created, err := s.db.PutStore(ctx, st)
			if err != nil {
				return nil, s.problem(ctx, "body", err)
			}
			status := http.StatusOK
			if created {
				status = http.StatusCreated
			}
			return &storeOutput{Status: status, Body: st}, nil
		})

	huma.Register(s.api, op("get-store", http.MethodGet, "/v1/stores/{store_id}", "Get a store", "Stores",
		bopis.RoleStorefront, bopis.RoleStore, bopis.RolePOS),
		func(ctx context.Context, in *wire.StoreIDPath) (*storeOutput, error) {
			if err := checkID("store_id", in.StoreID); err != nil {
				return nil, err
			}
			st, err := s.db.GetStore(ctx, in.StoreID)
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &storeOutput{Status: http.StatusOK, Body: st}, nil
		})

	huma.Register(s.api, op("list-stores", http.MethodGet, "/v1/stores", "List stores", "Stores",
		bopis.RoleStorefront, bopis.RoleStore, bopis.RolePOS),
		func(ctx context.Context, in *struct {
			Page
			Active bool `query:"active" doc:"Only active stores."`
		}) (*listOutput[bopis.Store], error) {
			f := bopis.StoreFilter{ActiveOnly: in.Active}
			if k := keyFrom(ctx); k.Scoped() {
				f.IDs = k.StoreIDs // a store or pos key sees only its stores
			}
			stores, next, err := s.db.ListStores(ctx, f, in.page())
			if err != nil {
				return nil, s.problem(ctx, "query", err)
			}
			return list(stores, next), nil
		})

	huma.Register(s.api, op("deactivate-store", http.MethodDelete, "/v1/stores/{store_id}",
		"Deactivate a store (its open orders stay)", "Stores"),
		func(ctx context.Context, in *wire.StoreIDPath) (*storeOutput, error) {
			if err := checkID("store_id", in.StoreID); err != nil {
				return nil, err
			}
			st, err := s.db.DeactivateStore(ctx, in.StoreID)
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &storeOutput{Status: http.StatusOK, Body: st}, nil
		})
}
