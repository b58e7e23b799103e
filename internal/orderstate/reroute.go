package orderstate

import (
	"strconv"

	"github.com/bopis/bopis"
)

// Unfilled is the part of a pick the store could not fill: the short
// lines without a substitute. Under the reroute policy another store
// may take it.
func Unfilled(plan []bopis.LinePick) []bopis.LinePick {
	var out []bopis.LinePick
	for _, lp := range plan {
		if lp.Short > 0 && lp.Substitute == nil {
			out = append(out, lp)
		}
	}
	return out
}

// Root is the order whose payment pays for o: o itself, or the order o
// was rerouted from.
func Root(o *bopis.Order) string {
	if o.ParentOrderID != "" {
		return o.ParentOrderID
	}
	return o.ID
}

// Reroute is the linked order, id with pickupCode, that takes the unfilled
// lines of a pick of o elsewhere (no store yet: routing places it). It
// is paid by the family's one authorization, the root's, captured once
// when the family's last order closes; so it is authorized for exactly
// its own lines, and counts as paid when the root was captured at
// placement. A reroute of a reroute hangs off the same root.
func Reroute(o *bopis.Order, unfilled []bopis.LinePick, id, pickupCode string) bopis.Order {
	lines := make([]bopis.OrderLine, len(unfilled))
	var value int64
	for i, lp := range unfilled {
		l := o.Lines[lp.Index]
		lines[i] = bopis.OrderLine{ID: "l" + strconv.Itoa(i+1), SKU: l.SKU, Quantity: lp.Short, UnitPrice: l.UnitPrice,
			Fulfillment: bopis.FulfillPickup}
		value += lp.Short * l.UnitPrice.Amount
	}
	root := Root(o)
	pay := o.Payment
	pay.Authorized.Amount, pay.Captured.Amount, pay.RefundDue, pay.CoveredBy = value, 0, nil, root
	if pay.Status == bopis.PaymentCaptured {
		pay.Captured.Amount = value // paid at placement with the root order
	}
	return bopis.Order{ID: id, ExternalID: o.ExternalID, Method: o.Method, PickupCode: pickupCode,
		Customer: o.Customer, PickupPerson: o.PickupPerson, Lines: lines, Payment: pay, ParentOrderID: root}
}

// RerouteReason is the routing reason a linked order of a short pick at
// storeID gives.
func RerouteReason(storeID string) string { return "the rest of a short pick at store " + storeID }
