package httpapi_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis/internal/storage/storagetest"
)

// customerLink is the customer page of order id, as messages link it.
func (e *env) customerLink(id string) string {
	return "/o/" + id + "/" + e.sealKey.Token("order", id)
}

// page is a page answer, redirects not followed.
type page struct {
	status   int
	location string
	header   http.Header
	body     string
}

// page GETs path, or POSTs form to it when form is not nil.
func (e *env) page(path string, form url.Values) page {
	e.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var res *http.Response
	var err error
	if form == nil {
		res, err = client.Get(e.url + path)
	} else {
		res, err = client.PostForm(e.url+path, form)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, location: res.Header.Get("Location"), header: res.Header, body: string(b)}
}

func TestCustomerPage(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		id := w.order("mid", "curbside", "A", 2)
		o := w.do("GET", "/v1/orders/"+id, w.front, nil).body
		link := w.customerLink(id)
		p := w.page(link, nil)
		if p.status != 200 || !strings.Contains(p.body, `id="pickup-code">`+o["pickup_code"].(string)+`<`) ||
			!strings.Contains(p.body, "Store mid") || !strings.Contains(p.body, "1 Main St") ||
			!strings.Contains(p.body, "Springfield IL 62701") {
			t.Fatalf("customer page: %d\n%s", p.status, p.body)
		}
		// Placed Monday 14:10 in Chicago: the window, the day's hours and
		// the timeline are in the store's time.
		chicago, _ := time.LoadLocation("America/Chicago")
		pw := o["pickup_window"].(map[string]any)
		window := at(t, pw["start"]).In(chicago).Format("Mon, Jan 2, 3:04 PM MST") + " – " + at(t, pw["end"]).In(chicago).Format("3:04 PM MST")
		for _, want := range []string{window, "Monday, November 23: 9:00 AM to 9:00 PM", "Curbside", "Mon, Nov 23, 2:10 PM CST</span> Order placed",
			"2 × Item A", "I'm here"} {
			if !strings.Contains(p.body, want) {
				t.Errorf("the page lacks %q:\n%s", want, p.body)
			}
		}
		if p.header.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(p.header.Get("Cache-Control"), "no-store") {
			t.Errorf("headers: %v", p.header)
		}

		// A wrong token, another order's token and an unknown order answer
		// the same 404.
		other := w.order("mid", "in_store", "B", 1)
		token := w.sealKey.Token("order", id)
		wrong := []string{
			"/o/" + id + "/" + strings.Repeat("0", len(token)),
			"/o/" + id + "/" + w.sealKey.Token("order", other),
			"/o/" + id + "/" + token[:len(token)-1],
			"/o/o-nope/" + w.sealKey.Token("order", "o-nope"),
			"/o/" + id + "/" + token[:len(token)-1] + "/substitutions/l1/approve",
		}
		first := w.page(wrong[0], nil)
		for _, path := range wrong {
			r := w.page(path, nil)
			if r.status != 404 || r.body != first.body || strings.Contains(r.body, o["pickup_code"].(string)) {
				t.Errorf("%s: %d %s", path, r.status, r.body)
			}
		}
		if r := w.page("/o/"+other+"/"+token+"/arrival", url.Values{"vehicle": {"x"}}); r.status != 404 {
			t.Errorf("arrival with another order's token: %d", r.status)
		}
		if a := w.do("GET", "/v1/orders/"+other, w.front, nil).body["arrived_at"]; a != nil {
			t.Errorf("a wrong token recorded an arrival: %v", a)
		}
	})
}

func TestCustomerArrival(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		id := w.order("mid", "curbside", "A", 1)
		link := w.customerLink(id)
		r := w.page(link+"/arrival", url.Values{"parking_spot": {"4"}, "vehicle": {"red Civic"}})
		if r.status != http.StatusSeeOther || r.location != link+"#arrival" {
			t.Fatalf("arrival: %d %q %s", r.status, r.location, r.body)
		}
		o := w.do("GET", "/v1/orders/"+id, w.front, nil).body
		arr, _ := o["arrival"].(map[string]any)
		if o["arrived_at"] == nil || arr["parking_spot"] != "4" || arr["vehicle"] != "red Civic" {
			t.Fatalf("after the arrival: %v %v", o["arrived_at"], o["arrival"])
		}
		if p := w.page(link, nil); !strings.Contains(p.body, "parking spot 4, red Civic") {
			t.Errorf("the page does not show the arrival:\n%s", p.body)
		}
		if w.count(id, "order.arrived") != 1 {
			t.Error("order.arrived not on the timeline once")
		}

		// Problems are shown on the page, not as raw errors.
		r = w.page(link+"/arrival", url.Values{"vehicle": {strings.Repeat("x", 101)}})
		if r.status != 422 || !strings.Contains(r.body, `id="problem"`) || !strings.Contains(r.body, "at most 100 characters") {
			t.Errorf("a too long vehicle: %d %s", r.status, r.body)
		}
		w.must(w.front, id, "cancel", map[string]any{"reason": "changed my mind"}, "cancelled")
		r = w.page(link+"/arrival", url.Values{"vehicle": {"blue van"}})
		if r.status != 409 || !strings.Contains(r.body, `id="problem"`) || !strings.Contains(r.body, "Cancelled") {
			t.Errorf("arriving for a cancelled order: %d %s", r.status, r.body)
		}
	})
}

func TestCustomerAnswersASubstitute(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		id := w.order("mid", "in_store", "A", 1, "B", 1)
		w.must(w.mid, id, "accept", nil, "accepted")
		sub := func(lineID, sku string) map[string]any {
			return map[string]any{"line_id": lineID, "picked_quantity": 0, "substitute": map[string]any{"sku": sku, "quantity": 1}}
		}
		w.must(w.mid, id, "pick", map[string]any{"lines": []any{sub("l1", "C"), sub("l2", "C")}}, "picking")
		link := w.customerLink(id)
		lineStatus := func(i int) any { return line(w.do("GET", "/v1/orders/"+id, w.front, nil).body, i)["status"] }

		p := w.page(link, nil)
		if !strings.Contains(p.body, "We could not find 1 × Item A") || !strings.Contains(p.body, "1 × Item C at $19.99 each") ||
			!strings.Contains(p.body, `action="`+link+`/substitutions/l1/approve"`) {
			t.Fatalf("the order page does not offer the substitutes:\n%s", p.body)
		}
		// The link in the message only asks: a mail scanner fetching it changes nothing.
		for range 2 {
			if r := w.page(link+"/substitutions/l1/approve", nil); r.status != 200 || !strings.Contains(r.body, "Yes, approve the substitute") {
				t.Fatalf("GET approve: %d %s", r.status, r.body)
			}
		}
		if r := w.page(link+"/substitutions/l2/reject", nil); r.status != 200 || !strings.Contains(r.body, "Yes, reject the substitute") {
			t.Fatalf("GET reject: %d %s", r.status, r.body)
		}
		if s := lineStatus(0); s != "substitution_proposed" {
			t.Fatalf("after GET approve the line is %v", s)
		}
		if r := w.page(link+"/substitutions/l1/approve", url.Values{}); r.status != http.StatusSeeOther || r.location != link {
			t.Fatalf("POST approve: %d %q %s", r.status, r.location, r.body)
		}
		if s := lineStatus(0); s != "substituted" {
			t.Fatalf("after POST approve the line is %v", s)
		}
		if r := w.page(link+"/substitutions/l2/reject", url.Values{}); r.status != http.StatusSeeOther {
			t.Fatalf("POST reject: %d %s", r.status, r.body)
		}
		if s := lineStatus(1); s != "short" {
			t.Fatalf("after POST reject the line is %v", s)
		}
		if r := w.page(link+"/substitutions/l1/approve", nil); r.status != 200 || !strings.Contains(r.body, "already answered") {
			t.Errorf("GET approve once answered: %d %s", r.status, r.body)
		}
		if r := w.page(link+"/substitutions/l1/reject", url.Values{}); r.status != 409 || !strings.Contains(r.body, `id="problem"`) {
			t.Errorf("changing the answer: %d %s", r.status, r.body)
		}
		for _, path := range []string{"/substitutions/l9/approve", "/substitutions/l1/maybe"} {
			if r := w.page(link+path, nil); r.status != 404 {
				t.Errorf("%s: %d", path, r.status)
			}
		}
	})
}

func TestCustomerShipsToHome(t *testing.T) {
	eachWork(t, func(t *testing.T, w *work) {
		id := w.order("mid", "in_store", "A", 2)
		link := w.customerLink(id)
		if r := w.page(link+"/ship-to-home", nil); r.status != 200 || strings.Contains(r.body, "<form") {
			t.Fatalf("ship-to-home of an open order: %d %s", r.status, r.body)
		}
		w.must(w.front, id, "cancel", map[string]any{"reason": "cannot come"}, "cancelled")
		if p := w.page(link, nil); !strings.Contains(p.body, `href="`+link+`/ship-to-home"`) || strings.Contains(p.body, `id="pickup-code"`) {
			t.Fatalf("the cancelled order's page: %s", p.body)
		}
		if r := w.page(link+"/ship-to-home", nil); r.status != 200 || !strings.Contains(r.body, `name="postal_code"`) {
			t.Fatalf("the address form: %d %s", r.status, r.body)
		}
		addr := url.Values{"name": {"Ana"}, "line1": {"1 Elm St"}, "city": {"Chicago"}, "postal_code": {"60601"}, "country": {"us"}}
		partial := url.Values{"line1": {"1 Elm St"}, "country": {"US"}}
		if r := w.page(link+"/ship-to-home", partial); r.status != 422 || !strings.Contains(r.body, "needs line1, city") ||
			!strings.Contains(r.body, `value="1 Elm St"`) {
			t.Errorf("an incomplete address: %d %s", r.status, r.body)
		}
		r := w.page(link+"/ship-to-home", addr)
		shipID, _, _ := strings.Cut(strings.TrimPrefix(r.location, "/o/"), "/")
		if r.status != http.StatusSeeOther || r.location != w.customerLink(shipID) {
			t.Fatalf("ship-to-home: %d %q %s", r.status, r.location, r.body)
		}
		s := w.do("GET", "/v1/orders/"+shipID, w.front, nil)
		if s.status != 200 || s.body["store_id"] != "wh" || line(s.body, 0)["fulfillment"] != "ship" || line(s.body, 0)["quantity"] != float64(2) {
			t.Fatalf("the ship order: %d %s", s.status, s.raw)
		}
		if p := w.page(r.location, nil); p.status != 200 || !strings.Contains(p.body, "Shipping to") || !strings.Contains(p.body, "1 Elm St") {
			t.Errorf("the ship order's page: %d %s", p.status, p.body)
		}
		// Asked again, the same order.
		if again := w.page(link+"/ship-to-home", nil); again.status != http.StatusSeeOther || again.location != r.location {
			t.Errorf("the form after shipping: %d %q", again.status, again.location)
		}
		if p := w.page(link, nil); !strings.Contains(p.body, `href="`+r.location+`"`) {
			t.Errorf("the cancelled order does not link its ship order")
		}
		w.checkInvariants("mid", "wh")
	})
}

func TestPickerIsServedToAnyOrigin(t *testing.T) {
	e := newEnv(t, storagetest.Open(t, "sqlite", nil))
	for path, ctype := range map[string]string{"/picker.js": "text/javascript", "/picker.css": "text/css"} {
		r := e.page(path, nil)
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), ctype) || r.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: %d %v", path, r.status, r.header)
		}
	}
	if r := e.page("/picker.js", nil); !strings.Contains(r.body, "bopis:pickup-selected") {
		t.Error("picker.js does not dispatch bopis:pickup-selected")
	}
	// Outside the demo there is no storefront.
	if r := e.page("/demo/storefront", nil); r.status != 404 {
		t.Errorf("/demo/storefront outside the demo: %d", r.status)
	}
	if r := e.page("/demo/storefront/orders", url.Values{}); r.status != 404 && r.status != 405 {
		t.Errorf("POST /demo/storefront/orders outside the demo: %d", r.status)
	}
}
