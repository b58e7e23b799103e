package httpapi_test

import (
	"context"
	"testing"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// Item 3 of issue 37: POST /v1/orders and POST /v1/holds naming
// pickup.store_id placed SKUs that checkout would not offer (201). They
// are refused by the rule checkout applies: 409 naming body.lines[i].sku
// (with alternatives for an order), 404 for a deactivated store, 422 for
// a warehouse; nothing is reserved or booked. The read model is current
// here: the refusal is the reserving transaction's.
func TestOrdersAndHoldsAtANamedStoreApplyEligibility(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, front := orderEnv(t, db)
		ctx := context.Background()
		no := false
		nope := storagetest.SKU("NOPE")
		nope.PickupEligible = false
		for _, k := range []string{"NOPE", "OFF", "LOCAL"} {
			sku := storagetest.SKU(k)
			if k == "NOPE" {
				sku = nope
			}
			if _, err := db.PutSKU(ctx, sku); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.PutStoreSKU(ctx, &bopis.StoreSKU{StoreID: "mid", SKU: "LOCAL", PickupEligible: &no}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CountStore(ctx, "mid", checkoutNow, []bopis.Count{{SKU: "A", OnHand: 8}, {SKU: "B", OnHand: 5},
			{SKU: "C", OnHand: 3}, {SKU: "NOPE", OnHand: 9}, {SKU: "OFF", OnHand: 9}, {SKU: "LOCAL", OnHand: 9}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeactivateSKU(ctx, "OFF"); err != nil {
			t.Fatal(err)
		}
		s := storagetest.Store("closed")
		if _, err := db.PutStore(ctx, s); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CountStore(ctx, "closed", checkoutNow, []bopis.Count{{SKU: "A", OnHand: 9}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeactivateStore(ctx, "closed"); err != nil {
			t.Fatal(err)
		}
		e.sync()
		for _, c := range []struct {
			name   string
			store  string
			lines  []any
			status int
			names  string
		}{
			{"globally ineligible", "mid", []any{"A", 1, "NOPE", 1}, 409, "body.lines[1].sku"},
			{"ineligible by the store's override", "mid", []any{"LOCAL", 1}, 409, "body.lines[0].sku"},
			{"deactivated SKU", "mid", []any{"B", 1, "OFF", 1}, 409, "body.lines[1].sku"},
			{"deactivated store", "closed", []any{"A", 1}, 404, "body.pickup.store_id"},
			{"warehouse", "wh", []any{"A", 1}, 422, "body.pickup.store_id"},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := e.place(front, "k-"+c.name, orderBody(atStore(c.store), c.lines...))
				if r.status != c.status || !r.names(c.names) || r.body["type"] == nil {
					t.Errorf("order: %d %s, want %d naming %s", r.status, r.raw, c.status, c.names)
				}
				h := e.do("POST", "/v1/holds", front, map[string]any{"pickup": atStore(c.store),
					"lines": orderBody(nil, c.lines...)["lines"], "ttl_seconds": 300})
				if h.status != c.status || !h.names(c.names) {
					t.Errorf("hold: %d %s, want %d naming %s", h.status, h.raw, c.status, c.names)
				}
				for _, store := range []string{"mid", "closed", "wh"} {
					if n := e.booked(store); n != 0 {
						t.Errorf("%s: %d slot bookings", store, n)
					}
					open, err := db.Reservations(ctx, store, "", bopis.ReservationOpen)
					if err != nil || len(open) > 0 {
						t.Errorf("%s: reservations %v %v", store, open, err)
					}
				}
			})
		}
		// What checkout offers is still placed there.
		if r := e.place(front, "k-ok", orderBody(atStore("mid"), "A", 1, "B", 1)); r.status != 201 {
			t.Fatalf("an eligible order: %d %s", r.status, r.raw)
		}
		e.checkInvariants("mid", "closed", "wh")
	})
}
