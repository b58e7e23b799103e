package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/danielgtaylor/huma/v2"
)

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
			wire.StoreIDPath
			Days   int    `query:"days" default:"7" minimum:"1" maximum:"31" doc:"Local days of slots, from today."`
			Items  string `query:"items" doc:"The cart as SKU:QTY,SKU:QTY; its largest extra prep counts."`
			Method string `query:"method" default:"in_store" enum:"in_store,curbside"`
		}) (*struct{ Body wire.Calendar }, error) {
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
			out := wire.Calendar{StoreID: sp.Store.ID, TimeZone: sp.Store.TimeZone, Method: in.Method, Now: s.now().In(sp.Location),
				PrepMinutes: sp.PrepMinutes, NoPickupReason: p.NoPickupReason, Slots: slotsOf(p)}
			if !p.EarliestReadyAt.IsZero() {
				out.EarliestReadyAt = &p.EarliestReadyAt
			}
			if !p.HoldUntil.IsZero() {
				out.HoldUntil = &p.HoldUntil
			}
			return &struct{ Body wire.Calendar }{out}, nil
		})
}
