package httpapi_test

import (
	"context"
	"encoding/json"
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

// maxErrorAnswer bounds any error answer, whatever the request.
const maxErrorAnswer = 64 << 10

// unknownKeys is a JSON object of valid fields plus n unknown ones.
func unknownKeys(valid string, n int) string {
	var b strings.Builder
	b.WriteString(valid[:len(valid)-1])
	for i := range n {
		fmt.Fprintf(&b, `,"k%d":1`, i)
	}
	b.WriteString("}")
	return b.String()
}

// checkBounded fails unless r is a bounded problem that names at most 21
// fields and echoes none of the request.
func checkBounded(t *testing.T, what string, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: %d, want %d (%.300s)", what, r.status, status, r.raw)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	if len(r.raw) > maxErrorAnswer {
		t.Errorf("%s: answered %d bytes, over %d", what, len(r.raw), maxErrorAnswer)
	}
	errs, _ := r.body["errors"].([]any)
	if len(errs) == 0 || len(errs) > 21 {
		t.Errorf("%s: %d error entries, want 1 to 21", what, len(errs))
	}
	for _, e := range errs {
		if _, echoed := e.(map[string]any)["value"]; echoed {
			t.Errorf("%s: an entry echoes the value at fault: %v", what, e)
			break
		}
	}
}

// TestErrorAnswersAreBounded: huma's validator put the whole body in
// every unknown property's entry, so 4,000 unknown keys answered 156 MB
// and 100,000 ran the server out of memory.
func TestErrorAnswersAreBounded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnvWith(t, db, httpapi.Config{PublicStorefront: true})
		admin := e.key(bopis.RoleAdmin)
		e.do("PUT", "/v1/stores/s-1", admin, storeJSON(t))
		storefront, pos := e.key(bopis.RoleStorefront), e.key(bopis.RolePOS, "s-1")

		cart := `{"coordinates":{"latitude":41.88,"longitude":-87.63},"items":[{"sku":"A1","quantity":1}]}`
		start := time.Now()
		r := e.do("POST", "/v1/pickup-options", storefront, unknownKeys(cart, 4000))
		checkBounded(t, "4,000 unknown keys", r, http.StatusUnprocessableEntity)
		took := time.Since(start)
		if took > 2*time.Second {
			t.Errorf("4,000 unknown keys took %v", took)
		}
		t.Logf("4,000 unknown keys (%d KB): %d bytes answered in %v", len(unknownKeys(cart, 4000))>>10, len(r.raw), took)
		errs, _ := r.body["errors"].([]any)
		if last, _ := errs[len(errs)-1].(map[string]any); !strings.Contains(fmt.Sprint(last["message"]), "3980 more") {
			t.Errorf("the last entry does not say how many more: %v", last)
		}

		sf := `{"searchArea":{"radius":{"value":50,"unit":"KM"},"coordinates":{"latitude":41.88,"longitude":-87.63}},"items":[{"variantId":1,"quantity":1}]}`
		checkBounded(t, "storefront route, no key", e.do("POST", "/api/storefront/pickup-options", "", unknownKeys(sf, 3000)),
			http.StatusUnprocessableEntity)

		count := `{"as_of":"2026-11-23T19:00:00Z","levels":[]}`
		start = time.Now()
		r = e.do("PUT", "/v1/stores/s-1/inventory", admin, unknownKeys(count, 100000))
		checkBounded(t, "100,000 unknown keys in a count", r, http.StatusUnprocessableEntity)
		t.Logf("100,000 unknown keys (%d KB): %d bytes answered in %v", len(unknownKeys(count, 100000))>>10, len(r.raw), time.Since(start))

		junk := strings.Repeat("x", 2<<20)
		r = e.do("POST", "/v1/inventory/events", pos, junk)
		checkBounded(t, "2 MiB of junk to the POS feed", r, http.StatusUnprocessableEntity)
		if strings.Contains(string(r.raw), "xxxx") {
			t.Errorf("the POS answer echoes the body: %.200s", r.raw)
		}

		// A route takes the body it needs: a cart is not megabytes.
		big := `{"coordinates":{"latitude":41.88,"longitude":-87.63},"items":[{"sku":"` + strings.Repeat("A", 100<<10) + `","quantity":1}]}`
		r = e.do("POST", "/v1/pickup-options", storefront, big)
		checkBounded(t, "a 100 KiB cart", r, http.StatusRequestEntityTooLarge)
		if !r.names("body") {
			t.Errorf("a body too large does not name the body: %s", r.raw)
		}

		// 500 lines of errors in one order: capped, not one entry each.
		lines := make([]any, 0, 100)
		for range 100 {
			lines = append(lines, map[string]any{"sku": "", "quantity": -1, "unit_price": map[string]any{"amount": -1, "currency": "usd"}})
		}
		body := orderBody(atStore("s-1"), "A1", 1)
		body["lines"] = lines
		checkBounded(t, "an order of 100 bad lines", e.doKey("POST", "/v1/orders", storefront, "bad-lines", string(must(json.Marshal(body)))),
			http.StatusUnprocessableEntity)
	})
}

// TestEveryErrorIsProblemJSON: the router's own answers were text, an
// empty body named no field, and a route of the contract was missing.
func TestEveryErrorIsProblemJSON(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		storefront := e.key(bopis.RoleStorefront)

		r := e.do("GET", "/v1/no-such-thing", storefront, nil)
		if r.status != http.StatusNotFound || r.header.Get("Content-Type") != "application/problem+json" || r.body["type"] == nil {
			t.Errorf("unknown route: %d %s %s", r.status, r.header.Get("Content-Type"), r.raw)
		}
		r = e.do("DELETE", "/v1/pickup-options", storefront, nil)
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Content-Type") != "application/problem+json" ||
			r.header.Get("Allow") != "POST" {
			t.Errorf("wrong method: %d %s Allow %q %s", r.status, r.header.Get("Content-Type"), r.header.Get("Allow"), r.raw)
		}
		r = e.do("POST", "/v1/pickup-options", storefront, "")
		if r.status != http.StatusBadRequest || !r.names("body") || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("empty body: %d %s", r.status, r.raw)
		}
		r = e.do("PATCH", "/v1/orders/o-1", storefront, map[string]any{"pickup_person": map[string]any{"name": "Ben"}})
		if r.status != http.StatusNotImplemented || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("PATCH /v1/orders/{id}: %d %s", r.status, r.raw)
		}
		// The pages are still served beside the problems.
		if r := e.do("GET", "/admin", "", nil); r.status != http.StatusOK {
			t.Errorf("GET /admin: %d", r.status)
		}
	})
}

// TestPathSegmentsMustBePrintable: a NUL or an invalid byte in an id was
// a 500 on PostgreSQL.
func TestPathSegmentsMustBePrintable(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		admin := e.key(bopis.RoleAdmin)
		for _, c := range []struct{ method, path, param string }{
			{"GET", "/v1/orders/%00", "id"},
			{"POST", "/v1/orders/%ff/accept", "id"},
			{"GET", "/v1/stores/s%01x", "store_id"},
			{"GET", "/v1/skus/%c3%28", "sku"},
			{"DELETE", "/v1/api-keys/k%00", "key_id"},
		} {
			r := e.do(c.method, c.path, admin, nil)
			if r.status != http.StatusUnprocessableEntity || !r.names("path."+c.param) {
				t.Errorf("%s %s: %d %s, want 422 naming path.%s", c.method, c.path, r.status, r.raw, c.param)
			}
		}
	})
}

// TestLogsCarryNoTokens: whoever reads the request log must not be able
// to open a customer's order page (it shows the pickup code).
func TestLogsCarryNoTokens(t *testing.T) {
	db := storagetest.Open(t, "sqlite", nil)
	e := newEnv(t, db)
	token := e.sealKey.Token("order", "o-123")
	e.do("GET", "/o/o-123/"+token, "", nil)
	e.do("POST", "/o/o-123/"+token+"/arrival", "", nil)
	if strings.Contains(e.logs.String(), token) {
		t.Fatalf("a customer link's token reached the log:\n%s", e.logs.String())
	}
	if !strings.Contains(e.logs.String(), `"path":"/o/o-123/{token}"`) {
		t.Errorf("the log does not say which order's page was asked for:\n%s", e.logs.String())
	}
}

// countingStorage counts the key lookups that reach the database.
type countingStorage struct {
	httpapi.Storage
	lookups int
}

func (c *countingStorage) Authenticate(ctx context.Context, token string) (*bopis.APIKey, error) {
	c.lookups++
	return c.Storage.Authenticate(ctx, token)
}

// TestFailedAuthenticationIsRateLimited: one client sent 12,452 bad keys
// a second, each a database query, and doubled everyone's latency.
func TestFailedAuthenticationIsRateLimited(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := storagetest.NewClock(checkoutNow)
		counted := &countingStorage{Storage: db}
		e := newEnvWith(t, db, httpapi.Config{Storage: counted, Now: clock.Now})
		good := e.key(bopis.RoleStorefront)

		for i := range 20 {
			key := "bopis_bad"
			if i%2 == 0 {
				key = "" // no key counts as a failure too
			}
			if r := e.do("GET", "/v1/stores", key, nil); r.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d, want 401", i+1, r.status)
			}
		}
		if counted.lookups != 1 {
			t.Errorf("a bad key repeated 10 times reached the database %d times, want once", counted.lookups)
		}
		r := e.do("GET", "/v1/stores", "bopis_another_bad_key", nil)
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" ||
			r.header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("the 21st failure in a second: %d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.raw)
		}
		if counted.lookups != 1 {
			t.Errorf("a refused client's key reached the database")
		}
		// A good key this process already trusts still passes from there;
		// one it has not seen waits like the rest.
		if r := e.do("GET", "/v1/stores", good, nil); r.status != http.StatusTooManyRequests {
			t.Errorf("an unverified key from a refused address: %d, want 429", r.status)
		}
		clock.Advance(time.Second)
		if r := e.do("GET", "/v1/stores", good, nil); r.status != http.StatusOK {
			t.Fatalf("a good key a second later: %d %s", r.status, r.raw)
		}
		e.do("GET", "/v1/stores", "bopis_bad", nil)
		if r := e.do("GET", "/v1/stores", good, nil); r.status != http.StatusOK {
			t.Errorf("a trusted key from a refused address: %d, want 200", r.status)
		}
		if r := e.do("GET", "/v1/stores", "", nil); r.status != http.StatusTooManyRequests {
			t.Errorf("no key after the failures: %d, want 429", r.status)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
