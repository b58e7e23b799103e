package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bopis/bopis"
	"github.com/danielgtaylor/huma/v2"
)

// CalendarSlot is a pickup slot offered now.
type CalendarSlot struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Capacity  int       `json:"capacity" doc:"Orders the slot takes; 0 is unlimited."`
	Remaining *int      `json:"remaining,omitempty" doc:"Orders it can still take; absent when unlimited."`
}

// Slots are pickup slots in the order offered. Checkout answers carry
// hundreds of them, so they encode themselves: the same JSON as the
// struct tags say, without reflection per slot.
type Slots []CalendarSlot

// MarshalJSON encodes the slots as a JSON array.
func (ss Slots) MarshalJSON() ([]byte, error) {
	return ss.AppendJSON(make([]byte, 0, 2+len(ss)*96)), nil
}

// AppendJSON appends the slots as a JSON array to b.
func (ss Slots) AppendJSON(b []byte) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"start":"`...)
		b = appendTime(b, s.Start)
		b = append(b, `","end":"`...)
		b = appendTime(b, s.End)
		b = append(b, `","capacity":`...)
		b = strconv.AppendInt(b, int64(s.Capacity), 10)
		if s.Remaining != nil {
			b = append(b, `,"remaining":`...)
			b = strconv.AppendInt(b, int64(*s.Remaining), 10)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendTime appends t as t.AppendFormat(b, time.RFC3339Nano) does. Slot
// times fall on whole seconds, and for those it writes the digits itself:
// AppendFormat reads its layout anew on every call, which was a tenth of
// the CPU of a mixed load whose checkout answers carry ~1,700 slot times.
func appendTime(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	if t.Nanosecond() != 0 || year < 0 || year > 9999 {
		return t.AppendFormat(b, time.RFC3339Nano)
	}
	hour, minute, sec := t.Clock()
	_, offset := t.Zone()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	if offset == 0 {
		return append(b, 'Z')
	}
	sign := byte('+')
	if offset < 0 {
		sign, offset = '-', -offset
	}
	b = append(b, sign)
	b = appendDigits(b, offset/3600, 2)
	b = append(b, ':')
	return appendDigits(b, offset/60%60, 2)
}

// appendDigits appends n (0 <= n < 10^width) with leading zeros.
func appendDigits(b []byte, n, width int) []byte {
	var d [4]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[:width]...)
}

// Calendar is what the promise engine promises at a store now.
type Calendar struct {
	StoreID         string     `json:"store_id"`
	TimeZone        string     `json:"time_zone"`
	Method          string     `json:"method"`
	Now             time.Time  `json:"now" doc:"The instant the answer is for, in the store's zone."`
	PrepMinutes     int        `json:"prep_minutes" doc:"The store's prep plus the largest extra prep of the items."`
	EarliestReadyAt *time.Time `json:"earliest_ready_at,omitempty" doc:"Start of the first slot with room after prep; absent when there is no pickup."`
	Slots           Slots      `json:"slots"`
	HoldUntil       *time.Time `json:"hold_until,omitempty" doc:"How long an order ready at earliest_ready_at is held."`
	NoPickupReason  string     `json:"no_pickup_reason,omitempty"`
}

// Calendar query limits.
const (
	maxCalendarItems = 100
	maxItemQuantity  = 1_000_000
)

type cartItem struct {
	sku string
	qty int
}

// parseItems reads "SKU:QTY,SKU:QTY" (QTY defaults to 1).
func parseItems(s string) ([]cartItem, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > maxCalendarItems {
		return nil, invalid("query.items", fmt.Sprintf("at most %d items", maxCalendarItems))
	}
	items := make([]cartItem, 0, len(parts))
	for i, p := range parts {
		sku, q, hasQty := strings.Cut(p, ":")
		loc := fmt.Sprintf("query.items[%d]", i)
		if !bopis.ValidID(sku) {
			return nil, invalid(loc, "give SKU:QUANTITY; the SKU "+bopis.IDRule)
		}
		qty := 1
		if hasQty {
			n, err := strconv.Atoi(q)
			if err != nil || n < 1 || n > maxItemQuantity {
				return nil, invalid(loc, fmt.Sprintf("quantity must be a whole number from 1 to %d", maxItemQuantity))
			}
			qty = n
		}
		items = append(items, cartItem{sku, qty})
	}
	return items, nil
}

func (s *Server) registerCalendar() {
	huma.Register(s.api, op("get-store-calendar", http.MethodGet, "/v1/stores/{store_id}/calendar",
		"What the promise engine promises at a store now: earliest ready time, pickup slots, hold", "Stores",
		bopis.RoleStorefront, bopis.RoleStore, bopis.RolePOS, bopis.RolePublic),
		func(ctx context.Context, in *struct {
			StoreIDPath
			Days   int    `query:"days" default:"7" minimum:"1" maximum:"31" doc:"Local days of slots, from today."`
			Items  string `query:"items" doc:"The cart as SKU:QTY,SKU:QTY; its largest extra prep counts."`
			Method string `query:"method" default:"in_store" enum:"in_store,curbside"`
		}) (*struct{ Body Calendar }, error) {
			if err := checkID("store_id", in.StoreID); err != nil {
				return nil, err
			}
			items, err := parseItems(in.Items)
			if err != nil {
				return nil, err
			}
			skus := make([]string, len(items))
			for i, it := range items {
				skus[i] = it.sku
			}
			sp, unknown, found := s.checkout.Calendar(in.StoreID, skus, bopis.PickupMethod(in.Method), s.now(), in.Days)
			if !found {
				return nil, s.problem(ctx, "path", bopis.Errorf(bopis.ENOTFOUND, "store %q not found", in.StoreID))
			}
			if len(unknown) > 0 {
				return nil, invalid(fmt.Sprintf("query.items[%d]", unknown[0]), "no SKU "+skus[unknown[0]])
			}
			p := sp.Promise
			out := Calendar{StoreID: sp.Store.ID, TimeZone: sp.Store.TimeZone, Method: in.Method, Now: s.now().In(sp.Location),
				PrepMinutes: sp.PrepMinutes, NoPickupReason: p.NoPickupReason, Slots: slotsOf(p)}
			if !p.EarliestReadyAt.IsZero() {
				out.EarliestReadyAt = &p.EarliestReadyAt
			}
			if !p.HoldUntil.IsZero() {
				out.HoldUntil = &p.HoldUntil
			}
			return &struct{ Body Calendar }{out}, nil
		})
}
