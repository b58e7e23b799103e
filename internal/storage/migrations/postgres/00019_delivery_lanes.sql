-- +goose Up
-- Lanes of the outbox (issue 40): a customer's order messages never wait
-- behind bulk inventory events. Each lane finds its undispatched events
-- by an index of its own, so the order lane reads a handful of rows
-- however many low-stock events wait in the other (outbox.Lane; the
-- predicates are written exactly as outbox.UndispatchedEvents writes them,
-- which both planners need to use a partial index).
DROP INDEX events_undispatched;
CREATE INDEX events_undispatched_orders ON events (id) WHERE dispatched_at IS NULL AND type NOT LIKE 'inventory.%';
CREATE INDEX events_undispatched_bulk ON events (id) WHERE dispatched_at IS NULL AND type LIKE 'inventory.%';
-- Each webhook's deliveries are claimed apart from the others', so one
-- slow or dead endpoint delays no other.
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at) WHERE status = 'pending';
-- A webhook's deliveries of the order lane are claimed first, found
-- without reading its backlog of inventory events (outbox.ClaimDeliveries).
CREATE INDEX webhook_deliveries_due_orders ON webhook_deliveries (webhook_id, next_attempt_at)
    WHERE status = 'pending' AND event_type NOT LIKE 'inventory.%';
-- A store's low-stock digest (inventory.low_stock_digest): the interval's
-- low-stock events found by time, and one digest per store and interval
-- (its subject, the interval's start), whichever process writes it first.
CREATE INDEX events_low_stock ON events (created_at) WHERE type = 'inventory.low_stock';
CREATE UNIQUE INDEX events_low_stock_digest ON events (store_id, subject) WHERE type = 'inventory.low_stock_digest';

-- +goose Down
DROP INDEX events_low_stock_digest;
DROP INDEX events_low_stock;
DROP INDEX webhook_deliveries_due_orders;
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
DROP INDEX events_undispatched_bulk;
DROP INDEX events_undispatched_orders;
CREATE INDEX events_undispatched ON events (id) WHERE dispatched_at IS NULL;
