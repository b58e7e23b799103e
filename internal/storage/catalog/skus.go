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
			INSERT INTO skus (sku, name, variant_id, pickup_eligible, extra_prep_minutes, low_stock_threshold, active, created_at, updated_at,
				image_url, barcodes, minimum_age, name_folded)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12)
			ON CONFLICT (sku) DO UPDATE SET name = excluded.name, variant_id = excluded.variant_id,
				pickup_eligible = excluded.pickup_eligible, extra_prep_minutes = excluded.extra_prep_minutes,
				low_stock_threshold = excluded.low_stock_threshold, active = excluded.active, updated_at = excluded.updated_at,
				image_url = excluded.image_url, barcodes = excluded.barcodes, minimum_age = excluded.minimum_age,
				name_folded = excluded.name_folded
			RETURNING created_at`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, k := range skus {
			var createdUS int64
			err := stmt.QueryRowContext(ctx, k.SKU, k.Name, k.VariantID, k.PickupEligible, k.ExtraPrepMinutes,
				k.LowStockThreshold, k.Active, us, k.ImageURL, strings.Join(k.Barcodes, " "), k.MinimumAge,
				strings.ToLower(k.Name)).Scan(&createdUS)
			if d, ok := c.db.Dialect().UniqueViolation(err); ok && strings.Contains(d, "variant_id") {
				return &bopis.Error{Code: bopis.ECONFLICT, Message: "another SKU has this variant_id",
					Fields: []bopis.FieldError{{Path: "variant_id", Message: fmt.Sprintf("%d is already used by another SKU", *k.VariantID)}}}
			}
			if err != nil {
				return err
			}
			k.CreatedAt, k.UpdatedAt = sqldb.FromMicros(createdUS), now
			if k.Barcodes == nil {
				k.Barcodes = []string{}
			}
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

// SKUColumns are the columns ScanSKU reads, in its order.
const SKUColumns = `sku, name, variant_id, pickup_eligible, extra_prep_minutes, low_stock_threshold, active, created_at, updated_at,
	image_url, barcodes, minimum_age`

// ScanSKU reads a row of SKUColumns.
func ScanSKU(row sqldb.Scanner) (*bopis.SKU, error) {
	var (
		k                bopis.SKU
		variant          sql.NullInt64
		created, updated int64
		barcodes         string
	)
	err := row.Scan(&k.SKU, &k.Name, &variant, &k.PickupEligible, &k.ExtraPrepMinutes, &k.LowStockThreshold, &k.Active, &created, &updated,
		&k.ImageURL, &barcodes, &k.MinimumAge)
	if err != nil {
		return nil, err
	}
	k.Barcodes = strings.Fields(barcodes)
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
	return c.SearchSKUs(ctx, "", p)
}

// MaxSearchLength bounds a search's text.
const MaxSearchLength = 200

// SearchSKUs returns one page of the SKUs that q finds, ordered by SKU,
// and the next cursor: a SKU whose name or code holds q (in any case),
// or one of whose barcodes is q. An empty q finds every SKU.
func (c *Catalog) SearchSKUs(ctx context.Context, q string, p bopis.Page) ([]bopis.SKU, string, error) {
	q = strings.TrimSpace(q)
	if !bopis.ValidText(q) || len(q) > MaxSearchLength || strings.ContainsAny(q, "\r\n") {
		return nil, "", &bopis.Error{Code: bopis.EINVALID, Message: "invalid search",
			Fields: []bopis.FieldError{{Path: "q", Message: fmt.Sprintf("must be one line of text of at most %d bytes", MaxSearchLength)}}}
	}
	if q == "" {
		return sqldb.List(ctx, c.db.Readers(), p, `SELECT `+SKUColumns+` FROM skus WHERE sku > $1 ORDER BY sku`, nil,
			ScanSKU, func(k *bopis.SKU) string { return k.SKU })
	}
	// LIKE with '!' as the escape on both databases; the barcode pattern
	// matches only a whole barcode ('' when q cannot be one).
	like := "%" + likeEscaper.Replace(strings.ToLower(q)) + "%"
	barcode := ""
	if bopis.ValidBarcode(q) {
		barcode = "% " + q + " %"
	}
	return sqldb.List(ctx, c.db.Readers(), p, `SELECT `+SKUColumns+` FROM skus WHERE sku > $1
		AND (name_folded LIKE $2 ESCAPE '!' OR lower(sku) LIKE $2 ESCAPE '!' OR (' ' || barcodes || ' ') LIKE $3)
		ORDER BY sku`, []any{like, barcode}, ScanSKU, func(k *bopis.SKU) string { return k.SKU })
}

var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

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
	return c.PutStoreSKUs(ctx, []*bopis.StoreSKU{o})
}

// PutStoreSKUs creates or replaces many overrides in one transaction
// (the demo places every SKU of a store): all are checked first, and
// either all are written or none. Their stores and SKUs must exist.
func (c *Catalog) PutStoreSKUs(ctx context.Context, list []*bopis.StoreSKU) error {
	for _, o := range list {
		if err := o.Validate(); err != nil {
			return err
		}
	}
	now, us := c.db.NowMicros()
	var missing *bopis.StoreSKU
	err := c.db.Transact(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `
			INSERT INTO store_skus (store_id, sku, pickup_eligible, safety_stock, low_stock_threshold, updated_at, location)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (store_id, sku) DO UPDATE SET pickup_eligible = excluded.pickup_eligible,
				safety_stock = excluded.safety_stock, low_stock_threshold = excluded.low_stock_threshold,
				updated_at = excluded.updated_at, location = excluded.location`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, o := range list {
			_, err := stmt.ExecContext(ctx, o.StoreID, o.SKU, o.PickupEligible, o.SafetyStock, o.LowStockThreshold, us, o.Location)
			if c.db.Dialect().ForeignKeyViolation(err) {
				missing = o
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if missing != nil {
		if _, err := c.getStoreFromWriter(ctx, missing.StoreID); err != nil {
			return err
		}
		return sqldb.NotFound("SKU", missing.SKU)
	}
	if err != nil {
		return err
	}
	for _, o := range list {
		o.UpdatedAt = now
	}
	return nil
}

// StoreSKUColumns are the columns ScanStoreSKU reads, in its order.
const StoreSKUColumns = `store_id, sku, pickup_eligible, safety_stock, low_stock_threshold, updated_at, location`

// ScanStoreSKU reads a row of StoreSKUColumns.
func ScanStoreSKU(row sqldb.Scanner) (*bopis.StoreSKU, error) {
	var (
		o         bopis.StoreSKU
		eligible  sql.NullBool
		safety    sql.NullInt64
		threshold sql.NullInt64
		updated   int64
	)
	if err := row.Scan(&o.StoreID, &o.SKU, &eligible, &safety, &threshold, &updated, &o.Location); err != nil {
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
