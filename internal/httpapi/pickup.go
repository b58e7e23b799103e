package httpapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/calendar"
	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/bopis/bopis/internal/readmodel"
	"github.com/danielgtaylor/huma/v2"
)

// Checkout is the in-memory read model that answers checkout questions.
type Checkout interface {
	PickupOptions(q readmodel.Query) []readmodel.Option
	SKUByVariant(id int64) (string, bool)
	// Product names a SKU for the answer of a placed order (issue 41).
	Product(sku string) (name, image string, ok bool)
	Calendar(storeID string, skus []string, method bopis.PickupMethod, now time.Time, days int) (readmodel.StorePromise, []int, bool)
}

// Checkout limits.
const (
	MaxRadiusKm = 1000
	kmPerMile   = 1.609344
)

// radiusKm converts a radius, or reports the field at fault under loc.
func radiusKm(r wire.Radius, loc string) (float64, error) {
	km := r.Value
	if r.Unit == "MI" {
		km *= kmPerMile
	}
	if r.Value <= 0 || km > MaxRadiusKm {
		return 0, invalid(loc+".value", fmt.Sprintf("must be above 0 and at most %d km (%.0f mi)", MaxRadiusKm, MaxRadiusKm/kmPerMile))
	}
	return km, nil
}

func slotsOf(p calendar.Promise) wire.Slots {
	out := make(wire.Slots, 0, len(p.Slots))
	remaining := make([]int, len(p.Slots)) // one allocation for every slot's count, not one each
	for i, sl := range p.Slots {
		cs := wire.CalendarSlot{Start: sl.Start, End: sl.End, Capacity: sl.Capacity}
		if sl.Capacity > 0 {
			remaining[i] = sl.Remaining
			cs.Remaining = &remaining[i]
		}
		out = append(out, cs)
	}
	return out
}

func optionOut(o readmodel.Option) wire.PickupOption {
	s := o.Store
	out := wire.PickupOption{PickupOptionHead: wire.PickupOptionHead{
		Store: wire.PickupStore{ID: s.ID, Name: s.Name, LocationID: s.LocationID, Address: s.Address,
			Coordinates: s.Coordinates, TimeZone: s.TimeZone},
		DistanceKm: math.Round(o.DistanceKm*100) / 100, Methods: s.PickupMethods, AllAvailable: o.AllAvailable,
		EarliestReadyAt: o.Promise.EarliestReadyAt, HoldUntil: o.Promise.HoldUntil,
	}, Slots: slotsOf(o.Promise)}
	for _, l := range o.Lines {
		out.Lines = append(out.Lines, wire.PickupLine{SKU: l.SKU, Quantity: l.Quantity, Available: l.Available, Eligible: l.Eligible})
	}
	return out
}

// checkoutQuery checks the parts every checkout question shares.
func checkoutQuery(loc string, c bopis.Coordinates) error {
	if fs := bopis.ValidateCoordinates(loc, c); len(fs) > 0 {
		details := make([]error, len(fs))
		for i, f := range fs {
			details[i] = &huma.ErrorDetail{Location: f.Path, Message: f.Message}
		}
		return huma.NewError(http.StatusUnprocessableEntity, "request is invalid", details...)
	}
	return nil
}

func (s *Server) pickupOptions(b *wire.PickupOptionsBody) (*wire.PickupOptions, error) {
	if err := checkoutQuery("body.coordinates", b.Coordinates); err != nil {
		return nil, err
	}
	radius := float64(bopis.DefaultRadiusKm)
	switch {
	case b.RadiusKm != nil && b.Radius != nil:
		return nil, invalid("body.radius", "give radius_km or radius, not both")
	case b.RadiusKm != nil:
		if *b.RadiusKm <= 0 || *b.RadiusKm > MaxRadiusKm {
			return nil, invalid("body.radius_km", fmt.Sprintf("must be above 0 and at most %d", MaxRadiusKm))
		}
		radius = *b.RadiusKm
	case b.Radius != nil:
		km, err := radiusKm(*b.Radius, "body.radius")
		if err != nil {
			return nil, err
		}
		radius = km
	}
	q := readmodel.Query{Coordinates: b.Coordinates, RadiusKm: radius, Method: bopis.PickupInStore,
		Days: b.Days, Limit: b.Limit, IncludePartial: b.IncludePartial, Now: s.now()}
	if b.Method != "" {
		q.Method = bopis.PickupMethod(b.Method)
	}
	if q.Days == 0 {
		q.Days = 7
	}
	if q.Limit == 0 {
		q.Limit = 5
	}
	for _, it := range b.Items {
		q.Lines = append(q.Lines, readmodel.Line{SKU: it.SKU, Quantity: it.Quantity})
	}
	out := &wire.PickupOptions{Options: []wire.PickupOption{}}
	for _, o := range s.checkout.PickupOptions(q) {
		out.Options = append(out.Options, optionOut(o))
	}
	return out, nil
}

func (s *Server) registerPickup() {
	checkoutRoles := []bopis.Role{bopis.RoleStorefront, bopis.RolePublic}
	huma.Register(s.api, op("pickup-options", http.MethodPost, "/v1/pickup-options",
		"Where and when a cart can be picked up: the nearest stores with everything, their ready times and slots", "Checkout",
		checkoutRoles...),
		func(ctx context.Context, in *struct{ Body wire.PickupOptionsBody }) (*struct{ Body *wire.PickupOptions }, error) {
			out, err := s.pickupOptions(&in.Body)
			if err != nil {
				return nil, err
			}
			return &struct{ Body *wire.PickupOptions }{out}, nil
		})

	huma.Register(s.api, op("availability", http.MethodGet, "/v1/availability",
		"Product-page availability of one SKU near the shopper", "Checkout", checkoutRoles...),
		func(ctx context.Context, in *struct {
			SKU       string  `query:"sku" required:"true" minLength:"1" maxLength:"64"`
			Latitude  float64 `query:"latitude" required:"true"`
			Longitude float64 `query:"longitude" required:"true"`
			RadiusKm  float64 `query:"radius_km" default:"50" doc:"Above 0, at most 1000."`
			Quantity  int64   `query:"quantity" default:"1" minimum:"1" maximum:"1000000"`
			Method    string  `query:"method" default:"in_store" enum:"in_store,curbside"`
			Limit     int     `query:"limit" default:"5" minimum:"1" maximum:"50"`
		}) (*struct{ Body *wire.PickupOptions }, error) {
			if err := checkoutQuery("query", bopis.Coordinates{Latitude: in.Latitude, Longitude: in.Longitude}); err != nil {
				return nil, err
			}
			if in.RadiusKm <= 0 || in.RadiusKm > MaxRadiusKm {
				return nil, invalid("query.radius_km", fmt.Sprintf("must be above 0 and at most %d", MaxRadiusKm))
			}
			r := in.RadiusKm
			out, err := s.pickupOptions(&wire.PickupOptionsBody{Coordinates: bopis.Coordinates{Latitude: in.Latitude, Longitude: in.Longitude},
				RadiusKm: &r, Items: []wire.CartItem{{SKU: in.SKU, Quantity: in.Quantity}}, Method: in.Method, Limit: in.Limit, Days: 7})
			if err != nil {
				return nil, err
			}
			return &struct{ Body *wire.PickupOptions }{out}, nil
		})
}
