package bopis

import "time"

// SKU is a sellable item of the retailer's catalog and its pickup rules.
type SKU struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	VariantID *int64 `json:"variant_id,omitempty"` // the storefront's variant id (BigCommerce)
	// PickupEligible: false keeps the SKU out of every pickup promise
	// (e.g. oversized or age-restricted items), whatever the stock.
	PickupEligible bool `json:"pickup_eligible"`
	// ExtraPrepMinutes is added to a store's prep time for carts holding
	// this SKU; a cart takes the largest of its SKUs.
	ExtraPrepMinutes  int `json:"extra_prep_minutes"`
	LowStockThreshold int `json:"low_stock_threshold"`
	// ImageURL is the product's picture: an http(s) URL, a path on this
	// server or an image data URL ("" none).
	ImageURL string `json:"image_url"`
	// Barcodes are the GTINs (UPC-A, EAN-13, GTIN-8, GTIN-14) a scanner
	// reads off the product, check digits valid; never nil once read.
	Barcodes []string `json:"barcodes"`
	// MinimumAge is the age a buyer must prove at handoff (0: none).
	MinimumAge int       `json:"minimum_age"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Limits on SKU settings.
const (
	MaxExtraPrepMinutes = 24 * 60
	MaxStockQuantity    = 1_000_000_000
)

// Validate checks every rule of a SKU.
func (k *SKU) Validate() error {
	var v fieldErrors
	if !ValidID(k.SKU) {
		v.add("sku", "%s", IDRule)
	}
	if v.text("name", k.Name) && (k.Name == "" || len(k.Name) > MaxNameLength) {
		v.add("name", "must be 1 to %d characters", MaxNameLength)
	}
	if k.VariantID != nil && *k.VariantID <= 0 {
		v.add("variant_id", "must be a positive integer")
	}
	inRange(&v, "extra_prep_minutes", k.ExtraPrepMinutes, 0, MaxExtraPrepMinutes)
	inRange(&v, "low_stock_threshold", k.LowStockThreshold, 0, MaxStockQuantity)
	k.validateProduct(&v)
	return v.err("SKU")
}

// StoreSKU overrides a SKU's rules at one store; a nil field inherits the
// SKU's (or the default's) value.
type StoreSKU struct {
	StoreID           string `json:"store_id"`
	SKU               string `json:"sku"`
	PickupEligible    *bool  `json:"pickup_eligible,omitempty"`
	SafetyStock       *int   `json:"safety_stock,omitempty"`
	LowStockThreshold *int   `json:"low_stock_threshold,omitempty"`
	// Location is where the SKU sits in the store, e.g. "Aisle 7, bay 3,
	// bin B" ("" not given): one line, for the pick list.
	Location  string    `json:"location"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks the override's values.
func (o *StoreSKU) Validate() error {
	var v fieldErrors
	if !ValidID(o.StoreID) {
		v.add("store_id", "%s", IDRule)
	}
	if !ValidID(o.SKU) {
		v.add("sku", "%s", IDRule)
	}
	if o.SafetyStock != nil {
		inRange(&v, "safety_stock", *o.SafetyStock, 0, MaxStockQuantity)
	}
	if o.LowStockThreshold != nil {
		inRange(&v, "low_stock_threshold", *o.LowStockThreshold, 0, MaxStockQuantity)
	}
	validateLocation(&v, "location", o.Location)
	return v.err("store SKU override")
}
