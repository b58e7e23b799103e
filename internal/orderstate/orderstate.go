// Package orderstate is the order state machine of API.md: which action
// may move an order from which status, to what, and the timeline event
// each move writes. It does no I/O.
//
//	placed → accepted → picking → ready → picked_up
//	any of placed, accepted, picking, ready → cancelled
//	ready (past hold_until) → expired
//	arrive (any open status) and answer (picking) keep the status
//
// lines.go holds the rules of picking: what a pick may say of each line,
// and what the customer pays for at handoff.
package orderstate

import "github.com/bopis/bopis"

// Action is something done to an order.
type Action string

const (
	Place   Action = "place"
	Accept  Action = "accept"  // the store takes the order
	Pick    Action = "pick"    // the store reports what it picked (again while picking)
	Answer  Action = "answer"  // the customer approves or rejects a substitute (while picking)
	Ready   Action = "ready"   // staged for the customer
	Arrive  Action = "arrive"  // the customer is at the store (curbside); the status stays
	Handoff Action = "handoff" // the customer has it
	Cancel  Action = "cancel"
	Expire  Action = "expire" // nobody came before hold_until
)

// Actions lists every action.
var Actions = []Action{Place, Accept, Pick, Answer, Ready, Arrive, Handoff, Cancel, Expire}

// Timeline events that record something about an order without moving it.
const (
	EventArrived              = "order.arrived"
	EventSubstitutionProposed = "order.substitution_proposed"
	EventSubstitutionAnswered = "order.substitution_answered"
	EventShortPicked          = "order.short_picked"
	EventRerouted             = "order.rerouted"
	EventHandoffRefused       = "order.handoff_refused"
	EventPickupReminder       = "order.pickup_reminder"
	EventDelayed              = "order.delayed"
	EventShipToHome           = "order.ship_to_home"
	// EventAuthorizationExpiring is on the order's timeline and published.
	EventAuthorizationExpiring = "payment.authorization_expiring"
)

// Step is what an allowed action does.
type Step struct {
	To bopis.OrderStatus
	// Event is the timeline event the move writes: order.<status> for a
	// change of status, or the action's own event (order.arrived).
	Event string
	// Publish says whether Event is one of API.md's published events
	// (delivered to webhooks and notifications); order.picking is on the
	// timeline only.
	Publish bool
	// Repeat is true when the action already happened: nothing changes,
	// and the caller answers the order as it is (store actions are
	// idempotent so a retried tap does no harm).
	Repeat bool
}

type edge struct {
	from   bopis.OrderStatus
	action Action
}

// moves are the allowed transitions; anything else is refused.
var moves = map[edge]bopis.OrderStatus{
	{"", Place}:                   bopis.OrderPlaced,
	{bopis.OrderPlaced, Accept}:   bopis.OrderAccepted,
	{bopis.OrderAccepted, Pick}:   bopis.OrderPicking,
	{bopis.OrderPicking, Pick}:    bopis.OrderPicking, // more lines reported
	{bopis.OrderPicking, Answer}:  bopis.OrderPicking,
	{bopis.OrderPicking, Ready}:   bopis.OrderReady,
	{bopis.OrderPlaced, Arrive}:   bopis.OrderPlaced, // early: the store sees them waiting
	{bopis.OrderAccepted, Arrive}: bopis.OrderAccepted,
	{bopis.OrderPicking, Arrive}:  bopis.OrderPicking,
	{bopis.OrderReady, Arrive}:    bopis.OrderReady,
	{bopis.OrderReady, Handoff}:   bopis.OrderPickedUp,
	{bopis.OrderPlaced, Cancel}:   bopis.OrderCancelled,
	{bopis.OrderAccepted, Cancel}: bopis.OrderCancelled,
	{bopis.OrderPicking, Cancel}:  bopis.OrderCancelled,
	{bopis.OrderReady, Cancel}:    bopis.OrderCancelled,
	{bopis.OrderReady, Expire}:    bopis.OrderExpired,
}

// events are the timeline events of the actions that keep the status.
var events = map[Action]string{
	Arrive: EventArrived,
	Answer: EventSubstitutionAnswered,
}

// done is the status an action leaves an order in: an order already
// there (or past it on the happy path) answers a repeat of the action.
var done = map[Action][]bopis.OrderStatus{
	Accept:  {bopis.OrderAccepted},
	Ready:   {bopis.OrderReady},
	Handoff: {bopis.OrderPickedUp},
	Cancel:  {bopis.OrderCancelled},
	Expire:  {bopis.OrderExpired},
}

// published are the events API.md lists.
var published = map[string]bool{
	"order.placed": true, "order.accepted": true, "order.ready": true, "order.picked_up": true,
	"order.cancelled": true, "order.expired": true, EventArrived: true, EventSubstitutionProposed: true,
	EventPickupReminder: true, EventDelayed: true, EventAuthorizationExpiring: true,
}

// Published reports whether an event is one API.md lists (delivered to
// webhooks and notifications), not only written on the timeline.
func Published(event string) bool { return published[event] }

// Next returns what action a does to an order in status from, or an
// ECONFLICT *bopis.Error when it is not allowed there.
func Next(from bopis.OrderStatus, a Action) (Step, error) {
	if to, ok := moves[edge{from, a}]; ok {
		ev := events[a]
		if ev == "" {
			ev = "order." + string(to)
		}
		return Step{To: to, Event: ev, Publish: published[ev]}, nil
	}
	for _, s := range done[a] {
		if s == from {
			return Step{To: from, Repeat: true}, nil
		}
	}
	if from == "" {
		return Step{}, bopis.Errorf(bopis.ECONFLICT, "cannot %s an order that does not exist yet", a)
	}
	return Step{}, bopis.Errorf(bopis.ECONFLICT, "cannot %s an order that is %s", a, from)
}

// Note is the step of a timeline event that records something without
// moving an order in status s (a short pick, a refused handoff).
func Note(s bopis.OrderStatus, event string) Step {
	return Step{To: s, Event: event, Publish: published[event]}
}

// Allowed lists the actions that change an order in status s, for
// clients that show buttons.
func Allowed(s bopis.OrderStatus) []Action {
	var out []Action
	for _, a := range Actions {
		if _, ok := moves[edge{s, a}]; ok {
			out = append(out, a)
		}
	}
	return out
}
