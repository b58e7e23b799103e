package httpapi

import (
	"context"
	"net/http"

	"github.com/bopis/bopis"
	"github.com/danielgtaylor/huma/v2"
)

// The route BigCommerce's checkout-sdk calls from the shopper's browser:
// the BigCommerce answer in camelCase, with no key. Served only when the
// retailer enables it (BOPIS_PUBLIC_STOREFRONT=true), read-only and
// limited per client IP like a public key.

// SFItem is an item as the checkout-sdk names it.
type SFItem struct {
	VariantID int64 `json:"variantId" minimum:"1"`
	Quantity  int64 `json:"quantity" minimum:"1" maximum:"1000000"`
}

// SFSearchArea is where to look.
type SFSearchArea struct {
	Radius      Radius            `json:"radius"`
	Coordinates bopis.Coordinates `json:"coordinates"`
}

// SFRequest is the checkout-sdk's pickup options request.
type SFRequest struct {
	SearchArea SFSearchArea `json:"searchArea"`
	Items      []SFItem     `json:"items" minItems:"1" maxItems:"100"`
}

// SFPickupMethod is BCPickupMethod in camelCase.
type SFPickupMethod struct {
	ID                        int64  `json:"id"`
	LocationID                int64  `json:"locationId"`
	DisplayName               string `json:"displayName"`
	CollectionInstructions    string `json:"collectionInstructions"`
	CollectionTimeDescription string `json:"collectionTimeDescription"`
}

// SFPickupOption is BCPickupOption in camelCase.
type SFPickupOption struct {
	PickupMethod   SFPickupMethod `json:"pickupMethod"`
	AvailableItems []SFItem       `json:"availableItems"`
}

// SFResult is BCResult in camelCase.
type SFResult struct {
	PickupOptions []SFPickupOption `json:"pickupOptions"`
}

// SFResponse is BCResponse in camelCase.
type SFResponse struct {
	Results []SFResult `json:"results"`
}

const openLimitedKey = "open_limited"

func (s *Server) registerStorefront() {
	huma.Register(s.api, huma.Operation{
		OperationID: "storefront-pickup-options", Method: http.MethodPost, Path: "/api/storefront/pickup-options",
		Summary: "BigCommerce checkout-sdk pickup options (camelCase, no key; only when enabled)", Tags: []string{"Checkout"},
		Metadata: map[string]any{openLimitedKey: true}, MaxBodyBytes: maxBodyBytes,
	}, func(ctx context.Context, in *struct{ Body SFRequest }) (*struct{ Body *SFResponse }, error) {
		items := make([]BCItem, len(in.Body.Items))
		for i, it := range in.Body.Items {
			items[i] = BCItem{VariantID: it.VariantID, Quantity: it.Quantity}
		}
		bc, err := s.bigCommerceOptions(BCSearchArea(in.Body.SearchArea), items, bcNames{searchArea: "searchArea"})
		if err != nil {
			return nil, err
		}
		out := &SFResponse{}
		for _, r := range bc.Results {
			sr := SFResult{PickupOptions: []SFPickupOption{}}
			for _, o := range r.PickupOptions {
				m := o.PickupMethod
				so := SFPickupOption{PickupMethod: SFPickupMethod(m)}
				for _, it := range o.AvailableItems {
					so.AvailableItems = append(so.AvailableItems, SFItem(it))
				}
				sr.PickupOptions = append(sr.PickupOptions, so)
			}
			out.Results = append(out.Results, sr)
		}
		return &struct{ Body *SFResponse }{out}, nil
	})
}
