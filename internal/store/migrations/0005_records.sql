-- Records: retention schedules, the catalogue, legal holds and purges.

CREATE TABLE retention (
    class        TEXT PRIMARY KEY,
    retain       TEXT NOT NULL,             -- a duration: 3y, 90d, P1Y6M
    description  TEXT NOT NULL DEFAULT '',
    set_at       TEXT NOT NULL,
    set_by       TEXT NOT NULL
);

-- Record ids are never reused, so a restored record gets its old id back.
CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);
INSERT INTO counters (name, value) VALUES ('records', 0);

CREATE TABLE records (
    id          INTEGER PRIMARY KEY,        -- assigned by custos from counters
    class       TEXT NOT NULL,
    created_at  TEXT NOT NULL,              -- fixed-width UTC, so text order is time order
    subject     TEXT NOT NULL DEFAULT '',
    location    TEXT NOT NULL DEFAULT '',
    size        INTEGER NOT NULL DEFAULT 0,
    sha256      TEXT NOT NULL DEFAULT '',
    added_at    TEXT NOT NULL,
    added_by    TEXT NOT NULL
);
CREATE INDEX records_class_created ON records (class, created_at);
CREATE INDEX records_location ON records (location) WHERE location != '';

CREATE TABLE holds (
    name            TEXT PRIMARY KEY,
    reason          TEXT NOT NULL,
    kind            TEXT NOT NULL,          -- class, subject, records, range
    value           TEXT NOT NULL DEFAULT '',
    from_at         TEXT NOT NULL DEFAULT '',
    to_at           TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    released_at     TEXT NOT NULL DEFAULT '',
    released_by     TEXT NOT NULL DEFAULT '',
    release_reason  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE hold_records (
    hold       TEXT NOT NULL REFERENCES holds (name),
    record_id  INTEGER NOT NULL,
    PRIMARY KEY (hold, record_id)
);
CREATE INDEX hold_records_record ON hold_records (record_id);

CREATE TABLE purges (
    id              INTEGER PRIMARY KEY,    -- assigned by custos
    state           TEXT NOT NULL,          -- deleting, done
    operator        TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT NOT NULL DEFAULT '',
    scope_class     TEXT NOT NULL DEFAULT '',
    as_of           TEXT NOT NULL,
    archive         TEXT NOT NULL,          -- absolute path of the verified archive
    archive_sha256  TEXT NOT NULL,
    count           INTEGER NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0,
    delete_files    INTEGER NOT NULL DEFAULT 0,
    files_deleted   INTEGER NOT NULL DEFAULT 0,
    -- What the purge deletes, fixed when it is committed so that a run
    -- interrupted at any point is finished by the next: per class, the
    -- records created before "before" with an id up to max_id (later
    -- records have larger ids), as JSON; plus the few records at the edge
    -- of the retention window that Decide admitted, in purge_edges.
    selection       TEXT NOT NULL,
    -- Deletion walks the table in id ranges; every id up to the cursor is done.
    cursor          INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE purge_edges (
    purge_id   INTEGER NOT NULL REFERENCES purges (id),
    record_id  INTEGER NOT NULL,
    PRIMARY KEY (purge_id, record_id)
);
