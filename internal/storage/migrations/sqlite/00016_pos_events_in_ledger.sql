-- +goose Up
-- A POS event, an adjustment, a handoff and a short pick are kept as
-- their ledger row (ADR 0024): the row carries when the change happened
-- (occurred_at), what was asked (quantity: a snapshot's count, else the
-- change) and whether it applied or was stale (status). A remembered
-- event that changed nothing is a row with both deltas 0, which the
-- ledger's readers leave out. Rows that are not such moves
-- (reservations, releases, counts) have all three NULL. One row and two
-- index entries per event instead of two rows and three entries.
ALTER TABLE inventory_ledger ADD COLUMN occurred_at BIGINT;
ALTER TABLE inventory_ledger ADD COLUMN quantity BIGINT;
ALTER TABLE inventory_ledger ADD COLUMN status TEXT;

-- A POS event id is seen once per store: resends are found here.
CREATE UNIQUE INDEX inventory_ledger_pos_events ON inventory_ledger (store_id, reference)
    WHERE cause IN ('pos_snapshot', 'pos_delta');

-- A POS event that changed stock has its ledger row: the row takes the
-- event's time and quantity. Every other remembered move becomes a row
-- of its own that changes nothing.
UPDATE inventory_ledger AS l SET occurred_at = e.occurred_at, quantity = e.quantity, status = e.status
    FROM inventory_events e
    WHERE e.origin = 'pos' AND e.store_id = l.store_id AND e.id = l.reference
        AND l.cause IN ('pos_snapshot', 'pos_delta');
INSERT INTO inventory_ledger (store_id, sku, cause, reference, reason, on_hand_delta, reserved_delta, at, occurred_at, quantity, status)
    SELECT e.store_id, e.sku, CASE e.kind WHEN 'snapshot' THEN 'pos_snapshot' WHEN 'delta' THEN 'pos_delta' ELSE e.kind END,
        CASE e.origin WHEN 'pos' THEN e.id ELSE '' END, e.reason, 0, 0, e.received_at, e.occurred_at, e.quantity, e.status
    FROM inventory_events e
    WHERE e.origin <> 'pos' OR NOT EXISTS (SELECT 1 FROM inventory_ledger l
        WHERE l.store_id = e.store_id AND l.reference = e.id AND l.cause IN ('pos_snapshot', 'pos_delta'))
    ORDER BY e.received_at, e.store_id, e.id;
DROP TABLE inventory_events;

-- A level's rows by time: the moves a late snapshot adds back, and the
-- level's page of the ledger.
DROP INDEX inventory_ledger_store_sku;
CREATE INDEX inventory_ledger_moves ON inventory_ledger (store_id, sku, occurred_at);

-- +goose Down
CREATE TABLE inventory_events (
    store_id    TEXT NOT NULL,
    origin      TEXT NOT NULL,
    id          TEXT NOT NULL,
    sku         TEXT NOT NULL,
    kind        TEXT NOT NULL,
    quantity    BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    status      TEXT NOT NULL,
    PRIMARY KEY (store_id, origin, id)
);
CREATE INDEX inventory_events_moves ON inventory_events (store_id, sku, occurred_at);
INSERT INTO inventory_events (store_id, origin, id, sku, kind, quantity, reason, occurred_at, received_at, status)
    SELECT store_id, CASE WHEN cause IN ('pos_snapshot', 'pos_delta') THEN 'pos' ELSE 'bopis' END,
        CASE WHEN cause IN ('pos_snapshot', 'pos_delta') THEN reference ELSE cause || '-' || CAST(id AS TEXT) END,
        sku, CASE cause WHEN 'pos_snapshot' THEN 'snapshot' WHEN 'pos_delta' THEN 'delta' ELSE cause END,
        quantity, reason, occurred_at, at, status
    FROM inventory_ledger WHERE quantity IS NOT NULL;
DELETE FROM inventory_ledger WHERE on_hand_delta = 0 AND reserved_delta = 0;
DROP INDEX inventory_ledger_moves;
DROP INDEX inventory_ledger_pos_events;
CREATE INDEX inventory_ledger_store_sku ON inventory_ledger (store_id, sku, id);
ALTER TABLE inventory_ledger DROP COLUMN status;
ALTER TABLE inventory_ledger DROP COLUMN quantity;
ALTER TABLE inventory_ledger DROP COLUMN occurred_at;
