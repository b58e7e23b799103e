package httpapi

import (
	"context"
	"net/http"

	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/danielgtaylor/huma/v2"
)

// The route BigCommerce's checkout-sdk calls from the shopper's browser:
// the BigCommerce answer in camelCase, with no key. Served only when the
// retailer enables it (BOPIS_PUBLIC_STOREFRONT=true), read-only and
// limited per client IP like a public key.

const openLimitedKey = "open_limited"

func (s *Server) registerStorefront() {
	huma.Register(s.api, huma.Operation{
		OperationID: "storefront-pickup-options", Method: http.MethodPost, Path: "/api/storefront/pickup-options",
		Summary: "BigCommerce checkout-sdk pickup options (camelCase, no key; only when enabled)", Tags: []string{"Checkout"},
		Metadata: map[string]any{openLimitedKey: true}, MaxBodyBytes: maxBodyBytes,
	}, func(ctx context.Context, in *struct{ Body wire.SFRequest }) (*struct{ Body *wire.SFResponse }, error) {
		items := make([]wire.BCItem, len(in.Body.Items))
		for i, it := range in.Body.Items {
			items[i] = wire.BCItem{VariantID: it.VariantID, Quantity: it.Quantity}
		}
		bc, err := s.bigCommerceOptions(wire.BCSearchArea(in.Body.SearchArea), items, bcNames{searchArea: "searchArea"})
		if err != nil {
			return nil, err
		}
		out := &wire.SFResponse{}
		for _, r := range bc.Results {
			sr := wire.SFResult{PickupOptions: []wire.SFPickupOption{}}
			for _, o := range r.PickupOptions {
				m := o.PickupMethod
				so := wire.SFPickupOption{PickupMethod: wire.SFPickupMethod(m)}
				for _, it := range o.AvailableItems {
					so.AvailableItems = append(so.AvailableItems, wire.SFItem(it))
				}
				sr.PickupOptions = append(sr.PickupOptions, so)
			}
			out.Results = append(out.Results, sr)
		}
		return &struct{ Body *wire.SFResponse }{out}, nil
	})
}
