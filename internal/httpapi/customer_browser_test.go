package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/storage/storagetest"
	"github.com/bopis/bopis/internal/web"
	"github.com/chromedp/chromedp"
)

// browserWork is a store-work test on SQLite, with pages built from
// pages (the server fills in its key, database and orders service).
func browserWork(t *testing.T, cfg httpapi.Config, pages web.Config) *work {
	t.Helper()
	clock := storagetest.NewClock(checkoutNow)
	db := storagetest.Open(t, "sqlite", clock.Now)
	cfg.Now = clock.Now
	e := newEnvPages(t, db, cfg, pages)
	orderNetwork(t, e)
	return &work{env: e, clock: clock, front: e.key(bopis.RoleStorefront), mid: e.key(bopis.RoleStore, "mid")}
}

// drawn waits until the page's script has drawn an element matching css
// and it is visible. A chromedp query that starts waiting before a script
// inserts its element can miss it, so this polls in the page first and
// has chromedp re-read the page's elements.
func drawn(css string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Poll[chromedp.Void](fmt.Sprintf("document.querySelector(%q) !== null", css)),
		chromedp.Query(chromedp.CSS("body"), chromedp.Populate(-1, false)),
		chromedp.WaitVisible(chromedp.CSS(css)))
}

func TestCustomerPageInABrowser(t *testing.T) {
	ctx := browser(t)
	w := browserWork(t, httpapi.Config{}, web.Config{})
	id := w.order("mid", "curbside", "A", 1)
	code := w.do("GET", "/v1/orders/"+id, w.front, nil).body["pickup_code"].(string)

	within(t, ctx, 20*time.Second, chromedp.Navigate(w.url+w.customerLink(id)), chromedp.WaitVisible(chromedp.CSS("#pickup-code")))
	if got := text(t, ctx, "#pickup-code"); got != code {
		t.Fatalf("pickup code %q, want %q", got, code)
	}
	if store := text(t, ctx, "#store"); !strings.Contains(store, "Store mid") || !strings.Contains(store, "1 Main St") {
		t.Errorf("store: %q", store)
	}
	fitsPhone(t, ctx, "the customer page")

	within(t, ctx, 20*time.Second,
		chromedp.SendKeys(chromedp.CSS("#parking_spot"), "4"),
		chromedp.SendKeys(chromedp.CSS("#vehicle"), "red Civic"),
		chromedp.Click(chromedp.CSS("#im-here")),
		chromedp.WaitVisible(chromedp.CSS("#arrived")))
	if got := text(t, ctx, "#arrived"); !strings.Contains(got, "parking spot 4, red Civic") {
		t.Errorf("after I'm here: %q", got)
	}
	o := w.do("GET", "/v1/orders/"+id, w.front, nil).body
	if o["arrived_at"] == nil || o["arrival"].(map[string]any)["parking_spot"] != "4" {
		t.Errorf("the API shows %v %v", o["arrived_at"], o["arrival"])
	}
	fitsPhone(t, ctx, "the customer page after I'm here")
}

func TestDemoStorefrontInABrowser(t *testing.T) {
	ctx := browser(t)
	clock := storagetest.NewClock(checkoutNow)
	db := storagetest.Open(t, "sqlite", clock.Now)
	public, err := db.CreateAPIKey(context.Background(), &bopis.APIKey{Role: bopis.RolePublic})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvPages(t, db, httpapi.Config{Now: clock.Now, Mailbox: true}, web.Config{DemoPublicKey: public,
		DemoCart: []web.DemoItem{{SKU: "A", Name: "Item A", Quantity: 1, UnitPrice: 1999}, {SKU: "B", Name: "Item B", Quantity: 2, UnitPrice: 500}}})
	orderNetwork(t, e)

	// No demo location: the shopper types one.
	within(t, ctx, 20*time.Second, chromedp.Navigate(e.url+"/demo/storefront"), chromedp.WaitVisible(chromedp.CSS(".bopis-where input")))
	fitsPhone(t, ctx, "the demo storefront")
	// The shop listens on the target element, as any storefront would.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](
		`document.querySelector("#pickup").addEventListener("bopis:pickup-selected", (e) => { window.picked = e.detail; })`)); err != nil {
		t.Fatal(err)
	}
	within(t, ctx, 20*time.Second,
		chromedp.SendKeys(chromedp.CSS(".bopis-where input"), "41.889, -87.63"),
		chromedp.Click(chromedp.CSS(".bopis-find")),
		drawn(".bopis-stores input[type=radio]"))
	// near (1 km) first: it has A 1 and B 5.
	if first := text(t, ctx, ".bopis-option label"); !strings.Contains(first, "Store near") || !strings.Contains(first, "Item B × 2: 5 available") {
		t.Errorf("the first store: %q", first)
	}
	fitsPhone(t, ctx, "the picker's stores")
	within(t, ctx, 20*time.Second,
		chromedp.Click(chromedp.CSS(".bopis-stores input[type=radio]")),
		drawn(".bopis-slots input[type=radio]:not([disabled])"))
	if slot := text(t, ctx, ".bopis-slots label"); !strings.Contains(slot, "left") {
		t.Errorf("a slot without its remaining capacity: %q", slot)
	}
	fitsPhone(t, ctx, "the picker's slots")
	within(t, ctx, 20*time.Second,
		chromedp.Click(chromedp.CSS(".bopis-slots input[type=radio]:not([disabled])")),
		chromedp.Click(chromedp.CSS(".bopis-confirm")))

	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	picked, err := chromedp.Run(c, chromedp.Poll[map[string]any](`window.picked`))
	if err != nil {
		t.Fatal(err)
	}
	slot, _ := picked["slot"].(map[string]any)
	if picked["store_id"] != "near" || picked["method"] != "in_store" || slot["start"] == nil || slot["end"] == nil {
		t.Fatalf("bopis:pickup-selected detail: %v", picked)
	}
	code, err := chromedp.Run(c, chromedp.Poll[string](`document.querySelector("#order-code").textContent`))
	if err != nil {
		t.Fatalf("no pickup code shown: %v (%s)", err, text(t, ctx, "#result"))
	}
	link, err := chromedp.Run(c, chromedp.Evaluate[string](`document.querySelector("#order-link").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	fitsPhone(t, ctx, "the demo storefront with its order")

	// The order as placed: at the chosen store and slot, the demo cart.
	id := strings.Split(link, "/")[2]
	if link != e.customerLink(id) {
		t.Fatalf("customer link %q", link)
	}
	o := e.do("GET", "/v1/orders/"+id, e.key(bopis.RoleAdmin), nil).body
	start, _ := time.Parse(time.RFC3339, slot["start"].(string))
	if o["pickup_code"] != code || o["store_id"] != "near" || !at(t, o["pickup_window"].(map[string]any)["start"]).Equal(start) ||
		len(o["lines"].([]any)) != 2 || line(o, 1)["quantity"] != float64(2) {
		t.Fatalf("the order: %v", o)
	}

	if placed := text(t, ctx, "#placed"); !strings.Contains(placed, "Your order page") || !strings.Contains(placed, "Demo mailbox") {
		t.Errorf("after placing: %q", placed)
	}
	within(t, ctx, 20*time.Second, chromedp.Click(chromedp.CSS("#order-link")), chromedp.WaitVisible(chromedp.CSS("#pickup-code")))
	if got := text(t, ctx, "#pickup-code"); got != code {
		t.Errorf("the customer page shows %q, the storefront %q", got, code)
	}
	fitsPhone(t, ctx, "the customer page of the demo order")
}
