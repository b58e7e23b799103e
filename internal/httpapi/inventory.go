package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/httpapi/wire"
	"github.com/danielgtaylor/huma/v2"
)

// Body size limits of the inventory writes: a full batch of events with
// long ids and reasons is about 3 MB, a count of 200,000 SKUs about 8 MB.
const (
	maxEventsBodyBytes = 8 << 20
	maxCountBodyBytes  = 16 << 20
	maxCountLevels     = 200_000
)

// idempotency scopes the client's key to its API key and the operation,
// and hashes what identifies the request.
func idempotency(ctx context.Context, h wire.IdempotencyHeader, op string, request ...[]byte) *bopis.Idempotency {
	if h.IdempotencyKey == "" {
		return nil
	}
	return &bopis.Idempotency{Scope: keyFrom(ctx).ID + " " + op, Key: h.IdempotencyKey, Hash: bopis.IdempotencyHash(request...)}
}

// writeProblem maps a write's error; a reused Idempotency-Key names the header.
func (s *Server) writeProblem(ctx context.Context, err error) error {
	if errors.Is(err, bopis.ErrKeyReused) {
		return s.problem(ctx, "header", err)
	}
	return s.problem(ctx, "body", err)
}

// replayed is the Idempotent-Replayed header of an answer repeated from
// an earlier request with the same Idempotency-Key.
func replayed(r bool) string {
	if r {
		return "true"
	}
	return ""
}

func (s *Server) registerInventory() {
	huma.Register(s.api, op("get-store-inventory", http.MethodGet, "/v1/stores/{store_id}/inventory",
		"A store's stock levels", "Inventory", bopis.RoleStorefront, bopis.RoleStore, bopis.RolePOS),
		func(ctx context.Context, in *struct {
			wire.StoreIDPath
			SKUs []string `query:"sku,explode=false" maxItems:"500" doc:"Comma-separated SKUs; all when absent."`
		}) (*struct{ Body List[bopis.Level] }, error) {
			if err := checkID("store_id", in.StoreID); err != nil {
				return nil, err
			}
			for _, sku := range in.SKUs {
				if !bopis.ValidID(sku) {
					return nil, invalid("query.sku", bopis.IDRule)
				}
			}
			if _, err := s.db.GetStore(ctx, in.StoreID); err != nil {
				return nil, s.problem(ctx, "path", err)
			}
			levels, err := s.db.Levels(ctx, in.StoreID, in.SKUs)
			if err != nil {
				return nil, s.problem(ctx, "query", err)
			}
			return &struct{ Body List[bopis.Level] }{List[bopis.Level]{Data: levels}}, nil
		})

	events := op("post-inventory-events", http.MethodPost, "/v1/inventory/events",
		"Apply a batch of POS events (snapshots and deltas)", "Inventory", bopis.RolePOS)
	events.Description = "Each event is answered on its own, in the request's order: `applied`, `duplicate` (its id was seen " +
		"before at its store; nothing changes), `stale` (older than the latest snapshot or count of that store and SKU, " +
		"which already includes it) or `rejected` with `error`. One bad event never rejects the others. A pos key " +
		"may feed only its stores. More than 5,000 events is 413."
	events.MaxBodyBytes = maxEventsBodyBytes
	events.SkipValidateBody = true // each event is checked on its own, so one bad event cannot fail the batch
	huma.Register(s.api, events, func(ctx context.Context, in *struct {
		wire.IdempotencyHeader
		Body wire.EventsBody
	}) (*struct {
		Replayed string `header:"Idempotent-Replayed"`
		Body     wire.EventsAnswer
	}, error) {
		n := len(in.Body.Events)
		switch {
		case n == 0:
			return nil, invalid("body.events", "send 1 to 5,000 events")
		case n > bopis.MaxEventBatch:
			return nil, huma.NewError(http.StatusRequestEntityTooLarge, fmt.Sprintf("%d events is more than a batch holds", n),
				&huma.ErrorDetail{Location: "body.events", Message: fmt.Sprintf("at most %d events a batch; split it", bopis.MaxEventBatch)})
		}
		evs := make([]bopis.InventoryEvent, n)
		for i := range in.Body.Events {
			evs[i] = in.Body.Events[i].Event()
		}
		var opt bopis.BatchOptions
		if in.IdempotencyKey != "" { // only a keyed batch is hashed (compacting 5,000 events is 2% of a feed's CPU)
			opt.Idempotency = idempotency(ctx, in.IdempotencyHeader, "inventory-events", in.Body.Raws()...)
		}
		if k := keyFrom(ctx); k.Scoped() {
			opt.CanReach = k.CanReachStore
		}
		results, again, err := s.db.ApplyInventoryEvents(ctx, evs, opt)
		if err != nil {
			return nil, s.writeProblem(ctx, err)
		}
		return &struct {
			Replayed string `header:"Idempotent-Replayed"`
			Body     wire.EventsAnswer
		}{replayed(again), wire.EventsAnswer{Results: results}}, nil
	})

	count := op("put-store-inventory", http.MethodPut, "/v1/stores/{store_id}/inventory",
		"Apply a whole-store count", "Inventory", bopis.RolePOS, bopis.RoleStore)
	count.Description = "Listed SKUs take their counted on_hand, SKUs left out go to zero; reserved is untouched and only " +
		"levels that change are written (and reach the ledger). The count is a snapshot of every SKU as of `as_of`: " +
		"later POS events older than it are stale, changes after it already applied are kept. A count older than " +
		"the store's last count changes nothing (`stale: true`)."
	count.MaxBodyBytes = maxCountBodyBytes
	huma.Register(s.api, count, func(ctx context.Context, in *struct {
		wire.StoreIDPath
		Body wire.CountBody
	}) (*struct{ Body wire.CountAnswer }, error) {
		if err := checkID("store_id", in.StoreID); err != nil {
			return nil, err
		}
		res, err := s.db.CountStore(ctx, in.StoreID, in.Body.AsOf, in.Body.Levels)
		if bopis.ErrorCode(err) == bopis.ENOTFOUND {
			return nil, s.problem(ctx, "path", err)
		}
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &struct{ Body wire.CountAnswer }{wire.CountAnswer{StoreID: in.StoreID, AsOf: in.Body.AsOf, CountResult: res}}, nil
	})

	adjust := op("post-inventory-adjustment", http.MethodPost, "/v1/stores/{store_id}/inventory/adjustments",
		"Correct a store's on-hand of a SKU by hand", "Inventory", bopis.RoleStore)
	adjust.DefaultStatus = http.StatusCreated
	huma.Register(s.api, adjust, func(ctx context.Context, in *struct {
		wire.StoreIDPath
		wire.IdempotencyHeader
		Body wire.AdjustmentBody
	}) (*struct {
		Replayed string `header:"Idempotent-Replayed"`
		Body     *bopis.AdjustmentResult
	}, error) {
		if err := checkID("store_id", in.StoreID); err != nil {
			return nil, err
		}
		body, _ := json.Marshal(in.Body)
		idem := idempotency(ctx, in.IdempotencyHeader, "inventory-adjustment", []byte(in.StoreID), body)
		a := bopis.Adjustment{SKU: in.Body.SKU, Delta: in.Body.Delta, Reason: in.Body.Reason, Reference: in.Body.Reference}
		res, again, err := s.db.Adjust(ctx, in.StoreID, a, idem)
		if bopis.ErrorCode(err) == bopis.ENOTFOUND {
			return nil, s.problem(ctx, "path", err)
		}
		if err != nil {
			return nil, s.writeProblem(ctx, err)
		}
		return &struct {
			Replayed string `header:"Idempotent-Replayed"`
			Body     *bopis.AdjustmentResult
		}{replayed(again), res}, nil
	})

	huma.Register(s.api, op("get-inventory-ledger", http.MethodGet, "/v1/inventory/ledger",
		"Every change to a store's stock, oldest first", "Inventory", bopis.RoleStore, bopis.RolePOS),
		func(ctx context.Context, in *struct {
			StoreID string `query:"store_id" required:"true" doc:"The store (required)."`
			SKU     string `query:"sku" doc:"One SKU; all when absent."`
			Page
		}) (*listOutput[bopis.LedgerEntry], error) {
			if !bopis.ValidID(in.StoreID) {
				return nil, invalid("query.store_id", bopis.IDRule)
			}
			if in.SKU != "" && !bopis.ValidID(in.SKU) {
				return nil, invalid("query.sku", bopis.IDRule)
			}
			if !keyFrom(ctx).CanReachStore(in.StoreID) {
				return nil, huma.Error403Forbidden("this key does not reach store " + in.StoreID)
			}
			if _, err := s.db.GetStore(ctx, in.StoreID); err != nil {
				return nil, s.problem(ctx, "query", err)
			}
			entries, next, err := s.db.Ledger(ctx, in.StoreID, in.SKU, in.page())
			if err != nil {
				return nil, s.problem(ctx, "query", err)
			}
			return list(entries, next), nil
		})

	huma.Register(s.api, op("list-alerts", http.MethodGet, "/v1/alerts", "Open alerts, oldest first", "Inventory",
		bopis.RoleStore),
		func(ctx context.Context, in *struct {
			Type    string `query:"type" enum:"low_stock,stale_feed,handoff_locked,late_order,authorization_expiring" doc:"One type; all when absent."`
			StoreID string `query:"store_id" doc:"One store; a store key sees only its stores."`
			Page
		}) (*listOutput[bopis.Alert], error) {
			f := bopis.AlertFilter{Type: in.Type}
			k := keyFrom(ctx)
			switch {
			case in.StoreID != "" && !bopis.ValidID(in.StoreID):
				return nil, invalid("query.store_id", bopis.IDRule)
			case in.StoreID != "" && !k.CanReachStore(in.StoreID):
				return nil, huma.Error403Forbidden("this key does not reach store " + in.StoreID)
			case in.StoreID != "":
				f.StoreIDs = []string{in.StoreID}
			case k.Scoped():
				f.StoreIDs = k.StoreIDs
			}
			alerts, next, err := s.db.Alerts(ctx, f, in.page())
			if err != nil {
				return nil, s.problem(ctx, "query", err)
			}
			return list(alerts, next), nil
		})
}
