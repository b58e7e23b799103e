package demo

// What people recognise a demo product by (issue 41): a picture (a small
// SVG drawn here, as a data URL: the demo needs no network and no files),
// barcodes (GS1 numbers of the restricted, in-store range 200–299, so
// they can never be a real product's), the age a buyer must prove, and
// where it sits in a store (aisle by category, bay by product, bin by
// variant).

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/bopis/bopis"
)

// NumLocatedStores is how many of the first pickup stores Locations
// places every SKU they carry in (the demo's store key reaches the
// first).
const NumLocatedStores = 3

// ageOf is the minimum age of products by noun (0: none).
var ageOf = map[string]int{
	"Utility Knife":     18,
	"Chef's Knife 8 in": 18,
}

// colors are the pictures' backgrounds, one per category (the bulky
// ones take the last); each carries white text at a contrast of 4.5:1 or
// more.
var colors = []string{"#1f5f8b", "#2e6b30", "#8a4b08", "#4b3f8f", "#8a1f4d", "#7a3b12", "#335c67",
	"#6b4a12", "#3b6e22", "#1d5c5c", "#3d4f7a", "#7a2e2e", "#5a3d7a", "#4a5a1f", "#6b2f5c", "#444444"}

// item is where a name comes from in the vocabulary.
type item struct {
	category int // index in categories, or len(categories) for bulky
	product  int // index in its category's products
	variant  int // index in the product's variants (0 without)
	noun     string
}

// items maps every name of names(categories...) and names(bulky) to
// where it comes from.
func items() map[string]item {
	out := map[string]item{}
	for ci, c := range append(append([]category{}, categories...), bulky) {
		for _, b := range c.brands {
			for pi, pr := range c.products {
				if len(pr.variants) == 0 {
					out[b+" "+pr.noun] = item{ci, pi, 0, pr.noun}
				}
				for vi, v := range pr.variants {
					out[b+" "+pr.noun+" "+v] = item{ci, pi, vi, pr.noun}
				}
			}
		}
	}
	return out
}

// describe gives SKU i (0-based) of the catalog, named from it, its
// picture, barcodes and minimum age.
func describe(k *bopis.SKU, i int, it item) {
	k.ImageURL = picture(it)
	ean := barcode(fmt.Sprintf("200%09d", i+1))
	k.Barcodes = []string{ean}
	if i%5 == 0 { // a case of several: its GTIN-14 too
		k.Barcodes = append(k.Barcodes, barcode("1"+ean[:12]))
	}
	k.MinimumAge = ageOf[it.noun]
}

// barcode is body with its GS1 check digit.
func barcode(body string) string {
	return body + string('0'+bopis.GTINCheckDigit(body))
}

// picture is a product's image: a rounded tile of its category's colour
// with the initials of its noun (decorative: pages show the name beside it).
func picture(it item) string {
	color := colors[min(it.category, len(colors)-1)]
	var initials []rune
	for _, w := range strings.Fields(it.noun) {
		r := []rune(w)[0]
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			initials = append(initials, r)
		}
		if len(initials) == 2 {
			break
		}
	}
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">`+
		`<rect width="64" height="64" rx="12" fill="%s"/>`+
		`<circle cx="50" cy="14" r="%d" fill="#fff" fill-opacity=".25"/>`+
		`<text x="32" y="42" font-family="sans-serif" font-size="24" font-weight="700" fill="#fff" text-anchor="middle">%s</text></svg>`,
		color, 6+it.variant*2, string(initials))
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(svg))
}

// Location is where SKU sku sits in store storeID: an aisle by category
// (stores number their aisles differently), a bay by product and a bin
// by variant, e.g. "Aisle 7 · Bay 12 · Bin B".
func (n *Network) Location(storeID, sku string) string {
	si, ok := n.storeIdx[storeID]
	j, ok2 := n.skuIdx[sku]
	if !ok || !ok2 {
		return ""
	}
	it := n.items[j]
	aisle := (it.category+si*3)%(len(categories)+1) + 1
	return fmt.Sprintf("Aisle %d · Bay %d · Bin %c", aisle, it.product+1, 'A'+rune(it.variant))
}

// Locations calls fn for every SKU the first NumLocatedStores pickup
// stores carry, with its location there.
func (n *Network) Locations(fn func(storeID, sku, location string)) {
	located := map[string]bool{}
	for i := 0; i < NumLocatedStores && i < len(n.Stores); i++ {
		if n.Stores[i].Type == bopis.StoreTypeStore {
			located[n.Stores[i].ID] = true
		}
	}
	n.Stock(func(storeID, sku string, _ int) {
		if located[storeID] {
			fn(storeID, sku, n.Location(storeID, sku))
		}
	})
}
