package calendar

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// TestExtremeInputs: odd instants and arguments never panic and never
// promise a time before now.
func TestExtremeInputs(t *testing.T) {
	sc := compile(t, testStore("Australia/Lord_Howe", everyDay("22:00-02:00"), withSpecial(closedOn("2026-12-25"))))
	tests := []struct {
		name string
		now  time.Time
		prep int
		days int
	}{
		{"zero time", time.Time{}, 60, 7},
		{"year 1900", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), 60, 7},
		{"year 2200, beyond the tz tables", time.Date(2200, 6, 1, 0, 0, 0, 0, time.UTC), 60, 7},
		{"negative prep", time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), -100, 7},
		{"huge prep", time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), 1 << 50, 7},
		{"huge days", time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), 0, 1 << 50},
		{"now in another zone", time.Date(2026, 12, 24, 12, 0, 0, 0, time.FixedZone("X", -11*3600)), 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := sc.Promise(tt.now, tt.prep, tt.days, nil)
			if p.NoPickupReason == "" && p.EarliestReadyAt.Before(tt.now) {
				t.Errorf("earliest %s before now %s", str(p.EarliestReadyAt), str(tt.now))
			}
			for _, s := range p.Slots {
				if s.Start.Format(time.DateOnly) == "2026-12-25" {
					t.Errorf("slot %s on the blocked date", str(s.Start))
				}
			}
			sc.ReadyAt(tt.now, tt.prep)
			sc.HoldUntil(tt.now)
			_ = sc.CheckSlot(tt.now, tt.prep, tt.now.Add(time.Hour), nil)
		})
	}
	t.Run("sub-second slot start", func(t *testing.T) {
		start := time.Date(2026, 11, 23, 22, 0, 0, 5, sc.Location())
		if err := sc.CheckSlot(start.Add(-48*time.Hour), 0, start, nil); !errors.Is(err, ErrNoSuchSlot) {
			t.Errorf("CheckSlot = %v, want ErrNoSuchSlot", err)
		}
	})
	t.Run("nil store", func(t *testing.T) {
		if _, err := Compile(nil); err == nil {
			t.Error("Compile(nil) succeeded")
		}
	})
}

// TestConcurrentUse: a Schedule is shared by request handlers; run with
// -race.
func TestConcurrentUse(t *testing.T) {
	sc := compile(t, testStore("America/New_York", everyDay("09:00-21:00"), withSpecial(closedOn("2026-11-26"))))
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, sc.Location())
	want := sc.Promise(now, 60, 7, nil)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				p := sc.Promise(now, 60, 7, nil)
				if len(p.Slots) != len(want.Slots) || !p.HoldUntil.Equal(want.HoldUntil) {
					t.Error("concurrent answers differ")
					return
				}
				_ = sc.CheckSlot(now, 60, p.Slots[3].Start, nil)
			}
		}()
	}
	wg.Wait()
}
