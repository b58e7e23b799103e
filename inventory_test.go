package bopis_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bopis/bopis"
)

func TestPromisableKeepsTheBufferBackAtAStaleStore(t *testing.T) {
	for _, c := range []struct {
		available int64
		stale     bool
		buffer    int64
		want      int64
	}{
		{5, false, 1, 5},
		{5, true, 1, 4},
		{1, true, 1, 0}, // a silent POS no longer promises its last unit
		{0, true, 1, 0}, // never below 0
		{3, true, 5, 0},
		{3, true, 0, 3},
		{3, true, -2, 3}, // a negative buffer adds nothing
	} {
		if got := bopis.Promisable(c.available, c.stale, c.buffer); got != c.want {
			t.Errorf("Promisable(%d, %v, %d) = %d, want %d", c.available, c.stale, c.buffer, got, c.want)
		}
	}
	if bopis.DefaultStaleBuffer != 1 || bopis.DefaultStaleAfter != 15*time.Minute {
		t.Error("defaults changed: an extra unit after 15 silent minutes")
	}
}

func TestAvailableAndLowStock(t *testing.T) {
	if got := bopis.Available(10, 3, 2); got != 5 {
		t.Errorf("Available(10, 3, 2) = %d", got)
	}
	if got := bopis.Available(2, 3, 1); got != 0 {
		t.Errorf("Available(2, 3, 1) = %d, want 0 (never below)", got)
	}
	if !bopis.LowStock(2, 2) || bopis.LowStock(3, 2) || !bopis.LowStock(0, 0) {
		t.Error("low stock is at or below the threshold")
	}
}

func TestPickupEligible(t *testing.T) {
	yes, no := true, false
	k := bopis.SKU{PickupEligible: true, Active: true}
	big := bopis.SKU{PickupEligible: false, Active: true}
	gone := bopis.SKU{PickupEligible: true, Active: false}
	for _, c := range []struct {
		k    bopis.SKU
		o    *bopis.StoreSKU
		want bool
	}{
		{k, nil, true},
		{k, &bopis.StoreSKU{}, true},
		{k, &bopis.StoreSKU{PickupEligible: &no}, false},
		{big, nil, false},
		{big, &bopis.StoreSKU{PickupEligible: &yes}, true},
		{gone, &bopis.StoreSKU{PickupEligible: &yes}, false},
	} {
		if got := bopis.PickupEligible(&c.k, c.o); got != c.want {
			t.Errorf("PickupEligible(%+v, %+v) = %v", c.k, c.o, got)
		}
	}
}

func TestInventoryEventRules(t *testing.T) {
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	n, neg, zero := int64(4), int64(-1), int64(0)
	ok := bopis.InventoryEvent{ID: "e-1", StoreID: "s-1", SKU: "A1", Type: "snapshot", OnHand: &n, OccurredAt: now.Add(-time.Minute)}
	if err := ok.Validate(now); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		change func(e *bopis.InventoryEvent)
		fields []string
	}{
		{"no id", func(e *bopis.InventoryEvent) { e.ID = "" }, []string{"id"}},
		{"id with a space", func(e *bopis.InventoryEvent) { e.ID = "e 1" }, []string{"id"}},
		{"id too long", func(e *bopis.InventoryEvent) { e.ID = strings.Repeat("x", 129) }, []string{"id"}},
		{"no store", func(e *bopis.InventoryEvent) { e.StoreID = "" }, []string{"store_id"}},
		{"no sku", func(e *bopis.InventoryEvent) { e.SKU = "" }, []string{"sku"}},
		{"unknown type", func(e *bopis.InventoryEvent) { e.Type = "count" }, []string{"type"}},
		{"negative snapshot", func(e *bopis.InventoryEvent) { e.OnHand = &neg }, []string{"on_hand"}},
		{"snapshot without on_hand", func(e *bopis.InventoryEvent) { e.OnHand = nil }, []string{"on_hand"}},
		{"snapshot with a delta", func(e *bopis.InventoryEvent) { e.Delta = &n }, []string{"delta"}},
		{"zero delta", func(e *bopis.InventoryEvent) { e.Type, e.OnHand, e.Delta = "delta", nil, &zero }, []string{"delta"}},
		{"delta with on_hand", func(e *bopis.InventoryEvent) { e.Type, e.Delta = "delta", &neg }, []string{"on_hand"}},
		{"no time", func(e *bopis.InventoryEvent) { e.OccurredAt = time.Time{} }, []string{"occurred_at"}},
		{"from the future", func(e *bopis.InventoryEvent) { e.OccurredAt = now.Add(6 * time.Minute) }, []string{"occurred_at"}},
		{"unreadable on_hand", func(e *bopis.InventoryEvent) {
			e.OnHand = nil
			e.Malformed = []bopis.FieldError{{Path: "on_hand", Message: "must be a whole number"}}
		}, []string{"on_hand"}},
	} {
		e := ok
		c.change(&e)
		if got := fields(e.Validate(now)); !reflect.DeepEqual(got, c.fields) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.fields)
		}
	}
	late := ok
	late.OccurredAt = now.Add(4 * time.Minute) // within the allowed clock skew
	if err := late.Validate(now); err != nil {
		t.Errorf("4 minutes ahead: %v", err)
	}
}

func TestStoreCountAndAdjustmentRules(t *testing.T) {
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	err := bopis.ValidateStoreCount(now, []bopis.CountLine{{SKU: "A", OnHand: 1}, {SKU: "A", OnHand: 2}, {SKU: "", OnHand: -1}}, now)
	if got := fields(err); !reflect.DeepEqual(got, []string{"levels[1].sku", "levels[2].sku", "levels[2].on_hand"}) {
		t.Errorf("count fields %v", got)
	}
	if got := fields(bopis.ValidateStoreCount(now.Add(time.Hour), nil, now)); !reflect.DeepEqual(got, []string{"as_of"}) {
		t.Errorf("count from the future: %v", got)
	}
	a := bopis.Adjustment{SKU: "A", Delta: 0, Reason: ""}
	if got := fields(a.Validate()); !reflect.DeepEqual(got, []string{"delta", "reason"}) {
		t.Errorf("adjustment fields %v", got)
	}
	if msg := bopis.Problem(a.Validate()); msg != "delta: must be a non-zero whole number between -1000000000 and 1000000000; reason: must be 1 to 200 characters" {
		t.Errorf("one-line problem: %q", msg)
	}
}
