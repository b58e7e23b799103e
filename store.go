package bopis

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"sync"
	"time"
	_ "time/tzdata" // store time zones must load on machines without /usr/share/zoneinfo
)

// StoreType says whether a location offers pickup.
type StoreType string

const (
	StoreTypeStore     StoreType = "store"     // offers pickup
	StoreTypeWarehouse StoreType = "warehouse" // ships only; never offered for pickup
)

// PickupMethod is how a customer collects an order.
type PickupMethod string

const (
	PickupInStore  PickupMethod = "in_store"
	PickupCurbside PickupMethod = "curbside"
)

// Store is one location of the retailer's network with the rules that
// govern its pickup promise. Times of day are store-local, in TimeZone.
type Store struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Type          StoreType      `json:"type"`
	LocationID    *int64         `json:"location_id,omitempty"`
	Address       Address        `json:"address"`
	Coordinates   Coordinates    `json:"coordinates"`
	TimeZone      string         `json:"time_zone"`
	Hours         WeeklyHours    `json:"hours"`
	SpecialHours  []SpecialHours `json:"special_hours"`
	PickupMethods []PickupMethod `json:"pickup_methods"`
	// PrepMinutes is the time to pick and stage an order, counted in open time.
	PrepMinutes int `json:"prep_minutes"`
	// CutoffMinutes: an order placed less than this before a closing
	// cannot be ready in that opening.
	CutoffMinutes int `json:"cutoff_minutes"`
	// HoldDays is how many open days a ready order waits for its customer.
	HoldDays     int       `json:"hold_days"`
	SlotMinutes  int       `json:"slot_minutes"`
	SlotCapacity int       `json:"slot_capacity"` // 0 means unlimited
	Active       bool      `json:"active"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Address is a postal address; every part is optional.
type Address struct {
	Line1      string `json:"line1,omitempty"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"` // ISO 3166-1 alpha-2
}

// Coordinates is a WGS 84 position in decimal degrees.
type Coordinates struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// Interval is one opening of a day in store-local "HH:MM". Close may be
// "24:00"; a Close earlier than Open runs past midnight into the next day.
type Interval struct {
	Open  string `json:"open"`
	Close string `json:"close"`
}

// Minutes returns the interval as minutes from the start of its day; an
// interval that runs past midnight has close > 1440.
func (iv Interval) Minutes() (open, close int, err error) {
	if open, err = ParseClock(iv.Open); err != nil {
		return 0, 0, err
	}
	if open == 24*60 {
		return 0, 0, fmt.Errorf("an opening cannot be 24:00")
	}
	if close, err = ParseClock(iv.Close); err != nil {
		return 0, 0, err
	}
	switch {
	case close == open:
		return 0, 0, fmt.Errorf("open and close are both %s; write 00:00 to 24:00 for a day open around the clock", iv.Open)
	case close < open:
		close += 24 * 60
	}
	return open, close, nil
}

// ParseClock reads "HH:MM" (00:00 to 24:00) as minutes after midnight.
func ParseClock(s string) (int, error) {
	if len(s) != 5 || s[2] != ':' || !isDigits(s[:2]) || !isDigits(s[3:]) {
		return 0, fmt.Errorf("%q is not a time of day in HH:MM", s)
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time of day between 00:00 and 24:00", s)
	}
	return h*60 + m, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// WeeklyHours holds the regular openings of each weekday; an empty list is
// a closed day.
type WeeklyHours struct {
	Monday    []Interval `json:"monday"`
	Tuesday   []Interval `json:"tuesday"`
	Wednesday []Interval `json:"wednesday"`
	Thursday  []Interval `json:"thursday"`
	Friday    []Interval `json:"friday"`
	Saturday  []Interval `json:"saturday"`
	Sunday    []Interval `json:"sunday"`
}

// Day returns the openings of weekday d.
func (w *WeeklyHours) Day(d time.Weekday) []Interval {
	return *w.day(d)
}

func (w *WeeklyHours) day(d time.Weekday) *[]Interval {
	switch d {
	case time.Monday:
		return &w.Monday
	case time.Tuesday:
		return &w.Tuesday
	case time.Wednesday:
		return &w.Wednesday
	case time.Thursday:
		return &w.Thursday
	case time.Friday:
		return &w.Friday
	case time.Saturday:
		return &w.Saturday
	default:
		return &w.Sunday
	}
}

// SetDay replaces the openings of weekday d.
func (w *WeeklyHours) SetDay(d time.Weekday, ivs []Interval) { *w.day(d) = ivs }

// SpecialHours replaces the regular hours of one date: Closed blocks the
// date (a holiday), otherwise Intervals are that date's openings.
type SpecialHours struct {
	Date      string     `json:"date"` // YYYY-MM-DD, store-local
	Closed    bool       `json:"closed,omitempty"`
	Intervals []Interval `json:"intervals,omitempty"`
	Label     string     `json:"label,omitempty"`
}

// HoursOn is the store's openings on the date of t, a time in the store's
// zone: that date's special hours when it has some (none when they close
// it), else its weekday's; special is the date's entry, nil on a regular
// day. It is the one rule for a day's hours: the pages and messages show
// it, and calendar.Compile indexes the same rule for the promise.
func (s *Store) HoursOn(t time.Time) (ivs []Interval, special *SpecialHours) {
	date := t.Format(time.DateOnly)
	for i := range s.SpecialHours {
		if sh := &s.SpecialHours[i]; sh.Date == date { // a date is given once (Validate)
			if sh.Closed {
				return nil, sh
			}
			return sh.Intervals, sh
		}
	}
	return s.Hours.Day(t.Weekday()), nil
}

// Limits on a store's settings; the calendar relies on them to stay bounded.
const (
	MaxPrepMinutes   = 7 * 24 * 60
	MaxCutoffMinutes = 24 * 60
	MaxHoldDays      = 30
	MinSlotMinutes   = 5
	MaxSlotMinutes   = 24 * 60
	MaxSlotCapacity  = 100000
	MaxSpecialHours  = 1000
	MaxNameLength    = 200
)

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidID reports whether s is usable as a store id or SKU: 1 to 64
// letters, digits, '.', '_' or '-', starting with a letter or digit, so it
// is safe in a URL path, a log line and a cursor.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// IDRule is ValidID in words, for error messages.
const IDRule = "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"

// weekdays in contract order, with their JSON names.
var weekdays = [7]struct {
	day  time.Weekday
	name string
}{
	{time.Monday, "monday"}, {time.Tuesday, "tuesday"}, {time.Wednesday, "wednesday"},
	{time.Thursday, "thursday"}, {time.Friday, "friday"}, {time.Saturday, "saturday"}, {time.Sunday, "sunday"},
}

// validateAddressText checks every part of an address with the text rule
// and reports whether all passed.
func validateAddressText(v *fieldErrors, path string, a *Address) bool {
	ok := v.text(join(path, "line1"), a.Line1)
	ok = v.text(join(path, "line2"), a.Line2) && ok
	ok = v.text(join(path, "city"), a.City) && ok
	ok = v.text(join(path, "region"), a.Region) && ok
	ok = v.text(join(path, "postal_code"), a.PostalCode) && ok
	return v.text(join(path, "country"), a.Country) && ok
}

// Validate checks every rule of a store and returns an EINVALID *Error
// naming each field at fault, or nil.
func (s *Store) Validate() error {
	var v fieldErrors
	if !ValidID(s.ID) {
		v.add("id", "%s", IDRule)
	}
	if v.text("name", s.Name) && (s.Name == "" || len(s.Name) > MaxNameLength) {
		v.add("name", "must be 1 to %d characters", MaxNameLength)
	}
	if s.Type != StoreTypeStore && s.Type != StoreTypeWarehouse {
		v.add("type", "must be %q or %q", StoreTypeStore, StoreTypeWarehouse)
	}
	if s.LocationID != nil && *s.LocationID <= 0 {
		v.add("location_id", "must be a positive integer")
	}
	if validateAddressText(&v, "address", &s.Address) {
		if c := s.Address.Country; c != "" && (len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z') {
			v.add("address.country", "must be an ISO 3166-1 alpha-2 code such as US")
		}
	}
	validateCoordinates(&v, "coordinates", s.Coordinates)
	switch {
	case !v.str("time_zone", s.TimeZone):
	case s.TimeZone == "" || s.TimeZone == "Local":
		v.add("time_zone", "must be an IANA time zone such as America/Chicago")
	default:
		if _, err := time.LoadLocation(s.TimeZone); err != nil {
			v.add("time_zone", "%q is not an IANA time zone", s.TimeZone)
		}
	}
	validateWeeklyHours(&v, "hours", &s.Hours)
	validateSpecialHours(&v, "special_hours", s.SpecialHours)
	validateMethods(&v, "pickup_methods", s.Type, s.PickupMethods)
	inRange(&v, "prep_minutes", s.PrepMinutes, 0, MaxPrepMinutes)
	inRange(&v, "cutoff_minutes", s.CutoffMinutes, 0, MaxCutoffMinutes)
	inRange(&v, "hold_days", s.HoldDays, 1, MaxHoldDays)
	inRange(&v, "slot_minutes", s.SlotMinutes, MinSlotMinutes, MaxSlotMinutes)
	inRange(&v, "slot_capacity", s.SlotCapacity, 0, MaxSlotCapacity)
	return v.err("store")
}

func inRange(v *fieldErrors, path string, n, lo, hi int) {
	if n < lo || n > hi {
		v.add(path, "must be between %d and %d", lo, hi)
	}
}

func validateCoordinates(v *fieldErrors, path string, c Coordinates) {
	if math.IsNaN(c.Latitude) || c.Latitude < -90 || c.Latitude > 90 {
		v.add(join(path, "latitude"), "must be between -90 and 90")
	}
	if math.IsNaN(c.Longitude) || c.Longitude < -180 || c.Longitude > 180 {
		v.add(join(path, "longitude"), "must be between -180 and 180")
	}
}

// ValidateCoordinates checks a position given by a caller, under path.
func ValidateCoordinates(path string, c Coordinates) []FieldError {
	var v fieldErrors
	validateCoordinates(&v, path, c)
	return v.list
}

func validateMethods(v *fieldErrors, path string, t StoreType, ms []PickupMethod) {
	if t == StoreTypeStore && len(ms) == 0 {
		v.add(path, "a store of type store needs at least one pickup method")
	}
	seen := map[PickupMethod]bool{}
	for i, m := range ms {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case m != PickupInStore && m != PickupCurbside:
			v.add(p, "must be %q or %q", PickupInStore, PickupCurbside)
		case seen[m]:
			v.add(p, "%q is listed twice", m)
		}
		seen[m] = true
	}
}

// span is an opening as absolute minutes on some time line, with the
// path of the interval it came from.
type span struct {
	start, end int
	path       string
}

// parseIntervals checks each interval and returns them as spans offset by
// base minutes.
func parseIntervals(v *fieldErrors, path string, ivs []Interval, base int) []span {
	out := make([]span, 0, len(ivs))
	for i, iv := range ivs {
		p := fmt.Sprintf("%s[%d]", path, i)
		if _, err := ParseClock(iv.Open); err != nil {
			v.add(p+".open", "%v", err)
			continue
		}
		if _, err := ParseClock(iv.Close); err != nil {
			v.add(p+".close", "%v", err)
			continue
		}
		open, close, err := iv.Minutes()
		if err != nil {
			v.add(p, "%v", err)
			continue
		}
		out = append(out, span{base + open, base + close, p})
	}
	return out
}

// reportOverlaps names each span that starts before an earlier one ends.
// With period > 0 the line is a circle of that length (a week), so
// Sunday night running into Monday morning is checked too.
func reportOverlaps(v *fieldErrors, spans []span, period int) {
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			v.add(spans[i].path, "overlaps %s", spans[i-1].path)
		}
	}
	if period > 0 && len(spans) > 1 {
		last, first := spans[len(spans)-1], spans[0]
		if last.end-period > first.start {
			v.add(last.path, "runs past the end of the week into %s", first.path)
		}
	}
}

func validateWeeklyHours(v *fieldErrors, path string, w *WeeklyHours) {
	var spans []span
	for i, wd := range weekdays {
		p := join(path, wd.name)
		ivs := w.Day(wd.day)
		if ivs == nil {
			v.add(p, "every weekday must be given; an empty list means closed")
			continue
		}
		spans = append(spans, parseIntervals(v, p, ivs, i*24*60)...)
	}
	reportOverlaps(v, spans, 7*24*60)
}

func validateSpecialHours(v *fieldErrors, path string, list []SpecialHours) {
	if len(list) > MaxSpecialHours {
		v.add(path, "at most %d dates", MaxSpecialHours)
		return
	}
	seen := map[string]int{}
	for i, sh := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		if _, err := time.Parse(time.DateOnly, sh.Date); err != nil {
			v.add(p+".date", "%q is not a date in YYYY-MM-DD", sh.Date)
		} else if j, dup := seen[sh.Date]; dup {
			v.add(p+".date", "%s is already given at %s[%d]", sh.Date, path, j)
		} else {
			seen[sh.Date] = i
		}
		switch {
		case sh.Closed && len(sh.Intervals) > 0:
			v.add(p+".intervals", "a closed date has no intervals")
		case !sh.Closed && len(sh.Intervals) == 0:
			v.add(p+".intervals", "give the date's openings, or closed: true to block it")
		}
		if v.text(p+".label", sh.Label) && len(sh.Label) > MaxNameLength {
			v.add(p+".label", "must be at most %d characters", MaxNameLength)
		}
		reportOverlaps(v, parseIntervals(v, p+".intervals", sh.Intervals, 0), 0)
	}
}

// Offers reports whether the store offers pickup by method m.
func (s *Store) Offers(m PickupMethod) bool {
	if s.Type != StoreTypeStore {
		return false
	}
	for _, x := range s.PickupMethods {
		if x == m {
			return true
		}
	}
	return false
}

// zones caches time zones by name: a store's zone is loaded once, not per
// order rendered.
var zones sync.Map

// Zone is the location called name (an IANA zone such as
// America/Chicago), UTC if there is none.
func Zone(name string) *time.Location {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	zones.Store(name, l)
	return l
}

// StoreFilter narrows ListStores.
type StoreFilter struct {
	IDs        []string // only these stores (a scoped key's); nil for all
	ActiveOnly bool
}
