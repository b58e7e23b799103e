-- +goose Up
-- An order's store and an order line's order are no longer foreign keys
-- (ADR 0019): checking them cost every placement four lookups, one of
-- them locking the store's row. Placement writes an order only at a
-- store routing found in the store network (stores are never deleted)
-- and its lines with it in one transaction.
ALTER TABLE order_lines DROP CONSTRAINT order_lines_order_id_fkey;
ALTER TABLE orders DROP CONSTRAINT orders_store_id_fkey;

-- +goose Down
ALTER TABLE orders ADD CONSTRAINT orders_store_id_fkey FOREIGN KEY (store_id) REFERENCES stores(id);
ALTER TABLE order_lines ADD CONSTRAINT order_lines_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders(id);
