-- +goose Up
-- SQLite's migration 00012 lets a POS batch stamp the versions of the
-- levels it inserts, as 00010 did for those it updates. PostgreSQL's
-- trigger already stamps NEW.version before the row is written, once:
-- nothing to change; the number is kept for both.
SELECT 1;

-- +goose Down
SELECT 1;
