-- +goose Up
-- SQLite's migration 00014 lets its change feed find changed levels by
-- the ledger (ADR 0020). PostgreSQL numbers ledger rows as they are
-- inserted, not as they commit, so its levels keep their versions:
-- nothing to change; the number is kept for both.
SELECT 1;

-- +goose Down
SELECT 1;
