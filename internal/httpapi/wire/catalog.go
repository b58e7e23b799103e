package wire

import "github.com/bopis/bopis"

// Stores, SKUs and a store's overrides of a SKU, as a client sends them.

// StoreBody is a store as a client sends it. Omitted settings take the
// defaults below; the upsert replaces the whole store.
type StoreBody struct {
	ID            string               `json:"id,omitempty" doc:"Optional; must equal the id in the path."`
	Name          string               `json:"name" doc:"1 to 200 characters."`
	Type          bopis.StoreType      `json:"type,omitempty" enum:"store,warehouse" doc:"store (offers pickup, the default) or warehouse (ships only)."`
	LocationID    *int64               `json:"location_id,omitempty" doc:"Optional positive integer, unique; the id the BigCommerce-compatible endpoint uses."`
	Address       bopis.Address        `json:"address,omitempty"`
	Coordinates   bopis.Coordinates    `json:"coordinates"`
	TimeZone      string               `json:"time_zone" doc:"IANA time zone, e.g. America/Chicago."`
	Hours         bopis.WeeklyHours    `json:"hours" doc:"Every weekday; [] is closed. HH:MM, close may be 24:00, a close before the open runs past midnight; no overlaps."`
	SpecialHours  []bopis.SpecialHours `json:"special_hours,omitempty" doc:"Dates whose hours replace the weekday's; closed: true blocks the date."`
	PickupMethods []bopis.PickupMethod `json:"pickup_methods,omitempty" doc:"in_store and/or curbside; at least one for a store."`
	PrepMinutes   *int                 `json:"prep_minutes,omitempty" doc:"0 to 10080, default 60: open time to pick and stage an order."`
	CutoffMinutes *int                 `json:"cutoff_minutes,omitempty" doc:"0 to 1440, default 60: orders placed later than this before a closing start after the next opening."`
	HoldDays      *int                 `json:"hold_days,omitempty" doc:"1 to 30, default 3: open days a ready order waits."`
	SlotMinutes   *int                 `json:"slot_minutes,omitempty" doc:"5 to 1440, default 60: pickup slot length."`
	SlotCapacity  *int                 `json:"slot_capacity,omitempty" doc:"0 to 100000, default 0 (unlimited): orders per slot."`
	Active        *bool                `json:"active,omitempty" doc:"Default true."`
}

// Store defaults for omitted settings.
const (
	DefaultPrepMinutes   = 60
	DefaultCutoffMinutes = 60
	DefaultHoldDays      = 3
	DefaultSlotMinutes   = 60
)

// or is *p, or def when p is nil (an omitted setting).
func or[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// ToStore is the store the body describes under id, defaults filled in.
func (b *StoreBody) ToStore(id string) *bopis.Store {
	t := b.Type
	if t == "" {
		t = bopis.StoreTypeStore
	}
	special := b.SpecialHours
	if special == nil {
		special = []bopis.SpecialHours{}
	}
	methods := b.PickupMethods
	if methods == nil {
		methods = []bopis.PickupMethod{}
	}
	return &bopis.Store{
		ID: id, Name: b.Name, Type: t, LocationID: b.LocationID, Address: b.Address,
		Coordinates: b.Coordinates, TimeZone: b.TimeZone, Hours: b.Hours,
		SpecialHours: special, PickupMethods: methods,
		PrepMinutes:   or(b.PrepMinutes, DefaultPrepMinutes),
		CutoffMinutes: or(b.CutoffMinutes, DefaultCutoffMinutes),
		HoldDays:      or(b.HoldDays, DefaultHoldDays),
		SlotMinutes:   or(b.SlotMinutes, DefaultSlotMinutes),
		SlotCapacity:  or(b.SlotCapacity, 0),
		Active:        or(b.Active, true),
	}
}

// SKUBody is a SKU as a client sends it.
type SKUBody struct {
	SKU               string   `json:"sku,omitempty" doc:"Optional; must equal the SKU in the path."`
	Name              string   `json:"name" doc:"1 to 200 characters."`
	VariantID         *int64   `json:"variant_id,omitempty" doc:"The storefront's variant id (BigCommerce), unique."`
	PickupEligible    *bool    `json:"pickup_eligible,omitempty" doc:"Default true; false keeps the SKU out of every pickup promise."`
	ExtraPrepMinutes  int      `json:"extra_prep_minutes,omitempty" doc:"0 to 1440: added to a store's prep time for carts holding it."`
	LowStockThreshold int      `json:"low_stock_threshold,omitempty" doc:"Available at or below this opens a low-stock alert."`
	Active            *bool    `json:"active,omitempty" doc:"Default true."`
	ImageURL          string   `json:"image_url,omitempty" maxLength:"4096" doc:"The product's picture, shown wherever a person reads the line: an http(s) URL, a path on this server, or a data:image/ URL (png, jpeg, gif, webp, svg+xml)."`
	Barcodes          []string `json:"barcodes,omitempty" maxItems:"20" doc:"GTINs a scanner reads off the product (GTIN-8, UPC-A, EAN-13, GTIN-14), each with a valid GS1 check digit; found by GET /v1/skus?q=."`
	MinimumAge        int      `json:"minimum_age,omitempty" doc:"0 to 99: the age a buyer must prove at handoff; 0 is none."`
}

// ToSKU is the SKU the body describes under sku, defaults filled in.
func (b *SKUBody) ToSKU(sku string) *bopis.SKU {
	return &bopis.SKU{SKU: sku, Name: b.Name, VariantID: b.VariantID,
		PickupEligible: or(b.PickupEligible, true), ExtraPrepMinutes: b.ExtraPrepMinutes,
		LowStockThreshold: b.LowStockThreshold, Active: or(b.Active, true),
		ImageURL: b.ImageURL, Barcodes: b.Barcodes, MinimumAge: b.MinimumAge}
}

// StoreSKUBody is a store's override of a SKU; an omitted field inherits.
type StoreSKUBody struct {
	PickupEligible    *bool  `json:"pickup_eligible,omitempty"`
	SafetyStock       *int   `json:"safety_stock,omitempty" doc:"Units kept back from online promises at this store."`
	LowStockThreshold *int   `json:"low_stock_threshold,omitempty"`
	Location          string `json:"location,omitempty" maxLength:"100" doc:"Where the SKU sits in this store (aisle, bay, bin), one line; shown on the pick list."`
}

// SKUSearch is the list of SKUs' parameters: a page of the SKUs q finds.
type SKUSearch struct {
	Q string `query:"q" maxLength:"200" doc:"Finds SKUs whose name or SKU holds this text (any case), or with this barcode; empty lists every SKU."`
}
