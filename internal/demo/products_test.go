package demo

import (
	"strings"
	"testing"

	"github.com/bopis/bopis"
)

// TestProductsPeopleRecognise (issue 41): every demo SKU has a name, a
// picture that needs no network, barcodes with valid check digits that
// no other SKU has; some need an age check; the first stores place every
// SKU they carry.
func TestProductsPeopleRecognise(t *testing.T) {
	n := Generate(seed)
	seen := map[string]string{}
	aged := 0
	for _, k := range n.SKUs {
		if k.Name == "" || !strings.HasPrefix(k.ImageURL, "data:image/svg+xml;base64,") || !bopis.ValidImageURL(k.ImageURL) {
			t.Fatalf("%s: name %q, image %.40q", k.SKU, k.Name, k.ImageURL)
		}
		if len(k.Barcodes) == 0 {
			t.Fatalf("%s has no barcode", k.SKU)
		}
		for _, b := range k.Barcodes {
			if !bopis.ValidBarcode(b) {
				t.Fatalf("%s: barcode %s", k.SKU, b)
			}
			if other, dup := seen[b]; dup {
				t.Fatalf("%s and %s share barcode %s", k.SKU, other, b)
			}
			seen[b] = k.SKU
		}
		if k.MinimumAge > 0 {
			aged++
		}
	}
	if aged < 5 {
		t.Errorf("%d age-restricted SKUs, want a few", aged)
	}
	located := map[string]int{}
	n.Locations(func(storeID, sku, location string) {
		located[storeID]++
		o := bopis.StoreSKU{StoreID: storeID, SKU: sku, Location: location}
		if location == "" || o.Validate() != nil {
			t.Fatalf("%s at %s: location %q", sku, storeID, location)
		}
	})
	if len(located) != NumLocatedStores || located[n.Stores[0].ID] == 0 {
		t.Errorf("located SKUs per store: %v", located)
	}
}
