package storage_test

import (
	"database/sql"
	"reflect"
	"strings"
	"testing"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// Products people recognise (issue 41): a SKU's image, barcodes and
// minimum age and a store's location of it are kept as written, checked
// before anything is written, and found by name, code or barcode.
func TestSKUProductFields(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		k := storagetest.SKU("W-1")
		k.Name = "Crème fraîche 200 ml"
		k.ImageURL = "data:image/svg+xml;base64,PHN2Zy8+"
		k.Barcodes = []string{"4006381333931", "036000291452"}
		k.MinimumAge = 21
		if _, err := db.PutSKU(ctx, k); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetSKU(ctx, "W-1")
		if err != nil || !reflect.DeepEqual(got, k) {
			t.Fatalf("GetSKU = %+v, %v; want %+v", got, err, k)
		}
		for name, bad := range map[string]func(k *bopis.SKU){
			"check digit":     func(k *bopis.SKU) { k.Barcodes = []string{"4006381333932"} },
			"length":          func(k *bopis.SKU) { k.Barcodes = []string{"123456"} },
			"letters":         func(k *bopis.SKU) { k.Barcodes = []string{"40063813339a1"} },
			"twice":           func(k *bopis.SKU) { k.Barcodes = []string{"036000291452", "036000291452"} },
			"too many":        func(k *bopis.SKU) { k.Barcodes = make([]string, bopis.MaxBarcodes+1) },
			"age":             func(k *bopis.SKU) { k.MinimumAge = bopis.MaxMinimumAge + 1 },
			"negative age":    func(k *bopis.SKU) { k.MinimumAge = -1 },
			"script image":    func(k *bopis.SKU) { k.ImageURL = "javascript:alert(1)" },
			"html data":       func(k *bopis.SKU) { k.ImageURL = "data:text/html,<script>" },
			"huge image":      func(k *bopis.SKU) { k.ImageURL = "https://x.example/" + strings.Repeat("a", bopis.MaxImageURLLength) },
			"NUL image":       func(k *bopis.SKU) { k.ImageURL = "https://x.example/\x00" },
			"bad UTF-8 image": func(k *bopis.SKU) { k.ImageURL = "https://x.example/\xff" },
		} {
			b := storagetest.SKU("W-1")
			bad(b)
			_, err := db.PutSKU(ctx, b)
			if code(err) != bopis.EINVALID {
				t.Errorf("%s: PutSKU = %v, want EINVALID", name, err)
			}
		}
		if got, _ := db.GetSKU(ctx, "W-1"); !reflect.DeepEqual(got, k) {
			t.Fatalf("a refused write changed the SKU: %+v", got)
		}

		db.PutStore(ctx, storagetest.Store("s-1"))
		o := &bopis.StoreSKU{StoreID: "s-1", SKU: "W-1", Location: "Aisle 7 · bay 3 · bin B"}
		if err := db.PutStoreSKU(ctx, o); err != nil {
			t.Fatal(err)
		}
		if got, err := db.GetStoreSKU(ctx, "s-1", "W-1"); err != nil || got.Location != o.Location {
			t.Fatalf("GetStoreSKU = %+v, %v", got, err)
		}
		for _, bad := range []string{"Aisle\n7", "a\x00b", "a\xffb", strings.Repeat("x", bopis.MaxLocationLength+1)} {
			err := db.PutStoreSKU(ctx, &bopis.StoreSKU{StoreID: "s-1", SKU: "W-1", Location: bad})
			if code(err) != bopis.EINVALID {
				t.Errorf("location %q: %v, want EINVALID", bad, err)
			}
		}
	})
}

func TestSearchSKUs(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		put := func(sku, name string, barcodes ...string) {
			k := storagetest.SKU(sku)
			k.Name, k.Barcodes = name, barcodes
			if _, err := db.PutSKU(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		put("MILK-1", "Whole Milk 1 gal", "036000291452")
		put("MILK-2", "Oat Milk 64 oz")
		put("BREAD-1", "Sourdough Loaf", "4006381333931")
		put("CREME-1", "Crème Fraîche", "96385074")
		put("PCT-1", "100% Juice")
		search := func(q string, p bopis.Page) ([]string, string) {
			t.Helper()
			list, next, err := db.SearchSKUs(ctx, q, p)
			if err != nil {
				t.Fatalf("SearchSKUs(%q) = %v", q, err)
			}
			var skus []string
			for _, k := range list {
				skus = append(skus, k.SKU)
			}
			return skus, next
		}
		for q, want := range map[string][]string{
			"milk":          {"MILK-1", "MILK-2"},
			"MILK":          {"MILK-1", "MILK-2"},
			"bread-1":       {"BREAD-1"},
			"crème":         {"CREME-1"},
			"CRÈME":         {"CREME-1"},
			"036000291452":  {"MILK-1"},
			"4006381333931": {"BREAD-1"},
			"96385074":      {"CREME-1"},
			"0360002914":    nil, // part of a barcode is not a barcode
			"%":             {"PCT-1"},
			"_":             nil,
			"nothing":       nil,
			"":              {"BREAD-1", "CREME-1", "MILK-1", "MILK-2", "PCT-1"},
		} {
			if got, _ := search(q, bopis.Page{}); !reflect.DeepEqual(got, want) {
				t.Errorf("q=%q: %v, want %v", q, got, want)
			}
		}
		first, next := search("milk", bopis.Page{Limit: 1})
		if !reflect.DeepEqual(first, []string{"MILK-1"}) || next == "" {
			t.Fatalf("first page %v, next %q", first, next)
		}
		second, next := search("milk", bopis.Page{Limit: 1, Cursor: next})
		if !reflect.DeepEqual(second, []string{"MILK-2"}) {
			t.Fatalf("second page %v", second)
		}
		if third, next := search("milk", bopis.Page{Limit: 1, Cursor: next}); len(third) != 0 || next != "" {
			t.Fatalf("third page %v, next %q", third, next)
		}
		for _, bad := range []string{"a\x00", "a\xff", "a\nb", strings.Repeat("x", 201)} {
			if _, _, err := db.SearchSKUs(ctx, bad, bopis.Page{}); code(err) != bopis.EINVALID {
				t.Errorf("q=%q: %v, want EINVALID", bad, err)
			}
		}
	})
}

// productColumns adds to an older schema the columns of migration 00020
// that today's code writes and reads (a SKU's image, barcodes, minimum
// age and folded name, a store's location of a SKU); the function
// returned takes them away again, before the later migrations run.
func productColumns(t *testing.T, db *storage.DB) func() {
	t.Helper()
	columns := []string{"skus image_url TEXT NOT NULL DEFAULT ''", "skus barcodes TEXT NOT NULL DEFAULT ''",
		"skus minimum_age INTEGER NOT NULL DEFAULT 0", "skus name_folded TEXT NOT NULL DEFAULT ''",
		"store_skus location TEXT NOT NULL DEFAULT ''"}
	alter := func(how string) {
		t.Helper()
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			for _, c := range columns {
				f := strings.Fields(c)
				q := "ALTER TABLE " + f[0] + " ADD COLUMN " + strings.Join(f[1:], " ")
				if how == "DROP" {
					q = "ALTER TABLE " + f[0] + " DROP COLUMN " + f[1]
				}
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	alter("ADD")
	return func() { alter("DROP") }
}
