package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// invEnv is an API with stores s-1, s-2 and SKUs A, B, C (threshold 0).
func invEnv(t *testing.T, db *storage.DB) (*env, string) {
	t.Helper()
	e := newEnv(t, db)
	admin := e.key(bopis.RoleAdmin)
	for _, s := range []string{"s-1", "s-2"} {
		if r := e.do("PUT", "/v1/stores/"+s, admin, storeJSON(t)); r.status != http.StatusCreated {
			t.Fatalf("store: %d %s", r.status, r.raw)
		}
	}
	for _, k := range []string{"A", "B", "C"} {
		e.do("PUT", "/v1/skus/"+k, admin, map[string]any{"name": "Item " + k})
	}
	return e, admin
}

func minutesAgo(m int) string {
	return time.Now().Add(-time.Duration(m) * time.Minute).UTC().Format(time.RFC3339Nano)
}

func ev(id, store, sku, typ string, n int, m int) map[string]any {
	e := map[string]any{"id": id, "store_id": store, "sku": sku, "type": typ, "occurred_at": minutesAgo(m)}
	if typ == "snapshot" {
		e["on_hand"] = n
	} else {
		e["delta"], e["reason"] = n, "sale"
	}
	return e
}

func results(t *testing.T, r response) []map[string]any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("events: %d %s", r.status, r.raw)
	}
	var out []map[string]any
	for _, x := range r.body["results"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func statusList(rs []map[string]any) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r["status"].(string))
	}
	return out
}

func (e *env) onHand(key, store, sku string) float64 {
	e.t.Helper()
	r := e.do("GET", "/v1/stores/"+store+"/inventory?sku="+sku, key, nil)
	data, _ := r.body["data"].([]any)
	if r.status != http.StatusOK || len(data) != 1 {
		e.t.Fatalf("inventory of %s at %s: %d %s", sku, store, r.status, r.raw)
	}
	return data[0].(map[string]any)["on_hand"].(float64)
}

func (e *env) ledgerRaw(key, store string) string {
	e.t.Helper()
	r := e.do("GET", "/v1/inventory/ledger?store_id="+store+"&limit=500", key, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("ledger: %d %s", r.status, r.raw)
	}
	return string(r.raw)
}

func TestEventBatchOverHTTP(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, admin := invEnv(t, db)
		pos := e.key(bopis.RolePOS, "s-1")
		batch := `{"events": [
			{"id": "e1", "store_id": "s-1", "sku": "A", "type": "snapshot", "on_hand": 10, "occurred_at": "` + minutesAgo(30) + `"},
			{"id": "e2", "store_id": "s-1", "sku": "A", "type": "delta", "delta": -1, "reason": "sale", "occurred_at": "` + minutesAgo(20) + `"},
			{"id": "e3", "store_id": "s-1", "sku": "B", "type": "snapshot", "on_hand": "12", "occurred_at": "` + minutesAgo(20) + `"},
			{"id": "e4", "store_id": "s-1", "sku": "B", "type": "snapshot", "on_hand": -2, "occurred_at": "` + minutesAgo(20) + `"},
			{"id": "e5", "store_id": "s-1", "sku": "B", "type": "delta", "delta": 3, "occurred_at": "yesterday"},
			{"id": "e6", "store_id": "s-1", "type": "delta", "delta": 3, "occurred_at": "` + minutesAgo(20) + `"},
			{"id": "e7", "store_id": "s-2", "sku": "A", "type": "delta", "delta": 3, "occurred_at": "` + minutesAgo(20) + `"},
			{"id": "e8", "store_id": "s-1", "sku": "NOPE", "type": "delta", "delta": 3, "occurred_at": "` + minutesAgo(20) + `"},
			42,
			{"id": "e1", "store_id": "s-1", "sku": "A", "type": "delta", "delta": -5, "occurred_at": "` + minutesAgo(10) + `"},
			{"id": "e9", "store_id": "s-1", "sku": "B", "type": "delta", "delta": 2, "occurred_at": "` + minutesAgo(10) + `", "terminal": 4}
		]}`
		rs := results(t, e.do("POST", "/v1/inventory/events", pos, batch))
		want := []struct{ id, status, error string }{
			{"e1", "applied", ""}, {"e2", "applied", ""}, {"e3", "rejected", "on_hand: has the wrong type"},
			{"e4", "rejected", "on_hand: must be between 0"}, {"e5", "rejected", "occurred_at: must be an RFC 3339 time"},
			{"e6", "rejected", "sku:"}, {"e7", "rejected", "this key does not reach store s-2"}, {"e8", "rejected", "no SKU NOPE"},
			{"", "rejected", "event: must be a JSON object"}, {"e1", "duplicate", ""}, {"e9", "applied", ""},
		}
		if len(rs) != len(want) {
			t.Fatalf("%d results for %d events: %v", len(rs), len(want), rs)
		}
		for i, w := range want {
			got, _ := rs[i]["error"].(string)
			if rs[i]["id"] != w.id || rs[i]["status"] != w.status || !strings.Contains(got, w.error) || (w.error == "") != (got == "") {
				t.Errorf("result %d: %v, want %s %s %q", i, rs[i], w.id, w.status, w.error)
			}
		}
		if a, b := e.onHand(admin, "s-1", "A"), e.onHand(admin, "s-1", "B"); a != 9 || b != 2 {
			t.Fatalf("A=%v B=%v, want 9 and 2", a, b)
		}
		// The POS times out and sends the batch again: nothing changes.
		ledger := e.ledgerRaw(admin, "s-1")
		again := results(t, e.do("POST", "/v1/inventory/events", pos, batch))
		for i, r := range again {
			if w := want[i].status; w != "rejected" && r["status"] != "duplicate" || w == "rejected" && r["status"] != "rejected" {
				t.Errorf("resent result %d: %v", i, r)
			}
		}
		if after := e.ledgerRaw(admin, "s-1"); after != ledger || e.onHand(admin, "s-1", "A") != 9 {
			t.Fatalf("the resend changed the ledger:\n%s\n%s", ledger, after)
		}
		storagetest.CheckReplay(t, db, "s-1")
	})
}

func TestEventBatchLimits(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, admin := invEnv(t, db)
		var big []map[string]any
		for i := range bopis.MaxEventBatch + 1 {
			big = append(big, ev(fmt.Sprint("e", i), "s-1", "A", "delta", 1, 5))
		}
		r := e.do("POST", "/v1/inventory/events", admin, map[string]any{"events": big})
		if r.status != http.StatusRequestEntityTooLarge || !r.names("body.events") {
			t.Fatalf("5,001 events: %d %s", r.status, r.raw)
		}
		if ls := e.do("GET", "/v1/stores/s-1/inventory", admin, nil); len(ls.body["data"].([]any)) != 0 {
			t.Fatalf("a refused batch changed stock: %s", ls.raw)
		}
		// Exactly 5,000 is fine.
		if rs := results(t, e.do("POST", "/v1/inventory/events", admin, map[string]any{"events": big[:bopis.MaxEventBatch]})); len(rs) != bopis.MaxEventBatch {
			t.Fatalf("%d results for 5,000 events", len(rs))
		}
		if n := e.onHand(admin, "s-1", "A"); n != bopis.MaxEventBatch {
			t.Fatalf("A=%v after 5,000 deltas of +1", n)
		}
		for _, body := range []string{`{"events": []}`, `{}`} {
			if r := e.do("POST", "/v1/inventory/events", admin, body); r.status != 422 || !r.names("body.events") {
				t.Errorf("%s: %d %s", body, r.status, r.raw)
			}
		}
		for _, body := range []string{`{"events": 5}`, `not json`} {
			if r := e.do("POST", "/v1/inventory/events", admin, body); r.status < 400 || r.status >= 500 {
				t.Errorf("%s: %d %s", body, r.status, r.raw)
			}
		}
		for who, want := range map[bopis.Role]int{bopis.RoleStorefront: 403, bopis.RoleStore: 403, bopis.RolePublic: 403} {
			store := []string{}
			if who == bopis.RoleStore {
				store = []string{"s-1"}
			}
			if r := e.do("POST", "/v1/inventory/events", e.key(who, store...), map[string]any{"events": big[:1]}); r.status != want {
				t.Errorf("%s key: %d, want %d", who, r.status, want)
			}
		}
	})
}

// doKey is do with an Idempotency-Key.
func (e *env) doKey(method, path, key, idem string, body string) response {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.url+path, bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", idem)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: b.Bytes()}
	json.Unmarshal(b.Bytes(), &r.body)
	return r
}

func TestIdempotencyKeysOnEventsAndAdjustments(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, admin := invEnv(t, db)
		pos, store := e.key(bopis.RolePOS, "s-1"), e.key(bopis.RoleStore, "s-1")
		batch := `{"events": [{"id": "e1", "store_id": "s-1", "sku": "A", "type": "snapshot", "on_hand": 10, "occurred_at": "` + minutesAgo(5) + `"}]}`
		first := e.doKey("POST", "/v1/inventory/events", pos, "b-1", batch)
		// the same batch, indented differently, under the same key
		again := e.doKey("POST", "/v1/inventory/events", pos, "b-1", strings.ReplaceAll(batch, ", ", ",\n  "))
		if statusList(results(t, first))[0] != "applied" || !reflect.DeepEqual(again.body, first.body) ||
			again.header.Get("Idempotent-Replayed") != "true" || first.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("repeat under the same key: %s %v; want the first answer %s", again.raw, again.header, first.raw)
		}
		other := strings.Replace(batch, `"on_hand": 10`, `"on_hand": 11`, 1)
		if r := e.doKey("POST", "/v1/inventory/events", pos, "b-1", other); r.status != 422 || !r.names("header.Idempotency-Key") {
			t.Fatalf("another batch under the same key: %d %s", r.status, r.raw)
		}
		// Without the key the id answers duplicate.
		if got := statusList(results(t, e.do("POST", "/v1/inventory/events", pos, batch))); got[0] != "duplicate" {
			t.Fatalf("resend without key: %v", got)
		}
		// A batch with an event of the wrong shape is decoded event by
		// event; resent under its key it is answered the same.
		mixed := `{"events": [{"id": "e2", "store_id": "s-1", "sku": "A", "type": "delta", "delta": "x", "occurred_at": "` + minutesAgo(4) + `"},
			{"id": "e3", "store_id": "s-1", "sku": "A", "type": "snapshot", "on_hand": 10, "occurred_at": "` + minutesAgo(4) + `"}]}`
		m1 := e.doKey("POST", "/v1/inventory/events", pos, "b-2", mixed)
		m2 := e.doKey("POST", "/v1/inventory/events", pos, "b-2", strings.ReplaceAll(mixed, ", ", ",\n  "))
		if got := statusList(results(t, m1)); !reflect.DeepEqual(got, []string{"rejected", "applied"}) ||
			!reflect.DeepEqual(m2.body, m1.body) || m2.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("mixed batch %v, then under the same key %s %v; want the first answer %s", got, m2.raw, m2.header, m1.raw)
		}

		adj := `{"sku": "A", "delta": -2, "reason": "damaged", "reference": "t-1"}`
		r1 := e.doKey("POST", "/v1/stores/s-1/inventory/adjustments", store, "a-1", adj)
		if r1.status != http.StatusCreated || r1.body["applied_delta"] != -2.0 || r1.body["level"].(map[string]any)["on_hand"] != 8.0 {
			t.Fatalf("adjustment: %d %s", r1.status, r1.raw)
		}
		r2 := e.doKey("POST", "/v1/stores/s-1/inventory/adjustments", store, "a-1", adj)
		if r2.status != http.StatusCreated || !bytes.Equal(r2.raw, r1.raw) || e.onHand(admin, "s-1", "A") != 8 {
			t.Fatalf("repeated adjustment: %d %s, A=%v", r2.status, r2.raw, e.onHand(admin, "s-1", "A"))
		}
		if r := e.doKey("POST", "/v1/stores/s-1/inventory/adjustments", store, "a-1", strings.Replace(adj, "-2", "-3", 1)); r.status != 422 || !r.names("header.Idempotency-Key") {
			t.Fatalf("another adjustment under the same key: %d %s", r.status, r.raw)
		}
		// The same key at another store is another request.
		if r := e.doKey("POST", "/v1/stores/s-2/inventory/adjustments", admin, "a-1", adj); r.status != http.StatusCreated {
			t.Fatalf("same key, another store and key: %d %s", r.status, r.raw)
		}
		storagetest.CheckReplay(t, db, "s-1")
	})
}

func TestAdjustmentsOverHTTP(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, admin := invEnv(t, db)
		store := e.key(bopis.RoleStore, "s-1")
		for _, c := range []struct {
			key, path string
			body      map[string]any
			status    int
			location  string
		}{
			{store, "/v1/stores/s-1/inventory/adjustments", map[string]any{"sku": "A", "delta": 3, "reason": "found"}, 201, ""},
			{store, "/v1/stores/s-2/inventory/adjustments", map[string]any{"sku": "A", "delta": 3, "reason": "found"}, 403, ""},
			{e.key(bopis.RolePOS, "s-1"), "/v1/stores/s-1/inventory/adjustments", map[string]any{"sku": "A", "delta": 3, "reason": "found"}, 403, ""},
			{store, "/v1/stores/s-1/inventory/adjustments", map[string]any{"sku": "NOPE", "delta": 3, "reason": "found"}, 422, "body.sku"},
			{store, "/v1/stores/s-1/inventory/adjustments", map[string]any{"sku": "A", "delta": 0, "reason": "found"}, 422, "body.delta"},
			{store, "/v1/stores/s-1/inventory/adjustments", map[string]any{"sku": "A", "delta": 1, "reason": ""}, 422, "body.reason"},
			{store, "/v1/stores/s-1/inventory/adjustments", map[string]any{"sku": "A", "reason": "x"}, 422, "body"},
			{admin, "/v1/stores/s-9/inventory/adjustments", map[string]any{"sku": "A", "delta": 1, "reason": "x"}, 404, ""},
		} {
			r := e.do("POST", c.path, c.key, c.body)
			if r.status != c.status || (c.location != "" && !r.names(c.location)) {
				t.Errorf("%s %v: %d %s, want %d %s", c.path, c.body, r.status, r.raw, c.status, c.location)
			}
		}
		if n := e.onHand(admin, "s-1", "A"); n != 3 {
			t.Fatalf("A=%v after one good adjustment of +3", n)
		}
		entries := e.do("GET", "/v1/inventory/ledger?store_id=s-1&sku=A", store, nil).body["data"].([]any)
		last := entries[len(entries)-1].(map[string]any)
		if len(entries) != 1 || last["cause"] != "adjustment" || last["reason"] != "found" || last["on_hand_delta"] != 3.0 {
			t.Fatalf("ledger %v", entries)
		}
	})
}

func TestWholeStoreCountOverHTTP(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, admin := invEnv(t, db)
		pos := e.key(bopis.RolePOS, "s-1")
		count := func(key, store string, asOf int, levels ...any) response {
			ls := []map[string]any{}
			for i := 0; i < len(levels); i += 2 {
				ls = append(ls, map[string]any{"sku": levels[i], "on_hand": levels[i+1]})
			}
			return e.do("PUT", "/v1/stores/"+store+"/inventory", key, map[string]any{"as_of": minutesAgo(asOf), "levels": ls})
		}
		if r := count(pos, "s-1", 60, "A", 5, "B", 2, "C", 1); r.status != 200 || r.body["changed"] != 3.0 || r.body["stale"] != false {
			t.Fatalf("first count: %d %s", r.status, r.raw)
		}
		before := len(e.do("GET", "/v1/inventory/ledger?store_id=s-1", admin, nil).body["data"].([]any))
		// A unchanged, B changed, C left out: C goes to zero; two ledger rows.
		if r := count(pos, "s-1", 30, "A", 5, "B", 4); r.status != 200 || r.body["changed"] != 2.0 {
			t.Fatalf("second count: %d %s", r.status, r.raw)
		}
		entries := e.do("GET", "/v1/inventory/ledger?store_id=s-1", admin, nil).body["data"].([]any)[before:]
		var got []string
		for _, x := range entries {
			m := x.(map[string]any)
			got = append(got, fmt.Sprintf("%s %s %v", m["cause"], m["sku"], m["on_hand_delta"]))
		}
		if want := []string{"count B 2", "count C -1"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("second count wrote %v, want %v", got, want)
		}
		if c := e.onHand(admin, "s-1", "C"); c != 0 {
			t.Fatalf("C=%v after being left out", c)
		}
		if r := count(pos, "s-1", 45, "A", 50); r.status != 200 || r.body["stale"] != true || e.onHand(admin, "s-1", "A") != 5 {
			t.Fatalf("older count: %d %s", r.status, r.raw)
		}
		for _, c := range []struct {
			r        response
			status   int
			location string
		}{
			{count(pos, "s-2", 1, "A", 1), 403, ""},
			{count(e.key(bopis.RoleStorefront), "s-1", 1, "A", 1), 403, ""},
			{count(e.key(bopis.RoleStore, "s-1"), "s-1", 1, "A", 1), 200, ""},
			{count(pos, "s-1", 1, "A", 1, "A", 2), 422, "body.levels[1].sku"},
			{count(pos, "s-1", 1, "A", -1), 422, "body.levels[0].on_hand"},
			{count(pos, "s-1", 1, "ZZ", 1), 422, "body.levels[0].sku"},
			{count(pos, "s-1", -60, "A", 1), 422, "body.as_of"},
			{count(admin, "s-9", 1, "A", 1), 404, ""},
			{e.do("PUT", "/v1/stores/s-1/inventory", pos, map[string]any{"levels": []any{}}), 422, "body"},
		} {
			if c.r.status != c.status || (c.location != "" && !c.r.names(c.location)) {
				t.Errorf("%d %s, want %d %s", c.r.status, c.r.raw, c.status, c.location)
			}
		}
		storagetest.CheckReplay(t, db, "s-1")
	})
}

func TestLedgerAndAlertsScope(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e, admin := invEnv(t, db)
		e.do("PUT", "/v1/skus/L", admin, map[string]any{"name": "Low", "low_stock_threshold": 2})
		e.do("POST", "/v1/inventory/events", admin, map[string]any{"events": []any{
			ev("1", "s-1", "L", "snapshot", 1, 5), ev("2", "s-2", "L", "snapshot", 0, 5), ev("3", "s-1", "A", "snapshot", 9, 5)}})
		store1, pos1 := e.key(bopis.RoleStore, "s-1"), e.key(bopis.RolePOS, "s-1")
		for _, c := range []struct {
			key, path string
			status    int
			n         int
		}{
			{admin, "/v1/inventory/ledger?store_id=s-1", 200, 2},
			{admin, "/v1/inventory/ledger?store_id=s-1&sku=L", 200, 1},
			{admin, "/v1/inventory/ledger?store_id=s-1&limit=1", 200, 1},
			{store1, "/v1/inventory/ledger?store_id=s-1", 200, 2},
			{pos1, "/v1/inventory/ledger?store_id=s-1", 200, 2},
			{store1, "/v1/inventory/ledger?store_id=s-2", 403, 0},
			{e.key(bopis.RoleStorefront), "/v1/inventory/ledger?store_id=s-1", 403, 0},
			{admin, "/v1/inventory/ledger", 422, 0},
			{admin, "/v1/inventory/ledger?store_id=s-9", 404, 0},
			{admin, "/v1/alerts", 200, 2},
			{admin, "/v1/alerts?type=low_stock&store_id=s-2", 200, 1},
			{admin, "/v1/alerts?type=stale_feed", 200, 0},
			{store1, "/v1/alerts", 200, 1},
			{store1, "/v1/alerts?store_id=s-2", 403, 0},
			{pos1, "/v1/alerts", 403, 0},
			{admin, "/v1/alerts?type=bogus", 422, 0},
		} {
			r := e.do("GET", c.path, c.key, nil)
			if r.status != c.status {
				t.Errorf("%s: %d %s, want %d", c.path, r.status, r.raw, c.status)
				continue
			}
			if data, _ := r.body["data"].([]any); c.status == 200 && len(data) != c.n {
				t.Errorf("%s: %d items, want %d: %s", c.path, len(data), c.n, r.raw)
			}
		}
		r := e.do("GET", "/v1/alerts", store1, nil)
		a := r.body["data"].([]any)[0].(map[string]any)
		if a["type"] != "low_stock" || a["store_id"] != "s-1" || a["sku"] != "L" || a["detail"].(map[string]any)["available"] != 1.0 {
			t.Fatalf("alert %v", a)
		}
		// The next page of the ledger follows the cursor.
		p1 := e.do("GET", "/v1/inventory/ledger?store_id=s-1&limit=1", admin, nil)
		p2 := e.do("GET", "/v1/inventory/ledger?store_id=s-1&limit=1&cursor="+p1.body["next_cursor"].(string), admin, nil)
		if d := p2.body["data"].([]any); len(d) != 1 || d[0].(map[string]any)["sku"] != "L" { // a batch applies in SKU order
			t.Fatalf("second page %s", p2.raw)
		}
	})
}

func TestInventoryOperationsAreDocumented(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		e := newEnv(t, db)
		doc := string(e.do("GET", "/openapi.json", "", nil).raw)
		for _, want := range []string{`"/v1/inventory/events"`, `"/v1/stores/{store_id}/inventory/adjustments"`, `"/v1/inventory/ledger"`,
			`"/v1/alerts"`, `"Idempotency-Key"`, `"occurred_at"`, `"put-store-inventory"`} {
			if !strings.Contains(doc, want) {
				t.Errorf("OpenAPI document lacks %s", want)
			}
		}
	})
}
