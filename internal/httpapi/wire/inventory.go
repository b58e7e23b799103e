package wire

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/bopis/bopis"
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

// Event is the domain event; a time that is not RFC 3339 is malformed.
func (e *EventBody) Event() bopis.InventoryEvent {
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

	data []byte // as sent, for Raws
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

// Raws are the events as sent, compacted: taken apart again, only for a
// keyed batch, which hashes them.
func (b *EventsBody) Raws() [][]byte {
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
	Results []bopis.EventResult `json:"results"`
}

// CountBody is a whole-store count.
type CountBody struct {
	AsOf   time.Time     `json:"as_of" doc:"When the count was taken (RFC 3339)."`
	Levels []bopis.Count `json:"levels" maxItems:"200000" doc:"Every SKU counted; SKUs left out go to zero."`
}

// CountAnswer says what a count did.
type CountAnswer struct {
	StoreID string    `json:"store_id"`
	AsOf    time.Time `json:"as_of"`
	bopis.CountResult
}

// AdjustmentBody corrects a store's on-hand of a SKU by hand.
type AdjustmentBody struct {
	SKU       string `json:"sku"`
	Delta     int64  `json:"delta" doc:"The change, not 0; on_hand never goes below 0."`
	Reason    string `json:"reason" doc:"Why, e.g. damaged, theft, found: 1 to 200 characters."`
	Reference string `json:"reference,omitempty" doc:"Your reference, e.g. a ticket; shown in the ledger."`
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
