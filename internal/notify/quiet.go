package notify

import (
	"fmt"
	"strings"
	"time"
)

// QuietHours: SMS are not sent between Start and End in the store's local
// time, e.g. 21:00 to 08:00 (spanning midnight). Start == End means never
// quiet.
type QuietHours struct{ Start, End string } // "HH:MM"

// ParseQuietHours parses "21:00-08:00".
func ParseQuietHours(s string) (QuietHours, error) {
	start, end, ok := strings.Cut(s, "-")
	q := QuietHours{strings.TrimSpace(start), strings.TrimSpace(end)}
	if !ok {
		return QuietHours{}, fmt.Errorf("notify: quiet hours %q: want HH:MM-HH:MM", s)
	}
	for _, c := range []string{q.Start, q.End} {
		if _, err := minutes(c); err != nil {
			return QuietHours{}, fmt.Errorf("notify: quiet hours %q: %w", s, err)
		}
	}
	return q, nil
}

// minutes parses "HH:MM" (00:00 to 23:59) as minutes after midnight.
func minutes(s string) (int, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("%q is not a time of day between 00:00 and 23:59", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// String gives the "21:00-08:00" form.
func (q QuietHours) String() string { return q.Start + "-" + q.End }

// Next returns t if t is outside quiet hours in loc, else the instant
// quiet hours end: the next End on loc's wall clock after t, so 08:00 is
// 08:00 local on the night the clocks change too. Unparsable quiet hours
// are never quiet.
func (q QuietHours) Next(t time.Time, loc *time.Location) time.Time {
	start, err1 := minutes(q.Start)
	end, err2 := minutes(q.End)
	if err1 != nil || err2 != nil || start == end {
		return t
	}
	lt := t.In(loc)
	now := lt.Hour()*60 + lt.Minute()
	y, m, d := lt.Date()
	switch {
	case start < end && now >= start && now < end: // e.g. 01:00-06:00
	case start > end && now < end: // after midnight, e.g. 21:00-08:00 at 07:59
	case start > end && now >= start: // before midnight: ends tomorrow
		d++
	default:
		return t
	}
	return time.Date(y, m, d, end/60, end%60, 0, 0, loc)
}
