-- +goose Up
-- Timers that derive from the order: each is a due time on the order row
-- (hold_until, promised_ready_at, authorization_expires_at) and a column
-- saying how far it has fired, so firing is a conditional update that
-- happens once however many processes sweep, and a restart recomputes
-- nothing. Times are BIGINT unix microseconds (UTC).
ALTER TABLE orders ADD COLUMN reminders_sent INTEGER NOT NULL DEFAULT 0; -- pickup reminders fired (or skipped)
ALTER TABLE orders ADD COLUMN delayed_at BIGINT;                         -- order.delayed raised
ALTER TABLE orders ADD COLUMN auth_checked BIGINT;                       -- the authorization_expires_at last handled
ALTER TABLE orders ADD COLUMN payment_token TEXT NOT NULL DEFAULT '';    -- sealed: re-authorization, ship-to-home
ALTER TABLE orders ADD COLUMN rescheduled_for TEXT NOT NULL DEFAULT '';  -- the closed local date an order was moved off
ALTER TABLE orders ADD COLUMN ship_order_id TEXT NOT NULL DEFAULT '';    -- the ship-to-home order made from it
CREATE INDEX orders_hold_until ON orders (status, hold_until);
CREATE INDEX orders_promised_open ON orders (status, promised_ready_at);
CREATE INDEX orders_authorization ON orders (payment_status, authorization_expires_at);

-- +goose Down
DROP INDEX orders_authorization;
DROP INDEX orders_promised_open;
DROP INDEX orders_hold_until;
ALTER TABLE orders DROP COLUMN ship_order_id;
ALTER TABLE orders DROP COLUMN rescheduled_for;
ALTER TABLE orders DROP COLUMN payment_token;
ALTER TABLE orders DROP COLUMN auth_checked;
ALTER TABLE orders DROP COLUMN delayed_at;
ALTER TABLE orders DROP COLUMN reminders_sent;
