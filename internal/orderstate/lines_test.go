package orderstate

import (
	"testing"
	"time"

	"github.com/bopis/bopis"
)

func usd(a int64) bopis.Money { return bopis.Money{Amount: a, Currency: "USD"} }

func n(v int64) *int64 { return &v }

// twoLines: l1 3×A at 1000, l2 1×B at 500, l3 2×C shipped.
func twoLines() *bopis.Order {
	return &bopis.Order{Lines: []bopis.OrderLine{
		{ID: "l1", SKU: "A", Quantity: 3, UnitPrice: usd(1000), Fulfillment: bopis.FulfillPickup, Status: bopis.LineOpen},
		{ID: "l2", SKU: "B", Quantity: 1, UnitPrice: usd(500), Fulfillment: bopis.FulfillPickup, Status: bopis.LineOpen},
		{ID: "l3", SKU: "C", Quantity: 2, UnitPrice: usd(700), Fulfillment: bopis.FulfillShip, Status: bopis.LineOpen},
	}}
}

func TestPlanPick(t *testing.T) {
	by := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	sub := func(sku string, q int64, price *bopis.Money) *bopis.SubstituteRequest {
		return &bopis.SubstituteRequest{SKU: sku, Quantity: q, UnitPrice: price}
	}
	price := func(a int64) *bopis.Money { m := usd(a); return &m }
	for _, c := range []struct {
		name  string
		lines []bopis.PickLine
		code  string // "" when allowed
		path  string // the field at fault
		check func(t *testing.T, p []bopis.LinePick)
	}{
		{name: "in full", lines: []bopis.PickLine{{LineID: "l1", PickedQuantity: n(3)}},
			check: func(t *testing.T, p []bopis.LinePick) {
				if p[0].Short != 0 || LineStatus(p[0]) != bopis.LinePicked {
					t.Errorf("%+v", p[0])
				}
			}},
		{name: "short", lines: []bopis.PickLine{{LineID: "l1", PickedQuantity: n(1)}},
			check: func(t *testing.T, p []bopis.LinePick) {
				if p[0].Short != 2 || LineStatus(p[0]) != bopis.LineShort {
					t.Errorf("%+v", p[0])
				}
			}},
		{name: "substitute at the line's price", lines: []bopis.PickLine{{LineID: "l1", PickedQuantity: n(1), Substitute: sub("D", 2, nil)}},
			check: func(t *testing.T, p []bopis.LinePick) {
				s := p[0].Substitute
				if s == nil || s.UnitPrice != usd(1000) || s.Status != bopis.SubstituteProposed || !s.AnswerBy.Equal(by) ||
					LineStatus(p[0]) != bopis.LineSubstitutionProposed {
					t.Errorf("%+v", s)
				}
			}},
		{name: "cheaper substitute", lines: []bopis.PickLine{{LineID: "l2", PickedQuantity: n(0), Substitute: sub("D", 2, price(250))}}},
		{name: "substitute dearer than what it replaces", lines: []bopis.PickLine{{LineID: "l2", PickedQuantity: n(0), Substitute: sub("D", 2, price(251))}},
			code: bopis.EINVALID, path: "lines[0].substitute"},
		{name: "substitute of a full line", lines: []bopis.PickLine{{LineID: "l2", PickedQuantity: n(1), Substitute: sub("D", 1, nil)}},
			code: bopis.EINVALID, path: "lines[0].substitute"},
		{name: "substitute of the same SKU", lines: []bopis.PickLine{{LineID: "l2", PickedQuantity: n(0), Substitute: sub("B", 1, nil)}},
			code: bopis.EINVALID, path: "lines[0].substitute.sku"},
		{name: "substitute in another currency", lines: []bopis.PickLine{{LineID: "l2", PickedQuantity: n(0),
			Substitute: sub("D", 1, &bopis.Money{Amount: 1, Currency: "EUR"})}},
			code: bopis.EINVALID, path: "lines[0].substitute.unit_price.currency"},
		{name: "over-pick", lines: []bopis.PickLine{{LineID: "l1", PickedQuantity: n(4)}}, code: bopis.EINVALID, path: "lines[0].picked_quantity"},
		{name: "unknown line", lines: []bopis.PickLine{{LineID: "l9", PickedQuantity: n(1)}}, code: bopis.EINVALID, path: "lines[0].line_id"},
		{name: "ship line", lines: []bopis.PickLine{{LineID: "l3", PickedQuantity: n(1)}}, code: bopis.EINVALID, path: "lines[0].line_id"},
		{name: "no count", lines: []bopis.PickLine{{LineID: "l1"}}, code: bopis.EINVALID, path: "lines[0].picked_quantity"},
		{name: "twice", lines: []bopis.PickLine{{LineID: "l1", PickedQuantity: n(1)}, {LineID: "l1", PickedQuantity: n(1)}},
			code: bopis.EINVALID, path: "lines[1].line_id"},
		{name: "none", code: bopis.EINVALID, path: "lines"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := PlanPick(twoLines(), bopis.PickRequest{Lines: c.lines}, by)
			if c.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.check != nil {
					c.check(t, p)
				}
				return
			}
			var e *bopis.Error
			if bopis.ErrorCode(err) != c.code {
				t.Fatalf("got %v, want %s", err, c.code)
			}
			e = err.(*bopis.Error)
			found := false
			for _, f := range e.Fields {
				found = found || f.Path == c.path
			}
			if !found {
				t.Errorf("fields %v, want %s", e.Fields, c.path)
			}
		})
	}
}

func TestPlanPickRepeats(t *testing.T) {
	o := twoLines()
	o.Lines[0].Status, o.Lines[0].PickedQuantity = bopis.LineShort, n(1)
	p, err := PlanPick(o, bopis.PickRequest{Lines: []bopis.PickLine{{LineID: "l1", PickedQuantity: n(1)}}}, time.Time{})
	if err != nil || !p[0].Repeat {
		t.Fatalf("the same result again: %+v %v", p, err)
	}
	_, err = PlanPick(o, bopis.PickRequest{Lines: []bopis.PickLine{{LineID: "l1", PickedQuantity: n(2)}}}, time.Time{})
	if bopis.ErrorCode(err) != bopis.ECONFLICT {
		t.Fatalf("another result: %v", err)
	}
}

func TestPlanAnswer(t *testing.T) {
	o := twoLines()
	o.Lines[1].Status = bopis.LineSubstitutionProposed
	o.Lines[1].Substitute = &bopis.Substitute{SKU: "D", Quantity: 1, UnitPrice: usd(400), Status: bopis.SubstituteProposed}
	if i, repeat, err := PlanAnswer(o, "l2", true); i != 1 || repeat || err != nil {
		t.Errorf("approve: %d %v %v", i, repeat, err)
	}
	if _, _, err := PlanAnswer(o, "l1", true); bopis.ErrorCode(err) != bopis.ECONFLICT {
		t.Errorf("a line without a substitute: %v", err)
	}
	if _, _, err := PlanAnswer(o, "l9", true); bopis.ErrorCode(err) != bopis.ENOTFOUND {
		t.Errorf("no such line: %v", err)
	}
	o.Lines[1].Substitute.Status = bopis.SubstituteApproved
	if _, repeat, err := PlanAnswer(o, "l2", true); !repeat || err != nil {
		t.Errorf("approving again: %v %v", repeat, err)
	}
	if _, _, err := PlanAnswer(o, "l2", false); bopis.ErrorCode(err) != bopis.ECONFLICT {
		t.Errorf("changing the answer: %v", err)
	}
}

func TestValuesAndResolution(t *testing.T) {
	o := twoLines()
	if u := Unresolved(o); len(u) != 2 || u[0].Path != "lines[0]" || u[1].Path != "lines[1]" {
		t.Fatalf("nothing picked: %v", u)
	}
	o.Lines[0].Status, o.Lines[0].PickedQuantity = bopis.LineShort, n(2)
	o.Lines[1].Status, o.Lines[1].PickedQuantity = bopis.LineSubstitutionProposed, n(0)
	o.Lines[1].Substitute = &bopis.Substitute{SKU: "D", Quantity: 1, UnitPrice: usd(400), Status: bopis.SubstituteProposed}
	if u := Unresolved(o); len(u) != 1 || u[0].Path != "lines[1]" {
		t.Fatalf("a substitute waiting: %v", u)
	}
	if v := HandedValue(o); v != 2000 {
		t.Errorf("handed %d, want 2000 (a proposed substitute is not handed over)", v)
	}
	o.Lines[1].Status, o.Lines[1].Substitute.Status = bopis.LineSubstituted, bopis.SubstituteApproved
	if u := Unresolved(o); len(u) != 0 {
		t.Errorf("all resolved: %v", u)
	}
	if v := HandedValue(o); v != 2400 {
		t.Errorf("handed %d, want 2400 with the approved substitute", v)
	}
	if v := ShipValue(o); v != 1400 {
		t.Errorf("ship value %d", v)
	}
}
