package orderstate

import (
	"testing"

	"github.com/bopis/bopis"
	"pgregory.net/rapid"
)

func TestReroute(t *testing.T) {
	o := twoLines()
	o.ID, o.ExternalID, o.PickupCode = "o1", "ext-1", "111111"
	o.Payment = bopis.Payment{Status: bopis.PaymentAuthorized, Authorized: usd(4900), AuthorizationID: "auth-1",
		RefundDue: &bopis.Money{Amount: 1, Currency: "USD"}}
	plan := []bopis.LinePick{
		{Index: 0, Picked: 1, Short: 2}, // 2×A at 1000 go elsewhere
		{Index: 1, Picked: 0, Short: 1, Substitute: &bopis.Substitute{SKU: "D", Quantity: 1}}, // substituted: stays
	}
	unfilled := Unfilled(plan)
	if len(unfilled) != 1 || unfilled[0].Index != 0 {
		t.Fatalf("unfilled %+v", unfilled)
	}
	c := Reroute(o, unfilled, "o2", "222222")
	want := bopis.OrderLine{ID: "l1", SKU: "A", Quantity: 2, UnitPrice: usd(1000), Fulfillment: bopis.FulfillPickup}
	if c.ID != "o2" || c.PickupCode != "222222" || c.ExternalID != "ext-1" || c.ParentOrderID != "o1" ||
		len(c.Lines) != 1 || c.Lines[0].ID != want.ID || c.Lines[0].SKU != want.SKU || c.Lines[0].Quantity != want.Quantity ||
		c.Lines[0].UnitPrice != want.UnitPrice || c.Lines[0].Fulfillment != want.Fulfillment {
		t.Fatalf("child %+v", c)
	}
	p := c.Payment
	if p.Authorized != usd(2000) || p.Captured.Amount != 0 || p.RefundDue != nil || p.CoveredBy != "o1" ||
		p.AuthorizationID != "auth-1" || p.Status != bopis.PaymentAuthorized {
		t.Fatalf("child's payment %+v", p)
	}
	if o.Payment.Authorized != usd(4900) || o.Payment.RefundDue == nil {
		t.Fatal("the parent's payment changed")
	}

	o.Payment.Status, o.Payment.Captured = bopis.PaymentCaptured, usd(4900)
	if c := Reroute(o, unfilled, "o2", "222222"); c.Payment.Captured != usd(2000) {
		t.Errorf("captured at placement: the child counts as paid, got %+v", c.Payment.Captured)
	}
	o.ID, o.ParentOrderID = "o2", "o1"
	if c := Reroute(o, unfilled, "o3", "333333"); c.ParentOrderID != "o1" || c.Payment.CoveredBy != "o1" {
		t.Errorf("a reroute of a reroute hangs off the root: %q %q", c.ParentOrderID, c.Payment.CoveredBy)
	}
	if Unfilled([]bopis.LinePick{{Short: 0}, {Short: 2, Substitute: &bopis.Substitute{}}}) != nil {
		t.Error("nothing unfilled")
	}
}

// TestRerouteProperties draws picks: the linked order takes exactly the
// short units without a substitute, is authorized for exactly their
// value (never more than they cost on the picked order) and is paid by
// the family's root.
func TestRerouteProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := &bopis.Order{ID: "o2", Payment: bopis.Payment{Status: rapid.SampledFrom([]string{bopis.PaymentAuthorized,
			bopis.PaymentCaptured}).Draw(t, "status")}}
		if rapid.Bool().Draw(t, "is a reroute itself") {
			o.ParentOrderID = "o1"
		}
		var plan []bopis.LinePick
		for i := range rapid.IntRange(0, 6).Draw(t, "lines") {
			q := rapid.Int64Range(1, 5).Draw(t, "quantity")
			o.Lines = append(o.Lines, bopis.OrderLine{SKU: "S", Quantity: q, UnitPrice: usd(rapid.Int64Range(0, 3000).Draw(t, "price")),
				Fulfillment: bopis.FulfillPickup})
			lp := bopis.LinePick{Index: i, Picked: rapid.Int64Range(0, q).Draw(t, "picked")}
			lp.Short = q - lp.Picked
			if lp.Short > 0 && rapid.Bool().Draw(t, "substitute") {
				lp.Substitute = &bopis.Substitute{SKU: "T", Quantity: 1}
			}
			plan = append(plan, lp)
		}
		unfilled := Unfilled(plan)
		c := Reroute(o, unfilled, "o9", "999999")
		var units, value, wantUnits int64
		for _, lp := range plan {
			if lp.Short > 0 && lp.Substitute == nil {
				wantUnits += lp.Short
			}
		}
		for i, l := range c.Lines {
			units += l.Quantity
			value += l.Quantity * l.UnitPrice.Amount
			if src := o.Lines[unfilled[i].Index]; l.SKU != src.SKU || l.UnitPrice != src.UnitPrice || l.Quantity > src.Quantity {
				t.Fatalf("line %d %+v from %+v", i, l, src)
			}
		}
		if units != wantUnits || c.Payment.Authorized.Amount != value {
			t.Fatalf("%d units for %d authorized; want %d units for %d", units, c.Payment.Authorized.Amount, wantUnits, value)
		}
		if Root(&c) != Root(o) || c.Payment.CoveredBy != Root(o) {
			t.Fatalf("root %q covered by %q, want %q", Root(&c), c.Payment.CoveredBy, Root(o))
		}
		paid := int64(0)
		if o.Payment.Status == bopis.PaymentCaptured {
			paid = value
		}
		if c.Payment.Captured.Amount != paid || c.Payment.RefundDue != nil {
			t.Fatalf("child's payment %+v", c.Payment)
		}
	})
}
