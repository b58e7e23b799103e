-- +goose Up
-- SQLite's migration 00017 adds an index its POS batches read SKUs'
-- thresholds from; PostgreSQL's plans need none: the number is kept for
-- both.
SELECT 1;

-- +goose Down
SELECT 1;
