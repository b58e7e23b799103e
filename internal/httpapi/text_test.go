package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// badTexts are JSON string values no field may store: PostgreSQL cannot
// store NUL and used to answer 500; SQLite stored it. Raw bytes that are
// not UTF-8 and a lone surrogate reach Go as U+FFFD, which is refused as
// their mark. ESC and NEL (C1) are control characters, refused in a
// person's text.
var badTexts = []struct{ name, json string }{
	{"NUL", `"A\u0000B"`},
	{"invalid UTF-8", "\"A\xff\xfeB\""},
	{"lone surrogate", `"A\ud800B"`},
	{"ESC", `"A\u001bB"`},
	{"C1", `"A\u0085B"`},
}

// badPlaceholder marks where withBad puts a bad value.
const badPlaceholder = "@@bad@@"

// withBad is body as JSON with the string badPlaceholder replaced by bad
// (a JSON string, quotes included, possibly raw invalid bytes).
func withBad(t *testing.T, body any, bad string) string {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), badPlaceholder) {
		t.Fatalf("no placeholder in %s", b)
	}
	return strings.ReplaceAll(string(b), `"`+badPlaceholder+`"`, bad)
}

// TestBadTextIsRefusedOverHTTP: a NUL, bytes that are not UTF-8, a lone
// surrogate or a control character in a person's text answer 422 naming
// the field on both databases, never 500, and write nothing.
func TestBadTextIsRefusedOverHTTP(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		admin := w.key(bopis.RoleAdmin)
		placed := w.order("mid", "curbside", "A", 1)
		picking := w.order("mid", "curbside", "B", 1)
		w.must(w.mid, picking, "accept", nil, "accepted")
		w.must(w.mid, picking, "pick", picks("l1", 1), "picking")
		keysBefore := len(w.do("GET", "/v1/api-keys?limit=500", admin, nil).body["data"].([]any))
		reservedA := w.reserved("mid", "A")
		onHandC, _ := w.level("mid", "C")

		order := orderBody(atStore("mid"), "A", 1)
		order["customer"].(map[string]any)["name"] = badPlaceholder
		person := orderBody(atStore("mid"), "A", 1)
		person["pickup_person"].(map[string]any)["name"] = badPlaceholder
		external := orderBody(atStore("mid"), "A", 1)
		external["external_id"] = badPlaceholder
		store := storeJSON(t)
		store["name"] = badPlaceholder
		hooks := func() int { return len(w.do("GET", "/v1/webhooks", admin, nil).body["data"].([]any)) }
		hooksBefore := hooks()
		cases := []struct {
			what, method, path, key string
			body                    any
			location                string
			unchanged               func() bool
			// notText: not a person's text, where control characters
			// other than NUL are not this rule's business.
			notText bool
		}{
			{"customer name", "POST", "/v1/orders", w.front, order, "body.customer.name",
				func() bool { return w.reserved("mid", "A") == reservedA }, false},
			{"pickup person name", "POST", "/v1/orders", w.front, person, "body.pickup_person.name",
				func() bool { return w.reserved("mid", "A") == reservedA }, false},
			{"external id", "POST", "/v1/orders", w.front, external, "body.external_id",
				func() bool { return w.reserved("mid", "A") == reservedA }, false},
			{"SKU name", "PUT", "/v1/skus/Z", admin, map[string]any{"name": badPlaceholder}, "body.name",
				func() bool { return w.do("GET", "/v1/skus/Z", admin, nil).status == http.StatusNotFound }, false},
			{"store name", "PUT", "/v1/stores/z", admin, store, "body.name",
				func() bool { return w.do("GET", "/v1/stores/z", admin, nil).status == http.StatusNotFound }, false},
			{"API key name", "POST", "/v1/api-keys", admin, map[string]any{"role": "admin", "name": badPlaceholder}, "body.name",
				func() bool {
					return len(w.do("GET", "/v1/api-keys?limit=500", admin, nil).body["data"].([]any)) == keysBefore
				}, false},
			{"cancel reason", "POST", "/v1/orders/" + placed + "/cancel", w.mid, map[string]any{"reason": badPlaceholder}, "body.reason",
				func() bool { return w.do("GET", "/v1/orders/"+placed, w.mid, nil).body["status"] == "placed" }, false},
			{"arrival vehicle", "POST", "/v1/orders/" + placed + "/arrival", w.front, map[string]any{"vehicle": badPlaceholder}, "body.vehicle",
				func() bool { return w.do("GET", "/v1/orders/"+placed, w.mid, nil).body["arrived_at"] == nil }, false},
			{"arrival parking spot", "POST", "/v1/orders/" + placed + "/arrival", w.front, map[string]any{"parking_spot": badPlaceholder}, "body.parking_spot",
				func() bool { return w.do("GET", "/v1/orders/"+placed, w.mid, nil).body["arrived_at"] == nil }, false},
			{"staging location", "POST", "/v1/orders/" + picking + "/ready", w.mid, map[string]any{"staging_location": badPlaceholder}, "body.staging_location",
				func() bool { return w.do("GET", "/v1/orders/"+picking, w.mid, nil).body["status"] == "picking" }, false},
			{"adjustment reason", "POST", "/v1/stores/mid/inventory/adjustments", w.mid, map[string]any{"sku": "C", "delta": 1, "reason": badPlaceholder}, "body.reason",
				func() bool { on, _ := w.level("mid", "C"); return on == onHandC }, false},
			{"adjustment reference", "POST", "/v1/stores/mid/inventory/adjustments", w.mid, map[string]any{"sku": "C", "delta": 1, "reason": "found", "reference": badPlaceholder}, "body.reference",
				func() bool { on, _ := w.level("mid", "C"); return on == onHandC }, false},
			{"webhook url", "POST", "/v1/webhooks", admin, map[string]any{"url": badPlaceholder, "secret": "0123456789abcdef"}, "body.url",
				func() bool { return hooks() == hooksBefore }, false},
			{"webhook secret", "POST", "/v1/webhooks", admin, map[string]any{"url": "https://hooks.example.com/x", "secret": badPlaceholder}, "body.secret",
				func() bool { return hooks() == hooksBefore }, true},
			{"pickup code", "POST", "/v1/orders/" + placed + "/handoff", w.mid, map[string]any{"pickup_code": badPlaceholder}, "body.pickup_code",
				func() bool { return w.do("GET", "/v1/orders/"+placed, w.mid, nil).body["status"] == "placed" }, true},
		}
		for i, c := range cases {
			for j, bad := range badTexts {
				if c.notText && j >= 3 {
					continue // badTexts[3:] are control characters
				}
				r := w.doKey(c.method, c.path, c.key, fmt.Sprintf("text-%d-%d", i, j), withBad(t, c.body, bad.json))
				if r.status != http.StatusUnprocessableEntity || !r.names(c.location) {
					t.Errorf("%s with %s: %d %s, want 422 naming %s", c.what, bad.name, r.status, r.raw, c.location)
				}
				if strings.Contains(string(r.raw), "A\\u0000B") || strings.Contains(string(r.raw), "A\ufffdB") {
					t.Errorf("%s with %s: the answer echoes the value: %s", c.what, bad.name, r.raw)
				}
				if !c.unchanged() {
					t.Fatalf("%s with %s: the refused request changed something", c.what, bad.name)
				}
			}
		}
		w.checkInvariants("mid")
	})
}

// TestPOSBatchRejectsOnlyTheEventWithBadText: an event with a NUL or
// bytes that are not UTF-8 in any of its strings is rejected naming the
// field, and the good events of its batch apply, on both databases.
func TestPOSBatchRejectsOnlyTheEventWithBadText(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, admin := invEnv(t, db)
		pos := e.key(bopis.RolePOS, "s-1")
		at := `"occurred_at": "` + minutesAgo(20) + `"`
		batch := `{"events": [
			{"id": "g1", "store_id": "s-1", "sku": "A", "type": "snapshot", "on_hand": 10, "occurred_at": "` + minutesAgo(30) + `"},
			{"id": "b1", "store_id": "s-1", "sku": "A", "type": "delta", "delta": -1, "reason": "sa\u0000le", ` + at + `},
			{"id": "b2", "store_id": "s-1", "sku": "A", "type": "delta", "delta": -1, "reason": "sa` + "\xff" + `le", ` + at + `},
			{"id": "b3", "store_id": "s-1", "sku": "A", "type": "delta", "delta": -1, "reason": "sa\ud800le", ` + at + `},
			{"id": "b4", "store_id": "s-1", "sku": "A", "type": "delta", "delta": -1, "reason": "sa\u0007le", ` + at + `},
			{"id": "b\u00005", "store_id": "s-1", "sku": "A", "type": "delta", "delta": -1, ` + at + `},
			{"id": "b6", "store_id": "s-1` + "\xc3" + `", "sku": "A", "type": "delta", "delta": -1, ` + at + `},
			{"id": "b7", "store_id": "s-1", "sku": "A\u0000", "type": "delta", "delta": -1, ` + at + `},
			{"id": "b8", "store_id": "s-1", "sku": "A", "type": "delta\u0000", "delta": -1, ` + at + `},
			{"id": "g2", "store_id": "s-1", "sku": "A", "type": "delta", "delta": -2, "reason": "sale\tat till 2", ` + at + `},
			{"id": "g3", "store_id": "s-1", "sku": "B", "type": "snapshot", "on_hand": 4, "reason": "count", ` + at + `}
		]}`
		rs := results(t, e.do("POST", "/v1/inventory/events", pos, batch))
		want := []struct{ status, error string }{
			{"applied", ""}, {"rejected", "reason:"}, {"rejected", "reason:"}, {"rejected", "reason:"}, {"rejected", "reason:"},
			{"rejected", "id:"}, {"rejected", "store_id:"}, {"rejected", "sku:"}, {"rejected", "type:"},
			{"applied", ""}, {"applied", ""},
		}
		if len(rs) != len(want) {
			t.Fatalf("%d results for %d events: %v", len(rs), len(want), rs)
		}
		for i, w := range want {
			got, _ := rs[i]["error"].(string)
			if rs[i]["status"] != w.status || !strings.HasPrefix(got, w.error) || (w.error == "") != (got == "") {
				t.Errorf("result %d: %v, want %s %q", i, rs[i], w.status, w.error)
			}
			if strings.ContainsRune(got, 0) || strings.Contains(got, "\ufffd") {
				t.Errorf("result %d echoes the bad value: %q", i, got)
			}
		}
		if a, b := e.onHand(admin, "s-1", "A"), e.onHand(admin, "s-1", "B"); a != 8 || b != 4 {
			t.Fatalf("A=%v B=%v, want 8 and 4", a, b)
		}
		// Resent, the good events are duplicates and the bad still rejected.
		again := results(t, e.do("POST", "/v1/inventory/events", pos, batch))
		for i, r := range again {
			if w := want[i].status; w == "applied" && r["status"] != "duplicate" || w == "rejected" && r["status"] != "rejected" {
				t.Errorf("resent result %d: %v", i, r)
			}
		}
		// A keyed batch's answer is kept: an id that is not one is not
		// echoed in it (PostgreSQL's JSON refuses a NUL: a 500).
		keyed := e.doKey("POST", "/v1/inventory/events", pos, "batch-bad-ids", batch)
		if keyed.status != http.StatusOK {
			t.Fatalf("the batch with an Idempotency-Key: %d %s", keyed.status, keyed.raw)
		}
		if id := results(t, keyed)[5]["id"]; id != "" {
			t.Errorf("the event whose id has a NUL is answered with id %q, want none", id)
		}
		storagetest.CheckReplay(t, db, "s-1")
	})
}

// TestIdempotencyKeyMustBeUTF8: an Idempotency-Key is stored, so bytes
// that are not UTF-8 in it (a header may carry them) answer 422 naming
// the header, never 500, and change nothing.
func TestIdempotencyKeyMustBeUTF8(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		reservedA := w.reserved("mid", "A")
		onHandC, _ := w.level("mid", "C")
		body, _ := json.Marshal(orderBody(atStore("mid"), "A", 1))
		for _, c := range []struct{ path, key, body string }{
			{"/v1/orders", w.front, string(body)},
			{"/v1/stores/mid/inventory/adjustments", w.mid, `{"sku": "C", "delta": 1, "reason": "found"}`},
		} {
			r := w.doKey("POST", c.path, c.key, "k-\xff\xfe", c.body)
			if r.status != http.StatusUnprocessableEntity || !r.names("header.Idempotency-Key") {
				t.Errorf("%s: %d %s, want 422 naming header.Idempotency-Key", c.path, r.status, r.raw)
			}
		}
		if on, _ := w.level("mid", "C"); on != onHandC || w.reserved("mid", "A") != reservedA {
			t.Fatal("a refused request changed stock")
		}
	})
}

// TestIDsInQueriesAreChecked: a store id or SKU in a query that is not an
// id (a NUL, bytes that are not UTF-8) answers 422 naming the parameter,
// never 500 (PostgreSQL refuses such text).
func TestIDsInQueriesAreChecked(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		for _, c := range []struct{ path, key, location string }{
			{"/v1/orders?store_id=%00", w.mid, "query.store_id"},
			{"/v1/orders?store_id=%ff", w.front, "query.store_id"},
			{"/v1/alerts?store_id=%00", w.mid, "query.store_id"},
			{"/v1/alerts?store_id=%ff", w.mid, "query.store_id"},
			{"/v1/stores/mid/inventory?sku=%00", w.mid, "query.sku"},
			{"/v1/stores/mid/inventory?sku=A,%ff", w.mid, "query.sku"},
		} {
			if r := w.do("GET", c.path, c.key, nil); r.status != http.StatusUnprocessableEntity || !r.names(c.location) {
				t.Errorf("%s: %d %s, want 422 naming %s", c.path, r.status, r.raw, c.location)
			}
		}
	})
}
