package storage_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/payment"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// TestTestGatewayAuthorizationIsDurable: once the test gateway's Authorize
// returns, its authorization survives a crash on its own, with no later
// commit (an order's) to carry it to the disk. On SQLite Authorize waits
// for the sync of the WAL that holds its commit; on PostgreSQL the commit
// record of its row is in the WAL the server had flushed when Authorize
// returned. Either way the row is then read from a connection of its own.
func TestTestGatewayAuthorizationIsDurable(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			url := storagetest.URL(t, backend)
			db, err := storage.Open(ctx, storage.Config{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			fresh, err := storage.OpenSQL(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer fresh.Close()
			g := payment.NewTest(db, nil)
			authorize := func() (payment.Authorization, error) {
				return g.Authorize(ctx, payment.AuthorizeRequest{Token: "tok_visa", Reference: "ord_1",
					Amount: bopis.Money{Amount: 2599, Currency: "USD"}})
			}
			readable := func(id string) {
				t.Helper()
				var n int
				if err := fresh.QueryRow(`SELECT count(*) FROM test_payments WHERE id = $1`, id).Scan(&n); err != nil || n != 1 {
					t.Fatalf("authorization %s: %d rows from a fresh connection (%v), want 1", id, n, err)
				}
			}
			if backend == "sqlite" {
				authorizeWaitsForSync(t, db, authorize, readable)
				return
			}
			authorizeFlushedOnPostgres(t, fresh, authorize, readable)
		})
	}
}

// authorizeWaitsForSync checks that the SQLite writer, which commits
// every write (the authorization's included) and answers after COMMIT
// returns, runs synchronous=FULL: SQLite then syncs the WAL within each
// commit (ADR 0031), so an Authorize that returned is on the disk.
func authorizeWaitsForSync(t *testing.T, db *storage.DB, authorize func() (payment.Authorization, error), readable func(string)) {
	if mode := db.WriterPragma(t, "synchronous"); mode != "2" { // 2 is FULL
		t.Fatalf("the SQLite writer runs synchronous=%s, want 2 (FULL): a commit answered could be lost", mode)
	}
	a, err := authorize()
	if err != nil {
		t.Fatal(err)
	}
	readable(a.ID)
}

// authorizeFlushedOnPostgres checks, with pg_walinspect, that the commit
// record of each authorization's row lies before the server's WAL flush
// position read right after Authorize returned: flushed, so durable
// whatever happens next. A commit that was not waited for (one made with
// synchronous_commit off) is flushed only by the WAL writer, up to 200 ms
// later (wal_writer_delay), or by someone else's durable commit; over ten
// authorizations that does not always happen first.
func authorizeFlushedOnPostgres(t *testing.T, fresh *sql.DB, authorize func() (payment.Authorization, error), readable func(string)) {
	conn, err := fresh.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS pg_walinspect`); err != nil {
		a, err2 := authorize()
		if err2 != nil {
			t.Fatal(err2)
		}
		readable(a.ID)
		t.Skipf("the authorization is readable, but its durability needs pg_walinspect (PostgreSQL 15+ contrib, as a superuser): %v", err)
	}
	for range 10 {
		var start string
		if err := conn.QueryRowContext(ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&start); err != nil {
			t.Fatal(err)
		}
		a, err := authorize()
		if err != nil {
			t.Fatal(err)
		}
		var flushed string
		if err := conn.QueryRowContext(ctx, `SELECT pg_current_wal_flush_lsn()::text`).Scan(&flushed); err != nil {
			t.Fatal(err)
		}
		var commits int
		if err := conn.QueryRowContext(ctx, `SELECT CASE WHEN $2::pg_lsn <= $1::pg_lsn THEN 0 ELSE
			(SELECT count(*) FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn)
			WHERE resource_manager = 'Transaction' AND record_type = 'COMMIT'
			AND xid = (SELECT xmin FROM test_payments WHERE id = $3)) END`, start, flushed, a.ID).Scan(&commits); err != nil {
			t.Fatal(err)
		}
		if commits != 1 {
			t.Fatalf("authorization %s: its commit is not in the WAL flushed (up to %s) when Authorize returned: a crash now loses it",
				a.ID, flushed)
		}
		readable(a.ID)
	}
}

// An order placed through the test gateway carries its authorization in
// its own transaction (payment.Preparer): once placed, the authorization
// is there for capture; when the placement fails (here a shortfall) the
// authorization was never kept, so nothing is held on the shopper's card.
func TestTestGatewayAuthorizationIsWrittenWithItsOrder(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			db := storagetest.Open(t, backend, time.Now)
			if _, err := db.PutSKUs(ctx, []*bopis.SKU{storagetest.SKU("A"), storagetest.SKU("B")}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.PutStore(ctx, storagetest.Store("s-1")); err != nil {
				t.Fatal(err)
			}
			if _, err := db.CountStore(ctx, "s-1", time.Now(), []bopis.Count{{SKU: "A", OnHand: 5}, {SKU: "B", OnHand: 5}}); err != nil {
				t.Fatal(err)
			}
			g := payment.NewTest(db, nil)
			place := func(id string, quantity int64) (payment.Authorization, error) {
				t.Helper()
				auth, row, err := g.Prepare(payment.AuthorizeRequest{Token: "tok_visa", Reference: id,
					Amount: bopis.Money{Amount: 1000 * quantity, Currency: "USD"}})
				if err != nil {
					t.Fatal(err)
				}
				o := pickupOrder(id, bopis.ReserveLine{SKU: "A", Quantity: quantity})
				o.Payment.AuthorizationID = auth.ID
				slot := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
				_, _, err = db.PlaceOrder(ctx, bopis.Placement{Order: o, PlacedBy: "k-1", TestPayment: &row,
					Attempts: []bopis.PickupAttempt{{StoreID: "s-1", TimeZone: "America/Chicago",
						Slots: []bopis.PickupWindow{{Start: slot, End: slot.Add(time.Hour)}}}}})
				return auth, err
			}
			placed, err := place("o-placed", 2)
			if err != nil {
				t.Fatal(err)
			}
			if p, err := db.TestPayment(ctx, placed.ID); err != nil || p.Status != bopis.PaymentAuthorized || p.Amount.Amount != 2000 {
				t.Fatalf("the placed order's authorization: %+v, %v", p, err)
			}
			if err := g.Capture(ctx, placed.ID, bopis.Money{Amount: 2000, Currency: "USD"}); err != nil {
				t.Fatalf("capturing the placed order's authorization: %v", err)
			}
			short, err := place("o-short", 9)
			if err == nil {
				t.Fatal("9 of A placed with 3 left")
			}
			if _, err := db.TestPayment(ctx, short.ID); bopis.ErrorCode(err) != bopis.ENOTFOUND {
				t.Fatalf("the authorization of an order not placed: %v, want not found", err)
			}
		})
	}
}
