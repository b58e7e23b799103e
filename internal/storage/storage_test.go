package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

var ctx = context.Background()

func code(err error) string {
	if err == nil {
		return ""
	}
	return bopis.ErrorCode(err)
}

func TestStoreRoundTripAndUpsert(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			clock := storagetest.NewClock(time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC))
			db := storagetest.Open(t, backend, clock.Now)
			s := storagetest.Store("s-1")
			loc := int64(42)
			s.LocationID = &loc
			created, err := db.PutStore(ctx, s)
			if err != nil || !created {
				t.Fatalf("PutStore = %v, %v; want created", created, err)
			}
			got, err := db.GetStore(ctx, "s-1")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, s) {
				t.Fatalf("read back differs:\n got %+v\nwant %+v", got, s)
			}

			clock.Advance(time.Hour)
			s.Name, s.PrepMinutes = "Renamed", 15
			created, err = db.PutStore(ctx, s)
			if err != nil || created {
				t.Fatalf("second PutStore = %v, %v; want updated", created, err)
			}
			got, _ = db.GetStore(ctx, "s-1")
			if got.Name != "Renamed" || got.PrepMinutes != 15 {
				t.Errorf("update not kept: %+v", got)
			}
			if !got.CreatedAt.Equal(clock.Now().Add(-time.Hour)) || !got.UpdatedAt.Equal(clock.Now()) {
				t.Errorf("created_at %v updated_at %v; want creation kept and update stamped", got.CreatedAt, got.UpdatedAt)
			}
		})
	}
}

func TestInvalidStoreWritesNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := storagetest.Store("s-1")
		s.TimeZone = "Mars/Olympus_Mons"
		if _, err := db.PutStore(ctx, s); code(err) != bopis.EINVALID {
			t.Fatalf("PutStore with a bad zone: %v, want invalid", err)
		}
		if _, err := db.GetStore(ctx, "s-1"); code(err) != bopis.ENOTFOUND {
			t.Fatalf("store written despite the error: %v", err)
		}
	})
}

func TestLocationIDIsUnique(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		a, b := storagetest.Store("a"), storagetest.Store("b")
		loc := int64(7)
		a.LocationID, b.LocationID = &loc, &loc
		if _, err := db.PutStore(ctx, a); err != nil {
			t.Fatal(err)
		}
		_, err := db.PutStore(ctx, b)
		var e *bopis.Error
		if !errors.As(err, &e) || e.Code != bopis.ECONFLICT || len(e.Fields) != 1 || e.Fields[0].Path != "location_id" {
			t.Fatalf("second store with location 7: %v, want conflict on location_id", err)
		}
		if _, err := db.GetStore(ctx, "b"); code(err) != bopis.ENOTFOUND {
			t.Fatalf("conflicting store was written: %v", err)
		}
	})
}

func TestListStoresPages(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		for _, id := range []string{"s-5", "s-1", "s-3", "s-2", "s-4", "s-6", "s-7"} {
			if _, err := db.PutStore(ctx, storagetest.Store(id)); err != nil {
				t.Fatal(err)
			}
		}
		var seen []string
		cursor, pages := "", 0
		for {
			list, next, err := db.ListStores(ctx, bopis.StoreFilter{}, bopis.Page{Cursor: cursor, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range list {
				seen = append(seen, s.ID)
			}
			pages++
			if next == "" {
				break
			}
			cursor = next
		}
		want := []string{"s-1", "s-2", "s-3", "s-4", "s-5", "s-6", "s-7"}
		if !reflect.DeepEqual(seen, want) || pages != 3 {
			t.Fatalf("paged through %v in %d pages, want %v in 3", seen, pages, want)
		}

		list, _, err := db.ListStores(ctx, bopis.StoreFilter{IDs: []string{"s-2", "s-6", "nope"}}, bopis.Page{})
		if err != nil || len(list) != 2 || list[0].ID != "s-2" || list[1].ID != "s-6" {
			t.Fatalf("filtered list = %v, %v; want s-2, s-6", list, err)
		}
		if _, _, err := db.ListStores(ctx, bopis.StoreFilter{}, bopis.Page{Cursor: "%%%"}); code(err) != bopis.EINVALID {
			t.Fatalf("bad cursor: %v, want invalid", err)
		}
	})
}

func TestDeactivateStore(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		db.PutStore(ctx, storagetest.Store("s-1"))
		db.PutStore(ctx, storagetest.Store("s-2"))
		for range 2 { // twice: deactivating is idempotent
			s, err := db.DeactivateStore(ctx, "s-1")
			if err != nil || s.Active {
				t.Fatalf("DeactivateStore = %+v, %v", s, err)
			}
		}
		if _, err := db.DeactivateStore(ctx, "nope"); code(err) != bopis.ENOTFOUND {
			t.Fatalf("unknown store: %v", err)
		}
		active, _, _ := db.ListStores(ctx, bopis.StoreFilter{ActiveOnly: true}, bopis.Page{})
		if len(active) != 1 || active[0].ID != "s-2" {
			t.Fatalf("active stores = %v, want s-2 only", active)
		}
	})
}

func TestSKUs(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		k := storagetest.SKU("A1")
		v := int64(24)
		k.VariantID = &v
		if created, err := db.PutSKU(ctx, k); err != nil || !created {
			t.Fatalf("PutSKU = %v, %v", created, err)
		}
		got, err := db.GetSKU(ctx, "A1")
		if err != nil || !reflect.DeepEqual(got, k) {
			t.Fatalf("GetSKU = %+v, %v; want %+v", got, err, k)
		}
		other := storagetest.SKU("B2")
		other.VariantID = &v
		if _, err := db.PutSKU(ctx, other); code(err) != bopis.ECONFLICT {
			t.Fatalf("duplicate variant_id: %v", err)
		}
		bad := storagetest.SKU("C3")
		bad.ExtraPrepMinutes = -5
		if _, err := db.PutSKU(ctx, bad); code(err) != bopis.EINVALID {
			t.Fatalf("negative prep: %v", err)
		}
		list, next, err := db.ListSKUs(ctx, bopis.Page{})
		if err != nil || len(list) != 1 || next != "" {
			t.Fatalf("ListSKUs = %v, %q, %v; want only A1", list, next, err)
		}
		if k, err := db.DeactivateSKU(ctx, "A1"); err != nil || k.Active {
			t.Fatalf("DeactivateSKU = %+v, %v", k, err)
		}
		if _, err := db.DeactivateSKU(ctx, "zz"); code(err) != bopis.ENOTFOUND {
			t.Fatalf("unknown SKU: %v", err)
		}
	})
}

func TestStoreSKUOverrides(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		db.PutStore(ctx, storagetest.Store("s-1"))
		db.PutSKU(ctx, storagetest.SKU("A1"))
		no, safety := false, 3
		o := &bopis.StoreSKU{StoreID: "s-1", SKU: "A1", PickupEligible: &no, SafetyStock: &safety}
		if err := db.PutStoreSKU(ctx, o); err != nil {
			t.Fatal(err)
		}
		got, err := db.GetStoreSKU(ctx, "s-1", "A1")
		if err != nil || !reflect.DeepEqual(got, o) {
			t.Fatalf("GetStoreSKU = %+v, %v; want %+v", got, err, o)
		}
		if got.LowStockThreshold != nil {
			t.Errorf("unset threshold came back as %d; want inherited (nil)", *got.LowStockThreshold)
		}
		for _, c := range []struct{ store, sku string }{{"nope", "A1"}, {"s-1", "nope"}} {
			err := db.PutStoreSKU(ctx, &bopis.StoreSKU{StoreID: c.store, SKU: c.sku})
			if code(err) != bopis.ENOTFOUND {
				t.Errorf("override of %s at %s: %v, want not found", c.sku, c.store, err)
			}
		}
		list, _, err := db.ListStoreSKUs(ctx, "s-1", bopis.Page{})
		if err != nil || len(list) != 1 {
			t.Fatalf("ListStoreSKUs = %v, %v", list, err)
		}
		if err := db.DeleteStoreSKU(ctx, "s-1", "A1"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GetStoreSKU(ctx, "s-1", "A1"); code(err) != bopis.ENOTFOUND {
			t.Fatalf("override still there after delete: %v", err)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		db.PutStore(ctx, storagetest.Store("s-1"))
		k := &bopis.APIKey{Role: bopis.RoleStore, StoreIDs: []string{"s-1"}, Name: "till 1"}
		token, err := db.CreateAPIKey(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Authenticate(ctx, token)
		if err != nil || got.ID != k.ID || got.Role != bopis.RoleStore || !reflect.DeepEqual(got.StoreIDs, []string{"s-1"}) {
			t.Fatalf("Authenticate = %+v, %v", got, err)
		}
		if _, err := db.Authenticate(ctx, token+"x"); code(err) != bopis.EUNAUTHORIZED {
			t.Fatalf("wrong token: %v", err)
		}
		if _, err := db.CreateAPIKey(ctx, &bopis.APIKey{Role: bopis.RolePOS, StoreIDs: []string{"ghost"}}); code(err) != bopis.EINVALID {
			t.Fatalf("key for a store that does not exist: %v", err)
		}
		if _, err := db.RevokeAPIKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, token); code(err) != bopis.EUNAUTHORIZED {
			t.Fatalf("revoked key still works: %v", err)
		}
		// The bootstrap key is taken only by a database with no keys at all.
		if stored, err := db.BootstrapAdminKey(ctx, "an-operator-chosen-secret-123"); err != nil || stored {
			t.Fatalf("bootstrap on a database with keys = %v, %v; want not stored", stored, err)
		}
	})
}

func TestBootstrapAdminKey(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		if _, err := db.BootstrapAdminKey(ctx, "short"); err == nil {
			t.Fatal("a short admin key was accepted")
		}
		secret := "an-operator-chosen-secret-123"
		if stored, err := db.BootstrapAdminKey(ctx, secret); err != nil || !stored {
			t.Fatalf("bootstrap = %v, %v", stored, err)
		}
		if k, err := db.Authenticate(ctx, secret); err != nil || k.Role != bopis.RoleAdmin {
			t.Fatalf("bootstrap key: %+v, %v", k, err)
		}
		keys, _, _ := db.ListAPIKeys(ctx, bopis.Page{})
		if len(keys) != 1 {
			t.Fatalf("%d keys, want 1", len(keys))
		}
	})
}

func TestStoreCountAndLedgerReplay(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		db.PutStore(ctx, storagetest.Store("s-1"))
		for _, s := range []string{"A", "B", "C"} {
			db.PutSKU(ctx, storagetest.SKU(s))
		}
		at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
		// C is counted at 0: its level exists, but nothing changed.
		r, err := db.CountStore(ctx, "s-1", at, []bopis.Count{{SKU: "A", OnHand: 5}, {SKU: "B", OnHand: 2}, {SKU: "C", OnHand: 0}})
		if err != nil || r.Changed != 2 {
			t.Fatalf("first count changed %d, %v; want 2", r.Changed, err)
		}
		// B unchanged, A changes, C omitted (already 0): one change.
		r, err = db.CountStore(ctx, "s-1", at.Add(time.Hour), []bopis.Count{{SKU: "A", OnHand: 9}, {SKU: "B", OnHand: 2}})
		if err != nil || r.Changed != 1 {
			t.Fatalf("second count changed %d, %v; want 1", r.Changed, err)
		}
		// Everything omitted goes to zero.
		if _, err := db.CountStore(ctx, "s-1", at.Add(2*time.Hour), []bopis.Count{{SKU: "B", OnHand: 4}}); err != nil {
			t.Fatal(err)
		}
		levels, err := db.Levels(ctx, "s-1", nil)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, l := range levels {
			got[l.SKU] = l.OnHand
		}
		want := map[string]int64{"A": 0, "B": 4, "C": 0}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("levels %v, want %v", got, want)
		}
		replay := storagetest.ReplayLedger(t, db, "s-1")
		if !reflect.DeepEqual(replay, map[string]storagetest.Totals{"A": {OnHand: 0}, "B": {OnHand: 4}}) {
			t.Fatalf("ledger replays to %v, levels are %v", replay, got)
		}
		storagetest.CheckReplay(t, db, "s-1")
		if _, err := db.CountStore(ctx, "s-1", at.Add(3*time.Hour), []bopis.Count{{SKU: "nope", OnHand: 1}}); code(err) != bopis.EINVALID {
			t.Fatalf("count of an unknown SKU: %v", err)
		}
		if l, _ := db.Levels(ctx, "s-1", []string{"B"}); len(l) != 1 || l[0].OnHand != 4 {
			t.Fatalf("failed count changed stock: %v", l)
		}
	})
}

func TestMigrationsRerunAreNoOp(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			url := storagetest.URL(t, backend)
			for i := range 2 {
				db, err := storage.Open(ctx, storage.Config{URL: url})
				if err != nil {
					t.Fatalf("open #%d: %v", i+1, err)
				}
				if i == 0 {
					db.PutStore(ctx, storagetest.Store("kept"))
				} else if _, err := db.GetStore(ctx, "kept"); err != nil {
					t.Fatalf("data lost on reopen: %v", err)
				}
				db.Close()
			}
		})
	}
}

// laterSchema adds to an older schema what today's code needs of later
// migrations: the ledger columns it writes (00016) and, on SQLite, the
// index it reads SKUs' thresholds from (00017), so that it can run
// there; the function returned takes them away again, before the later
// migrations run.
func laterSchema(t *testing.T, db *storage.DB, backend string) func() {
	t.Helper()
	alter := func(how string) {
		t.Helper()
		if err := db.Tx(ctx, func(tx *sql.Tx) error {
			for _, c := range []string{"occurred_at BIGINT", "quantity BIGINT", "status TEXT"} {
				if how == "DROP" {
					c = strings.Fields(c)[0]
				}
				if _, err := tx.ExecContext(ctx, "ALTER TABLE inventory_ledger "+how+" COLUMN "+c); err != nil {
					return err
				}
			}
			if backend != "sqlite" {
				return nil
			}
			q := "CREATE INDEX skus_threshold ON skus (sku, low_stock_threshold)"
			if how == "DROP" {
				q = "DROP INDEX skus_threshold"
			}
			_, err := tx.ExecContext(ctx, q)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	alter("ADD")
	undoProducts := productColumns(t, db)
	return func() { undoProducts(); alter("DROP") }
}

// Migrations 00013 and 00018 rebuild SQLite's orders and order lines
// (and drop, then put back, their foreign keys on PostgreSQL): an order
// placed before them is still whole after them, its reservations still
// release, and new orders place.
func TestOrdersKeptAcrossMigrations(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			cfg := storage.Config{URL: storagetest.URL(t, backend)}
			old, err := storage.Open(ctx, storage.MigratedTo(cfg, 12))
			if err != nil {
				t.Fatal(err)
			}
			dropColumns := laterSchema(t, old, backend)
			if _, err := old.PutSKUs(ctx, []*bopis.SKU{storagetest.SKU("A"), storagetest.SKU("B")}); err != nil {
				t.Fatal(err)
			}
			if _, err := old.PutStore(ctx, storagetest.Store("s-1")); err != nil {
				t.Fatal(err)
			}
			if _, err := old.CountStore(ctx, "s-1", time.Now(), []bopis.Count{{SKU: "A", OnHand: 5}, {SKU: "B", OnHand: 5}}); err != nil {
				t.Fatal(err)
			}
			placeTwoLines(t, old, "o-before")
			dropColumns()
			old.Close()

			db, err := storage.Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			o, err := db.GetOrder(ctx, "o-before", bopis.OrderScope{})
			if err != nil {
				t.Fatal(err)
			}
			if o.StoreID != "s-1" || len(o.Lines) != 2 || o.Lines[0].SKU != "A" || o.Lines[1].Quantity != 2 {
				t.Fatalf("order after the migration: store %q, lines %+v", o.StoreID, o.Lines)
			}
			if _, err := db.Cancel(ctx, "o-before", bopis.OrderScope{}, "customer asked"); err != nil {
				t.Fatal(err)
			}
			placeTwoLines(t, db, "o-after")
			levels, err := db.Levels(ctx, "s-1", nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, l := range levels {
				got[l.SKU] = l.Reserved
			}
			if want := map[string]int64{"A": 1, "B": 2}; !reflect.DeepEqual(got, want) {
				t.Fatalf("reserved after cancelling the old order and placing a new one: %v, want %v", got, want)
			}
		})
	}
}

// The database itself refuses an orphan (issue 38 put the foreign keys
// back): an order at a store that does not exist, a line of an order that
// does not exist, a level of an unknown store or SKU. Each write is
// refused whole and leaves nothing behind.
func TestTheDatabaseRefusesOrphans(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			db := storagetest.Open(t, backend, time.Now)
			if _, err := db.PutSKUs(ctx, []*bopis.SKU{storagetest.SKU("A")}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.PutStore(ctx, storagetest.Store("s-1")); err != nil {
				t.Fatal(err)
			}
			orderAt := func(store string) string {
				return `INSERT INTO orders (id, external_id, status, store_id, method, time_zone, pickup_code,
					promised_ready_at, slot_start, slot_end, placed_by, hold_id, payment_gateway, payment_id,
					payment_status, capture_policy, currency, authorized_amount, captured_amount,
					authorization_expires_at, details, created_at, updated_at)
					VALUES ('o-x', '', 'placed', '` + store + `', 'pickup_in_store', 'UTC', '1', 0, 0, 0, 'k', '', 'test', 'p',
					'authorized', 'at_pickup', 'USD', 0, 0, 0, '{}', 0, 0)`
			}
			line := `INSERT INTO order_lines (order_id, id, position, sku, quantity, unit_price, fulfillment, location_id, status)
				VALUES ('o-nobody', 'l1', 0, 'A', 1, 100, 'pickup', 's-1', 'reserved')`
			for name, q := range map[string]string{
				"order at an unknown store": orderAt("s-nowhere"),
				"line of an unknown order":  line,
				"level of an unknown store": `INSERT INTO inventory_levels (store_id, sku, on_hand, updated_at) VALUES ('s-nowhere', 'A', 1, 0)`,
				"level of an unknown SKU":   `INSERT INTO inventory_levels (store_id, sku, on_hand, updated_at) VALUES ('s-1', 'NOPE', 1, 0)`,
			} {
				err := db.Tx(ctx, func(tx *sql.Tx) error {
					_, err := tx.ExecContext(ctx, q)
					return err
				})
				if err == nil {
					t.Errorf("%s: written", name)
				}
			}
			// The same order at a store that exists is written: the refusals
			// above are the foreign keys, not a mistake in the statements.
			if err := db.Tx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, orderAt("s-1"))
				return err
			}); err != nil {
				t.Fatalf("an order at a known store: %v", err)
			}
		})
	}
}

// placeTwoLines places order id at store s-1: one A and two B for pickup.
func placeTwoLines(t *testing.T, db *storage.DB, id string) {
	t.Helper()
	slot := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	if _, _, err := db.PlaceOrder(ctx, bopis.Placement{Order: pickupOrder(id, bopis.ReserveLine{SKU: "A", Quantity: 1},
		bopis.ReserveLine{SKU: "B", Quantity: 2}), PlacedBy: "k-1",
		Attempts: []bopis.PickupAttempt{{StoreID: "s-1", TimeZone: "America/Chicago",
			Slots: []bopis.PickupWindow{{Start: slot, End: slot.Add(time.Hour)}}}}}); err != nil {
		t.Fatalf("placing %s: %v", id, err)
	}
}

// pickupOrder is in-store pickup order id of lines l1, l2, … at 10.00 USD
// a unit, its payment authorized by the test gateway: what placement
// writes before routing fills in the store.
func pickupOrder(id string, lines ...bopis.ReserveLine) bopis.Order {
	o := bopis.Order{ID: id, Method: bopis.PickupInStore, PickupCode: "123456",
		Customer: bopis.Customer{Name: "Ann", Email: "ann@example.com"},
		Payment: bopis.Payment{Gateway: "test", AuthorizationID: "pay-" + id, Status: bopis.PaymentAuthorized,
			Capture: bopis.CaptureAtPickup, Authorized: bopis.Money{Amount: 3000, Currency: "USD"},
			Captured: bopis.Money{Currency: "USD"}, AuthorizationExpiresAt: time.Now().Add(7 * 24 * time.Hour)}}
	for i, l := range lines {
		o.Lines = append(o.Lines, bopis.OrderLine{ID: fmt.Sprintf("l%d", i+1), SKU: l.SKU, Quantity: l.Quantity,
			UnitPrice: bopis.Money{Amount: 1000, Currency: "USD"}, Fulfillment: bopis.FulfillPickup})
	}
	return o
}
