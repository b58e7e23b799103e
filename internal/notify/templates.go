package notify

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/bopis/bopis"
)

// Data is what a template may use. Times are rendered in the store's time
// zone (Store.TimeZone, else Order.TimeZone) by the template functions.
//
// Besides the standard ones, templates have these functions:
//
//	local    time.Time, *time.Time or RFC 3339 string → "Mon, Jan 2, 3:04 PM MST", store time (bopis.FormatTime)
//	clock    the same → "3:04 PM MST" (bopis.FormatClock)
//	name     a bopis.OrderLine, *bopis.OrderLine or SKU code → the product's name (the code when the order has none)
//	image    an image URL → the URL when a mail client can load it (http or https), else ""
//	dayHours the same → the store's hours on that local date ("9:00 AM to 9:00 PM", "closed")
//	money    bopis.Money or a map with amount and currency → "USD 19.99"
//	times    a quantity and a bopis.Money → their product as bopis.Money
//	qty      an int64, *int64 (nil is 0) or json.Number → int64
//	address  bopis.Address → one line
//	line     a line id → the order's *bopis.OrderLine, or nil
type Data struct {
	Event                   string         // the event type, e.g. "order.ready"
	Order                   *bopis.Order   // required
	Store                   *bopis.Store   // the pickup store: name, address, hours; required
	Detail                  map[string]any // the event's detail, as JSON would give it (maps, lists, strings, json.Number)
	OrderLink               string         // the customer's order page (unguessable link)
	ShipToHomeLink          string         // offered after cancel/expiry
	ApproveLink, RejectLink string         // substitution answers
}

// Templates renders messages; each template is a set of files a retailer
// can override. It is safe for concurrent use.
type Templates struct {
	files map[string]file // by relative name, e.g. "email/ready.html"
}

// file is one template, parsed once (a render clones it to bind the
// message's functions), and where it came from (for errors).
type file struct {
	path  string
	html  *htmltemplate.Template // .html files
	plain *texttemplate.Template // the others
}

//go:embed templates
var builtin embed.FS

// LoadTemplates returns the built-in templates, with any file of the same
// relative name found in dir overriding the built-in one (dir "" =
// built-ins only). The files are email/<name>.subject.txt,
// email/<name>.txt, email/<name>.html and sms/<name>.txt; other files in
// dir are ignored. A template that fails to parse, or to render a sample
// order, is an error naming the file.
func LoadTemplates(dir string) (*Templates, error) {
	if dir != "" {
		if fi, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("notify: templates: %w", err)
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("notify: templates: %s is not a directory", dir)
		}
	}
	t := &Templates{files: map[string]file{}}
	sample := sampleData()
	fm, err := funcs(sample)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		for _, rel := range []string{
			"email/" + name + ".subject.txt", "email/" + name + ".txt", "email/" + name + ".html", "sms/" + name + ".txt",
		} {
			f, err := readTemplate(dir, rel, fm)
			if err != nil {
				return nil, err
			}
			t.files[rel] = f
			if _, err := t.exec(rel, fm, sample); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

// readTemplate reads and parses rel, from dir if it holds it, else the
// built-in one.
func readTemplate(dir, rel string, fm map[string]any) (file, error) {
	if dir != "" {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		b, err := os.ReadFile(path)
		if err == nil {
			return parse(rel, path, string(b), fm)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return file{}, fmt.Errorf("notify: template %w", err)
		}
	}
	b, err := builtin.ReadFile("templates/" + rel)
	if err != nil {
		return file{}, fmt.Errorf("notify: built-in template %s: %w", rel, err)
	}
	return parse(rel, "built-in "+rel, string(b), fm)
}

// Render renders template name for channel with d; To is left for the
// caller. An email's .html file is an html/template (everything inserted
// is escaped); the others are text/templates.
func (t *Templates) Render(name, channel string, d Data) (Message, error) {
	if _, ok := t.files["sms/"+name+".txt"]; !ok {
		return Message{}, fmt.Errorf("notify: no template %q", name)
	}
	if d.Order == nil || d.Store == nil {
		return Message{}, errors.New("notify: Data needs an Order and a Store")
	}
	detail, err := normalize(d.Detail)
	if err != nil {
		return Message{}, fmt.Errorf("notify: %s detail: %w", d.Event, err)
	}
	d.Detail = detail
	fm, err := funcs(d)
	if err != nil {
		return Message{}, err
	}
	m := Message{Channel: channel}
	switch channel {
	case Email:
		if m.Subject, err = t.exec("email/"+name+".subject.txt", fm, d); err != nil {
			return Message{}, err
		}
		m.Subject = strings.Join(strings.Fields(m.Subject), " ") // one header line
		if m.Text, err = t.exec("email/"+name+".txt", fm, d); err != nil {
			return Message{}, err
		}
		if m.HTML, err = t.exec("email/"+name+".html", fm, d); err != nil {
			return Message{}, err
		}
	case SMS:
		if m.Text, err = t.exec("sms/"+name+".txt", fm, d); err != nil {
			return Message{}, err
		}
		m.Text = strings.TrimSpace(m.Text)
	default:
		return Message{}, fmt.Errorf("notify: unknown channel %q", channel)
	}
	return m, nil
}

// exec runs one file with functions fm bound to d's store. The file was
// parsed once (parse); each render runs a clone with its own functions
// (the store's zone), so Templates holds no shared mutable state.
// Parsing on each render cost ~60% of a render.
func (t *Templates) exec(rel string, fm map[string]any, d Data) (string, error) {
	f := t.files[rel]
	var b bytes.Buffer
	var err error
	if f.html != nil {
		var tm *htmltemplate.Template
		if tm, err = f.html.Clone(); err == nil {
			err = tm.Funcs(fm).Execute(&b, d)
		}
	} else {
		var tm *texttemplate.Template
		if tm, err = f.plain.Clone(); err == nil {
			err = tm.Funcs(fm).Execute(&b, d)
		}
	}
	if err != nil {
		return "", fmt.Errorf("notify: %s: %w", f.path, err)
	}
	return b.String(), nil
}

// parse parses the text of rel, read from path, with fm's function
// names (their values are replaced at each render).
func parse(rel, path, text string, fm map[string]any) (file, error) {
	f := file{path: path}
	var err error
	if strings.HasSuffix(rel, ".html") {
		f.html, err = htmltemplate.New(path).Funcs(fm).Parse(text)
	} else {
		f.plain, err = texttemplate.New(path).Funcs(fm).Parse(text)
	}
	if err != nil {
		return file{}, fmt.Errorf("notify: %s: %w", path, err)
	}
	return f, nil
}

// normalize gives detail the shape JSON would: the event's detail may
// hold Go values (a *bopis.Substitute) before it is stored, and maps after.
func normalize(detail map[string]any) (map[string]any, error) {
	if detail == nil {
		return map[string]any{}, nil
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out map[string]any
	err = dec.Decode(&out)
	return out, err
}

func location(d Data) (*time.Location, error) {
	for _, tz := range []string{d.Store.TimeZone, d.Order.TimeZone} {
		if tz != "" && tz != "Local" {
			return time.LoadLocation(tz)
		}
	}
	return nil, fmt.Errorf("notify: store %s has no time zone", d.Store.ID)
}

func funcs(d Data) (map[string]any, error) {
	loc, err := location(d)
	if err != nil {
		return nil, err
	}
	format := func(f func(time.Time, string) string) func(any) (string, error) {
		return func(v any) (string, error) {
			t, err := toTime(v)
			if err != nil || t.IsZero() {
				return "", err
			}
			return f(t, loc.String()), nil
		}
	}
	return map[string]any{
		"local": format(bopis.FormatTime),
		"clock": format(bopis.FormatClock),
		"name":  func(v any) string { return productName(d.Order, v) },
		"image": func(u string) string {
			if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
				return u
			}
			return ""
		},
		"dayHours": func(v any) (string, error) {
			t, err := toTime(v)
			if err != nil {
				return "", err
			}
			return bopis.FormatHours(d.Store, t.In(loc)), nil
		},
		"money": money,
		"times": func(q any, m bopis.Money) (bopis.Money, error) {
			n, err := toInt(q)
			return bopis.Money{Amount: n * m.Amount, Currency: m.Currency}, err
		},
		"qty":     toInt,
		"address": address,
		"line": func(id any) *bopis.OrderLine {
			s := fmt.Sprint(id)
			for i := range d.Order.Lines {
				if d.Order.Lines[i].ID == s {
					return &d.Order.Lines[i]
				}
			}
			return nil
		},
	}, nil
}

// toTime accepts time.Time, *time.Time and RFC 3339 strings; nil and ""
// are the zero time.
func toTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v, nil
	case *time.Time:
		if v == nil {
			return time.Time{}, nil
		}
		return *v, nil
	case string:
		if v == "" {
			return time.Time{}, nil
		}
		return time.Parse(time.RFC3339, v)
	case nil:
		return time.Time{}, nil
	}
	return time.Time{}, fmt.Errorf("%T is not a time", v)
}

func toInt(v any) (int64, error) {
	switch v := v.(type) {
	case int64:
		return v, nil
	case *int64:
		if v == nil {
			return 0, nil
		}
		return *v, nil
	case int:
		return int64(v), nil
	case float64:
		return int64(v), nil
	case json.Number:
		return v.Int64()
	case string:
		return strconv.ParseInt(v, 10, 64)
	}
	return 0, fmt.Errorf("%T is not a whole number", v)
}

// decimals of the currencies whose minor unit is not a hundredth.
var decimals = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// money formats minor units as "USD 19.99" (or "JPY 500").
func money(v any) (string, error) {
	var m bopis.Money
	switch v := v.(type) {
	case nil:
		return "", nil
	case bopis.Money:
		m = v
	case *bopis.Money:
		if v == nil {
			return "", nil
		}
		m = *v
	case map[string]any:
		m.Currency, _ = v["currency"].(string)
		n, err := toInt(v["amount"])
		if err != nil {
			return "", fmt.Errorf("money: amount: %w", err)
		}
		m.Amount = n
	default:
		return "", fmt.Errorf("money: %T is not money", v)
	}
	dec, ok := decimals[m.Currency]
	if !ok {
		dec = 2
	}
	sign, a := "", m.Amount
	if a < 0 {
		sign, a = "-", -a
	}
	if dec == 0 {
		return fmt.Sprintf("%s %s%d", m.Currency, sign, a), nil
	}
	unit := int64(1)
	for range dec {
		unit *= 10
	}
	return fmt.Sprintf("%s %s%d.%0*d", m.Currency, sign, a/unit, dec, a%unit), nil
}

func address(a bopis.Address) string {
	var parts []string
	for _, p := range []string{a.Line1, a.Line2, a.City, strings.TrimSpace(a.Region + " " + a.PostalCode)} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// sampleData is an order that every template must render at load, so a
// mistyped field in an override fails then rather than when sending.
func sampleData() Data {
	start := time.Date(2026, 1, 15, 21, 0, 0, 0, time.UTC)
	hold := start.Add(72 * time.Hour)
	picked := int64(1)
	day := []bopis.Interval{{Open: "09:00", Close: "21:00"}}
	usd := func(n int64) bopis.Money { return bopis.Money{Amount: n, Currency: "USD"} }
	sub := &bopis.Substitute{SKU: "SKU-2", Quantity: 1, UnitPrice: usd(499), Status: bopis.SubstituteApproved, AnswerBy: start}
	return Data{
		Event: "order.placed",
		Order: &bopis.Order{
			ID: "ord_1", StoreID: "chi-1", Method: bopis.PickupCurbside, TimeZone: "America/Chicago", PickupCode: "123456",
			PromisedReadyAt: start, PickupWindow: bopis.PickupWindow{Start: start, End: start.Add(time.Hour)}, HoldUntil: &hold,
			Customer:     bopis.Customer{Name: "Ana", Email: "ana@example.com", Phone: "+15555550100"},
			PickupPerson: &bopis.PickupPerson{Name: "Bo"},
			Lines: []bopis.OrderLine{{ID: "1", SKU: "SKU-1", Quantity: 2, UnitPrice: usd(399), Fulfillment: bopis.FulfillPickup,
				Status: bopis.LineSubstituted, PickedQuantity: &picked, Substitute: sub}},
			Payment:         bopis.Payment{Status: bopis.PaymentCaptured, Authorized: usd(798), Captured: usd(898), RefundDue: &bopis.Money{Currency: "USD"}},
			StagingLocation: "A1", ArrivedAt: &start, Arrival: &bopis.Arrival{ParkingSpot: "3"}, PickedUpAt: &start,
			CancelReason: "out of stock",
		},
		Store: &bopis.Store{
			ID: "chi-1", Name: "Sample Store", Address: bopis.Address{Line1: "1 Main St", City: "Chicago", Region: "IL", PostalCode: "60601"},
			TimeZone: "America/Chicago",
			Hours:    bopis.WeeklyHours{Monday: day, Tuesday: day, Wednesday: day, Thursday: day, Friday: day, Saturday: day, Sunday: day},
		},
		// Detail as normalize gives it.
		Detail: map[string]any{
			"short_lines":  []any{map[string]any{"line_id": "1", "sku": "SKU-1", "short": json.Number("1")}},
			"new_estimate": start.Format(time.RFC3339), "reason": "out of stock", "line_id": "1", "sku": "SKU-1", "short": json.Number("1"),
			"substitute": map[string]any{"sku": "SKU-2", "quantity": json.Number("1"), "status": "proposed", "answer_by": start.Format(time.RFC3339),
				"unit_price": map[string]any{"amount": json.Number("499"), "currency": "USD"}},
			"handed_over": map[string]any{"amount": json.Number("898"), "currency": "USD"},
		},
		OrderLink: "https://shop.example.com/o/abc", ShipToHomeLink: "https://shop.example.com/o/abc/ship",
		ApproveLink: "https://shop.example.com/o/abc/approve", RejectLink: "https://shop.example.com/o/abc/reject",
	}
}

// productName is the name of the product v stands for (a line, or a SKU
// code of a line or a substitute of o), or the code when o has no name
// for it: a person reads products, not codes.
func productName(o *bopis.Order, v any) string {
	switch v := v.(type) {
	case bopis.OrderLine:
		return lineName(&v)
	case *bopis.OrderLine:
		if v == nil {
			return ""
		}
		return lineName(v)
	}
	sku := fmt.Sprint(v)
	for i := range o.Lines {
		l := &o.Lines[i]
		if l.SKU == sku && l.Name != "" {
			return l.Name
		}
		if s := l.Substitute; s != nil && s.SKU == sku && s.Name != "" {
			return s.Name
		}
	}
	return sku
}

func lineName(l *bopis.OrderLine) string {
	if l.Name != "" {
		return l.Name
	}
	return l.SKU
}
