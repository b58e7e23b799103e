package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

func TestOpenDoors(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		for _, path := range []string{"/healthz", "/readyz", "/metrics", "/openapi.json"} {
			if r := e.do("GET", path, "", nil); r.status != http.StatusOK {
				t.Errorf("%s without a key: %d", path, r.status)
			}
		}
		doc := e.do("GET", "/openapi.json", "", nil)
		if doc.body["openapi"] != "3.1.0" {
			t.Errorf("openapi version %v", doc.body["openapi"])
		}
		paths := doc.body["paths"].(map[string]any)
		for _, p := range []string{"/v1/stores", "/v1/stores/{store_id}", "/v1/skus/{sku}", "/v1/stores/{store_id}/skus/{sku}", "/v1/api-keys"} {
			if paths[p] == nil {
				t.Errorf("OpenAPI document lacks %s", p)
			}
		}
	})
}

func TestReadyzFailsWhenTheDatabaseIsGone(t *testing.T) {
	db := storagetest.Open(t, "sqlite", nil)
	e := newEnv(t, db)
	db.Close()
	if r := e.do("GET", "/readyz", "", nil); r.status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with a closed database: %d", r.status)
	}
	if r := e.do("GET", "/healthz", "", nil); r.status != http.StatusOK {
		t.Fatalf("healthz should not depend on the database: %d", r.status)
	}
}

// An operator asks a running process what it is: /healthz and /readyz
// name the version the process was built as.
func TestHealthNamesTheVersion(t *testing.T) {
	db := storagetest.Open(t, "sqlite", nil)
	e := newEnvWith(t, db, httpapi.Config{Version: "v0.1.0+0123456789ab"})
	for _, path := range []string{"/healthz", "/readyz"} {
		r := e.do("GET", path, "", nil)
		if r.status != http.StatusOK || r.body["version"] != "v0.1.0+0123456789ab" {
			t.Errorf("%s: %d %s, want the version", path, r.status, r.raw)
		}
	}
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	db := storagetest.Open(t, "sqlite", nil)
	e := newEnv(t, db)
	admin := e.key(bopis.RoleAdmin)
	e.do("PUT", "/v1/stores/s-1", admin, storeJSON(t))
	e.do("GET", "/v1/stores/s-1", admin, nil)
	e.do("GET", "/v1/stores/s-2", admin, nil)
	m := string(e.do("GET", "/metrics", "", nil).raw)
	for _, want := range []string{
		`bopis_http_requests_total{method="GET",route="GET /v1/stores/{store_id}",status="200"} 1`,
		`bopis_http_requests_total{method="GET",route="GET /v1/stores/{store_id}",status="404"} 1`,
		`bopis_http_requests_total{method="PUT",route="PUT /v1/stores/{store_id}",status="201"} 1`,
		`bopis_http_request_duration_seconds_count{method="PUT",route="PUT /v1/stores/{store_id}",status="201"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestEveryLogLineOfARequestCarriesItsID(t *testing.T) {
	db := storagetest.Open(t, "sqlite", nil)
	e := newEnv(t, db)
	r := e.do("GET", "/v1/stores", "", nil)
	id := r.header.Get("X-Request-Id")
	if id == "" {
		t.Fatal("no X-Request-Id header")
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["msg"] == "request" {
			found = true
			if rec["request_id"] != id || rec["status"] != 401.0 {
				t.Errorf("request log line %v; want request_id %s and status 401", rec, id)
			}
		}
	}
	if !found {
		t.Fatal("no request log line")
	}
	// A caller's own request id is kept when it is plain.
	req, _ := http.NewRequest("GET", e.url+"/healthz", nil)
	req.Header.Set("X-Request-Id", "trace-abc.123")
	res, _ := http.DefaultClient.Do(req)
	if got := res.Header.Get("X-Request-Id"); got != "trace-abc.123" {
		t.Errorf("caller's request id became %q", got)
	}
}

// TestAbuseLimits: a key over its rate gets 429 with Retry-After while
// another key goes on; a body over the cap is 413 and changes nothing.
func TestAbuseLimits(t *testing.T) {
	clock := storagetest.NewClock(checkoutNow)
	db := storagetest.Open(t, "sqlite", clock.Now)
	e := newEnvWith(t, db, httpapi.Config{Now: clock.Now, KeyRate: 2, KeyBurst: 2})
	busy, calm := e.key(bopis.RoleAdmin), e.key(bopis.RoleAdmin)
	for i := range 2 {
		if r := e.do("GET", "/v1/stores", busy, nil); r.status != 200 {
			t.Fatalf("request %d: %d", i, r.status)
		}
	}
	r := e.do("GET", "/v1/stores", busy, nil)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("third request at once: %d %q", r.status, r.header.Get("Retry-After"))
	}
	if r := e.do("GET", "/v1/stores", calm, nil); r.status != 200 {
		t.Errorf("another key: %d", r.status)
	}
	clock.Advance(time.Second)
	if r := e.do("GET", "/v1/stores", busy, nil); r.status != 200 {
		t.Errorf("after a second: %d", r.status)
	}

	front := e.key(bopis.RoleStorefront)
	huge := `{"external_id":"` + strings.Repeat("x", 2<<20) + `"}`
	if r := e.doKey("POST", "/v1/orders", front, "big", huge); r.status != http.StatusRequestEntityTooLarge {
		t.Errorf("a 2 MiB order: %d", r.status)
	}
	if list, _, _ := db.ListOrders(context.Background(), bopis.OrderFilter{}, bopis.Page{}); len(list) != 0 {
		t.Errorf("the refused order left %d orders", len(list))
	}
}
