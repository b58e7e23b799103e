package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// The mission's example: an order placed at 11 PM cannot be ready at
// midnight. A store open 09:00-21:00 with 60 minutes of prep promises
// 10:00 the next morning.
func TestCalendarOrderAt11PM(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	clock := storagetest.NewClock(time.Date(2026, 11, 23, 23, 0, 0, 0, chicago)) // a Monday, 11 PM
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnvAt(t, db, clock.Now)
		admin := e.key(bopis.RoleAdmin)
		e.do("PUT", "/v1/stores/s-1", admin, storeJSON(t)) // 09:00-21:00 daily, prep 60, hold 3 days
		e.do("PUT", "/v1/skus/A1", admin, map[string]any{"name": "Drill"})
		e.do("PUT", "/v1/skus/TV", admin, map[string]any{"name": "TV 75in", "extra_prep_minutes": 30})
		e.sync()

		r := e.do("GET", "/v1/stores/s-1/calendar?days=2&items=A1:2", e.key(bopis.RoleStorefront), nil)
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		if got := r.body["earliest_ready_at"]; got != "2026-11-24T10:00:00-06:00" {
			t.Errorf("earliest_ready_at %v, want 2026-11-24T10:00:00-06:00 (the next morning, after an hour of open time)", got)
		}
		slots := r.body["slots"].([]any)
		first := slots[0].(map[string]any)
		if first["start"] != "2026-11-24T10:00:00-06:00" || first["end"] != "2026-11-24T11:00:00-06:00" || first["remaining"] != 20.0 {
			t.Errorf("first slot %v", first)
		}
		// Tuesday 10:00-21:00 gives 11 slots, Wednesday is beyond days=2.
		if len(slots) != 11 {
			t.Errorf("%d slots over two days, want 11", len(slots))
		}
		// Ready Tuesday, held three open days: until Thursday's closing.
		if got := r.body["hold_until"]; got != "2026-11-26T21:00:00-06:00" {
			t.Errorf("hold_until %v, want 2026-11-26T21:00:00-06:00", got)
		}

		// A SKU with extra prep moves the promise to the next slot boundary.
		r = e.do("GET", "/v1/stores/s-1/calendar?items=A1:1,TV:1", admin, nil)
		if r.body["prep_minutes"] != 90.0 || r.body["earliest_ready_at"] != "2026-11-24T11:00:00-06:00" {
			t.Errorf("with 30 min extra prep: prep %v ready %v; want 90 and 11:00", r.body["prep_minutes"], r.body["earliest_ready_at"])
		}
	})
}

func TestCalendarAccessAndBadInput(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		admin := e.key(bopis.RoleAdmin)
		e.do("PUT", "/v1/stores/s-1", admin, storeJSON(t))
		e.do("PUT", "/v1/stores/s-2", admin, storeJSON(t))
		e.sync()
		if r := e.do("GET", "/v1/stores/s-1/calendar", e.key(bopis.RolePublic), nil); r.status != http.StatusOK {
			t.Errorf("public key reading a calendar: %d", r.status)
		}
		if r := e.do("GET", "/v1/stores/s-2/calendar", e.key(bopis.RoleStore, "s-1"), nil); r.status != http.StatusForbidden {
			t.Errorf("store key reading another store's calendar: %d", r.status)
		}
		for path, loc := range map[string]string{
			"/v1/stores/s-1/calendar?items=A1:0":        "query.items[0]",
			"/v1/stores/s-1/calendar?items=A1:x":        "query.items[0]",
			"/v1/stores/s-1/calendar?items=GHOST:1":     "query.items[0]",
			"/v1/stores/s-1/calendar?method=drone":      "query.method",
			"/v1/stores/s-1/calendar?days=0":            "query.days",
			"/v1/stores/s-1/calendar?days=32":           "query.days",
			"/v1/stores/s-1/calendar?items=bad%20sku:1": "query.items[0]",
		} {
			if r := e.do("GET", path, admin, nil); r.status != http.StatusUnprocessableEntity || !r.names(loc) {
				t.Errorf("%s: %d %v, want 422 naming %s", path, r.status, r.locations(), loc)
			}
		}
		// A store without curbside answers "no pickup" with a reason, never a time.
		m := storeJSON(t)
		m["pickup_methods"] = []any{"in_store"}
		e.do("PUT", "/v1/stores/s-3", admin, m)
		e.sync()
		r := e.do("GET", "/v1/stores/s-3/calendar?method=curbside", admin, nil)
		if r.status != http.StatusOK || r.body["earliest_ready_at"] != nil || r.body["no_pickup_reason"] == nil {
			t.Errorf("curbside at an in-store-only store: %s", r.raw)
		}
	})
}
