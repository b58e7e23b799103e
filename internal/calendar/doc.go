// Package calendar is the pickup promise engine: from a store's hours it
// computes when an order can be ready, which pickup slots to offer, whether
// a chosen slot is valid and how long a ready order is held.
//
// The package is pure: no I/O, no global state, no clock. The instant
// "now" is always passed in, and every time returned is in the store's
// time zone so it formats as RFC 3339 with the store's offset. Compile a
// store once (Compile) and ask the Schedule many questions; a Schedule is
// immutable and safe for concurrent use.
//
// # Open time
//
// Everything is reckoned in the store's IANA time zone. Each local date
// has openings: its special hours if it has any, else its weekday's regular
// hours. An opening whose close is earlier than its open runs past
// midnight into the next date; "24:00" closes at the next midnight.
// Openings that touch or overlap, on one date or across dates (Monday
// 00:00-24:00 and Tuesday 00:00-24:00, Sunday 22:00-02:00 and Monday
// 00:00-09:00), merge into one continuous open period.
//
// A blocked date (special hours with closed: true) has no open time at all:
// an overnight opening of the previous date is cut at the blocked date's
// midnight, so no promised instant falls on it.
//
// Wall times become instants by the first instant whose wall reading is
// that time or later: an opening or closing in a spring-forward gap happens
// at the end of the gap (the first instant that exists after it), and one
// that a fall-back shows twice happens at its first occurrence. Durations
// (prep, slots) are real elapsed time.
//
// # Ready time
//
// Prep is worked only while the store is open: 60 minutes of prep started
// 20 minutes before a closing finish 40 minutes after the next opening.
// Prep starts when the order is placed, unless the current open period
// ends less than the cutoff after that; it then starts at the next opening.
// Decision: an order placed while the store is closed starts at the next
// opening, and the cutoff skips that opening too if it ends less than the
// cutoff after the order was placed (the contract: an order placed less
// than cutoff before a closing cannot be ready in that opening). The two
// only differ for an opening shorter than the cutoff.
//
// # Slots
//
// Slots are SlotMinutes long and step in real elapsed time from the opening
// instant of each open period; the last slot of a period is cut short at
// the close, so a slot's length is its real duration and, across DST, no
// slot starts at a wall time that does not exist or is listed twice.
// Decision: a period that stays open through a local midnight keeps its
// alignment across that midnight (22:00-02:00 gives 22:00, 23:00, 00:00,
// 01:00), but the grid restarts at every midnight before which the store
// had been open since the previous midnight or earlier (the slot before is
// cut short there). So a store open around the clock has slots aligned to
// each midnight, and the grid never depends on the instant it is asked at.
//
// A slot is offered when it starts at or after prep completion, starts in
// the requested local days (from now's local date, 1 to MaxDays) and has
// room (capacity 0 is unlimited). The earliest ready time is the start of
// the first offered slot, so when slots are full it moves to the next slot
// with room. Bookings are keyed by slot start in Unix seconds.
//
// # Hold
//
// HoldUntil(T) is the closing time of the HoldDays-th open day counting
// from T. Decision: a date's openings are its own intervals (special or
// regular); an overnight opening belongs to the date it opens on, so its
// close the next morning is that date's closing time, and the early hours
// of the next date do not make that date an open day. A date counts when
// one of its openings ends after T (so the ready day counts while the store
// is still open after T, including an overnight opening still running);
// its closing time is the latest end among its openings. Dates with no
// openings (a store closed on Sundays) and blocked dates do not count. The
// scan stops after MaxHoldScanDays; if it found fewer open days than
// HoldDays, the hold ends at the closing of the last one found.
//
// # No pickup
//
// A warehouse or an inactive store, a store with no open time in the
// horizon, an order that cannot be ready in it, and a horizon whose slots
// are all full get no time, only a NoPickupReason. Every loop is bounded by
// MaxDays, MaxHoldScanDays or a fixed count, so a store that is never open
// costs bounded work.
package calendar
