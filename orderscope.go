package bopis

// OrderScope limits what a caller may read: a store key its stores, a
// storefront key the orders it placed. The zero scope sees everything.
type OrderScope struct {
	StoreIDs []string // non-nil: only these stores
	PlacedBy string   // non-empty: only orders this key placed
}

// OrderFilter narrows a list of orders.
type OrderFilter struct {
	StoreID string
	Status  OrderStatus
	Scope   OrderScope
}
