-- +goose Up
-- Store work: picking, staging, curbside arrival, handoff, and the
-- payment settled when an order (and any linked order) closes. Times
-- are BIGINT unix microseconds (UTC); money BIGINT minor units.
ALTER TABLE orders ADD COLUMN parent_order_id TEXT NOT NULL DEFAULT '';     -- a linked order's parent (reroute)
ALTER TABLE orders ADD COLUMN staging_location TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN arrived_at BIGINT;                              -- curbside "I'm here"
ALTER TABLE orders ADD COLUMN handed_at BIGINT;                               -- handoff
ALTER TABLE orders ADD COLUMN handoff_failures INTEGER NOT NULL DEFAULT 0;    -- wrong codes in a row
ALTER TABLE orders ADD COLUMN handoff_locked_until BIGINT;
ALTER TABLE orders ADD COLUMN handed_amount BIGINT NOT NULL DEFAULT 0;        -- value handed over
ALTER TABLE orders ADD COLUMN settle_amount BIGINT NOT NULL DEFAULT 0;        -- to capture while capture_pending
ALTER TABLE orders ADD COLUMN refund_due BIGINT NOT NULL DEFAULT 0;           -- captured at placement, not handed over
CREATE INDEX orders_family ON orders (parent_order_id);
CREATE INDEX orders_payment ON orders (payment_status);

ALTER TABLE order_lines ADD COLUMN linked_order_id TEXT NOT NULL DEFAULT '';
ALTER TABLE order_lines ADD COLUMN answer_by BIGINT;                          -- a proposed substitute's deadline
CREATE INDEX order_lines_answer_by ON order_lines (answer_by);

-- +goose Down
DROP INDEX order_lines_answer_by;
ALTER TABLE order_lines DROP COLUMN answer_by;
ALTER TABLE order_lines DROP COLUMN linked_order_id;
DROP INDEX orders_payment;
DROP INDEX orders_family;
ALTER TABLE orders DROP COLUMN refund_due;
ALTER TABLE orders DROP COLUMN settle_amount;
ALTER TABLE orders DROP COLUMN handed_amount;
ALTER TABLE orders DROP COLUMN handoff_locked_until;
ALTER TABLE orders DROP COLUMN handoff_failures;
ALTER TABLE orders DROP COLUMN handed_at;
ALTER TABLE orders DROP COLUMN arrived_at;
ALTER TABLE orders DROP COLUMN staging_location;
ALTER TABLE orders DROP COLUMN parent_order_id;
