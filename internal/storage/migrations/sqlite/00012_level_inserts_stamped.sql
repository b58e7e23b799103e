-- +goose Up
-- A POS batch stamps the levels it inserts itself, as it does those it
-- updates (migration 00010): the insert trigger skips them instead of
-- updating each new row a second time and bumping the counter per row.
-- PostgreSQL's BEFORE trigger costs no second write and stays.
DROP TRIGGER inventory_levels_version_ins;
-- +goose StatementBegin
CREATE TRIGGER inventory_levels_version_ins AFTER INSERT ON inventory_levels
WHEN NEW.version <= (SELECT v FROM change_seq) BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE inventory_levels SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER inventory_levels_version_ins;
-- +goose StatementBegin
CREATE TRIGGER inventory_levels_version_ins AFTER INSERT ON inventory_levels BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE inventory_levels SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
