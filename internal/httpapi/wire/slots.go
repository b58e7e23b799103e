package wire

import (
	"strconv"
	"time"
)

// CalendarSlot is a pickup slot offered now.
type CalendarSlot struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Capacity  int       `json:"capacity" doc:"Orders the slot takes; 0 is unlimited."`
	Remaining *int      `json:"remaining,omitempty" doc:"Orders it can still take; absent when unlimited."`
}

// Slots are pickup slots in the order offered. Checkout answers carry
// hundreds of them, so they encode themselves: the same JSON as the
// struct tags say, without reflection per slot.
type Slots []CalendarSlot

// MarshalJSON encodes the slots as a JSON array.
func (ss Slots) MarshalJSON() ([]byte, error) {
	return ss.AppendJSON(make([]byte, 0, 2+len(ss)*96)), nil
}

// AppendJSON appends the slots as a JSON array to b.
func (ss Slots) AppendJSON(b []byte) []byte {
	b = append(b, '[')
	var tw timeWriter
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"start":"`...)
		b = tw.append(b, s.Start)
		b = append(b, `","end":"`...)
		b = tw.append(b, s.End)
		b = append(b, `","capacity":`...)
		b = strconv.AppendInt(b, int64(s.Capacity), 10)
		if s.Remaining != nil {
			b = append(b, `,"remaining":`...)
			b = strconv.AppendInt(b, int64(*s.Remaining), 10)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// timeWriter appends times as t.AppendFormat(b, time.RFC3339Nano) does.
// Slot times fall on whole seconds, and for those it works the fields out
// from the Unix time and the zone's offset, with one zone lookup, keeps
// the date of the last day it wrote (a store's slots come day by day) and
// writes each time in one go. AppendFormat reads its layout anew on every
// call: that was 8% of the CPU of a mixed load whose checkout answers
// carry ~1,000 slot times each.
type timeWriter struct {
	day  int64    // days since 1970-01-01 of date; valid when set
	date [10]byte // 2006-01-02
	set  bool
}

func (w *timeWriter) append(b []byte, t time.Time) []byte {
	if t.Nanosecond() != 0 {
		return t.AppendFormat(b, time.RFC3339Nano)
	}
	_, offset := t.Zone()
	days, sod := floorDiv(t.Unix()+int64(offset), 86400)
	if !w.set || days != w.day {
		year, month, day := civil(days)
		if year < 0 || year > 9999 {
			return t.AppendFormat(b, time.RFC3339Nano)
		}
		put2(w.date[0:], int(year/100))
		put2(w.date[2:], int(year%100))
		w.date[4] = '-'
		put2(w.date[5:], month)
		w.date[7] = '-'
		put2(w.date[8:], day)
		w.day, w.set = days, true
	}
	var f [25]byte // 2006-01-02T15:04:05-07:00
	copy(f[:10], w.date[:])
	f[10] = 'T'
	put2(f[11:], int(sod/3600))
	f[13] = ':'
	put2(f[14:], int(sod/60%60))
	f[16] = ':'
	put2(f[17:], int(sod%60))
	if offset == 0 {
		f[19] = 'Z'
		return append(b, f[:20]...)
	}
	f[19] = '+'
	if offset < 0 {
		f[19], offset = '-', -offset
	}
	put2(f[20:], offset/3600)
	f[22] = ':'
	put2(f[23:], offset/60%60)
	return append(b, f[:]...)
}

// floorDiv is a / b rounded down, and the remainder, 0 <= r < b.
func floorDiv(a, b int64) (q, r int64) {
	q, r = a/b, a%b
	if r < 0 {
		q, r = q-1, r+b
	}
	return q, r
}

// civil is the proleptic Gregorian date of a day counted from 1970-01-01
// (Howard Hinnant's days_from_civil, inverted).
func civil(days int64) (year int64, month, day int) {
	days += 719468
	era, doe := floorDiv(days, 146097)
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// put2 writes n (0–99) as two digits.
func put2(b []byte, n int) {
	b[0], b[1] = byte('0'+n/10), byte('0'+n%10)
}

// Calendar is what the promise engine promises at a store now.
type Calendar struct {
	StoreID         string     `json:"store_id"`
	TimeZone        string     `json:"time_zone"`
	Method          string     `json:"method"`
	Now             time.Time  `json:"now" doc:"The instant the answer is for, in the store's zone."`
	PrepMinutes     int        `json:"prep_minutes" doc:"The store's prep plus the largest extra prep of the items."`
	EarliestReadyAt *time.Time `json:"earliest_ready_at,omitempty" doc:"Start of the first slot with room after prep; absent when there is no pickup."`
	Slots           Slots      `json:"slots"`
	HoldUntil       *time.Time `json:"hold_until,omitempty" doc:"How long an order ready at earliest_ready_at is held."`
	NoPickupReason  string     `json:"no_pickup_reason,omitempty"`
}
