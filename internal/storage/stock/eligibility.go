package stock

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/bopis/bopis"
)

// Why a store cannot take pickup orders (Refusal.Store).
const (
	storeInactive  = "inactive"  // unknown, or deactivated
	storeWarehouse = "warehouse" // ships only
)

// Refusal is the error of a reservation for pickup at a store that may
// not take it, whatever its stock: the store is not an active store
// (bopis.TakesPickup), or lines' SKUs may not be picked up there
// (bopis.EligibleForPickup: unknown, deactivated, or not pickup-eligible
// globally or by the store's override). The transaction that reserves
// decides it, on the rows as they stand when it reserves (see
// reserveStatement), so a change acknowledged to an admin holds for
// every order and hold after it, in every process. It unwraps to a
// domain error: an inactive store is not found (404, pickup.store_id),
// a warehouse invalid (422, pickup.store_id), ineligible lines a
// conflict (409) naming each line's lines[i].sku.
type Refusal struct {
	StoreID string
	Store   string // why the store takes no pickup orders; "" when it does
	Lines   []RefusedLine
}

// RefusedLine is a line whose SKU may not be picked up at the store.
type RefusedLine struct {
	Line   int // its index among the lines reserved; a failed placement renumbers it among the order's lines
	SKU    string
	Reason string
}

func (e *Refusal) Error() string { return e.Unwrap().Error() }

// Unwrap returns the refusal as a domain error.
func (e *Refusal) Unwrap() error {
	switch e.Store {
	case storeInactive:
		return &bopis.Error{Code: bopis.ENOTFOUND, Message: fmt.Sprintf("store %q not found", e.StoreID),
			Fields: []bopis.FieldError{{Path: "pickup.store_id", Message: "no active store has this id"}}}
	case storeWarehouse:
		return &bopis.Error{Code: bopis.EINVALID, Message: fmt.Sprintf("store %s does not offer pickup", e.StoreID),
			Fields: []bopis.FieldError{{Path: "pickup.store_id", Message: "is a warehouse: it ships and offers no pickup"}}}
	}
	fields := make([]bopis.FieldError, len(e.Lines))
	for i, l := range e.Lines {
		fields[i] = bopis.FieldError{Path: fmt.Sprintf("lines[%d].sku", l.Line), Message: l.Reason}
	}
	msg := "a line cannot be picked up at store " + e.StoreID
	if len(e.Lines) > 1 {
		msg = fmt.Sprintf("%d lines cannot be picked up at store %s", len(e.Lines), e.StoreID)
	}
	return &bopis.Error{Code: bopis.ECONFLICT, Message: msg, Fields: fields}
}

// pickupEligible is bopis.TakesPickup of store row s and
// bopis.EligibleForPickup of SKU row k with the override of (store, sku)
// in SQL: the condition the reserving statement puts on every level it
// reserves for pickup. TestEligibilityInSQLIsTheRule holds the two
// together.
func pickupEligible(s, k, store, sku string) string {
	return s + `.active AND ` + s + `.type = '` + string(bopis.StoreTypeStore) + `' AND ` + k + `.active
		AND COALESCE((SELECT o.pickup_eligible FROM store_skus o WHERE o.store_id = ` + store + ` AND o.sku = ` + sku + `), ` +
		k + `.pickup_eligible)`
}

// PickupRefusalTx applies the rules of pickup to storeID and the SKUs of
// lines as they stand in tx, and returns the *Refusal naming what may not
// be picked up there, or nil. With lock it takes, on PostgreSQL, the rows
// it reads (the store's, each SKU's) shared until tx ends, so that a
// deactivation waits for tx and tx sees any that committed before (READ
// COMMITTED reads the newest version of a row it locks); the reserving
// statement does the same for orders and holds, and runs this only to
// say why it reserved nothing. Exported for converting a hold, whose
// stock is reserved already, in the order's transaction.
func (db *Stock) PickupRefusalTx(ctx context.Context, tx *sql.Tx, storeID string, lines []ReserveLine, lock bool) error {
	var skus []string
	seen := map[string]bool{}
	for _, l := range lines {
		if !seen[l.SKU] {
			seen[l.SKU] = true
			skus = append(skus, l.SKU)
		}
	}
	sort.Strings(skus) // the order every writer locks SKUs in
	in := make([]string, len(skus))
	args := []any{storeID}
	for i, sku := range skus {
		in[i] = "$" + strconv.Itoa(i+2)
		args = append(args, sku)
	}
	share := ""
	if lock {
		share = db.dialect.ShareRows("s, k")
	}
	res, err := db.sql.QueryTx(ctx, tx, `SELECT s.active, s.type, k.sku, k.active, k.pickup_eligible,
			(SELECT o.pickup_eligible FROM store_skus o WHERE o.store_id = s.id AND o.sku = k.sku)
		FROM stores s JOIN skus k ON k.sku IN (`+strings.Join(in, ", ")+`)
		WHERE s.id = $1 ORDER BY k.sku`+share, args...)
	if err != nil {
		return err
	}
	type sku struct {
		active, eligible bool
		override         *bool
	}
	found := map[string]sku{}
	var storeActive, storeRead bool
	var storeType bopis.StoreType
	for res.Next() {
		var k sku
		var id string
		var override sql.NullBool
		if err := res.Scan(&storeActive, &storeType, &id, &k.active, &k.eligible, &override); err != nil {
			res.Close()
			return err
		}
		if override.Valid {
			k.override = &override.Bool
		}
		found[id], storeRead = k, true
	}
	res.Close()
	if err := res.Err(); err != nil {
		return err
	}
	if !storeRead { // no SKU of lines exists, or no such store
		share := ""
		if lock {
			share = db.dialect.ShareRows("stores")
		}
		err := db.sql.QueryRowTx(ctx, tx, `SELECT active, type FROM stores WHERE id = $1`+share, storeID).Scan(&storeActive, &storeType)
		if errors.Is(err, sql.ErrNoRows) {
			return &Refusal{StoreID: storeID, Store: storeInactive}
		}
		if err != nil {
			return err
		}
	}
	switch {
	case !storeActive:
		return &Refusal{StoreID: storeID, Store: storeInactive}
	case !bopis.TakesPickup(storeActive, storeType):
		return &Refusal{StoreID: storeID, Store: storeWarehouse}
	}
	out := &Refusal{StoreID: storeID}
	for i, l := range lines {
		k, ok := found[l.SKU]
		reason := ""
		switch {
		case !ok:
			reason = "no SKU " + l.SKU
		case bopis.EligibleForPickup(k.active, k.eligible, k.override):
			continue
		case !k.active:
			reason = l.SKU + " is deactivated"
		case k.override != nil:
			reason = l.SKU + " is not eligible for pickup at store " + storeID + " (the store's override)"
		default:
			reason = l.SKU + " is not eligible for pickup"
		}
		out.Lines = append(out.Lines, RefusedLine{Line: i, SKU: l.SKU, Reason: reason})
	}
	if len(out.Lines) == 0 {
		return nil
	}
	return out
}
