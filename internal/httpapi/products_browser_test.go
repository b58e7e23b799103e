package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/demo"
	"github.com/bopis/bopis/internal/dispatch"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/storage/storagetest"
	"github.com/bopis/bopis/internal/web"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The sizes every page is looked at: a phone and a laptop.
var screens = []struct{ w, h int64 }{{390, 844}, {1366, 900}}

// axeSource is axe-core's script (BOPIS_TEST_AXE, which .ci/run sets to
// e2e/axe's axe.min.js), or "" when the test should not check.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("BOPIS_TEST_AXE")
	if path == "" {
		t.Log("BOPIS_TEST_AXE is not set: the pages are not checked with axe-core")
		return ""
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// bareCodes lists the visible texts that show a SKU's code where the
// product's name is not beside it (in the same list item, table row,
// paragraph, fieldset or message). names maps codes to names.
const bareCodes = `((names) => {
  const bad = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const n = walk.currentNode, e = n.parentElement;
    if (!e || e.closest("script, style, template, [hidden]") || !e.getClientRects().length) continue;
    for (const [sku, name] of Object.entries(names)) {
      if (!n.textContent.includes(sku)) continue;
      const box = e.closest("li, tr, fieldset, article") || e.closest("p, dd, div") || document.body;
      if (!box.innerText.includes(name)) bad.push(sku + " in: " + box.innerText.slice(0, 120));
    }
  }
  return bad;
})`

// look checks the page as it stands at both sizes: axe-core finds no
// WCAG 2.2 A/AA violation, no SKU code shows without its product's name,
// the page fits the phone's width; and keeps a screenshot of each in
// BOPIS_TEST_SHOTS (a folder), when set.
func look(t *testing.T, ctx context.Context, axe, page string, names map[string]string) {
	t.Helper()
	q, _ := json.Marshal(names)
	for _, s := range screens {
		within(t, ctx, 10*time.Second, chromedp.EmulateViewport(s.w, s.h))
		if bad := eval[[]string](t, ctx, bareCodes+"("+string(q)+")"); len(bad) > 0 {
			t.Errorf("%s at %d px shows SKU codes without their names: %q", page, s.w, bad)
		}
		if s.w < 400 {
			if width := eval[int](t, ctx, `document.documentElement.scrollWidth`); width > int(s.w) {
				t.Errorf("%s is %d px wide on a %d px screen", page, width, s.w)
			}
		}
		if axe != "" {
			if !eval[bool](t, ctx, `typeof axe === "object"`) {
				eval[bool](t, ctx, axe+";true")
			}
			c, cancel := context.WithTimeout(ctx, 30*time.Second)
			v, err := chromedp.Run(c, chromedp.Evaluate[[]string](`axe.run(document, {runOnly: {type: "tag",
				values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]}}).then((r) => r.violations.map((v) =>
				v.id + ": " + v.help + " (" + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ") + ")"))`, chromedp.EvalAwaitPromise))
			cancel()
			if err != nil {
				t.Fatalf("axe on %s: %v", page, err)
			}
			if len(v) > 0 {
				t.Errorf("%s at %dx%d: axe-core finds %d WCAG 2.2 A/AA violations: %q", page, s.w, s.h, len(v), v)
			}
		}
		if dir := os.Getenv("BOPIS_TEST_SHOTS"); dir != "" {
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err == nil {
				os.MkdirAll(dir, 0o755)
				err = os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", page, s.w)), png, 0o644)
			}
			if err != nil {
				t.Errorf("screenshot of %s: %v", page, err)
			}
		}
	}
	within(t, ctx, 10*time.Second, chromedp.EmulateViewport(screens[0].w, screens[0].h))
}

// visit loads url and waits for an element matching css; a wait that
// starts in the page left behind ("Cannot find context") is tried again.
func visit(t *testing.T, ctx context.Context, url, css string) {
	t.Helper()
	within(t, ctx, 20*time.Second, chromedp.Navigate(url))
	var err error
	for try := 0; try < 3; try++ {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = chromedp.Do(c, drawn(css))
		cancel()
		if err == nil {
			return
		}
	}
	t.Fatalf("%s never showed %s: %v", url, css, err)
}

// TestDemoPagesNameProducts walks every page of the demo over the demo's
// own catalogue (names, pictures, barcodes, an age-restricted product,
// shelf locations) with a day's orders at its first store: no screen
// shows a bare SKU code, an associate finds a substitute by its name, an
// in-store arrival is not "Curbside", a success is shown, not only
// announced, and every page passes axe-core at both sizes (issue 41).
func TestDemoPagesNameProducts(t *testing.T) {
	axe := axeSource(t)
	n := demo.Generate(42)
	store := n.Stores[0]
	store.PickupMethods = []bopis.PickupMethod{bopis.PickupInStore, bopis.PickupCurbside}
	var skus []*bopis.SKU
	names := map[string]string{}
	aged := ""
	for i := range n.SKUs {
		k := &n.SKUs[i]
		if on, ok := n.OnHand(store.ID, k.SKU); !ok || on < 1 || !k.PickupEligible || k.ExtraPrepMinutes > 0 {
			continue
		}
		if k.MinimumAge > 0 && aged == "" {
			aged = k.SKU
		} else if len(skus) >= 24 {
			continue
		}
		skus = append(skus, k)
		names[k.SKU] = k.Name
	}
	if aged == "" {
		t.Fatal("the demo store carries no age-restricted SKU")
	}
	plain := []string{} // the SKUs without an age rule, in catalogue order
	for _, k := range skus {
		if k.MinimumAge == 0 {
			plain = append(plain, k.SKU)
		}
	}

	clock := storagetest.NewClock(checkoutNow)
	db := storagetest.Open(t, "sqlite", clock.Now)
	cart := []web.DemoItem{{SKU: plain[0], Name: names[plain[0]], Quantity: 1, UnitPrice: 1299},
		{SKU: plain[1], Name: names[plain[1]], Quantity: 2, UnitPrice: 499}}
	public, err := db.CreateAPIKey(context.Background(), &bopis.APIKey{Role: bopis.RolePublic})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvPages(t, db, httpapi.Config{Now: clock.Now, Mailbox: true}, web.Config{DemoCart: cart, DemoPublicKey: public,
		DemoNear: &bopis.Coordinates{Latitude: store.Coordinates.Latitude + 0.01, Longitude: store.Coordinates.Longitude}})
	bg := context.Background()
	if _, err := db.PutSKUs(bg, skus); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutStore(bg, &store); err != nil {
		t.Fatal(err)
	}
	var counts []bopis.Count
	var places []*bopis.StoreSKU
	for _, k := range skus {
		counts = append(counts, bopis.Count{SKU: k.SKU, OnHand: 20})
		places = append(places, &bopis.StoreSKU{StoreID: store.ID, SKU: k.SKU, Location: n.Location(store.ID, k.SKU)})
	}
	if _, err := db.CountStore(bg, store.ID, checkoutNow, counts); err != nil {
		t.Fatal(err)
	}
	if err := db.PutStoreSKUs(bg, places); err != nil {
		t.Fatal(err)
	}
	e.sync()
	admin := e.key(bopis.RoleAdmin)
	w := &work{env: e, clock: clock, front: e.key(bopis.RoleStorefront), mid: e.key(bopis.RoleStore, store.ID)}
	// After the server: the browser closes first, so closing the server
	// does not wait on the app's open stream.
	ctx := browser(t)

	// A day at the store: a new order with the age-restricted product, one
	// accepted (its pick list open below), one ready whose customer came
	// into the store, one picked up.
	fresh := w.order(store.ID, "in_store", aged, 1, plain[2], 2)
	accepted := w.order(store.ID, "curbside", plain[3], 3, plain[4], 1)
	w.must(w.mid, accepted, "accept", nil, "accepted")
	inStore := w.order(store.ID, "in_store", plain[5], 1)
	w.must(w.mid, inStore, "accept", nil, "accepted")
	w.must(w.mid, inStore, "pick", picks("l1", 1), "picking")
	w.must(w.mid, inStore, "ready", map[string]any{"staging_location": "Shelf A2"}, "ready")
	w.must(w.front, inStore, "arrival", map[string]any{}, "ready")
	done := w.order(store.ID, "curbside", plain[6], 1)
	w.must(w.mid, done, "accept", nil, "accepted")
	w.must(w.mid, done, "pick", picks("l1", 1), "picking")
	r := w.must(w.mid, done, "ready", map[string]any{"staging_location": "Curb 1"}, "ready")
	w.must(w.mid, done, "handoff", map[string]any{"pickup_code": r["pickup_code"]}, "picked_up")
	_ = fresh

	within(t, ctx, 20*time.Second, chromedp.Navigate(e.url+"/"))
	look(t, ctx, axe, "home", names)

	// The associate app: the queue names products; the arrival in the
	// store is under "Arrived", by its method.
	within(t, ctx, 20*time.Second, chromedp.Navigate(e.url+"/app"),
		chromedp.SendKeys(chromedp.CSS("#store-id"), store.ID), chromedp.SendKeys(chromedp.CSS("#api-key"), w.mid+kb.Enter))
	board := `#q-arrived li[data-order="` + inStore + `"]`
	within(t, ctx, 10*time.Second, drawn(board))
	wantText(t, ctx, board, "In store: at the pickup counter", names[plain[5]])
	if strings.Contains(eval[string](t, ctx, `document.querySelector('`+board+`').innerText`), "Curbside") {
		t.Error("an in-store arrival is shown as curbside")
	}
	wantText(t, ctx, "#h-arrived", "Arrived")
	wantText(t, ctx, `#q-new li[data-order="`+fresh+`"]`, "1 × "+names[aged], "2 × "+names[plain[2]])
	look(t, ctx, axe, "app-queue", names)

	// The pick list: names, pictures, shelves, the age check; a substitute
	// found by its name and chosen from the list.
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS(`#q-picking li[data-order="`+accepted+`"] button`)),
		drawn("#pick-l1"))
	wantText(t, ctx, "#detail-actions", names[plain[3]], n.Location(store.ID, plain[3]))
	if eval[int](t, ctx, `document.querySelectorAll("#detail-actions img.thumb").length`) < 2 {
		t.Error("the pick list shows no pictures")
	}
	sub := plain[7]
	word := strings.Fields(names[sub])[0] // its brand: a name, not a code
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS(`#detail-actions details summary`)),
		chromedp.SendKeys(chromedp.CSS("#sub-q-l1"), strings.ToLower(word)+" "+strings.Fields(names[sub])[1]))
	result := `#sub-results-l1 button`
	within(t, ctx, 10*time.Second, drawn(result))
	wantText(t, ctx, "#sub-results-l1", names[sub])
	look(t, ctx, axe, "app-substitute-search", names)
	within(t, ctx, 10*time.Second, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`[...document.querySelectorAll(%q)].find((b) => b.innerText.includes(%q)).click()`,
		result, names[sub])))
	wantText(t, ctx, "#sub-picked-l1", names[sub])
	within(t, ctx, 10*time.Second, chromedp.SetValue(chromedp.CSS("#pick-l1"), "2"),
		chromedp.Click(chromedp.CSS(`form[aria-labelledby="h-pick-list"] button[type=submit]`)))
	// The success is shown on the screen, not only to screen readers.
	until(t, ctx, `document.querySelector("#live").textContent.includes("substitute proposed")`)
	if h := eval[float64](t, ctx, `document.querySelector("#live").getBoundingClientRect().height`); h < 20 {
		t.Errorf("the success message is not visible (%.0f px high)", h)
	}
	o := w.do("GET", "/v1/orders/"+accepted, w.front, nil).body
	if s, _ := line(o, 0)["substitute"].(map[string]any); s == nil || s["sku"] != sub || s["name"] != names[sub] {
		t.Fatalf("the substitute proposed: %v", line(o, 0)["substitute"])
	}
	wantText(t, ctx, `#detail-lines li[data-line="l1"]`, "Substitute 1 × "+names[sub])
	look(t, ctx, axe, "app-order", names)

	// The customer's page of that order: the substitute to answer, by name.
	visit(t, ctx, e.url+w.customerLink(accepted), "#substitutes")
	wantText(t, ctx, "#substitutes", names[plain[3]], names[sub])
	look(t, ctx, axe, "customer", names)

	// The demo storefront and mailbox.
	w.once(w.dispatcher(dispatch.Mailbox{}, dispatch.Mailbox{}))
	visit(t, ctx, e.url+"/demo/storefront", ".bopis-option label")
	wantText(t, ctx, ".bopis-option label", store.Name, names[plain[0]]+" × 1", names[plain[1]]+" × 2")
	look(t, ctx, axe, "storefront", names)
	within(t, ctx, 20*time.Second, chromedp.Click(chromedp.CSS(".bopis-stores input[type=radio]")),
		drawn(".bopis-slots input[type=radio]:not([disabled])"))
	look(t, ctx, axe, "storefront-slots", names)
	visit(t, ctx, e.url+"/demo/mailbox", "article")
	wantText(t, ctx, "body", names[aged], names[plain[2]])
	look(t, ctx, axe, "mailbox", names)

	// The admin console: SKUs found by barcode, stock and ledger, an order.
	eval[bool](t, ctx, `sessionStorage.clear(), true`)
	within(t, ctx, 20*time.Second, chromedp.Navigate(e.url+"/admin"),
		chromedp.SendKeys(chromedp.CSS("#key"), admin), chromedp.Click(chromedp.CSS("#signin button")))
	shows(t, ctx, "#stores-table tbody", store.Name)
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS("#tab-skus")))
	var agedSKU *bopis.SKU
	for _, k := range skus {
		if k.SKU == aged {
			agedSKU = k
		}
	}
	within(t, ctx, 10*time.Second, chromedp.SendKeys(chromedp.CSS("#sku-q"), agedSKU.Barcodes[0]+kb.Enter))
	until(t, ctx, `document.querySelectorAll("#skus-table tbody tr").length === 1`)
	shows(t, ctx, "#skus-table tbody", names[aged])
	look(t, ctx, axe, "admin-skus", names)
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS("#tab-inventory")),
		chromedp.SetValue(chromedp.CSS("#inv-store"), store.ID), chromedp.Click(chromedp.CSS("#inv-pick button")))
	shows(t, ctx, "#levels tbody", names[plain[0]])
	look(t, ctx, axe, "admin-inventory", names)
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS("#tab-orders")),
		chromedp.SetValue(chromedp.CSS("#order-id"), accepted), chromedp.Click(chromedp.CSS("#order-find button[type=submit]")))
	shows(t, ctx, "#order-lines", names[sub])
	look(t, ctx, axe, "admin-order", names)

	// The dashboard.
	visit(t, ctx, e.url+"/dashboard", "#show")
	within(t, ctx, 20*time.Second, chromedp.SetValue(chromedp.CSS("#from"), "2026-11-20"), chromedp.SetValue(chromedp.CSS("#to"), "2026-11-24"),
		chromedp.Click(chromedp.CSS("#show")))
	until(t, ctx, `document.querySelectorAll("#charts svg").length > 0`)
	look(t, ctx, axe, "dashboard", names)
}
