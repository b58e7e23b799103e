-- +goose Up
-- The change feed finds the levels that changed by the ledger rows
-- written since (ADR 0020): a level no longer carries a version of its
-- own, so no write moves it in a version index (a delete at a random
-- place and an insert per level changed).
DROP TRIGGER inventory_levels_version_upd;
DROP TRIGGER inventory_levels_version_ins;
DROP INDEX inventory_levels_version;

-- +goose Down
CREATE INDEX inventory_levels_version ON inventory_levels (version);
-- +goose StatementBegin
CREATE TRIGGER inventory_levels_version_upd AFTER UPDATE OF on_hand, reserved ON inventory_levels
WHEN NEW.version <= (SELECT v FROM change_seq) BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE inventory_levels SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER inventory_levels_version_ins AFTER INSERT ON inventory_levels
WHEN NEW.version <= (SELECT v FROM change_seq) BEGIN
    UPDATE change_seq SET v = v + 1;
    UPDATE inventory_levels SET version = (SELECT v FROM change_seq) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd
