package bopis_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/bopis/bopis"
)

func TestParseClock(t *testing.T) {
	for in, want := range map[string]int{"00:00": 0, "09:30": 570, "23:59": 1439, "24:00": 1440} {
		if got, err := bopis.ParseClock(in); err != nil || got != want {
			t.Errorf("ParseClock(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "9:00", "09:0", "24:01", "25:00", "12:60", "ab:cd", "09-00", " 9:00", "09:00:00"} {
		if _, err := bopis.ParseClock(in); err == nil {
			t.Errorf("ParseClock(%q) accepted", in)
		}
	}
}

func TestIntervalMinutes(t *testing.T) {
	cases := []struct {
		open, close string
		from, to    int
		ok          bool
	}{
		{"09:00", "21:00", 540, 1260, true},
		{"00:00", "24:00", 0, 1440, true},
		{"22:00", "02:00", 1320, 1560, true}, // past midnight
		{"20:00", "00:00", 1200, 1440, true}, // closes at midnight
		{"09:00", "09:00", 0, 0, false},
		{"24:00", "02:00", 0, 0, false},
	}
	for _, c := range cases {
		from, to, err := bopis.Interval{Open: c.open, Close: c.close}.Minutes()
		if (err == nil) != c.ok || (c.ok && (from != c.from || to != c.to)) {
			t.Errorf("%s-%s: %d, %d, %v; want %d, %d ok=%v", c.open, c.close, from, to, err, c.from, c.to, c.ok)
		}
	}
}

func fields(err error) []string {
	var e *bopis.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Path)
	}
	return out
}

func TestAPIKeyScope(t *testing.T) {
	k := bopis.APIKey{Role: bopis.RoleStore, StoreIDs: []string{"s-1"}}
	if !k.CanReachStore("s-1") || k.CanReachStore("s-2") {
		t.Error("store key scope wrong")
	}
	sf := bopis.APIKey{Role: bopis.RoleStorefront}
	if !sf.CanReachStore("anything") {
		t.Error("storefront keys reach every store")
	}
	for _, c := range []struct {
		key  bopis.APIKey
		want string
	}{
		{bopis.APIKey{Role: "root"}, "role"},
		{bopis.APIKey{Role: bopis.RolePOS}, "store_ids"},
		{bopis.APIKey{Role: bopis.RolePOS, StoreIDs: []string{"bad id"}}, "store_ids[0]"},
		{bopis.APIKey{Role: bopis.RolePublic, Origins: []string{"https://shop.example.com/path"}}, "origins[0]"},
	} {
		if got := fields(c.key.Validate()); len(got) != 1 || got[0] != c.want {
			t.Errorf("%+v: fields %v, want [%s]", c.key, got, c.want)
		}
	}
}

func TestNewAPIKeySecretsAreUniqueAndHashed(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id, token := bopis.NewAPIKeySecret()
		if seen[id] || seen[token] || len(token) < bopis.MinTokenLength {
			t.Fatalf("weak or repeated key %s %s", id, token)
		}
		seen[id], seen[token] = true, true
		if string(bopis.HashToken(token)) == token || len(bopis.HashToken(token)) != 32 {
			t.Fatal("hash is not SHA-256 of the token")
		}
	}
}

// A date's special hours replace its weekday's; a closed date has none.
func TestStoreHoursOn(t *testing.T) {
	nine := []bopis.Interval{{Open: "09:00", Close: "17:00"}}
	late := []bopis.Interval{{Open: "12:00", Close: "22:00"}}
	s := &bopis.Store{Hours: bopis.WeeklyHours{Monday: nine}, SpecialHours: []bopis.SpecialHours{
		{Date: "2026-12-07", Intervals: late, Label: "late opening"},
		{Date: "2026-12-14", Closed: true, Label: "stocktake"},
	}}
	zone, _ := time.LoadLocation("America/Chicago")
	for _, c := range []struct {
		date  string
		want  []bopis.Interval
		label string
	}{
		{"2026-11-30", nine, ""}, // a Monday like any other
		{"2026-12-01", nil, ""},  // Tuesday: closed every week
		{"2026-12-07", late, "late opening"},
		{"2026-12-14", nil, "stocktake"},
	} {
		d, _ := time.ParseInLocation(time.DateOnly, c.date, zone)
		ivs, special := s.HoursOn(d.Add(23 * time.Hour)) // late in the local day, another date in UTC
		label := ""
		if special != nil {
			label = special.Label
		}
		if !reflect.DeepEqual(ivs, c.want) || label != c.label {
			t.Errorf("HoursOn(%s) = %v, %q; want %v, %q", c.date, ivs, label, c.want, c.label)
		}
	}
}
