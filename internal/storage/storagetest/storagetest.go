// Package storagetest opens real databases for tests: SQLite always, and
// PostgreSQL when BOPIS_TEST_POSTGRES_URL names a server (.ci/run sets it,
// so CI always runs both). Each test gets a database of its own.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
)

// PostgresEnv names the variable holding the PostgreSQL URL for tests.
const PostgresEnv = "BOPIS_TEST_POSTGRES_URL"

// Backends lists the databases to test against: "sqlite", and "postgres"
// when PostgresEnv is set.
func Backends() []string {
	if os.Getenv(PostgresEnv) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// Each runs fn as a subtest on a fresh database of every backend.
func Each(t *testing.T, fn func(t *testing.T, db *storage.DB)) {
	t.Helper()
	if os.Getenv(PostgresEnv) == "" {
		t.Logf("PostgreSQL run skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test) to include it", PostgresEnv)
	}
	for _, b := range Backends() {
		t.Run(b, func(t *testing.T) { fn(t, Open(t, b, nil)) })
	}
}

// URL makes a fresh, empty database of the backend and returns its URL;
// the database is removed when the test ends.
func URL(t testing.TB, backend string) string {
	t.Helper()
	if backend == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "bopis.db")
	}
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Fatalf("%s is not set", PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var b [6]byte
	rand.Read(b[:])
	name := "bopis_t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("PostgreSQL at %s: %v", PostgresEnv, err)
	}
	t.Cleanup(func() { admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open opens a fresh database of the backend with the given clock (nil:
// time.Now), closed when the test ends.
func Open(t testing.TB, backend string, now func() time.Time) *storage.DB {
	t.Helper()
	return OpenConfig(t, backend, storage.Config{Now: now})
}

// OpenConfig is Open with settings; cfg.URL is filled in.
func OpenConfig(t testing.TB, backend string, cfg storage.Config) *storage.DB {
	t.Helper()
	cfg.URL = URL(t, backend)
	db, err := storage.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Clock is a settable clock for tests, safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Store returns a valid store with the given id: open 09:00-21:00 every
// day in Chicago, both pickup methods. Tests change what they need.
func Store(id string) *bopis.Store {
	day := []bopis.Interval{{Open: "09:00", Close: "21:00"}}
	return &bopis.Store{
		ID: id, Name: "Store " + id, Type: bopis.StoreTypeStore,
		Address:     bopis.Address{Line1: "1 Main St", City: "Springfield", Region: "IL", PostalCode: "62701", Country: "US"},
		Coordinates: bopis.Coordinates{Latitude: 39.7817, Longitude: -89.6501},
		TimeZone:    "America/Chicago",
		Hours: bopis.WeeklyHours{Monday: day, Tuesday: day, Wednesday: day, Thursday: day,
			Friday: day, Saturday: day, Sunday: day},
		SpecialHours:  []bopis.SpecialHours{{Date: "2026-12-25", Closed: true, Label: "Christmas"}},
		PickupMethods: []bopis.PickupMethod{bopis.PickupInStore, bopis.PickupCurbside},
		PrepMinutes:   60, CutoffMinutes: 60, HoldDays: 3, SlotMinutes: 60, SlotCapacity: 20, Active: true,
	}
}

// SKU returns a valid, pickup-eligible SKU.
func SKU(sku string) *bopis.SKU {
	return &bopis.SKU{SKU: sku, Name: "Item " + sku, PickupEligible: true, LowStockThreshold: 2, Active: true}
}

// Totals is what a ledger replay gives for one SKU.
type Totals struct{ OnHand, Reserved int64 }

// ReplayLedger sums a store's ledger into on-hand and reserved per SKU:
// what the levels must equal if every change was recorded.
func ReplayLedger(t testing.TB, db *storage.DB, storeID string) map[string]Totals {
	t.Helper()
	sum := map[string]Totals{}
	cursor := ""
	for {
		page, next, err := db.Ledger(context.Background(), storeID, "", bopis.Page{Cursor: cursor, Limit: bopis.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			s := sum[e.SKU]
			s.OnHand += e.OnHandDelta
			s.Reserved += e.ReservedDelta
			sum[e.SKU] = s
		}
		if next == "" {
			return sum
		}
		cursor = next
	}
}

// CheckReplay fails the test unless replaying the store's ledger gives
// exactly its levels (on_hand and reserved of every SKU), and reserved
// equals the sum of the store's open reservations.
func CheckReplay(t testing.TB, db *storage.DB, storeID string) {
	t.Helper()
	ctx := context.Background()
	replay := ReplayLedger(t, db, storeID)
	levels, err := db.Levels(ctx, storeID, nil)
	if err != nil {
		t.Fatal(err)
	}
	open, err := db.Reservations(ctx, storeID, "", bopis.ReservationOpen)
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]int64{}
	for _, r := range open {
		held[r.SKU] += r.Quantity
	}
	for _, l := range levels {
		if got := replay[l.SKU]; got.OnHand != l.OnHand || got.Reserved != l.Reserved {
			t.Errorf("store %s SKU %s: ledger replays to on_hand %d reserved %d; the level is %d, %d",
				storeID, l.SKU, got.OnHand, got.Reserved, l.OnHand, l.Reserved)
		}
		if held[l.SKU] != l.Reserved {
			t.Errorf("store %s SKU %s: reserved %d, open reservations hold %d", storeID, l.SKU, l.Reserved, held[l.SKU])
		}
		delete(replay, l.SKU)
	}
	for sku, got := range replay {
		if got != (Totals{}) {
			t.Errorf("store %s SKU %s: ledger replays to %+v but there is no level", storeID, sku, got)
		}
	}
}
