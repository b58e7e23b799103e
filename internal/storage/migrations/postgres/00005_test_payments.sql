-- +goose Up
-- Authorizations of the built-in test gateway (internal/payment.Test):
-- what a card processor would keep, so captures and voids behave the same
-- across restarts and bopis processes. Amounts in minor units, times
-- BIGINT unix microseconds (UTC).
CREATE TABLE test_payments (
    id         TEXT PRIMARY KEY,
    token      TEXT NOT NULL,
    reference  TEXT NOT NULL,
    amount     BIGINT NOT NULL,
    currency   TEXT NOT NULL,
    captured   BIGINT NOT NULL DEFAULT 0,
    status     TEXT NOT NULL, -- authorized, captured, voided
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE test_payments;
