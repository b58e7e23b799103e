package stock

import (
	"context"
	"database/sql"

	"github.com/bopis/bopis"
	"github.com/bopis/bopis/internal/sqldb"
)

// Availability returns, for every existing store of storeIDs and SKU of
// skus, what may be promised there, ordered by store and SKU. A store
// that has no level of a SKU has none available. Whether a store offers
// pickup at all (active, type store) is the caller's to check with the
// store.
func (db *Stock) Availability(ctx context.Context, storeIDs, skus []string) ([]bopis.Availability, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT s.id, k.sku, k.pickup_eligible, k.active, o.pickup_eligible,
			COALESCE(o.safety_stock, $3), COALESCE(l.on_hand, 0), COALESCE(l.reserved, 0), f.last_event_at
		FROM stores s CROSS JOIN skus k
		LEFT JOIN store_skus o ON o.store_id = s.id AND o.sku = k.sku
		LEFT JOIN inventory_levels l ON l.store_id = s.id AND l.sku = k.sku
		LEFT JOIN store_feeds f ON f.store_id = s.id
		WHERE s.id `+db.dialect.InList("$1")+`
		AND k.sku `+db.dialect.InList("$2")+`
		ORDER BY s.id, k.sku`, sqldb.JSONList(storeIDs), sqldb.JSONList(skus), db.safetyStock)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []bopis.Availability{}
	feeds := map[string]bopis.FeedStatus{}
	for rows.Next() {
		var (
			a        bopis.Availability
			k        bopis.SKU
			override sql.NullBool
			last     sql.NullInt64
		)
		if err := rows.Scan(&a.StoreID, &a.SKU, &k.PickupEligible, &k.Active, &override, &a.SafetyStock,
			&a.OnHand, &a.Reserved, &last); err != nil {
			return nil, err
		}
		o := &bopis.StoreSKU{}
		if override.Valid {
			o.PickupEligible = &override.Bool
		}
		feed, ok := feeds[a.StoreID]
		if !ok {
			feed = db.feedStatus(sqldb.NullInt(last))
			feeds[a.StoreID] = feed
		}
		a.Eligible = bopis.PickupEligible(&k, o)
		a.Available = bopis.Available(a.OnHand, a.Reserved, a.SafetyStock)
		a.FeedStale = feed.Stale
		if a.Eligible {
			a.Promisable = bopis.Promisable(a.Available, a.FeedStale, db.staleBuffer)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
