package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// orderNetwork: stores "near" (1 km from the shopper), "mid" (10 km) and
// "far" (300 km), open 09:00-21:00 in Chicago, one-hour slots of
// capacity 2, prep 60 min; warehouse "wh" (ships only). SKUs A, B, C.
// Stock: near A1 B5; mid A8 B5 C3; far A99 B99 C99; wh A50 C50.
func orderNetwork(t *testing.T, e *env) (admin string) {
	t.Helper()
	admin = e.key(bopis.RoleAdmin)
	ctx := context.Background()
	put := func(id string, lat float64, typ bopis.StoreType) {
		s := storagetest.Store(id)
		s.Coordinates = bopis.Coordinates{Latitude: lat, Longitude: -87.63}
		s.SlotCapacity = 2
		s.Type = typ
		if typ == bopis.StoreTypeWarehouse {
			s.PickupMethods = nil
		}
		if _, err := e.db.PutStore(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	put("near", 41.889, bopis.StoreTypeStore)
	put("mid", 41.97, bopis.StoreTypeStore)
	put("far", 44.58, bopis.StoreTypeStore)
	put("wh", 41.5, bopis.StoreTypeWarehouse)
	for _, k := range []string{"A", "B", "C"} {
		if _, err := e.db.PutSKU(ctx, storagetest.SKU(k)); err != nil {
			t.Fatal(err)
		}
	}
	for store, counts := range map[string][]bopis.Count{
		"near": {{SKU: "A", OnHand: 1}, {SKU: "B", OnHand: 5}},
		"mid":  {{SKU: "A", OnHand: 8}, {SKU: "B", OnHand: 5}, {SKU: "C", OnHand: 3}},
		"far":  {{SKU: "A", OnHand: 99}, {SKU: "B", OnHand: 99}, {SKU: "C", OnHand: 99}},
		"wh":   {{SKU: "A", OnHand: 50}, {SKU: "C", OnHand: 50}},
	} {
		if _, err := e.db.CountStore(ctx, store, checkoutNow, counts); err != nil {
			t.Fatal(err)
		}
	}
	e.sync()
	return admin
}

// orderEnv is a server at checkoutNow over the order network, with a storefront key.
func orderEnv(t *testing.T, db *storage.DB) (*env, string) {
	e := newEnvAt(t, db, func() time.Time { return checkoutNow })
	orderNetwork(t, e)
	return e, e.key(bopis.RoleStorefront)
}

func orderBody(pickup map[string]any, lines ...any) map[string]any {
	var ls []any
	for i := 0; i < len(lines); i += 2 {
		ls = append(ls, map[string]any{"sku": lines[i], "quantity": lines[i+1],
			"unit_price": map[string]any{"amount": 1999, "currency": "USD"}, "fulfillment": "pickup"})
	}
	return map[string]any{
		"external_id":   "web-1001",
		"customer":      map[string]any{"name": "Ana", "email": "ana@example.com", "phone": "+15555550100", "notify": []string{"email"}},
		"pickup_person": map[string]any{"name": "Ben", "phone": "+15555550101"},
		"pickup":        pickup,
		"lines":         ls,
		"payment":       map[string]any{"token": "tok_visa"},
	}
}

func atStore(id string) map[string]any { return map[string]any{"store_id": id, "method": "in_store"} }

func (e *env) place(key, idem string, body map[string]any) response {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.doKey("POST", "/v1/orders", key, idem, string(b))
}

// reserved is a store's reserved units of a SKU.
func (e *env) reserved(store, sku string) int64 {
	e.t.Helper()
	levels, err := e.db.Levels(context.Background(), store, []string{sku})
	if err != nil || len(levels) != 1 {
		e.t.Fatalf("level %s/%s: %v %v", store, sku, levels, err)
	}
	return levels[0].Reserved
}

// checkInvariants: every store's reserved equals its open reservations,
// and its ledger replays to its levels.
func (e *env) checkInvariants(stores ...string) {
	e.t.Helper()
	ctx := context.Background()
	for _, s := range stores {
		open, err := e.db.Reservations(ctx, s, "", bopis.ReservationOpen)
		if err != nil {
			e.t.Fatal(err)
		}
		sum := map[string]int64{}
		for _, r := range open {
			sum[r.SKU] += r.Quantity
		}
		levels, err := e.db.Levels(ctx, s, nil)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, l := range levels {
			if l.Reserved != sum[l.SKU] {
				e.t.Errorf("%s/%s: reserved %d, open reservations %d", s, l.SKU, l.Reserved, sum[l.SKU])
			}
		}
		storagetest.CheckReplay(e.t, e.db, s)
	}
}

// booked is how many bookings store's slots hold in all.
func (e *env) booked(store string) int {
	e.t.Helper()
	bookings, err := e.db.SlotBookings(context.Background(), store, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, b := range bookings {
		n += b
	}
	return n
}

func TestPlaceOrderAtAStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, front := orderEnv(t, db)
		opts := e.do("POST", "/v1/pickup-options", front, map[string]any{"coordinates": shopper, "radius_km": 50,
			"items": cart("B", 2), "method": "in_store", "days": 2, "limit": 1})
		earliest := opts.body["options"].([]any)[0].(map[string]any)["earliest_ready_at"]

		r := e.place(front, "k-1", orderBody(atStore("near"), "B", 2))
		if r.status != 201 {
			t.Fatalf("place: %d %s", r.status, r.raw)
		}
		o := r.body
		if o["status"] != "placed" || o["store_id"] != "near" || o["method"] != "in_store" {
			t.Fatalf("order: %s", r.raw)
		}
		if o["promised_ready_at"] != earliest {
			t.Errorf("promised_ready_at %v, want the earliest ready time checkout showed, %v", o["promised_ready_at"], earliest)
		}
		if w := o["pickup_window"].(map[string]any); w["start"] != earliest || w["end"] == nil {
			t.Errorf("pickup_window %v", w)
		}
		if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(o["pickup_code"].(string)) {
			t.Errorf("pickup_code %v", o["pickup_code"])
		}
		if p := o["payment"].(map[string]any); p["status"] != "authorized" ||
			p["authorized"].(map[string]any)["amount"] != float64(2*1999) || p["authorization_expires_at"] == nil {
			t.Errorf("payment %v", p)
		}
		if l := o["lines"].([]any)[0].(map[string]any); l["id"] == "" || l["status"] != "open" || l["location_id"] != "near" {
			t.Errorf("line %v", l)
		}
		if got := e.reserved("near", "B"); got != 2 {
			t.Errorf("reserved %d, want 2", got)
		}
		id := o["id"].(string)
		if g := e.do("GET", "/v1/orders/"+id, front, nil); g.status != 200 || g.body["pickup_code"] != o["pickup_code"] {
			t.Errorf("get: %d %s", g.status, g.raw)
		}
		ev := e.do("GET", "/v1/orders/"+id+"/events", front, nil)
		if data := ev.body["data"].([]any); len(data) != 1 || data[0].(map[string]any)["type"] != "order.placed" {
			t.Errorf("timeline: %s", ev.raw)
		}
		e.checkInvariants("near")
	})
}

func TestPlaceOrderIdempotency(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, front := orderEnv(t, db)
		body := orderBody(atStore("mid"), "A", 1)
		first := e.place(front, "same", body)
		if first.status != 201 {
			t.Fatalf("%d %s", first.status, first.raw)
		}
		// A restarted server answers the same order from the database.
		e2 := newEnvAt(t, db, func() time.Time { return checkoutNow })
		again := e2.place(front, "same", body)
		if again.status != 201 || again.body["id"] != first.body["id"] || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %s", again.status, again.raw)
		}
		if got := e.reserved("mid", "A"); got != 1 {
			t.Errorf("reserved %d after a replay, want 1", got)
		}
		other := orderBody(atStore("mid"), "A", 2)
		if r := e.place(front, "same", other); r.status != 422 || !r.names("header.Idempotency-Key") {
			t.Errorf("other body under the key: %d %s", r.status, r.raw)
		}
		if r := e.place(front, "", body); r.status != 422 || !r.names("header.Idempotency-Key") {
			t.Errorf("no key: %d %s", r.status, r.raw)
		}
		e.checkInvariants("mid")
	})
}

// Retries of one order sent all at once (a client that timed out and
// resent several times) make one order: every answer is that order, and
// its unit is reserved once.
func TestConcurrentRetriesWithOneKeyMakeOneOrder(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, front := orderEnv(t, db)
		body := orderBody(atStore("mid"), "A", 1)
		const tries = 12
		answers := make([]response, tries)
		var wg sync.WaitGroup
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[i] = e.place(front, "resent", body)
			}()
		}
		wg.Wait()
		replays := 0
		for _, r := range answers {
			if r.status != 201 || r.body["id"] != answers[0].body["id"] {
				t.Fatalf("answers differ: %d %s / %s", r.status, r.raw, answers[0].raw)
			}
			if r.header.Get("Idempotent-Replayed") == "true" {
				replays++
			}
		}
		if replays != tries-1 {
			t.Errorf("%d answers replayed, want %d", replays, tries-1)
		}
		if got := e.reserved("mid", "A"); got != 1 {
			t.Errorf("reserved %d, want 1", got)
		}
		e.checkInvariants("mid")
	})
}

func TestPlaceOrderValidation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, front := orderEnv(t, db)
		bad := orderBody(map[string]any{"method": "drone"}, "A", 0)
		bad["customer"] = map[string]any{"name": "", "email": "not-an-email"}
		bad["payment"] = map[string]any{"token": "", "capture": "whenever"}
		r := e.place(front, "v-1", bad)
		if r.status != 422 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		for _, loc := range []string{"body.customer.name", "body.customer.email", "body.pickup", "body.pickup.method",
			"body.lines[0].quantity", "body.payment.token", "body.payment.capture"} {
			if !r.names(loc) {
				t.Errorf("not named: %s in %v", loc, r.locations())
			}
		}
		ship := orderBody(atStore("mid"), "A", 1)
		ship["lines"] = append(ship["lines"].([]any), map[string]any{"sku": "C", "quantity": 1,
			"unit_price": map[string]any{"amount": 500, "currency": "USD"}, "fulfillment": "ship"})
		if r := e.place(front, "v-2", ship); r.status != 422 || !r.names("body.shipping_address") {
			t.Errorf("ship line without an address: %d %s", r.status, r.raw)
		}
		if r := e.place(front, "v-3", orderBody(atStore("nowhere"), "A", 1)); r.status != 404 || !r.names("body.pickup.store_id") {
			t.Errorf("unknown store: %d %s", r.status, r.raw)
		}
		slot := atStore("mid")
		slot["slot"] = map[string]any{"start": "2026-11-23T14:30:00-06:00"}
		if r := e.place(front, "v-4", orderBody(slot, "A", 1)); r.status != 422 || !r.names("body.pickup.slot.start") {
			t.Errorf("slot before prep is done: %d %s", r.status, r.raw)
		}
		e.checkInvariants("mid")
	})
}

func TestOrderRoutingAndShortfall(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, front := orderEnv(t, db)
		byCoords := map[string]any{"coordinates": shopper, "method": "in_store"}
		// near has only 1 A: two A go to mid, the nearest with everything.
		r := e.place(front, "r-1", orderBody(byCoords, "A", 2, "B", 1))
		if r.status != 201 || r.body["store_id"] != "mid" {
			t.Fatalf("routed: %d %s", r.status, r.raw)
		}
		if rt := r.body["routing"].(map[string]any); rt["requested"] != false || rt["distance_km"] == nil {
			t.Errorf("routing %v", rt)
		}
		// At a named store that is short: 409 naming the line, with alternatives.
		r = e.place(front, "r-2", orderBody(atStore("near"), "B", 1, "A", 3))
		if r.status != 409 || !r.names("body.lines[1]") || r.names("body.lines[0]") {
			t.Fatalf("shortfall: %d %s", r.status, r.raw)
		}
		alts, _ := r.body["alternatives"].([]any)
		if len(alts) == 0 || alts[0].(map[string]any)["store_id"] != "mid" {
			t.Errorf("alternatives %v", r.body["alternatives"])
		}
		if got := e.reserved("near", "B"); got != 0 {
			t.Errorf("a failed order left %d B reserved", got)
		}
		// Nothing within reach has 500.
		if r := e.place(front, "r-3", orderBody(byCoords, "A", 500)); r.status != 409 {
			t.Errorf("no store: %d %s", r.status, r.raw)
		}
		e.checkInvariants("near", "mid")
	})
}

// The read model may believe a store has stock it no longer has: the
// database decides, and routing moves on to the next store.
func TestRoutingSkipsAStoreTheReadModelOverrates(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, front := orderEnv(t, db)
		// mid sells out behind the read model's back (no sync).
		if _, err := db.CountStore(context.Background(), "mid", checkoutNow.Add(time.Second),
			[]bopis.Count{{SKU: "A", OnHand: 0}, {SKU: "B", OnHand: 5}, {SKU: "C", OnHand: 3}}); err != nil {
			t.Fatal(err)
		}
		r := e.place(front, "s-1", orderBody(map[string]any{"coordinates": shopper, "method": "in_store", "radius_km": 500}, "A", 2))
		if r.status != 201 || r.body["store_id"] != "far" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		if tried := r.body["routing"].(map[string]any)["tried"].([]any); len(tried) != 1 || tried[0] != "mid" {
			t.Errorf("tried %v", tried)
		}
		e.checkInvariants("mid", "far")
	})
}

func TestSlotCapacityIsNeverExceeded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, front := orderEnv(t, db)
		first := e.place(front, "c-1", orderBody(atStore("far"), "A", 1))
		if first.status != 201 {
			t.Fatalf("%d %s", first.status, first.raw)
		}
		slot := atStore("far")
		slot["slot"] = first.body["pickup_window"]
		// 20 shoppers want the same slot of capacity 2 at once: one more gets it.
		var wg sync.WaitGroup
		var ok, full atomic.Int32
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, _ := json.Marshal(orderBody(slot, "A", 1))
				switch status := post(e.url+"/v1/orders", front, fmt.Sprintf("cap-%d", i), b); status {
				case 201:
					ok.Add(1)
				case 409:
					full.Add(1)
				default:
					t.Errorf("status %d", status)
				}
			}()
		}
		wg.Wait()
		if ok.Load() != 1 || full.Load() != 19 {
			t.Fatalf("%d placed, %d refused; want 1 and 19 (capacity 2)", ok.Load(), full.Load())
		}
		// Without a chosen slot the next order takes the next slot with room.
		next := e.place(front, "c-2", orderBody(atStore("far"), "A", 1))
		if next.status != 201 || next.body["promised_ready_at"] == first.body["promised_ready_at"] {
			t.Fatalf("next: %d %s", next.status, next.raw)
		}
		e.checkInvariants("far")
	})
}

// post sends an order without failing the test from a goroutine.
func post(url, key, idem string, body []byte) int {
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", idem)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

func TestPaymentDeclinedLeavesNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, front := orderEnv(t, db)
		body := orderBody(atStore("mid"), "A", 2)
		body["payment"] = map[string]any{"token": "tok_declined"}
		r := e.place(front, "d-1", body)
		if r.status != 402 || !r.names("body.payment.token") {
			t.Fatalf("declined: %d %s", r.status, r.raw)
		}
		if got := e.reserved("mid", "A"); got != 0 {
			t.Errorf("a declined order left %d reserved", got)
		}
		bookings, err := db.SlotBookings(context.Background(), "mid", 0)
		if err != nil || len(bookings) != 0 {
			t.Errorf("a declined order left bookings %v %v", bookings, err)
		}
		// Capture at placement, and an authorization that lapses soon.
		body["payment"] = map[string]any{"token": "tok_expired_soon", "capture": "at_placement"}
		r = e.place(front, "d-2", body)
		if r.status != 201 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		p := r.body["payment"].(map[string]any)
		exp, _ := time.Parse(time.RFC3339, p["authorization_expires_at"].(string))
		if p["status"] != "captured" || p["captured"].(map[string]any)["amount"] != float64(2*1999) || !exp.Equal(checkoutNow.Add(time.Hour)) {
			t.Errorf("payment %v", p)
		}
		got := e.do("GET", "/v1/orders/"+r.body["id"].(string), front, nil)
		if got.body["payment"].(map[string]any)["status"] != "captured" {
			t.Errorf("stored payment %s", got.raw)
		}
		e.checkInvariants("mid")
	})
}

func TestMixedCart(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, front := orderEnv(t, db)
		body := orderBody(atStore("mid"), "A", 1)
		shipLine := func(sku string) map[string]any {
			return map[string]any{"sku": sku, "quantity": 2, "unit_price": map[string]any{"amount": 500, "currency": "USD"}, "fulfillment": "ship"}
		}
		body["lines"] = append(body["lines"].([]any), shipLine("C"))
		body["shipping_address"] = map[string]any{"name": "Ana", "line1": "1 Elm St", "city": "Chicago", "postal_code": "60601", "country": "US"}
		r := e.place(front, "m-1", body)
		if r.status != 201 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		lines := r.body["lines"].([]any)
		if l := lines[1].(map[string]any); l["fulfillment"] != "ship" || l["location_id"] != "wh" || l["status"] != "open" {
			t.Errorf("ship line %v", l)
		}
		if amt := r.body["payment"].(map[string]any)["authorized"].(map[string]any)["amount"]; amt != float64(1999+2*500) {
			t.Errorf("authorized %v, want pickup and ship lines", amt)
		}
		if got := e.reserved("wh", "C"); got != 2 {
			t.Errorf("warehouse reserved %d", got)
		}
		// B is in no warehouse: recorded unreserved for the OMS, and carried in the events.
		body["lines"] = append(body["lines"].([]any)[:1], shipLine("B"))
		r = e.place(front, "m-2", body)
		if r.status != 201 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		if l := r.body["lines"].([]any)[1].(map[string]any); l["status"] != "unreserved" || l["location_id"] != nil {
			t.Errorf("unreserved ship line %v", l)
		}
		ev := e.do("GET", "/v1/orders/"+r.body["id"].(string)+"/events", front, nil)
		if !bytes.Contains(ev.raw, []byte(`"ship_lines"`)) {
			t.Errorf("placed event does not carry the ship lines: %s", ev.raw)
		}
		e.checkInvariants("mid", "wh")
	})
}

func TestHolds(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) { testHolds(t, backend) })
	}
}

func testHolds(t *testing.T, backend string) {
	clock := storagetest.NewClock(checkoutNow)
	db := storagetest.Open(t, backend, clock.Now) // the server and the database share the clock
	e := newEnvAt(t, db, clock.Now)
	orderNetwork(t, e)
	front := e.key(bopis.RoleStorefront)
	holdBody := map[string]any{"pickup": atStore("mid"), "lines": orderBody(nil, "A", 3)["lines"], "ttl_seconds": 300}
	h := e.do("POST", "/v1/holds", front, holdBody)
	if h.status != 201 || h.body["status"] != "active" || h.body["expires_at"] == nil {
		t.Fatalf("hold: %d %s", h.status, h.raw)
	}
	if got := e.reserved("mid", "A"); got != 3 {
		t.Fatalf("held %d", got)
	}
	// Convert it: the order takes the hold's stock and slot.
	body := orderBody(map[string]any{"method": "in_store"}, "A", 3)
	body["hold_id"] = h.body["id"]
	o := e.place(front, "h-1", body)
	if o.status != 201 || o.body["store_id"] != "mid" || o.body["pickup_window"].(map[string]any)["start"] != h.body["pickup_window"].(map[string]any)["start"] {
		t.Fatalf("convert: %d %s", o.status, o.raw)
	}
	if got := e.reserved("mid", "A"); got != 3 {
		t.Errorf("reserved %d after converting, want the hold's 3", got)
	}
	body["external_id"] = "again"
	if r := e.place(front, "h-2", body); r.status != 409 || !r.names("body.hold_id") {
		t.Errorf("converting twice: %d %s", r.status, r.raw)
	}

	// A hold that nobody converts expires, with no request coming in.
	h2 := e.do("POST", "/v1/holds", front, holdBody)
	if h2.status != 201 || e.reserved("mid", "A") != 6 {
		t.Fatalf("second hold: %d %s", h2.status, h2.raw)
	}
	clock.Advance(299 * time.Second)
	if n, _ := db.ExpireHolds(context.Background()); n != 0 {
		t.Fatalf("expired %d holds a second early", n)
	}
	clock.Advance(time.Second)
	if n, err := db.ExpireHolds(context.Background()); n != 1 || err != nil {
		t.Fatalf("expired %d, %v", n, err)
	}
	if got := e.reserved("mid", "A"); got != 3 {
		t.Errorf("reserved %d after expiry, want 3", got)
	}
	if g := e.do("GET", "/v1/holds/"+h2.body["id"].(string), front, nil); g.body["status"] != "expired" {
		t.Errorf("hold %s", g.raw)
	}
	// Released early.
	h3 := e.do("POST", "/v1/holds", front, holdBody)
	if d := e.do("DELETE", "/v1/holds/"+h3.body["id"].(string), front, nil); d.status != 200 || d.body["status"] != "released" {
		t.Errorf("release: %d %s", d.status, d.raw)
	}
	if got := e.reserved("mid", "A"); got != 3 {
		t.Errorf("reserved %d after release", got)
	}
	// Another storefront cannot see or release it.
	other := e.key(bopis.RoleStorefront)
	if g := e.do("GET", "/v1/holds/"+h3.body["id"].(string), other, nil); g.status != 404 {
		t.Errorf("other key: %d", g.status)
	}
	if n := e.booked("mid"); n != 1 {
		t.Errorf("%d slot bookings, want the one order's", n)
	}
	e.checkInvariants("mid")
}

func TestOrderReadsAreScoped(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnvAt(t, db, func() time.Time { return checkoutNow })
		admin := orderNetwork(t, e)
		front, otherFront := e.key(bopis.RoleStorefront), e.key(bopis.RoleStorefront)
		var ids []string
		for i, store := range []string{"mid", "mid", "far"} {
			r := e.place(front, fmt.Sprint("q-", i), orderBody(atStore(store), "B", 1))
			if r.status != 201 {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			ids = append(ids, r.body["id"].(string))
		}
		midKey, farKey := e.key(bopis.RoleStore, "mid"), e.key(bopis.RoleStore, "far")
		if r := e.do("GET", "/v1/orders/"+ids[0], otherFront, nil); r.status != 404 {
			t.Errorf("another storefront's order: %d", r.status)
		}
		if r := e.do("GET", "/v1/orders/"+ids[0], farKey, nil); r.status != 404 {
			t.Errorf("another store's order: %d", r.status)
		}
		if r := e.do("GET", "/v1/orders/"+ids[0], midKey, nil); r.status != 200 {
			t.Errorf("own store's order: %d", r.status)
		}
		if r := e.do("GET", "/v1/orders?store_id=mid", farKey, nil); r.status != 403 {
			t.Errorf("listing another store: %d", r.status)
		}
		// The queue, a page at a time, by promised time.
		page1 := e.do("GET", "/v1/orders?store_id=mid&status=placed&limit=1", midKey, nil)
		page2 := e.do("GET", "/v1/orders?store_id=mid&status=placed&limit=1&cursor="+page1.body["next_cursor"].(string), midKey, nil)
		got := []any{page1.body["data"].([]any)[0].(map[string]any)["id"], page2.body["data"].([]any)[0].(map[string]any)["id"]}
		if got[0] == got[1] || page2.body["next_cursor"] != nil && len(e.do("GET", "/v1/orders?store_id=mid&limit=5&cursor="+page2.body["next_cursor"].(string), midKey, nil).body["data"].([]any)) != 0 {
			t.Errorf("pages %v", got)
		}
		if all := e.do("GET", "/v1/orders", admin, nil); len(all.body["data"].([]any)) != 3 {
			t.Errorf("admin sees %s", all.raw)
		}
		if mine := e.do("GET", "/v1/orders", otherFront, nil); len(mine.body["data"].([]any)) != 0 {
			t.Errorf("another storefront lists %s", mine.raw)
		}
		if pos := e.do("GET", "/v1/orders", e.key(bopis.RolePOS, "mid"), nil); pos.status != 403 {
			t.Errorf("pos key: %d", pos.status)
		}
	})
}

// The flash sale: many shoppers at once for the last units of one SKU at
// one store: exactly the stock is sold, every other attempt is a 409.
func TestFlashSaleNeverOversells(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnvAt(t, db, func() time.Time { return checkoutNow })
		admin := e.key(bopis.RoleAdmin)
		s := storagetest.Store("hot")
		s.SlotCapacity = 0
		if _, err := db.PutStore(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		db.PutSKU(context.Background(), storagetest.SKU("HOT"))
		const stock, clients, tries = 60, 32, 4
		if _, err := db.CountStore(context.Background(), "hot", checkoutNow, []bopis.Count{{SKU: "HOT", OnHand: stock}}); err != nil {
			t.Fatal(err)
		}
		e.sync()
		ok, short, other := rush([]string{e.url}, admin, clients, tries)
		if ok != stock || short != clients*tries-stock || other != 0 {
			t.Fatalf("%d sold, %d refused, %d other; want %d, %d, 0", ok, short, other, stock, clients*tries-stock)
		}
		levels, _ := db.Levels(context.Background(), "hot", []string{"HOT"})
		if levels[0].Reserved != stock || levels[0].Available != 0 {
			t.Errorf("level %+v", levels[0])
		}
		if n := e.booked("hot"); n != stock {
			t.Errorf("%d slot bookings, want one for each of the %d orders", n, stock)
		}
		e.checkInvariants("hot")
	})
}

// Two bopis servers, each with its own connection pool and read model, on
// one PostgreSQL database: the flash sale still sells exactly the stock
// (the conditional reservation lives in the database, not in a process).
func TestFlashSaleTwoServersOnePostgres(t *testing.T) {
	if !slices.Contains(storagetest.Backends(), "postgres") {
		t.Skip("needs PostgreSQL: set " + storagetest.PostgresEnv)
	}
	url := storagetest.URL(t, "postgres")
	open := func() *storage.DB {
		db, err := storage.Open(context.Background(), storage.Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db1, db2 := open(), open()
	e1 := newEnvAt(t, db1, func() time.Time { return checkoutNow })
	e2 := newEnvAt(t, db2, func() time.Time { return checkoutNow })
	ctx := context.Background()
	s := storagetest.Store("hot")
	s.SlotCapacity = 0
	if _, err := db1.PutStore(ctx, s); err != nil {
		t.Fatal(err)
	}
	db1.PutSKU(ctx, storagetest.SKU("HOT"))
	const stock, clients, tries = 50, 32, 4
	if _, err := db1.CountStore(ctx, "hot", checkoutNow, []bopis.Count{{SKU: "HOT", OnHand: stock}}); err != nil {
		t.Fatal(err)
	}
	e1.sync()
	e2.sync()
	key := e1.key(bopis.RoleStorefront)
	ok, short, other := rush([]string{e1.url, e2.url}, key, clients, tries)
	if ok != stock || short != clients*tries-stock || other != 0 {
		t.Fatalf("%d sold, %d refused, %d other; want %d, %d, 0", ok, short, other, stock, clients*tries-stock)
	}
	if n := e1.booked("hot"); n != stock {
		t.Errorf("%d slot bookings, want one for each of the %d orders", n, stock)
	}
	e1.checkInvariants("hot")
}

// rush has clients each try to buy one HOT at store "hot" tries times,
// spread over the servers at urls, and counts the answers.
func rush(urls []string, key string, clients, tries int) (ok, short, other int32) {
	var wg sync.WaitGroup
	var nOK, nShort, nOther atomic.Int32
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := urls[c%len(urls)]
			for i := range tries {
				b, _ := json.Marshal(orderBody(atStore("hot"), "HOT", 1))
				switch post(url+"/v1/orders", key, fmt.Sprintf("rush-%d-%d", c, i), b) {
				case 201:
					nOK.Add(1)
				case 409:
					nShort.Add(1)
				default:
					nOther.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return nOK.Load(), nShort.Load(), nOther.Load()
}

// TestReadModelFreshAcrossProcesses: two servers on one PostgreSQL, each
// following the change feed into its own read model as a running bopis
// does; a POS sale posted to one is visible in the other's checkout
// within a second.
func TestReadModelFreshAcrossProcesses(t *testing.T) {
	if !slices.Contains(storagetest.Backends(), "postgres") {
		t.Skip("needs PostgreSQL: set " + storagetest.PostgresEnv)
	}
	url := storagetest.URL(t, "postgres")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var servers []*env
	for range 2 {
		db, err := storage.Open(ctx, storage.Config{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		e := newEnv(t, db)
		go func() { // the poll app.Start's follower runs, every 200 ms
			var w storage.Watermark
			for ; ctx.Err() == nil; time.Sleep(200 * time.Millisecond) {
				if next, err := db.ReadChanges(ctx, w, e.model.Feed()); err == nil {
					w = next
				}
			}
		}()
		servers = append(servers, e)
	}
	a, b := servers[0], servers[1]
	s := storagetest.Store("s-1")
	s.Coordinates = bopis.Coordinates{Latitude: 41.889, Longitude: -87.63}
	if _, err := a.db.PutStore(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := a.db.PutSKU(ctx, storagetest.SKU("A1")); err != nil {
		t.Fatal(err)
	}
	pos := a.key(bopis.RolePOS, "s-1")
	front := a.key(bopis.RoleStorefront)
	available := func() float64 {
		r := b.do("GET", "/v1/availability?sku=A1&latitude=41.88&longitude=-87.63", front, nil)
		opts, _ := r.body["options"].([]any)
		if len(opts) == 0 {
			return -1
		}
		lines, _ := opts[0].(map[string]any)["lines"].([]any)
		if len(lines) == 0 {
			return -1
		}
		v, _ := lines[0].(map[string]any)["available"].(float64)
		return v
	}
	for i, count := range []int{10, 7} {
		at := time.Now().Add(-time.Minute).Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano) // a fresh feed
		ev := map[string]any{"events": []any{map[string]any{"id": fmt.Sprintf("e%d", i), "store_id": "s-1", "sku": "A1",
			"type": "snapshot", "on_hand": count, "occurred_at": at}}}
		if r := a.do("POST", "/v1/inventory/events", pos, ev); r.status != 200 {
			t.Fatalf("POS batch: %d %s", r.status, r.raw)
		}
		posted := time.Now()
		for available() != float64(count) {
			if time.Since(posted) > time.Second {
				t.Fatalf("the other process still shows %v a second after the POS said %d: %s", available(), count,
					b.do("GET", "/v1/availability?sku=A1&latitude=41.88&longitude=-87.63", front, nil).raw)
			}
			runtime.Gosched()
		}
	}
}
