package bopis_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
)

func TestTextRule(t *testing.T) {
	for _, c := range []struct {
		s            string
		str, text    bool
		whatItIsLike string
	}{
		{"", true, true, "empty"},
		{"Ana María Núñez", true, true, "Latin letters"},
		{"東京 Москва 😀", true, true, "other scripts and emoji"},
		{"aisle 4\tbay 2", true, true, "tab"},
		{"line one\nline two", true, true, "LF"},
		{"line one\r\nline two\r\n", true, true, "CR LF"},
		{"\u00a0no-break space", true, true, "U+00A0, just past C1"},
		{"line\u2028separator", true, true, "U+2028 is not a control character"},
		{"line\rone", true, false, "a CR alone"},
		{"ends in CR\r", true, false, "a CR at the end"},
		{"bell\a", true, false, "BEL"},
		{"esc\x1b[31m", true, false, "ESC"},
		{"\x01", true, false, "SOH"},
		{"del\x7f", true, false, "DEL"},
		{"next\u0085line", true, false, "NEL (C1)"},
		{"csi\u009b", true, false, "CSI (C1)"},
		{"nul\x00", false, false, "NUL"},
		{"\x00", false, false, "NUL alone"},
		{"bad\xff", false, false, "a byte that is never UTF-8"},
		{"cut \xc3", false, false, "a truncated sequence"},
		{"\xed\xa0\x80", false, false, "a surrogate encoded in UTF-8"},
		{"\xc0\xaf", false, false, "an overlong encoding"},
		{"mangled \ufffd", false, false, "U+FFFD, which JSON decoding makes of bad bytes and lone surrogates"},
	} {
		if got := bopis.ValidString(c.s); got != c.str {
			t.Errorf("ValidString(%q) = %v, want %v (%s)", c.s, got, c.str, c.whatItIsLike)
		}
		if got := bopis.ValidText(c.s); got != c.text {
			t.Errorf("ValidText(%q) = %v, want %v (%s)", c.s, got, c.text, c.whatItIsLike)
		}
	}
}

// notString breaks the rule for every string; notText only for a
// person's text.
var (
	notString = []string{"A\x00B", "A\xff\xfeB", "A\ufffdB"}
	notText   = append(append([]string(nil), notString...), "A\x1bB", "A\x7fB", "A\u0085B", "A\rB")
)

func validStore() bopis.Store {
	day := []bopis.Interval{{Open: "09:00", Close: "21:00"}}
	return bopis.Store{ID: "s-1", Name: "Store 1", Type: bopis.StoreTypeStore,
		Address: bopis.Address{Line1: "1 Main St", Line2: "Unit 2", City: "Springfield", Region: "IL",
			PostalCode: "62701", Country: "US"},
		Coordinates: bopis.Coordinates{Latitude: 39.78, Longitude: -89.65}, TimeZone: "America/Chicago",
		Hours:         bopis.WeeklyHours{Monday: day, Tuesday: day, Wednesday: day, Thursday: day, Friday: day, Saturday: day, Sunday: day},
		SpecialHours:  []bopis.SpecialHours{{Date: "2026-12-25", Closed: true, Label: "Christmas"}},
		PickupMethods: []bopis.PickupMethod{bopis.PickupInStore}, PrepMinutes: 60, CutoffMinutes: 60,
		HoldDays: 3, SlotMinutes: 60, SlotCapacity: 20}
}

func validOrder() bopis.OrderRequest {
	usd := bopis.Money{Amount: 1999, Currency: "USD"}
	return bopis.OrderRequest{ExternalID: "web-1",
		Customer:     bopis.Customer{Name: "Ana", Email: "ana@example.com", Phone: "+15555550100", Notify: []string{"email"}},
		PickupPerson: &bopis.PickupPerson{Name: "Ben", Email: "ben@example.com", Phone: "+15555550101"},
		Pickup:       bopis.PickupRequest{StoreID: "s-1", Method: bopis.PickupInStore},
		Lines: []bopis.OrderLineRequest{{SKU: "A1", Quantity: 1, UnitPrice: usd, Fulfillment: bopis.FulfillPickup},
			{SKU: "B2", Quantity: 1, UnitPrice: usd, Fulfillment: bopis.FulfillShip}},
		ShippingAddress: &bopis.ShippingAddress{Name: "Ana", Address: bopis.Address{Line1: "1 Elm", Line2: "Apt 3",
			City: "Chicago", Region: "IL", PostalCode: "60601", Country: "US"}},
		Payment: bopis.PaymentRequest{Token: "tok_visa"}}
}

// TestValidateRefusesBadText: every string field a request can store
// refuses a NUL, bytes that are not UTF-8 and U+FFFD, and every person's
// text also control characters but tab and newline: an EINVALID error
// naming that field alone, whose message does not repeat the value.
func TestValidateRefusesBadText(t *testing.T) {
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	n := int64(4)
	event := func(bad string, set func(e *bopis.InventoryEvent, s string)) error {
		e := bopis.InventoryEvent{ID: "e-1", StoreID: "s-1", SKU: "A1", Type: "snapshot", OnHand: &n,
			Reason: "count", OccurredAt: now.Add(-time.Minute)}
		set(&e, bad)
		return e.Validate(now)
	}
	store := func(bad string, set func(s *bopis.Store, v string)) error {
		s := validStore()
		set(&s, bad)
		return s.Validate()
	}
	order := func(bad string, set func(o *bopis.OrderRequest, v string)) error {
		o := validOrder()
		set(&o, bad)
		return o.Validate()
	}
	pick := func(bad string, set func(p *bopis.PickLine, v string)) error {
		q := int64(1)
		p := bopis.PickRequest{Lines: []bopis.PickLine{{LineID: "l1", PickedQuantity: &q,
			Substitute: &bopis.SubstituteRequest{SKU: "D", Quantity: 1}}}}
		set(&p.Lines[0], bad)
		return p.Validate()
	}
	adjustment := func(bad string, set func(a *bopis.Adjustment, v string)) error {
		a := bopis.Adjustment{SKU: "A1", Delta: -1, Reason: "damaged", Reference: "ticket 7"}
		set(&a, bad)
		return a.Validate()
	}
	cases := []struct {
		path     string
		text     bool // a person's text: control characters are refused too
		validate func(bad string) error
	}{
		{"name", true, func(b string) error { return store(b, func(s *bopis.Store, v string) { s.Name = v }) }},
		{"address.line1", true, func(b string) error { return store(b, func(s *bopis.Store, v string) { s.Address.Line1 = v }) }},
		{"address.line2", true, func(b string) error { return store(b, func(s *bopis.Store, v string) { s.Address.Line2 = v }) }},
		{"address.city", true, func(b string) error { return store(b, func(s *bopis.Store, v string) { s.Address.City = v }) }},
		{"address.region", true, func(b string) error { return store(b, func(s *bopis.Store, v string) { s.Address.Region = v }) }},
		{"address.postal_code", true, func(b string) error {
			return store(b, func(s *bopis.Store, v string) { s.Address.PostalCode = v })
		}},
		{"address.country", true, func(b string) error { return store(b, func(s *bopis.Store, v string) { s.Address.Country = v }) }},
		{"time_zone", false, func(b string) error { return store(b, func(s *bopis.Store, v string) { s.TimeZone = v }) }},
		{"special_hours[0].label", true, func(b string) error {
			return store(b, func(s *bopis.Store, v string) { s.SpecialHours[0].Label = v })
		}},

		{"name", true, func(b string) error {
			k := bopis.SKU{SKU: "A1", Name: b}
			return k.Validate()
		}},
		{"name", true, func(b string) error {
			k := bopis.APIKey{Role: bopis.RoleAdmin, Name: b}
			return k.Validate()
		}},
		{"origins[0]", true, func(b string) error {
			k := bopis.APIKey{Role: bopis.RolePublic, Origins: []string{"https://shop.example.com" + b}}
			return k.Validate()
		}},

		{"external_id", true, func(b string) error { return order(b, func(o *bopis.OrderRequest, v string) { o.ExternalID = v }) }},
		{"customer.name", true, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.Customer.Name = v })
		}},
		{"customer.email", true, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.Customer.Email = "ana" + v + "@example.com" })
		}},
		{"customer.phone", true, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.Customer.Phone = "+1555" + v })
		}},
		{"pickup_person.name", true, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.PickupPerson.Name = v })
		}},
		{"pickup_person.email", true, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.PickupPerson.Email = v })
		}},
		{"pickup_person.phone", true, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.PickupPerson.Phone = v })
		}},
		{"shipping_address.name", true, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.ShippingAddress.Name = v })
		}},
		{"shipping_address.line1", true, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.ShippingAddress.Line1 = v })
		}},
		{"shipping_address.line2", true, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.ShippingAddress.Line2 = v })
		}},
		{"shipping_address.city", true, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.ShippingAddress.City = v })
		}},
		{"shipping_address.region", true, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.ShippingAddress.Region = v })
		}},
		{"shipping_address.postal_code", true, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.ShippingAddress.PostalCode = v })
		}},
		{"shipping_address.country", true, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.ShippingAddress.Country = v })
		}},
		{"payment.token", false, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.Payment.Token = "tok_" + v })
		}},
		{"hold_id", false, func(b string) error { return order(b, func(o *bopis.OrderRequest, v string) { o.HoldID = v }) }},
		{"pickup.store_id", false, func(b string) error {
			return order(b, func(o *bopis.OrderRequest, v string) { o.Pickup.StoreID = v })
		}},
		{"lines[0].sku", false, func(b string) error { return order(b, func(o *bopis.OrderRequest, v string) { o.Lines[0].SKU = v }) }},
		{"ship.city", true, func(b string) error {
			a := bopis.ShippingAddress{Address: bopis.Address{Line1: "1 Elm", City: b, PostalCode: "60601", Country: "US"}}
			return a.Validate("ship")
		}},
		{"pickup.store_id", false, func(b string) error {
			h := bopis.HoldRequest{Pickup: bopis.PickupRequest{StoreID: b, Method: bopis.PickupInStore},
				Lines: []bopis.OrderLineRequest{{SKU: "A1", Quantity: 1, UnitPrice: bopis.Money{Amount: 1, Currency: "USD"}}}}
			return h.Validate()
		}},

		{"parking_spot", true, func(b string) error { a := bopis.Arrival{ParkingSpot: b}; return a.Validate() }},
		{"vehicle", true, func(b string) error { a := bopis.Arrival{Vehicle: "red " + b}; return a.Validate() }},
		{"staging_location", true, func(b string) error { return bopis.ValidateStagingLocation("shelf " + b) }},
		{"reason", true, func(b string) error { return bopis.ValidateCancelReason(b) }},
		{"pickup_code", false, func(b string) error { return bopis.ValidatePickupCode(b) }},
		{"lines[0].line_id", false, func(b string) error { return pick(b, func(l *bopis.PickLine, v string) { l.LineID = v }) }},
		{"lines[0].substitute.sku", false, func(b string) error {
			return pick(b, func(l *bopis.PickLine, v string) { l.Substitute.SKU = v })
		}},

		{"reason", true, func(b string) error { return event(b, func(e *bopis.InventoryEvent, v string) { e.Reason = v }) }},
		{"id", false, func(b string) error { return event(b, func(e *bopis.InventoryEvent, v string) { e.ID = v }) }},
		{"store_id", false, func(b string) error { return event(b, func(e *bopis.InventoryEvent, v string) { e.StoreID = v }) }},
		{"sku", false, func(b string) error { return event(b, func(e *bopis.InventoryEvent, v string) { e.SKU = v }) }},
		{"type", false, func(b string) error {
			return event(b, func(e *bopis.InventoryEvent, v string) { e.Type = "snapshot" + v })
		}},
		{"reason", true, func(b string) error { return adjustment(b, func(a *bopis.Adjustment, v string) { a.Reason = v }) }},
		{"reference", true, func(b string) error { return adjustment(b, func(a *bopis.Adjustment, v string) { a.Reference = v }) }},
		{"sku", false, func(b string) error { return adjustment(b, func(a *bopis.Adjustment, v string) { a.SKU = v }) }},
		{"levels[0].sku", false, func(b string) error {
			return bopis.ValidateStoreCount(now, []bopis.CountLine{{SKU: b, OnHand: 1}}, now)
		}},
	}
	for _, c := range cases {
		bads := notString
		if c.text {
			bads = notText
		}
		for _, bad := range bads {
			err := c.validate(bad)
			var e *bopis.Error
			if !errors.As(err, &e) || e.Code != bopis.EINVALID {
				t.Errorf("%s = %q: %v, want EINVALID", c.path, bad, err)
				continue
			}
			if got := fields(err); !reflect.DeepEqual(got, []string{c.path}) {
				t.Errorf("%s = %q: fields %v, want [%s]", c.path, bad, got, c.path)
			}
			if msg := err.Error(); strings.Contains(msg, bad) || !bopis.ValidText(msg) {
				t.Errorf("%s = %q: the message repeats the value: %q", c.path, bad, msg)
			}
		}
	}
}

// TestPersonsTextMayHaveTabsAndNewlines: the rule leaves tab, LF and CR
// LF in a person's text, and any script.
func TestPersonsTextMayHaveTabsAndNewlines(t *testing.T) {
	a := bopis.Adjustment{SKU: "A1", Delta: -1, Reason: "dropped\tby the door\r\nsee photo\n", Reference: "Zoë's ticket #7 — 東京"}
	if err := a.Validate(); err != nil {
		t.Errorf("adjustment: %v", err)
	}
	o := validOrder()
	o.Customer.Name, o.ShippingAddress.Line2 = "José Ñandú 😀", "c/o\tfront desk"
	if err := o.Validate(); err != nil {
		t.Errorf("order: %v", err)
	}
	if err := bopis.ValidateCancelReason("customer called:\nwants it shipped"); err != nil {
		t.Errorf("cancel reason: %v", err)
	}
}
