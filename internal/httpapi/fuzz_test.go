package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/orders"
	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/readmodel"
	"github.com/bopis/bopis/internal/seal"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// fuzzRoutes are the endpoints that decode outside input, each with the
// key that may call it. {ready} is an order ready for pickup. Every other
// route of the served OpenAPI document follows them (fuzzTargets).
var fuzzRoutes = []fuzzRoute{
	{"PUT", "/v1/stores/fz", "admin"},
	{"POST", "/v1/inventory/events", "pos"},
	{"POST", "/v1/orders", "storefront"},
	{"POST", "/v1/holds", "storefront"},
	{"POST", "/v1/pickup-options", "storefront"},
	{"POST", "/v3/pickup/options", "storefront"},
	{"POST", "/v1/orders/{ready}/handoff", "store"},
	{"POST", "/v1/orders/{ready}/pick", "store"},
	{"PUT", "/v1/stores/near/inventory", "admin"},
	{"POST", "/v1/stores/near/inventory/adjustments", "admin"},
}

type fuzzRoute struct{ method, path, role string }

// maxAnswer bounds every answer to a request under 1 MiB.
const maxAnswer = 64 << 10

// fuzzServer is one server of the fuzz, on one database.
type fuzzServer struct {
	backend string
	db      *storage.DB
	url     string
	keys    map[string]string
	ready   string
}

// FuzzAPI sends arbitrary bodies and path segments to every route of a
// real server, on every database under test (SQLite, and PostgreSQL when
// BOPIS_TEST_POSTGRES_URL is set): never a 5xx (501 for a contract route
// not yet served aside), every error answer problem+json, every answer
// under 64 KiB, and a rejected request changes nothing (stores, levels,
// ledger, orders and the outbox are as before). seg, when not empty,
// stands for every id in the path.
func FuzzAPI(f *testing.F) {
	var servers []*fuzzServer
	var targets []fuzzRoute
	for _, backend := range storagetest.Backends() {
		srv, api := fuzzServe(f, backend)
		servers = append(servers, srv)
		targets = fuzzTargets(api)
	}

	f.Fuzz(func(t *testing.T, route uint8, seg string, body []byte) {
		r := targets[int(route)%len(targets)]
		for _, srv := range servers {
			path := fuzzPath(r, seg, srv.ready)
			before := fingerprint(t, srv.db)
			req, err := http.NewRequest(r.method, srv.url+path, bytes.NewReader(body))
			if err != nil {
				return // not a request a client could send
			}
			req.Header.Set("Authorization", "Bearer "+srv.keys[r.role])
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", rand.Text())
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			answer, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
			res.Body.Close()
			what := fmt.Sprintf("%s: %s %s", srv.backend, r.method, path)
			switch {
			case res.StatusCode >= 500 && res.StatusCode != http.StatusNotImplemented:
				t.Fatalf("%s: %d %s", what, res.StatusCode, answer)
			case len(answer) > maxAnswer:
				t.Fatalf("%s: answered %d bytes (%d)", what, len(answer), res.StatusCode)
			case res.StatusCode >= 300 && res.Header.Get("Content-Type") != "application/problem+json":
				t.Fatalf("%s: %d as %q, not problem+json: %.300s", what, res.StatusCode, res.Header.Get("Content-Type"), answer)
			}
			// A refused request changes nothing, except that wrong pickup
			// codes are counted (the lock after five).
			if res.StatusCode >= 400 && !strings.HasSuffix(r.path, "/handoff") {
				if after := fingerprint(t, srv.db); after != before {
					t.Fatalf("%s was refused (%d %s) but changed\n%s\nto\n%s", what, res.StatusCode, answer, before, after)
				}
			}
		}
	})
}

// fuzzServe starts the fuzz's server on backend: stores near and mid,
// SKUs A and B stocked at near, a key per role and an order ready there.
func fuzzServe(f testing.TB, backend string) (*fuzzServer, *huma.OpenAPI) {
	clock := storagetest.NewClock(checkoutNow)
	db := storagetest.Open(f, backend, clock.Now)
	ctx := context.Background()
	model := readmodel.New(readmodel.Config{})
	key, _ := seal.Parse(seal.Generate())
	quiet := slog.New(slog.DiscardHandler)
	svc := orders.New(orders.Config{DB: db, Model: model, Gateway: payment.NewTest(db, clock.Now), Now: clock.Now, Key: key, Logger: quiet})
	api := httpapi.New(httpapi.Config{Storage: db, Logger: quiet, Registry: prometheus.NewRegistry(), Version: "fuzz", Now: clock.Now,
		Checkout: model, Orders: svc, Key: key, PublicStorefront: true,
		// The clock stands still: no rate limit may run dry and hide the routes behind a 429.
		FailedAuthBurst: 1 << 30, KeyBurst: 1 << 30, PublicBurst: 1 << 30})
	srv := httptest.NewServer(api)
	f.Cleanup(srv.Close)

	for _, id := range []string{"near", "mid"} {
		s := storagetest.Store(id)
		s.Coordinates = bopis.Coordinates{Latitude: 41.889, Longitude: -87.63}
		if _, err := db.PutStore(ctx, s); err != nil {
			f.Fatal(err)
		}
	}
	for _, k := range []string{"A", "B"} {
		if _, err := db.PutSKU(ctx, storagetest.SKU(k)); err != nil {
			f.Fatal(err)
		}
	}
	if _, err := db.CountStore(ctx, "near", checkoutNow, []bopis.Count{{SKU: "A", OnHand: 50}, {SKU: "B", OnHand: 50}}); err != nil {
		f.Fatal(err)
	}
	if _, err := db.ReadChanges(ctx, storage.Watermark{}, model.Feed()); err != nil {
		f.Fatal(err)
	}
	keys := map[string]string{}
	for role, k := range map[string]*bopis.APIKey{"admin": {Role: bopis.RoleAdmin}, "storefront": {Role: bopis.RoleStorefront},
		"store": {Role: bopis.RoleStore, StoreIDs: []string{"near"}}, "pos": {Role: bopis.RolePOS, StoreIDs: []string{"near"}}} {
		token, err := db.CreateAPIKey(ctx, k)
		if err != nil {
			f.Fatal(err)
		}
		keys[role] = token
	}
	return &fuzzServer{backend: backend, db: db, url: srv.URL, keys: keys, ready: fuzzReadyOrder(f, svc, keys["storefront"])}, api.OpenAPI()
}

// fuzzTargets are fuzzRoutes, then every other operation of the API in
// a stable order, called with the admin key. Streams are left out: their
// answer never ends.
func fuzzTargets(doc *huma.OpenAPI) []fuzzRoute {
	targets := slices.Clone(fuzzRoutes)
	var rest []fuzzRoute
	for path, item := range doc.Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "PUT": item.Put, "POST": item.Post,
			"PATCH": item.Patch, "DELETE": item.Delete} {
			if op != nil && !strings.HasSuffix(path, "/stream") {
				rest = append(rest, fuzzRoute{method, path, "admin"})
			}
		}
	}
	slices.SortFunc(rest, func(a, b fuzzRoute) int { return strings.Compare(a.method+" "+a.path, b.method+" "+b.path) })
	return append(targets, rest...)
}

// fuzzPath fills r's path: every id is seg when seg is given; otherwise
// the things the fuzz made (store near, SKU A, the ready order and its
// line l1), except where a PUT or DELETE would change them.
func fuzzPath(r fuzzRoute, seg, ready string) string {
	path := strings.ReplaceAll(r.path, "{ready}", ready)
	known := map[string]string{"{store_id}": "near", "{sku}": "A", "{id}": ready, "{line_id}": "l1"}
	return regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllStringFunc(path, func(p string) string {
		switch {
		case seg != "":
			return url.PathEscape(seg)
		case known[p] != "" && r.method != "PUT" && r.method != "DELETE":
			return known[p]
		}
		return "fz"
	})
}

// fuzzReadyOrder places an order at near and makes it ready.
func fuzzReadyOrder(f testing.TB, svc *orders.Service, placedBy string) string {
	ctx := context.Background()
	o, _, err := svc.Place(ctx, bopis.OrderRequest{Customer: bopis.Customer{Name: "Ana", Email: "ana@example.com"},
		Pickup:  bopis.PickupRequest{StoreID: "near", Method: bopis.PickupInStore},
		Lines:   []bopis.OrderLineRequest{{SKU: "A", Quantity: 1, UnitPrice: bopis.Money{Amount: 100, Currency: "USD"}}},
		Payment: bopis.PaymentRequest{Token: "tok_visa"}}, placedBy, nil)
	if err != nil {
		f.Fatal(err)
	}
	one := int64(1)
	for _, step := range []func() error{
		func() error { _, err := svc.Accept(ctx, o.ID, bopis.OrderScope{}); return err },
		func() error {
			_, err := svc.Pick(ctx, o.ID, bopis.OrderScope{}, bopis.PickRequest{Lines: []bopis.PickLine{{LineID: "l1", PickedQuantity: &one}}})
			return err
		},
		func() error { _, err := svc.Ready(ctx, o.ID, bopis.OrderScope{}, "B3"); return err },
	} {
		if err := step(); err != nil {
			f.Fatal(err)
		}
	}
	return o.ID
}

// fingerprint is what a refused request must leave as it was.
func fingerprint(t *testing.T, db *storage.DB) string {
	t.Helper()
	ctx := context.Background()
	stores, _, err := db.ListStores(ctx, bopis.StoreFilter{}, bopis.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	levels, err := db.Levels(ctx, "near", nil)
	if err != nil {
		t.Fatal(err)
	}
	ledger, _, err := db.Ledger(ctx, "near", "", bopis.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := db.ListOrders(ctx, bopis.OrderFilter{}, bopis.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	events, _, err := db.OutboxEvents(ctx, "", bopis.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var onHand, reserved int64
	for _, l := range levels {
		onHand += l.OnHand
		reserved += l.Reserved
	}
	storesJSON, _ := json.Marshal(stores)
	var statuses string
	for _, o := range list {
		statuses += string(o.Status) + ","
	}
	return fmt.Sprintf("stores %x levels %d/%d/%d ledger %d orders %d [%s] events %d", hashOf(storesJSON), len(levels),
		onHand, reserved, len(ledger), len(list), statuses, len(events))
}

func hashOf(b []byte) uint64 {
	var h uint64 = 14695981039346656037
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}
