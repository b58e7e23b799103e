package orderstate

import (
	"time"

	"github.com/bopis/bopis"
)

// Who answers a substitute besides the customer.
const (
	ByTimeout   = "timeout"   // no answer by answer_by counts as no
	ByCancelled = "cancelled" // the order was cancelled first
)

// OverdueSubstitutes lists the lines of o whose proposed substitute was
// not answered by its answer_by at now: no answer counts as no. Times
// compare in whole microseconds, as the database keeps them.
func OverdueSubstitutes(o *bopis.Order, now time.Time) []int {
	var out []int
	for i, l := range o.Lines {
		if s := l.Substitute; s != nil && s.Status == bopis.SubstituteProposed && s.AnswerBy.UnixMicro() <= now.UnixMicro() {
			out = append(out, i)
		}
	}
	return out
}

// AnswerSubstitute is line l once its proposed substitute is answered by
// by at at: approved, the substitute is handed over and paid for in the
// line's place; rejected, the line stays short and release says the
// substitute's reserved units go back to stock. l itself is not changed.
func AnswerSubstitute(l bopis.OrderLine, approve bool, by string, at time.Time) (line bopis.OrderLine, release bool) {
	s := *l.Substitute
	s.AnsweredAt, s.AnsweredBy = &at, by
	if approve {
		s.Status, l.Status = bopis.SubstituteApproved, bopis.LineSubstituted
	} else {
		s.Status, l.Status = bopis.SubstituteRejected, bopis.LineShort
	}
	l.Substitute = &s
	return l, !approve
}

// ReadyCheck refuses to stage o for the customer (ECONFLICT) while a
// pickup line is unresolved (see Unresolved), or when there is nothing
// to hand over: such an order is cancelled, not made to wait.
func ReadyCheck(o *bopis.Order) error {
	if open := Unresolved(o); len(open) > 0 {
		return &bopis.Error{Code: bopis.ECONFLICT, Message: "every line must be picked, and every substitute answered, first",
			Fields: open}
	}
	if !AnythingPicked(o) {
		return bopis.Errorf(bopis.ECONFLICT, "nothing was picked: cancel the order instead")
	}
	return nil
}

// AnythingPicked reports whether o has anything to hand over: a picked
// unit or an approved substitute.
func AnythingPicked(o *bopis.Order) bool {
	for _, l := range o.Lines {
		if l.PickedQuantity != nil && *l.PickedQuantity > 0 || l.Status == bopis.LineSubstituted {
			return true
		}
	}
	return false
}
