package wire

import (
	"encoding/json"
	"io"
	"testing"
	"time"
)

// BenchmarkCheckoutAnswer writes a checkout answer of 5 stores with 7 days
// of 15-minute slots (1,680 slots, ~150 KB; `bopis bench mixed` asks for
// ~40 KB answers of hourly slots) the way the
// server does, against encoding/json writing the same value (the baseline).
//
//	go test -run x -bench CheckoutAnswer ./internal/httpapi/wire
func BenchmarkCheckoutAnswer(b *testing.B) {
	zone, _ := time.LoadLocation("America/Chicago")
	at := time.Date(2026, 11, 24, 8, 0, 0, 0, zone)
	p := &PickupOptions{}
	for s := range 5 {
		ss := make(Slots, 7*48)
		for i := range ss {
			r := i % 4
			start := at.Add(time.Duration(i) * 15 * time.Minute)
			ss[i] = CalendarSlot{Start: start, End: start.Add(15 * time.Minute), Capacity: 4, Remaining: &r}
		}
		p.Options = append(p.Options, PickupOption{PickupOptionHead: PickupOptionHead{
			Store: PickupStore{ID: "s-" + string(rune('a'+s)), Name: "Store", TimeZone: "America/Chicago"},
			Lines: []PickupLine{{SKU: "A", Quantity: 1, Available: 3, Eligible: true}}, EarliestReadyAt: at, HoldUntil: at,
		}, Slots: ss})
	}
	b.Run("bopis", func(b *testing.B) {
		for b.Loop() {
			if err := JSONFormat.Marshal(io.Discard, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		plain := make([]struct {
			PickupOptionHead
			Slots []CalendarSlot `json:"slots"`
		}, len(p.Options))
		for i, o := range p.Options {
			plain[i].PickupOptionHead, plain[i].Slots = o.PickupOptionHead, o.Slots
		}
		for b.Loop() {
			if err := json.NewEncoder(io.Discard).Encode(plain); err != nil {
				b.Fatal(err)
			}
		}
	})
}
