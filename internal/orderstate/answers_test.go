package orderstate

import (
	"slices"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"pgregory.net/rapid"
)

func proposed(by time.Time) *bopis.Substitute {
	return &bopis.Substitute{SKU: "D", Quantity: 1, UnitPrice: usd(900), Status: bopis.SubstituteProposed, AnswerBy: by}
}

func TestOverdueSubstitutes(t *testing.T) {
	now := counter
	o := &bopis.Order{Lines: []bopis.OrderLine{
		{ID: "l1", Status: bopis.LineSubstitutionProposed, Substitute: proposed(now.Add(-time.Minute))},            // overdue
		{ID: "l2", Status: bopis.LineSubstitutionProposed, Substitute: proposed(now)},                              // due at its second
		{ID: "l3", Status: bopis.LineSubstitutionProposed, Substitute: proposed(now.Add(time.Microsecond))},        // still open
		{ID: "l4", Status: bopis.LineSubstitutionProposed, Substitute: proposed(now.Add(500 * time.Nanosecond))},   // same microsecond
		{ID: "l5", Status: bopis.LineSubstituted, Substitute: &bopis.Substitute{Status: bopis.SubstituteApproved}}, // answered
		{ID: "l6", Status: bopis.LinePicked},
	}}
	if got := OverdueSubstitutes(o, now); !slices.Equal(got, []int{0, 1, 3}) {
		t.Errorf("overdue %v, want [0 1 3]", got)
	}
}

func TestAnswerSubstitute(t *testing.T) {
	at := counter
	for _, c := range []struct {
		approve bool
		by      string
		line    string
		sub     string
		release bool
	}{
		{approve: true, by: "customer", line: bopis.LineSubstituted, sub: bopis.SubstituteApproved},
		{approve: false, by: "customer", line: bopis.LineShort, sub: bopis.SubstituteRejected, release: true},
		{approve: false, by: ByTimeout, line: bopis.LineShort, sub: bopis.SubstituteRejected, release: true},
	} {
		l := bopis.OrderLine{ID: "l1", Status: bopis.LineSubstitutionProposed, Substitute: proposed(at)}
		got, release := AnswerSubstitute(l, c.approve, c.by, at)
		s := got.Substitute
		if got.Status != c.line || s.Status != c.sub || s.AnsweredBy != c.by || !s.AnsweredAt.Equal(at) || release != c.release {
			t.Errorf("%+v: line %s, substitute %+v, release %v", c, got.Status, s, release)
		}
		if l.Status != bopis.LineSubstitutionProposed || l.Substitute.Status != bopis.SubstituteProposed {
			t.Errorf("the line answered was changed: %+v", l.Substitute)
		}
	}
}

// TestTimeoutProperties draws lines with substitutes due around now:
// once the overdue ones are answered by the timeout none is overdue, each
// released, and no substitute still open had its deadline pass.
func TestTimeoutProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		now := counter
		o := &bopis.Order{}
		for range rapid.IntRange(0, 6).Draw(t, "lines") {
			by := now.Add(time.Duration(rapid.Int64Range(-5e9, 5e9).Draw(t, "answer by (ns from now)")))
			s := proposed(by)
			s.Status = rapid.SampledFrom([]string{bopis.SubstituteProposed, bopis.SubstituteApproved, bopis.SubstituteRejected}).Draw(t, "status")
			o.Lines = append(o.Lines, bopis.OrderLine{Status: bopis.LineSubstitutionProposed, Substitute: s})
		}
		due := OverdueSubstitutes(o, now)
		for _, i := range due {
			var release bool
			if o.Lines[i].Substitute.Status != bopis.SubstituteProposed {
				t.Fatalf("line %d is not waiting for an answer", i)
			}
			if o.Lines[i], release = AnswerSubstitute(o.Lines[i], false, ByTimeout, now); !release {
				t.Fatalf("a timed out substitute goes back to stock")
			}
		}
		if again := OverdueSubstitutes(o, now); len(again) != 0 {
			t.Fatalf("still overdue after answering: %v", again)
		}
		for _, l := range o.Lines {
			if s := l.Substitute; s.Status == bopis.SubstituteProposed && s.AnswerBy.Truncate(time.Microsecond).Compare(now) <= 0 {
				t.Fatalf("substitute due %v still proposed at %v", s.AnswerBy, now)
			}
		}
	})
}

func TestReadyCheck(t *testing.T) {
	zero := n(0)
	for _, c := range []struct {
		name   string
		lines  []bopis.OrderLine
		fields int // -1: allowed
	}{
		{name: "picked", lines: []bopis.OrderLine{{ID: "l1", Fulfillment: bopis.FulfillPickup, Status: bopis.LinePicked,
			PickedQuantity: n(1)}}, fields: -1},
		{name: "only a substitute approved", lines: []bopis.OrderLine{{ID: "l1", Fulfillment: bopis.FulfillPickup,
			Status: bopis.LineSubstituted, PickedQuantity: zero}}, fields: -1},
		{name: "a line not picked", lines: []bopis.OrderLine{
			{ID: "l1", Fulfillment: bopis.FulfillPickup, Status: bopis.LinePicked, PickedQuantity: n(1)},
			{ID: "l2", Fulfillment: bopis.FulfillPickup, Status: bopis.LineOpen}}, fields: 1},
		{name: "a substitute waiting", lines: []bopis.OrderLine{
			{ID: "l1", Fulfillment: bopis.FulfillPickup, Status: bopis.LineSubstitutionProposed, PickedQuantity: zero,
				Substitute: proposed(counter)},
			{ID: "l2", Fulfillment: bopis.FulfillPickup, Status: bopis.LineOpen}}, fields: 2},
		{name: "nothing picked", lines: []bopis.OrderLine{
			{ID: "l1", Fulfillment: bopis.FulfillPickup, Status: bopis.LineShort, PickedQuantity: zero},
			{ID: "l2", Fulfillment: bopis.FulfillPickup, Status: bopis.LineRerouted, PickedQuantity: zero}}, fields: 0},
		{name: "only ship lines", lines: []bopis.OrderLine{{ID: "l1", Fulfillment: bopis.FulfillShip, Status: bopis.LineOpen}},
			fields: 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := ReadyCheck(&bopis.Order{Lines: c.lines})
			if c.fields < 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := err.(*bopis.Error)
			if !ok || e.Code != bopis.ECONFLICT || len(e.Fields) != c.fields {
				t.Fatalf("%v, want a conflict with %d fields", err, c.fields)
			}
		})
	}
}

// TestReadyCheckProperty: an order may be staged exactly when every
// pickup line is resolved and the customer would take something away.
func TestReadyCheckProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := drawPickedOrder(t)
		for i := range o.Lines {
			if o.Lines[i].Fulfillment == bopis.FulfillPickup && rapid.Float64Range(0, 1).Draw(t, "p") < 0.15 {
				o.Lines[i].Status = rapid.SampledFrom([]string{bopis.LineOpen, bopis.LineSubstitutionProposed}).Draw(t, "unresolved")
				if o.Lines[i].Status == bopis.LineSubstitutionProposed {
					o.Lines[i].Substitute = proposed(counter)
				}
			}
		}
		resolved := true
		var handed int64
		for _, l := range o.Lines {
			resolved = resolved && l.Resolved()
			if l.PickedQuantity != nil {
				handed += *l.PickedQuantity
			}
			if l.Status == bopis.LineSubstituted {
				handed++
			}
		}
		if err := ReadyCheck(o); (err == nil) != (resolved && handed > 0) {
			t.Fatalf("ready check %v; resolved %v, %d to hand over", err, resolved, handed)
		}
	})
}
