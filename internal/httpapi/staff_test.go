package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

func TestStaffAPI(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		if _, err := db.PutStore(context.Background(), storagetest.Store("s-1")); err != nil {
			t.Fatal(err)
		}
		admin, store := e.key(bopis.RoleAdmin), e.key(bopis.RoleStore, "s-1")
		body := map[string]any{"email": "ana@example.com", "name": "Ana", "role": "associate", "store_ids": []string{"s-1"}}
		if r := e.do("POST", "/v1/staff", store, body); r.status != http.StatusForbidden {
			t.Errorf("store key creates staff: %d", r.status)
		}
		c := e.do("POST", "/v1/staff", admin, body)
		id, _ := c.body["id"].(string)
		if c.status != http.StatusCreated || id == "" || c.body["email"] != "ana@example.com" {
			t.Fatalf("create: %d %s", c.status, c.raw)
		}
		body["email"] = "ANA@example.com"
		if r := e.do("POST", "/v1/staff", admin, body); r.status != http.StatusConflict {
			t.Errorf("same email, other case: %d %s", r.status, r.raw)
		}
		// Bad input is a 422 naming the field, never echoing it, on both databases.
		for field, bad := range map[string]map[string]any{
			"body.name":         {"email": "b@example.com", "name": "B\u0000o", "role": "admin"},
			"body.email":        {"email": "b\u0000@example.com", "name": "Bo", "role": "admin"},
			"body.store_ids[0]": {"email": "b@example.com", "name": "Bo", "role": "associate", "store_ids": []string{"s-9"}},
		} {
			r := e.do("POST", "/v1/staff", admin, bad)
			if r.status != http.StatusUnprocessableEntity || !slices.Contains(r.locations(), field) {
				t.Errorf("%s: %d %v", field, r.status, r.locations())
			}
		}
		if r := e.do("POST", "/v1/staff", admin, `{"email":"b@example.com","name":"B`+"\xff\xfe"+`o","role":"admin"}`); r.status != http.StatusUnprocessableEntity {
			t.Errorf("invalid UTF-8: %d %s", r.status, r.raw)
		}
		if r := e.do("POST", "/v1/staff", admin, map[string]any{"email": "b@example.com", "name": strings.Repeat("x", 100000), "role": "admin"}); r.status >= 500 || r.status < 400 || len(r.raw) > 4096 {
			t.Errorf("oversize: %d (%d bytes)", r.status, len(r.raw))
		}
		if r := e.do("GET", "/v1/staff/"+id, admin, nil); r.status != http.StatusOK || r.body["name"] != "Ana" {
			t.Errorf("get: %d %s", r.status, r.raw)
		}
		if r := e.do("GET", "/v1/staff/stf_none", admin, nil); r.status != http.StatusNotFound {
			t.Errorf("get unknown: %d", r.status)
		}
		if r := e.do("GET", "/v1/staff?q=AN", admin, nil); r.status != http.StatusOK || len(r.body["data"].([]any)) != 1 {
			t.Errorf("search: %d %s", r.status, r.raw)
		}
		if r := e.do("GET", "/v1/staff?q=zz", admin, nil); r.status != http.StatusOK || len(r.body["data"].([]any)) != 0 {
			t.Errorf("search none: %d %s", r.status, r.raw)
		}
		if r := e.do("PATCH", "/v1/staff/"+id, admin, map[string]any{"name": "Ana L.", "role": "manager"}); r.status != http.StatusOK || r.body["name"] != "Ana L." || r.body["role"] != "manager" {
			t.Errorf("patch: %d %s", r.status, r.raw)
		}
		if r := e.do("PATCH", "/v1/staff/"+id, admin, map[string]any{"name": "A\u001bna"}); r.status != http.StatusUnprocessableEntity || !slices.Contains(r.locations(), "body.name") {
			t.Errorf("patch control char: %d %v", r.status, r.locations())
		}
		if r := e.do("DELETE", "/v1/staff/"+id, admin, nil); r.status != http.StatusOK || r.body["disabled"] != true {
			t.Errorf("disable: %d %s", r.status, r.raw)
		}
	})
}
