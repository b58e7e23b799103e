-- +goose Up
-- Lanes of the outbox (issue 40): a customer's order messages never wait
-- behind bulk inventory events. Each lane finds its undispatched events
-- by an index of its own, so the order lane reads a handful of rows
-- however many low-stock events wait in the other (dispatch.Lane; the
-- predicates are written exactly as outbox.UndispatchedEvents writes them,
-- which both planners need to use a partial index).
DROP INDEX events_undispatched;
CREATE INDEX events_undispatched_orders ON events (id) WHERE dispatched_at IS NULL AND type NOT LIKE 'inventory.%';
CREATE INDEX events_undispatched_bulk ON events (id) WHERE dispatched_at IS NULL AND type LIKE 'inventory.%';
-- Each webhook's deliveries are claimed apart from the others', so one
-- slow or dead endpoint delays no other.
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (webhook_id, next_attempt_at) WHERE status = 'pending';

-- +goose Down
DROP INDEX webhook_deliveries_due;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
DROP INDEX events_undispatched_bulk;
DROP INDEX events_undispatched_orders;
CREATE INDEX events_undispatched ON events (id) WHERE dispatched_at IS NULL;
