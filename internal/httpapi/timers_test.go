package httpapi_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/orders"
	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// timers runs the order timers as a process's sweep would.
func (w *work) timers() orders.TimerStats {
	w.t.Helper()
	st, err := w.orders.RunTimers(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}

// readyOrder places lines at store, and accepts, picks and stages them.
func (w *work) readyOrder(store, key string, lines ...any) map[string]any {
	w.t.Helper()
	id := w.order(store, "in_store", lines...)
	w.must(key, id, "accept", nil, "accepted")
	var p []any
	for i := 0; i < len(lines); i += 2 {
		p = append(p, "l"+string(rune('1'+i/2)), lines[i+1])
	}
	w.must(key, id, "pick", picks(p...), "picking")
	return w.must(key, id, "ready", map[string]any{"staging_location": "B3"}, "ready")
}

// count is how many events of typ an order's timeline has.
func (w *work) count(id, typ string) int {
	n := 0
	for _, e := range w.timeline(w.front, id) {
		if e == typ {
			n++
		}
	}
	return n
}

func at(t *testing.T, s any) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s.(string))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestNoShowExpiresAtHoldUntilAndShipsToHome(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		late := w.readyOrder("mid", w.mid, "A", 2)
		onTime := w.readyOrder("mid", w.mid, "A", 1)
		hold := at(t, late["hold_until"]) // Wednesday 21:00 in Chicago
		if !hold.Equal(at(t, onTime["hold_until"])) {
			t.Fatalf("hold_until %v and %v", late["hold_until"], onTime["hold_until"])
		}
		// Collected a minute before hold_until: never expires.
		w.clock.Advance(hold.Sub(w.clock.Now()) - time.Minute)
		w.must(w.mid, onTime["id"].(string), "handoff", map[string]any{"pickup_code": onTime["pickup_code"]}, "picked_up")
		w.clock.Advance(time.Minute - time.Second)
		if st := w.timers(); st.Expired != 0 {
			t.Fatalf("expired %d a second before hold_until", st.Expired)
		}
		w.clock.Advance(time.Second)
		if st := w.timers(); st.Expired != 1 {
			t.Fatalf("expired %d at hold_until", st.Expired)
		}
		if st := w.timers(); st.Expired != 0 {
			t.Fatalf("expired again: %d", st.Expired)
		}
		id := late["id"].(string)
		o := w.do("GET", "/v1/orders/"+id, w.front, nil).body
		if o["status"] != "expired" || o["payment"].(map[string]any)["status"] != "voided" {
			t.Fatalf("expired order: %v %v", o["status"], o["payment"])
		}
		if g := w.gatewayPayment(o); g.Status != bopis.PaymentVoided {
			t.Errorf("gateway %s", g.Status)
		}
		if w.do("GET", "/v1/orders/"+onTime["id"].(string), w.front, nil).body["status"] != "picked_up" {
			t.Error("the order collected before hold_until changed")
		}
		if on, res := w.level("mid", "A"); on != 7 || res != 0 {
			t.Errorf("mid A %d/%d, want 7 on hand (one handed over) and nothing held", on, res)
		}
		if !strings.Contains(w.ledgerRaw(w.key(bopis.RoleAdmin), "mid"), `"cause":"no_show","reference":"`+id+`"`) {
			t.Error("no no_show ledger row")
		}
		if w.count(id, "order.expired") != 1 {
			t.Error("order.expired not on the timeline once")
		}

		// Ship it home instead, from the warehouse, with a new authorization.
		addr := map[string]any{"shipping_address": map[string]any{"line1": "1 Elm St", "city": "Chicago", "postal_code": "60601",
			"country": "US"}}
		if r := w.act(w.front, id, "ship-to-home", map[string]any{"shipping_address": map[string]any{"city": "x"}}); r.status != 422 {
			t.Errorf("an incomplete address: %d %s", r.status, r.raw)
		}
		r := w.act(w.front, id, "ship-to-home", addr)
		if r.status != 201 || r.body["store_id"] != "wh" || line(r.body, 0)["fulfillment"] != "ship" ||
			line(r.body, 0)["location_id"] != "wh" || r.body["payment"].(map[string]any)["status"] != "authorized" {
			t.Fatalf("ship-to-home: %d %s", r.status, r.raw)
		}
		if _, res := w.level("wh", "A"); res != 2 {
			t.Errorf("wh A reserved %d", res)
		}
		again := w.act(w.front, id, "ship-to-home", addr)
		if again.status != 200 || again.body["id"] != r.body["id"] {
			t.Errorf("asking again: %d %s", again.status, again.raw)
		}
		if r := w.act(w.front, onTime["id"].(string), "ship-to-home", addr); r.status != 409 {
			t.Errorf("ship-to-home of a collected order: %d", r.status)
		}
		w.checkInvariants("mid", "wh")
	})
}

func TestPickupReminders(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		// near holds one day: readied at 14:10 and held until 21:00, its
		// 24 h reminder is already past and skipped.
		w.changeStore("near", func(s *bopis.Store) { s.HoldDays = 1 })
		short := w.readyOrder("near", w.near, "B", 1)
		sid := short["id"].(string)
		o := w.readyOrder("mid", w.mid, "A", 1) // held until Wednesday 21:00: reminders Tuesday 21:00 and Wednesday 19:00
		id := o["id"].(string)
		if h := at(t, short["hold_until"]); h.Sub(w.clock.Now()) > 7*time.Hour {
			t.Fatalf("one-day hold_until %v", short["hold_until"])
		}
		if st := w.timers(); st.Reminded != 0 {
			t.Fatalf("reminded %d at once", st.Reminded)
		}
		w.clock.Advance(at(t, short["hold_until"]).Add(-2 * time.Hour).Sub(w.clock.Now()))
		if st := w.timers(); st.Reminded != 1 || w.count(sid, "order.pickup_reminder") != 1 {
			t.Fatalf("2 h reminder on a one-day hold: %d", st.Reminded)
		}

		hold := at(t, o["hold_until"])
		w.clock.Advance(hold.Add(-24*time.Hour).Sub(w.clock.Now()) - time.Second)
		if st := w.timers(); st.Reminded != 0 {
			t.Fatalf("reminded a second early")
		}
		w.clock.Advance(time.Second)
		if st := w.timers(); st.Reminded != 1 {
			t.Fatalf("24 h reminder: %d", st.Reminded)
		}
		if st := w.timers(); st.Reminded != 0 {
			t.Fatal("reminded twice")
		}
		w.clock.Advance(22 * time.Hour)
		if st := w.timers(); st.Reminded != 1 {
			t.Fatalf("2 h reminder: %d", st.Reminded)
		}
		w.timers()
		if n := w.count(id, "order.pickup_reminder"); n != 2 {
			t.Errorf("%d reminders on the timeline", n)
		}
		if n := w.count(sid, "order.pickup_reminder"); n != 1 {
			t.Errorf("the one-day order got %d reminders", n)
		}
	})
}

func TestLateOrdersAreReportedOnce(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		id := w.order("mid", "in_store", "A", 1)
		o := w.do("GET", "/v1/orders/"+id, w.front, nil).body
		promised := at(t, o["promised_ready_at"])
		w.clock.Advance(promised.Add(15*time.Minute).Sub(w.clock.Now()) - time.Second)
		if st := w.timers(); st.Delayed != 0 {
			t.Fatal("reported late within the grace")
		}
		w.clock.Advance(time.Second)
		if st := w.timers(); st.Delayed != 1 {
			t.Fatalf("delayed %d", st.Delayed)
		}
		if st := w.timers(); st.Delayed != 0 {
			t.Fatal("reported late twice")
		}
		evs := w.do("GET", "/v1/orders/"+id+"/events", w.front, nil).body["data"].([]any)
		last := evs[len(evs)-1].(map[string]any)
		est := at(t, last["detail"].(map[string]any)["new_estimate"])
		if last["type"] != "order.delayed" || !est.After(w.clock.Now()) {
			t.Errorf("delay event %v", last)
		}
		admin := w.key(bopis.RoleAdmin)
		if a := w.do("GET", "/v1/alerts?type=late_order", admin, nil).body["data"].([]any); len(a) != 1 {
			t.Fatalf("late_order alerts %v", a)
		}
		events, _, _ := w.db.OutboxEvents(context.Background(), "order.delayed", bopis.Page{})
		if len(events) != 1 {
			t.Errorf("%d order.delayed in the outbox", len(events))
		}
		w.must(w.mid, id, "accept", nil, "accepted")
		w.must(w.mid, id, "pick", picks("l1", 1), "picking")
		w.must(w.mid, id, "ready", map[string]any{"staging_location": "B3"}, "ready")
		if a := w.do("GET", "/v1/alerts?type=late_order", admin, nil).body["data"].([]any); len(a) != 0 {
			t.Errorf("the alert stays open once ready: %v", a)
		}
	})
}

func TestAuthorizationRenewedBeforeItLapses(t *testing.T) {
	margin := func(c *orders.Config) { c.AuthMargin = 30 * time.Minute }
	eachWork(t, func(t *testing.T, w *work) {
		body := orderBody(atStore("mid"), "A", 1)
		body["payment"] = map[string]any{"token": "tok_expired_soon"} // the authorization lasts an hour
		r := w.place(w.front, "auth-1", body)
		if r.status != 201 {
			t.Fatalf("place: %d %s", r.status, r.raw)
		}
		id := r.body["id"].(string)
		first := r.body["payment"].(map[string]any)
		w.clock.Advance(29 * time.Minute)
		if st := w.timers(); st.Authorizations != 0 {
			t.Fatal("renewed before the margin")
		}
		w.clock.Advance(time.Minute)
		if st := w.timers(); st.Authorizations != 1 {
			t.Fatalf("renewed %d", st.Authorizations)
		}
		o := w.do("GET", "/v1/orders/"+id, w.front, nil).body
		p := o["payment"].(map[string]any)
		if p["authorization_id"] == first["authorization_id"] || !at(t, p["authorization_expires_at"]).After(at(t, first["authorization_expires_at"])) {
			t.Fatalf("payment after renewal: %v (was %v)", p, first)
		}
		old, err := w.db.TestPayment(context.Background(), first["authorization_id"].(string))
		if err != nil || old.Status != bopis.PaymentVoided {
			t.Errorf("the old authorization: %+v %v", old, err)
		}
		if st := w.timers(); st.Authorizations != 0 {
			t.Error("renewed twice")
		}
		if n := w.count(id, "payment.authorization_expiring"); n != 1 {
			t.Errorf("%d authorization_expiring events", n)
		}
		if a := w.do("GET", "/v1/alerts?type=authorization_expiring", w.key(bopis.RoleAdmin), nil).body["data"].([]any); len(a) != 0 {
			t.Errorf("the alert stays open after renewal: %v", a)
		}
		// Handed over: captured on the new authorization.
		w.must(w.mid, id, "accept", nil, "accepted")
		w.must(w.mid, id, "pick", picks("l1", 1), "picking")
		rd := w.must(w.mid, id, "ready", map[string]any{"staging_location": "B3"}, "ready")
		h := w.must(w.mid, id, "handoff", map[string]any{"pickup_code": rd["pickup_code"]}, "picked_up")
		if g := w.gatewayPayment(h); g.Status != bopis.PaymentCaptured || g.ID != p["authorization_id"] {
			t.Errorf("captured %+v", g)
		}
	}, margin)
}

func TestAuthorizationShortensTheHold(t *testing.T) {
	shorten := func(c *orders.Config) { c.AuthPolicy, c.AuthMargin = orders.AuthShortenHold, 30*time.Minute }
	eachWork(t, func(t *testing.T, w *work) {
		body := orderBody(atStore("mid"), "A", 1)
		body["payment"] = map[string]any{"token": "tok_expired_soon"}
		r := w.place(w.front, "auth-2", body)
		if r.status != 201 {
			t.Fatalf("place: %d %s", r.status, r.raw)
		}
		id := r.body["id"].(string)
		exp := at(t, r.body["payment"].(map[string]any)["authorization_expires_at"])
		w.must(w.mid, id, "accept", nil, "accepted")
		w.must(w.mid, id, "pick", picks("l1", 1), "picking")
		// The hold ends the margin before the authorization does.
		o := w.must(w.mid, id, "ready", map[string]any{"staging_location": "B3"}, "ready")
		if h := at(t, o["hold_until"]); !h.Equal(exp.Add(-30 * time.Minute)) {
			t.Errorf("hold_until %v, authorization expires %v", h, exp)
		}
	}, shorten)
}

func TestUncapturedAudit(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		picked := w.readyOrder("mid", w.mid, "A", 1)
		w.must(w.mid, picked["id"].(string), "handoff", map[string]any{"pickup_code": picked["pickup_code"]}, "picked_up")
		cancelled := w.order("mid", "in_store", "A", 1)
		w.must(w.front, cancelled, "cancel", map[string]any{"reason": "changed my mind"}, "cancelled")
		open := w.order("mid", "in_store", "A", 1)
		body := orderBody(atStore("mid"), "B", 1)
		body["payment"] = map[string]any{"token": "tok_visa", "capture": "at_placement"}
		if r := w.place(w.front, "paid", body); r.status != 201 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		admin := w.key(bopis.RoleAdmin)
		r := w.do("GET", "/v1/payments/uncaptured", admin, nil)
		data := r.body["data"].([]any)
		if len(data) != 1 || data[0].(map[string]any)["order_id"] != open || data[0].(map[string]any)["order_status"] != "placed" {
			t.Fatalf("uncaptured: %s", r.raw)
		}
		if r := w.do("GET", "/v1/payments/uncaptured?older_than_hours=2", admin, nil); len(r.body["data"].([]any)) != 0 {
			t.Errorf("older than 2 h: %s", r.raw)
		}
		w.clock.Advance(2 * time.Hour)
		r = w.do("GET", "/v1/payments/uncaptured?older_than_hours=2", admin, nil)
		if d := r.body["data"].([]any); len(d) != 1 || d[0].(map[string]any)["age_seconds"].(float64) < 7200 {
			t.Errorf("older than 2 h, two hours on: %s", r.raw)
		}
		if r := w.do("GET", "/v1/payments/uncaptured", w.front, nil); r.status != 403 {
			t.Errorf("a storefront key reading the audit: %d", r.status)
		}
	})
}

// TestTimersSurviveRestartAndRivals: the timers live in the orders, so a
// process started after another died fires what is due, and several
// processes sweeping together fire each timer once.
func TestTimersSurviveRestartAndRivals(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		var ids []string
		for range 6 {
			ids = append(ids, w.readyOrder("far", w.key(bopis.RoleStore, "far"), "A", 1)["id"].(string))
		}
		hold := at(t, w.do("GET", "/v1/orders/"+ids[0], w.front, nil).body["hold_until"])
		// The first process fires the first reminder, then dies.
		w.clock.Advance(hold.Add(-24 * time.Hour).Sub(w.clock.Now()))
		if st := w.timers(); st.Reminded != len(ids) {
			t.Fatalf("reminded %d", st.Reminded)
		}
		// Two new processes come up after hold_until and race.
		w.clock.Advance(25 * time.Hour)
		newProcess := func() *orders.Service {
			return orders.New(orders.Config{DB: w.db, Model: w.model, Gateway: payment.NewTest(w.db, w.clock.Now), Now: w.clock.Now,
				Key: w.sealKey})
		}
		a, b := newProcess(), newProcess()
		var mu sync.Mutex
		expired := 0
		var wg sync.WaitGroup
		for _, p := range []*orders.Service{a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := p.RunTimers(context.Background())
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				expired += st.Expired
				mu.Unlock()
			}()
		}
		wg.Wait()
		if expired != len(ids) {
			t.Errorf("expired %d times for %d orders", expired, len(ids))
		}
		for _, id := range ids {
			if n := w.count(id, "order.expired"); n != 1 {
				t.Errorf("%s: %d order.expired", id, n)
			}
			if n := w.count(id, "order.pickup_reminder"); n != 1 {
				t.Errorf("%s: %d reminders (the 2 h one was due while nobody ran: only the latest due is sent, and it had passed)", id, n)
			}
		}
		w.checkInvariants("far")
	})
}

func TestStoreClosureMovesTodaysOrders(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		id := w.order("mid", "in_store", "A", 1)
		o := w.do("GET", "/v1/orders/"+id, w.front, nil).body
		if !strings.HasPrefix(o["pickup_window"].(map[string]any)["start"].(string), "2026-11-23") {
			t.Fatalf("not today: %v", o["pickup_window"])
		}
		if st := w.timers(); st.Rescheduled != 0 {
			t.Fatal("moved an order of an open store")
		}
		// The admin blocks today.
		w.changeStore("mid", func(s *bopis.Store) {
			s.SpecialHours = append(s.SpecialHours, bopis.SpecialHours{Date: "2026-11-23", Closed: true, Label: "burst pipe"})
		})
		if st := w.timers(); st.Rescheduled != 1 {
			t.Fatalf("rescheduled %d", st.Rescheduled)
		}
		if st := w.timers(); st.Rescheduled != 0 {
			t.Fatal("moved twice")
		}
		o = w.do("GET", "/v1/orders/"+id, w.front, nil).body
		if start := o["pickup_window"].(map[string]any)["start"].(string); !strings.HasPrefix(start, "2026-11-24") {
			t.Errorf("moved to %s", start)
		}
		if n := w.count(id, "order.delayed"); n != 1 {
			t.Errorf("%d order.delayed", n)
		}
	})
}

func TestStoreClosureReroutesByPolicy(t *testing.T) {
	reroute := func(c *orders.Config) { c.ClosurePolicy = orders.ClosureReroute }
	eachWork(t, func(t *testing.T, w *work) {
		id := w.order("near", "in_store", "B", 2) // near B 5, mid B 5
		code := w.do("GET", "/v1/orders/"+id, w.front, nil).body["pickup_code"]
		w.changeStore("near", func(s *bopis.Store) {
			s.SpecialHours = append(s.SpecialHours, bopis.SpecialHours{Date: "2026-11-23", Closed: true, Label: "power cut"})
		})
		if st := w.timers(); st.Rescheduled != 1 {
			t.Fatalf("moved %d", st.Rescheduled)
		}
		o := w.do("GET", "/v1/orders/"+id, w.front, nil).body
		if o["store_id"] != "mid" || o["pickup_code"] != code || line(o, 0)["location_id"] != "mid" {
			t.Fatalf("rerouted order: %v %v %v", o["store_id"], o["pickup_code"], o["lines"])
		}
		if _, res := w.level("near", "B"); res != 0 {
			t.Errorf("near still holds %d", res)
		}
		if _, res := w.level("mid", "B"); res != 2 {
			t.Errorf("mid holds %d", res)
		}
		if st := w.timers(); st.Rescheduled != 0 {
			t.Error("moved twice")
		}
		// mid's key now reaches it; near's does not.
		w.must(w.mid, id, "accept", nil, "accepted")
		w.checkInvariants("near", "mid")
	}, reroute)
}

// changeStore replaces one of the order network's stores (as orderNetwork
// made it) with change applied, and brings the read model up to date.
func (w *work) changeStore(id string, change func(*bopis.Store)) {
	w.t.Helper()
	s := storagetest.Store(id)
	s.Coordinates = bopis.Coordinates{Latitude: map[string]float64{"near": 41.889, "mid": 41.97}[id], Longitude: -87.63}
	s.SlotCapacity = 2
	change(s)
	if _, err := w.db.PutStore(context.Background(), s); err != nil {
		w.t.Fatal(err)
	}
	w.sync()
}
