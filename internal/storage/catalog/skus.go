package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
)

// PutSKU creates or replaces a SKU after checking its rules; created
// reports whether it is new.
func (c *Catalog) PutSKU(ctx context.Context, k *bopis.SKU) (created bool, err error) {
	n, err := c.PutSKUs(ctx, []*bopis.SKU{k})
	return n == 1, err
}

// PutSKUs creates or replaces many SKUs in one transaction (a catalog
// import): all are checked first, and either all are written or none. It
// returns how many were new.
func (c *Catalog) PutSKUs(ctx context.Context, skus []*bopis.SKU) (created int, err error) {
	for _, k := range skus {
		if err := k.Validate(); err != nil {
			return 0, err
		}
	}
	// Written in SKU order, the order an order's reservation locks its
	// SKUs' rows in (see reserveStatement), so the two queue instead of
	// deadlocking on PostgreSQL; of one SKU given twice the last still wins.
	skus = slices.Clone(skus)
	slices.SortStableFunc(skus, func(a, b *bopis.SKU) int { return strings.Compare(a.SKU, b.SKU) })
	now, us := c.db.NowMicros()
	err = c.db.Transact(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `
			INSERT INTO skus (sku, name, variant_id, pickup_eligible, extra_prep_minutes, low_stock_threshold, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
			ON CONFLICT (sku) DO UPDATE SET name = excluded.name, variant_id = excluded.variant_id,
				pickup_eligible = excluded.pickup_eligible, extra_prep_minutes = excluded.extra_prep_minutes,
				low_stock_threshold = excluded.low_stock_threshold, active = excluded.active, updated_at = excluded.updated_at
			RETURNING created_at`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, k := range skus {
			var createdUS int64
			err := stmt.QueryRowContext(ctx, k.SKU, k.Name, k.VariantID, k.PickupEligible, k.ExtraPrepMinutes,
				k.LowStockThreshold, k.Active, us).Scan(&createdUS)
			if d, ok := c.db.Dialect().UniqueViolation(err); ok && strings.Contains(d, "variant_id") {
				return &bopis.Error{Code: bopis.ECONFLICT, Message: "another SKU has this variant_id",
					Fields: []bopis.FieldError{{Path: "variant_id", Message: fmt.Sprintf("%d is already used by another SKU", *k.VariantID)}}}
			}
			if err != nil {
				return err
			}
			k.CreatedAt, k.UpdatedAt = sqldb.FromMicros(createdUS), now
			if createdUS == us {
				created++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return created, nil
}

const SKUColumns = `sku, name, variant_id, pickup_eligible, extra_prep_minutes, low_stock_threshold, active, created_at, updated_at`

func ScanSKU(row sqldb.Scanner) (*bopis.SKU, error) {
	var (
		k                bopis.SKU
		variant          sql.NullInt64
		created, updated int64
	)
	err := row.Scan(&k.SKU, &k.Name, &variant, &k.PickupEligible, &k.ExtraPrepMinutes, &k.LowStockThreshold, &k.Active, &created, &updated)
	if err != nil {
		return nil, err
	}
	if variant.Valid {
		k.VariantID = &variant.Int64
	}
	k.CreatedAt, k.UpdatedAt = sqldb.FromMicros(created), sqldb.FromMicros(updated)
	return &k, nil
}

// GetSKU returns the SKU, active or not.
func (c *Catalog) GetSKU(ctx context.Context, sku string) (*bopis.SKU, error) {
	return c.getSKU(ctx, c.db.Readers(), sku)
}

func (c *Catalog) getSKU(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, sku string) (*bopis.SKU, error) {
	k, err := ScanSKU(q.QueryRowContext(ctx, `SELECT `+SKUColumns+` FROM skus WHERE sku = $1`, sku))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqldb.NotFound("SKU", sku)
	}
	return k, err
}

// ListSKUs returns one page of SKUs ordered by SKU, and the next cursor.
func (c *Catalog) ListSKUs(ctx context.Context, p bopis.Page) ([]bopis.SKU, string, error) {
	return sqldb.List(ctx, c.db.Readers(), p, `SELECT `+SKUColumns+` FROM skus WHERE sku > $1 ORDER BY sku`, nil,
		ScanSKU, func(k *bopis.SKU) string { return k.SKU })
}

// DeactivateSKU takes a SKU out of every new promise; existing orders keep it.
func (c *Catalog) DeactivateSKU(ctx context.Context, sku string) (*bopis.SKU, error) {
	_, us := c.db.NowMicros()
	// Already inactive is fine (DELETE is idempotent); unknown is 404 below.
	if _, err := c.db.Writer().ExecContext(ctx, `UPDATE skus SET active = false, updated_at = $2 WHERE sku = $1 AND active`, sku, us); err != nil {
		return nil, err
	}
	return c.getSKU(ctx, c.db.Writer(), sku)
}

// PutStoreSKU creates or replaces a store's override of a SKU's rules.
// The store and the SKU must exist.
func (c *Catalog) PutStoreSKU(ctx context.Context, o *bopis.StoreSKU) error {
	if err := o.Validate(); err != nil {
		return err
	}
	now, us := c.db.NowMicros()
	_, err := c.db.Writer().ExecContext(ctx, `
		INSERT INTO store_skus (store_id, sku, pickup_eligible, safety_stock, low_stock_threshold, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (store_id, sku) DO UPDATE SET pickup_eligible = excluded.pickup_eligible,
			safety_stock = excluded.safety_stock, low_stock_threshold = excluded.low_stock_threshold,
			updated_at = excluded.updated_at`,
		o.StoreID, o.SKU, o.PickupEligible, o.SafetyStock, o.LowStockThreshold, us)
	if c.db.Dialect().ForeignKeyViolation(err) {
		if _, err := c.getStoreFromWriter(ctx, o.StoreID); err != nil {
			return err
		}
		return sqldb.NotFound("SKU", o.SKU)
	}
	if err != nil {
		return err
	}
	o.UpdatedAt = now
	return nil
}

const StoreSKUColumns = `store_id, sku, pickup_eligible, safety_stock, low_stock_threshold, updated_at`

func ScanStoreSKU(row sqldb.Scanner) (*bopis.StoreSKU, error) {
	var (
		o         bopis.StoreSKU
		eligible  sql.NullBool
		safety    sql.NullInt64
		threshold sql.NullInt64
		updated   int64
	)
	if err := row.Scan(&o.StoreID, &o.SKU, &eligible, &safety, &threshold, &updated); err != nil {
		return nil, err
	}
	if eligible.Valid {
		o.PickupEligible = &eligible.Bool
	}
	if safety.Valid {
		n := int(safety.Int64)
		o.SafetyStock = &n
	}
	if threshold.Valid {
		n := int(threshold.Int64)
		o.LowStockThreshold = &n
	}
	o.UpdatedAt = sqldb.FromMicros(updated)
	return &o, nil
}

// GetStoreSKU returns a store's override of a SKU.
func (c *Catalog) GetStoreSKU(ctx context.Context, storeID, sku string) (*bopis.StoreSKU, error) {
	o, err := ScanStoreSKU(c.db.Readers().QueryRowContext(ctx,
		`SELECT `+StoreSKUColumns+` FROM store_skus WHERE store_id = $1 AND sku = $2`, storeID, sku))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, sqldb.NotFound("override of SKU at store", storeID+"/"+sku)
	}
	return o, err
}

// ListStoreSKUs returns one page of a store's overrides ordered by SKU.
func (c *Catalog) ListStoreSKUs(ctx context.Context, storeID string, p bopis.Page) ([]bopis.StoreSKU, string, error) {
	return sqldb.List(ctx, c.db.Readers(), p, `SELECT `+StoreSKUColumns+` FROM store_skus WHERE sku > $1 AND store_id = $2 ORDER BY sku`,
		[]any{storeID}, ScanStoreSKU, func(o *bopis.StoreSKU) string { return o.SKU })
}

// DeleteStoreSKU removes a store's override, so the SKU's own rules apply there again.
func (c *Catalog) DeleteStoreSKU(ctx context.Context, storeID, sku string) error {
	res, err := c.db.Writer().ExecContext(ctx, `DELETE FROM store_skus WHERE store_id = $1 AND sku = $2`, storeID, sku)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return sqldb.NotFound("override of SKU at store", storeID+"/"+sku)
	}
	return nil
}
