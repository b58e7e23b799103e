package httpapi

import (
	"encoding/json"
	"testing"
	"time"
)

// Slots encode exactly as the struct tags would.
func TestSlotsEncodeAsTheirStructTagsSay(t *testing.T) {
	zone, _ := time.LoadLocation("America/New_York")
	r := 3
	ss := Slots{
		{Start: time.Date(2026, 11, 1, 1, 0, 0, 0, zone), End: time.Date(2026, 11, 1, 1, 30, 0, 0, zone), Capacity: 5, Remaining: &r},
		{Start: time.Date(2026, 11, 1, 1, 30, 0, 0, zone).Add(time.Hour), End: time.Date(2026, 11, 1, 3, 0, 0, 0, zone), Capacity: 0},
	}
	got, err := json.Marshal(struct{ S Slots }{ss})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(struct{ S []CalendarSlot }{[]CalendarSlot(ss)})
	if string(got) != string(want) {
		t.Fatalf("Slots encode as\n%s\nwant\n%s", got, want)
	}
	if empty, _ := json.Marshal(Slots{}); string(empty) != "[]" {
		t.Fatalf("no slots encode as %s", empty)
	}
}

// A checkout answer written by AppendJSON decodes to what encoding/json
// would have written.
func TestPickupOptionsAppendJSONMatchesEncodingJSON(t *testing.T) {
	zone, _ := time.LoadLocation("America/Chicago")
	r := 4
	loc := int64(7)
	at := time.Date(2026, 11, 23, 16, 0, 0, 0, zone)
	p := &PickupOptions{Options: []PickupOption{{
		PickupOptionHead: PickupOptionHead{
			Store:      PickupStore{ID: "s-1", Name: "Downtown \"Main\"", LocationID: &loc, TimeZone: "America/Chicago"},
			DistanceKm: 3.25, Methods: nil, AllAvailable: true,
			Lines:           []PickupLine{{SKU: "A", Quantity: 2, Available: 7, Eligible: true}},
			EarliestReadyAt: at, HoldUntil: at.Add(72 * time.Hour),
		},
		Slots: Slots{{Start: at, End: at.Add(time.Hour), Capacity: 20, Remaining: &r}},
	}, {PickupOptionHead: PickupOptionHead{Store: PickupStore{ID: "s-2"}}, Slots: Slots{}}}}
	var got, want any
	if err := json.Unmarshal(p.AppendJSON(nil), &got); err != nil {
		t.Fatalf("AppendJSON wrote invalid JSON: %v", err)
	}
	plain, _ := json.Marshal(struct {
		Options []PickupOption `json:"options"`
	}{p.Options})
	json.Unmarshal(plain, &want)
	if g, w := mustJSON(got), mustJSON(want); g != w {
		t.Fatalf("AppendJSON:\n%s\nencoding/json:\n%s", g, w)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
