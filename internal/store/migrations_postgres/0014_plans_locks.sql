-- As SQLite's 0014: purge plans' id sets, the plan a purge carried out,
-- and retention locks.
CREATE TABLE plan_ranges (
    request_id  TEXT NOT NULL REFERENCES requests (id),
    lo          BIGINT NOT NULL,
    hi          BIGINT NOT NULL,
    PRIMARY KEY (request_id, lo)
);
ALTER TABLE purges ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
ALTER TABLE retention ADD COLUMN locked_at TEXT NOT NULL DEFAULT '';
ALTER TABLE retention ADD COLUMN locked_by TEXT NOT NULL DEFAULT '';
GRANT SELECT, INSERT, UPDATE, DELETE ON plan_ranges TO custos_app;
-- custos due counts the direct grants since the last review began.
CREATE INDEX grants_direct ON grants (granted_at) WHERE request_id = '' AND revoked_at = '';
