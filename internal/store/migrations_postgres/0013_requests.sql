-- As SQLite's 0013: the request engine.
CREATE TABLE requests (
    id              TEXT PRIMARY KEY,        -- REQ-2026-0001
    year            BIGINT NOT NULL,
    seq             BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    payload         TEXT NOT NULL,           -- the canonical change
    payload_sha256  TEXT NOT NULL,
    requester       TEXT NOT NULL,
    requester_real  TEXT NOT NULL,
    reason          TEXT NOT NULL,
    stages          TEXT NOT NULL,           -- comma-separated, in order
    state           TEXT NOT NULL,           -- pending, approved, applied, rejected, withdrawn, expired
    created_at      TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    closed_at       TEXT NOT NULL DEFAULT '',
    closed_by       TEXT NOT NULL DEFAULT '',
    outcome         TEXT NOT NULL DEFAULT '',
    UNIQUE (year, seq)
);
CREATE INDEX requests_state ON requests (state, id);
CREATE TABLE request_approvals (
    request_id      TEXT NOT NULL REFERENCES requests (id),
    stage           TEXT NOT NULL,
    operator        TEXT NOT NULL,
    real_operator   TEXT NOT NULL,
    at              TEXT NOT NULL,
    reason          TEXT NOT NULL,
    payload_sha256  TEXT NOT NULL,
    proxy           BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (request_id, stage)
);
-- How a grant came to be: '' for a direct access grant, or the request
-- whose last approval applied it.
ALTER TABLE grants ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
GRANT SELECT, INSERT, UPDATE, DELETE ON requests, request_approvals TO custos_app;
