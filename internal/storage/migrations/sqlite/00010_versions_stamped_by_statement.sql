-- +goose Up
-- The hot writers of levels, feeds and slot bookings (a POS batch, a
-- reservation, a booking) stamp version themselves, once per statement
-- (version = counter + 1, then the counter is bumped: see
-- DB.bumpVersions). Their rows skip the trigger, which updated each row
-- a second time and bumped the counter per row. Any other writer still
-- leaves version at or below the counter, and the trigger stamps it.
DROP TRIGGER inventory_levels_version_upd;
DROP TRIGGER store_feeds_version_upd;
DROP TRIGGER slot_bookings_version_upd;
-- +goose StatementBegin
CREATE TRIGGER inventory_levels_version_upd AFTER UPDATE OF on_hand, reserved ON inventory_levels
WHEN NEW.version <= (SELECT v FROM change_seq) BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE inventory_levels SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER store_feeds_version_upd AFTER UPDATE OF last_event_at, last_count_at ON store_feeds
WHEN NEW.version <= (SELECT v FROM change_seq) BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE store_feeds SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER slot_bookings_version_upd AFTER UPDATE OF booked ON slot_bookings
WHEN NEW.version <= (SELECT v FROM change_seq) BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE slot_bookings SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER inventory_levels_version_upd;
DROP TRIGGER store_feeds_version_upd;
DROP TRIGGER slot_bookings_version_upd;
-- +goose StatementBegin
CREATE TRIGGER inventory_levels_version_upd AFTER UPDATE OF on_hand, reserved ON inventory_levels BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE inventory_levels SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER store_feeds_version_upd AFTER UPDATE OF last_event_at, last_count_at ON store_feeds BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE store_feeds SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER slot_bookings_version_upd AFTER UPDATE OF booked ON slot_bookings BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE slot_bookings SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
