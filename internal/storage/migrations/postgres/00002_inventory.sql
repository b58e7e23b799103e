-- +goose Up
-- Inventory: the POS feed, counts, adjustments, reservations, alerts and
-- the outbox of events. Times are BIGINT unix microseconds (UTC).

-- The newest snapshot applied to a level, and the newest change (POS
-- delta, adjustment, handoff) applied to it: a delta older than the
-- snapshot is already counted in it, and a snapshot older than a change
-- must add that change back.
ALTER TABLE inventory_levels ADD COLUMN last_snapshot_at BIGINT;
ALTER TABLE inventory_levels ADD COLUMN last_move_at BIGINT;
ALTER TABLE inventory_ledger ADD COLUMN reason TEXT NOT NULL DEFAULT '';

-- Per store: when its POS last sent an event (server clock: is the feed
-- alive?) and the as_of of its last whole-store count (a snapshot of
-- every SKU of the store).
CREATE TABLE store_feeds (
    store_id      TEXT PRIMARY KEY REFERENCES stores(id),
    last_event_at BIGINT,
    last_count_at BIGINT
);

-- Every stock event that was applied or found stale, kept so a resent
-- event is recognised (origin 'pos', id the POS's), and every other
-- change of on_hand with its time (origin 'bopis': adjustments,
-- handoffs), so a snapshot arriving late can add back what happened
-- after it. Rejected events are not kept: the POS may fix and resend.
CREATE TABLE inventory_events (
    store_id    TEXT NOT NULL,
    origin      TEXT NOT NULL,
    id          TEXT NOT NULL,
    sku         TEXT NOT NULL,
    kind        TEXT NOT NULL, -- snapshot, delta, adjustment, handoff
    quantity    BIGINT NOT NULL, -- on_hand of a snapshot, else the change asked for
    reason      TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    status      TEXT NOT NULL, -- applied or stale
    PRIMARY KEY (store_id, origin, id)
);
CREATE INDEX inventory_events_moves ON inventory_events (store_id, sku, occurred_at);

-- Units held for a reference (an order, a hold) at one store.
CREATE TABLE reservations (
    id         BIGSERIAL PRIMARY KEY,
    store_id   TEXT NOT NULL,
    sku        TEXT NOT NULL,
    quantity   BIGINT NOT NULL,
    status     TEXT NOT NULL, -- open, released, consumed
    reference  TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX reservations_reference ON reservations (reference, status);

-- Alerts: subject is the SKU of a low_stock alert, '' for a store's
-- stale_feed. At most one open alert per type, store and subject.
CREATE TABLE alerts (
    id        BIGSERIAL PRIMARY KEY,
    type      TEXT NOT NULL,
    store_id  TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    JSONB NOT NULL,
    opened_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE UNIQUE INDEX alerts_open ON alerts (type, store_id, subject) WHERE closed_at IS NULL;

-- The outbox: events (inventory.low_stock, ...) recorded in the
-- transaction of the change that caused them; delivered later.
CREATE TABLE events (
    id         BIGSERIAL PRIMARY KEY,
    type       TEXT NOT NULL,
    store_id   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    payload    JSONB NOT NULL,
    created_at BIGINT NOT NULL
);

-- The first answer to a request sent with an Idempotency-Key, by the
-- caller's scope (API key and operation).
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response     JSONB NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE events;
DROP TABLE alerts;
DROP TABLE reservations;
DROP TABLE inventory_events;
DROP TABLE store_feeds;
ALTER TABLE inventory_ledger DROP COLUMN reason;
ALTER TABLE inventory_levels DROP COLUMN last_move_at;
ALTER TABLE inventory_levels DROP COLUMN last_snapshot_at;
