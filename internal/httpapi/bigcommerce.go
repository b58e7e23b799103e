package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/bopis/bopis/internal/readmodel"
	"github.com/danielgtaylor/huma/v2"
)

// The BigCommerce Pickup Options API, so a storefront built for BigCommerce
// can point at bopis unchanged: stores are matched by location_id and SKUs
// by variant_id. Each location offers one pickup method whose id is the
// location_id. The answer has one result for the request's item set; its
// pickup_options list the locations that can supply every item, nearest
// first, at most 10.

// MaxBigCommerceOptions is how many locations one answer lists at most.
const MaxBigCommerceOptions = 10

// bigCommerceOptions answers a BigCommerce-shaped request; loc is where the
// request's fields sit ("body").
func (s *Server) bigCommerceOptions(area wire.BCSearchArea, items []wire.BCItem, names bcNames) (*wire.BCResponse, error) {
	if err := checkoutQuery("body."+names.searchArea+".coordinates", area.Coordinates); err != nil {
		return nil, err
	}
	km, err := radiusKm(area.Radius, "body."+names.searchArea+".radius")
	if err != nil {
		return nil, err
	}
	now := s.now()
	q := readmodel.Query{Coordinates: area.Coordinates, RadiusKm: km, Method: bopis.PickupInStore,
		Days: 7, Limit: MaxBigCommerceOptions, Now: now}
	for _, it := range items {
		sku, ok := s.checkout.SKUByVariant(it.VariantID)
		if !ok {
			sku = fmt.Sprintf("variant:%d", it.VariantID) // unknown: an unavailable line, so no location
		}
		q.Lines = append(q.Lines, readmodel.Line{SKU: sku, Quantity: it.Quantity})
	}
	res := wire.BCResult{PickupOptions: []wire.BCPickupOption{}}
	for _, o := range s.checkout.PickupOptions(q) {
		if o.Store.LocationID == nil {
			continue // BigCommerce can address only stores with a location_id
		}
		loc := *o.Store.LocationID
		opt := wire.BCPickupOption{PickupMethod: wire.BCPickupMethod{ID: loc, LocationID: loc, DisplayName: o.Store.Name,
			CollectionInstructions:    collectionInstructions(o.Store),
			CollectionTimeDescription: readyDescription(now, o.Promise.EarliestReadyAt)}}
		for i, it := range items {
			opt.AvailableItems = append(opt.AvailableItems, wire.BCItem{VariantID: it.VariantID, Quantity: min(it.Quantity, o.Lines[i].Available)})
		}
		res.PickupOptions = append(res.PickupOptions, opt)
	}
	return &wire.BCResponse{Results: []wire.BCResult{res}}, nil
}

// bcNames are the request's field names, which differ between the
// snake_case server API and the camelCase storefront route.
type bcNames struct{ searchArea string }

func collectionInstructions(st bopis.Store) string {
	var b strings.Builder
	b.WriteString("Bring your order number and a photo ID to the pickup counter")
	if st.Address.Line1 != "" {
		fmt.Fprintf(&b, " at %s", st.Address.Line1)
		if st.Address.City != "" {
			fmt.Fprintf(&b, ", %s", st.Address.City)
		}
	}
	b.WriteString(".")
	if st.Offers(bopis.PickupCurbside) {
		b.WriteString(" Curbside pickup: tap \"I'm here\" in your ready email when you park.")
	}
	return b.String()
}

// readyDescription says when an order will be ready in the store's words
// and zone: "Ready today from 3:00 PM", "Ready tomorrow from 10:00 AM",
// "Ready Wednesday, Nov 25 from 9:00 AM".
func readyDescription(now, ready time.Time) string {
	local := now.In(ready.Location())
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	day := time.Date(ready.Year(), ready.Month(), ready.Day(), 0, 0, 0, 0, time.UTC)
	clock := ready.Format("3:04 PM")
	switch int(day.Sub(today).Hours() / 24) {
	case 0:
		return "Ready today from " + clock
	case 1:
		return "Ready tomorrow from " + clock
	}
	return "Ready " + ready.Format("Monday, Jan 2") + " from " + clock
}

func (s *Server) registerBigCommerce() {
	huma.Register(s.api, op("bigcommerce-pickup-options", http.MethodPost, "/v3/pickup/options",
		"BigCommerce Pickup Options API: locations that can supply every item, with the computed ready time", "Checkout",
		bopis.RoleStorefront, bopis.RolePublic),
		func(ctx context.Context, in *struct{ Body wire.BCRequest }) (*struct{ Body *wire.BCResponse }, error) {
			out, err := s.bigCommerceOptions(in.Body.SearchArea, in.Body.Items, bcNames{searchArea: "search_area"})
			if err != nil {
				return nil, err
			}
			return &struct{ Body *wire.BCResponse }{out}, nil
		})
}
