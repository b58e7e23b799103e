-- +goose Up
-- An order's store and an order line's order are foreign keys again
-- (issue 38; supersedes ADR 0019): the database, not only the code,
-- refuses an order at an unknown store or a line without its order.
-- SQLite cannot add a constraint: both tables are rebuilt, orders
-- first, so the lines' new table refers to the final orders table.
CREATE TABLE orders_new (
    id                       TEXT PRIMARY KEY,
    external_id              TEXT NOT NULL,
    status                   TEXT NOT NULL,
    store_id                 TEXT NOT NULL REFERENCES stores(id),
    method                   TEXT NOT NULL,
    time_zone                TEXT NOT NULL,
    pickup_code              TEXT NOT NULL,
    promised_ready_at        BIGINT NOT NULL,
    slot_start               BIGINT NOT NULL,
    slot_end                 BIGINT NOT NULL,
    hold_until               BIGINT,
    placed_by                TEXT NOT NULL, -- the API key that placed it
    hold_id                  TEXT NOT NULL,
    payment_gateway          TEXT NOT NULL,
    payment_id               TEXT NOT NULL,
    payment_status           TEXT NOT NULL,
    capture_policy           TEXT NOT NULL,
    currency                 TEXT NOT NULL,
    authorized_amount        BIGINT NOT NULL,
    captured_amount          BIGINT NOT NULL,
    authorization_expires_at BIGINT NOT NULL,
    details                  TEXT NOT NULL, -- JSON: customer, pickup person, shipping address, routing
    created_at               BIGINT NOT NULL,
    updated_at               BIGINT NOT NULL,
    parent_order_id          TEXT NOT NULL DEFAULT '',
    staging_location         TEXT NOT NULL DEFAULT '',
    arrived_at               BIGINT,
    handed_at                BIGINT,
    handoff_failures         INTEGER NOT NULL DEFAULT 0,
    handoff_locked_until     BIGINT,
    handed_amount            BIGINT NOT NULL DEFAULT 0,
    settle_amount            BIGINT NOT NULL DEFAULT 0,
    refund_due               BIGINT NOT NULL DEFAULT 0,
    reminders_sent           INTEGER NOT NULL DEFAULT 0,
    delayed_at               BIGINT,
    auth_checked             BIGINT,
    payment_token            TEXT NOT NULL DEFAULT '',
    rescheduled_for          TEXT NOT NULL DEFAULT '',
    ship_order_id            TEXT NOT NULL DEFAULT ''
);
INSERT INTO orders_new SELECT * FROM orders;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX orders_queue ON orders (store_id, status, promised_ready_at, id);
CREATE INDEX orders_promised ON orders (promised_ready_at, id);
CREATE INDEX orders_promised_open ON orders (status, promised_ready_at);
CREATE INDEX orders_authorization ON orders (payment_status, authorization_expires_at);
CREATE INDEX orders_family ON orders (parent_order_id) WHERE parent_order_id <> '';
CREATE INDEX orders_hold_until ON orders (status, hold_until) WHERE hold_until IS NOT NULL;

CREATE TABLE order_lines_new (
    order_id        TEXT NOT NULL REFERENCES orders(id),
    id              TEXT NOT NULL,
    position        INTEGER NOT NULL,
    sku             TEXT NOT NULL,
    quantity        BIGINT NOT NULL,
    unit_price      BIGINT NOT NULL,
    fulfillment     TEXT NOT NULL,
    location_id     TEXT NOT NULL, -- where it is reserved; '' when nowhere
    status          TEXT NOT NULL,
    picked_quantity BIGINT,
    substitute      TEXT,          -- JSON
    linked_order_id TEXT NOT NULL DEFAULT '',
    answer_by       BIGINT,
    PRIMARY KEY (order_id, id)
);
INSERT INTO order_lines_new SELECT * FROM order_lines;
DROP TABLE order_lines;
ALTER TABLE order_lines_new RENAME TO order_lines;
CREATE INDEX order_lines_answer_by ON order_lines (answer_by) WHERE answer_by IS NOT NULL;

-- +goose Down
SELECT 'the foreign keys of orders and order lines are kept (issue 38)';
