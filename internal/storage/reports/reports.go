// Package reports measures pickup from the orders and their timelines:
// read-only queries over one snapshot, tallied per store and local day.
package reports

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
)

// Reports is the reports over db.
type Reports struct {
	db *sqldb.DB
}

var _ bopis.ReportService = (*Reports)(nil)

// New is the reports over db.
func New(db *sqldb.DB) *Reports { return &Reports{db: db} }

// tally accumulates one store-day (or a sum of them).
type tally struct {
	placed, ready, onTime, pickedUp, expired int64
	picked, short, subs, approved, rejected  int64
	waits                                    []float64 // seconds
	cancels, byStatus                        map[string]int64
}

func newTally() *tally { return &tally{cancels: map[string]int64{}, byStatus: map[string]int64{}} }

func (t *tally) add(o *tally) {
	t.placed += o.placed
	t.ready += o.ready
	t.onTime += o.onTime
	t.pickedUp += o.pickedUp
	t.expired += o.expired
	t.picked += o.picked
	t.short += o.short
	t.subs += o.subs
	t.approved += o.approved
	t.rejected += o.rejected
	t.waits = append(t.waits, o.waits...)
	for k, v := range o.cancels {
		t.cancels[k] += v
	}
	for k, v := range o.byStatus {
		t.byStatus[k] += v
	}
}

// rate is n/d to 4 decimals, or nil when d is 0.
func rate(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	r := math.Round(float64(n)/float64(d)*1e4) / 1e4
	return &r
}

// percentile is the nearest-rank p-th percentile of sorted values.
func percentile(sorted []float64, p float64) *float64 {
	if len(sorted) == 0 {
		return nil
	}
	v := sorted[int(math.Ceil(p/100*float64(len(sorted))))-1]
	return &v
}

var orderStatuses = []bopis.OrderStatus{bopis.OrderPlaced, bopis.OrderAccepted, bopis.OrderPicking, bopis.OrderReady,
	bopis.OrderPickedUp, bopis.OrderCancelled, bopis.OrderExpired}

func (t *tally) figures() bopis.Figures {
	f := bopis.Figures{OrdersPlaced: t.placed, ByStatus: map[string]int64{}, Cancellations: []bopis.ReasonCount{},
		Ready:  bopis.ReadyFigures{Orders: t.ready, OnTime: t.onTime, OnTimeRate: rate(t.onTime, t.ready)},
		NoShow: bopis.NoShowFigures{PickedUp: t.pickedUp, Expired: t.expired, Rate: rate(t.expired, t.pickedUp+t.expired)},
		Lines: bopis.LineFigures{Picked: t.picked, Short: t.short, ShortPickRate: rate(t.short, t.picked),
			SubstitutesProposed: t.subs, SubstitutionRate: rate(t.subs, t.picked), SubstitutesApproved: t.approved,
			SubstitutesRejected: t.rejected, ApprovalRate: rate(t.approved, t.approved+t.rejected)},
	}
	for _, s := range orderStatuses {
		f.ByStatus[string(s)] = t.byStatus[string(s)]
	}
	for r, n := range t.cancels {
		f.Cancellations = append(f.Cancellations, bopis.ReasonCount{Reason: r, Count: n})
	}
	slices.SortFunc(f.Cancellations, func(a, b bopis.ReasonCount) int {
		if a.Count != b.Count {
			return int(b.Count - a.Count)
		}
		return strings.Compare(a.Reason, b.Reason)
	})
	if n := len(t.waits); n > 0 {
		w := slices.Clone(t.waits)
		slices.Sort(w)
		var sum float64
		for _, v := range w {
			sum += v
		}
		avg := math.Round(sum/float64(n)*10) / 10
		f.CurbsideWait = bopis.WaitFigures{Count: int64(n), Average: &avg, P50: percentile(w, 50), P90: percentile(w, 90)}
	}
	return f
}

// bucketMicros is the 15 minutes rows are grouped by: every time zone's
// offset is a multiple of it, so a bucket lies within one local day.
const bucketMicros = 900_000_000

// reportStore is a store being reported on.
type reportStore struct {
	id, name string
	loc      *time.Location
	lo, hi   time.Time
	days     map[string]*tally
}

// day is the tally of the local day holding bucket b.
func (s *reportStore) day(b int64) *tally {
	d := time.UnixMicro(b * bucketMicros).In(s.loc).Format(time.DateOnly)
	t := s.days[d]
	if t == nil { // outside the series: cannot happen, the range bounds the rows
		t = newTally()
		s.days[d] = t
	}
	return t
}

// PickupReport measures pickup at the query's stores. Every figure is
// counted on the store's local day of the moment it measures: orders
// placed on their placement; ready on the order's first order.ready event
// (on time when at or before promised_ready_at); curbside waits on the
// handoff (arrival to handoff); picked up and expired on that event;
// pickup lines on the order's first pick; cancellations on the
// cancellation, by the reason given; by_status counts the orders placed
// in the range by their status now.
func (r *Reports) PickupReport(ctx context.Context, q bopis.ReportQuery) (*bopis.PickupReport, error) {
	now := r.db.Now()
	stores, err := r.reportStores(ctx, q, now)
	if err != nil {
		return nil, err
	}
	rep := &bopis.PickupReport{GeneratedAt: now.UTC(), Stores: []bopis.StoreReport{}, Days: []bopis.DayFigures{}}
	if len(stores) > 0 {
		if err := r.tallyReport(ctx, stores); err != nil {
			return nil, err
		}
	}
	total, byDate := newTally(), map[string]*tally{}
	for _, s := range stores {
		sr := bopis.StoreReport{StoreID: s.id, Name: s.name, TimeZone: s.loc.String(), From: s.lo, To: s.hi, Days: []bopis.DayFigures{}}
		st := newTally()
		for _, d := range sortedKeys(s.days) {
			t := s.days[d]
			st.add(t)
			if byDate[d] == nil {
				byDate[d] = newTally()
			}
			byDate[d].add(t)
			sr.Days = append(sr.Days, bopis.DayFigures{Date: d, Figures: t.figures()})
		}
		total.add(st)
		sr.Totals = st.figures()
		rep.Stores = append(rep.Stores, sr)
	}
	for _, d := range sortedKeys(byDate) {
		rep.Days = append(rep.Days, bopis.DayFigures{Date: d, Figures: byDate[d].figures()})
	}
	rep.Totals = total.figures()
	return rep, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// reportStores reads the stores asked for with their range and an empty
// tally for every local day of it; ids of no store are left out.
func (r *Reports) reportStores(ctx context.Context, q bopis.ReportQuery, now time.Time) ([]*reportStore, error) {
	all := q.StoreIDs == nil
	rows, err := r.db.Readers().QueryContext(ctx, `SELECT id, name, time_zone FROM stores
		WHERE ($1 AND type = 'store') OR id `+r.db.Dialect().InList("$2")+` ORDER BY id`,
		all, sqldb.JSONList(q.StoreIDs))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*reportStore
	for rows.Next() {
		s := &reportStore{days: map[string]*tally{}}
		var tz string
		if err := rows.Scan(&s.id, &s.name, &tz); err != nil {
			return nil, err
		}
		s.loc = bopis.Zone(tz)
		s.lo, s.hi = q.Span(s.loc, now)
		s.lo, s.hi = s.lo.In(s.loc), s.hi.In(s.loc)
		for d := s.lo; d.Before(s.hi); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, s.loc) {
			s.days[d.Format(time.DateOnly)] = newTally()
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// tallyReport runs the report's queries in one snapshot and tallies
// their rows into the stores' days. Each query joins r, the stores with
// their range (lo inclusive, hi exclusive, unix microseconds), and
// groups by store and 15-minute bucket.
func (r *Reports) tallyReport(ctx context.Context, stores []*reportStore) error {
	byID := map[string]*reportStore{}
	var values []string
	var args []any
	for i, s := range stores {
		byID[s.id] = s
		n := 3 * i
		values = append(values, "($"+strconv.Itoa(n+1)+", CAST($"+strconv.Itoa(n+2)+" AS BIGINT), CAST($"+strconv.Itoa(n+3)+" AS BIGINT))")
		args = append(args, s.id, sqldb.Micros(s.lo), sqldb.Micros(s.hi))
	}
	with := `WITH r (store_id, lo, hi) AS (VALUES ` + strings.Join(values, ", ") + `) `
	// first keeps an order's first event of a type (a ready, a pick).
	const first = ` AND NOT EXISTS (SELECT 1 FROM order_events p WHERE p.order_id = e.order_id AND p.type = e.type AND p.id < e.id)`
	tx, err := r.db.Readers().BeginTx(ctx, r.db.Dialect().SnapshotTx())
	if err != nil {
		return err
	}
	defer tx.Rollback()
	queries := []struct {
		sql  string
		scan func(rows *sql.Rows) error
	}{
		{ // orders placed, by status now
			`SELECT o.store_id, o.created_at / 900000000, o.status, COUNT(*) FROM orders o
			JOIN r ON r.store_id = o.store_id AND o.created_at >= r.lo AND o.created_at < r.hi
			GROUP BY o.store_id, o.created_at / 900000000, o.status`,
			func(rows *sql.Rows) error {
				var id, status string
				var b, n int64
				if err := rows.Scan(&id, &b, &status, &n); err != nil {
					return err
				}
				t := byID[id].day(b)
				t.placed += n
				t.byStatus[status] += n
				return nil
			},
		},
		{ // ready (on time or not), picked up, expired, cancelled (with the order's details for the reason)
			`SELECT o.store_id, e.created_at / 900000000, e.type,
				CASE WHEN e.created_at <= o.promised_ready_at THEN 1 ELSE 0 END,
				CASE WHEN e.type = 'order.cancelled' THEN o.details ELSE '' END, COUNT(*)
			FROM order_events e JOIN orders o ON o.id = e.order_id
			JOIN r ON r.store_id = o.store_id AND e.created_at >= r.lo AND e.created_at < r.hi
			WHERE e.type IN ('order.ready', 'order.picked_up', 'order.expired', 'order.cancelled')` + first + `
			GROUP BY 1, 2, 3, 4, 5`,
			func(rows *sql.Rows) error {
				var id, typ, details string
				var b, onTime, n int64
				if err := rows.Scan(&id, &b, &typ, &onTime, &details, &n); err != nil {
					return err
				}
				t := byID[id].day(b)
				switch typ {
				case "order.ready":
					t.ready += n
					t.onTime += onTime * n
				case "order.picked_up":
					t.pickedUp += n
				case "order.expired":
					t.expired += n
				case "order.cancelled":
					var d struct {
						CancelReason string `json:"cancel_reason"`
					}
					if err := json.Unmarshal([]byte(details), &d); err != nil {
						return err
					}
					reason := strings.TrimSpace(d.CancelReason)
					if reason == "" {
						reason = "unspecified"
					}
					t.cancels[reason] += n
				}
				return nil
			},
		},
		{ // pickup lines with a pick result, on the order's first pick; a
			// substitute's answer is read off its JSON (written by
			// encoding/json: no spaces, status only at the top level)
			`SELECT o.store_id, e.created_at / 900000000, l.status,
				CASE WHEN l.substitute IS NULL THEN ''
					WHEN l.substitute LIKE '%"status":"approved"%' THEN 'approved'
					WHEN l.substitute LIKE '%"status":"rejected"%' THEN 'rejected' ELSE 'proposed' END, COUNT(*)
			FROM order_events e JOIN orders o ON o.id = e.order_id
			JOIN r ON r.store_id = o.store_id AND e.created_at >= r.lo AND e.created_at < r.hi
			JOIN order_lines l ON l.order_id = o.id AND l.fulfillment = 'pickup'
				AND l.status IN ('picked', 'short', 'substitution_proposed', 'substituted', 'rerouted')
			WHERE e.type = 'order.picking'` + first + `
			GROUP BY 1, 2, 3, 4`,
			func(rows *sql.Rows) error {
				var id, status, sub string
				var b, n int64
				if err := rows.Scan(&id, &b, &status, &sub, &n); err != nil {
					return err
				}
				t := byID[id].day(b)
				t.picked += n
				if status == bopis.LineShort || status == bopis.LineRerouted {
					t.short += n
				}
				if sub != "" {
					t.subs += n
				}
				switch sub {
				case "approved":
					t.approved += n
				case "rejected":
					t.rejected += n
				}
				return nil
			},
		},
		{ // curbside waits, arrival to handoff, on the handoff
			`SELECT o.store_id, o.handed_at / 900000000, o.handed_at - o.arrived_at FROM orders o
			JOIN r ON r.store_id = o.store_id AND o.handed_at >= r.lo AND o.handed_at < r.hi
			WHERE o.status = 'picked_up' AND o.arrived_at IS NOT NULL AND o.arrived_at <= o.handed_at`,
			func(rows *sql.Rows) error {
				var id string
				var b, wait int64
				if err := rows.Scan(&id, &b, &wait); err != nil {
					return err
				}
				t := byID[id].day(b)
				t.waits = append(t.waits, float64(wait)/1e6)
				return nil
			},
		},
	}
	for _, q := range queries {
		rows, err := tx.QueryContext(ctx, with+q.sql, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := q.scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
