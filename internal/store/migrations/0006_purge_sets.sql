-- A purge deletes exactly the set of records its verified archive holds.
-- The set is kept as runs of consecutive ids (purge_ranges), identified by
-- the SHA-256 of its ids (set_sha256, also in the archive's manifest);
-- deletion batches delete only ids in it, re-checking holds.

ALTER TABLE purges ADD COLUMN set_sha256 TEXT NOT NULL DEFAULT '';
-- Records of the set kept because a hold covered them when their batch ran,
-- or because their file could not be safely destroyed (purge_skipped says
-- which and why).
ALTER TABLE purges ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
-- Files already gone when their record's batch ran.
ALTER TABLE purges ADD COLUMN files_missing INTEGER NOT NULL DEFAULT 0;
-- The upper id of the batch whose files are being destroyed: committed
-- before the first file of a batch is touched, so a file found gone by the
-- re-run of a killed purge is counted as destroyed only when this purge
-- destroyed it.
ALTER TABLE purges ADD COLUMN destroying INTEGER NOT NULL DEFAULT 0;

CREATE TABLE purge_ranges (
    purge_id  INTEGER NOT NULL REFERENCES purges (id),
    lo        INTEGER NOT NULL,
    hi        INTEGER NOT NULL,
    content   INTEGER NOT NULL DEFAULT 0,   -- the archive holds the files of these records
    PRIMARY KEY (purge_id, lo)
);

CREATE TABLE purge_skipped (
    purge_id   INTEGER NOT NULL REFERENCES purges (id),
    record_id  INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    PRIMARY KEY (purge_id, record_id)
);

-- What purges removed from the catalogue, so that intake does not register
-- a purged file again as a new record.
CREATE TABLE purged_files (
    location  TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    purge_id  INTEGER NOT NULL REFERENCES purges (id)
);
CREATE INDEX purged_files_location ON purged_files (location);

-- A purge left unfinished by an older custos has no id set: it stops
-- here, and the next purge selects (and archives) its remaining records
-- again.
UPDATE purges SET state = 'stopped', finished_at = started_at WHERE state != 'done';
