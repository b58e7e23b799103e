-- +goose Up
-- SQLite's migration 00010 lets its hot writers stamp versions once per
-- statement instead of through a trigger that updates each row again.
-- PostgreSQL's triggers already stamp NEW.version before the row is
-- written, once: nothing to change; the number is kept for both.
SELECT 1;

-- +goose Down
SELECT 1;
