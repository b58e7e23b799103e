package bopis

import "time"

// ChangeSink receives what changed: the read model implements it.
type ChangeSink interface {
	PutStore(s Store)
	PutSKU(k SKU)
	PutOverride(storeID, sku string, eligible *bool, safetyStock *int64)
	PutLevel(storeID, sku string, onHand, reserved int64)
	PutFeed(storeID string, lastEventAt time.Time)
	PutBooking(storeID string, slotStart int64, booked int)
	// Apply ends each read of the feed, once it has handed over all it
	// read: a sink may gather rows and apply them together.
	Apply()
}
