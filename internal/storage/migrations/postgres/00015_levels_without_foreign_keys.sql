-- +goose Up
-- A level's store and SKU are no longer foreign keys on PostgreSQL (ADR
-- 0021): a new level checked both, locking the store's row and the SKU's
-- row for each, so a 50,000-SKU count locked 50,000 SKU rows and wrote
-- each lock. Every writer of levels checks the store and keeps only
-- known SKUs itself (storeExists, loadLevels); neither is ever deleted.
ALTER TABLE inventory_levels DROP CONSTRAINT inventory_levels_store_id_fkey;
ALTER TABLE inventory_levels DROP CONSTRAINT inventory_levels_sku_fkey;

-- +goose Down
ALTER TABLE inventory_levels ADD CONSTRAINT inventory_levels_store_id_fkey FOREIGN KEY (store_id) REFERENCES stores(id);
ALTER TABLE inventory_levels ADD CONSTRAINT inventory_levels_sku_fkey FOREIGN KEY (sku) REFERENCES skus(sku);
