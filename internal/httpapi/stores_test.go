package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

func day(ivs ...[2]string) []any {
	out := []any{}
	for _, iv := range ivs {
		out = append(out, map[string]any{"open": iv[0], "close": iv[1]})
	}
	return out
}

func hours(m map[string]any) map[string]any { return m["hours"].(map[string]any) }

// Each rule of a store, broken one at a time: the answer is 422 naming the
// field, and the stored store is exactly as before.
var badStores = []struct {
	name     string
	break_   func(m map[string]any)
	location string
}{
	{"unknown time zone", func(m map[string]any) { m["time_zone"] = "Mars/Olympus_Mons" }, "body.time_zone"},
	{"empty time zone", func(m map[string]any) { m["time_zone"] = "" }, "body.time_zone"},
	{"Local is no IANA zone", func(m map[string]any) { m["time_zone"] = "Local" }, "body.time_zone"},
	{"weekday missing", func(m map[string]any) { delete(hours(m), "sunday") }, "body.hours"},
	{"hours not a list", func(m map[string]any) { hours(m)["monday"] = "9 to 5" }, "body.hours.monday"},
	{"open not HH:MM", func(m map[string]any) { hours(m)["monday"] = day([2]string{"9:00", "17:00"}) }, "body.hours.monday[0].open"},
	{"close past 24:00", func(m map[string]any) { hours(m)["monday"] = day([2]string{"09:00", "24:30"}) }, "body.hours.monday[0].close"},
	{"minutes past 59", func(m map[string]any) { hours(m)["monday"] = day([2]string{"09:60", "17:00"}) }, "body.hours.monday[0].open"},
	{"opening at 24:00", func(m map[string]any) { hours(m)["monday"] = day([2]string{"24:00", "02:00"}) }, "body.hours.monday[0]"},
	{"open equals close", func(m map[string]any) { hours(m)["monday"] = day([2]string{"09:00", "09:00"}) }, "body.hours.monday[0]"},
	{"overlap in a day", func(m map[string]any) {
		hours(m)["monday"] = day([2]string{"09:00", "12:00"}, [2]string{"11:00", "14:00"})
	}, "body.hours.monday[1]"},
	{"overnight runs into next day's opening", func(m map[string]any) {
		hours(m)["monday"] = day([2]string{"18:00", "02:00"})
		hours(m)["tuesday"] = day([2]string{"01:00", "12:00"})
	}, "body.hours.tuesday[0]"},
	{"Sunday overnight runs into Monday", func(m map[string]any) {
		hours(m)["sunday"] = day([2]string{"22:00", "10:00"})
	}, "body.hours.sunday[0]"},
	{"special date not a date", func(m map[string]any) {
		m["special_hours"] = []any{map[string]any{"date": "2026-02-30", "closed": true}}
	}, "body.special_hours[0].date"},
	{"special date twice", func(m map[string]any) {
		m["special_hours"] = []any{map[string]any{"date": "2026-12-25", "closed": true}, map[string]any{"date": "2026-12-25", "closed": true}}
	}, "body.special_hours[1].date"},
	{"closed date with intervals", func(m map[string]any) {
		m["special_hours"] = []any{map[string]any{"date": "2026-12-25", "closed": true, "intervals": day([2]string{"09:00", "12:00"})}}
	}, "body.special_hours[0].intervals"},
	{"special date with neither", func(m map[string]any) {
		m["special_hours"] = []any{map[string]any{"date": "2026-12-24"}}
	}, "body.special_hours[0].intervals"},
	{"special interval bad", func(m map[string]any) {
		m["special_hours"] = []any{map[string]any{"date": "2026-12-24", "intervals": day([2]string{"09:00", "25:00"})}}
	}, "body.special_hours[0].intervals[0].close"},
	{"special intervals overlap", func(m map[string]any) {
		m["special_hours"] = []any{map[string]any{"date": "2026-12-24", "intervals": day([2]string{"09:00", "15:00"}, [2]string{"14:00", "16:00"})}}
	}, "body.special_hours[0].intervals[1]"},
	{"latitude above 90", func(m map[string]any) { m["coordinates"] = map[string]any{"latitude": 90.5, "longitude": 0} }, "body.coordinates.latitude"},
	{"latitude below -90", func(m map[string]any) { m["coordinates"] = map[string]any{"latitude": -91, "longitude": 0} }, "body.coordinates.latitude"},
	{"longitude out of range", func(m map[string]any) { m["coordinates"] = map[string]any{"latitude": 0, "longitude": -180.01} }, "body.coordinates.longitude"},
	{"latitude not a number", func(m map[string]any) { m["coordinates"] = map[string]any{"latitude": "north", "longitude": 0} }, "body.coordinates.latitude"},
	{"coordinates missing", func(m map[string]any) { delete(m, "coordinates") }, "body"},
	{"unknown pickup method", func(m map[string]any) { m["pickup_methods"] = []any{"in_store", "drone"} }, "body.pickup_methods[1]"},
	{"pickup method twice", func(m map[string]any) { m["pickup_methods"] = []any{"curbside", "curbside"} }, "body.pickup_methods[1]"},
	{"store without pickup methods", func(m map[string]any) { m["pickup_methods"] = []any{} }, "body.pickup_methods"},
	{"unknown type", func(m map[string]any) { m["type"] = "depot" }, "body.type"},
	{"negative prep", func(m map[string]any) { m["prep_minutes"] = -1 }, "body.prep_minutes"},
	{"negative cutoff", func(m map[string]any) { m["cutoff_minutes"] = -30 }, "body.cutoff_minutes"},
	{"zero hold days", func(m map[string]any) { m["hold_days"] = 0 }, "body.hold_days"},
	{"zero slot length", func(m map[string]any) { m["slot_minutes"] = 0 }, "body.slot_minutes"},
	{"negative slot capacity", func(m map[string]any) { m["slot_capacity"] = -1 }, "body.slot_capacity"},
	{"fractional minutes", func(m map[string]any) { m["prep_minutes"] = 1.5 }, "body.prep_minutes"},
	{"empty name", func(m map[string]any) { m["name"] = "" }, "body.name"},
	{"location id zero", func(m map[string]any) { m["location_id"] = 0 }, "body.location_id"},
	{"country not alpha-2", func(m map[string]any) { m["address"] = map[string]any{"country": "USA"} }, "body.address.country"},
	{"body id differs from path", func(m map[string]any) { m["id"] = "someone-else" }, "body.id"},
	{"unknown field", func(m map[string]any) { m["prep_minute"] = 5 }, "body.prep_minute"},
}

func TestStoreValidationAnswers422AndChangesNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		admin := e.key(bopis.RoleAdmin)
		if r := e.do("PUT", "/v1/stores/s-1", admin, storeJSON(t)); r.status != http.StatusCreated {
			t.Fatalf("valid store: %d %s", r.status, r.raw)
		}
		before := e.do("GET", "/v1/stores/s-1", admin, nil).raw
		for _, c := range badStores {
			t.Run(c.name, func(t *testing.T) {
				for _, id := range []string{"s-1", "s-new"} { // an update and a create
					m := storeJSON(t)
					c.break_(m)
					r := e.do("PUT", "/v1/stores/"+id, admin, m)
					if r.status != http.StatusUnprocessableEntity || !r.names(c.location) {
						t.Fatalf("PUT %s: %d naming %v, want 422 naming %s\n%s", id, r.status, r.locations(), c.location, r.raw)
					}
					if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
						t.Errorf("Content-Type %q, want application/problem+json", ct)
					}
				}
				if after := e.do("GET", "/v1/stores/s-1", admin, nil).raw; !bytes.Equal(before, after) {
					t.Fatalf("store changed by a rejected update:\nbefore %s\nafter  %s", before, after)
				}
				if r := e.do("GET", "/v1/stores/s-new", admin, nil); r.status != http.StatusNotFound {
					t.Fatalf("rejected create left a store behind: %d %s", r.status, r.raw)
				}
			})
		}
	})
}

func TestStoreIDRules(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		admin := e.key(bopis.RoleAdmin)
		for _, id := range []string{"bad%20id", "-leading-dash", strings.Repeat("a", 65), "caf%C3%A9"} {
			r := e.do("PUT", "/v1/stores/"+id, admin, storeJSON(t))
			if r.status != http.StatusUnprocessableEntity || !r.names("path.store_id") {
				t.Errorf("PUT /v1/stores/%s: %d %v, want 422 naming path.store_id", id, r.status, r.locations())
			}
		}
		list := e.do("GET", "/v1/stores", admin, nil)
		if data := list.body["data"].([]any); len(data) != 0 {
			t.Fatalf("rejected ids left stores: %s", list.raw)
		}
		if r := e.do("PUT", "/v1/stores/"+strings.Repeat("a", 64), admin, storeJSON(t)); r.status != http.StatusCreated {
			t.Fatalf("a 64-character id was refused: %d %s", r.status, r.raw)
		}
	})
}

func TestStoreHoursThatAreValid(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		admin := e.key(bopis.RoleAdmin)
		m := storeJSON(t)
		h := hours(m)
		h["monday"] = day([2]string{"00:00", "24:00"})                               // around the clock
		h["tuesday"] = day([2]string{"08:00", "12:00"}, [2]string{"12:00", "20:00"}) // touching, not overlapping
		h["wednesday"] = day([2]string{"18:00", "02:00"})                            // overnight
		h["thursday"] = day([2]string{"02:00", "10:00"})                             // opens as Wednesday's night closes
		h["saturday"] = day([2]string{"20:00", "00:00"})                             // closes at midnight
		h["sunday"] = day([2]string{"22:00", "00:00"})
		m["special_hours"] = []any{map[string]any{"date": "2026-12-31", "intervals": day([2]string{"20:00", "03:00"}), "label": "New Year's Eve"}}
		r := e.do("PUT", "/v1/stores/s-1", admin, m)
		if r.status != http.StatusCreated {
			t.Fatalf("valid hours refused: %d %s", r.status, r.raw)
		}
		got := e.do("GET", "/v1/stores/s-1", admin, nil)
		wed := got.body["hours"].(map[string]any)["wednesday"].([]any)[0].(map[string]any)
		if wed["open"] != "18:00" || wed["close"] != "02:00" {
			t.Fatalf("overnight hours came back as %v", wed)
		}
	})
}

func TestStoreDefaultsAndUpsert(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		admin := e.key(bopis.RoleAdmin)
		m := storeJSON(t)
		for _, k := range []string{"prep_minutes", "cutoff_minutes", "hold_days", "slot_minutes", "slot_capacity", "type", "special_hours"} {
			delete(m, k)
		}
		r := e.do("PUT", "/v1/stores/s-1", admin, m)
		if r.status != http.StatusCreated {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		want := map[string]any{"prep_minutes": 60.0, "cutoff_minutes": 60.0, "hold_days": 3.0, "slot_minutes": 60.0,
			"slot_capacity": 0.0, "type": "store", "active": true}
		for k, v := range want {
			if r.body[k] != v {
				t.Errorf("%s defaulted to %v, want %v", k, r.body[k], v)
			}
		}
		m["prep_minutes"] = 0 // an explicit zero is kept, not replaced by the default
		if r := e.do("PUT", "/v1/stores/s-1", admin, m); r.status != http.StatusOK || r.body["prep_minutes"] != 0.0 {
			t.Fatalf("update: %d prep %v, want 200 and 0", r.status, r.body["prep_minutes"])
		}
	})
}

func TestStoreListPagesAndDeactivate(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		admin := e.key(bopis.RoleAdmin)
		for _, id := range []string{"a", "b", "c", "d", "e"} {
			e.do("PUT", "/v1/stores/"+id, admin, storeJSON(t))
		}
		var ids []string
		path := "/v1/stores?limit=2"
		for path != "" {
			r := e.do("GET", path, admin, nil)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", path, r.status, r.raw)
			}
			for _, s := range r.body["data"].([]any) {
				ids = append(ids, s.(map[string]any)["id"].(string))
			}
			path = ""
			if next, _ := r.body["next_cursor"].(string); next != "" {
				path = "/v1/stores?limit=2&cursor=" + next
			}
		}
		if strings.Join(ids, ",") != "a,b,c,d,e" {
			t.Fatalf("paged ids %v", ids)
		}
		if r := e.do("GET", "/v1/stores?limit=0", admin, nil); r.status != 422 || !r.names("query.limit") {
			t.Errorf("limit=0: %d %v", r.status, r.locations())
		}
		if r := e.do("GET", "/v1/stores?cursor=!!", admin, nil); r.status != 422 || !r.names("query.cursor") {
			t.Errorf("bad cursor: %d %v", r.status, r.locations())
		}
		r := e.do("DELETE", "/v1/stores/c", admin, nil)
		if r.status != http.StatusOK || r.body["active"] != false {
			t.Fatalf("deactivate: %d %s", r.status, r.raw)
		}
		if r := e.do("GET", "/v1/stores?active=true", admin, nil); len(r.body["data"].([]any)) != 4 {
			t.Fatalf("active stores after deactivating one: %s", r.raw)
		}
		if r := e.do("DELETE", "/v1/stores/zz", admin, nil); r.status != http.StatusNotFound {
			t.Fatalf("deactivate unknown: %d", r.status)
		}
	})
}
