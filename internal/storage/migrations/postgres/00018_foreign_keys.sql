-- +goose Up
-- The foreign keys dropped for speed come back (issue 38; supersedes
-- ADRs 0019 and 0021): an order's store, an order line's order, a
-- level's store and SKU. The database refuses an orphan whatever the
-- code does.
ALTER TABLE orders ADD CONSTRAINT orders_store_id_fkey FOREIGN KEY (store_id) REFERENCES stores(id);
ALTER TABLE order_lines ADD CONSTRAINT order_lines_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders(id);
ALTER TABLE inventory_levels ADD CONSTRAINT inventory_levels_store_id_fkey FOREIGN KEY (store_id) REFERENCES stores(id);
ALTER TABLE inventory_levels ADD CONSTRAINT inventory_levels_sku_fkey FOREIGN KEY (sku) REFERENCES skus(sku);

-- +goose Down
ALTER TABLE inventory_levels DROP CONSTRAINT inventory_levels_sku_fkey;
ALTER TABLE inventory_levels DROP CONSTRAINT inventory_levels_store_id_fkey;
ALTER TABLE order_lines DROP CONSTRAINT order_lines_order_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_store_id_fkey;
