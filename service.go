package bopis

import (
	"context"
	"time"
)

// The services: what the retailer's systems and staff ask of bopis, in
// the domain's types alone. internal/storage implements the catalog,
// inventory, orders' reads, notifications, deliveries and reports over
// the database; internal/orders implements OrderService over it. The
// API (internal/httpapi), the pages (internal/web) and the dispatcher
// (internal/dispatch) take these, or narrower interfaces of their own in
// the same types, so that none of them imports storage; cmd/bopis and
// internal/app wire the implementations in.

// CatalogService keeps the retailer's stores, SKUs, each store's
// overrides of a SKU's rules, and the API keys that reach them.
type CatalogService interface {
	Authenticate(ctx context.Context, token string) (*APIKey, error)
	CreateAPIKey(ctx context.Context, k *APIKey) (string, error)
	ListAPIKeys(ctx context.Context, p Page) ([]APIKey, string, error)
	RevokeAPIKey(ctx context.Context, id string) (*APIKey, error)

	PutStore(ctx context.Context, s *Store) (bool, error)
	GetStore(ctx context.Context, id string) (*Store, error)
	ListStores(ctx context.Context, f StoreFilter, p Page) ([]Store, string, error)
	DeactivateStore(ctx context.Context, id string) (*Store, error)

	PutSKU(ctx context.Context, k *SKU) (bool, error)
	GetSKU(ctx context.Context, sku string) (*SKU, error)
	ListSKUs(ctx context.Context, p Page) ([]SKU, string, error)
	// SearchSKUs finds SKUs by name or SKU (any case) or exact barcode; q "" lists all.
	SearchSKUs(ctx context.Context, q string, p Page) ([]SKU, string, error)
	DeactivateSKU(ctx context.Context, sku string) (*SKU, error)
	PutStoreSKU(ctx context.Context, o *StoreSKU) error
	GetStoreSKU(ctx context.Context, storeID, sku string) (*StoreSKU, error)
	ListStoreSKUs(ctx context.Context, storeID string, p Page) ([]StoreSKU, string, error)
	DeleteStoreSKU(ctx context.Context, storeID, sku string) error
}

// InventoryService keeps each store's stock: the levels, whole-store
// counts, the POS's events, adjustments by hand, the ledger of every
// change, and the alerts open on them.
type InventoryService interface {
	Levels(ctx context.Context, storeID string, skus []string) ([]Level, error)
	CountStore(ctx context.Context, storeID string, asOf time.Time, counts []Count) (CountResult, error)
	ApplyInventoryEvents(ctx context.Context, events []InventoryEvent, opt BatchOptions) ([]EventResult, bool, error)
	Adjust(ctx context.Context, storeID string, a Adjustment, idem *Idempotency) (*AdjustmentResult, bool, error)
	Ledger(ctx context.Context, storeID, sku string, p Page) ([]LedgerEntry, string, error)
	Alerts(ctx context.Context, f AlertFilter, p Page) ([]Alert, string, error)
}

// OrderService is what shoppers, storefronts and store staff do with
// orders: place them and checkout holds, and the store's work from
// accepting to handing over, cancelling or shipping home.
type OrderService interface {
	Place(ctx context.Context, req OrderRequest, placedBy string, idem *Idempotency) (*Order, bool, error)
	Hold(ctx context.Context, req HoldRequest, createdBy string) (*Hold, error)
	Accept(ctx context.Context, id string, scope OrderScope) (*Order, error)
	Pick(ctx context.Context, id string, scope OrderScope, req PickRequest) (*Order, error)
	Answer(ctx context.Context, id string, scope OrderScope, lineID string, approve bool) (*Order, error)
	Ready(ctx context.Context, id string, scope OrderScope, staging string) (*Order, error)
	Arrive(ctx context.Context, id string, scope OrderScope, a Arrival) (*Order, error)
	Handoff(ctx context.Context, id string, scope OrderScope, code string) (*Order, error)
	Cancel(ctx context.Context, id string, scope OrderScope, reason string) (*Order, error)
	ShipToHome(ctx context.Context, id string, scope OrderScope, addr ShippingAddress) (*Order, bool, error)
}

// OrderReader reads orders and holds, within what the caller's scope
// may see.
type OrderReader interface {
	GetOrder(ctx context.Context, id string, scope OrderScope) (*Order, error)
	ListOrders(ctx context.Context, f OrderFilter, p Page) ([]Order, string, error)
	OrderEvents(ctx context.Context, id string, scope OrderScope) ([]OrderEvent, error)
	GetHold(ctx context.Context, id, createdBy string) (*Hold, error)
	ReleaseHold(ctx context.Context, id, createdBy string) (*Hold, error)
	UncapturedPayments(ctx context.Context, olderThan time.Duration) ([]Uncaptured, error)
}

// OrderStreamer reads what a store's live order stream sends: its
// orders' timeline events in the order they were written.
type OrderStreamer interface {
	StoreOrderEvents(ctx context.Context, storeID string, afterID int64, limit int) ([]OrderEvent, error)
	// OrderEventsAfter is every store's, for the one poller of a
	// process's streams.
	OrderEventsAfter(ctx context.Context, afterID int64, limit int) ([]StoreEvent, error)
	LastOrderEventID(ctx context.Context) (int64, error)
}

// StoreEvent is an order's timeline event with the order's store.
type StoreEvent struct {
	StoreID string
	OrderEvent
}

// NotificationService keeps what is told and to whom: the webhooks
// endpoints subscribe, their deliveries, and the customers' messages.
type NotificationService interface {
	CreateWebhook(ctx context.Context, w Webhook) (*Webhook, error)
	Webhooks(ctx context.Context) ([]Webhook, error)
	Webhook(ctx context.Context, id string) (*Webhook, error)
	DeleteWebhook(ctx context.Context, id string) error
	Deliveries(ctx context.Context, webhookID string, p Page) ([]Delivery, string, error)
	ReplayDelivery(ctx context.Context, webhookID string, id int64, expiresAt time.Time) (*Delivery, error)
	OrderNotifications(ctx context.Context, orderID string, scope OrderScope) ([]Notification, error)
	RecentNotifications(ctx context.Context, limit int) ([]Notification, error)
}

// DeliveryService is the outbox's work: each event fanned out once, lane
// by lane, into notifications and webhook deliveries, which senders claim
// under a lease (a webhook's apart from the others') and finish, fenced
// by the claim's attempt (false: the claim was no longer the caller's,
// nothing recorded); and the stores' low-stock digests.
type DeliveryService interface {
	UndispatchedEvents(ctx context.Context, lane Lane, limit int) ([]OutboxEvent, error)
	Dispatch(ctx context.Context, fans []Fanout) error
	ClaimNotifications(ctx context.Context, limit int, lease time.Duration) ([]Notification, error)
	FinishNotification(ctx context.Context, id int64, attempt int, sent bool, providerID, reason string, retryAt *time.Time) (bool, error)
	ClaimDeliveries(ctx context.Context, webhookID string, limit int, lease time.Duration) ([]Delivery, error)
	FinishDelivery(ctx context.Context, id int64, attempt int, delivered bool, status int, errText string, retryAt *time.Time) (bool, error)
	DigestLowStock(ctx context.Context, from, to time.Time) (int, error)
	Webhooks(ctx context.Context) ([]Webhook, error)
}

// ReportService answers the retailer's reports.
type ReportService interface {
	PickupReport(ctx context.Context, q ReportQuery) (*PickupReport, error)
}

// StaffService keeps the staff who sign in as themselves (issue 41). Its
// methods validate before writing; an email address is unique whatever
// its case (ECONFLICT).
type StaffService interface {
	CreateStaff(ctx context.Context, s *Staff) error
	GetStaff(ctx context.Context, id string) (*Staff, error)
	// SearchStaff lists one page of staff whose name or email holds q
	// (any case), ordered by id; an empty q lists everyone.
	SearchStaff(ctx context.Context, q string, p Page) ([]Staff, string, error)
	// UpdateStaff replaces the email, name, role, stores and disabled
	// flag of the staff member s.ID names.
	UpdateStaff(ctx context.Context, s *Staff) error
	// DisableStaff disables the staff member and ends their sessions;
	// disabling twice is harmless.
	DisableStaff(ctx context.Context, id string) (*Staff, error)
}
