package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/storage"
	"github.com/danielgtaylor/huma/v2"
)

// Body size limits of the inventory writes: a full batch of events with
// long ids and reasons is about 3 MB, a count of 200,000 SKUs about 8 MB.
const (
	maxEventsBodyBytes = 8 << 20
	maxCountBodyBytes  = 16 << 20
	maxCountLevels     = 200_000
)

// EventBody is one POS event as sent. It is decoded leniently: a field of
// the wrong JSON type rejects this event alone, not the batch.
type EventBody struct {
	ID         string `json:"id" doc:"The POS's id of the event, unique per store: 1 to 128 printable ASCII characters. A resent id is answered duplicate."`
	StoreID    string `json:"store_id"`
	SKU        string `json:"sku"`
	Type       string `json:"type" enum:"snapshot,delta"`
	OnHand     *int64 `json:"on_hand,omitempty" doc:"Snapshots: the counted quantity, 0 or more."`
	Delta      *int64 `json:"delta,omitempty" doc:"Deltas: the change, not 0 (a sale is negative)."`
	Reason     string `json:"reason,omitempty" doc:"E.g. sale, return, receipt; kept in the ledger."`
	OccurredAt string `json:"occurred_at" format:"date-time" doc:"When it happened at the store (RFC 3339); at most 5 minutes ahead of the server's clock."`

	malformed []bopis.FieldError
}

// UnmarshalJSON decodes an event, recording fields of the wrong type
// instead of failing.
func (e *EventBody) UnmarshalJSON(b []byte) error {
	type plain EventBody // without this method
	var p plain
	if err := json.Unmarshal(b, &p); err == nil {
		*e = EventBody(p)
		return nil
	}
	*e = EventBody{}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		e.malformed = append(e.malformed, bopis.FieldError{Path: "event", Message: "must be a JSON object"})
		return nil
	}
	for name, dst := range map[string]any{"id": &e.ID, "store_id": &e.StoreID, "sku": &e.SKU, "type": &e.Type,
		"on_hand": &e.OnHand, "delta": &e.Delta, "reason": &e.Reason, "occurred_at": &e.OccurredAt} {
		if v, ok := fields[name]; ok {
			if err := json.Unmarshal(v, dst); err != nil {
				e.malformed = append(e.malformed, bopis.FieldError{Path: name, Message: "has the wrong type: " + typeWanted(name)})
			}
		}
	}
	return nil
}

func typeWanted(field string) string {
	if field == "on_hand" || field == "delta" {
		return "must be a whole number"
	}
	return "must be a string"
}

// event is the domain event; a time that is not RFC 3339 is malformed.
func (e *EventBody) event() bopis.InventoryEvent {
	ev := bopis.InventoryEvent{ID: e.ID, StoreID: e.StoreID, SKU: e.SKU, Type: e.Type, OnHand: e.OnHand,
		Delta: e.Delta, Reason: e.Reason, Malformed: e.malformed}
	if e.OccurredAt != "" {
		t, err := time.Parse(time.RFC3339Nano, e.OccurredAt)
		if err != nil {
			ev.Malformed = append(ev.Malformed, bopis.FieldError{Path: "occurred_at",
				Message: "must be an RFC 3339 time such as 2026-11-23T15:04:05-06:00"})
		}
		ev.OccurredAt = t
	}
	return ev
}

// EventsBody is a batch of POS events.
type EventsBody struct {
	Events []EventBody `json:"events" maxItems:"5000" doc:"1 to 5,000 events; each is answered on its own."`

	data []byte // as sent, for raws
}

// UnmarshalJSON decodes a batch in one pass when every event is well
// formed, the usual case; else event by event, leniently (see
// EventBody.UnmarshalJSON). Decoding each event on its own was most of
// a batch's decoding, on the core the SQLite writer shares.
func (b *EventsBody) UnmarshalJSON(data []byte) error {
	type wellFormed EventBody // without the lenient UnmarshalJSON
	var fast struct {
		Events []wellFormed `json:"events"`
	}
	b.data = bytes.Clone(data) // data is the decoder's
	if err := json.Unmarshal(data, &fast); err == nil {
		b.Events = make([]EventBody, len(fast.Events))
		for i := range fast.Events {
			b.Events[i] = EventBody(fast.Events[i])
		}
		return nil
	}
	type lenient EventsBody // without this method
	return json.Unmarshal(data, (*lenient)(b))
}

// raws are the events as sent, compacted: taken apart again, only for a
// keyed batch, which hashes them.
func (b *EventsBody) raws() [][]byte {
	var sent struct {
		Events []json.RawMessage `json:"events"`
	}
	json.Unmarshal(b.data, &sent) // it decoded before, as b.Events
	out := make([][]byte, len(sent.Events))
	for i, e := range sent.Events {
		out[i] = compact(e)
	}
	return out
}

// EventsAnswer answers a batch, one result per event in the request's order.
type EventsAnswer struct {
	Results []storage.EventResult `json:"results"`
}

// CountBody is a whole-store count.
type CountBody struct {
	AsOf   time.Time       `json:"as_of" doc:"When the count was taken (RFC 3339)."`
	Levels []storage.Count `json:"levels" maxItems:"200000" doc:"Every SKU counted; SKUs left out go to zero."`
}

// CountAnswer says what a count did.
type CountAnswer struct {
	StoreID string    `json:"store_id"`
	AsOf    time.Time `json:"as_of"`
	storage.CountResult
}

// AdjustmentBody corrects a store's on-hand of a SKU by hand.
type AdjustmentBody struct {
	SKU       string `json:"sku"`
	Delta     int64  `json:"delta" doc:"The change, not 0; on_hand never goes below 0."`
	Reason    string `json:"reason" doc:"Why, e.g. damaged, theft, found: 1 to 200 characters."`
	Reference string `json:"reference,omitempty" doc:"Your reference, e.g. a ticket; shown in the ledger."`
}

// IdempotencyHeader is the Idempotency-Key of a write.
type IdempotencyHeader struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"Repeating a request with the same key and body answers the first response and changes nothing; the same key with another body is 422."`
}

// Resolve refuses a key that breaks the text rule: the key is stored, and
// a header may carry bytes that are not UTF-8, which PostgreSQL refuses.
func (h *IdempotencyHeader) Resolve(huma.Context) []error {
	if bopis.ValidString(h.IdempotencyKey) {
		return nil
	}
	return []error{&huma.ErrorDetail{Location: "header.Idempotency-Key", Message: bopis.StringRule}}
}

// idempotency scopes the client's key to its API key and the operation,
// and hashes what identifies the request.
func idempotency(ctx context.Context, h IdempotencyHeader, op string, request ...[]byte) *storage.Idempotency {
	if h.IdempotencyKey == "" {
		return nil
	}
	return &storage.Idempotency{Scope: keyFrom(ctx).ID + " " + op, Key: h.IdempotencyKey, Hash: bopis.IdempotencyHash(request...)}
}

// writeProblem maps a write's error; a reused Idempotency-Key names the header.
func (s *Server) writeProblem(ctx context.Context, err error) error {
	if errors.Is(err, storage.ErrKeyReused) {
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
			StoreIDPath
			SKUs []string `query:"sku,explode=false" maxItems:"500" doc:"Comma-separated SKUs; all when absent."`
		}) (*struct{ Body List[storage.Level] }, error) {
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
			return &struct{ Body List[storage.Level] }{List[storage.Level]{Data: levels}}, nil
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
		IdempotencyHeader
		Body EventsBody
	}) (*struct {
		Replayed string `header:"Idempotent-Replayed"`
		Body     EventsAnswer
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
			evs[i] = in.Body.Events[i].event()
		}
		var opt storage.BatchOptions
		if in.IdempotencyKey != "" { // only a keyed batch is hashed (compacting 5,000 events is 2% of a feed's CPU)
			opt.Idempotency = idempotency(ctx, in.IdempotencyHeader, "inventory-events", in.Body.raws()...)
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
			Body     EventsAnswer
		}{replayed(again), EventsAnswer{results}}, nil
	})

	count := op("put-store-inventory", http.MethodPut, "/v1/stores/{store_id}/inventory",
		"Apply a whole-store count", "Inventory", bopis.RolePOS, bopis.RoleStore)
	count.Description = "Listed SKUs take their counted on_hand, SKUs left out go to zero; reserved is untouched and only " +
		"levels that change are written (and reach the ledger). The count is a snapshot of every SKU as of `as_of`: " +
		"later POS events older than it are stale, changes after it already applied are kept. A count older than " +
		"the store's last count changes nothing (`stale: true`)."
	count.MaxBodyBytes = maxCountBodyBytes
	huma.Register(s.api, count, func(ctx context.Context, in *struct {
		StoreIDPath
		Body CountBody
	}) (*struct{ Body CountAnswer }, error) {
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
		return &struct{ Body CountAnswer }{CountAnswer{StoreID: in.StoreID, AsOf: in.Body.AsOf, CountResult: res}}, nil
	})

	adjust := op("post-inventory-adjustment", http.MethodPost, "/v1/stores/{store_id}/inventory/adjustments",
		"Correct a store's on-hand of a SKU by hand", "Inventory", bopis.RoleStore)
	adjust.DefaultStatus = http.StatusCreated
	huma.Register(s.api, adjust, func(ctx context.Context, in *struct {
		StoreIDPath
		IdempotencyHeader
		Body AdjustmentBody
	}) (*struct {
		Replayed string `header:"Idempotent-Replayed"`
		Body     *storage.AdjustmentResult
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
			Body     *storage.AdjustmentResult
		}{replayed(again), res}, nil
	})

	huma.Register(s.api, op("get-inventory-ledger", http.MethodGet, "/v1/inventory/ledger",
		"Every change to a store's stock, oldest first", "Inventory", bopis.RoleStore, bopis.RolePOS),
		func(ctx context.Context, in *struct {
			StoreID string `query:"store_id" required:"true" doc:"The store (required)."`
			SKU     string `query:"sku" doc:"One SKU; all when absent."`
			Page
		}) (*listOutput[storage.LedgerEntry], error) {
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
		}) (*listOutput[storage.Alert], error) {
			f := storage.AlertFilter{Type: in.Type}
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

// compact is b without insignificant white space, so a resent batch
// hashes the same however it is indented.
func compact(b []byte) []byte {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return b
	}
	return out.Bytes()
}
