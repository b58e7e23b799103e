package storage

import "github.com/bopis/bopis"

// Transitional (issue 39): the names the domain's types had here before
// they moved to the root package, kept only so that branches started
// before the move still build once merged. Nothing in the module uses
// them, and no package but the wiring may import storage (see
// TestDependenciesPointInward): write bopis.X. Delete this file once
// those branches are in.
type (
	StoreFilter      = bopis.StoreFilter
	ChangeSink       = bopis.ChangeSink
	Notification     = bopis.Notification
	Webhook          = bopis.Webhook
	Delivery         = bopis.Delivery
	Fanout           = bopis.Fanout
	ReportBound      = bopis.ReportBound
	ReportQuery      = bopis.ReportQuery
	PickupReport     = bopis.PickupReport
	Idempotency      = bopis.Idempotency
	Count            = bopis.Count
	CountResult      = bopis.CountResult
	Level            = bopis.Level
	LedgerEntry      = bopis.LedgerEntry
	AdjustmentResult = bopis.AdjustmentResult
	EventResult      = bopis.EventResult
	BatchOptions     = bopis.BatchOptions
	Refusal          = bopis.Refusal
	Shortfall        = bopis.Shortfall
	Alert            = bopis.Alert
	AlertFilter      = bopis.AlertFilter
	OutboxEvent      = bopis.OutboxEvent
	PickupAttempt    = bopis.PickupAttempt
	Placement        = bopis.Placement
	NoRoute          = bopis.NoRoute
	OrderScope       = bopis.OrderScope
	OrderFilter      = bopis.OrderFilter
	HoldPlacement    = bopis.HoldPlacement
	Reroute          = bopis.Reroute
	PickPlan         = bopis.PickPlan
	Closing          = bopis.Closing
	Settlement       = bopis.Settlement
	AuthorizationDue = bopis.AuthorizationDue
	Uncaptured       = bopis.Uncaptured
	Page             = bopis.Page
)

// Transitional (issue 39), as the types above.
var ErrKeyReused = bopis.ErrKeyReused

// Transitional (issue 39), as the types above.
const (
	ReservationOpen     = bopis.ReservationOpen
	NotificationPending = bopis.NotificationPending
	NotificationSent    = bopis.NotificationSent
	NotificationFailed  = bopis.NotificationFailed
	NotificationNotSent = bopis.NotificationNotSent
	DeliveryPending     = bopis.DeliveryPending
	DeliveryDelivered   = bopis.DeliveryDelivered
	DeliveryDead        = bopis.DeliveryDead
	DefaultLimit        = bopis.DefaultLimit
	MaxLimit            = bopis.MaxLimit
)
