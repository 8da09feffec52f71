-- Purge plans: the exact set of record ids a plan would purge, as runs of
-- consecutive ids (as purge_ranges); the plan's payload names the set's
-- SHA-256, so its approval covers exactly these records.
CREATE TABLE plan_ranges (
    request_id  TEXT NOT NULL REFERENCES requests (id),
    lo          INTEGER NOT NULL,
    hi          INTEGER NOT NULL,
    PRIMARY KEY (request_id, lo)
);
-- The plan a purge carried out ('' for a direct purge).
ALTER TABLE purges ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
-- A locked schedule is a minimum: it can be lengthened, never shortened.
ALTER TABLE retention ADD COLUMN locked_at TEXT NOT NULL DEFAULT '';
ALTER TABLE retention ADD COLUMN locked_by TEXT NOT NULL DEFAULT '';
-- custos due counts the direct grants since the last review began.
CREATE INDEX grants_direct ON grants (granted_at) WHERE request_id = '' AND revoked_at = '';
