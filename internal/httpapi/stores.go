package httpapi

import (
	"context"
	"net/http"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/danielgtaylor/huma/v2"
)

// StoreBody is a store as a client sends it. Omitted settings take the
// defaults below; the upsert replaces the whole store.
type StoreBody struct {
	ID            string               `json:"id,omitempty" doc:"Optional; must equal the id in the path."`
	Name          string               `json:"name" doc:"1 to 200 characters."`
	Type          bopis.StoreType      `json:"type,omitempty" enum:"store,warehouse" doc:"store (offers pickup, the default) or warehouse (ships only)."`
	LocationID    *int64               `json:"location_id,omitempty" doc:"Optional positive integer, unique; the id the BigCommerce-compatible endpoint uses."`
	Address       bopis.Address        `json:"address,omitempty"`
	Coordinates   bopis.Coordinates    `json:"coordinates"`
	TimeZone      string               `json:"time_zone" doc:"IANA time zone, e.g. America/Chicago."`
	Hours         bopis.WeeklyHours    `json:"hours" doc:"Every weekday; [] is closed. HH:MM, close may be 24:00, a close before the open runs past midnight; no overlaps."`
	SpecialHours  []bopis.SpecialHours `json:"special_hours,omitempty" doc:"Dates whose hours replace the weekday's; closed: true blocks the date."`
	PickupMethods []bopis.PickupMethod `json:"pickup_methods,omitempty" doc:"in_store and/or curbside; at least one for a store."`
	PrepMinutes   *int                 `json:"prep_minutes,omitempty" doc:"0 to 10080, default 60: open time to pick and stage an order."`
	CutoffMinutes *int                 `json:"cutoff_minutes,omitempty" doc:"0 to 1440, default 60: orders placed later than this before a closing start after the next opening."`
	HoldDays      *int                 `json:"hold_days,omitempty" doc:"1 to 30, default 3: open days a ready order waits."`
	SlotMinutes   *int                 `json:"slot_minutes,omitempty" doc:"5 to 1440, default 60: pickup slot length."`
	SlotCapacity  *int                 `json:"slot_capacity,omitempty" doc:"0 to 100000, default 0 (unlimited): orders per slot."`
	Active        *bool                `json:"active,omitempty" doc:"Default true."`
}

// Store defaults for omitted settings.
const (
	DefaultPrepMinutes   = 60
	DefaultCutoffMinutes = 60
	DefaultHoldDays      = 3
	DefaultSlotMinutes   = 60
)

func or[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func (b *StoreBody) store(id string) *bopis.Store {
	t := b.Type
	if t == "" {
		t = bopis.StoreTypeStore
	}
	special := b.SpecialHours
	if special == nil {
		special = []bopis.SpecialHours{}
	}
	methods := b.PickupMethods
	if methods == nil {
		methods = []bopis.PickupMethod{}
	}
	return &bopis.Store{
		ID: id, Name: b.Name, Type: t, LocationID: b.LocationID, Address: b.Address,
		Coordinates: b.Coordinates, TimeZone: b.TimeZone, Hours: b.Hours,
		SpecialHours: special, PickupMethods: methods,
		PrepMinutes:   or(b.PrepMinutes, DefaultPrepMinutes),
		CutoffMinutes: or(b.CutoffMinutes, DefaultCutoffMinutes),
		HoldDays:      or(b.HoldDays, DefaultHoldDays),
		SlotMinutes:   or(b.SlotMinutes, DefaultSlotMinutes),
		SlotCapacity:  or(b.SlotCapacity, 0),
		Active:        or(b.Active, true),
	}
}

type StoreIDPath struct {
	StoreID string `path:"store_id" doc:"Store id: 1 to 64 letters, digits, '.', '_' or '-'."`
}

type storeOutput struct {
	Status int
	Body   *bopis.Store
}

func (s *Server) registerStores() {
	put := op("put-store", http.MethodPut, "/v1/stores/{store_id}", "Create or replace a store", "Stores")
	put.MaxBodyBytes = maxLargeBodyBytes // up to 1,000 special dates
	huma.Register(s.api, put,
		func(ctx context.Context, in *struct {
			StoreIDPath
			Body StoreBody
		}) (*storeOutput, error) {
			if err := checkID("store_id", in.StoreID); err != nil {
				return nil, err
			}
			if in.Body.ID != "" && in.Body.ID != in.StoreID {
				return nil, invalid("body.id", "must equal the store id in the path, "+in.StoreID)
			}
			st := in.Body.store(in.StoreID)
			created, err := s.db.PutStore(ctx, st)
			if err != nil {
				return nil, s.problem(ctx, "body", err)
			}
			status := http.StatusOK
			if created {
				status = http.StatusCreated
			}
			return &storeOutput{Status: status, Body: st}, nil
		})

	huma.Register(s.api, op("get-store", http.MethodGet, "/v1/stores/{store_id}", "Get a store", "Stores",
		bopis.RoleStorefront, bopis.RoleStore, bopis.RolePOS),
		func(ctx context.Context, in *StoreIDPath) (*storeOutput, error) {
			if err := checkID("store_id", in.StoreID); err != nil {
				return nil, err
			}
			st, err := s.db.GetStore(ctx, in.StoreID)
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &storeOutput{Status: http.StatusOK, Body: st}, nil
		})

	huma.Register(s.api, op("list-stores", http.MethodGet, "/v1/stores", "List stores", "Stores",
		bopis.RoleStorefront, bopis.RoleStore, bopis.RolePOS),
		func(ctx context.Context, in *struct {
			Page
			Active bool `query:"active" doc:"Only active stores."`
		}) (*listOutput[bopis.Store], error) {
			f := storage.StoreFilter{ActiveOnly: in.Active}
			if k := keyFrom(ctx); k.Scoped() {
				f.IDs = k.StoreIDs // a store or pos key sees only its stores
			}
			stores, next, err := s.db.ListStores(ctx, f, in.page())
			if err != nil {
				return nil, s.problem(ctx, "query", err)
			}
			return list(stores, next), nil
		})

	huma.Register(s.api, op("deactivate-store", http.MethodDelete, "/v1/stores/{store_id}",
		"Deactivate a store (its open orders stay)", "Stores"),
		func(ctx context.Context, in *StoreIDPath) (*storeOutput, error) {
			if err := checkID("store_id", in.StoreID); err != nil {
				return nil, err
			}
			st, err := s.db.DeactivateStore(ctx, in.StoreID)
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &storeOutput{Status: http.StatusOK, Body: st}, nil
		})
}
