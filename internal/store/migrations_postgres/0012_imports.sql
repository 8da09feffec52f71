-- As SQLite's 0012: records imports, recorded first, then loaded in
-- short batches.
CREATE TABLE imports (
    id           BIGINT PRIMARY KEY,
    source       TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    first_id     BIGINT NOT NULL,
    count        BIGINT NOT NULL,
    loaded       BIGINT NOT NULL DEFAULT 0,
    state        TEXT NOT NULL,
    operator     TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX imports_state ON imports (state, id);
GRANT SELECT, INSERT, UPDATE, DELETE ON imports TO custos_app;
