-- +goose Up
-- Delivery of the outbox: every event is fanned out once (dispatched_at)
-- into customer notifications (email, SMS) and webhook deliveries, each
-- sent and retried on its own. Times are BIGINT unix microseconds (UTC).
ALTER TABLE events ADD COLUMN dispatched_at BIGINT;
CREATE INDEX events_undispatched ON events (id) WHERE dispatched_at IS NULL;

CREATE TABLE notifications (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id        TEXT NOT NULL,
    event_id        BIGINT NOT NULL,
    event_type      TEXT NOT NULL,
    channel         TEXT NOT NULL,    -- email, sms
    template        TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    status          TEXT NOT NULL,    -- pending, sent, failed, not_sent
    reason          TEXT NOT NULL,    -- why not sent, or the last error
    attempts        INTEGER NOT NULL,
    next_attempt_at BIGINT,           -- when pending: not before (quiet hours, backoff, a sender's lease)
    provider_id     TEXT NOT NULL,    -- Message-ID or SMS sid
    sent_at         BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (event_id, channel)
);
CREATE INDEX notifications_order ON notifications (order_id, id);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';

CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,  -- JSON list of event types; [] for all
    secret     TEXT NOT NULL,  -- sealed (AES-GCM under the instance key), never returned
    created_at BIGINT NOT NULL,
    deleted_at BIGINT
);

CREATE TABLE webhook_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks(id),
    event_id        BIGINT NOT NULL,
    event_type      TEXT NOT NULL,
    body            TEXT NOT NULL,   -- the exact JSON posted
    status          TEXT NOT NULL,   -- pending, delivered, dead
    attempts        INTEGER NOT NULL,
    next_attempt_at BIGINT,
    expires_at      BIGINT NOT NULL, -- retried until then (BOPIS_WEBHOOK_MAX_AGE), then dead
    last_status     INTEGER,
    last_error      TEXT NOT NULL,
    delivered_at    BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);

-- The instance's own key (sealing webhook secrets, customer links) when
-- BOPIS_SECRET_KEY is not set.
CREATE TABLE instance_keys (
    name TEXT PRIMARY KEY,
    key  TEXT NOT NULL
);

-- +goose Down
DROP TABLE instance_keys;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE notifications;
DROP INDEX events_undispatched;
ALTER TABLE events DROP COLUMN dispatched_at;
