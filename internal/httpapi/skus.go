package httpapi

import (
	"context"
	"net/http"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/danielgtaylor/huma/v2"
)

type skuOutput struct {
	Status int
	Body   *bopis.SKU
}

type storeSKUOutput struct{ Body *bopis.StoreSKU }

func (s *Server) registerSKUs() {
	readers := []bopis.Role{bopis.RoleStorefront, bopis.RoleStore, bopis.RolePOS}

	huma.Register(s.api, op("put-sku", http.MethodPut, "/v1/skus/{sku}", "Create or replace a SKU", "SKUs"),
		func(ctx context.Context, in *struct {
			wire.SKUPath
			Body wire.SKUBody
		}) (*skuOutput, error) {
			if err := checkID("sku", in.SKU); err != nil {
				return nil, err
			}
			if in.Body.SKU != "" && in.Body.SKU != in.SKU {
				return nil, invalid("body.sku", "must equal the SKU in the path, "+in.SKU)
			}
			k := in.Body.ToSKU(in.SKU)
			created, err := s.db.PutSKU(ctx, k)
			if err != nil {
				return nil, s.problem(ctx, "body", err)
			}
			status := http.StatusOK
			if created {
				status = http.StatusCreated
			}
			return &skuOutput{Status: status, Body: k}, nil
		})

	huma.Register(s.api, op("get-sku", http.MethodGet, "/v1/skus/{sku}", "Get a SKU", "SKUs", readers...),
		func(ctx context.Context, in *wire.SKUPath) (*skuOutput, error) {
			if err := checkID("sku", in.SKU); err != nil {
				return nil, err
			}
			k, err := s.db.GetSKU(ctx, in.SKU)
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &skuOutput{Status: http.StatusOK, Body: k}, nil
		})

	huma.Register(s.api, op("list-skus", http.MethodGet, "/v1/skus", "List or search SKUs", "SKUs", readers...),
		func(ctx context.Context, in *struct {
			wire.SKUSearch
			Page
		}) (*listOutput[bopis.SKU], error) {
			skus, next, err := s.db.SearchSKUs(ctx, in.Q, in.page())
			if err != nil {
				return nil, s.problem(ctx, "query", err)
			}
			return list(skus, next), nil
		})

	huma.Register(s.api, op("deactivate-sku", http.MethodDelete, "/v1/skus/{sku}", "Deactivate a SKU", "SKUs"),
		func(ctx context.Context, in *wire.SKUPath) (*skuOutput, error) {
			if err := checkID("sku", in.SKU); err != nil {
				return nil, err
			}
			k, err := s.db.DeactivateSKU(ctx, in.SKU)
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &skuOutput{Status: http.StatusOK, Body: k}, nil
		})

	huma.Register(s.api, op("put-store-sku", http.MethodPut, "/v1/stores/{store_id}/skus/{sku}",
		"Override a SKU's rules at one store", "SKUs"),
		func(ctx context.Context, in *struct {
			wire.StoreSKUPath
			Body wire.StoreSKUBody
		}) (*storeSKUOutput, error) {
			if err := checkStoreSKU(in.StoreSKUPath); err != nil {
				return nil, err
			}
			o := &bopis.StoreSKU{StoreID: in.StoreID, SKU: in.SKU, PickupEligible: in.Body.PickupEligible,
				SafetyStock: in.Body.SafetyStock, LowStockThreshold: in.Body.LowStockThreshold, Location: in.Body.Location}
			if err := s.db.PutStoreSKU(ctx, o); err != nil {
				return nil, s.problem(ctx, "body", err)
			}
			return &storeSKUOutput{o}, nil
		})

	huma.Register(s.api, op("get-store-sku", http.MethodGet, "/v1/stores/{store_id}/skus/{sku}",
		"A store's override of a SKU", "SKUs", readers...),
		func(ctx context.Context, in *wire.StoreSKUPath) (*storeSKUOutput, error) {
			if err := checkStoreSKU(*in); err != nil {
				return nil, err
			}
			o, err := s.db.GetStoreSKU(ctx, in.StoreID, in.SKU)
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &storeSKUOutput{o}, nil
		})

	huma.Register(s.api, op("list-store-skus", http.MethodGet, "/v1/stores/{store_id}/skus",
		"A store's SKU overrides", "SKUs", readers...),
		func(ctx context.Context, in *struct {
			wire.StoreIDPath
			Page
		}) (*listOutput[bopis.StoreSKU], error) {
			if err := checkID("store_id", in.StoreID); err != nil {
				return nil, err
			}
			os, next, err := s.db.ListStoreSKUs(ctx, in.StoreID, in.page())
			if err != nil {
				return nil, s.problem(ctx, "query", err)
			}
			return list(os, next), nil
		})

	huma.Register(s.api, op("delete-store-sku", http.MethodDelete, "/v1/stores/{store_id}/skus/{sku}",
		"Remove a store's override of a SKU", "SKUs"),
		func(ctx context.Context, in *wire.StoreSKUPath) (*struct{}, error) {
			if err := checkStoreSKU(*in); err != nil {
				return nil, err
			}
			if err := s.db.DeleteStoreSKU(ctx, in.StoreID, in.SKU); err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return nil, nil
		})
}

func checkStoreSKU(p wire.StoreSKUPath) error {
	if err := checkID("store_id", p.StoreID); err != nil {
		return err
	}
	return checkID("sku", p.SKU)
}
