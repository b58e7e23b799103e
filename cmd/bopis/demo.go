package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/app"
	"github.com/bopis/bopis/internal/demo"
	"github.com/bopis/bopis/internal/storage"
	"github.com/bopis/bopis/internal/web"
)

// runDemo seeds a fresh SQLite file with the demo network, makes a key of
// each role, prints how to try it, and serves.
func runDemo(ctx context.Context, args []string, logger *slog.Logger, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", env("BOPIS_ADDR", "127.0.0.1:8080"), "listen address (env BOPIS_ADDR)")
	path := fs.String("file", "./bopis-demo.db", "the SQLite file to create; an existing one is replaced")
	seed := fs.Uint64("seed", 1, "seed of the generated network; the same seed gives the same network")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(*path + suffix); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	ln, err := net.Listen("tcp", *addr) // before seeding, so a busy port fails fast
	if err != nil {
		return err
	}
	db, err := openDB(ctx, "sqlite:"+*path, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, shop, err := seedDemo(ctx, db, *seed, stderr)
	if err != nil {
		return err
	}
	setup := func(set *app.Settings) {
		set.Notify.Mailbox = true
		set.DemoPublicKey, set.DemoCart, set.DemoNear = shop.key, shop.cart, &shop.near
	}
	return listenAndServe(ctx, ln, db, logger, setup, func(url string) { printDemoHelp(stdout, url, keys) })
}

// demoShop is what the demo storefront page sells, where its shopper
// stands, and the publishable key its picker uses.
type demoShop struct {
	key  string
	cart []web.DemoItem
	near bopis.Coordinates
}

// shopOf fills the demo storefront's cart with a few pickup-eligible SKUs
// the first store has plenty of, for a shopper a little way from it.
func shopOf(n *demo.Network) demoShop {
	first := n.Stores[0]
	shop := demoShop{near: bopis.Coordinates{Latitude: first.Coordinates.Latitude + 0.01, Longitude: first.Coordinates.Longitude}}
	prices := []int64{1299, 2499, 899}
	for _, k := range n.SKUs {
		if on, ok := n.OnHand(first.ID, k.SKU); ok && on >= 5 && k.PickupEligible && k.Active && k.ExtraPrepMinutes == 0 {
			shop.cart = append(shop.cart, web.DemoItem{SKU: k.SKU, Name: k.Name, Quantity: 1, UnitPrice: prices[len(shop.cart)]})
			if len(shop.cart) == len(prices) {
				break
			}
		}
	}
	return shop
}

type demoKey struct {
	role   bopis.Role
	store  string
	secret string
}

// seedDemo stores the generated network, makes one key per role and sets
// up the demo storefront.
func seedDemo(ctx context.Context, db *storage.DB, seed uint64, progress io.Writer) ([]demoKey, demoShop, error) {
	start := time.Now()
	n := demo.Generate(seed)
	step := func(format string, args ...any) {
		fmt.Fprintf(progress, "demo: %-44s %6.1fs\n", fmt.Sprintf(format, args...), time.Since(start).Seconds())
	}
	catalog := make([]*bopis.SKU, len(n.SKUs))
	for i := range n.SKUs {
		catalog[i] = &n.SKUs[i]
	}
	if _, err := db.PutSKUs(ctx, catalog); err != nil {
		return nil, demoShop{}, fmt.Errorf("catalog: %w", err)
	}
	step("catalog: %d SKUs", len(n.SKUs))
	for i := range n.Stores {
		if _, err := db.PutStore(ctx, &n.Stores[i]); err != nil {
			return nil, demoShop{}, fmt.Errorf("store %s: %w", n.Stores[i].ID, err)
		}
	}
	step("network: %d locations", len(n.Stores))

	// Stock comes store by store: gather one store's counts, apply them as
	// one whole-store count, move on.
	var (
		current string
		counts  []bopis.Count
		done    int
		levels  int
		err     error
	)
	flush := func() {
		if current == "" || err != nil {
			return
		}
		_, err = db.CountStore(ctx, current, time.Now(), counts)
		levels += len(counts)
		done++
		if done%50 == 0 || done == len(n.Stores) {
			step("stock: %d/%d locations, %d levels", done, len(n.Stores), levels)
		}
		counts = counts[:0]
	}
	n.Stock(func(storeID, sku string, onHand int) {
		if storeID != current {
			flush()
			current = storeID
		}
		counts = append(counts, bopis.Count{SKU: sku, OnHand: int64(onHand)})
	})
	flush()
	if err != nil {
		return nil, demoShop{}, fmt.Errorf("stock: %w", err)
	}

	// Where the first stores keep each SKU, for their pick lists.
	var places []*bopis.StoreSKU
	n.Locations(func(storeID, sku, location string) {
		places = append(places, &bopis.StoreSKU{StoreID: storeID, SKU: sku, Location: location})
	})
	if err := db.PutStoreSKUs(ctx, places); err != nil {
		return nil, demoShop{}, fmt.Errorf("store locations: %w", err)
	}
	step("locations: %d SKUs placed in %d stores", len(places), demo.NumLocatedStores)

	first := n.Stores[0].ID
	var keys []demoKey
	shop := shopOf(n)
	for _, k := range []demoKey{{role: bopis.RoleAdmin}, {role: bopis.RoleStorefront},
		{role: bopis.RoleStore, store: first}, {role: bopis.RolePOS, store: first}, {role: bopis.RolePublic}} {
		key := &bopis.APIKey{Role: k.role, Name: "demo " + string(k.role)}
		if k.store != "" {
			key.StoreIDs = []string{k.store}
		}
		if k.secret, err = db.CreateAPIKey(ctx, key); err != nil {
			return nil, demoShop{}, err
		}
		if k.role == bopis.RolePublic {
			shop.key = k.secret // the demo storefront's picker, same origin: no CORS origins needed
		}
		keys = append(keys, k)
	}
	step("keys: one per role")
	return keys, shop, nil
}

func printDemoHelp(w io.Writer, url string, keys []demoKey) {
	secret := map[bopis.Role]string{}
	var b strings.Builder
	fmt.Fprintf(&b, "\nbopis demo is serving at %s\n\nAPI keys (each shown only now):\n", url)
	for _, k := range keys {
		secret[k.role] = k.secret
		scope := "all stores"
		if k.store != "" {
			scope = "store " + k.store
		}
		fmt.Fprintf(&b, "  %-10s %-11s %s\n", k.role, scope, k.secret)
	}
	sf, admin, store := secret[bopis.RoleStorefront], secret[bopis.RoleAdmin], secret[bopis.RoleStore]
	fmt.Fprintf(&b, `
Try:
  curl -s -H 'Authorization: Bearer %[2]s' '%[1]s/v1/stores?limit=3'
  curl -s -H 'Authorization: Bearer %[2]s' '%[1]s/v1/stores/s-0001'
  curl -s -H 'Authorization: Bearer %[2]s' '%[1]s/v1/stores/s-0001/inventory?sku=SKU-000001,SKU-000002'
  curl -s -H 'Authorization: Bearer %[2]s' '%[1]s/v1/stores/s-0001/calendar?days=2&items=SKU-000001:1'
  curl -s -X POST -H 'Authorization: Bearer %[2]s' -H 'Content-Type: application/json' '%[1]s/v1/pickup-options' \
       -d '{"coordinates": {"latitude": 40.7128, "longitude": -74.006}, "items": [{"sku": "SKU-000001", "quantity": 1}], "days": 1}'
  curl -s -H 'Authorization: Bearer %[2]s' '%[1]s/v1/skus?limit=5'
  curl -s -X PUT -H 'Authorization: Bearer %[3]s' -H 'Content-Type: application/json' '%[1]s/v1/skus/MY-SKU' -d '{"name":"My item"}'
  curl -s -H 'Authorization: Bearer %[4]s' '%[1]s/v1/stores/s-0002'   # 403: a store key reaches only its own store
  curl -s '%[1]s/openapi.json' | head -c 300

A demo shop's checkout with the embeddable pickup picker (/picker.js, using the
public key above): %[1]s/demo/storefront

Every email and SMS bopis would send (order confirmations, ready for pickup, …)
lands in the demo mailbox: %[1]s/demo/mailbox

Stop with Ctrl-C.
`, url, sf, admin, store)
	io.WriteString(w, b.String())
}
