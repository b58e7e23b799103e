package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// matrixCallers are the columns of the authorization matrix: each role,
// store and pos keys of this store (s-1) and of another (s-2), no key and
// a revoked key.
var matrixCallers = []string{"admin", "storefront", "store", "store-other", "pos", "pos-other", "public", "none", "revoked"}

// ok means the caller gets past authorization (any answer but 401 and
// 403); 404 means the caller may not know the thing exists (an order of
// another store or storefront).
const ok = 0

// TestAuthorizationMatrix checks every route of the API (read from the
// served OpenAPI document, so a new route without a row fails) for every
// kind of caller, against API.md's roles: admin everything; storefront
// pickup options, availability, its orders and customer actions; store its
// stores' orders and inventory; pos the feed of its stores; public
// (publishable) pickup options, availability and calendars.
func TestAuthorizationMatrix(t *testing.T) {
	db := storagetest.Open(t, "sqlite", nil)
	// Every route is called with no key and a revoked key: more failed
	// authentications than one address may make (TestFailedAuthentication).
	e := newEnvWith(t, db, httpapi.Config{Now: func() time.Time { return checkoutNow }, FailedAuthBurst: 1000})
	orderNetwork(t, e)
	ctx := context.Background()
	admin := e.key(bopis.RoleAdmin)
	for _, id := range []string{"s-1", "s-2", "s-3"} {
		e.do("PUT", "/v1/stores/"+id, admin, storeJSON(t))
	}
	e.do("PUT", "/v1/skus/A1", admin, map[string]any{"name": "Drill"})
	e.do("PUT", "/v1/skus/Z9", admin, map[string]any{"name": "Gone soon"})
	e.do("PUT", "/v1/stores/s-1/skus/A1", admin, map[string]any{"safety_stock": 1})
	keys := map[string]string{
		"admin":       admin,
		"storefront":  e.key(bopis.RoleStorefront),
		"store":       e.key(bopis.RoleStore, "s-1", "mid"),
		"store-other": e.key(bopis.RoleStore, "s-2"),
		"pos":         e.key(bopis.RolePOS, "s-1"),
		"pos-other":   e.key(bopis.RolePOS, "s-2"),
		"public":      e.key(bopis.RolePublic),
		"none":        "",
		"revoked":     e.key(bopis.RoleStorefront),
	}
	doomed := e.key(bopis.RoleStorefront)
	var revokedID, doomedID string
	for _, k := range []string{keys["revoked"], doomed} {
		got, err := db.Authenticate(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if k == doomed {
			doomedID = got.ID
		} else {
			revokedID = got.ID
		}
	}
	if _, err := db.RevokeAPIKey(ctx, revokedID); err != nil {
		t.Fatal(err)
	}
	// An order at mid placed by the storefront key; a hold of it; a webhook.
	o := e.place(keys["storefront"], "m-1", orderBody(atStore("mid"), "A", 1))
	if o.status != 201 {
		t.Fatalf("order: %d %s", o.status, o.raw)
	}
	order := o.body["id"].(string)
	h := e.do("POST", "/v1/holds", keys["storefront"], map[string]any{"pickup": atStore("mid"), "lines": orderBody(nil, "B", 1)["lines"]})
	if h.status != 201 {
		t.Fatalf("hold: %d %s", h.status, h.raw)
	}
	hold := h.body["id"].(string)
	wh := e.do("POST", "/v1/webhooks", admin, map[string]any{"url": "https://hooks.example.com/hook", "secret": "0123456789abcdef"})
	webhook := wh.body["id"].(string)
	member := e.do("POST", "/v1/staff", admin, map[string]any{"email": "m@example.com", "name": "M", "role": "admin"}).body["id"].(string)

	const F, S, P, U = http.StatusForbidden, http.StatusForbidden, http.StatusForbidden, http.StatusForbidden
	const N = http.StatusNotFound
	// The table: route → expected per caller, in matrixCallers order
	// (admin, storefront, store, store-other, pos, pos-other, public);
	// no key and a revoked key are always 401. Staff keys (storefront,
	// store, pos) read the network: stores, SKUs and their overrides; a
	// store may also post a whole-store count of its own store.
	adminOnly := []int{ok, F, S, S, P, P, U}
	storeRead := []int{ok, ok, ok, ok, ok, ok, U} // every staff key reads the network
	ownStore := []int{ok, ok, ok, S, ok, P, U}    // a store/pos key only its own stores
	orderRead := []int{ok, ok, ok, N, P, P, U}    // the placing storefront, the order's store
	storeWork := []int{ok, F, ok, N, P, P, U}
	customer := []int{ok, ok, S, S, P, P, U}
	rows := map[string]struct {
		path string
		body any
		want []int
	}{
		"DELETE /v1/api-keys/{key_id}":                           {"/v1/api-keys/" + doomedID, nil, adminOnly},
		"GET /v1/api-keys":                                       {"/v1/api-keys", nil, adminOnly},
		"POST /v1/api-keys":                                      {"/v1/api-keys", map[string]any{"role": "storefront"}, adminOnly},
		"POST /v1/staff":                                         {"/v1/staff", map[string]any{"email": "n@example.com", "name": "N", "role": "admin"}, adminOnly},
		"GET /v1/staff":                                          {"/v1/staff", nil, adminOnly},
		"GET /v1/staff/{staff_id}":                               {"/v1/staff/" + member, nil, adminOnly},
		"PATCH /v1/staff/{staff_id}":                             {"/v1/staff/" + member, map[string]any{"name": "M2"}, adminOnly},
		"DELETE /v1/staff/{staff_id}":                            {"/v1/staff/" + member, nil, adminOnly},
		"DELETE /v1/skus/{sku}":                                  {"/v1/skus/Z9", nil, adminOnly},
		"PUT /v1/skus/{sku}":                                     {"/v1/skus/A1", map[string]any{"name": "Drill"}, adminOnly},
		"GET /v1/skus":                                           {"/v1/skus", nil, storeRead},
		"GET /v1/skus/{sku}":                                     {"/v1/skus/A1", nil, storeRead},
		"DELETE /v1/stores/{store_id}":                           {"/v1/stores/s-3", nil, adminOnly},
		"PUT /v1/stores/{store_id}":                              {"/v1/stores/s-1", storeJSON(t), adminOnly},
		"GET /v1/stores":                                         {"/v1/stores", nil, storeRead},
		"GET /v1/stores/{store_id}":                              {"/v1/stores/s-1", nil, ownStore},
		"GET /v1/stores/{store_id}/calendar":                     {"/v1/stores/s-1/calendar", nil, []int{ok, ok, ok, S, ok, P, ok}},
		"GET /v1/stores/{store_id}/inventory":                    {"/v1/stores/s-1/inventory", nil, ownStore},
		"PUT /v1/stores/{store_id}/inventory":                    {"/v1/stores/s-1/inventory", map[string]any{"as_of": "2026-11-23T19:00:00Z", "levels": []any{}}, []int{ok, F, ok, S, ok, P, U}},
		"POST /v1/stores/{store_id}/inventory/adjustments":       {"/v1/stores/s-1/inventory/adjustments", map[string]any{"sku": "A1", "delta": 1, "reason": "found"}, []int{ok, F, ok, S, P, P, U}},
		"GET /v1/stores/{store_id}/skus":                         {"/v1/stores/s-1/skus", nil, ownStore},
		"GET /v1/stores/{store_id}/skus/{sku}":                   {"/v1/stores/s-1/skus/A1", nil, ownStore},
		"PUT /v1/stores/{store_id}/skus/{sku}":                   {"/v1/stores/s-1/skus/A1", map[string]any{"safety_stock": 1}, adminOnly},
		"DELETE /v1/stores/{store_id}/skus/{sku}":                {"/v1/stores/s-1/skus/A1", nil, adminOnly},
		"POST /v1/inventory/events":                              {"/v1/inventory/events", map[string]any{"events": []any{}}, []int{ok, F, S, S, ok, ok, U}},
		"GET /v1/inventory/ledger":                               {"/v1/inventory/ledger?store_id=s-1", nil, []int{ok, F, ok, S, ok, P, U}},
		"GET /v1/alerts":                                         {"/v1/alerts", nil, []int{ok, F, ok, ok, P, P, U}},
		"GET /v1/availability":                                   {"/v1/availability?sku=A1&latitude=41.88&longitude=-87.63", nil, []int{ok, ok, S, S, P, P, ok}},
		"POST /v1/pickup-options":                                {"/v1/pickup-options", map[string]any{"coordinates": shopper, "items": cart("A", 1)}, []int{ok, ok, S, S, P, P, ok}},
		"POST /v3/pickup/options":                                {"/v3/pickup/options", map[string]any{"search_area": map[string]any{"radius": map[string]any{"value": 50, "unit": "KM"}, "coordinates": shopper}, "items": []any{}}, []int{ok, ok, S, S, P, P, ok}},
		"POST /v1/orders":                                        {"/v1/orders", orderBody(atStore("mid"), "A", 1), []int{ok, ok, S, S, P, P, U}},
		"GET /v1/orders":                                         {"/v1/orders", nil, []int{ok, ok, ok, ok, P, P, U}},
		"PATCH /v1/orders/{id}":                                  {"/v1/orders/" + order, map[string]any{}, customer},
		"GET /v1/orders/{id}":                                    {"/v1/orders/" + order, nil, orderRead},
		"GET /v1/orders/{id}/events":                             {"/v1/orders/" + order + "/events", nil, orderRead},
		"GET /v1/orders/{id}/notifications":                      {"/v1/orders/" + order + "/notifications", nil, orderRead},
		"POST /v1/orders/{id}/accept":                            {"/v1/orders/" + order + "/accept", nil, storeWork},
		"POST /v1/orders/{id}/pick":                              {"/v1/orders/" + order + "/pick", picks("l1", 1), storeWork},
		"POST /v1/orders/{id}/ready":                             {"/v1/orders/" + order + "/ready", map[string]any{"staging_location": "B3"}, storeWork},
		"POST /v1/orders/{id}/handoff":                           {"/v1/orders/" + order + "/handoff", map[string]any{"pickup_code": "x"}, storeWork},
		"POST /v1/orders/{id}/cancel":                            {"/v1/orders/" + order + "/cancel", map[string]any{"reason": "matrix"}, []int{ok, ok, ok, N, P, P, U}},
		"POST /v1/orders/{id}/arrival":                           {"/v1/orders/" + order + "/arrival", map[string]any{}, []int{ok, ok, ok, N, P, P, U}},
		"POST /v1/orders/{id}/substitutions/{line_id}/approve":   {"/v1/orders/" + order + "/substitutions/l1/approve", nil, customer},
		"POST /v1/orders/{id}/substitutions/{line_id}/reject":    {"/v1/orders/" + order + "/substitutions/l1/reject", nil, customer},
		"POST /v1/orders/{id}/ship-to-home":                      {"/v1/orders/" + order + "/ship-to-home", map[string]any{}, customer},
		"POST /v1/holds":                                         {"/v1/holds", map[string]any{}, customer},
		"GET /v1/holds/{id}":                                     {"/v1/holds/" + hold, nil, customer},
		"DELETE /v1/holds/{id}":                                  {"/v1/holds/" + hold, nil, customer},
		"GET /v1/reports/pickup":                                 {"/v1/reports/pickup?store_id=s-1", nil, []int{ok, F, ok, S, P, P, U}},
		"GET /v1/stores/{store_id}/orders/stream":                {"/v1/stores/mid/orders/stream", nil, []int{ok, F, ok, S, P, P, U}},
		"GET /v1/payments/uncaptured":                            {"/v1/payments/uncaptured", nil, adminOnly},
		"POST /v1/webhooks":                                      {"/v1/webhooks", map[string]any{}, adminOnly},
		"GET /v1/webhooks":                                       {"/v1/webhooks", nil, adminOnly},
		"DELETE /v1/webhooks/{id}":                               {"/v1/webhooks/w-none", nil, adminOnly},
		"GET /v1/webhooks/{id}/deliveries":                       {"/v1/webhooks/" + webhook + "/deliveries", nil, adminOnly},
		"POST /v1/webhooks/{id}/deliveries/{delivery_id}/replay": {"/v1/webhooks/" + webhook + "/deliveries/1/replay", nil, adminOnly},
	}

	// Every served route has a row.
	doc := e.do("GET", "/openapi.json", "", nil)
	var missing []string
	for path, item := range doc.body["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if _, found := rows[strings.ToUpper(method)+" "+path]; !found {
				missing = append(missing, strings.ToUpper(method)+" "+path)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("routes without a row in the authorization matrix:\n%s", strings.Join(missing, "\n"))
	}

	names := make([]string, 0, len(rows))
	for k := range rows {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, route := range names {
		r := rows[route]
		method := strings.SplitN(route, " ", 2)[0]
		for i, who := range matrixCallers {
			want := http.StatusUnauthorized
			if i < len(r.want) {
				want = r.want[i]
			}
			var got response
			if strings.HasSuffix(r.path, "/stream") {
				got = e.status(method, r.path, keys[who]) // the answer never ends: its status is enough
			} else {
				got = e.do(method, r.path, keys[who], r.body)
			}
			switch {
			case want == ok && (got.status == 401 || got.status == 403):
				t.Errorf("%s as %s: %d, want past authorization (%s)", route, who, got.status, got.raw)
			case want != ok && got.status != want:
				t.Errorf("%s as %s: %d, want %d (%s)", route, who, got.status, want, got.raw)
			case got.status >= 500 && got.status != http.StatusNotImplemented: // 501: a contract route not yet served
				t.Errorf("%s as %s: %d (%s)", route, who, got.status, got.raw)
			}
		}
	}
}

// status sends a request and returns as soon as the answer's status and
// headers are in (for a stream), with the body of an error answer.
func (e *env) status(method, path, key string) response {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, e.url+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	r := response{status: res.StatusCode, header: res.Header}
	if res.StatusCode != 200 {
		r.raw, _ = io.ReadAll(res.Body)
	}
	return r
}
