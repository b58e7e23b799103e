package bopis

import (
	"net/url"
	"strconv"
	"strings"
)

// What a person recognises a product by (issue 41): its picture, the
// barcodes a scanner reads, whether the buyer's age must be checked, and
// where it sits in a store.

// Limits on a product's description.
const (
	MaxImageURLLength = 4096 // room for a small SVG or PNG data URL
	MaxBarcodes       = 20
	MaxMinimumAge     = 99
	MaxLocationLength = 100
)

// BarcodeRule says what a barcode must be.
const BarcodeRule = "must be a GTIN (GTIN-8, UPC-A, EAN-13 or GTIN-14): 8, 12, 13 or 14 digits ending in a valid check digit"

// ImageURLRule says what an image_url must be.
const ImageURLRule = "must be an http(s) URL, a path on this server starting with /, or a data:image/ URL (png, jpeg, gif, webp or svg+xml)"

// ValidBarcode reports whether s is a GTIN-8, UPC-A (GTIN-12), EAN-13
// (GTIN-13) or GTIN-14 whose last digit is the GS1 check digit of the
// others.
func ValidBarcode(s string) bool {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return false
	}
	if !isDigits(s) {
		return false
	}
	return s[len(s)-1]-'0' == GTINCheckDigit(s[:len(s)-1])
}

// GTINCheckDigit is the GS1 check digit of the digits of body: from the
// right, digits weigh 3, 1, 3, …; the check digit brings the sum to a
// multiple of 10. body must be ASCII digits.
func GTINCheckDigit(body string) byte {
	sum := 0
	for i := 0; i < len(body); i++ {
		d := int(body[len(body)-1-i] - '0')
		if i%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte((10 - sum%10) % 10)
}

var imageTypes = []string{"data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp", "data:image/svg+xml"}

// ValidImageURL reports whether s may be shown as a product's image:
// an absolute http(s) URL, a path on this server, or an image data URL;
// never a script URL, and nothing a browser would read otherwise.
func ValidImageURL(s string) bool {
	if s == "" || len(s) > MaxImageURLLength || !ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f || s[i] == '\\' {
			return false // no spaces, controls or backslashes: one token, read one way
		}
	}
	if strings.HasPrefix(s, "data:") {
		head, _, ok := strings.Cut(s, ",")
		if !ok {
			return false
		}
		for _, t := range imageTypes {
			if rest, found := strings.CutPrefix(head, t); found && (rest == "" || rest[0] == ';') {
				return true
			}
		}
		return false
	}
	if strings.HasPrefix(s, "/") {
		return !strings.HasPrefix(s, "//")
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

// validateProduct checks a SKU's image, barcodes and minimum age.
func (k *SKU) validateProduct(v *fieldErrors) {
	if k.ImageURL != "" && !ValidImageURL(k.ImageURL) {
		if len(k.ImageURL) > MaxImageURLLength {
			v.add("image_url", "must be at most %d characters", MaxImageURLLength)
		} else {
			v.add("image_url", "%s", ImageURLRule)
		}
	}
	if len(k.Barcodes) > MaxBarcodes {
		v.add("barcodes", "must list at most %d barcodes", MaxBarcodes)
	} else {
		seen := make(map[string]bool, len(k.Barcodes))
		for i, b := range k.Barcodes {
			path := "barcodes[" + strconv.Itoa(i) + "]"
			switch {
			case !ValidBarcode(b):
				v.add(path, "%s", BarcodeRule)
			case seen[b]:
				v.add(path, "is listed twice")
			}
			seen[b] = true
		}
	}
	inRange(v, "minimum_age", k.MinimumAge, 0, MaxMinimumAge)
}

// validateLocation checks a store's place for a SKU (aisle, bay, bin):
// one line of a person's text.
func validateLocation(v *fieldErrors, path, s string) {
	if !v.text(path, s) {
		return
	}
	if strings.ContainsAny(s, "\r\n") || len(s) > MaxLocationLength {
		v.add(path, "must be one line of at most %d characters", MaxLocationLength)
	}
}
