-- +goose Up
-- A POS batch reads each SKU's low-stock threshold by sku: from this
-- index, one search, rather than the primary key's index and then the
-- row (dialect.skuThresholds).
CREATE INDEX skus_threshold ON skus (sku, low_stock_threshold);

-- +goose Down
DROP INDEX skus_threshold;
