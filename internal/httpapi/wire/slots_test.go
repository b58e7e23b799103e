package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
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

// A timeWriter writes what time.RFC3339Nano writes, in every kind of zone
// (whole, half and three-quarter hour offsets, west and east, across DST
// changes, zero offsets that are not UTC) and for times it leaves to
// AppendFormat (fractions of a second, years outside 0000–9999).
func TestTimeWriterWritesRFC3339Nano(t *testing.T) {
	var zones []*time.Location
	for _, name := range []string{"UTC", "America/New_York", "America/St_Johns", "Asia/Kathmandu", "Australia/Lord_Howe",
		"Europe/London", "Pacific/Chatham", "America/Sao_Paulo", "Asia/Kolkata", "Pacific/Kiritimati"} {
		z, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, z)
	}
	times := []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 24, 17, 30, 0, 123456789, time.UTC),
		time.Date(2026, 11, 24, 17, 30, 0, 500000000, time.UTC),
	}
	// Every 15 minutes over the days around 2026's DST changes.
	for _, day := range []time.Time{time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 28, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 4, 4, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 26, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 10, 24, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)} {
		for m := 0; m < 3*24*60; m += 15 {
			times = append(times, day.Add(time.Duration(m)*time.Minute))
		}
	}
	// Whole seconds spread over years 0000–9999, leap days included.
	r := rand.New(rand.NewPCG(1, 2))
	lo, hi := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC).Unix()
	for range 20000 {
		times = append(times, time.Unix(lo+r.Int64N(hi-lo), 0))
	}
	for _, y := range []int{1600, 1900, 1970, 2000, 2024, 2100} {
		times = append(times, time.Date(y, 2, 28, 23, 59, 59, 0, time.UTC), time.Date(y, 3, 1, 0, 0, 0, 0, time.UTC))
	}
	for _, z := range zones {
		var w timeWriter // one writer for all: a kept date must never leak into another day
		for _, at := range times {
			at = at.In(z)
			if got, want := string(w.append([]byte("x"), at)), "x"+at.Format(time.RFC3339Nano); got != want {
				t.Fatalf("timeWriter.append(%v) = %q, want %q", at, got, want)
			}
		}
	}
}

// Answers appended at once through the shared buffers each come out whole.
func TestConcurrentAnswersKeepTheirOwnBytes(t *testing.T) {
	zone, _ := time.LoadLocation("America/Chicago")
	at := time.Date(2026, 11, 23, 16, 0, 0, 0, zone)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ss := make(Slots, 50+g*20) // answers of different sizes
			for i := range ss {
				ss[i] = CalendarSlot{Start: at.Add(time.Duration(i) * time.Hour), End: at.Add(time.Duration(i+1) * time.Hour), Capacity: g}
			}
			p := &PickupOptions{Options: []PickupOption{{PickupOptionHead: PickupOptionHead{Store: PickupStore{ID: fmt.Sprint("s-", g)}}, Slots: ss}}}
			want := string(p.AppendJSON(nil)) + "\n"
			for range 50 {
				var out bytes.Buffer
				if err := JSONFormat.Marshal(&out, p); err != nil {
					t.Error(err)
					return
				}
				if out.String() != want {
					t.Errorf("answer %d came out as %d bytes, want %d", g, out.Len(), len(want))
					return
				}
			}
		}()
	}
	wg.Wait()
}
