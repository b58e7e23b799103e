-- +goose Up
-- Orders, their lines and timeline, slot bookings and checkout holds.
-- Times are BIGINT unix microseconds (UTC), except slot_bookings.slot_start
-- (unix seconds, the calendar's key); money is BIGINT minor units.

CREATE TABLE orders (
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
    updated_at               BIGINT NOT NULL
);
-- The store's queue: by promised time.
CREATE INDEX orders_queue ON orders (store_id, status, promised_ready_at, id);
CREATE INDEX orders_promised ON orders (promised_ready_at, id);

CREATE TABLE order_lines (
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
    substitute      TEXT, -- JSON
    PRIMARY KEY (order_id, id)
);

-- Every change of an order, in order: the timeline.
CREATE TABLE order_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    TEXT NOT NULL,
    type        TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    detail      TEXT NOT NULL, -- JSON
    created_at  BIGINT NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, id);

-- Bookings taken in each store's pickup slots, by orders and holds; a
-- booking is only ever added by a conditional statement that keeps it
-- within the slot's capacity.
CREATE TABLE slot_bookings (
    store_id   TEXT NOT NULL,
    slot_start BIGINT NOT NULL,
    booked     INTEGER NOT NULL,
    version    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (store_id, slot_start)
);
CREATE INDEX slot_bookings_version ON slot_bookings (version);

-- Stock and a slot held for a cart while the shopper pays.
CREATE TABLE holds (
    id         TEXT PRIMARY KEY,
    status     TEXT NOT NULL,
    store_id   TEXT NOT NULL REFERENCES stores(id),
    method     TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    slot_start BIGINT NOT NULL,
    slot_end   BIGINT NOT NULL,
    lines      TEXT NOT NULL, -- JSON
    expires_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    order_id   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX holds_expiry ON holds (status, expires_at);

-- +goose StatementBegin
CREATE TRIGGER slot_bookings_version_ins AFTER INSERT ON slot_bookings BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE slot_bookings SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER slot_bookings_version_upd AFTER UPDATE OF booked ON slot_bookings BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE slot_bookings SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE holds;
DROP TABLE slot_bookings;
DROP TABLE order_events;
DROP TABLE order_lines;
DROP TABLE orders;
