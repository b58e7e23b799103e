package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// Monday 2026-11-23, 14:10 in Chicago.
var checkoutNow = time.Date(2026, 11, 23, 20, 10, 0, 0, time.UTC)

// chicagoNetwork: near (1 km from the shopper), mid (10 km), curb (20 km,
// curbside), far (300 km); SKUs A (variant 101), B (variant 102, 30 min
// extra prep), X (not pickup-eligible).
func chicagoNetwork(t *testing.T, e *env) (admin string) {
	t.Helper()
	admin = e.key(bopis.RoleAdmin)
	put := func(id string, lat float64, loc int, methods ...string) {
		m := storeJSON(t)
		m["coordinates"] = map[string]any{"latitude": lat, "longitude": -87.63}
		m["location_id"] = loc
		m["name"] = "Chicago " + id
		m["pickup_methods"] = []string{"in_store"}
		if len(methods) > 0 {
			m["pickup_methods"] = methods
		}
		if r := e.do("PUT", "/v1/stores/"+id, admin, m); r.status >= 300 {
			t.Fatalf("store %s: %d %s", id, r.status, r.raw)
		}
	}
	put("near", 41.889, 1)
	put("mid", 41.97, 2)
	put("curb", 42.06, 3, "in_store", "curbside")
	put("far", 44.58, 4)
	e.do("PUT", "/v1/skus/A", admin, map[string]any{"name": "Drill", "variant_id": 101})
	e.do("PUT", "/v1/skus/B", admin, map[string]any{"name": "TV", "variant_id": 102, "extra_prep_minutes": 30})
	e.do("PUT", "/v1/skus/X", admin, map[string]any{"name": "Propane", "variant_id": 103, "pickup_eligible": false})
	for store, counts := range map[string][]bopis.Count{
		"near": {{SKU: "A", OnHand: 1}, {SKU: "B", OnHand: 5}, {SKU: "X", OnHand: 9}},
		"mid":  {{SKU: "A", OnHand: 8}, {SKU: "B", OnHand: 5}, {SKU: "X", OnHand: 9}},
		"curb": {{SKU: "A", OnHand: 8}, {SKU: "B", OnHand: 1}},
		"far":  {{SKU: "A", OnHand: 99}, {SKU: "B", OnHand: 99}},
	} {
		if _, err := e.db.CountStore(context.Background(), store, checkoutNow, counts); err != nil {
			t.Fatal(err)
		}
	}
	e.sync()
	return admin
}

func cart(items ...any) []any {
	var out []any
	for i := 0; i < len(items); i += 2 {
		out = append(out, map[string]any{"sku": items[i], "quantity": items[i+1]})
	}
	return out
}

func optionIDs(r response) []string {
	var ids []string
	for _, o := range r.body["options"].([]any) {
		ids = append(ids, o.(map[string]any)["store"].(map[string]any)["id"].(string))
	}
	return ids
}

var shopper = map[string]any{"latitude": 41.88, "longitude": -87.63}

func TestPickupOptions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnvAt(t, db, func() time.Time { return checkoutNow })
		chicagoNetwork(t, e)
		sf := e.key(bopis.RoleStorefront)

		r := e.do("POST", "/v1/pickup-options", sf, map[string]any{"coordinates": shopper, "items": cart("A", 2, "B", 1)})
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		// near has one A; far is beyond 50 km.
		if got := fmt.Sprint(optionIDs(r)); got != "[mid curb]" {
			t.Fatalf("stores %s, want [mid curb]", got)
		}
		mid := r.body["options"].([]any)[0].(map[string]any)
		// 14:10 + 60 min prep + 30 min for B = 15:40; the first slot after is 16:00.
		if mid["earliest_ready_at"] != "2026-11-23T16:00:00-06:00" || mid["all_available"] != true {
			t.Errorf("mid: ready %v all %v", mid["earliest_ready_at"], mid["all_available"])
		}
		if d := mid["distance_km"].(float64); d < 9.9 || d > 10.1 {
			t.Errorf("mid is %.2f km away, want about 10", d)
		}
		line := mid["lines"].([]any)[0].(map[string]any)
		if line["sku"] != "A" || line["available"] != 8.0 || line["eligible"] != true {
			t.Errorf("line %v", line)
		}
		slot := mid["slots"].([]any)[0].(map[string]any)
		if slot["start"] != "2026-11-23T16:00:00-06:00" || slot["remaining"] != 20.0 {
			t.Errorf("first slot %v", slot)
		}

		// Curbside: only the store that offers it.
		r = e.do("POST", "/v1/pickup-options", sf, map[string]any{"coordinates": shopper, "items": cart("A", 1), "method": "curbside"})
		if got := fmt.Sprint(optionIDs(r)); got != "[curb]" {
			t.Errorf("curbside: %s", got)
		}
		// A wider radius in miles reaches far.
		r = e.do("POST", "/v1/pickup-options", sf, map[string]any{"coordinates": shopper, "items": cart("A", 2, "B", 1),
			"radius": map[string]any{"value": 200, "unit": "MI"}})
		if got := fmt.Sprint(optionIDs(r)); got != "[mid curb far]" {
			t.Errorf("200 miles: %s", got)
		}
		// Ineligible and unknown SKUs are unavailable lines, not errors.
		r = e.do("POST", "/v1/pickup-options", sf, map[string]any{"coordinates": shopper, "items": cart("A", 1, "X", 1, "NOPE", 1)})
		if r.status != 200 || len(optionIDs(r)) != 0 {
			t.Errorf("cart with an ineligible and an unknown SKU: %d %s", r.status, r.raw)
		}
		r = e.do("POST", "/v1/pickup-options", sf, map[string]any{"coordinates": shopper, "items": cart("A", 2, "NOPE", 1), "include_partial": true})
		if got := fmt.Sprint(optionIDs(r)); got != "[mid curb]" || !strings.Contains(string(r.raw), `{"sku":"NOPE","quantity":1,"available":0,"eligible":false}`) {
			t.Errorf("partial: %s %s", got, r.raw)
		}
		// The product page.
		r = e.do("GET", "/v1/availability?sku=B&latitude=41.88&longitude=-87.63&radius_km=50&quantity=2", sf, nil)
		if got := fmt.Sprint(optionIDs(r)); got != "[near mid]" {
			t.Errorf("availability of 2 B: %s %s", got, r.raw)
		}
	})
}

func TestPickupOptionsStaysCurrentWithStock(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnvAt(t, db, func() time.Time { return checkoutNow })
		chicagoNetwork(t, e)
		sf := e.key(bopis.RoleStorefront)
		ask := func() string {
			return fmt.Sprint(optionIDs(e.do("POST", "/v1/pickup-options", sf, map[string]any{"coordinates": shopper, "items": cart("A", 2)})))
		}
		if got := ask(); got != "[mid curb]" {
			t.Fatalf("before: %s", got)
		}
		db.CountStore(context.Background(), "near", checkoutNow, []bopis.Count{{SKU: "A", OnHand: 5}})
		db.CountStore(context.Background(), "mid", checkoutNow, []bopis.Count{{SKU: "A", OnHand: 0}})
		e.sync()
		if got := ask(); got != "[near curb]" {
			t.Fatalf("after counts: %s, want [near curb]", got)
		}
		e.do("DELETE", "/v1/stores/near", e.key(bopis.RoleAdmin), nil)
		e.sync()
		if got := ask(); got != "[curb]" {
			t.Fatalf("after deactivating near: %s", got)
		}
	})
}

func TestPickupOptionsBadInput(t *testing.T) {
	db := storagetest.Open(t, "sqlite", nil)
	e := newEnv(t, db)
	sf := e.key(bopis.RoleStorefront)
	many := make([]any, 101)
	for i := range many {
		many[i] = map[string]any{"sku": "A", "quantity": 1}
	}
	for _, c := range []struct {
		name     string
		body     map[string]any
		location string
	}{
		{"latitude above 90", map[string]any{"coordinates": map[string]any{"latitude": 91, "longitude": 0}, "items": cart("A", 1)}, "body.coordinates.latitude"},
		{"longitude below -180", map[string]any{"coordinates": map[string]any{"latitude": 0, "longitude": -181}, "items": cart("A", 1)}, "body.coordinates.longitude"},
		{"radius zero", map[string]any{"coordinates": shopper, "radius_km": 0, "items": cart("A", 1)}, "body.radius_km"},
		{"radius above 1000 km", map[string]any{"coordinates": shopper, "radius_km": 1000.5, "items": cart("A", 1)}, "body.radius_km"},
		{"radius above 1000 km in miles", map[string]any{"coordinates": shopper, "radius": map[string]any{"value": 700, "unit": "MI"}, "items": cart("A", 1)}, "body.radius.value"},
		{"radius unit unknown", map[string]any{"coordinates": shopper, "radius": map[string]any{"value": 7, "unit": "LY"}, "items": cart("A", 1)}, "body.radius.unit"},
		{"no items", map[string]any{"coordinates": shopper, "items": []any{}}, "body.items"},
		{"more than 100 lines", map[string]any{"coordinates": shopper, "items": many}, "body.items"},
		{"quantity zero", map[string]any{"coordinates": shopper, "items": cart("A", 0)}, "body.items[0].quantity"},
		{"negative quantity", map[string]any{"coordinates": shopper, "items": cart("A", 1, "B", -2)}, "body.items[1].quantity"},
		{"unknown method", map[string]any{"coordinates": shopper, "items": cart("A", 1), "method": "drone"}, "body.method"},
		{"limit above 50", map[string]any{"coordinates": shopper, "items": cart("A", 1), "limit": 51}, "body.limit"},
	} {
		r := e.do("POST", "/v1/pickup-options", sf, c.body)
		if r.status != http.StatusUnprocessableEntity || !r.names(c.location) {
			t.Errorf("%s: %d %v, want 422 naming %s", c.name, r.status, r.locations(), c.location)
		}
	}
	for path, loc := range map[string]string{
		"/v1/availability?sku=A&latitude=95&longitude=0":               "query.latitude",
		"/v1/availability?sku=A&latitude=1&longitude=0&radius_km=2000": "query.radius_km",
		"/v1/availability?latitude=1&longitude=0":                      "query.sku",
	} {
		if r := e.do("GET", path, sf, nil); r.status != 422 || !r.names(loc) {
			t.Errorf("%s: %d %v, want 422 naming %s", path, r.status, r.locations(), loc)
		}
	}
}

func TestBigCommercePickupOptions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnvAt(t, db, func() time.Time { return checkoutNow })
		chicagoNetwork(t, e)
		sf := e.key(bopis.RoleStorefront)
		// The request exactly as BigCommerce documents it.
		req := `{"search_area": {"radius": {"value": 30, "unit": "KM"}, "coordinates": {"latitude": 41.88, "longitude": -87.63}},
		         "items": [{"variant_id": 101, "quantity": 2}, {"variant_id": 102, "quantity": 1}]}`
		r := e.do("POST", "/v3/pickup/options", sf, req)
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		results := r.body["results"].([]any)
		opts := results[0].(map[string]any)["pickup_options"].([]any)
		if len(results) != 1 || len(opts) != 2 {
			t.Fatalf("answer %s; want one result with mid and curb", r.raw)
		}
		first := opts[0].(map[string]any)
		pm := first["pickup_method"].(map[string]any)
		if pm["location_id"] != 2.0 || pm["display_name"] != "Chicago mid" || pm["collection_time_description"] != "Ready today from 4:00 PM" {
			t.Errorf("pickup_method %v", pm)
		}
		items := first["available_items"].([]any)
		if fmt.Sprint(items) != "[map[quantity:2 variant_id:101] map[quantity:1 variant_id:102]]" {
			t.Errorf("available_items %v", items)
		}
		// An unknown variant: no location can supply every item.
		r = e.do("POST", "/v3/pickup/options", sf, `{"search_area": {"radius": {"value": 30, "unit": "KM"}, "coordinates": {"latitude": 41.88, "longitude": -87.63}}, "items": [{"variant_id": 999, "quantity": 1}]}`)
		if r.status != 200 || len(r.body["results"].([]any)[0].(map[string]any)["pickup_options"].([]any)) != 0 {
			t.Errorf("unknown variant: %d %s", r.status, r.raw)
		}
		// Bad input names the field in BigCommerce's terms.
		r = e.do("POST", "/v3/pickup/options", sf, `{"search_area": {"radius": {"value": -1, "unit": "KM"}, "coordinates": {"latitude": 41.88, "longitude": -87.63}}, "items": [{"variant_id": 101, "quantity": 1}]}`)
		if r.status != 422 || !r.names("body.search_area.radius.value") {
			t.Errorf("negative radius: %d %v", r.status, r.locations())
		}
	})
}

func TestReadyDescriptions(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		// Monday 20:30 in Chicago: 09:00-21:00 stores cannot be ready today.
		e := newEnvAt(t, db, func() time.Time { return time.Date(2026, 11, 24, 2, 30, 0, 0, time.UTC) })
		chicagoNetwork(t, e)
		r := e.do("POST", "/v3/pickup/options", e.key(bopis.RoleStorefront), `{"search_area": {"radius": {"value": 30, "unit": "KM"}, "coordinates": {"latitude": 41.88, "longitude": -87.63}}, "items": [{"variant_id": 101, "quantity": 1}]}`)
		pm := r.body["results"].([]any)[0].(map[string]any)["pickup_options"].([]any)[0].(map[string]any)["pickup_method"].(map[string]any)
		if pm["collection_time_description"] != "Ready tomorrow from 10:00 AM" {
			t.Errorf("at 8:30 PM: %v", pm["collection_time_description"])
		}
	})
}

func TestStorefrontRouteIsOptInAndLimited(t *testing.T) {
	db := storagetest.Open(t, "sqlite", nil)
	off := newEnvAt(t, db, func() time.Time { return checkoutNow })
	body := `{"searchArea": {"radius": {"value": 30, "unit": "KM"}, "coordinates": {"latitude": 41.88, "longitude": -87.63}}, "items": [{"variantId": 101, "quantity": 2}]}`
	if r := off.do("POST", "/api/storefront/pickup-options", "", body); r.status != http.StatusNotFound && r.status != http.StatusMethodNotAllowed {
		t.Fatalf("storefront route served while disabled: %d", r.status)
	}
	e := newEnvWith(t, db, httpapi.Config{Now: func() time.Time { return checkoutNow }, PublicStorefront: true, PublicRate: 1, PublicBurst: 3})
	chicagoNetwork(t, e)
	r := e.do("POST", "/api/storefront/pickup-options", "", body)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	opt := r.body["results"].([]any)[0].(map[string]any)["pickupOptions"].([]any)[0].(map[string]any)
	if opt["pickupMethod"].(map[string]any)["locationId"] != 2.0 || fmt.Sprint(opt["availableItems"]) != "[map[quantity:2 variantId:101]]" {
		t.Errorf("camelCase answer %s", r.raw)
	}
	// The clock stands still, so the bucket does not refill: the burst of 3 is spent, then 429.
	e.do("POST", "/api/storefront/pickup-options", "", body)
	e.do("POST", "/api/storefront/pickup-options", "", body)
	r = e.do("POST", "/api/storefront/pickup-options", "", body)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("fourth request at once: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
}

func TestPublicKeyCORSAndLimits(t *testing.T) {
	db := storagetest.Open(t, "sqlite", nil)
	e := newEnvWith(t, db, httpapi.Config{Now: func() time.Time { return checkoutNow }, PublicRate: 1, PublicBurst: 2})
	chicagoNetwork(t, e)
	token, err := db.CreateAPIKey(context.Background(), &bopis.APIKey{Role: bopis.RolePublic, Origins: []string{"https://shop.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	send := func(origin string) *http.Response {
		req, _ := http.NewRequest("POST", e.url+"/v1/pickup-options",
			strings.NewReader(`{"coordinates": {"latitude": 41.88, "longitude": -87.63}, "items": [{"sku": "A", "quantity": 1}]}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := send("https://shop.example.com"); res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "https://shop.example.com" {
		t.Errorf("listed origin: %d ACAO %q", res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
	}
	if res := send("https://evil.example.net"); res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("unlisted origin allowed: %q", res.Header.Get("Access-Control-Allow-Origin"))
	}
	if res := send("https://shop.example.com"); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("third request with a burst of 2: %d", res.StatusCode)
	}
	// A preflight carries no key and is answered for the public routes only.
	pre, _ := http.NewRequest("OPTIONS", e.url+"/v1/pickup-options", nil)
	pre.Header.Set("Origin", "https://shop.example.com")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	res, _ := http.DefaultClient.Do(pre)
	if res.StatusCode != http.StatusNoContent || !strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Errorf("preflight: %d %v", res.StatusCode, res.Header)
	}
	// A public key reaches nothing beyond checkout reads.
	if r := e.do("GET", "/v1/skus", token, nil); r.status != http.StatusForbidden {
		t.Errorf("public key listing SKUs: %d", r.status)
	}
}
