package calendar

import (
	"testing"
	"time"
)

func benchStore(b *testing.B) *Schedule {
	b.Helper()
	s := testStore("America/Chicago", everyDay("09:00-21:00"), withCutoff(60))
	return compile(b, s)
}

// BenchmarkPromise measures one calendar answer: earliest ready time and
// 7 days of 60-minute slots for a store open 09:00-21:00, some booked.
func BenchmarkPromise(b *testing.B) {
	sc := benchStore(b)
	loc := sc.Location()
	now := time.Date(2026, 11, 23, 14, 17, 0, 0, loc)
	booked := Booked{}
	for h := 15; h < 21; h++ { // this afternoon is busy, 16:00 is full
		booked[time.Date(2026, 11, 23, h, 0, 0, 0, loc).Unix()] = 5 + h%7
	}
	booked[time.Date(2026, 11, 23, 16, 0, 0, 0, loc).Unix()] = 20
	b.ReportAllocs()
	for b.Loop() {
		p := sc.Promise(now, 60, 7, booked)
		if len(p.Slots) != 4+6*12 { // today 17:00-20:00 (16:00 is full), then 12 a day
			b.Fatalf("%d slots", len(p.Slots))
		}
	}
}

// BenchmarkPromiseAcrossDST is the same week spanning a DST change years
// ahead, where every zone look-up misses Go's cache of the current zone.
func BenchmarkPromiseAcrossDST(b *testing.B) {
	sc := benchStore(b)
	now := time.Date(2035, 3, 8, 14, 17, 0, 0, sc.Location())
	b.ReportAllocs()
	for b.Loop() {
		if p := sc.Promise(now, 60, 7, nil); len(p.Slots) == 0 {
			b.Fatal("no slots")
		}
	}
}

// BenchmarkPromise31Days is the longest calendar, 15-minute slots.
func BenchmarkPromise31Days(b *testing.B) {
	sc := compile(b, testStore("America/Chicago", everyDay("09:00-21:00"), withSlot(15)))
	now := time.Date(2026, 11, 23, 14, 17, 0, 0, sc.Location())
	b.ReportAllocs()
	for b.Loop() {
		if p := sc.Promise(now, 60, 31, nil); len(p.Slots) == 0 {
			b.Fatal("no slots")
		}
	}
}

func BenchmarkCheckSlot(b *testing.B) {
	sc := benchStore(b)
	now := time.Date(2026, 11, 23, 14, 17, 0, 0, sc.Location())
	start := time.Date(2026, 11, 26, 15, 0, 0, 0, sc.Location())
	b.ReportAllocs()
	for b.Loop() {
		if err := sc.CheckSlot(now, 60, start, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompile(b *testing.B) {
	s := testStore("America/Chicago", everyDay("09:00-12:00,13:00-21:00"),
		withSpecial(closedOn("2026-12-25"), specialOn("2026-12-24", "09:00-15:00")))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPromiseReference answers BenchmarkPromise's question with the
// property tests' brute-force model (wall-clock scans, prep counted minute
// by minute): the straightforward way, as the baseline measured in the same
// run.
func BenchmarkPromiseReference(b *testing.B) {
	s := testStore("America/Chicago", everyDay("09:00-21:00"), withCutoff(60))
	sc := compile(b, s)
	loc := sc.Location()
	now := time.Date(2026, 11, 23, 14, 17, 0, 0, loc)
	ref := newRef(s, loc)
	b.ReportAllocs()
	for b.Loop() {
		base := day(now, 0)
		ps := ref.periods(base, -3, 7+3)
		lo, hi := ref.instant(base, 0), ref.instant(day(base, 7), 0)
		ready, ok := ref.ready(ps, now.Unix(), 60, hi)
		if !ok {
			b.Fatal("reference found no ready time")
		}
		n := 0
		for _, sl := range ref.slots(ps, base, -3, 7+3, lo, hi) {
			if sl.start >= ready {
				n++
			}
		}
		if n != 5+6*12 {
			b.Fatalf("reference offers %d slots", n)
		}
	}
}
