-- +goose Up
-- People who sign in as themselves (issue 41). email_folded is the
-- address as Go's strings.ToLower writes it: unique whatever the case,
-- and the same on SQLite and PostgreSQL; name_folded likewise, for
-- search. password_hash is argon2id in PHC form ('' until one is set);
-- failed_logins and locked_until lock an account after repeated failures.
CREATE TABLE staff (
    id            TEXT NOT NULL PRIMARY KEY,
    email         TEXT NOT NULL,
    email_folded  TEXT NOT NULL,
    name          TEXT NOT NULL,
    name_folded   TEXT NOT NULL,
    role          TEXT NOT NULL,
    store_ids     TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash TEXT NOT NULL DEFAULT '',
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX staff_email ON staff (email_folded);

-- Sessions: a random token, kept only as its SHA-256 hash.
CREATE TABLE staff_sessions (
    hash       BLOB NOT NULL PRIMARY KEY,
    staff_id   TEXT NOT NULL REFERENCES staff(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

-- Password reset tokens: single use, expiring, kept only as their hash.
CREATE TABLE staff_password_resets (
    hash       BLOB NOT NULL PRIMARY KEY,
    staff_id   TEXT NOT NULL REFERENCES staff(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX staff_password_resets_staff ON staff_password_resets (staff_id);

-- +goose Down
DROP TABLE staff_password_resets;
DROP TABLE staff_sessions;
DROP TABLE staff;
