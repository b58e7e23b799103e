package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/danielgtaylor/huma/v2"
)

// orderScope is what the request's key may read: admin everything, a
// store key its stores' orders, a storefront key the orders it placed.
func orderScope(ctx context.Context) bopis.OrderScope {
	k := keyFrom(ctx)
	switch k.Role {
	case bopis.RoleStore:
		return bopis.OrderScope{StoreIDs: k.StoreIDs}
	case bopis.RoleStorefront:
		return bopis.OrderScope{PlacedBy: k.ID}
	}
	return bopis.OrderScope{}
}

// holdOwner is whose holds the key may touch: its own, or any for admin.
func holdOwner(ctx context.Context) string {
	if k := keyFrom(ctx); k.Role != bopis.RoleAdmin {
		return k.ID
	}
	return ""
}

// shortProblem is a 409 shortfall with the stores that have everything.
type shortProblem struct {
	*huma.ErrorModel
	Alternatives []bopis.Alternative `json:"alternatives"`
}

// orderProblem maps a placement's error; a shortfall carries alternatives.
func (s *Server) orderProblem(ctx context.Context, err error) error {
	if errors.Is(err, bopis.ErrKeyReused) {
		return s.problem(ctx, "header", err)
	}
	p := s.problem(ctx, "body", err)
	var short *bopis.ShortError
	if m, ok := p.(*huma.ErrorModel); ok && errors.As(err, &short) {
		return &shortProblem{ErrorModel: m, Alternatives: short.Alternatives}
	}
	return p
}

func (s *Server) registerOrders() {
	place := op("place-order", http.MethodPost, "/v1/orders", "Place an order", "Orders", bopis.RoleStorefront)
	place.DefaultStatus, place.MaxBodyBytes = http.StatusCreated, maxLargeBodyBytes
	place.Description = "Pickup lines are reserved at one store, all or nothing, in the transaction that books the " +
		"slot and writes the order. Without `pickup.store_id` the order is routed to the nearest store (within " +
		"`pickup.radius_km`, default 50) that offers the method, has every pickup line eligible and available and a " +
		"slot with room; stores within 0.5 km of each other count as equally near and the one ready sooner wins, " +
		"then the nearer, then the lower store id. Without `pickup.slot`, the earliest slot with room. Ship lines " +
		"are reserved at the nearest warehouse that has them all, else recorded unreserved for the retailer's OMS. " +
		"The payment is authorized for every line before anything is reserved: a decline is 402 and leaves " +
		"nothing behind. A shortfall is 409 naming each short line with what is available, and `alternatives`. " +
		"Eligibility is checked in the reserving transaction, also at a named store: a SKU not eligible there, " +
		"deactivated or unknown is 409 naming `body.lines[i].sku`; an inactive store 404 and a warehouse 422 naming " +
		"`body.pickup.store_id`. " +
		"`Idempotency-Key` is required: the same key and body answer the first order again (`Idempotent-Replayed: " +
		"true`), another body under the key is 422. Failed attempts are not remembered, so a retry tries again."
	huma.Register(s.api, place, func(ctx context.Context, in *struct {
		wire.IdempotencyHeader
		Body bopis.OrderRequest
	}) (*struct {
		Replayed string `header:"Idempotent-Replayed"`
		Body     *bopis.Order
	}, error) {
		if in.IdempotencyKey == "" {
			return nil, invalid("header.Idempotency-Key", "required: a unique key per order, reused only to retry it")
		}
		body, _ := json.Marshal(in.Body)
		o, again, err := s.orders.Place(ctx, in.Body, keyFrom(ctx).ID, idempotency(ctx, in.IdempotencyHeader, "place-order", body))
		if err != nil {
			return nil, s.orderProblem(ctx, err)
		}
		s.nameLines(o)
		return &struct {
			Replayed string `header:"Idempotent-Replayed"`
			Body     *bopis.Order
		}{replayed(again), o}, nil
	})

	// The contract's change of slot or pickup person comes with the
	// shopper's self-service; until then the route says so rather than
	// answering the router's 405.
	patch := op("change-order", http.MethodPatch, "/v1/orders/{id}", "Change an order's slot or pickup person (not yet served)",
		"Orders", bopis.RoleStorefront)
	patch.Description = "In the contract; not yet served by this version: answers 501."
	patch.Errors = []int{http.StatusNotImplemented}
	huma.Register(s.api, patch, func(ctx context.Context, in *wire.OrderIDPath) (*struct{}, error) {
		return nil, huma.NewError(http.StatusNotImplemented,
			"changing an order's slot or pickup person is not yet served by this version; cancel and place again, or ask the store")
	})

	huma.Register(s.api, op("get-order", http.MethodGet, "/v1/orders/{id}", "An order", "Orders",
		bopis.RoleStorefront, bopis.RoleStore),
		func(ctx context.Context, in *wire.OrderIDPath) (*struct{ Body *bopis.Order }, error) {
			o, err := s.orderReader.GetOrder(ctx, in.ID, orderScope(ctx))
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &struct{ Body *bopis.Order }{o}, nil
		})

	huma.Register(s.api, op("list-orders", http.MethodGet, "/v1/orders", "Orders by promised ready time", "Orders",
		bopis.RoleStorefront, bopis.RoleStore),
		func(ctx context.Context, in *struct {
			StoreID string `query:"store_id" maxLength:"64" doc:"One store; a store key sees only its stores."`
			Status  string `query:"status" enum:"placed,accepted,picking,ready,picked_up,cancelled,expired" doc:"One status; all when absent."`
			Page
		}) (*listOutput[bopis.Order], error) {
			if in.StoreID != "" && !bopis.ValidID(in.StoreID) {
				return nil, invalid("query.store_id", bopis.IDRule)
			}
			if in.StoreID != "" && !keyFrom(ctx).CanReachStore(in.StoreID) {
				return nil, huma.Error403Forbidden("this key does not reach store " + in.StoreID)
			}
			list, next, err := s.orderReader.ListOrders(ctx, bopis.OrderFilter{StoreID: in.StoreID,
				Status: bopis.OrderStatus(in.Status), Scope: orderScope(ctx)}, in.page())
			if err != nil {
				return nil, s.problem(ctx, "query", err)
			}
			return &listOutput[bopis.Order]{Body: List[bopis.Order]{Data: list, NextCursor: next}}, nil
		})

	huma.Register(s.api, op("list-order-events", http.MethodGet, "/v1/orders/{id}/events", "An order's timeline", "Orders",
		bopis.RoleStorefront, bopis.RoleStore),
		func(ctx context.Context, in *wire.OrderIDPath) (*struct{ Body List[bopis.OrderEvent] }, error) {
			evs, err := s.orderReader.OrderEvents(ctx, in.ID, orderScope(ctx))
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &struct{ Body List[bopis.OrderEvent] }{List[bopis.OrderEvent]{Data: evs}}, nil
		})

	hold := op("place-hold", http.MethodPost, "/v1/holds", "Hold stock and a slot while the shopper pays", "Orders",
		bopis.RoleStorefront)
	hold.DefaultStatus, hold.MaxBodyBytes = http.StatusCreated, maxLargeBodyBytes
	hold.Description = "Reserves the pickup lines and books a slot, routed as an order is, for `ttl_seconds` (default " +
		"600, at most 3600). `POST /v1/orders` with `hold_id` and the same pickup lines converts it; when it " +
		"expires, or on `DELETE`, the stock and the slot are released, whether or not any request comes."
	huma.Register(s.api, hold, func(ctx context.Context, in *struct{ Body bopis.HoldRequest }) (*struct{ Body *bopis.Hold }, error) {
		h, err := s.orders.Hold(ctx, in.Body, keyFrom(ctx).ID)
		if err != nil {
			return nil, s.orderProblem(ctx, err)
		}
		return &struct{ Body *bopis.Hold }{h}, nil
	})

	huma.Register(s.api, op("get-hold", http.MethodGet, "/v1/holds/{id}", "A checkout hold", "Orders", bopis.RoleStorefront),
		func(ctx context.Context, in *wire.OrderIDPath) (*struct{ Body *bopis.Hold }, error) {
			h, err := s.orderReader.GetHold(ctx, in.ID, holdOwner(ctx))
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &struct{ Body *bopis.Hold }{h}, nil
		})

	huma.Register(s.api, op("release-hold", http.MethodDelete, "/v1/holds/{id}", "Release a checkout hold early", "Orders",
		bopis.RoleStorefront),
		func(ctx context.Context, in *wire.OrderIDPath) (*struct{ Body *bopis.Hold }, error) {
			h, err := s.orderReader.ReleaseHold(ctx, in.ID, holdOwner(ctx))
			if err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			return &struct{ Body *bopis.Hold }{h}, nil
		})
}

// orderOutput is an order answered by a store or customer action.
type orderOutput struct{ Body *bopis.Order }

// registerStoreWork registers the store's and the customer's actions on
// an order. Each answers the order as it stands after; repeating an
// action that already happened answers the same order, and an action the
// order's status does not allow is 409.
func (s *Server) registerStoreWork() {
	action := func(id, path, summary, desc string, roles ...bopis.Role) huma.Operation {
		o := op(id, http.MethodPost, "/v1/orders/{id}/"+path, summary, "Store work", roles...)
		o.Description = desc
		return o
	}
	answer := func(ctx context.Context, o *bopis.Order, err error) (*orderOutput, error) {
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &orderOutput{o}, nil
	}

	huma.Register(s.api, action("accept-order", "accept", "Accept an order", "The store takes the order: placed → accepted.",
		bopis.RoleStore), func(ctx context.Context, in *wire.OrderIDPath) (*orderOutput, error) {
		o, err := s.orders.Accept(ctx, in.ID, orderScope(ctx))
		return answer(ctx, o, err)
	})

	huma.Register(s.api, action("pick-order", "pick", "Report what was picked",
		"A result per line: `picked_quantity` (less than the line's quantity is a short pick: the store's on_hand "+
			"is corrected down by the shortfall, ledger cause `short_pick`, and its reservation released), and for a "+
			"short line an optional `substitute` {sku, quantity, unit_price (default: the line's)} costing at most what "+
			"it replaces: it is reserved now and waits for the customer's approve or reject (no answer in time counts "+
			"as reject). Under the reroute policy, short lines without a substitute go to the nearest store that has "+
			"them as a linked order with its own pickup code. accepted → picking; may be repeated while picking.",
		bopis.RoleStore), func(ctx context.Context, in *struct {
		wire.OrderIDPath
		Body bopis.PickRequest
	}) (*orderOutput, error) {
		o, err := s.orders.Pick(ctx, in.ID, orderScope(ctx), in.Body)
		return answer(ctx, o, err)
	})

	for _, a := range []struct {
		verb    string
		approve bool
	}{{"approve", true}, {"reject", false}} {
		huma.Register(s.api, action(a.verb+"-substitute", "substitutions/{line_id}/"+a.verb, "Customer: "+a.verb+" a substitute",
			"The customer's answer to a substitute the store proposed for a short line. Approved, it is handed over and "+
				"paid for at its price; rejected, it is released and the line stays short.",
			bopis.RoleStorefront), func(ctx context.Context, in *struct {
			wire.OrderIDPath
			LineID string `path:"line_id" maxLength:"20" doc:"The order line the substitute is for."`
		}) (*orderOutput, error) {
			o, err := s.orders.Answer(ctx, in.ID, orderScope(ctx), in.LineID, a.approve)
			return answer(ctx, o, err)
		})
	}

	huma.Register(s.api, action("ready-order", "ready", "Mark an order ready for pickup",
		"Every pickup line must be resolved (picked, short, substitute answered). Records where the order is staged "+
			"and sets `hold_until` from the store's calendar (its hold_days open days). picking → ready; the customer "+
			"is told (order.ready).",
		bopis.RoleStore), func(ctx context.Context, in *struct {
		wire.OrderIDPath
		Body struct {
			StagingLocation string `json:"staging_location,omitempty" doc:"Where the order waits, e.g. shelf B3."`
		}
	}) (*orderOutput, error) {
		o, err := s.orders.Ready(ctx, in.ID, orderScope(ctx), in.Body.StagingLocation)
		return answer(ctx, o, err)
	})

	huma.Register(s.api, action("arrive", "arrival", "Customer: I'm here (curbside)",
		"Records `arrived_at`, the parking spot and the vehicle, and raises order.arrived for the store; the status "+
			"stays. Repeating it updates the spot and vehicle.",
		bopis.RoleStorefront, bopis.RoleStore), func(ctx context.Context, in *struct {
		wire.OrderIDPath
		Body bopis.Arrival
	}) (*orderOutput, error) {
		o, err := s.orders.Arrive(ctx, in.ID, orderScope(ctx), in.Body)
		return answer(ctx, o, err)
	})

	huma.Register(s.api, action("handoff-order", "handoff", "Hand an order over",
		"Against the order's 6-digit pickup code: a wrong code is 422; 5 wrong in a row lock the handoff for 15 "+
			"minutes (429 with Retry-After) and open a `handoff_locked` alert. In one transaction, what was picked "+
			"leaves on_hand and reserved, anything else held is released, and the order is picked_up; the payment is "+
			"then captured for exactly what was handed over (the rest of the authorization released). ready → "+
			"picked_up.",
		bopis.RoleStore), func(ctx context.Context, in *struct {
		wire.OrderIDPath
		Body struct {
			PickupCode string `json:"pickup_code,omitempty" maxLength:"20" doc:"The code the customer shows."`
		}
	}) (*orderOutput, error) {
		o, err := s.orders.Handoff(ctx, in.ID, orderScope(ctx), in.Body.PickupCode)
		return answer(ctx, o, err)
	})

	ship := action("ship-to-home", "ship-to-home", "Customer: ship a cancelled or expired order instead",
		"Turns the order's pickup lines into a new ship order reserved at the nearest warehouse that has them all, "+
			"paid by a new authorization with the order's payment method. 201 with the new order; asking again "+
			"answers the same order (200).", bopis.RoleStorefront)
	ship.DefaultStatus = http.StatusCreated
	huma.Register(s.api, ship, func(ctx context.Context, in *struct {
		wire.OrderIDPath
		Body struct {
			ShippingAddress bopis.ShippingAddress `json:"shipping_address"`
		}
	}) (*struct {
		Status int
		Body   *bopis.Order
	}, error) {
		o, made, err := s.orders.ShipToHome(ctx, in.ID, orderScope(ctx), in.Body.ShippingAddress)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		status := http.StatusCreated
		if !made {
			status = http.StatusOK
		}
		return &struct {
			Status int
			Body   *bopis.Order
		}{status, o}, nil
	})

	huma.Register(s.api, op("list-uncaptured", http.MethodGet, "/v1/payments/uncaptured",
		"Authorizations neither captured nor voided", "Orders"), func(ctx context.Context, in *struct {
		OlderThanHours float64 `query:"older_than_hours" minimum:"0" maximum:"8760" doc:"Only orders placed at least this long ago."`
	}) (*struct{ Body List[bopis.Uncaptured] }, error) {
		list, err := s.orderReader.UncapturedPayments(ctx, time.Duration(in.OlderThanHours*float64(time.Hour)))
		if err != nil {
			return nil, s.problem(ctx, "query", err)
		}
		return &struct{ Body List[bopis.Uncaptured] }{List[bopis.Uncaptured]{Data: list}}, nil
	})

	huma.Register(s.api, action("cancel-order", "cancel", "Cancel an order",
		"From any open status: everything held is released, the slot given back, linked orders cancelled too, and "+
			"the authorization voided (a payment captured at placement shows `refund_due`).",
		bopis.RoleStore, bopis.RoleStorefront), func(ctx context.Context, in *struct {
		wire.OrderIDPath
		Body struct {
			Reason string `json:"reason,omitempty" doc:"Why, e.g. customer request, out of stock."`
		}
	}) (*orderOutput, error) {
		o, err := s.orders.Cancel(ctx, in.ID, orderScope(ctx), in.Body.Reason)
		return answer(ctx, o, err)
	})
}

// nameLines gives the lines of an order placed just now (or replayed)
// their products' names and pictures from the read model, as a read of
// the order gives them from the database: placing writes no name.
func (s *Server) nameLines(o *bopis.Order) {
	if s.checkout == nil || o == nil {
		return
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		if l.Name != "" {
			continue
		}
		if name, image, ok := s.checkout.Product(l.SKU); ok {
			l.Name, l.ImageURL = name, image
		}
	}
}
