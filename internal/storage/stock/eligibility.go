package stock

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/bopis/bopis"
)

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
func (db *Stock) PickupRefusalTx(ctx context.Context, tx *sql.Tx, storeID string, lines []bopis.ReserveLine, lock bool) error {
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
			return &bopis.Refusal{StoreID: storeID, Store: bopis.RefusalInactive}
		}
		if err != nil {
			return err
		}
	}
	switch {
	case !storeActive:
		return &bopis.Refusal{StoreID: storeID, Store: bopis.RefusalInactive}
	case !bopis.TakesPickup(storeActive, storeType):
		return &bopis.Refusal{StoreID: storeID, Store: bopis.RefusalWarehouse}
	}
	out := &bopis.Refusal{StoreID: storeID}
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
		out.Lines = append(out.Lines, bopis.RefusedLine{Line: i, SKU: l.SKU, Reason: reason})
	}
	if len(out.Lines) == 0 {
		return nil
	}
	return out
}
