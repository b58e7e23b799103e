package orderstate

import "github.com/bopis/bopis"

// Member is one order of a family (a root order and the linked orders
// its reroutes placed) as its payment's settlement sees it.
type Member struct {
	Open   bool
	Handed int64 // the value handed over at its handoff
}

// Closed reports whether every order of a family is closed: only then is
// its one payment settled.
func Closed(family []Member) bool {
	for _, m := range family {
		if m.Open {
			return false
		}
	}
	return true
}

// Settlement is how a family's payment is settled once it is closed.
type Settlement struct {
	// Done is false while an order of the family is open: nothing to do.
	Done bool
	// Amount is what the customer pays: the value handed over across the
	// family, plus the root's ship lines when the root was picked up, at
	// most what was authorized.
	Amount int64
	// Capture is the amount of an authorization to capture (the rest is
	// released); Void says the authorization is released whole.
	Capture int64
	Void    bool
	// RefundDue is what a payment captured at placement owes back.
	RefundDue int64
}

// Settle decides the settlement of the family whose root's payment is
// root. The ship lines (shipValue) are paid only when the root was picked
// up: expired or cancelled, they never ship. A payment in any other
// status (already pending or settled) is left as it is.
func Settle(root bopis.Payment, rootPickedUp bool, shipValue int64, family []Member) Settlement {
	if !Closed(family) {
		return Settlement{}
	}
	var amount int64
	for _, m := range family {
		amount += m.Handed
	}
	if rootPickedUp {
		amount += shipValue
	}
	// The authorization is all the gateway lets us take.
	s := Settlement{Done: true, Amount: min(amount, root.Authorized.Amount)}
	switch root.Status {
	case bopis.PaymentCaptured:
		s.RefundDue = max(0, root.Captured.Amount-s.Amount)
	case bopis.PaymentAuthorized:
		if s.Amount > 0 {
			s.Capture = s.Amount
		} else {
			s.Void = true // nothing handed over: nothing to take
		}
	}
	return s
}
