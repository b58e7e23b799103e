-- +goose Up
-- The change feed that keeps each process's read model current: every row
-- the read model holds carries the id of the transaction that last wrote
-- it. A reader takes rows with version in [since, xmin), where xmin is the
-- oldest transaction still running: every transaction below it has ended,
-- so no row is skipped however commits interleave. See docs/adr/0003.
-- +goose StatementBegin
CREATE FUNCTION bopis_stamp_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := txid_current();
    RETURN NEW;
END $$;
-- +goose StatementEnd

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

CREATE TRIGGER stores_version BEFORE INSERT OR UPDATE ON stores
    FOR EACH ROW EXECUTE FUNCTION bopis_stamp_version();
CREATE TRIGGER skus_version BEFORE INSERT OR UPDATE ON skus
    FOR EACH ROW EXECUTE FUNCTION bopis_stamp_version();
CREATE TRIGGER store_skus_version BEFORE INSERT OR UPDATE ON store_skus
    FOR EACH ROW EXECUTE FUNCTION bopis_stamp_version();
CREATE TRIGGER inventory_levels_version BEFORE INSERT OR UPDATE OF on_hand, reserved ON inventory_levels
    FOR EACH ROW EXECUTE FUNCTION bopis_stamp_version();
CREATE TRIGGER store_feeds_version BEFORE INSERT OR UPDATE ON store_feeds
    FOR EACH ROW EXECUTE FUNCTION bopis_stamp_version();

-- A removed override leaves a tombstone, so readers learn of it.
CREATE TABLE store_sku_removals (
    store_id TEXT NOT NULL,
    sku      TEXT NOT NULL,
    version  BIGINT NOT NULL
);
CREATE INDEX store_sku_removals_version ON store_sku_removals (version);
-- +goose StatementBegin
CREATE FUNCTION bopis_store_sku_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO store_sku_removals (store_id, sku, version) VALUES (OLD.store_id, OLD.sku, txid_current());
    RETURN OLD;
END $$;
-- +goose StatementEnd
CREATE TRIGGER store_skus_removed AFTER DELETE ON store_skus
    FOR EACH ROW EXECUTE FUNCTION bopis_store_sku_removed();

-- +goose Down
DROP TRIGGER store_skus_removed ON store_skus;
DROP FUNCTION bopis_store_sku_removed();
DROP TABLE store_sku_removals;
DROP TRIGGER store_feeds_version ON store_feeds;
DROP TRIGGER inventory_levels_version ON inventory_levels;
DROP TRIGGER store_skus_version ON store_skus;
DROP TRIGGER skus_version ON skus;
DROP TRIGGER stores_version ON stores;
ALTER TABLE store_feeds DROP COLUMN version;
ALTER TABLE inventory_levels DROP COLUMN version;
ALTER TABLE store_skus DROP COLUMN version;
ALTER TABLE skus DROP COLUMN version;
ALTER TABLE stores DROP COLUMN version;
DROP FUNCTION bopis_stamp_version();
