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
	"testing"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/orders"
	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/readmodel"
	"github.com/bopis/bopis/internal/seal"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
	"github.com/prometheus/client_golang/prometheus"
)

// fuzzRoutes are the endpoints that decode outside input, each with the
// key that may call it. {ready} is an order ready for pickup.
var fuzzRoutes = []struct {
	method, path, role string
	counts             bool // a rejection may still be recorded (wrong pickup codes are counted)
}{
	{"PUT", "/v1/stores/fz", "admin", false},
	{"POST", "/v1/inventory/events", "pos", false},
	{"POST", "/v1/orders", "storefront", false},
	{"POST", "/v1/holds", "storefront", false},
	{"POST", "/v1/pickup-options", "storefront", false},
	{"POST", "/v3/pickup/options", "storefront", false},
	{"POST", "/v1/orders/{ready}/handoff", "store", true},
	{"POST", "/v1/orders/{ready}/pick", "store", false},
	{"PUT", "/v1/stores/near/inventory", "admin", false},
	{"POST", "/v1/stores/near/inventory/adjustments", "admin", false},
}

// FuzzAPI sends arbitrary bodies to the decoding endpoints of a real
// server on SQLite: never a 5xx, and a rejected request changes nothing
// (stores, levels, ledger, orders and the outbox are as before).
func FuzzAPI(f *testing.F) {
	clock := storagetest.NewClock(checkoutNow)
	db := storagetest.Open(f, "sqlite", clock.Now)
	ctx := context.Background()
	model := readmodel.New(readmodel.Config{})
	key, _ := seal.Parse(seal.Generate())
	quiet := slog.New(slog.DiscardHandler)
	svc := orders.New(orders.Config{DB: db, Model: model, Gateway: payment.NewTest(db, clock.Now), Now: clock.Now, Key: key, Logger: quiet})
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Storage: db, Logger: quiet, Registry: prometheus.NewRegistry(), Version: "fuzz", Now: clock.Now,
		Checkout: model, Orders: svc, Key: key}))
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
	if _, err := db.CountStore(ctx, "near", checkoutNow, []storage.Count{{SKU: "A", OnHand: 50}, {SKU: "B", OnHand: 50}}); err != nil {
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
	ready := fuzzReadyOrder(f, svc, keys["storefront"])

	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		path := bytes.ReplaceAll([]byte(r.path), []byte("{ready}"), []byte(ready))
		before := fingerprint(t, db)
		req, _ := http.NewRequest(r.method, srv.URL+string(path), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+keys[r.role])
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", rand.Text())
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s: %d %s", r.method, path, res.StatusCode, answer)
		}
		if res.StatusCode >= 400 && !r.counts {
			if after := fingerprint(t, db); after != before {
				t.Fatalf("%s %s was refused (%d %s) but changed\n%s\nto\n%s", r.method, path, res.StatusCode, answer, before, after)
			}
		}
	})
}

// fuzzReadyOrder places an order at near and makes it ready.
func fuzzReadyOrder(f *testing.F, svc *orders.Service, placedBy string) string {
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
		func() error { _, err := svc.Accept(ctx, o.ID, storage.OrderScope{}); return err },
		func() error {
			_, err := svc.Pick(ctx, o.ID, storage.OrderScope{}, bopis.PickRequest{Lines: []bopis.PickLine{{LineID: "l1", PickedQuantity: &one}}})
			return err
		},
		func() error { _, err := svc.Ready(ctx, o.ID, storage.OrderScope{}, "B3"); return err },
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
	stores, _, err := db.ListStores(ctx, storage.StoreFilter{}, storage.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	levels, err := db.Levels(ctx, "near", nil)
	if err != nil {
		t.Fatal(err)
	}
	ledger, _, err := db.Ledger(ctx, "near", "", storage.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	list, _, err := db.ListOrders(ctx, storage.OrderFilter{}, storage.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	events, _, err := db.OutboxEvents(ctx, "", storage.Page{Limit: 500})
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
