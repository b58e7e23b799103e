package bopis

import "testing"

func TestValidBarcode(t *testing.T) {
	for s, want := range map[string]bool{
		"036000291452":   true,  // UPC-A
		"4006381333931":  true,  // EAN-13
		"96385074":       true,  // GTIN-8
		"10036000291459": true,  // GTIN-14
		"036000291453":   false, // wrong check digit
		"4006381333932":  false,
		"0360002914520":  false, // 13 digits, wrong check digit
		"12345":          false,
		"":               false,
		"03600029145a":   false,
		"０３６０００２９１４５２":   false, // full-width digits
	} {
		if got := ValidBarcode(s); got != want {
			t.Errorf("ValidBarcode(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidImageURL(t *testing.T) {
	for s, want := range map[string]bool{
		"https://cdn.example/p/1.png":        true,
		"http://cdn.example/p/1.png":         true,
		"/static/products/1.svg":             true,
		"data:image/png;base64,iVBORw0KGgo=": true,
		"data:image/svg+xml,%3Csvg%2F%3E":    true,
		"//evil.example/x.png":               false,
		"javascript:alert(1)":                false,
		"data:text/html,<b>":                 false,
		"data:image/svg+xmlx,":               false,
		"https://cdn.example/a b.png":        false,
		"https://user:pw@cdn.example/a.png":  false,
		"ftp://cdn.example/a.png":            false,
		"https:///a.png":                     false,
		"https://cdn.example/\\a.png":        false,
	} {
		if got := ValidImageURL(s); got != want {
			t.Errorf("ValidImageURL(%q) = %v, want %v", s, got, want)
		}
	}
}
