package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"time"
)

// Count is one SKU's counted on-hand quantity.
type Count struct {
	SKU    string `json:"sku"`
	OnHand int64  `json:"on_hand"`
}

// Ledger causes.
const (
	CauseCount = "count" // a whole-store count
)

// ApplyStoreCount sets a store's on-hand to a whole-store count taken at
// asOf, in one transaction: listed SKUs take their counted quantity, SKUs
// it leaves out go to zero, and only rows that change are written, each
// with its ledger row. Reserved quantities are untouched.
func (db *DB) ApplyStoreCount(ctx context.Context, storeID string, asOf time.Time, counts []Count) (changed int, err error) {
	_, us := db.nowMicros()
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM stores WHERE id = $1`, storeID).Scan(&one); err == sql.ErrNoRows {
			return notFound("store", storeID)
		} else if err != nil {
			return err
		}
		current := map[string]int64{}
		rows, err := tx.QueryContext(ctx, `SELECT sku, on_hand FROM inventory_levels WHERE store_id = $1`, storeID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var sku string
			var n int64
			if err := rows.Scan(&sku, &n); err != nil {
				rows.Close()
				return err
			}
			current[sku] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		target := make(map[string]int64, len(counts))
		for _, c := range counts {
			target[c.SKU] = c.OnHand
		}
		for sku, n := range current {
			if _, listed := target[sku]; !listed && n != 0 {
				target[sku] = 0
			}
		}
		upsert, err := tx.PrepareContext(ctx, `INSERT INTO inventory_levels (store_id, sku, on_hand, reserved, updated_at)
			VALUES ($1, $2, $3, 0, $4)
			ON CONFLICT (store_id, sku) DO UPDATE SET on_hand = excluded.on_hand, updated_at = excluded.updated_at`)
		if err != nil {
			return err
		}
		defer upsert.Close()
		ledger, err := tx.PrepareContext(ctx, `INSERT INTO inventory_ledger
			(store_id, sku, cause, reference, on_hand_delta, reserved_delta, at) VALUES ($1, $2, $3, $4, $5, 0, $6)`)
		if err != nil {
			return err
		}
		defer ledger.Close()
		ref := "count@" + asOf.UTC().Format(time.RFC3339)
		for sku, n := range target {
			old, had := current[sku]
			if had && old == n {
				continue
			}
			if _, err := upsert.ExecContext(ctx, storeID, sku, n, us); err != nil {
				if db.dialect.foreignKeyViolation(err) {
					return notFound("SKU", sku)
				}
				return err
			}
			if n != old {
				if _, err := ledger.ExecContext(ctx, storeID, sku, CauseCount, ref, n-old, us); err != nil {
					return err
				}
			}
			changed++
		}
		return nil
	})
	return changed, err
}

// Level is a store's stock of one SKU.
type Level struct {
	SKU         string    `json:"sku"`
	OnHand      int64     `json:"on_hand"`
	Reserved    int64     `json:"reserved"`
	SafetyStock int64     `json:"safety_stock"`
	Available   int64     `json:"available"` // on_hand - reserved - safety_stock, never below 0
	UpdatedAt   time.Time `json:"updated_at"`
}

// Levels returns a store's stock of the given SKUs (all SKUs when skus is
// empty), ordered by SKU.
func (db *DB) Levels(ctx context.Context, storeID string, skus []string) ([]Level, error) {
	q := `SELECT l.sku, l.on_hand, l.reserved, COALESCE(o.safety_stock, 0), l.updated_at
		FROM inventory_levels l LEFT JOIN store_skus o ON o.store_id = l.store_id AND o.sku = l.sku
		WHERE l.store_id = $1`
	args := []any{storeID}
	if len(skus) > 0 {
		list, _ := json.Marshal(skus)
		q += ` AND l.sku IN (SELECT value FROM ` + db.dialect.jsonTextArray("$2") + `)`
		args = append(args, string(list))
	}
	rows, err := db.r.QueryContext(ctx, q+` ORDER BY l.sku`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Level{}
	for rows.Next() {
		var l Level
		var updated int64
		if err := rows.Scan(&l.SKU, &l.OnHand, &l.Reserved, &l.SafetyStock, &updated); err != nil {
			return nil, err
		}
		l.Available = max(0, l.OnHand-l.Reserved-l.SafetyStock)
		l.UpdatedAt = fromMicros(updated)
		out = append(out, l)
	}
	return out, rows.Err()
}

// LedgerEntry is one change to a store's stock of a SKU.
type LedgerEntry struct {
	ID            int64     `json:"id"`
	StoreID       string    `json:"store_id"`
	SKU           string    `json:"sku"`
	Cause         string    `json:"cause"`
	Reference     string    `json:"reference"`
	OnHandDelta   int64     `json:"on_hand_delta"`
	ReservedDelta int64     `json:"reserved_delta"`
	At            time.Time `json:"at"`
}

// Ledger returns one page of a store's ledger in the order it was written,
// for one SKU or (sku "") all.
func (db *DB) Ledger(ctx context.Context, storeID, sku string, p Page) ([]LedgerEntry, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	afterID, _ := strconv.ParseInt(after, 10, 64)
	rows, err := db.r.QueryContext(ctx, `SELECT id, store_id, sku, cause, reference, on_hand_delta, reserved_delta, at
		FROM inventory_ledger WHERE store_id = $1 AND ($2 = '' OR sku = $2) AND id > $3
		ORDER BY id LIMIT `+strconv.Itoa(p.limit()), storeID, sku, afterID)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []LedgerEntry{}
	for rows.Next() {
		var e LedgerEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.StoreID, &e.SKU, &e.Cause, &e.Reference, &e.OnHandDelta, &e.ReservedDelta, &at); err != nil {
			return nil, "", err
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, "", err
	}
	return out, nextCursor(len(out), p.limit(), strconv.FormatInt(out[len(out)-1].ID, 10)), nil
}
