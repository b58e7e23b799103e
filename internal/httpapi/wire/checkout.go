package wire

import (
	"encoding/json"
	"time"

	"github.com/bopis/bopis"
)

// Checkout: where and when a cart can be picked up, in bopis's own shape
// (POST /v1/pickup-options, GET /v1/availability), BigCommerce's (POST
// /v3/pickup/options) and its checkout-sdk's camelCase (POST
// /api/storefront/pickup-options).

// Radius is a distance with its unit, as BigCommerce sends it.
type Radius struct {
	Value float64 `json:"value" doc:"Greater than 0."`
	Unit  string  `json:"unit" enum:"KM,MI"`
}

// CartItem is one line of a cart asked about.
type CartItem struct {
	SKU      string `json:"sku" minLength:"1" maxLength:"64"`
	Quantity int64  `json:"quantity" minimum:"1" maximum:"1000000"`
}

// PickupOptionsBody asks where and when a cart can be picked up.
type PickupOptionsBody struct {
	Coordinates    bopis.Coordinates `json:"coordinates" doc:"The shopper's position."`
	RadiusKm       *float64          `json:"radius_km,omitempty" doc:"Search radius in km, above 0 and at most 1000 (default 50)."`
	Radius         *Radius           `json:"radius,omitempty" doc:"The radius with a unit, instead of radius_km."`
	Items          []CartItem        `json:"items" minItems:"1" maxItems:"100"`
	Method         string            `json:"method,omitempty" enum:"in_store,curbside" doc:"Default in_store."`
	Days           int               `json:"days,omitempty" minimum:"0" maximum:"31" doc:"Days of slots, default 7."`
	Limit          int               `json:"limit,omitempty" minimum:"0" maximum:"50" doc:"Stores at most, default 5."`
	IncludePartial bool              `json:"include_partial,omitempty" doc:"Also stores that can supply only some lines."`
}

// PickupStore is the store part of a pickup option.
type PickupStore struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	LocationID  *int64            `json:"location_id,omitempty"`
	Address     bopis.Address     `json:"address"`
	Coordinates bopis.Coordinates `json:"coordinates"`
	TimeZone    string            `json:"time_zone"`
}

// PickupLine is what a store can do for one line.
type PickupLine struct {
	SKU       string `json:"sku"`
	Quantity  int64  `json:"quantity"`
	Available int64  `json:"available" doc:"Units the store can promise now."`
	Eligible  bool   `json:"eligible" doc:"The SKU may be picked up at this store."`
}

// PickupOption is one store that can take the cart.
type PickupOption struct {
	PickupOptionHead
	Slots Slots `json:"slots"`
}

// PickupOptionHead is a pickup option but its slots (see AppendJSON).
type PickupOptionHead struct {
	Store           PickupStore          `json:"store"`
	DistanceKm      float64              `json:"distance_km"`
	Methods         []bopis.PickupMethod `json:"methods"`
	AllAvailable    bool                 `json:"all_available"`
	Lines           []PickupLine         `json:"lines"`
	EarliestReadyAt time.Time            `json:"earliest_ready_at"`
	HoldUntil       time.Time            `json:"hold_until" doc:"How long an order ready at earliest_ready_at is held."`
}

// PickupOptions is the checkout answer, nearest first.
type PickupOptions struct {
	Options []PickupOption `json:"options"`
}

// AppendJSON appends the answer as JSON: each option's small fields through
// encoding/json, its many slots directly.
func (p *PickupOptions) AppendJSON(b []byte) []byte {
	b = append(b, `{"options":[`...)
	for i := range p.Options {
		if i > 0 {
			b = append(b, ',')
		}
		o := &p.Options[i]
		head, _ := json.Marshal(&o.PickupOptionHead) // no channels or funcs: cannot fail
		b = append(b, head[:len(head)-1]...)
		b = append(b, `,"slots":`...)
		b = o.Slots.AppendJSON(b)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// BCItem is an item as BigCommerce names it.
type BCItem struct {
	VariantID int64 `json:"variant_id" minimum:"1"`
	Quantity  int64 `json:"quantity" minimum:"1" maximum:"1000000"`
}

// BCSearchArea is where to look.
type BCSearchArea struct {
	Radius      Radius            `json:"radius"`
	Coordinates bopis.Coordinates `json:"coordinates"`
}

// BCRequest is the BigCommerce pickup options request.
type BCRequest struct {
	SearchArea BCSearchArea `json:"search_area"`
	Items      []BCItem     `json:"items" minItems:"1" maxItems:"100"`
}

// BCPickupMethod is one way to collect at a location.
type BCPickupMethod struct {
	ID                        int64  `json:"id"`
	LocationID                int64  `json:"location_id"`
	DisplayName               string `json:"display_name"`
	CollectionInstructions    string `json:"collection_instructions"`
	CollectionTimeDescription string `json:"collection_time_description"`
}

// BCPickupOption is a location that can supply the items.
type BCPickupOption struct {
	PickupMethod   BCPickupMethod `json:"pickup_method"`
	AvailableItems []BCItem       `json:"available_items"`
}

// BCResult holds the options for the request's item set.
type BCResult struct {
	PickupOptions []BCPickupOption `json:"pickup_options"`
}

// BCResponse is the BigCommerce pickup options answer.
type BCResponse struct {
	Results []BCResult `json:"results"`
}

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
