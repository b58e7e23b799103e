package httpapi_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// TestSKUProductsOverHTTP: a SKU's image, barcodes and minimum age and a
// store's location of it go in and out of the API; a barcode with a wrong
// check digit, too many barcodes, an age out of bounds, a script URL or
// bad bytes are 422 naming the field, on both databases, never echoing
// the value; GET /v1/skus?q= finds by name, SKU or barcode, a page at a
// time.
func TestSKUProductsOverHTTP(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		admin := e.key(bopis.RoleAdmin)
		e.do("PUT", "/v1/stores/s-1", admin, storeJSON(t))
		r := e.do("PUT", "/v1/skus/MILK-1", admin, map[string]any{"name": "Whole Milk 1 gal",
			"image_url": "https://cdn.example/milk.png", "barcodes": []string{"036000291452"}, "minimum_age": 0})
		if r.status != http.StatusCreated || r.body["image_url"] != "https://cdn.example/milk.png" ||
			len(r.body["barcodes"].([]any)) != 1 {
			t.Fatalf("create SKU: %d %s", r.status, r.raw)
		}
		e.do("PUT", "/v1/skus/WINE-1", admin, map[string]any{"name": "Red Wine 750 ml", "minimum_age": 21,
			"barcodes": []string{"4006381333931"}})
		e.do("PUT", "/v1/skus/OAT-1", admin, map[string]any{"name": "Oat Milk"})
		if r := e.do("GET", "/v1/skus/WINE-1", admin, nil); r.body["minimum_age"] != 21.0 {
			t.Fatalf("minimum_age: %s", r.raw)
		}
		if r := e.do("GET", "/v1/skus/OAT-1", admin, nil); r.body["image_url"] != "" || len(r.body["barcodes"].([]any)) != 0 {
			t.Fatalf("a SKU without image or barcodes: %s", r.raw)
		}

		for _, c := range []struct {
			what     string
			body     string
			location string
		}{
			{"check digit", `{"name": "x", "barcodes": ["0360002914599"]}`, "body.barcodes[0]"},
			{"short barcode", `{"name": "x", "barcodes": ["036000291452", "12345"]}`, "body.barcodes[1]"},
			{"too many barcodes", `{"name": "x", "barcodes": [` + strings.Repeat(`"036000291452",`, 20) + `"036000291452"]}`, "body.barcodes"},
			{"age", `{"name": "x", "minimum_age": 100}`, "body.minimum_age"},
			{"negative age", `{"name": "x", "minimum_age": -1}`, "body.minimum_age"},
			{"script image", `{"name": "x", "image_url": "javascript:alert(1)"}`, "body.image_url"},
			{"long image", `{"name": "x", "image_url": "https://x.example/` + strings.Repeat("a", 5000) + `"}`, "body.image_url"},
			{"NUL barcode", `{"name": "x", "barcodes": ["0360002914\u000052"]}`, "body.barcodes[0]"},
			{"bad bytes barcode", "{\"name\": \"x\", \"barcodes\": [\"03600029\xff\xfe52\"]}", "body.barcodes[0]"},
			{"NUL image", `{"name": "x", "image_url": "https://x.example/\u0000"}`, "body.image_url"},
			{"bad bytes image", "{\"name\": \"x\", \"image_url\": \"https://x.example/\xff\"}", "body.image_url"},
		} {
			r := e.do("PUT", "/v1/skus/MILK-1", admin, c.body)
			checkBounded(t, c.what, r, http.StatusUnprocessableEntity)
			if !r.names(c.location) {
				t.Errorf("%s: %v, want %s", c.what, r.locations(), c.location)
			}
			if strings.Contains(string(r.raw), "0360002914") || strings.Contains(string(r.raw), "aaaaaaaa") {
				t.Errorf("%s: the answer echoes the value: %s", c.what, r.raw)
			}
		}
		if r := e.do("GET", "/v1/skus/MILK-1", admin, nil); r.body["name"] != "Whole Milk 1 gal" {
			t.Fatalf("refused writes changed the SKU: %s", r.raw)
		}

		r = e.do("PUT", "/v1/stores/s-1/skus/MILK-1", admin, map[string]any{"location": "Aisle 7, bay 3, bin B"})
		if r.status != http.StatusOK || r.body["location"] != "Aisle 7, bay 3, bin B" {
			t.Fatalf("location: %d %s", r.status, r.raw)
		}
		for what, body := range map[string]string{
			"newline":   `{"location": "Aisle 7\nbay 3"}`,
			"NUL":       `{"location": "Aisle\u00007"}`,
			"bad bytes": "{\"location\": \"Aisle\xff7\"}",
			"long":      `{"location": "` + strings.Repeat("x", 101) + `"}`,
		} {
			r := e.do("PUT", "/v1/stores/s-1/skus/MILK-1", admin, body)
			checkBounded(t, "location "+what, r, http.StatusUnprocessableEntity)
			if !r.names("body.location") {
				t.Errorf("location %s: %v", what, r.locations())
			}
		}

		front := e.key(bopis.RoleStorefront)
		search := func(q, more string) ([]string, string) {
			t.Helper()
			r := e.do("GET", "/v1/skus?q="+url.QueryEscape(q)+more, front, nil)
			if r.status != http.StatusOK {
				t.Fatalf("q=%q: %d %s", q, r.status, r.raw)
			}
			var skus []string
			for _, k := range r.body["data"].([]any) {
				skus = append(skus, k.(map[string]any)["sku"].(string))
			}
			next, _ := r.body["next_cursor"].(string)
			return skus, next
		}
		for q, want := range map[string]string{
			"milk": "MILK-1,OAT-1", "wine-1": "WINE-1", "4006381333931": "WINE-1", "036000291452": "MILK-1", "": "MILK-1,OAT-1,WINE-1",
		} {
			if got, _ := search(q, ""); strings.Join(got, ",") != want {
				t.Errorf("q=%q: %v, want %s", q, got, want)
			}
		}
		page, next := search("milk", "&limit=1")
		if strings.Join(page, ",") != "MILK-1" || next == "" {
			t.Fatalf("first page %v %q", page, next)
		}
		if page, _ := search("milk", "&limit=1&cursor="+url.QueryEscape(next)); strings.Join(page, ",") != "OAT-1" {
			t.Fatalf("second page %v", page)
		}
		for what, q := range map[string]string{"NUL": "%00", "bad bytes": "%FF%FE", "newline": "a%0Ab", "long": strings.Repeat("x", 201)} {
			r := e.do("GET", "/v1/skus?q="+q, front, nil)
			checkBounded(t, "q "+what, r, http.StatusUnprocessableEntity)
			if !r.names("query.q") {
				t.Errorf("q %s: %v", what, r.locations())
			}
		}
	})
}

// TestOrderLinesNameProducts: an order's lines carry their products'
// names, pictures and age rules, and their shelves in the store, in the
// answer of placing it (and of its replay) as in every read, on both
// databases.
func TestOrderLinesNameProducts(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		admin := w.key(bopis.RoleAdmin)
		img := "https://cdn.example/a.png"
		if r := w.do("PUT", "/v1/skus/A", admin, map[string]any{"name": "Cordless Drill", "image_url": img, "minimum_age": 18}); r.status != 200 && r.status != 201 {
			t.Fatalf("SKU: %d %s", r.status, r.raw)
		}
		if r := w.do("PUT", "/v1/stores/mid/skus/A", admin, map[string]any{"location": "Aisle 3 · Bay 2"}); r.status != 200 {
			t.Fatalf("location: %d %s", r.status, r.raw)
		}
		w.sync()
		body := orderBody(atStore("mid"), "A", 1, "B", 1)
		for _, try := range []string{"first", "replay"} {
			r := w.place(w.front, "names-1", body)
			if r.status != 201 && r.status != 200 {
				t.Fatalf("%s: %d %s", try, r.status, r.raw)
			}
			if l := line(r.body, 0); l["name"] != "Cordless Drill" || l["image_url"] != img {
				t.Errorf("%s answer's line: %v", try, l)
			}
			if l := line(r.body, 1); l["name"] != "Item B" {
				t.Errorf("%s answer's second line: %v", try, l)
			}
		}
		id := w.place(w.front, "names-1", body).body["id"].(string)
		o := w.do("GET", "/v1/orders/"+id, w.mid, nil).body
		if l := line(o, 0); l["name"] != "Cordless Drill" || l["image_url"] != img || l["minimum_age"] != 18.0 || l["shelf"] != "Aisle 3 · Bay 2" {
			t.Errorf("the order's line as read: %v", l)
		}
		list := w.do("GET", "/v1/orders?store_id=mid", w.mid, nil).body["data"].([]any)
		for _, x := range list {
			if x.(map[string]any)["id"] == id && line(x.(map[string]any), 1)["name"] != "Item B" {
				t.Errorf("the listed order's line: %v", line(x.(map[string]any), 1))
			}
		}
		a := w.must(w.mid, id, "accept", nil, "accepted")
		if line(a, 0)["name"] != "Cordless Drill" {
			t.Errorf("a store action's answer: %v", line(a, 0))
		}
	})
}
