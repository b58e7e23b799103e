package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

func TestSKUsAndOverrides(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		admin := e.key(bopis.RoleAdmin)
		e.do("PUT", "/v1/stores/s-1", admin, storeJSON(t))
		r := e.do("PUT", "/v1/skus/A1", admin, map[string]any{"name": "Drill", "variant_id": 24, "extra_prep_minutes": 15, "low_stock_threshold": 2})
		if r.status != http.StatusCreated || r.body["pickup_eligible"] != true || r.body["variant_id"] != 24.0 {
			t.Fatalf("create SKU: %d %s", r.status, r.raw)
		}
		for _, c := range []struct {
			body     map[string]any
			location string
		}{
			{map[string]any{"name": ""}, "body.name"},
			{map[string]any{"name": "x", "extra_prep_minutes": -1}, "body.extra_prep_minutes"},
			{map[string]any{"name": "x", "low_stock_threshold": -1}, "body.low_stock_threshold"},
			{map[string]any{"name": "x", "variant_id": 0}, "body.variant_id"},
			{map[string]any{"name": "x", "sku": "B2"}, "body.sku"},
		} {
			if r := e.do("PUT", "/v1/skus/A1", admin, c.body); r.status != 422 || !r.names(c.location) {
				t.Errorf("%v: %d %v, want 422 naming %s", c.body, r.status, r.locations(), c.location)
			}
		}
		if r := e.do("GET", "/v1/skus/A1", admin, nil); r.body["name"] != "Drill" || r.body["extra_prep_minutes"] != 15.0 {
			t.Fatalf("rejected updates changed the SKU: %s", r.raw)
		}
		if r := e.do("PUT", "/v1/skus/B2", admin, map[string]any{"name": "Saw", "variant_id": 24}); r.status != http.StatusConflict {
			t.Errorf("duplicate variant_id: %d %s", r.status, r.raw)
		}

		if r := e.do("PUT", "/v1/stores/s-1/skus/A1", admin, map[string]any{"safety_stock": -2}); r.status != 422 || !r.names("body.safety_stock") {
			t.Errorf("negative safety stock: %d %v", r.status, r.locations())
		}
		if r := e.do("PUT", "/v1/stores/s-1/skus/NOPE", admin, map[string]any{"safety_stock": 2}); r.status != http.StatusNotFound {
			t.Errorf("override of unknown SKU: %d", r.status)
		}
		r = e.do("PUT", "/v1/stores/s-1/skus/A1", admin, map[string]any{"pickup_eligible": false, "safety_stock": 2})
		if r.status != http.StatusOK || r.body["pickup_eligible"] != false || r.body["safety_stock"] != 2.0 {
			t.Fatalf("override: %d %s", r.status, r.raw)
		}
		if _, inherited := r.body["low_stock_threshold"]; inherited {
			t.Errorf("unset threshold should be absent (inherited): %s", r.raw)
		}
		if r := e.do("GET", "/v1/stores/s-1/skus", admin, nil); len(r.body["data"].([]any)) != 1 {
			t.Errorf("list overrides: %s", r.raw)
		}
		if r := e.do("DELETE", "/v1/stores/s-1/skus/A1", admin, nil); r.status != http.StatusNoContent {
			t.Errorf("delete override: %d %s", r.status, r.raw)
		}
		if r := e.do("GET", "/v1/stores/s-1/skus/A1", admin, nil); r.status != http.StatusNotFound {
			t.Errorf("override after delete: %d", r.status)
		}
		if r := e.do("DELETE", "/v1/skus/A1", admin, nil); r.status != http.StatusOK || r.body["active"] != false {
			t.Errorf("deactivate SKU: %d %s", r.status, r.raw)
		}
	})
}
