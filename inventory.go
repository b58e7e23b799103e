package bopis

import (
	"fmt"
	"strings"
	"time"
)

// Inventory event types a POS sends.
const (
	EventSnapshot = "snapshot" // on_hand as counted at occurred_at
	EventDelta    = "delta"    // a change (sale, return, receipt) at occurred_at
)

// Inventory limits.
const (
	// MaxEventBatch is the most events one POS batch may carry.
	MaxEventBatch = 5000
	// MaxEventIDLength bounds a POS event id.
	MaxEventIDLength = 128
	// MaxReasonLength bounds free-text reasons and references.
	MaxReasonLength = 200
	// MaxClockSkew is how far in the future of the server's clock an
	// event or count may claim to have happened: POS clocks drift a
	// little, but an event from the future would make every real event
	// before it look stale.
	MaxClockSkew = 5 * time.Minute
	// DefaultStaleAfter is how long a store's POS feed may be silent
	// before its stock is treated as doubtful.
	DefaultStaleAfter = 15 * time.Minute
	// DefaultStaleBuffer is how many units checkout keeps back at a store
	// whose feed is stale: sales the silent POS did not report may have
	// taken them, so its last unit is not promised.
	DefaultStaleBuffer = 1
)

// InventoryEvent is one stock event from a store's POS.
type InventoryEvent struct {
	ID         string    `json:"id"` // the POS's id, unique per store
	StoreID    string    `json:"store_id"`
	SKU        string    `json:"sku"`
	Type       string    `json:"type"`              // EventSnapshot or EventDelta
	OnHand     *int64    `json:"on_hand,omitempty"` // snapshots only
	Delta      *int64    `json:"delta,omitempty"`   // deltas only, never 0
	Reason     string    `json:"reason,omitempty"`  // e.g. sale, return, receipt
	OccurredAt time.Time `json:"occurred_at"`       // when it happened at the store
	// Malformed lists fields a decoder could not read (a JSON value of the
	// wrong type); Validate reports them, so one unreadable event is
	// rejected on its own instead of failing its batch.
	Malformed []FieldError `json:"-"`
}

// ValidEventID reports whether s can be a POS event id: 1 to 128
// printable ASCII characters without spaces, so it is safe in a log line
// and a ledger reference.
func ValidEventID(s string) bool {
	if len(s) == 0 || len(s) > MaxEventIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// Validate checks an event against every rule that needs no stored state,
// with now the server's clock.
func (e *InventoryEvent) Validate(now time.Time) error {
	v := fieldErrors{list: append([]FieldError(nil), e.Malformed...)}
	bad := map[string]bool{}
	for _, f := range e.Malformed {
		bad[f.Path] = true
	}
	check := func(path string) bool { return !bad[path] }
	if check("id") && !ValidEventID(e.ID) {
		v.add("id", "required: 1 to %d printable ASCII characters without spaces", MaxEventIDLength)
	}
	if check("store_id") && !ValidID(e.StoreID) {
		v.add("store_id", "required: %s", IDRule)
	}
	if check("sku") && !ValidID(e.SKU) {
		v.add("sku", "required: %s", IDRule)
	}
	switch {
	case !check("type"):
	case e.Type == EventSnapshot:
		switch {
		case !check("on_hand"):
		case e.OnHand == nil:
			v.add("on_hand", "a snapshot needs on_hand")
		case *e.OnHand < 0 || *e.OnHand > MaxStockQuantity:
			v.add("on_hand", "must be between 0 and %d", MaxStockQuantity)
		}
		if e.Delta != nil {
			v.add("delta", "a snapshot carries on_hand, not delta")
		}
	case e.Type == EventDelta:
		switch {
		case !check("delta"):
		case e.Delta == nil || *e.Delta == 0:
			v.add("delta", "a delta needs a non-zero delta")
		case *e.Delta < -MaxStockQuantity || *e.Delta > MaxStockQuantity:
			v.add("delta", "must be between %d and %d", -MaxStockQuantity, MaxStockQuantity)
		}
		if e.OnHand != nil {
			v.add("on_hand", "a delta carries delta, not on_hand")
		}
	default:
		v.add("type", "must be %q or %q", EventSnapshot, EventDelta)
	}
	if check("reason") && v.text("reason", e.Reason) && len(e.Reason) > MaxReasonLength {
		v.add("reason", "must be at most %d characters", MaxReasonLength)
	}
	if check("occurred_at") {
		validateOccurredAt(&v, "occurred_at", e.OccurredAt, now)
	}
	return v.err("inventory event")
}

func validateOccurredAt(v *fieldErrors, path string, t, now time.Time) {
	switch {
	case t.IsZero():
		v.add(path, "required: an RFC 3339 time such as 2026-11-23T15:04:05-06:00")
	case t.After(now.Add(MaxClockSkew)):
		v.add(path, "is more than %v in the future of the server's clock (%s)", MaxClockSkew, now.UTC().Format(time.RFC3339))
	}
}

// Problem sums up a validation error in one line, for answers that carry
// one message per item (an event's result).
func Problem(err error) string {
	e, ok := err.(*Error)
	if !ok || len(e.Fields) == 0 {
		return err.Error()
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return strings.Join(parts, "; ")
}

// CountLine is one SKU of a whole-store count.
type CountLine struct {
	SKU    string `json:"sku"`
	OnHand int64  `json:"on_hand"`
}

// ValidateStoreCount checks a whole-store count taken at asOf, with now
// the server's clock. Paths are as_of and levels[i].…
func ValidateStoreCount(asOf time.Time, lines []CountLine, now time.Time) error {
	var v fieldErrors
	validateOccurredAt(&v, "as_of", asOf, now)
	seen := make(map[string]int, len(lines))
	for i, l := range lines {
		p := fmt.Sprintf("levels[%d]", i)
		if !ValidID(l.SKU) {
			v.add(p+".sku", "%s", IDRule)
		} else if j, dup := seen[l.SKU]; dup {
			v.add(p+".sku", "%s is already counted at levels[%d]", l.SKU, j)
		} else {
			seen[l.SKU] = i
		}
		if l.OnHand < 0 || l.OnHand > MaxStockQuantity {
			v.add(p+".on_hand", "must be between 0 and %d", MaxStockQuantity)
		}
	}
	return v.err("store count")
}

// Adjustment is a correction of a store's on-hand made by hand (damage,
// theft, found stock).
type Adjustment struct {
	SKU       string `json:"sku"`
	Delta     int64  `json:"delta"`
	Reason    string `json:"reason"`
	Reference string `json:"reference,omitempty"`
}

// Validate checks the adjustment.
func (a *Adjustment) Validate() error {
	var v fieldErrors
	if !ValidID(a.SKU) {
		v.add("sku", "%s", IDRule)
	}
	if a.Delta == 0 || a.Delta < -MaxStockQuantity || a.Delta > MaxStockQuantity {
		v.add("delta", "must be a non-zero whole number between %d and %d", -MaxStockQuantity, MaxStockQuantity)
	}
	if v.text("reason", a.Reason) && (a.Reason == "" || len(a.Reason) > MaxReasonLength) {
		v.add("reason", "must be 1 to %d characters", MaxReasonLength)
	}
	if v.text("reference", a.Reference) && len(a.Reference) > MaxReasonLength {
		v.add("reference", "must be at most %d characters", MaxReasonLength)
	}
	return v.err("adjustment")
}

// Available is what a store may promise of its stock before any
// checkout rule: on hand less reserved less safety stock, never below 0.
func Available(onHand, reserved, safetyStock int64) int64 {
	return max(0, onHand-reserved-safetyStock)
}

// Promisable is what checkout may promise of available units at a store:
// when the store's POS feed is stale, staleBuffer more units must remain
// (sales the POS did not report may have taken them), never below 0.
func Promisable(available int64, feedStale bool, staleBuffer int64) int64 {
	if feedStale {
		available -= max(0, staleBuffer)
	}
	return max(0, available)
}

// PickupEligible reports whether a SKU may be promised for pickup at a
// store: the SKU is active and eligible, unless the store's override (o,
// nil when there is none) says otherwise.
func PickupEligible(k *SKU, o *StoreSKU) bool {
	var override *bool
	if o != nil {
		override = o.PickupEligible
	}
	return EligibleForPickup(k.Active, k.PickupEligible, override)
}

// EligibleForPickup is PickupEligible on the values it reads: the SKU's
// active and pickup_eligible, and the store's override of
// pickup_eligible (nil: none). It is the one rule of eligibility:
// checkout (the read model) applies it, and so does every reservation
// for pickup, orders and holds alike (storage's reserving statement
// writes it in SQL, tested to agree with it).
func EligibleForPickup(active, eligible bool, override *bool) bool {
	if !active {
		return false
	}
	if override != nil {
		return *override
	}
	return eligible
}

// TakesPickup reports whether a store may take pickup orders at all:
// it is active and of type store (a warehouse only ships). Whether it
// offers a given method is Store.Offers.
func TakesPickup(active bool, t StoreType) bool { return active && t == StoreTypeStore }

// LowStock reports whether available stock is at or below the low-stock
// threshold.
func LowStock(available, threshold int64) bool { return available <= threshold }

// FeedStatus is what is known of a store's POS feed.
type FeedStatus struct {
	LastEventAt *time.Time // when the POS was last heard from; nil if never
	Stale       bool       // silent longer than StaleAfter
}

// Availability is what checkout may promise of one SKU at one store.
type Availability struct {
	StoreID string
	SKU     string
	// Eligible: the SKU may be picked up at this store at all (active,
	// and pickup-eligible unless the store's override says otherwise).
	Eligible    bool
	OnHand      int64
	Reserved    int64
	SafetyStock int64
	Available   int64 // on_hand - reserved - safety_stock, never below 0
	FeedStale   bool  // the store's POS has been silent longer than StaleAfter
	// Promisable is what checkout may promise: Available less the stale
	// buffer when the feed is stale, and 0 when not Eligible.
	Promisable int64
}

// EventResult answers one event of a batch.
type EventResult struct {
	ID     string `json:"id"`
	Status string `json:"status" enum:"applied,duplicate,stale,rejected"`
	Error  string `json:"error,omitempty" doc:"Why a rejected event was rejected."`
}

// BatchOptions says who sends a batch.
type BatchOptions struct {
	// CanReach, if set, says which stores the sender may feed; an event
	// for another store is rejected.
	CanReach func(storeID string) bool
	// Idempotency, if set, makes a repeat of the same batch under the same
	// key answer the first results.
	Idempotency *Idempotency
}

// Count is one SKU's counted on-hand quantity.
type Count CountLine

// CountResult is what a whole-store count did.
type CountResult struct {
	Changed int  `json:"changed" doc:"Levels whose on_hand changed (one ledger row each)."`
	Stale   bool `json:"stale" doc:"The store already has a newer count: this one changed nothing."`
}

// Level is a store's stock of one SKU.
type Level struct {
	SKU         string    `json:"sku"`
	OnHand      int64     `json:"on_hand"`
	Reserved    int64     `json:"reserved"`
	SafetyStock int64     `json:"safety_stock"`
	Available   int64     `json:"available" doc:"on_hand - reserved - safety_stock, never below 0."`
	UpdatedAt   time.Time `json:"updated_at"`
}

// LedgerEntry is one change to a store's stock of a SKU.
type LedgerEntry struct {
	ID            int64     `json:"id"`
	StoreID       string    `json:"store_id"`
	SKU           string    `json:"sku"`
	Cause         string    `json:"cause" enum:"pos_snapshot,pos_delta,count,adjustment,reservation,release,handoff,short_pick,no_show"`
	Reference     string    `json:"reference" doc:"The POS event id, the order or hold, the adjustment's reference, or count@<as_of>."`
	Reason        string    `json:"reason,omitempty"`
	OnHandDelta   int64     `json:"on_hand_delta"`
	ReservedDelta int64     `json:"reserved_delta"`
	At            time.Time `json:"at"`
}

// AdjustmentResult is an adjustment as applied.
type AdjustmentResult struct {
	StoreID string `json:"store_id"`
	Adjustment
	Applied int64     `json:"applied_delta" doc:"The change made: the delta, unless on_hand would have gone below 0."`
	At      time.Time `json:"at"`
	Level   Level     `json:"level" doc:"The level after the adjustment."`
}
