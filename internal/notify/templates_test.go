package notify

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
)

var chicago = mustLoad("America/Chicago")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func ptr[T any](v T) *T { return &v }

func usd(n int64) bopis.Money { return bopis.Money{Amount: n, Currency: "USD"} }

// order is a curbside order at a Chicago store for Thursday 2026-01-15,
// 3:00 to 4:00 PM CST, in the shape the storage layer gives.
func order() (*bopis.Order, *bopis.Store) {
	day := []bopis.Interval{{Open: "09:00", Close: "21:00"}}
	store := &bopis.Store{
		ID: "chi-loop", Name: "Loop Market", Type: bopis.StoreTypeStore,
		Address:  bopis.Address{Line1: "111 N State St", City: "Chicago", Region: "IL", PostalCode: "60602", Country: "US"},
		TimeZone: "America/Chicago",
		Hours: bopis.WeeklyHours{Monday: day, Tuesday: day, Wednesday: day, Friday: day, Saturday: day, Sunday: []bopis.Interval{},
			Thursday: []bopis.Interval{{Open: "08:00", Close: "12:00"}, {Open: "13:00", Close: "22:00"}}},
		SpecialHours:  []bopis.SpecialHours{{Date: "2026-12-25", Closed: true, Label: "Christmas"}},
		PickupMethods: []bopis.PickupMethod{bopis.PickupInStore, bopis.PickupCurbside},
	}
	start := time.Date(2026, 1, 15, 15, 0, 0, 0, chicago).UTC()
	hold := time.Date(2026, 1, 18, 21, 0, 0, 0, chicago).UTC()
	o := &bopis.Order{
		ID: "ord_7K2M", Status: bopis.OrderPlaced, StoreID: store.ID, Method: bopis.PickupCurbside,
		TimeZone: "America/Chicago", PickupCode: "482913",
		PickupWindow: bopis.PickupWindow{Start: start, End: start.Add(time.Hour)},
		HoldUntil:    &hold,
		Customer:     bopis.Customer{Name: "Ana Díaz", Email: "ana@example.com", Phone: "+13125550100", Notify: []string{"email", "sms"}},
		PickupPerson: &bopis.PickupPerson{Name: "Bruno Díaz"},
		Lines: []bopis.OrderLine{
			{ID: "1", SKU: "MILK-1L", Name: "Whole Milk 1 L", Quantity: 2, UnitPrice: usd(349), Fulfillment: bopis.FulfillPickup, Status: bopis.LineOpen},
			{ID: "2", SKU: "BREAD-RYE", Name: "Rye Bread", Quantity: 1, UnitPrice: usd(499), Fulfillment: bopis.FulfillPickup, Status: bopis.LineOpen},
			{ID: "3", SKU: "GRILL-XL", Quantity: 1, UnitPrice: usd(29900), Fulfillment: bopis.FulfillShip, Status: bopis.LineOpen},
		},
		Payment:         bopis.Payment{Status: bopis.PaymentAuthorized, Authorized: usd(31097), Captured: bopis.Money{Currency: "USD"}},
		StagingLocation: "Curbside shelf C4",
	}
	return o, store
}

func data(event string, detail map[string]any) Data {
	o, s := order()
	return Data{Event: event, Order: o, Store: s, Detail: detail,
		OrderLink:      "https://shop.example.com/orders/ord_7K2M?t=tok123",
		ShipToHomeLink: "https://shop.example.com/orders/ord_7K2M/ship?t=tok123",
		ApproveLink:    "https://shop.example.com/orders/ord_7K2M/subs/2/approve?t=tok123",
		RejectLink:     "https://shop.example.com/orders/ord_7K2M/subs/2/reject?t=tok123",
	}
}

func load(t *testing.T, dir string) *Templates {
	t.Helper()
	tm, err := LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// renderBoth renders name for email and SMS and checks what every message
// needs: a subject, a text, an HTML body, a short SMS, no UTC and no
// "<no value>".
func renderBoth(t *testing.T, tm *Templates, name string, d Data) (email, sms Message) {
	t.Helper()
	email, err := tm.Render(name, Email, d)
	if err != nil {
		t.Fatalf("%s email: %v", name, err)
	}
	sms, err = tm.Render(name, SMS, d)
	if err != nil {
		t.Fatalf("%s sms: %v", name, err)
	}
	if email.Subject == "" || email.Text == "" || !strings.Contains(email.HTML, "</html>") {
		t.Errorf("%s email is incomplete: %+v", name, email)
	}
	if email.Channel != Email || sms.Channel != SMS || sms.Subject != "" || sms.HTML != "" {
		t.Errorf("%s: wrong channels or fields: %+v / %+v", name, email, sms)
	}
	if n := len(sms.Text); n == 0 || n > 320 {
		t.Errorf("%s sms is %d bytes: %q", name, n, sms.Text)
	}
	for _, s := range []string{email.Subject, email.Text, email.HTML, sms.Text} {
		if strings.Contains(s, "UTC") || strings.Contains(s, "no value") || strings.Contains(s, "<nil>") {
			t.Errorf("%s renders a UTC time or a missing value:\n%s", name, s)
		}
	}
	return email, sms
}

func contains(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, s)
		}
	}
}

func TestTemplateFor(t *testing.T) {
	for event, want := range map[string]string{
		"order.placed": Confirmation, "order.ready": Ready, "order.pickup_reminder": Reminder, "order.delayed": Delay,
		"order.substitution_proposed": Substitution, "order.cancelled": Cancelled, "order.expired": Expired, "order.picked_up": PickedUp,
	} {
		if got, ok := TemplateFor(event); !ok || got != want {
			t.Errorf("TemplateFor(%q) = %q, %v; want %q", event, got, ok, want)
		}
	}
	for _, event := range []string{"order.accepted", "order.arrived", "order.picking", "payment.captured", ""} {
		if got, ok := TemplateFor(event); ok {
			t.Errorf("TemplateFor(%q) = %q; customers are not told of it", event, got)
		}
	}
}

func TestConfirmation(t *testing.T) {
	tm := load(t, "")
	email, sms := renderBoth(t, tm, Confirmation, data("order.placed", nil))
	body := email.Subject + email.Text
	contains(t, "confirmation email", body, "Loop Market", "111 N State St, Chicago, IL 60602",
		"Thu, Jan 15, 3:00 PM CST to 4:00 PM CST", "482913", "photo ID", "Bruno Díaz",
		"8:00 AM to 12:00 PM, 1:00 PM to 10:00 PM", // Thursday's hours
		`"I'm here"`, "2 × Whole Milk 1 L", "1 × Rye Bread", "https://shop.example.com/orders/ord_7K2M?t=tok123")
	if strings.Contains(email.Text, "GRILL-XL") {
		t.Error("the shipped line is listed for pickup")
	}
	contains(t, "confirmation HTML", email.HTML, "Loop Market", "3:00 PM CST", "482913", "photo ID", "2 &times; Whole Milk 1 L",
		`href="https://shop.example.com/orders/ord_7K2M?t=tok123"`)
	contains(t, "confirmation SMS", sms.Text, "Loop Market", "3:00 PM CST", "482913", "photo ID", "I'm here", "tok123")

	// In store, collected by the customer: no curbside or pickup person text.
	d := data("order.placed", nil)
	d.Order.Method, d.Order.PickupPerson = bopis.PickupInStore, nil
	email, _ = renderBoth(t, tm, Confirmation, d)
	if strings.Contains(email.Text, "I'm here") || strings.Contains(email.Text, "Bruno") {
		t.Errorf("in-store confirmation mentions curbside or a pickup person:\n%s", email.Text)
	}
}

func TestConfirmationDayHours(t *testing.T) {
	tm := load(t, "")
	for _, c := range []struct {
		name    string
		special []bopis.SpecialHours
		start   time.Time
		want    string
	}{
		{"special hours replace the weekday's", []bopis.SpecialHours{{Date: "2026-01-15", Intervals: []bopis.Interval{{Open: "10:00", Close: "24:00"}}}},
			time.Date(2026, 1, 15, 15, 0, 0, 0, chicago), "Store hours:   10:00 AM to midnight"},
		{"a closed Sunday", nil, time.Date(2026, 1, 18, 15, 0, 0, 0, chicago), "Store hours:   closed\n"},
		{"a holiday", []bopis.SpecialHours{{Date: "2026-01-15", Closed: true, Label: "Inventory day"}},
			time.Date(2026, 1, 15, 15, 0, 0, 0, chicago), "Store hours:   closed (Inventory day)"},
		// 9 PM in Chicago is already Friday in UTC: Thursday's hours apply.
		{"the local day, not UTC's", nil, time.Date(2026, 1, 15, 21, 0, 0, 0, chicago), "Store hours:   8:00 AM to 12:00 PM, 1:00 PM to 10:00 PM"},
	} {
		d := data("order.placed", nil)
		d.Store.SpecialHours = c.special
		d.Order.PickupWindow = bopis.PickupWindow{Start: c.start.UTC(), End: c.start.Add(time.Hour).UTC()}
		m, err := tm.Render(Confirmation, Email, d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Text, c.want) {
			t.Errorf("%s: want %q in\n%s", c.name, c.want, m.Text)
		}
	}
}

func TestHTMLEscapesCustomerInput(t *testing.T) {
	d := data("order.placed", nil)
	d.Order.Customer.Name = `<script>alert("hi")</script>`
	d.Order.PickupPerson.Name = `<img src=x onerror=alert(1)>`
	m, err := load(t, "").Render(Confirmation, Email, d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") || strings.Contains(m.HTML, "<img") {
		t.Errorf("HTML carries the customer's markup:\n%s", m.HTML)
	}
	contains(t, "HTML", m.HTML, "&lt;script&gt;", "&lt;img")
	contains(t, "text", m.Text, `<script>alert("hi")</script>`) // plain text is shown as typed
}

func TestReady(t *testing.T) {
	d := data("order.ready", map[string]any{
		"staging_location": "Curbside shelf C4",
		"short_lines":      []map[string]any{{"line_id": "2", "sku": "BREAD-RYE", "short": int64(1), "linked_order_id": ""}},
	})
	d.Order.Status = bopis.OrderReady
	email, sms := renderBoth(t, load(t, ""), Ready, d)
	contains(t, "ready email", email.Subject+email.Text, "ready", "Curbside shelf C4", "Sun, Jan 18, 9:00 PM CST", "482913",
		"could not find", "Rye Bread: 1 not found")
	contains(t, "ready HTML", email.HTML, "Curbside shelf C4", "9:00 PM CST", "482913", "Rye Bread: 1 not found")
	contains(t, "ready SMS", sms.Text, "ready", "Curbside shelf C4", "482913", "9:00 PM CST", "Rye Bread x1")

	d.Detail = nil // nothing short
	email, sms = renderBoth(t, load(t, ""), Ready, d)
	if strings.Contains(email.Text, "could not find") || strings.Contains(sms.Text, "Not found") {
		t.Errorf("a complete order reports short lines:\n%s\n%s", email.Text, sms.Text)
	}
}

func TestReminder(t *testing.T) {
	email, sms := renderBoth(t, load(t, ""), Reminder, data("order.pickup_reminder", nil))
	for what, s := range map[string]string{"email": email.Text, "HTML": email.HTML, "SMS": sms.Text} {
		contains(t, "reminder "+what, s, "Sun, Jan 18, 9:00 PM CST", "482913")
	}
}

func TestDelay(t *testing.T) {
	d := data("order.delayed", map[string]any{"new_estimate": "2026-01-15T23:30:00Z"})
	email, sms := renderBoth(t, load(t, ""), Delay, d)
	for what, s := range map[string]string{"email": email.Text, "HTML": email.HTML, "SMS": sms.Text} {
		contains(t, "delay "+what, s, "Thu, Jan 15, 5:30 PM CST")
		if !strings.Contains(strings.ToLower(s), "sorry") {
			t.Errorf("delay %s does not apologize:\n%s", what, s)
		}
	}
}

func TestSubstitution(t *testing.T) {
	answerBy := time.Date(2026, 1, 15, 14, 30, 0, 0, chicago)
	// The detail as storage notes it: a *bopis.Substitute, not yet JSON.
	d := data("order.substitution_proposed", map[string]any{"line_id": "2", "sku": "BREAD-RYE", "short": int64(1),
		"substitute": &bopis.Substitute{SKU: "BREAD-WHEAT", Quantity: 1, UnitPrice: usd(529), Status: bopis.SubstituteProposed, AnswerBy: answerBy.UTC()}})
	email, sms := renderBoth(t, load(t, ""), Substitution, d)
	want := []string{"Rye Bread", "BREAD-WHEAT", "USD 5.29", "Thu, Jan 15, 2:30 PM CST",
		"https://shop.example.com/orders/ord_7K2M/subs/2/approve?t=tok123", "https://shop.example.com/orders/ord_7K2M/subs/2/reject?t=tok123"}
	contains(t, "substitution email", email.Text, want...)
	contains(t, "substitution SMS", sms.Text, want...)
	contains(t, "substitution HTML", email.HTML, "Rye Bread", "BREAD-WHEAT", "USD 5.29", "2:30 PM CST",
		`href="https://shop.example.com/orders/ord_7K2M/subs/2/approve?t=tok123"`, `href="https://shop.example.com/orders/ord_7K2M/subs/2/reject?t=tok123"`)

	// The same detail after a trip through JSON (as a stored event gives it).
	d.Detail = map[string]any{"line_id": "2", "sku": "BREAD-RYE", "short": 1.0, "substitute": map[string]any{
		"sku": "BREAD-WHEAT", "quantity": 1.0, "status": "proposed", "answer_by": "2026-01-15T20:30:00Z",
		"unit_price": map[string]any{"amount": 529.0, "currency": "USD"}}}
	email2, _ := renderBoth(t, load(t, ""), Substitution, d)
	if email2.Text != email.Text {
		t.Errorf("JSON detail renders differently:\n%s\n---\n%s", email2.Text, email.Text)
	}
}

func TestCancelledAndExpired(t *testing.T) {
	tm := load(t, "")
	email, sms := renderBoth(t, tm, Cancelled, data("order.cancelled", map[string]any{"reason": "store closed early due to weather"}))
	for what, s := range map[string]string{"email": email.Text, "HTML": email.HTML, "SMS": sms.Text} {
		contains(t, "cancelled "+what, s, "cancelled", "store closed early due to weather", "https://shop.example.com/orders/ord_7K2M/ship?t=tok123")
	}
	email, sms = renderBoth(t, tm, Expired, data("order.expired", nil))
	for what, s := range map[string]string{"email": email.Text, "HTML": email.HTML, "SMS": sms.Text} {
		contains(t, "expired "+what, s, "not picked up", "https://shop.example.com/orders/ord_7K2M/ship?t=tok123")
	}
	contains(t, "expired email", email.Text, "Sun, Jan 18, 9:00 PM CST")
}

func TestPickedUpReceipt(t *testing.T) {
	d := data("order.picked_up", map[string]any{"handed_over": usd(1227)})
	o := d.Order
	o.Status, o.PickedUpAt = bopis.OrderPickedUp, ptr(time.Date(2026, 1, 15, 15, 20, 0, 0, chicago).UTC())
	o.Lines[0].PickedQuantity, o.Lines[0].Status = ptr(int64(2)), bopis.LinePicked
	o.Lines[1].PickedQuantity, o.Lines[1].Status = ptr(int64(0)), bopis.LineSubstituted
	o.Lines[1].Substitute = &bopis.Substitute{SKU: "BREAD-WHEAT", Name: "Wheat Bread", Quantity: 1, UnitPrice: usd(529), Status: bopis.SubstituteApproved}

	// Before the capture settles, the handed-over value is the total.
	o.Payment.Status = bopis.PaymentCapturePending
	email, sms := renderBoth(t, load(t, ""), PickedUp, d)
	contains(t, "receipt", email.Text, "Whole Milk 1 L × 2 at USD 3.49: USD 6.98", "Wheat Bread × 1 at USD 5.29 (substitute): USD 5.29",
		"Total: USD 12.27", "Thu, Jan 15, 3:20 PM CST")
	if strings.Contains(email.Text, "BREAD-RYE") || strings.Contains(email.Text, "GRILL-XL") {
		t.Errorf("receipt lists what was not handed over:\n%s", email.Text)
	}
	contains(t, "receipt HTML", email.HTML, "Whole Milk 1 L", "USD 6.98", "Wheat Bread (substitute)", "USD 12.27")
	contains(t, "receipt SMS", sms.Text, "USD 12.27")

	// Once captured, the captured amount is what was charged.
	o.Payment.Status, o.Payment.Captured = bopis.PaymentCaptured, usd(1227)
	email, sms = renderBoth(t, load(t, ""), PickedUp, d)
	contains(t, "captured receipt", email.Text, "Charged: USD 12.27")
	contains(t, "captured receipt HTML", email.HTML, "Charged: <strong>USD 12.27</strong>")
	contains(t, "captured receipt SMS", sms.Text, "Charged USD 12.27")
}

func TestMoney(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{usd(1999), "USD 19.99"}, {usd(5), "USD 0.05"}, {usd(0), "USD 0.00"}, {usd(123456789), "USD 1234567.89"},
		{bopis.Money{Amount: 500, Currency: "JPY"}, "JPY 500"}, {bopis.Money{Amount: 1500, Currency: "KWD"}, "KWD 1.500"},
		{map[string]any{"amount": 1999.0, "currency": "EUR"}, "EUR 19.99"},
	} {
		if got, err := money(c.in); err != nil || got != c.want {
			t.Errorf("money(%v) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestRenderNeedsStoreZone(t *testing.T) {
	d := data("order.placed", nil)
	d.Store.TimeZone, d.Order.TimeZone = "", ""
	if _, err := load(t, "").Render(Confirmation, Email, d); err == nil {
		t.Error("rendered without a time zone (times would be UTC)")
	}
	if _, err := load(t, "").Render("welcome", Email, data("order.placed", nil)); err == nil {
		t.Error("rendered an unknown template")
	}
	if _, err := load(t, "").Render(Ready, "fax", data("order.ready", nil)); err == nil {
		t.Error("rendered an unknown channel")
	}
}

func TestOverride(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "sms", "ready.txt"), `{{.Store.Name}} says hi {{.Order.Customer.Name}}: code {{.Order.PickupCode}}, until {{clock .Order.HoldUntil}}`)
	tm := load(t, dir)
	m, err := tm.Render(Ready, SMS, data("order.ready", nil))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Loop Market says hi Ana Díaz: code 482913, until 9:00 PM CST"; m.Text != want {
		t.Errorf("overridden SMS = %q, want %q", m.Text, want)
	}
	// Everything else stays built in.
	m, err = tm.Render(Ready, Email, data("order.ready", nil))
	if err != nil {
		t.Fatal(err)
	}
	contains(t, "built-in ready email", m.Text, "482913", "photo ID")
}

func TestOverrideErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "email", "confirmation.html")
	write(t, bad, `<p>{{.Order.PickupCode</p>`)
	_, err := LoadTemplates(dir)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("a template that does not parse: err = %v, want it to name %s", err, bad)
	}

	dir = t.TempDir()
	typo := filepath.Join(dir, "sms", "reminder.txt")
	write(t, typo, `code {{.Order.PickupCod}}`)
	_, err = LoadTemplates(dir)
	if err == nil || !strings.Contains(err.Error(), typo) || !strings.Contains(err.Error(), "PickupCod") {
		t.Errorf("a template naming a missing field: err = %v, want it to name %s", err, typo)
	}

	if _, err := LoadTemplates(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing template directory is not an error")
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestEveryTemplate renders each template for both channels from the
// built-in sample; go test -run EveryTemplate -v shows every message.
func TestEveryTemplate(t *testing.T) {
	tm := load(t, "")
	for _, name := range names {
		e, s := renderBoth(t, tm, name, sampleData())
		if name == Confirmation || name == Ready || name == Reminder {
			for _, m := range []string{e.Text, e.HTML, s.Text} {
				contains(t, name, m, "123456") // the pickup code
			}
		}
		if !testing.Verbose() {
			continue
		}
		t.Logf("==== %s\nSubject: %s\n\n%s\n---- SMS (%d bytes)\n%s\n---- HTML\n%s", name, e.Subject, e.Text, len(s.Text), s.Text, e.HTML)
	}
}

func TestRenderConcurrently(t *testing.T) {
	tm := load(t, "")
	done := make(chan error)
	for i := range 8 {
		go func() {
			d := data("order.ready", nil)
			if i%2 == 1 { // a store in another zone at the same time
				d.Store.TimeZone = "America/New_York"
			}
			m, err := tm.Render(Ready, Email, d)
			if err == nil && i%2 == 1 && !strings.Contains(m.Text, "10:00 PM EST") {
				err = fmt.Errorf("New York store shows %q", m.Text)
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// BenchmarkRender renders a "ready" email and SMS, as the dispatcher does
// for each order made ready.
func BenchmarkRender(b *testing.B) {
	tm, err := LoadTemplates("")
	if err != nil {
		b.Fatal(err)
	}
	d := sampleData()
	for b.Loop() {
		if _, err := tm.Render(Ready, Email, d); err != nil {
			b.Fatal(err)
		}
		if _, err := tm.Render(Ready, SMS, d); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMessagesNameProducts (issue 41): every email and SMS that lists an
// order's lines names the products, never only their codes, and falls
// back to the code only for a line whose SKU has no name.
func TestMessagesNameProducts(t *testing.T) {
	tm := load(t, "")
	email, sms := renderBoth(t, tm, Confirmation, data("order.placed", nil))
	for what, text := range map[string]string{"email": email.Text, "HTML": email.HTML, "SMS": sms.Text} {
		contains(t, "confirmation "+what, text, "Whole Milk 1 L", "Rye Bread")
		if strings.Contains(text, "MILK-1L") || strings.Contains(text, "BREAD-RYE") {
			t.Errorf("confirmation %s shows a bare SKU code:\n%s", what, text)
		}
	}
	d := data("order.ready", map[string]any{"short_lines": []map[string]any{{"line_id": "2", "sku": "BREAD-RYE", "short": int64(1)}}})
	email, sms = renderBoth(t, tm, Ready, d)
	for what, text := range map[string]string{"email": email.Text, "SMS": sms.Text} {
		if !strings.Contains(text, "Rye Bread") || strings.Contains(text, "BREAD-RYE") {
			t.Errorf("ready %s does not name the short line:\n%s", what, text)
		}
	}
	d = data("order.placed", nil)
	d.Order.Lines[0].Name = ""
	_, sms = renderBoth(t, tm, Confirmation, d)
	contains(t, "SMS of a line without a name", sms.Text, "2 x MILK-1L", "1 x Rye Bread")
}
