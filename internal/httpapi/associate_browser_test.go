package httpapi_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi"
	"github.com/bopis/bopis/internal/storage/storagetest"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// until waits (at most 10 s) for a JavaScript predicate to hold on the page.
func until(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s: %v", js, err)
	}
}

// eval is the value of a JavaScript expression on the page.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// wantText waits (at most 10 s) until the visible text of the element
// matching css has every part, and fails the test with what it read if not.
func wantText(t *testing.T, ctx context.Context, css string, parts ...string) {
	t.Helper()
	// Intl writes a narrow no-break space before AM/PM: read as a space.
	js := `(() => { const e = document.querySelector(` + strconv.Quote(css) + `); return e ? e.innerText.replace(/\u202f/g, " ") : ""; })()`
	q, _ := json.Marshal(parts)
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Poll[bool](`(() => { const s = `+js+`; return `+string(q)+`.every((p) => s.includes(p)); })()`,
		chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Errorf("%s reads %q, want it to have %q", css, eval[string](t, ctx, js), parts)
	}
}

// TestAssociateAppInABrowser works an order through the store associate
// app as an associate would, while the order changes from outside (placed
// by the storefront, the customer arriving) show up without a reload.
func TestAssociateAppInABrowser(t *testing.T) {
	clock := storagetest.NewClock(checkoutNow)
	e := newEnvWith(t, storagetest.Open(t, "sqlite", clock.Now), httpapi.Config{Now: clock.Now})
	orderNetwork(t, e)
	w := &work{env: e, clock: clock, front: e.key(bopis.RoleStorefront), near: e.key(bopis.RoleStore, "near"),
		mid: e.key(bopis.RoleStore, "mid")}
	// After the server: the browser closes first, so closing the server
	// does not wait on the page's open stream.
	ctx := browser(t)

	// Signing in with a key of another store is refused, with the reason.
	within(t, ctx, 20*time.Second, chromedp.Navigate(e.url+"/app"),
		chromedp.SendKeys(chromedp.CSS("#store-id"), "mid"),
		chromedp.SendKeys(chromedp.CSS("#api-key"), w.near+kb.Enter))
	until(t, ctx, `document.querySelector("#signin-error").textContent.includes("does not reach store mid")`)
	if v := eval[string](t, ctx, `document.querySelector("#api-key").value`); v != "" {
		t.Errorf("the refused key stays in the form")
	}
	within(t, ctx, 10*time.Second, chromedp.SendKeys(chromedp.CSS("#api-key"), w.mid+kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#queue")))
	wantText(t, ctx, "#app-title", "(mid)")
	if eval[bool](t, ctx, `sessionStorage.getItem("bopis.key") === "`+w.mid+`"`) != true {
		t.Fatal("the key is not kept in the tab's sessionStorage")
	}
	// Live, with the empty queue shown: from here only the stream can
	// bring an order in. The mark would vanish on a reload.
	until(t, ctx, `document.querySelector("#conn").textContent === "Live" && !!document.querySelector("#q-new li.empty")`)
	eval[bool](t, ctx, `window.notReloaded = true`)

	id := w.order("mid", "curbside", "A", 2, "B", 1)
	placed := w.do("GET", "/v1/orders/"+id, w.front, nil).body
	card := `#q-new li[data-order="` + id + `"]`
	within(t, ctx, 10*time.Second, chromedp.WaitVisible(chromedp.CSS(card)))
	due := bopis.FormatTime(at(t, placed["promised_ready_at"]), placed["time_zone"].(string)) // as people read it
	wantText(t, ctx, card, "web-1001", "2 × Item A", "1 × Item B", "Curbside", "Due "+due, "for Ben")
	wantText(t, ctx, "#n-new", "1")
	until(t, ctx, `document.querySelector("#live").textContent.includes("New order web-1001")`)
	fitsPhone(t, ctx, "/app with an order")

	// By keyboard: open it, accept it.
	within(t, ctx, 10*time.Second, chromedp.Focus(chromedp.CSS(card+" button")), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#accept")))
	if f := eval[string](t, ctx, `document.activeElement.id`); f != "detail-title" {
		t.Errorf("focus after opening the order: %q", f)
	}
	wantText(t, ctx, "#detail-info", "New", "Curbside", "Due "+due, "For Ben")
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS("#accept")), chromedp.WaitVisible(chromedp.CSS("#pick-l1")))
	wantText(t, ctx, "#detail-info", "Accepted")
	fitsPhone(t, ctx, "/app's pick list")

	// Pick A short (1 of 2), B in full.
	within(t, ctx, 10*time.Second, chromedp.SetValue(chromedp.CSS("#pick-l1"), ""), chromedp.SendKeys(chromedp.CSS("#pick-l1"), "1"),
		chromedp.Click(chromedp.CSS(`form[aria-labelledby="h-pick-list"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#staging")))
	wantText(t, ctx, `#detail-lines li[data-line="l1"]`, "2 × Item A", "short, picked 1 of 2")
	wantText(t, ctx, `#detail-lines li[data-line="l2"]`, "picked 1 of 1")
	until(t, ctx, `document.querySelector("#live").textContent.includes("1 line short")`)

	// Stage it.
	within(t, ctx, 10*time.Second, chromedp.SendKeys(chromedp.CSS("#staging"), "B3"),
		chromedp.Click(chromedp.CSS(`form[aria-labelledby="h-stage-the-order"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#pickup-code")))
	wantText(t, ctx, "#detail-info", "Ready", "Staged at B3")
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS("#back")),
		chromedp.WaitVisible(chromedp.CSS(`#q-ready li[data-order="`+id+`"]`)))
	wantText(t, ctx, `#q-ready li[data-order="`+id+`"]`, "Staged at B3")

	// The customer says they are here: the order comes onto the arrivals board, by its method.
	if r := w.act(w.front, id, "arrival", map[string]any{"parking_spot": "4", "vehicle": "red Civic"}); r.status != 200 {
		t.Fatalf("arrival: %d %s", r.status, r.raw)
	}
	board := `#q-arrived li[data-order="` + id + `"]`
	within(t, ctx, 10*time.Second, chromedp.WaitVisible(chromedp.CSS(board)))
	wantText(t, ctx, board, "Curbside: spot 4", "red Civic", "Just arrived", "Staged at B3", "web-1001")
	if eval[string](t, ctx, `getComputedStyle(document.querySelector('`+board+`')).borderTopWidth`) != "3px" {
		t.Error("the arrived order does not stand out on the board")
	}
	wantText(t, ctx, `#q-ready li[data-order="`+id+`"]`, "Arrived")
	until(t, ctx, `document.querySelector("#live").textContent.includes("Customer arrived for order web-1001")`)

	// Hand it over: a wrong code is refused with a clear message, the right one closes it.
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS(board+" button")), chromedp.WaitVisible(chromedp.CSS("#pickup-code")),
		chromedp.SendKeys(chromedp.CSS("#pickup-code"), wrongCode(placed)+kb.Enter))
	until(t, ctx, `document.querySelector("#detail-error").textContent.startsWith("Wrong pickup code")`)
	wantText(t, ctx, "#detail-error", "4 tries left")
	if f := eval[string](t, ctx, `document.activeElement.id`); f != "pickup-code" {
		t.Errorf("focus after a wrong code: %q", f)
	}
	// The wrong code is selected: typing replaces it.
	within(t, ctx, 10*time.Second, chromedp.SendKeys(chromedp.CSS("#pickup-code"), placed["pickup_code"].(string)+kb.Enter))
	until(t, ctx, `document.querySelector("#detail-info .badge").textContent === "Picked up"`)
	until(t, ctx, `document.querySelector("#live").textContent.includes("is picked up")`)
	if r := w.do("GET", "/v1/orders/"+id, w.front, nil); r.body["status"] != "picked_up" {
		t.Errorf("the order is %v", r.body["status"])
	}
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS("#back")))
	until(t, ctx, `!document.querySelector('#queue [data-order="`+id+`"]') && !!document.querySelector("#q-arrived li.empty")`)
	if !eval[bool](t, ctx, `window.notReloaded === true`) {
		t.Error("the page reloaded")
	}
	fitsPhone(t, ctx, "/app")

	// Signing out forgets the key.
	within(t, ctx, 10*time.Second, chromedp.Click(chromedp.CSS("#signout")), chromedp.WaitVisible(chromedp.CSS("#signin")))
	if !eval[bool](t, ctx, `sessionStorage.getItem("bopis.key") === null`) {
		t.Error("the key is still in sessionStorage after signing out")
	}
}
