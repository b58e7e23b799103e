package orderstate

import (
	"testing"

	"github.com/bopis/bopis"
	"pgregory.net/rapid"
)

func payment(status string, authorized, captured int64) bopis.Payment {
	return bopis.Payment{Status: status, Authorized: usd(authorized), Captured: usd(captured)}
}

func TestSettle(t *testing.T) {
	closed := func(handed ...int64) []Member {
		var out []Member
		for _, h := range handed {
			out = append(out, Member{Handed: h})
		}
		return out
	}
	for _, c := range []struct {
		name     string
		pay      bopis.Payment
		pickedUp bool
		ship     int64
		family   []Member
		want     Settlement
	}{
		{name: "an order of the family is open", pay: payment(bopis.PaymentAuthorized, 5000, 0),
			family: []Member{{Handed: 3000}, {Open: true}}, want: Settlement{}},
		{name: "handed over in full", pay: payment(bopis.PaymentAuthorized, 5000, 0), pickedUp: true, family: closed(5000),
			want: Settlement{Done: true, Amount: 5000, Capture: 5000}},
		{name: "short pick: the rest is released", pay: payment(bopis.PaymentAuthorized, 5000, 0), pickedUp: true,
			family: closed(3500), want: Settlement{Done: true, Amount: 3500, Capture: 3500}},
		{name: "ship lines are paid with a pickup", pay: payment(bopis.PaymentAuthorized, 5000, 0), pickedUp: true, ship: 1400,
			family: closed(3000), want: Settlement{Done: true, Amount: 4400, Capture: 4400}},
		{name: "ship lines of an expired order never ship", pay: payment(bopis.PaymentAuthorized, 5000, 0), ship: 1400,
			family: closed(0), want: Settlement{Done: true, Void: true}},
		{name: "a linked order handed over, the root expired", pay: payment(bopis.PaymentAuthorized, 5000, 0), ship: 1400,
			family: closed(0, 2000), want: Settlement{Done: true, Amount: 2000, Capture: 2000}},
		{name: "never more than authorized", pay: payment(bopis.PaymentAuthorized, 5000, 0), pickedUp: true, ship: 1000,
			family: closed(4500, 500), want: Settlement{Done: true, Amount: 5000, Capture: 5000}},
		{name: "captured at placement, short", pay: payment(bopis.PaymentCaptured, 5000, 5000), pickedUp: true,
			family: closed(3500), want: Settlement{Done: true, Amount: 3500, RefundDue: 1500}},
		{name: "captured at placement, cancelled", pay: payment(bopis.PaymentCaptured, 5000, 5000), family: closed(0),
			want: Settlement{Done: true, RefundDue: 5000}},
		{name: "captured at placement, in full", pay: payment(bopis.PaymentCaptured, 5000, 5000), pickedUp: true,
			family: closed(5000), want: Settlement{Done: true, Amount: 5000}},
		{name: "already pending: left alone", pay: payment(bopis.PaymentCapturePending, 5000, 0), pickedUp: true,
			family: closed(5000), want: Settlement{Done: true, Amount: 5000}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := Settle(c.pay, c.pickedUp, c.ship, c.family); got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestSettleProperties draws families and payments: nothing is settled
// while an order is open; an authorization is captured for at most what
// it allows, or voided, never both; a payment captured at placement owes
// back exactly what it took beyond what the customer got.
func TestSettleProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		authorized := rapid.Int64Range(0, 100_000).Draw(t, "authorized")
		status := rapid.SampledFrom([]string{bopis.PaymentAuthorized, bopis.PaymentCaptured}).Draw(t, "status")
		captured := int64(0)
		if status == bopis.PaymentCaptured {
			captured = authorized
		}
		pay := payment(status, authorized, captured)
		family := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) Member {
			return Member{Open: rapid.Float64Range(0, 1).Draw(t, "p") < 0.2, Handed: rapid.Int64Range(0, 60_000).Draw(t, "handed")}
		}), 1, 4).Draw(t, "family")
		pickedUp := rapid.Bool().Draw(t, "root picked up")
		ship := rapid.Int64Range(0, 20_000).Draw(t, "ship")
		s := Settle(pay, pickedUp, ship, family)
		if s.Done != Closed(family) {
			t.Fatalf("done %v for a family closed=%v", s.Done, Closed(family))
		}
		if !s.Done {
			if s != (Settlement{}) {
				t.Fatalf("an open family settles nothing: %+v", s)
			}
			return
		}
		if s.Capture > authorized || s.Amount > authorized || s.Capture < 0 || s.RefundDue < 0 {
			t.Fatalf("%+v against %d authorized", s, authorized)
		}
		switch status {
		case bopis.PaymentAuthorized:
			if (s.Capture > 0) == s.Void || s.RefundDue != 0 || s.Capture != s.Amount {
				t.Fatalf("an authorization is captured for the amount or voided: %+v", s)
			}
		case bopis.PaymentCaptured:
			if s.RefundDue+s.Amount != captured || s.Capture != 0 || s.Void {
				t.Fatalf("refund %d + paid %d != %d captured at placement", s.RefundDue, s.Amount, captured)
			}
		}
	})
}
