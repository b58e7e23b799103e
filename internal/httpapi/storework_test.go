package httpapi_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/orders"
	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// work is a store-work test: the order network on backend, the server
// and the database sharing a clock that only the test moves, a
// storefront key, and store keys for "near" and "mid".
type work struct {
	*env
	clock          *storagetest.Clock
	front, near    string
	mid, otherShop string
}

func eachWork(t *testing.T, fn func(t *testing.T, w *work), tune ...func(*orders.Config)) {
	eachWorkWith(t, httpapi.Config{}, fn, tune...)
}

// eachWorkWith is eachWork with the server built from cfg (its clock set
// to the test's).
func eachWorkWith(t *testing.T, cfg httpapi.Config, fn func(t *testing.T, w *work), tune ...func(*orders.Config)) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			clock := storagetest.NewClock(checkoutNow)
			db := storagetest.Open(t, backend, clock.Now)
			cfg.Now = clock.Now
			e := newEnvWith(t, db, cfg, tune...)
			orderNetwork(t, e)
			fn(t, &work{env: e, clock: clock, front: e.key(bopis.RoleStorefront), near: e.key(bopis.RoleStore, "near"),
				mid: e.key(bopis.RoleStore, "mid"), otherShop: e.key(bopis.RoleStorefront)})
		})
	}
}

// act posts a store or customer action on an order.
func (w *work) act(key, id, action string, body any) response {
	w.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	return w.do("POST", "/v1/orders/"+id+"/"+action, key, body)
}

// must is act expecting 200 and the order in status.
func (w *work) must(key, id, action string, body any, status string) map[string]any {
	w.t.Helper()
	r := w.act(key, id, action, body)
	if r.status != 200 || r.body["status"] != status {
		w.t.Fatalf("%s: %d %s, want 200 %s", action, r.status, r.raw, status)
	}
	return r.body
}

// order places lines (sku, quantity, ...) for pickup at store and returns its id.
func (w *work) order(store, method string, lines ...any) string {
	w.t.Helper()
	body := orderBody(map[string]any{"store_id": store, "method": method}, lines...)
	r := w.place(w.front, fmt.Sprintf("k-%d", w.clock.Now().UnixNano()), body)
	if r.status != 201 {
		w.t.Fatalf("place: %d %s", r.status, r.raw)
	}
	w.clock.Advance(time.Microsecond) // a fresh idempotency key for the next
	return r.body["id"].(string)
}

func picks(lines ...any) map[string]any {
	var out []any
	for i := 0; i < len(lines); i += 2 {
		out = append(out, map[string]any{"line_id": lines[i], "picked_quantity": lines[i+1]})
	}
	return map[string]any{"lines": out}
}

func line(o map[string]any, i int) map[string]any { return o["lines"].([]any)[i].(map[string]any) }

func amount(m any) float64 { return m.(map[string]any)["amount"].(float64) }

// timeline is the event types of an order's timeline.
func (w *work) timeline(key, id string) []string {
	w.t.Helper()
	r := w.do("GET", "/v1/orders/"+id+"/events", key, nil)
	var out []string
	for _, e := range r.body["data"].([]any) {
		out = append(out, e.(map[string]any)["type"].(string))
	}
	return out
}

// level is a store's on_hand and reserved of a SKU.
func (w *work) level(store, sku string) (onHand, reserved int64) {
	w.t.Helper()
	ls, err := w.db.Levels(context.Background(), store, []string{sku})
	if err != nil || len(ls) != 1 {
		w.t.Fatalf("level %s/%s: %v %v", store, sku, ls, err)
	}
	return ls[0].OnHand, ls[0].Reserved
}

func (w *work) gatewayPayment(o map[string]any) bopis.TestPayment {
	w.t.Helper()
	p, err := w.db.TestPayment(context.Background(), o["payment"].(map[string]any)["authorization_id"].(string))
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

func TestStoreWorkHappyPath(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		id := w.order("mid", "curbside", "A", 2, "B", 1)

		// The queue: the store's key sees it, another store's key does not.
		q := w.do("GET", "/v1/orders?store_id=mid&status=placed", w.mid, nil)
		if data := q.body["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != id {
			t.Fatalf("queue: %s", q.raw)
		}
		if r := w.act(w.near, id, "accept", nil); r.status != 404 {
			t.Errorf("another store's key accepting: %d %s", r.status, r.raw)
		}
		if r := w.act(w.front, id, "accept", nil); r.status != 403 {
			t.Errorf("a storefront key accepting: %d", r.status)
		}
		if r := w.act(w.mid, id, "ready", map[string]any{"staging_location": "B3"}); r.status != 409 {
			t.Errorf("ready before picking: %d %s", r.status, r.raw)
		}
		w.must(w.mid, id, "accept", nil, "accepted")
		w.must(w.mid, id, "accept", nil, "accepted") // a retried tap answers the same order
		o := w.must(w.mid, id, "pick", picks("l1", 2), "picking")
		if line(o, 0)["status"] != "picked" || line(o, 1)["status"] != "open" {
			t.Fatalf("after picking l1: %v", o["lines"])
		}
		if r := w.act(w.mid, id, "ready", map[string]any{"staging_location": "B3"}); r.status != 409 || !r.names("body.lines[1]") {
			t.Errorf("ready with l2 unpicked: %d %s", r.status, r.raw)
		}
		if r := w.act(w.mid, id, "pick", picks("l1", 1)); r.status != 409 {
			t.Errorf("picking l1 again with another count: %d %s", r.status, r.raw)
		}
		if r := w.act(w.mid, id, "pick", picks("l9", 1)); r.status != 422 || !r.names("body.lines[0].line_id") {
			t.Errorf("unknown line: %d %s", r.status, r.raw)
		}
		if r := w.act(w.mid, id, "pick", picks("l2", 2)); r.status != 422 || !r.names("body.lines[0].picked_quantity") {
			t.Errorf("over-pick: %d %s", r.status, r.raw)
		}
		w.must(w.mid, id, "pick", picks("l2", 1), "picking")
		if r := w.act(w.mid, id, "ready", nil); r.status != 422 || !r.names("body.staging_location") {
			t.Errorf("ready without a staging location: %d %s", r.status, r.raw)
		}
		o = w.must(w.mid, id, "ready", map[string]any{"staging_location": "B3"}, "ready")
		// Ready Monday 14:10 in Chicago, held 3 open days: to Wednesday's closing.
		if o["hold_until"] != "2026-11-25T21:00:00-06:00" || o["staging_location"] != "B3" {
			t.Errorf("hold_until %v staging %v", o["hold_until"], o["staging_location"])
		}
		w.must(w.mid, id, "ready", map[string]any{"staging_location": "B3"}, "ready")

		// Curbside: the customer says they are here.
		a := w.must(w.front, id, "arrival", map[string]any{"parking_spot": "4", "vehicle": "red Civic"}, "ready")
		if a["arrived_at"] == nil {
			t.Errorf("arrived_at %v", a["arrived_at"])
		}
		if arr := a["arrival"].(map[string]any); arr["parking_spot"] != "4" || arr["vehicle"] != "red Civic" {
			t.Errorf("arrival %v", arr)
		}
		w.clock.Advance(3 * time.Minute)
		if r := w.act(w.mid, id, "handoff", map[string]any{"pickup_code": wrongCode(o)}); r.status != 422 || !r.names("body.pickup_code") {
			t.Fatalf("wrong code: %d %s", r.status, r.raw)
		}
		h := w.must(w.mid, id, "handoff", map[string]any{"pickup_code": o["pickup_code"]}, "picked_up")
		p := h["payment"].(map[string]any)
		if p["status"] != "captured" || amount(p["captured"]) != 3*1999 {
			t.Errorf("payment after handoff: %v", p)
		}
		if g := w.gatewayPayment(h); g.Status != bopis.PaymentCaptured || g.Captured != 3*1999 {
			t.Errorf("the gateway holds %+v", g)
		}
		if on, res := w.level("mid", "A"); on != 6 || res != 0 {
			t.Errorf("mid A on_hand %d reserved %d, want 6 0", on, res)
		}
		if on, res := w.level("mid", "B"); on != 4 || res != 0 {
			t.Errorf("mid B on_hand %d reserved %d, want 4 0", on, res)
		}
		w.must(w.mid, id, "handoff", map[string]any{"pickup_code": o["pickup_code"]}, "picked_up")
		if r := w.act(w.mid, id, "cancel", map[string]any{"reason": "too late"}); r.status != 409 {
			t.Errorf("cancel after pickup: %d %s", r.status, r.raw)
		}
		want := []string{"order.placed", "order.accepted", "order.picking", "order.picking", "order.ready", "order.arrived",
			"order.handoff_refused", "order.picked_up", "payment.captured"}
		if got := w.timeline(w.front, id); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("timeline %v\nwant     %v", got, want)
		}
		// Published events reach the outbox; timeline-only ones do not.
		events, _, err := w.db.OutboxEvents(context.Background(), "", bopis.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, e := range events {
			if e.Subject == id {
				types = append(types, e.Type)
			}
		}
		if strings.Join(types, " ") != "order.placed order.accepted order.ready order.arrived order.picked_up" {
			t.Errorf("outbox: %v", types)
		}
		// Arrival to handoff, 3 minutes, in the store's histogram.
		m := string(w.do("GET", "/metrics", "", nil).raw)
		if !strings.Contains(m, `bopis_curbside_wait_seconds_sum{store_id="mid"} 180`) ||
			!strings.Contains(m, `bopis_curbside_wait_seconds_count{store_id="mid"} 1`) {
			t.Errorf("curbside wait histogram missing:\n%s", grepLines(m, "curbside"))
		}
		w.checkInvariants("mid")
	})
}

func wrongCode(o map[string]any) string {
	if o["pickup_code"] == "000000" {
		return "000001"
	}
	return "000000"
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestShortPickContinues(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		id := w.order("mid", "in_store", "A", 3, "B", 1)
		w.must(w.mid, id, "accept", nil, "accepted")
		o := w.must(w.mid, id, "pick", picks("l1", 1, "l2", 1), "picking")
		if l := line(o, 0); l["status"] != "short" || l["picked_quantity"] != float64(1) {
			t.Fatalf("short line: %v", l)
		}
		// The store had 2 fewer A than it thought: on_hand corrected, the
		// 2 unpicked units' reservation released.
		if on, res := w.level("mid", "A"); on != 6 || res != 1 {
			t.Errorf("mid A on_hand %d reserved %d, want 6 1", on, res)
		}
		ledger := w.ledgerRaw(w.key(bopis.RoleAdmin), "mid")
		if !regexp.MustCompile(`"cause":"short_pick","reference":"` + id + `"[^}]*"on_hand_delta":-2,"reserved_delta":-2`).MatchString(ledger) {
			t.Errorf("no short_pick ledger row: %s", ledger)
		}
		o = w.must(w.mid, id, "ready", map[string]any{"staging_location": "front desk"}, "ready")
		h := w.must(w.mid, id, "handoff", map[string]any{"pickup_code": o["pickup_code"]}, "picked_up")
		// Paid for what was handed over: 1 A and 1 B.
		if p := h["payment"].(map[string]any); amount(p["captured"]) != 2*1999 || p["status"] != "captured" {
			t.Errorf("payment %v", p)
		}
		if g := w.gatewayPayment(h); g.Captured != 2*1999 {
			t.Errorf("the gateway captured %d", g.Captured)
		}
		if tl := strings.Join(w.timeline(w.front, id), " "); !strings.Contains(tl, "order.short_picked") {
			t.Errorf("timeline: %s", tl)
		}
		w.checkInvariants("mid")
	})
}

func TestShortPickReroutes(t *testing.T) {
	reroute := func(c *orders.Config) { c.ShortPick = bopis.ShortPickReroute }
	eachWork(t, func(t *testing.T, w *work) {
		// near has B 5; the associate finds 1 of 4: the other 3 go to mid.
		id := w.order("near", "in_store", "B", 4)
		w.must(w.near, id, "accept", nil, "accepted")
		o := w.must(w.near, id, "pick", picks("l1", 1), "picking")
		l := line(o, 0)
		linked, _ := l["linked_order_id"].(string)
		if l["status"] != "rerouted" || linked == "" {
			t.Fatalf("rerouted line: %v", l)
		}
		c := w.do("GET", "/v1/orders/"+linked, w.front, nil)
		if c.status != 200 || c.body["store_id"] != "mid" || c.body["status"] != "placed" || c.body["parent_order_id"] != id ||
			c.body["pickup_code"] == o["pickup_code"] || line(c.body, 0)["sku"] != "B" || line(c.body, 0)["quantity"] != float64(3) {
			t.Fatalf("linked order: %d %s", c.status, c.raw)
		}
		if p := c.body["payment"].(map[string]any); p["covered_by"] != id || amount(p["authorized"]) != 3*1999 {
			t.Errorf("linked payment: %v", p)
		}
		if on, res := w.level("near", "B"); on != 2 || res != 1 {
			t.Errorf("near B %d/%d, want on_hand 2 reserved 1", on, res)
		}
		if _, res := w.level("mid", "B"); res != 3 {
			t.Errorf("mid B reserved %d, want 3", res)
		}
		o = w.must(w.near, id, "ready", map[string]any{"staging_location": "S1"}, "ready")
		h := w.must(w.near, id, "handoff", map[string]any{"pickup_code": o["pickup_code"]}, "picked_up")
		// The family is not closed yet: nothing captured.
		if p := h["payment"].(map[string]any); p["status"] != "authorized" {
			t.Errorf("payment before the linked order closes: %v", p)
		}
		w.must(w.mid, linked, "accept", nil, "accepted")
		w.must(w.mid, linked, "pick", picks("l1", 3), "picking")
		w.must(w.mid, linked, "ready", map[string]any{"staging_location": "S2"}, "ready")
		ch := w.must(w.mid, linked, "handoff", map[string]any{"pickup_code": c.body["pickup_code"]}, "picked_up")
		if p := ch["payment"].(map[string]any); p["status"] != "captured" || amount(p["captured"]) != 3*1999 {
			t.Errorf("linked payment after its handoff: %v", p)
		}
		root := w.do("GET", "/v1/orders/"+id, w.front, nil).body
		if p := root["payment"].(map[string]any); p["status"] != "captured" || amount(p["captured"]) != 4*1999 {
			t.Errorf("root payment: %v", p)
		}
		if g := w.gatewayPayment(root); g.Captured != 4*1999 || g.Status != bopis.PaymentCaptured {
			t.Errorf("gateway %+v, want 4 units captured once", g)
		}

		// C: only mid has it nearby; nowhere else to go, so the line stays short.
		id2 := w.order("mid", "in_store", "C", 3)
		w.must(w.mid, id2, "accept", nil, "accepted")
		o2 := w.must(w.mid, id2, "pick", picks("l1", 1), "picking")
		if l := line(o2, 0); l["status"] != "short" || l["linked_order_id"] != nil {
			t.Errorf("unroutable short line: %v", l)
		}
		w.checkInvariants("near", "mid")
	}, reroute)
}

func TestSubstitutions(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		// mid: A 8, B 5, C 3.
		id := w.order("mid", "in_store", "A", 1, "B", 2)
		w.must(w.mid, id, "accept", nil, "accepted")
		sub := func(lineID string, picked int, sku string, qty int, price any) map[string]any {
			s := map[string]any{"sku": sku, "quantity": qty}
			if price != nil {
				s["unit_price"] = map[string]any{"amount": price, "currency": "USD"}
			}
			return map[string]any{"line_id": lineID, "picked_quantity": picked, "substitute": s}
		}
		if r := w.act(w.mid, id, "pick", map[string]any{"lines": []any{sub("l1", 0, "C", 1, 5000)}}); r.status != 422 ||
			!r.names("body.lines[0].substitute") {
			t.Errorf("a dearer substitute: %d %s", r.status, r.raw)
		}
		if r := w.act(w.mid, id, "pick", map[string]any{"lines": []any{sub("l2", 0, "A", 100, 1)}}); r.status != 409 ||
			!r.names("body.lines[0].substitute.sku") {
			t.Errorf("a substitute not in stock: %d %s", r.status, r.raw)
		}
		if on, res := w.level("mid", "B"); on != 5 || res != 2 {
			t.Fatalf("a refused pick changed B: %d/%d", on, res)
		}
		o := w.must(w.mid, id, "pick", map[string]any{"lines": []any{sub("l1", 0, "C", 1, nil), sub("l2", 0, "A", 2, 999)}}, "picking")
		if s := line(o, 0)["substitute"].(map[string]any); s["status"] != "proposed" || s["answer_by"] == nil ||
			amount(s["unit_price"]) != 1999 || line(o, 0)["status"] != "substitution_proposed" {
			t.Fatalf("proposed: %v", line(o, 0))
		}
		// l1 (A) and l2 (B) found nothing; their substitutes are held: C 1, A 2.
		if _, res := w.level("mid", "A"); res != 2 {
			t.Errorf("A reserved %d, want the 2 proposed", res)
		}
		if _, res := w.level("mid", "C"); res != 1 {
			t.Errorf("C reserved %d, want the 1 proposed", res)
		}
		if r := w.act(w.mid, id, "ready", map[string]any{"staging_location": "X"}); r.status != 409 {
			t.Errorf("ready with substitutes unanswered: %d %s", r.status, r.raw)
		}
		if r := w.act(w.mid, id, "substitutions/l1/approve", nil); r.status != 403 {
			t.Errorf("a store key answering for the customer: %d", r.status)
		}
		if r := w.act(w.otherShop, id, "substitutions/l1/approve", nil); r.status != 404 {
			t.Errorf("another storefront's key: %d", r.status)
		}
		o = w.must(w.front, id, "substitutions/l1/approve", nil, "picking")
		if line(o, 0)["status"] != "substituted" {
			t.Errorf("approved line: %v", line(o, 0))
		}
		w.must(w.front, id, "substitutions/l1/approve", nil, "picking")
		if r := w.act(w.front, id, "substitutions/l1/reject", nil); r.status != 409 {
			t.Errorf("changing an answer: %d %s", r.status, r.raw)
		}
		o = w.must(w.front, id, "substitutions/l2/reject", nil, "picking")
		if line(o, 1)["status"] != "short" {
			t.Errorf("rejected line: %v", line(o, 1))
		}
		if _, res := w.level("mid", "A"); res != 0 {
			t.Errorf("A reserved %d after the rejection, want 0", res)
		}
		o = w.must(w.mid, id, "ready", map[string]any{"staging_location": "X"}, "ready")
		h := w.must(w.mid, id, "handoff", map[string]any{"pickup_code": o["pickup_code"]}, "picked_up")
		// Handed over: the approved C only (1999), not A or B.
		if p := h["payment"].(map[string]any); amount(p["captured"]) != 1999 {
			t.Errorf("captured %v, want the approved substitute's 1999", p["captured"])
		}
		if on, res := w.level("mid", "C"); on != 2 || res != 0 {
			t.Errorf("C %d/%d, want 2/0 after handing over the substitute", on, res)
		}

		// No answer in time counts as no.
		id2 := w.order("mid", "in_store", "B", 1)
		w.must(w.mid, id2, "accept", nil, "accepted")
		w.must(w.mid, id2, "pick", map[string]any{"lines": []any{sub("l1", 0, "A", 1, nil)}}, "picking")
		w.clock.Advance(bopis.DefaultSubstitutionTimeout - time.Second)
		if n, err := w.db.ExpireSubstitutions(context.Background()); n != 0 || err != nil {
			t.Fatalf("expired %d a second early (%v)", n, err)
		}
		w.clock.Advance(time.Second)
		if n, err := w.db.ExpireSubstitutions(context.Background()); n != 1 || err != nil {
			t.Fatalf("expired %d, %v", n, err)
		}
		if n, _ := w.db.ExpireSubstitutions(context.Background()); n != 0 {
			t.Fatalf("expired again: %d", n)
		}
		g := w.do("GET", "/v1/orders/"+id2, w.front, nil).body
		if s := line(g, 0)["substitute"].(map[string]any); s["status"] != "rejected" || s["answered_by"] != "timeout" {
			t.Errorf("timed out: %v", s)
		}
		if r := w.act(w.front, id2, "substitutions/l1/approve", nil); r.status != 409 {
			t.Errorf("approving after the deadline: %d %s", r.status, r.raw)
		}
		if r := w.act(w.mid, id2, "ready", map[string]any{"staging_location": "X"}); r.status != 409 {
			t.Errorf("ready with nothing picked: %d %s", r.status, r.raw)
		}
		w.must(w.mid, id2, "cancel", map[string]any{"reason": "nothing to hand over"}, "cancelled")
		w.checkInvariants("mid")
	})
}

func TestHandoffLocksAfterWrongCodes(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		id := w.order("mid", "in_store", "A", 1)
		w.must(w.mid, id, "accept", nil, "accepted")
		w.must(w.mid, id, "pick", picks("l1", 1), "picking")
		o := w.must(w.mid, id, "ready", map[string]any{"staging_location": "B3"}, "ready")
		wrong := map[string]any{"pickup_code": wrongCode(o)}
		for i := 1; i <= bopis.MaxHandoffAttempts; i++ {
			if r := w.act(w.mid, id, "handoff", wrong); r.status != 422 {
				t.Fatalf("wrong code %d: %d %s", i, r.status, r.raw)
			}
		}
		right := map[string]any{"pickup_code": o["pickup_code"]}
		r := w.act(w.mid, id, "handoff", right)
		if r.status != 429 || r.header.Get("Retry-After") == "" {
			t.Fatalf("the right code while locked: %d %s", r.status, r.raw)
		}
		alerts := w.do("GET", "/v1/alerts?type=handoff_locked", w.key(bopis.RoleAdmin), nil)
		if data := alerts.body["data"].([]any); len(data) != 1 || data[0].(map[string]any)["order_id"] != id {
			t.Fatalf("alerts: %s", alerts.raw)
		}
		w.clock.Advance(bopis.HandoffLock - time.Second)
		if r := w.act(w.mid, id, "handoff", right); r.status != 429 {
			t.Fatalf("a second before the lock ends: %d", r.status)
		}
		w.clock.Advance(time.Second)
		w.must(w.mid, id, "handoff", right, "picked_up")
		alerts = w.do("GET", "/v1/alerts?type=handoff_locked", w.key(bopis.RoleAdmin), nil)
		if data := alerts.body["data"].([]any); len(data) != 0 {
			t.Errorf("the alert stays open after the handoff: %s", alerts.raw)
		}
		w.checkInvariants("mid")
	})
}

func TestCancelReleasesEverything(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		ctx := context.Background()
		// One order per open status, each cancelled there.
		for _, upTo := range []string{"placed", "accepted", "picking", "ready"} {
			id := w.order("mid", "in_store", "A", 2)
			o := w.do("GET", "/v1/orders/"+id, w.front, nil).body
			steps := []struct{ action, status string }{{"accept", "accepted"}, {"pick", "picking"}, {"ready", "ready"}}
			for _, s := range steps {
				if o["status"] == upTo {
					break
				}
				body := map[string]any{}
				switch s.action {
				case "pick":
					body = picks("l1", 2)
				case "ready":
					body = map[string]any{"staging_location": "B3"}
				}
				o = w.must(w.mid, id, s.action, body, s.status)
			}
			start, _ := time.Parse(time.RFC3339, o["pickup_window"].(map[string]any)["start"].(string))
			before, _ := w.db.SlotBookings(ctx, "mid", 0)
			if r := w.act(w.front, id, "cancel", nil); r.status != 422 || !r.names("body.reason") {
				t.Errorf("cancel without a reason: %d %s", r.status, r.raw)
			}
			c := w.must(w.front, id, "cancel", map[string]any{"reason": "changed my mind"}, "cancelled")
			if _, res := w.level("mid", "A"); res != 0 {
				t.Errorf("cancelled while %s: A reserved %d", upTo, res)
			}
			after, _ := w.db.SlotBookings(ctx, "mid", 0)
			if after[start.Unix()] != before[start.Unix()]-1 {
				t.Errorf("cancelled while %s: slot bookings %d → %d", upTo, before[start.Unix()], after[start.Unix()])
			}
			if p := c["payment"].(map[string]any); p["status"] != "voided" {
				t.Errorf("cancelled while %s: payment %v", upTo, p)
			}
			if g := w.gatewayPayment(c); g.Status != bopis.PaymentVoided {
				t.Errorf("cancelled while %s: the gateway has %s", upTo, g.Status)
			}
			w.must(w.mid, id, "cancel", map[string]any{"reason": "again"}, "cancelled")
			if r := w.act(w.mid, id, "accept", nil); r.status != 409 {
				t.Errorf("accepting a cancelled order: %d", r.status)
			}
		}

		// A mixed cart: the warehouse's reservation goes too; paid at
		// placement, the refund due is shown.
		body := orderBody(atStore("mid"), "A", 1)
		body["lines"] = append(body["lines"].([]any), map[string]any{"sku": "C", "quantity": 2,
			"unit_price": map[string]any{"amount": 500, "currency": "USD"}, "fulfillment": "ship"})
		body["shipping_address"] = map[string]any{"line1": "1 Elm St", "city": "Chicago", "postal_code": "60601", "country": "US"}
		body["payment"] = map[string]any{"token": "tok_visa", "capture": "at_placement"}
		r := w.place(w.front, "mixed", body)
		if r.status != 201 {
			t.Fatalf("mixed: %d %s", r.status, r.raw)
		}
		if _, res := w.level("wh", "C"); res != 2 {
			t.Fatalf("wh C reserved %d", res)
		}
		c := w.must(w.mid, r.body["id"].(string), "cancel", map[string]any{"reason": "fraud check failed"}, "cancelled")
		if _, res := w.level("wh", "C"); res != 0 {
			t.Errorf("wh C reserved %d after cancel", res)
		}
		if p := c["payment"].(map[string]any); p["status"] != "captured" || amount(p["refund_due"]) != 1999+1000 {
			t.Errorf("payment captured at placement, then cancelled: %v", p)
		}
		w.checkInvariants("mid", "wh")
	})
}

func TestPendingSettlementIsRetried(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		ctx := context.Background()
		id := w.order("mid", "in_store", "A", 1)
		// The process dies after the cancel commits, before the gateway call:
		// the payment is left void_pending.
		c, err := w.db.Cancel(ctx, id, bopis.OrderScope{}, "crash test")
		if err != nil || c.Settlement == nil || c.Order.Payment.Status != bopis.PaymentVoidPending {
			t.Fatalf("cancel: %+v %v", c, err)
		}
		svc := orders.New(orders.Config{DB: w.db, Model: w.model, Gateway: payment.NewTest(w.db, w.clock.Now), Now: w.clock.Now})
		if n, err := svc.SettlePending(ctx); n != 1 || err != nil {
			t.Fatalf("settled %d, %v", n, err)
		}
		if n, _ := svc.SettlePending(ctx); n != 0 {
			t.Fatalf("settled again: %d", n)
		}
		o := w.do("GET", "/v1/orders/"+id, w.front, nil).body
		if g := w.gatewayPayment(o); g.Status != bopis.PaymentVoided || o["payment"].(map[string]any)["status"] != "voided" {
			t.Errorf("after the sweep: gateway %s, order %v", g.Status, o["payment"])
		}
	})
}

// TestHandoffAndCancelRace: store associates and the customer act on one
// ready order at once. Exactly one of handoff and cancel wins; the other
// side gets the order as it stands (a repeat) or 409; the payment is
// settled once; no stock is lost or double counted.
func TestHandoffAndCancelRace(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		for round := range 3 {
			id := w.order("mid", "in_store", "A", 2)
			w.must(w.mid, id, "accept", nil, "accepted")
			w.must(w.mid, id, "pick", picks("l1", 2), "picking")
			o := w.must(w.mid, id, "ready", map[string]any{"staging_location": "B3"}, "ready")
			var wg sync.WaitGroup
			results := make(chan response, 16)
			for i := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if i%2 == 0 {
						results <- w.act(w.mid, id, "handoff", map[string]any{"pickup_code": o["pickup_code"]})
					} else {
						results <- w.act(w.front, id, "cancel", map[string]any{"reason": "race"})
					}
				}()
			}
			wg.Wait()
			close(results)
			final := w.do("GET", "/v1/orders/"+id, w.front, nil).body
			for r := range results {
				if r.status == 200 && r.body["status"] != final["status"] || r.status != 200 && r.status != 409 {
					t.Errorf("round %d: %d %s; the order ended %v", round, r.status, r.raw, final["status"])
				}
			}
			closes := 0
			for _, ev := range w.timeline(w.front, id) {
				if ev == "order.picked_up" || ev == "order.cancelled" {
					closes++
				}
			}
			g := w.gatewayPayment(final)
			switch final["status"] {
			case "picked_up":
				if g.Status != bopis.PaymentCaptured || g.Captured != 2*1999 {
					t.Errorf("round %d: picked up, gateway %+v", round, g)
				}
			case "cancelled":
				if g.Status != bopis.PaymentVoided {
					t.Errorf("round %d: cancelled, gateway %+v", round, g)
				}
			default:
				t.Errorf("round %d: ended %v", round, final["status"])
			}
			if closes != 1 {
				t.Errorf("round %d: %d closing events", round, closes)
			}
		}
		w.checkInvariants("mid")
	})
}
