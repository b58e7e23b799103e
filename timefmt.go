package bopis

import (
	"strings"
	"time"
)

// How a person reads a time (issue 41): one format on every page, email
// and SMS, in the store's zone and labelled with it, so the associate,
// the customer and the admin read the same "Mon, Dec 7, 3:00 PM EST"
// for the same moment. The pages write it with the browser's
// Intl.DateTimeFormat (api.js, bopis.time: the reader's locale, the
// store's timeZone, timeZoneName "short"); the server writes messages in
// en-US, the locale of every message until customers choose theirs.

// Layouts of FormatTime and FormatClock: en-US, as Intl.DateTimeFormat
// writes it with {weekday: "short", month: "short", day: "numeric",
// hour: "numeric", minute: "2-digit", timeZoneName: "short"}.
const (
	TimeLayout  = "Mon, Jan 2, 3:04 PM MST"
	ClockLayout = "3:04 PM MST"
)

// FormatTime is t as a person reads it in zone (an IANA name; UTC if
// unknown): "Mon, Dec 7, 3:00 PM EST". The zero time is "".
func FormatTime(t time.Time, zone string) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Zone(zone)).Format(TimeLayout)
}

// FormatClock is the time of day of t in zone, labelled: "3:00 PM EST"
// (the end of a window whose start FormatTime wrote). The zero time is "".
func FormatClock(t time.Time, zone string) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Zone(zone)).Format(ClockLayout)
}

// FormatWindow is a pickup window: "Mon, Dec 7, 3:00 PM EST – 4:00 PM
// EST", or only the start when end is zero.
func FormatWindow(start, end time.Time, zone string) string {
	if end.IsZero() {
		return FormatTime(start, zone)
	}
	return FormatTime(start, zone) + " – " + FormatClock(end, zone)
}

// FormatHours is a store's opening hours on the local date of t, as a
// person reads them: "8:00 AM to 12:00 PM, 1:00 PM to 10:00 PM",
// "closed" or "closed (Christmas)". The zero time is "".
func FormatHours(s *Store, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	ivs, special := s.HoursOn(t)
	if special != nil && special.Closed && special.Label != "" {
		return "closed (" + special.Label + ")"
	}
	if len(ivs) == 0 {
		return "closed"
	}
	parts := make([]string, len(ivs))
	for i, iv := range ivs {
		parts[i] = formatHHMM(iv.Open) + " to " + formatHHMM(iv.Close)
	}
	return strings.Join(parts, ", ")
}

// formatHHMM turns "21:30" into "9:30 PM"; "24:00" is midnight.
func formatHHMM(s string) string {
	m, err := ParseClock(s)
	if err != nil {
		return s
	}
	if m == 24*60 {
		return "midnight"
	}
	return time.Date(2000, 1, 1, m/60, m%60, 0, 0, time.UTC).Format("3:04 PM")
}
