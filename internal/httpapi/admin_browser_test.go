package httpapi_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/storage/storagetest"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// consoleWork is the order network on SQLite at checkoutNow (Monday
// 2026-11-23, 14:10 in Chicago) with some of a day's work at mid: an
// accepted order (returned), one picked up at the curbside 4 minutes
// after the arrival, and one cancelled by the customer.
func consoleWork(t *testing.T) (w *work, admin, accepted string) {
	t.Helper()
	clock := storagetest.NewClock(checkoutNow)
	e := newEnvWith(t, storagetest.Open(t, "sqlite", clock.Now), httpapi.Config{Now: clock.Now})
	admin = orderNetwork(t, e)
	w = &work{env: e, clock: clock, front: e.key(bopis.RoleStorefront), mid: e.key(bopis.RoleStore, "mid")}
	accepted = w.order("mid", "in_store", "A", 1)
	w.must(w.mid, accepted, "accept", nil, "accepted")
	curb := w.order("mid", "curbside", "A", 1)
	w.must(w.mid, curb, "accept", nil, "accepted")
	w.must(w.mid, curb, "pick", picks("l1", 1), "picking")
	r := w.must(w.mid, curb, "ready", map[string]any{"staging_location": "C1"}, "ready")
	w.must(w.front, curb, "arrival", map[string]any{"parking_spot": "2"}, "ready")
	w.clock.Advance(4 * time.Minute)
	w.must(w.mid, curb, "handoff", map[string]any{"pickup_code": r["pickup_code"]}, "picked_up")
	w.must(w.front, w.order("mid", "in_store", "B", 1), "cancel", map[string]any{"reason": "customer request"}, "cancelled")
	return w, admin, accepted
}

// shows waits until the text of the element matching css contains want.
func shows(t *testing.T, ctx context.Context, css, want string) {
	t.Helper()
	js := fmt.Sprintf(`(document.querySelector(%q)?.textContent || "").includes(%q)`, css, want)
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Poll[chromedp.Void](js)); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q)?.textContent || "(no element)"`, css)))
		t.Fatalf("%s never showed %q: %v; it shows %q", css, want, err, got)
	}
}

func TestAdminConsoleInABrowser(t *testing.T) {
	ctx := browser(t)
	w, admin, orderID := consoleWork(t)
	alerts := w.do("GET", "/v1/alerts", admin, nil).body["data"].([]any)
	if len(alerts) == 0 {
		t.Fatal("no open alert to show")
	}
	alert := alerts[0].(map[string]any)

	// Sign in.
	within(t, ctx, 20*time.Second, chromedp.Navigate(w.url+"/admin"),
		chromedp.SendKeys(chromedp.CSS("#key"), admin), chromedp.Click(chromedp.CSS("#signin button")))
	shows(t, ctx, "#stores-table tbody", "Store mid")

	// Monday's hours: two openings that overlap are refused by the API,
	// with the problem shown next to the form; then fixed and saved with a
	// blocked date.
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS(`button[aria-label="Edit hours of Store mid"]`)),
		chromedp.WaitVisible(chromedp.CSS("#h-monday-0-open")),
		chromedp.SetValue(chromedp.CSS("#h-monday-0-open"), "08:00"), chromedp.SetValue(chromedp.CSS("#h-monday-0-close"), "12:00"),
		chromedp.Click(chromedp.CSS("#add-monday")), chromedp.WaitVisible(chromedp.CSS("#h-monday-1-open")),
		chromedp.Click(chromedp.CSS(`#hours button[type="submit"]`)))
	shows(t, ctx, "#hours-error", "body.hours.monday")
	within(t, ctx, 10*time.Second,
		chromedp.SetValue(chromedp.CSS("#h-monday-1-open"), "13:00"), chromedp.SetValue(chromedp.CSS("#h-monday-1-close"), "20:00"),
		chromedp.SetValue(chromedp.CSS("#block-date"), "2026-12-31"), chromedp.SetValue(chromedp.CSS("#block-label"), "Inventory day"),
		chromedp.Click(chromedp.CSS("#block-add")))
	shows(t, ctx, "#blocked", "2026-12-31 · closed · Inventory day")
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS(`#hours button[type="submit"]`)))
	shows(t, ctx, "#hours-status", "Saved the hours of Store mid")
	if e, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#hours-error"))); e != "" {
		t.Errorf("an error stays after saving: %q", e)
	}
	st := w.do("GET", "/v1/stores/mid", admin, nil).body
	if got := st["hours"].(map[string]any)["monday"]; !reflect.DeepEqual(got, []any{
		map[string]any{"open": "08:00", "close": "12:00"}, map[string]any{"open": "13:00", "close": "20:00"}}) {
		t.Errorf("Monday's hours: %v", got)
	}
	if got := st["special_hours"]; !reflect.DeepEqual(got, []any{
		map[string]any{"date": "2026-12-25", "closed": true, "label": "Christmas"},
		map[string]any{"date": "2026-12-31", "closed": true, "label": "Inventory day"}}) {
		t.Errorf("special hours: %v", got)
	}
	if tue := st["hours"].(map[string]any)["tuesday"]; !reflect.DeepEqual(tue, []any{map[string]any{"open": "09:00", "close": "21:00"}}) {
		t.Errorf("Tuesday changed: %v", tue)
	}
	fitsPhone(t, ctx, "admin: the hours editor")

	// The tabs work with the keyboard: right arrow from Stores opens SKUs.
	within(t, ctx, 10*time.Second, chromedp.Focus(chromedp.CSS("#tab-stores")), chromedp.KeyEvent(kb.ArrowRight))
	shows(t, ctx, "#skus-table tbody", "Item C")
	if sel, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id + " " + document.querySelector("#tab-skus").getAttribute("aria-selected")`)); sel != "tab-skus true" {
		t.Errorf("after the right arrow: %q", sel)
	}
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS("#elig-C")))
	shows(t, ctx, "#skus-status", "C is not eligible for pickup now")
	if k := w.do("GET", "/v1/skus/C", admin, nil).body; k["pickup_eligible"] != false || k["name"] != "Item C" {
		t.Errorf("SKU C after the toggle: %v", k)
	}

	// Inventory: a refused adjustment shows its problem; a good one reaches the ledger.
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS("#tab-inventory")),
		chromedp.SetValue(chromedp.CSS("#inv-store"), "mid"), chromedp.Click(chromedp.CSS("#inv-pick button")))
	shows(t, ctx, "#levels tbody", "B")
	within(t, ctx, 10*time.Second, chromedp.SetValue(chromedp.CSS("#adj-sku"), "B"), chromedp.SetValue(chromedp.CSS("#adj-delta"), "-2"),
		chromedp.Click(chromedp.CSS(`#adjust button[type="submit"]`)))
	// The browser's own check stops an adjustment without a reason; the API refuses a zero change.
	within(t, ctx, 10*time.Second, chromedp.SetValue(chromedp.CSS("#adj-reason"), "damaged"), chromedp.SetValue(chromedp.CSS("#adj-delta"), "0"),
		chromedp.Click(chromedp.CSS(`#adjust button[type="submit"]`)))
	shows(t, ctx, "#adjust-error", "body.delta")
	within(t, ctx, 10*time.Second, chromedp.SetValue(chromedp.CSS("#adj-delta"), "-2"), chromedp.SetValue(chromedp.CSS("#adj-ref"), "ticket-7"),
		chromedp.Click(chromedp.CSS(`#adjust button[type="submit"]`)))
	shows(t, ctx, "#adjust-status", "Adjusted B by -2")
	shows(t, ctx, "#ledger tbody tr:first-child", "ticket-7")
	shows(t, ctx, "#ledger tbody tr:first-child", "adjustment")
	if on, _ := w.level("mid", "B"); on != 3 {
		t.Errorf("mid B on hand %d after the adjustment, want 3", on)
	}

	// Alerts.
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS("#tab-alerts")))
	shows(t, ctx, "#alerts-table tbody", strings.ReplaceAll(alert["type"].(string), "_", " "))
	shows(t, ctx, "#alerts-table tbody", alert["store_id"].(string))

	// Orders: by store and status, then the order's timeline.
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS("#tab-orders")),
		chromedp.SetValue(chromedp.CSS("#order-store"), "mid"), chromedp.SetValue(chromedp.CSS("#order-status"), "accepted"),
		chromedp.Click(chromedp.CSS(`#order-find button[type="submit"]`)))
	shows(t, ctx, "#orders-table tbody", orderID)
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS("#orders-table tbody button")))
	shows(t, ctx, "#order-title", "Order "+orderID)
	shows(t, ctx, "#timeline tbody", "order.placed")
	shows(t, ctx, "#timeline tbody", "order.accepted")
	shows(t, ctx, "#notifications tbody", "No notifications sent") // no dispatcher runs here
	// By id: an unknown one shows the problem.
	within(t, ctx, 10*time.Second, chromedp.SetValue(chromedp.CSS("#order-id"), "o-nope"),
		chromedp.Click(chromedp.CSS(`#order-find button[type="submit"]`)))
	shows(t, ctx, "#orders-error", "not found")

	// Webhooks: subscribe, and see it listed.
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS("#tab-webhooks")),
		chromedp.SetValue(chromedp.CSS("#hook-url"), "https://hooks.example.com/bopis"),
		chromedp.SetValue(chromedp.CSS("#hook-secret"), "0123456789abcdef-secret"),
		chromedp.Click(chromedp.CSS(`[id="ev-order.ready"]`)),
		chromedp.Click(chromedp.CSS(`#hook-new button[type="submit"]`)))
	shows(t, ctx, "#hook-status", "Subscribed https://hooks.example.com/bopis")
	shows(t, ctx, "#webhooks-table tbody", "https://hooks.example.com/bopis")
	shows(t, ctx, "#webhooks-table tbody", "order.ready")
	hooks := w.do("GET", "/v1/webhooks", admin, nil).body["data"].([]any)
	if len(hooks) != 1 || !reflect.DeepEqual(hooks[0].(map[string]any)["events"], []any{"order.ready"}) {
		t.Errorf("webhooks: %v", hooks)
	}
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS(`#webhooks-table button[aria-label^="Deliveries"]`)))
	shows(t, ctx, "#deliveries-table tbody", "No deliveries yet")
	fitsPhone(t, ctx, "admin: webhooks")
}

func TestDashboardInABrowser(t *testing.T) {
	ctx := browser(t)
	w, _, _ := consoleWork(t)

	// A store key signs in and reports on its store.
	within(t, ctx, 20*time.Second, chromedp.Navigate(w.url+"/dashboard"),
		chromedp.SendKeys(chromedp.CSS("#key"), w.mid), chromedp.Click(chromedp.CSS("#signin button")),
		chromedp.WaitVisible(chromedp.CSS("#range")))
	if opts, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#store option")].map(o => o.value)`)); !reflect.DeepEqual(opts, []string{"", "mid"}) {
		t.Errorf("store choices %v", opts)
	}
	within(t, ctx, 10*time.Second, chromedp.SetValue(chromedp.CSS("#store"), "mid"),
		chromedp.SetValue(chromedp.CSS("#from"), "2026-11-23"), chromedp.SetValue(chromedp.CSS("#to"), "2026-11-24"),
		chromedp.Click(chromedp.CSS("#show")))
	shows(t, ctx, "#c-ontime svg desc", "2026-11-23: 100% (1 of 1)")

	// Six charts, each an SVG image named by its title and described by its figures.
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]any](`[...document.querySelectorAll("figure.chart")].map(f => {
		const s = f.querySelector("svg");
		const ids = s.getAttribute("aria-labelledby").split(" ");
		return {id: f.id, role: s.getAttribute("role"), title: document.getElementById(ids[0]).textContent,
			desc: document.getElementById(ids[1]).textContent, marks: s.querySelectorAll("rect, circle, path").length,
			axes: [...s.querySelectorAll("text")].map(t => t.textContent).join("|")};
	})`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"c-ontime": {"On-time ready rate per day", "Overall 100% (1 of 1 ready on time)", "2026-11-23: 100% (1 of 1)", "Ready on time (%)"},
		"c-wait":   {"Curbside wait per day (p50 and p90)", "2026-11-23: p50 4.0 min, p90 4.0 min (1 waits)", "Arrival to handoff (min)"},
		"c-noshow": {"No-show rate per day", "2026-11-23: 0% (0 of 1)", "Expired of closed (%)"},
		"c-lines":  {"Short-pick and substitution rates per day", "2026-11-23: short 0%, substitution 0% (1 lines)", "Of lines picked (%)"},
		"c-cancel": {"Cancellations by reason", "customer request: 1", "Orders cancelled"},
		"c-status": {"Orders by state now", "accepted: 1", "picked up: 1", "cancelled: 1", "placed: 0", "State"},
	}
	if len(charts) != len(want) {
		t.Fatalf("%d charts: %v", len(charts), charts)
	}
	for _, c := range charts {
		id := c["id"].(string)
		all := c["title"].(string) + " " + c["desc"].(string) + " " + c["axes"].(string)
		for _, s := range want[id] {
			if !strings.Contains(all, s) {
				t.Errorf("chart %s lacks %q: %s", id, s, all)
			}
		}
		if c["role"] != "img" || c["marks"].(float64) == 0 || !strings.Contains(c["axes"].(string), "Day") && !strings.HasPrefix(id, "c-cancel") && !strings.HasPrefix(id, "c-status") {
			t.Errorf("chart %s: role %v, %v marks, axes %s", id, c["role"], c["marks"], c["axes"])
		}
	}
	shows(t, ctx, "#stats", "On-time ready")
	link, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.querySelector("#download").href, document.querySelector("#download").download]`))
	if err != nil || !strings.HasPrefix(link[0], "blob:") || link[1] != "pickup-report-mid-2026-11-23-2026-11-24.json" {
		t.Errorf("download link %v %v", link, err)
	}
	fitsPhone(t, ctx, "dashboard")
}
