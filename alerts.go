package bopis

import "time"

// Alert is a condition someone should look at. It stays open while the
// condition holds; at most one is open per type, store and subject.
type Alert struct {
	ID       int64          `json:"id"`
	Type     string         `json:"type" enum:"low_stock,stale_feed,handoff_locked,late_order,authorization_expiring"`
	StoreID  string         `json:"store_id"`
	SKU      string         `json:"sku,omitempty" doc:"The SKU of a low_stock alert."`
	OrderID  string         `json:"order_id,omitempty" doc:"The order of a handoff_locked alert."`
	Detail   map[string]any `json:"detail" doc:"low_stock: available, threshold, on_hand, reserved, safety_stock; stale_feed: last_event_at, stale_after_seconds; handoff_locked: order_id, locked_until."`
	OpenedAt time.Time      `json:"opened_at"`
}

// AlertFilter narrows Alerts.
type AlertFilter struct {
	Type     string   // one type, or "" for all
	StoreIDs []string // only these stores (a scoped key's, or the one asked for); nil for all
}
