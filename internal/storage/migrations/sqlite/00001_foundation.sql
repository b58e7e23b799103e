-- +goose Up
-- Times are BIGINT unix microseconds (UTC) in both dialects; see docs/adr/0001-storage.md.
CREATE TABLE stores (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    location_id BIGINT UNIQUE,
    latitude    REAL NOT NULL,
    longitude   REAL NOT NULL,
    time_zone   TEXT NOT NULL,
    active      BOOLEAN NOT NULL,
    doc         TEXT NOT NULL, -- the whole bopis.Store as the API shows it
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE skus (
    sku                 TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    variant_id          BIGINT UNIQUE,
    pickup_eligible     BOOLEAN NOT NULL,
    extra_prep_minutes  INTEGER NOT NULL,
    low_stock_threshold INTEGER NOT NULL,
    active              BOOLEAN NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);

CREATE TABLE store_skus (
    store_id            TEXT NOT NULL REFERENCES stores(id),
    sku                 TEXT NOT NULL REFERENCES skus(sku),
    pickup_eligible     BOOLEAN,
    safety_stock        INTEGER,
    low_stock_threshold INTEGER,
    updated_at          BIGINT NOT NULL,
    PRIMARY KEY (store_id, sku)
);

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    store_ids  TEXT NOT NULL,
    origins    TEXT NOT NULL,
    hash       BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash);

CREATE TABLE inventory_levels (
    store_id   TEXT NOT NULL REFERENCES stores(id),
    sku        TEXT NOT NULL REFERENCES skus(sku),
    on_hand    BIGINT NOT NULL,
    reserved   BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (store_id, sku)
);

-- Every change to on_hand or reserved, append-only; replaying it gives the levels.
CREATE TABLE inventory_ledger (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    store_id       TEXT NOT NULL,
    sku            TEXT NOT NULL,
    cause          TEXT NOT NULL,
    reference      TEXT NOT NULL,
    on_hand_delta  BIGINT NOT NULL,
    reserved_delta BIGINT NOT NULL,
    at             BIGINT NOT NULL
);
CREATE INDEX inventory_ledger_store_sku ON inventory_ledger (store_id, sku, id);

-- +goose Down
DROP TABLE inventory_ledger;
DROP TABLE inventory_levels;
DROP TABLE api_keys;
DROP TABLE store_skus;
DROP TABLE skus;
DROP TABLE stores;
