package orderstate

import (
	"testing"

	"github.com/bopis/bopis"
)

// TestEveryTransition checks every (status, action) pair, so a change to
// the machine that the table does not state fails.
func TestEveryTransition(t *testing.T) {
	const refused, repeat = "refused", "repeat"
	P, A, K, R, U, C, E := bopis.OrderPlaced, bopis.OrderAccepted, bopis.OrderPicking, bopis.OrderReady,
		bopis.OrderPickedUp, bopis.OrderCancelled, bopis.OrderExpired
	// want[from][action] is the status reached, repeat or refused.
	want := map[bopis.OrderStatus]map[Action]string{
		"": {Place: string(P)},
		P:  {Accept: string(A), Arrive: string(P), Cancel: string(C)},
		A:  {Accept: repeat, Pick: string(K), Arrive: string(A), Cancel: string(C)},
		K:  {Pick: string(K), Answer: string(K), Ready: string(R), Arrive: string(K), Cancel: string(C)},
		R:  {Ready: repeat, Arrive: string(R), Handoff: string(U), Cancel: string(C), Expire: string(E)},
		U:  {Handoff: repeat},
		C:  {Cancel: repeat},
		E:  {Expire: repeat},
	}
	for _, from := range append([]bopis.OrderStatus{""}, bopis.OrderStatuses...) {
		for _, a := range Actions {
			exp := want[from][a]
			if exp == "" {
				exp = refused
			}
			step, err := Next(from, a)
			var got string
			switch {
			case err != nil:
				got = refused
				if bopis.ErrorCode(err) != bopis.ECONFLICT {
					t.Errorf("%q %s: error code %s, want conflict", from, a, bopis.ErrorCode(err))
				}
			case step.Repeat:
				got = repeat
				if step.To != from || step.Event != "" {
					t.Errorf("%q %s: a repeat must change nothing, got %+v", from, a, step)
				}
			default:
				got = string(step.To)
				wantEvent := "order." + got
				switch a {
				case Arrive:
					wantEvent = EventArrived
				case Answer:
					wantEvent = EventSubstitutionAnswered
				}
				if step.Event != wantEvent {
					t.Errorf("%q %s: event %q", from, a, step.Event)
				}
			}
			if got != exp {
				t.Errorf("%q --%s--> %s, want %s", from, a, got, exp)
			}
		}
	}
}

func TestPublishedEvents(t *testing.T) {
	for _, c := range []struct {
		from    bopis.OrderStatus
		a       Action
		publish bool
	}{
		{"", Place, true}, {bopis.OrderPlaced, Accept, true}, {bopis.OrderAccepted, Pick, false},
		{bopis.OrderPicking, Ready, true}, {bopis.OrderReady, Handoff, true}, {bopis.OrderReady, Expire, true},
		{bopis.OrderPlaced, Cancel, true}, {bopis.OrderReady, Arrive, true}, {bopis.OrderPicking, Answer, false},
	} {
		s, err := Next(c.from, c.a)
		if err != nil || s.Publish != c.publish {
			t.Errorf("%q %s: %+v %v, want publish %v", c.from, c.a, s, err, c.publish)
		}
	}
}

func TestAllowed(t *testing.T) {
	got := Allowed(bopis.OrderReady)
	want := []Action{Arrive, Handoff, Cancel, Expire}
	if len(got) != len(want) {
		t.Fatalf("allowed from ready: %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("allowed from ready: %v, want %v", got, want)
		}
	}
	if len(Allowed(bopis.OrderPickedUp)) != 0 {
		t.Fatalf("picked_up is final: %v", Allowed(bopis.OrderPickedUp))
	}
}
