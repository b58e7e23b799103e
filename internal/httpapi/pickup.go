package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/calendar"
	"github.com/bopis/bopis/internal/readmodel"
	"github.com/danielgtaylor/huma/v2"
)

// Checkout is the in-memory read model that answers checkout questions.
type Checkout interface {
	PickupOptions(q readmodel.Query) []readmodel.Option
	SKUByVariant(id int64) (string, bool)
	Calendar(storeID string, skus []string, method bopis.PickupMethod, now time.Time, days int) (readmodel.StorePromise, []int, bool)
}

// Checkout limits.
const (
	DefaultRadiusKm = 50
	MaxRadiusKm     = 1000
	MaxCartLines    = 100
	kmPerMile       = 1.609344
)

// Radius is a distance with its unit, as BigCommerce sends it.
type Radius struct {
	Value float64 `json:"value" doc:"Greater than 0."`
	Unit  string  `json:"unit" enum:"KM,MI"`
}

// km converts the radius, or reports the field at fault under loc.
func (r Radius) km(loc string) (float64, error) {
	km := r.Value
	if r.Unit == "MI" {
		km *= kmPerMile
	}
	if r.Value <= 0 || km > MaxRadiusKm {
		return 0, invalid(loc+".value", fmt.Sprintf("must be above 0 and at most %d km (%.0f mi)", MaxRadiusKm, MaxRadiusKm/kmPerMile))
	}
	return km, nil
}

// CartItem is one line of a cart asked about.
type CartItem struct {
	SKU      string `json:"sku" minLength:"1" maxLength:"64"`
	Quantity int64  `json:"quantity" minimum:"1" maximum:"1000000"`
}

// PickupOptionsBody asks where and when a cart can be picked up.
type PickupOptionsBody struct {
	Coordinates    bopis.Coordinates `json:"coordinates" doc:"The shopper's position."`
	RadiusKm       *float64          `json:"radius_km,omitempty" doc:"Search radius in km, above 0 and at most 1000 (default 50)."`
	Radius         *Radius           `json:"radius,omitempty" doc:"The radius with a unit, instead of radius_km."`
	Items          []CartItem        `json:"items" minItems:"1" maxItems:"100"`
	Method         string            `json:"method,omitempty" enum:"in_store,curbside" doc:"Default in_store."`
	Days           int               `json:"days,omitempty" minimum:"0" maximum:"31" doc:"Days of slots, default 7."`
	Limit          int               `json:"limit,omitempty" minimum:"0" maximum:"50" doc:"Stores at most, default 5."`
	IncludePartial bool              `json:"include_partial,omitempty" doc:"Also stores that can supply only some lines."`
}

// PickupStore is the store part of a pickup option.
type PickupStore struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	LocationID  *int64            `json:"location_id,omitempty"`
	Address     bopis.Address     `json:"address"`
	Coordinates bopis.Coordinates `json:"coordinates"`
	TimeZone    string            `json:"time_zone"`
}

// PickupLine is what a store can do for one line.
type PickupLine struct {
	SKU       string `json:"sku"`
	Quantity  int64  `json:"quantity"`
	Available int64  `json:"available" doc:"Units the store can promise now."`
	Eligible  bool   `json:"eligible" doc:"The SKU may be picked up at this store."`
}

// PickupOption is one store that can take the cart.
type PickupOption struct {
	PickupOptionHead
	Slots Slots `json:"slots"`
}

// PickupOptionHead is a pickup option but its slots (see AppendJSON).
type PickupOptionHead struct {
	Store           PickupStore          `json:"store"`
	DistanceKm      float64              `json:"distance_km"`
	Methods         []bopis.PickupMethod `json:"methods"`
	AllAvailable    bool                 `json:"all_available"`
	Lines           []PickupLine         `json:"lines"`
	EarliestReadyAt time.Time            `json:"earliest_ready_at"`
	HoldUntil       time.Time            `json:"hold_until" doc:"How long an order ready at earliest_ready_at is held."`
}

// PickupOptions is the checkout answer, nearest first.
type PickupOptions struct {
	Options []PickupOption `json:"options"`
}

// AppendJSON appends the answer as JSON: each option's small fields through
// encoding/json, its many slots directly.
func (p *PickupOptions) AppendJSON(b []byte) []byte {
	b = append(b, `{"options":[`...)
	for i := range p.Options {
		if i > 0 {
			b = append(b, ',')
		}
		o := &p.Options[i]
		head, _ := json.Marshal(&o.PickupOptionHead) // no channels or funcs: cannot fail
		b = append(b, head[:len(head)-1]...)
		b = append(b, `,"slots":`...)
		b = o.Slots.AppendJSON(b)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func slotsOf(p calendar.Promise) Slots {
	out := make(Slots, 0, len(p.Slots))
	remaining := make([]int, len(p.Slots)) // one allocation for every slot's count, not one each
	for i, sl := range p.Slots {
		cs := CalendarSlot{Start: sl.Start, End: sl.End, Capacity: sl.Capacity}
		if sl.Capacity > 0 {
			remaining[i] = sl.Remaining
			cs.Remaining = &remaining[i]
		}
		out = append(out, cs)
	}
	return out
}

func optionOut(o readmodel.Option) PickupOption {
	s := o.Store
	out := PickupOption{PickupOptionHead: PickupOptionHead{
		Store: PickupStore{ID: s.ID, Name: s.Name, LocationID: s.LocationID, Address: s.Address,
			Coordinates: s.Coordinates, TimeZone: s.TimeZone},
		DistanceKm: math.Round(o.DistanceKm*100) / 100, Methods: s.PickupMethods, AllAvailable: o.AllAvailable,
		EarliestReadyAt: o.Promise.EarliestReadyAt, HoldUntil: o.Promise.HoldUntil,
	}, Slots: slotsOf(o.Promise)}
	for _, l := range o.Lines {
		out.Lines = append(out.Lines, PickupLine{SKU: l.SKU, Quantity: l.Quantity, Available: l.Available, Eligible: l.Eligible})
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

func (s *Server) pickupOptions(b *PickupOptionsBody) (*PickupOptions, error) {
	if err := checkoutQuery("body.coordinates", b.Coordinates); err != nil {
		return nil, err
	}
	radius := float64(DefaultRadiusKm)
	switch {
	case b.RadiusKm != nil && b.Radius != nil:
		return nil, invalid("body.radius", "give radius_km or radius, not both")
	case b.RadiusKm != nil:
		if *b.RadiusKm <= 0 || *b.RadiusKm > MaxRadiusKm {
			return nil, invalid("body.radius_km", fmt.Sprintf("must be above 0 and at most %d", MaxRadiusKm))
		}
		radius = *b.RadiusKm
	case b.Radius != nil:
		km, err := b.Radius.km("body.radius")
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
	out := &PickupOptions{Options: []PickupOption{}}
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
		func(ctx context.Context, in *struct{ Body PickupOptionsBody }) (*struct{ Body *PickupOptions }, error) {
			out, err := s.pickupOptions(&in.Body)
			if err != nil {
				return nil, err
			}
			return &struct{ Body *PickupOptions }{out}, nil
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
		}) (*struct{ Body *PickupOptions }, error) {
			if err := checkoutQuery("query", bopis.Coordinates{Latitude: in.Latitude, Longitude: in.Longitude}); err != nil {
				return nil, err
			}
			if in.RadiusKm <= 0 || in.RadiusKm > MaxRadiusKm {
				return nil, invalid("query.radius_km", fmt.Sprintf("must be above 0 and at most %d", MaxRadiusKm))
			}
			r := in.RadiusKm
			out, err := s.pickupOptions(&PickupOptionsBody{Coordinates: bopis.Coordinates{Latitude: in.Latitude, Longitude: in.Longitude},
				RadiusKm: &r, Items: []CartItem{{SKU: in.SKU, Quantity: in.Quantity}}, Method: in.Method, Limit: in.Limit, Days: 7})
			if err != nil {
				return nil, err
			}
			return &struct{ Body *PickupOptions }{out}, nil
		})
}
