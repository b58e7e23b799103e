-- +goose Up
-- The change feed that keeps the read model current. SQLite has one
-- writer, so a counter bumped by every change orders changes as they
-- commit: a reader takes rows with version in [since, counter]. See
-- docs/adr/0003.
CREATE TABLE change_seq (v BIGINT NOT NULL);
INSERT INTO change_seq (v) VALUES (0);

ALTER TABLE stores ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE skus ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE store_skus ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE inventory_levels ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE store_feeds ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX stores_version ON stores (version);
CREATE INDEX skus_version ON skus (version);
CREATE INDEX store_skus_version ON store_skus (version);
CREATE INDEX inventory_levels_version ON inventory_levels (version);
CREATE INDEX store_feeds_version ON store_feeds (version);

-- +goose StatementBegin
CREATE TRIGGER stores_version_ins AFTER INSERT ON stores BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE stores SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER stores_version_upd AFTER UPDATE OF updated_at ON stores BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE stores SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER skus_version_ins AFTER INSERT ON skus BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE skus SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER skus_version_upd AFTER UPDATE OF updated_at ON skus BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE skus SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER store_skus_version_ins AFTER INSERT ON store_skus BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE store_skus SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER store_skus_version_upd AFTER UPDATE OF updated_at ON store_skus BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE store_skus SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER inventory_levels_version_ins AFTER INSERT ON inventory_levels BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE inventory_levels SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER inventory_levels_version_upd AFTER UPDATE OF on_hand, reserved ON inventory_levels BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE inventory_levels SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER store_feeds_version_ins AFTER INSERT ON store_feeds BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE store_feeds SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER store_feeds_version_upd AFTER UPDATE OF last_event_at, last_count_at ON store_feeds BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE store_feeds SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd

-- A removed override leaves a tombstone, so readers learn of it.
CREATE TABLE store_sku_removals (
    store_id TEXT NOT NULL,
    sku      TEXT NOT NULL,
    version  BIGINT NOT NULL
);
CREATE INDEX store_sku_removals_version ON store_sku_removals (version);
-- +goose StatementBegin
CREATE TRIGGER store_skus_removed AFTER DELETE ON store_skus BEGIN
    UPDATE change_seq SET v = v + 1;
    INSERT INTO store_sku_removals (store_id, sku, version) VALUES (OLD.store_id, OLD.sku, (SELECT v FROM change_seq));
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER store_skus_removed;
DROP TABLE store_sku_removals;
DROP TRIGGER stores_version_ins;
DROP TRIGGER stores_version_upd;
DROP INDEX stores_version;
ALTER TABLE stores DROP COLUMN version;
DROP TRIGGER skus_version_ins;
DROP TRIGGER skus_version_upd;
DROP INDEX skus_version;
ALTER TABLE skus DROP COLUMN version;
DROP TRIGGER store_skus_version_ins;
DROP TRIGGER store_skus_version_upd;
DROP INDEX store_skus_version;
ALTER TABLE store_skus DROP COLUMN version;
DROP TRIGGER inventory_levels_version_ins;
DROP TRIGGER inventory_levels_version_upd;
DROP INDEX inventory_levels_version;
ALTER TABLE inventory_levels DROP COLUMN version;
DROP TRIGGER store_feeds_version_ins;
DROP TRIGGER store_feeds_version_upd;
DROP INDEX store_feeds_version;
ALTER TABLE store_feeds DROP COLUMN version;
DROP TABLE change_seq;
