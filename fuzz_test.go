package bopis_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/calendar"
	"github.com/bopis/bopis/internal/orderstate"
)

// The fuzz targets of the decoders and validators that take outside
// input. Their properties: never a panic; a rejection is a *bopis.Error
// naming fields (never another error); validation is deterministic; and
// what passes is usable by the code after it, storable included: every
// string in it keeps the text rule (bopis.ValidString: no NUL, nothing
// that is not UTF-8, no U+FFFD), so both databases can store it. Seeds are in
// testdata/fuzz/<target>/; CI runs each briefly (.ci/run).

var fuzzNow = time.Date(2026, 11, 23, 20, 10, 0, 0, time.UTC)

// checkRejection fails unless err is nil or a domain error with fields.
func checkRejection(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var e *bopis.Error
	if !errors.As(err, &e) || e.Code != bopis.EINVALID || len(e.Fields) == 0 {
		t.Fatalf("rejection %v is not an EINVALID error naming fields", err)
	}
}

// checkStorable fails unless every string in v, a value that passed
// validation, keeps the text rule: PostgreSQL cannot store a NUL or bytes
// that are not UTF-8, and U+FFFD is what decoding made of such bytes.
func checkStorable(t *testing.T, v any) {
	t.Helper()
	var walk func(path string, x reflect.Value)
	walk = func(path string, x reflect.Value) {
		switch x.Kind() {
		case reflect.String:
			if !bopis.ValidString(x.String()) {
				t.Fatalf("%s = %q passed validation but breaks the text rule", path, x.String())
			}
		case reflect.Pointer, reflect.Interface:
			if !x.IsNil() {
				walk(path, x.Elem())
			}
		case reflect.Struct:
			for i := 0; i < x.NumField(); i++ {
				if x.Type().Field(i).IsExported() {
					walk(path+"."+x.Type().Field(i).Name, x.Field(i))
				}
			}
		case reflect.Slice, reflect.Array:
			for i := 0; i < x.Len(); i++ {
				walk(path+"[]", x.Index(i))
			}
		case reflect.Map:
			for it := x.MapRange(); it.Next(); {
				walk(path+"{}", it.Key())
				walk(path+"{}", it.Value())
			}
		}
	}
	walk("", reflect.ValueOf(v))
}

func FuzzStore(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var s bopis.Store
		if json.Unmarshal(data, &s) != nil {
			return
		}
		err := s.Validate()
		checkRejection(t, err)
		if again := s.Validate(); (err == nil) != (again == nil) {
			t.Fatal("Validate is not deterministic")
		}
		if err != nil {
			return
		}
		checkStorable(t, &s)
		// A valid store compiles and promises without trouble.
		sc, cerr := calendar.Compile(&s)
		if cerr != nil {
			t.Fatalf("a valid store does not compile: %v", cerr)
		}
		p := sc.Promise(fuzzNow, s.PrepMinutes, 7, nil)
		for i, slot := range p.Slots {
			if !slot.End.After(slot.Start) || (i > 0 && slot.Start.Before(p.Slots[i-1].Start)) {
				t.Fatalf("slots out of order: %+v", p.Slots)
			}
		}
		sc.HoldUntil(fuzzNow)
	})
}

func FuzzInventoryEvent(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var e bopis.InventoryEvent
		if json.Unmarshal(data, &e) != nil {
			return
		}
		if err := e.Validate(fuzzNow); err == nil {
			checkStorable(t, &e)
			if e.Type == bopis.EventSnapshot && (e.OnHand == nil || *e.OnHand < 0) {
				t.Fatalf("a snapshot without a count passed: %+v", e)
			}
			if e.Type == bopis.EventDelta && (e.Delta == nil || *e.Delta == 0) {
				t.Fatalf("a delta of nothing passed: %+v", e)
			}
		}
	})
}

func FuzzOrderRequest(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var o bopis.OrderRequest
		if json.Unmarshal(data, &o) != nil {
			return
		}
		err := o.Validate()
		checkRejection(t, err)
		if err != nil {
			return
		}
		checkStorable(t, &o)
		// What passes can be paid for: a total in range, one currency.
		if total := bopis.Total(o.Lines); total.Amount < 0 || total.Amount > bopis.MaxMoneyAmount*bopis.MaxOrderLines {
			t.Fatalf("total %d out of range", total.Amount)
		}
	})
}

func FuzzHoldRequest(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var h bopis.HoldRequest
		if json.Unmarshal(data, &h) != nil {
			return
		}
		err := h.Validate()
		checkRejection(t, err)
		if err == nil && (h.TTL() <= 0 || h.TTL() > bopis.MaxHoldTTL) {
			t.Fatalf("a hold of %v passed", h.TTL())
		}
		if err == nil {
			checkStorable(t, &h)
		}
	})
}

// FuzzPick: whatever an associate's device sends, the pick plan of a
// three-line order never picks more than a line holds, and substitutes
// never cost more than what they replace.
func FuzzPick(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		var req bopis.PickRequest
		if json.Unmarshal(data, &req) != nil {
			return
		}
		usd := func(a int64) bopis.Money { return bopis.Money{Amount: a, Currency: "USD"} }
		o := &bopis.Order{Lines: []bopis.OrderLine{
			{ID: "l1", SKU: "A", Quantity: 3, UnitPrice: usd(1000), Fulfillment: bopis.FulfillPickup, Status: bopis.LineOpen},
			{ID: "l2", SKU: "B", Quantity: 1, UnitPrice: usd(500), Fulfillment: bopis.FulfillPickup, Status: bopis.LineOpen},
			{ID: "l3", SKU: "C", Quantity: 2, UnitPrice: usd(700), Fulfillment: bopis.FulfillShip, Status: bopis.LineOpen},
		}}
		plan, err := orderstate.PlanPick(o, req, fuzzNow)
		if err != nil {
			var e *bopis.Error
			if !errors.As(err, &e) || len(e.Fields) == 0 {
				t.Fatalf("rejection %v names no field", err)
			}
			return
		}
		checkStorable(t, &req)
		for _, lp := range plan {
			l := o.Lines[lp.Index]
			if l.Fulfillment != bopis.FulfillPickup || lp.Picked < 0 || lp.Picked > l.Quantity || lp.Short != l.Quantity-lp.Picked {
				t.Fatalf("plan %+v for line %+v", lp, l)
			}
			if s := lp.Substitute; s != nil && (lp.Short == 0 || s.Value() > lp.Short*l.UnitPrice.Amount || s.SKU == l.SKU) {
				t.Fatalf("substitute %+v for line %+v", s, l)
			}
		}
	})
}

func FuzzParseClock(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		m, err := bopis.ParseClock(s)
		if err == nil && (m < 0 || m > 1440 || len(s) != 5) {
			t.Fatalf("ParseClock(%q) = %d", s, m)
		}
	})
}
