package orderstate

import (
	"fmt"
	"time"

	"github.com/bopis/bopis"
)

// PlanPick checks a pick against the order and says what it does to each
// line it names. Lines already picked may be reported again only with
// the same result. A substitute replaces the short units of its line, is
// another SKU, and costs at most what it replaces (the authorization
// covers only that); without a price it is charged at the line's. It must
// be answered by answerBy.
func PlanPick(o *bopis.Order, req bopis.PickRequest, answerBy time.Time) ([]bopis.LinePick, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	byID := make(map[string]int, len(o.Lines))
	for i, l := range o.Lines {
		byID[l.ID] = i
	}
	var fields []bopis.FieldError
	bad := func(path, format string, args ...any) {
		fields = append(fields, bopis.FieldError{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	var conflict []bopis.FieldError
	out := make([]bopis.LinePick, 0, len(req.Lines))
	for i, p := range req.Lines {
		path := fmt.Sprintf("lines[%d]", i)
		idx, ok := byID[p.LineID]
		if !ok {
			bad(path+".line_id", "the order has no line %q", p.LineID)
			continue
		}
		l := o.Lines[idx]
		if l.Fulfillment != bopis.FulfillPickup {
			bad(path+".line_id", "line %s is shipped, not picked at the store", l.ID)
			continue
		}
		picked := *p.PickedQuantity
		if picked > l.Quantity {
			bad(path+".picked_quantity", "line %s is for %d units; picked_quantity may not exceed it", l.ID, l.Quantity)
			continue
		}
		lp := bopis.LinePick{Request: i, Index: idx, Picked: picked, Short: l.Quantity - picked}
		if s := p.Substitute; s != nil {
			price := l.UnitPrice
			if s.UnitPrice != nil {
				price = *s.UnitPrice
			}
			sub := &bopis.Substitute{SKU: s.SKU, Quantity: s.Quantity, UnitPrice: price, Status: bopis.SubstituteProposed,
				AnswerBy: answerBy}
			switch {
			case lp.Short == 0:
				bad(path+".substitute", "a substitute replaces units not picked; line %s was picked in full", l.ID)
			case s.SKU == l.SKU:
				bad(path+".substitute.sku", "a substitute is another SKU than the line's %s", l.SKU)
			case price.Currency != l.UnitPrice.Currency:
				bad(path+".substitute.unit_price.currency", "must be the order's currency, %s", l.UnitPrice.Currency)
			case sub.Value() > lp.Short*l.UnitPrice.Amount:
				bad(path+".substitute", "costs %d, more than the %d units it replaces (%d): the customer's authorization covers only that",
					sub.Value(), lp.Short, lp.Short*l.UnitPrice.Amount)
			}
			lp.Substitute = sub
		}
		if l.Status != bopis.LineOpen {
			if l.PickedQuantity != nil && *l.PickedQuantity == picked && sameSubstitute(l.Substitute, lp.Substitute) {
				lp.Repeat = true
			} else {
				conflict = append(conflict, bopis.FieldError{Path: path,
					Message: fmt.Sprintf("line %s was already picked (%s)", l.ID, l.Status)})
				continue
			}
		}
		out = append(out, lp)
	}
	if len(fields) > 0 {
		return nil, &bopis.Error{Code: bopis.EINVALID, Message: "pick is invalid", Fields: fields}
	}
	if len(conflict) > 0 {
		return nil, &bopis.Error{Code: bopis.ECONFLICT, Message: "a picked line cannot be picked again with another result",
			Fields: conflict}
	}
	return out, nil
}

// sameSubstitute reports whether a repeated pick proposes what the line
// already has (its answer aside).
func sameSubstitute(have, again *bopis.Substitute) bool {
	if have == nil || again == nil {
		return have == nil && again == nil
	}
	return have.SKU == again.SKU && have.Quantity == again.Quantity && have.UnitPrice == again.UnitPrice
}

// LineStatus is the status a line takes from its pick under policy
// (before any reroute is known to have succeeded).
func LineStatus(lp bopis.LinePick) string {
	switch {
	case lp.Short == 0:
		return bopis.LinePicked
	case lp.Substitute != nil:
		return bopis.LineSubstitutionProposed
	}
	return bopis.LineShort
}

// PlanAnswer checks the customer's answer to line lineID's substitute
// and returns the line's index. Answering again the same way is a
// repeat; changing an answer is a conflict.
func PlanAnswer(o *bopis.Order, lineID string, approve bool) (idx int, repeat bool, err error) {
	want := bopis.SubstituteRejected
	if approve {
		want = bopis.SubstituteApproved
	}
	for i, l := range o.Lines {
		if l.ID != lineID {
			continue
		}
		s := l.Substitute
		switch {
		case s == nil:
			return i, false, &bopis.Error{Code: bopis.ECONFLICT, Message: "line " + lineID + " has no substitute to answer",
				Fields: []bopis.FieldError{{Path: "line_id", Message: "no substitute was proposed for it"}}}
		case s.Status == want:
			return i, true, nil
		case s.Status != bopis.SubstituteProposed:
			msg := "the substitute was already " + s.Status
			if s.AnsweredBy == ByTimeout {
				msg += ": no answer came in time"
			}
			return i, false, &bopis.Error{Code: bopis.ECONFLICT, Message: msg,
				Fields: []bopis.FieldError{{Path: "line_id", Message: msg}}}
		}
		return i, false, nil
	}
	return 0, false, &bopis.Error{Code: bopis.ENOTFOUND, Message: "the order has no line " + lineID,
		Fields: []bopis.FieldError{{Path: "line_id", Message: "no such line"}}}
}

// Unresolved lists the pickup lines that keep an order from being ready:
// not yet picked, or with a substitute waiting for the customer.
func Unresolved(o *bopis.Order) []bopis.FieldError {
	var out []bopis.FieldError
	for i, l := range o.Lines {
		if !l.Resolved() {
			msg := "not picked yet"
			if l.Status == bopis.LineSubstitutionProposed {
				msg = "its substitute waits for the customer's answer until " + l.Substitute.AnswerBy.Format(time.RFC3339)
			}
			out = append(out, bopis.FieldError{Path: fmt.Sprintf("lines[%d]", i), Message: "line " + l.ID + " is " + msg})
		}
	}
	return out
}

// HandedValue is what the customer takes away at a handoff: every pickup
// line's picked units and approved substitutes.
func HandedValue(o *bopis.Order) int64 {
	var v int64
	for i := range o.Lines {
		v += o.Lines[i].HandedValue()
	}
	return v
}

// ShipValue is what the order's ship lines cost: captured with the
// pickup part at handoff (the retailer's OMS ships them under the order).
func ShipValue(o *bopis.Order) int64 {
	var v int64
	for _, l := range o.Lines {
		if l.Fulfillment == bopis.FulfillShip {
			v += l.Quantity * l.UnitPrice.Amount
		}
	}
	return v
}
