package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

func TestAuthentication(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		admin := e.key(bopis.RoleAdmin)
		e.do("PUT", "/v1/stores/s-1", admin, storeJSON(t))

		r := e.do("GET", "/v1/stores", "", nil)
		if r.status != http.StatusUnauthorized || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("no key: %d %v", r.status, r.header)
		}
		if r := e.do("GET", "/v1/stores", "bopis_notarealkey", nil); r.status != http.StatusUnauthorized {
			t.Errorf("unknown key: %d", r.status)
		}
		req, _ := http.NewRequest("GET", e.url+"/v1/stores", nil)
		req.Header.Set("Authorization", "Basic "+admin)
		if res, _ := http.DefaultClient.Do(req); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("key sent as Basic: %d", res.StatusCode)
		}

		created := e.do("POST", "/v1/api-keys", admin, map[string]any{"role": "storefront"})
		secret, _ := created.body["secret"].(string)
		if created.status != http.StatusCreated || secret == "" {
			t.Fatalf("create key: %d %s", created.status, created.raw)
		}
		if r := e.do("GET", "/v1/stores", secret, nil); r.status != http.StatusOK {
			t.Fatalf("new key: %d", r.status)
		}
		if r := e.do("DELETE", "/v1/api-keys/"+created.body["id"].(string), admin, nil); r.status != http.StatusOK {
			t.Fatalf("revoke: %d %s", r.status, r.raw)
		}
		if r := e.do("GET", "/v1/stores", secret, nil); r.status != http.StatusUnauthorized {
			t.Errorf("revoked key: %d, want 401", r.status)
		}
		list := e.do("GET", "/v1/api-keys", admin, nil)
		if strings.Contains(string(list.raw), secret) || strings.Contains(string(list.raw), "hash") {
			t.Errorf("key list shows secrets: %s", list.raw)
		}
		if strings.Contains(e.logs.String(), secret) || strings.Contains(e.logs.String(), admin) {
			t.Errorf("a secret reached the logs")
		}
	})
}

func TestRolesAndStoreScope(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		admin := e.key(bopis.RoleAdmin)
		for _, id := range []string{"s-1", "s-2"} {
			e.do("PUT", "/v1/stores/"+id, admin, storeJSON(t))
		}
		e.do("PUT", "/v1/skus/A1", admin, map[string]any{"name": "Drill"})
		keys := map[string]string{
			"admin":      admin,
			"storefront": e.key(bopis.RoleStorefront),
			"store s-1":  e.key(bopis.RoleStore, "s-1"),
			"pos s-1":    e.key(bopis.RolePOS, "s-1"),
			"public":     e.key(bopis.RolePublic),
		}
		cases := []struct {
			method, path string
			body         any
			want         map[string]int
		}{
			{"GET", "/v1/stores/s-1", nil, map[string]int{"admin": 200, "storefront": 200, "store s-1": 200, "pos s-1": 200, "public": 403}},
			{"GET", "/v1/stores/s-2", nil, map[string]int{"admin": 200, "storefront": 200, "store s-1": 403, "pos s-1": 403, "public": 403}},
			{"GET", "/v1/stores/s-2/inventory", nil, map[string]int{"admin": 200, "storefront": 200, "store s-1": 403, "pos s-1": 403, "public": 403}},
			{"PUT", "/v1/stores/s-1", storeJSON(t), map[string]int{"admin": 200, "storefront": 403, "store s-1": 403, "pos s-1": 403, "public": 403}},
			{"DELETE", "/v1/stores/s-2", nil, map[string]int{"storefront": 403, "store s-1": 403, "pos s-1": 403, "public": 403}},
			{"PUT", "/v1/skus/A1", map[string]any{"name": "Drill"}, map[string]int{"admin": 200, "storefront": 403, "store s-1": 403, "pos s-1": 403}},
			{"GET", "/v1/skus/A1", nil, map[string]int{"admin": 200, "storefront": 200, "store s-1": 200, "pos s-1": 200, "public": 403}},
			{"PUT", "/v1/stores/s-2/skus/A1", map[string]any{"safety_stock": 1}, map[string]int{"admin": 200, "store s-1": 403, "storefront": 403}},
			{"GET", "/v1/stores/s-2/skus", nil, map[string]int{"admin": 200, "store s-1": 403, "pos s-1": 403}},
			{"POST", "/v1/api-keys", map[string]any{"role": "storefront"}, map[string]int{"admin": 201, "storefront": 403, "store s-1": 403, "pos s-1": 403, "public": 403}},
			{"GET", "/v1/api-keys", nil, map[string]int{"admin": 200, "storefront": 403, "store s-1": 403}},
		}
		for _, c := range cases {
			for who, want := range c.want {
				if r := e.do(c.method, c.path, keys[who], c.body); r.status != want {
					t.Errorf("%s %s as %s: %d, want %d (%s)", c.method, c.path, who, r.status, want, r.raw)
				}
			}
		}
		// A store key lists only the stores it reaches.
		r := e.do("GET", "/v1/stores", keys["store s-1"], nil)
		if data := r.body["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != "s-1" {
			t.Errorf("store key lists %s", r.raw)
		}
	})
}

func TestAPIKeyValidation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		admin := e.key(bopis.RoleAdmin)
		e.do("PUT", "/v1/stores/s-1", admin, storeJSON(t))
		for _, c := range []struct {
			body     map[string]any
			location string
		}{
			{map[string]any{"role": "superuser"}, "body.role"},
			{map[string]any{"role": "store"}, "body.store_ids"},
			{map[string]any{"role": "pos", "store_ids": []string{"ghost"}}, "body.store_ids[0]"},
			{map[string]any{"role": "storefront", "store_ids": []string{"s-1"}}, "body.store_ids"},
			{map[string]any{"role": "public", "origins": []string{"not a url"}}, "body.origins[0]"},
			{map[string]any{"role": "admin", "origins": []string{"https://shop.example.com"}}, "body.origins"},
		} {
			r := e.do("POST", "/v1/api-keys", admin, c.body)
			if r.status != http.StatusUnprocessableEntity || !r.names(c.location) {
				t.Errorf("%v: %d %v, want 422 naming %s", c.body, r.status, r.locations(), c.location)
			}
		}
		if r := e.do("GET", "/v1/api-keys", admin, nil); len(r.body["data"].([]any)) != 1 {
			t.Errorf("rejected keys were stored: %s", r.raw)
		}
	})
}

// A key revoked by another process sharing the database stops working
// once this process's cache of verified keys lets go of it (5 s).
func TestKeyRevokedElsewhereStopsWithinTheCacheTTL(t *testing.T) {
	db := storagetest.Open(t, "sqlite", nil)
	clock := storagetest.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	e := newEnvAt(t, db, clock.Now)
	k := &bopis.APIKey{Role: bopis.RoleStorefront}
	token, _ := db.CreateAPIKey(context.Background(), k)
	if r := e.do("GET", "/v1/stores", token, nil); r.status != http.StatusOK {
		t.Fatalf("fresh key: %d", r.status)
	}
	db.RevokeAPIKey(context.Background(), k.ID) // as another process would
	clock.Advance(4 * time.Second)
	if r := e.do("GET", "/v1/stores", token, nil); r.status != http.StatusOK {
		t.Fatalf("within the cache TTL: %d", r.status)
	}
	clock.Advance(2 * time.Second)
	if r := e.do("GET", "/v1/stores", token, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("after the cache TTL the revoked key still works: %d", r.status)
	}
}
