package bopis

import (
	"testing"
	"time"
)

func TestFormatTime(t *testing.T) {
	at := time.Date(2026, 12, 7, 20, 0, 0, 0, time.UTC)
	for _, c := range []struct{ zone, want string }{
		{"America/New_York", "Mon, Dec 7, 3:00 PM EST"},
		{"America/Chicago", "Mon, Dec 7, 2:00 PM CST"},
		{"Europe/London", "Mon, Dec 7, 8:00 PM GMT"},
		{"Nowhere/Else", "Mon, Dec 7, 8:00 PM UTC"},
	} {
		if got := FormatTime(at, c.zone); got != c.want {
			t.Errorf("FormatTime in %s = %q, want %q", c.zone, got, c.want)
		}
	}
	if got := FormatWindow(at, at.Add(time.Hour), "America/New_York"); got != "Mon, Dec 7, 3:00 PM EST – 4:00 PM EST" {
		t.Errorf("FormatWindow = %q", got)
	}
	if FormatTime(time.Time{}, "America/New_York") != "" {
		t.Error("the zero time should be empty")
	}
}
