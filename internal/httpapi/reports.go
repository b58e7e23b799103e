package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/bopis/bopis"
	"github.com/danielgtaylor/huma/v2"
)

// maxReportSpan is the longest range a report covers.
const maxReportSpan = 366 * 24 * time.Hour

// reportBound parses a report's from or to: an RFC 3339 instant or a
// YYYY-MM-DD date; "" is the default.
func reportBound(field, v string) (bopis.ReportBound, error) {
	if v == "" {
		return bopis.ReportBound{}, nil
	}
	if _, err := time.Parse(time.DateOnly, v); err == nil {
		return bopis.ReportBound{Date: v}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return bopis.ReportBound{}, invalid("query."+field, "must be a date (2026-11-23) or an RFC 3339 time (2026-11-23T15:04:05-06:00)")
	}
	return bopis.ReportBound{At: t}, nil
}

func (s *Server) registerReports() {
	o := op("get-pickup-report", http.MethodGet, "/v1/reports/pickup", "Pickup performance per store and day", "Reports",
		bopis.RoleStore)
	o.Description = "Figures per store, per local day of the store (every day of the range, empty ones too) and in " +
		"total, and over all the stores (`totals`, and `days` merged by local date). A store key reports on its stores " +
		"(without `store_id`, all of them); an admin key on any store (without `store_id`, every store but warehouses).\n\n" +
		"Range: `from` and `to` are RFC 3339 instants or YYYY-MM-DD dates; a date is the store's local day (`from` " +
		"starts at its midnight, `to` includes the whole day), an instant `to` is exclusive. Default: the last 30 days " +
		"(29 days before `to` through `to`, which defaults to today). `to` may be at most 366 days after `from`.\n\n" +
		"Each figure counts on the local day of the moment it measures:\n" +
		"- `orders_placed`: orders placed (linked orders of a reroute included).\n" +
		"- `ready`: orders whose first `order.ready` event falls in the day; `on_time` when it is at or before the " +
		"order's `promised_ready_at`; `on_time_rate` = on_time / orders.\n" +
		"- `curbside_wait_seconds`: for orders handed over that day after an arrival, handoff minus arrival: " +
		"`count`, `average` (to 0.1 s), and nearest-rank `p50` and `p90`.\n" +
		"- `no_show`: `picked_up` and `expired` orders by the day of that event; `rate` = expired / (picked_up + expired).\n" +
		"- `lines`: pickup lines with a pick result (picked, short, substitution_proposed, substituted, rerouted), " +
		"on the day of the order's first pick. `short_pick_rate` = lines short or rerouted / lines picked (a line " +
		"whose substitute was rejected is short; an approved one is substituted). `substitution_rate` = lines with a " +
		"substitute proposed / lines picked; `approval_rate` = substitutes approved / substitutes answered (approved " +
		"+ rejected, no answer in time being a rejection).\n" +
		"- `cancellations`: orders cancelled that day, by the reason given, most first.\n" +
		"- `by_status`: the orders placed that day (or in the range, in totals) by their status now.\n\n" +
		"Rates are to 4 decimals, and null when nothing counts toward them."
	huma.Register(s.api, o, func(ctx context.Context, in *struct {
		StoreID string `query:"store_id" maxLength:"64" doc:"One store; all the key reaches when absent."`
		From    string `query:"from" doc:"Start: a date (its local midnight) or an RFC 3339 time. Default: 29 days before to."`
		To      string `query:"to" doc:"End: a date (included) or an RFC 3339 time (excluded). Default: today."`
	}) (*struct{ Body *bopis.PickupReport }, error) {
		q := bopis.ReportQuery{}
		var err error
		if q.From, err = reportBound("from", in.From); err != nil {
			return nil, err
		}
		if q.To, err = reportBound("to", in.To); err != nil {
			return nil, err
		}
		// The limits are checked in UTC; each store's local range differs by its offset only.
		lo, hi := q.Span(time.UTC, s.now())
		last := hi
		if q.To.Date != "" {
			last = hi.Add(-24 * time.Hour) // the date given, not the day after it
		}
		field := "query.to"
		if in.To == "" {
			field = "query.from"
		}
		switch {
		case !hi.After(lo):
			return nil, invalid(field, "the range must end after it starts")
		case last.Sub(lo) > maxReportSpan:
			return nil, invalid(field, "to may be at most 366 days after from")
		}
		k := keyFrom(ctx)
		switch {
		case in.StoreID != "" && !bopis.ValidID(in.StoreID):
			return nil, invalid("query.store_id", bopis.IDRule)
		case in.StoreID != "" && !k.CanReachStore(in.StoreID):
			return nil, huma.Error403Forbidden("this key does not reach store " + in.StoreID)
		case in.StoreID != "":
			if _, err := s.db.GetStore(ctx, in.StoreID); err != nil {
				return nil, s.problem(ctx, "query", err)
			}
			q.StoreIDs = []string{in.StoreID}
		case k.Scoped():
			q.StoreIDs = append([]string{}, k.StoreIDs...)
		}
		rep, err := s.db.PickupReport(ctx, q)
		if err != nil {
			return nil, s.problem(ctx, "query", err)
		}
		return &struct{ Body *bopis.PickupReport }{rep}, nil
	})
}
