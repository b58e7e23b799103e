package notify

import (
	"testing"
	"time"
)

func TestQuietHoursNext(t *testing.T) {
	night, err := ParseQuietHours("21:00-08:00")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, chicago) }
	for _, c := range []struct {
		name     string
		q        QuietHours
		t, want  time.Time
		wantWait time.Duration
	}{
		{"late evening waits for tomorrow 8:00", night, at(2026, 1, 15, 22, 30), at(2026, 1, 16, 8, 0), 9*time.Hour + 30*time.Minute},
		{"21:00 is quiet", night, at(2026, 1, 15, 21, 0), at(2026, 1, 16, 8, 0), 11 * time.Hour},
		{"07:59 waits a minute", night, at(2026, 1, 16, 7, 59), at(2026, 1, 16, 8, 0), time.Minute},
		{"08:00 is not quiet", night, at(2026, 1, 16, 8, 0), at(2026, 1, 16, 8, 0), 0},
		{"noon is unchanged", night, at(2026, 1, 16, 12, 0), at(2026, 1, 16, 12, 0), 0},
		{"20:59 is unchanged", night, at(2026, 1, 16, 20, 59), at(2026, 1, 16, 20, 59), 0},
		// Clocks spring forward at 2:00 on 2026-03-08: the night is an hour shorter.
		{"spring forward", night, at(2026, 3, 7, 22, 30), at(2026, 3, 8, 8, 0), 8*time.Hour + 30*time.Minute},
		// Clocks fall back at 2:00 on 2026-11-01: the night is an hour longer.
		{"fall back", night, at(2026, 10, 31, 22, 30), at(2026, 11, 1, 8, 0), 10*time.Hour + 30*time.Minute},
		{"fall back, 01:30 CST (the second 01:30)", night, time.Date(2026, 11, 1, 7, 30, 0, 0, time.UTC), at(2026, 11, 1, 8, 0), 6*time.Hour + 30*time.Minute},
		{"a window within a day", QuietHours{"01:00", "06:00"}, at(2026, 1, 16, 3, 0), at(2026, 1, 16, 6, 0), 3 * time.Hour},
		{"outside a window within a day", QuietHours{"01:00", "06:00"}, at(2026, 1, 16, 23, 0), at(2026, 1, 16, 23, 0), 0},
		{"start == end is never quiet", QuietHours{"08:00", "08:00"}, at(2026, 1, 16, 3, 0), at(2026, 1, 16, 3, 0), 0},
	} {
		got := c.q.Next(c.t, chicago)
		if !got.Equal(c.want) || got.Sub(c.t) != c.wantWait {
			t.Errorf("%s: Next(%v) = %v (after %v), want %v (after %v)", c.name, c.t, got.In(chicago), got.Sub(c.t), c.want, c.wantWait)
		}
		if h, m, _ := got.In(chicago).Clock(); c.wantWait > 0 && (h != c.want.Hour() || m != c.want.Minute()) {
			t.Errorf("%s: lands at %02d:%02d local", c.name, h, m)
		}
	}
}

// The same instant is quiet in Chicago and not in Tokyo: local time counts.
func TestQuietHoursUseTheStoreZone(t *testing.T) {
	q := QuietHours{"21:00", "08:00"}
	now := time.Date(2026, 1, 16, 4, 30, 0, 0, time.UTC) // 22:30 in Chicago, 13:30 in Tokyo
	if got := q.Next(now, chicago); got.Equal(now) {
		t.Error("22:30 in Chicago is not quiet")
	}
	if got := q.Next(now, mustLoad("Asia/Tokyo")); !got.Equal(now) {
		t.Errorf("13:30 in Tokyo is quiet until %v", got)
	}
}

func TestParseQuietHours(t *testing.T) {
	if q, err := ParseQuietHours("21:00-08:00"); err != nil || q != (QuietHours{"21:00", "08:00"}) || q.String() != "21:00-08:00" {
		t.Errorf("ParseQuietHours = %+v, %v", q, err)
	}
	for _, s := range []string{"25:00-08:00", "21:00-24:00", "21:60-08:00", "9:00-08:00", "21:00", "", "21:00-08:00-09:00", "ab:cd-08:00"} {
		if q, err := ParseQuietHours(s); err == nil {
			t.Errorf("ParseQuietHours(%q) = %+v, want an error", s, q)
		}
	}
}
