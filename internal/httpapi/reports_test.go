package httpapi_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/bopis/bopis"
)

// sameJSON fails the test unless got (decoded JSON) equals the JSON want.
func sameJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, w) {
		g, _ := json.Marshal(got)
		t.Errorf("%s:\n got %s\nwant %s", what, g, want)
	}
}

func obj(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func TestPickupReport(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		admin := w.key(bopis.RoleAdmin)
		// Monday 2026-11-23, 14:10 in Chicago: eight orders at mid.
		o1 := w.order("mid", "curbside", "A", 1)
		o2 := w.order("mid", "in_store", "A", 1)
		o3 := w.order("mid", "curbside", "A", 2)
		o4 := w.order("mid", "in_store", "B", 1, "C", 1)
		for _, c := range []struct{ reason string }{{"customer request"}, {"out of stock"}, {"customer request"}} {
			w.must(w.mid, w.order("mid", "in_store", "A", 1), "cancel", map[string]any{"reason": c.reason}, "cancelled")
		}
		w.order("mid", "in_store", "B", 1) // stays placed

		// o1: ready on time; curbside, handed over 4 minutes after the arrival.
		w.must(w.mid, o1, "accept", nil, "accepted")
		w.must(w.mid, o1, "pick", picks("l1", 1), "picking")
		r1 := w.must(w.mid, o1, "ready", map[string]any{"staging_location": "B3"}, "ready")
		w.must(w.front, o1, "arrival", map[string]any{"parking_spot": "4"}, "ready")
		w.clock.Advance(4 * time.Minute)
		w.must(w.mid, o1, "handoff", map[string]any{"pickup_code": r1["pickup_code"]}, "picked_up")

		// o3: short (1 of 2), on time; curbside, 10 minutes' wait.
		w.must(w.mid, o3, "accept", nil, "accepted")
		w.must(w.mid, o3, "pick", picks("l1", 1), "picking")
		r3 := w.must(w.mid, o3, "ready", map[string]any{"staging_location": "B4"}, "ready")
		w.must(w.front, o3, "arrival", map[string]any{"parking_spot": "5"}, "ready")
		w.clock.Advance(10 * time.Minute)
		w.must(w.mid, o3, "handoff", map[string]any{"pickup_code": r3["pickup_code"]}, "picked_up")

		// o4: two substitutes, one approved, one rejected (that line is short).
		w.must(w.mid, o4, "accept", nil, "accepted")
		sub := func(id string) map[string]any {
			return map[string]any{"line_id": id, "picked_quantity": 0, "substitute": map[string]any{"sku": "A", "quantity": 1}}
		}
		w.must(w.mid, o4, "pick", map[string]any{"lines": []any{sub("l1"), sub("l2")}}, "picking")
		w.must(w.front, o4, "substitutions/l1/approve", nil, "picking")
		w.must(w.front, o4, "substitutions/l2/reject", nil, "picking")
		r4 := w.must(w.mid, o4, "ready", map[string]any{"staging_location": "B5"}, "ready")
		w.must(w.mid, o4, "handoff", map[string]any{"pickup_code": r4["pickup_code"]}, "picked_up")

		// o2: ready a minute late, then nobody comes: expired on Wednesday.
		w.must(w.mid, o2, "accept", nil, "accepted")
		w.must(w.mid, o2, "pick", picks("l1", 1), "picking")
		promised := at(t, w.do("GET", "/v1/orders/"+o2, w.front, nil).body["promised_ready_at"])
		w.clock.Advance(promised.Add(time.Minute).Sub(w.clock.Now()))
		r2 := w.must(w.mid, o2, "ready", map[string]any{"staging_location": "B6"}, "ready")
		w.clock.Advance(at(t, r2["hold_until"]).Sub(w.clock.Now()))
		if st := w.timers(); st.Expired != 1 {
			t.Fatalf("expired %d", st.Expired)
		}

		report := func(key, query string) map[string]any {
			t.Helper()
			r := w.do("GET", "/v1/reports/pickup"+query, key, nil)
			if r.status != 200 {
				t.Fatalf("report%s: %d %s", query, r.status, r.raw)
			}
			return r.body
		}
		rep := report(w.mid, "?store_id=mid&from=2026-11-23&to=2026-11-26")
		if len(rep["stores"].([]any)) != 1 {
			t.Fatalf("stores: %v", rep["stores"])
		}
		mid := obj(rep, "stores", 0).(map[string]any)
		if mid["store_id"] != "mid" || mid["time_zone"] != "America/Chicago" ||
			mid["from"] != "2026-11-23T00:00:00-06:00" || mid["to"] != "2026-11-27T00:00:00-06:00" {
			t.Errorf("store: %v %v %v %v", mid["store_id"], mid["time_zone"], mid["from"], mid["to"])
		}
		sameJSON(t, "mid totals", mid["totals"], `{
			"orders_placed": 8,
			"ready": {"orders": 4, "on_time": 3, "on_time_rate": 0.75},
			"curbside_wait_seconds": {"count": 2, "average": 420, "p50": 240, "p90": 600},
			"no_show": {"picked_up": 3, "expired": 1, "rate": 0.25},
			"lines": {"picked": 5, "short": 2, "short_pick_rate": 0.4, "substitutes_proposed": 2, "substitution_rate": 0.4,
				"substitutes_approved": 1, "substitutes_rejected": 1, "approval_rate": 0.5},
			"cancellations": [{"reason": "customer request", "count": 2}, {"reason": "out of stock", "count": 1}],
			"by_status": {"placed": 1, "accepted": 0, "picking": 0, "ready": 0, "picked_up": 3, "cancelled": 3, "expired": 1}}`)
		var dates []string
		for _, d := range mid["days"].([]any) {
			dates = append(dates, d.(map[string]any)["date"].(string))
		}
		if !reflect.DeepEqual(dates, []string{"2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"}) {
			t.Fatalf("days %v", dates)
		}
		sameJSON(t, "Monday's no-shows", obj(mid, "days", 0, "no_show"), `{"picked_up": 3, "expired": 0, "rate": 0}`)
		sameJSON(t, "Monday's ready", obj(mid, "days", 0, "ready"), `{"orders": 4, "on_time": 3, "on_time_rate": 0.75}`)
		sameJSON(t, "Tuesday", obj(mid, "days", 1), `{"date": "2026-11-24", "orders_placed": 0,
			"ready": {"orders": 0, "on_time": 0, "on_time_rate": null},
			"curbside_wait_seconds": {"count": 0, "average": null, "p50": null, "p90": null},
			"no_show": {"picked_up": 0, "expired": 0, "rate": null},
			"lines": {"picked": 0, "short": 0, "short_pick_rate": null, "substitutes_proposed": 0, "substitution_rate": null,
				"substitutes_approved": 0, "substitutes_rejected": 0, "approval_rate": null},
			"cancellations": [],
			"by_status": {"placed": 0, "accepted": 0, "picking": 0, "ready": 0, "picked_up": 0, "cancelled": 0, "expired": 0}}`)
		sameJSON(t, "Wednesday's no-shows", obj(mid, "days", 2, "no_show"), `{"picked_up": 0, "expired": 1, "rate": 1}`)
		if !reflect.DeepEqual(rep["totals"], mid["totals"]) || len(rep["days"].([]any)) != 4 {
			t.Errorf("totals over one store differ from the store's: %v", rep["totals"])
		}

		// An admin without store_id: every store but the warehouse.
		all := report(admin, "?from=2026-11-23&to=2026-11-26")
		var ids []string
		for _, s := range all["stores"].([]any) {
			ids = append(ids, s.(map[string]any)["store_id"].(string))
		}
		if !reflect.DeepEqual(ids, []string{"far", "mid", "near"}) || obj(all, "totals", "orders_placed") != 8.0 ||
			obj(all, "stores", 0, "totals", "orders_placed") != 0.0 {
			t.Errorf("all stores: %v, %v placed", ids, obj(all, "totals", "orders_placed"))
		}
		// A store key without store_id: its own stores.
		if own := report(w.mid, ""); len(own["stores"].([]any)) != 1 || obj(own, "stores", 0, "store_id") != "mid" {
			t.Errorf("a store key's stores: %v", own["stores"])
		}

		// Instants: 20:00 to 20:30 UTC on Monday holds the placements and
		// the first three readies, not o2's late one.
		inst := report(admin, "?store_id=mid&from=2026-11-23T20:00:00Z&to=2026-11-23T20:30:00Z")
		sameJSON(t, "half an hour", obj(inst, "stores", 0, "totals", "ready"), `{"orders": 3, "on_time": 3, "on_time_rate": 1}`)
		if obj(inst, "stores", 0, "totals", "orders_placed") != 8.0 || len(obj(inst, "stores", 0, "days").([]any)) != 1 ||
			obj(inst, "stores", 0, "from") != "2026-11-23T14:00:00-06:00" {
			t.Errorf("half an hour: %v", obj(inst, "stores", 0))
		}

		// The default: the last 30 days, today (Wednesday) included.
		def := report(admin, "?store_id=mid")
		days := obj(def, "stores", 0, "days").([]any)
		if len(days) != 30 || obj(days, 29, "date") != "2026-11-25" || obj(def, "stores", 0, "totals", "orders_placed") != 8.0 {
			t.Errorf("default range: %d days, last %v", len(days), obj(days, len(days)-1, "date"))
		}

		for _, c := range []struct {
			key, query, field string
			status            int
		}{
			{w.mid, "?store_id=near", "", 403},
			{w.front, "", "", 403},
			{admin, "?store_id=nope", "", 404},
			{admin, "?from=yesterday", "query.from", 422},
			{admin, "?to=2026-13-01", "query.to", 422},
			{admin, "?from=2025-01-01&to=2026-11-23", "query.to", 422},
			{admin, "?from=2025-11-21&to=2026-11-23", "query.to", 422},
			{admin, "?from=2026-11-23&to=2026-11-22", "query.to", 422},
			{admin, "?from=2026-11-23T20:00:00Z&to=2026-11-23T20:00:00Z", "query.to", 422},
			{admin, "?from=2025-01-01", "query.from", 422},
		} {
			r := w.do("GET", "/v1/reports/pickup"+c.query, c.key, nil)
			if r.status != c.status || c.field != "" && !r.names(c.field) {
				t.Errorf("%s: %d %s, want %d naming %q", c.query, r.status, r.raw, c.status, c.field)
			}
		}
		if r := w.do("GET", "/v1/reports/pickup?from=2025-11-23&to=2026-11-24", admin, nil); r.status != 200 {
			t.Errorf("366 days: %d %s", r.status, r.raw)
		}
	})
}
