-- A records import is recorded first (its audited transaction reserves
-- the ids of its records), then loaded in short batches of its own, so
-- that no other command waits long behind it; a killed import is
-- finished by the next one, from the validated rows it staged in a file.
CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,      -- assigned by custos
    source       TEXT NOT NULL,            -- the file or directory, as recorded
    sha256       TEXT NOT NULL,            -- of the staged rows
    first_id     INTEGER NOT NULL,         -- its records are first_id … first_id+count-1
    count        INTEGER NOT NULL,
    loaded       INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL,            -- loading, done
    operator     TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX imports_state ON imports (state, id);
