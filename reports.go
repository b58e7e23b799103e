package bopis

import "time"

// ReportBound is one end of a report's range: an instant, or a calendar
// date taken at each store's local midnight. The zero bound is the
// default (see ReportQuery).
type ReportBound struct {
	At   time.Time // an instant, when Date is empty
	Date string    // YYYY-MM-DD
}

func (b ReportBound) zero() bool { return b.Date == "" && b.At.IsZero() }

// ReportQuery asks for a pickup report.
type ReportQuery struct {
	// StoreIDs are the stores to report on (ids of no store are left
	// out); nil: every store (warehouses aside).
	StoreIDs []string
	// From is where the range starts (a date: its local midnight); To is
	// where it ends, exclusive for an instant, and including the whole day
	// for a date. Defaults: To today (local), From 29 days before a To
	// date or 30 days before a To instant: the last 30 days.
	From, To ReportBound
}

// Span is the query's range at a store in loc, now being the clock's time.
func (q ReportQuery) Span(loc *time.Location, now time.Time) (lo, hi time.Time) {
	day := func(date string, plus int) time.Time {
		d, _ := time.Parse(time.DateOnly, date)
		return time.Date(d.Year(), d.Month(), d.Day()+plus, 0, 0, 0, 0, loc)
	}
	to := q.To
	if to.zero() {
		to.Date = now.In(loc).Format(time.DateOnly)
	}
	if to.Date != "" {
		hi = day(to.Date, 1)
	} else {
		hi = to.At
	}
	switch {
	case q.From.Date != "":
		lo = day(q.From.Date, 0)
	case !q.From.At.IsZero():
		lo = q.From.At
	case to.Date != "":
		lo = day(to.Date, -29)
	default:
		lo = hi.AddDate(0, 0, -30)
	}
	return lo, hi
}

// PickupReport is how stores did over a range: per store, per local day
// of the store and in total, and over all the stores (days merged by
// their local date).
type PickupReport struct {
	GeneratedAt time.Time     `json:"generated_at"`
	Stores      []StoreReport `json:"stores"`
	Totals      Figures       `json:"totals" doc:"Every store together."`
	Days        []DayFigures  `json:"days" doc:"Every store together, each store's local days merged by date."`
}

// StoreReport is one store's figures.
type StoreReport struct {
	StoreID  string       `json:"store_id"`
	Name     string       `json:"name"`
	TimeZone string       `json:"time_zone"`
	From     time.Time    `json:"from" doc:"The range at this store, local: from (inclusive)."`
	To       time.Time    `json:"to" doc:"The range at this store, local: to (exclusive)."`
	Totals   Figures      `json:"totals"`
	Days     []DayFigures `json:"days" doc:"Every local day of the range, oldest first, empty ones too."`
}

// DayFigures are one local day's figures.
type DayFigures struct {
	Date string `json:"date" doc:"YYYY-MM-DD, the store's local date."`
	Figures
}

// Figures are the measures of a report; a rate is null when nothing
// counted toward it.
type Figures struct {
	OrdersPlaced  int64            `json:"orders_placed"`
	Ready         ReadyFigures     `json:"ready"`
	CurbsideWait  WaitFigures      `json:"curbside_wait_seconds"`
	NoShow        NoShowFigures    `json:"no_show"`
	Lines         LineFigures      `json:"lines"`
	Cancellations []ReasonCount    `json:"cancellations" doc:"Orders cancelled, by reason, most first."`
	ByStatus      map[string]int64 `json:"by_status" doc:"Orders placed in the range, by their status now."`
}

// ReadyFigures: orders that became ready, and how many on time.
type ReadyFigures struct {
	Orders     int64    `json:"orders"`
	OnTime     int64    `json:"on_time"`
	OnTimeRate *float64 `json:"on_time_rate"`
}

// WaitFigures: curbside arrival to handoff, in seconds.
type WaitFigures struct {
	Count   int64    `json:"count"`
	Average *float64 `json:"average"`
	P50     *float64 `json:"p50"`
	P90     *float64 `json:"p90"`
}

// NoShowFigures: orders collected and orders that expired.
type NoShowFigures struct {
	PickedUp int64    `json:"picked_up"`
	Expired  int64    `json:"expired"`
	Rate     *float64 `json:"rate"`
}

// LineFigures: pickup lines picked, short, and substituted.
type LineFigures struct {
	Picked              int64    `json:"picked"`
	Short               int64    `json:"short"`
	ShortPickRate       *float64 `json:"short_pick_rate"`
	SubstitutesProposed int64    `json:"substitutes_proposed"`
	SubstitutionRate    *float64 `json:"substitution_rate"`
	SubstitutesApproved int64    `json:"substitutes_approved"`
	SubstitutesRejected int64    `json:"substitutes_rejected"`
	ApprovalRate        *float64 `json:"approval_rate"`
}

// ReasonCount is how many orders were cancelled for a reason.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}
