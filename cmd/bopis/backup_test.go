package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/storage/storagetest"
)

// TestBackupUnderLoadRestores backs up a SQLite database while orders and
// a POS feed write to it, restores the backup into a new file, opens it
// as a fresh process would, and checks that every order acknowledged
// before the backup began is there with its lines and that the ledger
// replays to the levels (nothing half-copied). A second backup to the
// same file is refused, and a restore never replaces a database without
// --force.
func TestBackupUnderLoadRestores(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live := "sqlite:" + filepath.Join(dir, "live.db")
	db, err := storage.Open(ctx, storage.Config{URL: live})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.PutSKUs(ctx, []*bopis.SKU{storagetest.SKU("A"), storagetest.SKU("B")}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutStore(ctx, storagetest.Store("s-1")); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CountStore(ctx, "s-1", time.Now(), []bopis.Count{{SKU: "A", OnHand: 100000}, {SKU: "B", OnHand: 100000}}); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var acked []string // orders acknowledged, in order
	var seq atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := seq.Add(1)
				if w == 2 { // the POS
					d := int64(1)
					_, _, err := db.ApplyInventoryEvents(ctx, []bopis.InventoryEvent{{ID: fmt.Sprintf("e-%d", n), StoreID: "s-1",
						SKU: "B", Type: bopis.EventDelta, Delta: &d, Reason: "receipt", OccurredAt: time.Now()}}, bopis.BatchOptions{})
					if err != nil {
						t.Error(err)
						return
					}
					continue
				}
				id := fmt.Sprintf("o-%06d", n)
				if _, _, err := db.PlaceOrder(ctx, backupOrder(id)); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		}()
	}
	// Once some orders are in, back up while the writers go on.
	for deadline := time.Now().Add(30 * time.Second); ; {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 50 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond) // polling the writers' progress, not waiting for a timer
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	copyPath := filepath.Join(dir, "backup.db")
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"backup", "--db", live, "--to", copyPath}, &out, &errOut); err != nil {
		t.Fatalf("backup: %v %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "integrity ok") {
		t.Errorf("backup said %q", out.String())
	}
	close(stop)
	wg.Wait()
	if len(before) < 50 {
		t.Fatalf("only %d orders before the backup: the load is not loading", len(before))
	}
	if err := run(ctx, []string{"backup", "--db", live, "--to", copyPath}, &out, &errOut); err == nil {
		t.Error("a second backup overwrote the first")
	}

	restored := "sqlite:" + filepath.Join(dir, "restored.db")
	if err := run(ctx, []string{"restore", "--from", copyPath, "--db", restored}, &out, &errOut); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if err := run(ctx, []string{"restore", "--from", copyPath, "--db", restored}, &out, &errOut); err == nil {
		t.Error("restore replaced an existing database without --force")
	}
	if err := run(ctx, []string{"restore", "--from", copyPath, "--db", restored, "--force"}, &out, &errOut); err != nil {
		t.Errorf("restore --force: %v", err)
	}
	back, err := storage.Open(ctx, storage.Config{URL: restored})
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	for _, id := range before {
		o, err := back.GetOrder(ctx, id, bopis.OrderScope{})
		if err != nil || len(o.Lines) != 1 {
			t.Fatalf("order %s was acknowledged before the backup; restored: %v %v", id, o, err)
		}
	}
	storagetest.CheckReplay(t, back, "s-1")
	t.Logf("%d orders acknowledged before the backup, all restored; %d by the end", len(before), len(acked))
}

// backupOrder is a one-line pickup order at s-1, authorized.
func backupOrder(id string) bopis.Placement {
	slot := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	usd := func(a int64) bopis.Money { return bopis.Money{Amount: a, Currency: "USD"} }
	o := bopis.Order{ID: id, Method: bopis.PickupInStore, PickupCode: "123456",
		Customer: bopis.Customer{Name: "Ann", Email: "ann@example.com"},
		Payment: bopis.Payment{Gateway: "test", AuthorizationID: "pay-" + id, Status: bopis.PaymentAuthorized,
			Capture: bopis.CaptureAtPickup, Authorized: usd(1000), Captured: usd(0),
			AuthorizationExpiresAt: time.Now().Add(7 * 24 * time.Hour)},
		Lines: []bopis.OrderLine{{ID: "l1", SKU: "A", Quantity: 1, UnitPrice: usd(1000), Fulfillment: bopis.FulfillPickup}}}
	return bopis.Placement{Order: o, PlacedBy: "k-1", Attempts: []bopis.PickupAttempt{{StoreID: "s-1",
		TimeZone: "America/Chicago", Slots: []bopis.PickupWindow{{Start: slot, End: slot.Add(time.Hour)}}}}}
}
