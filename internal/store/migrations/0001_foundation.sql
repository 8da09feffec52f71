-- The foundation: operators, policy, and the append-only audit log.
-- Portable SQL: TEXT times in RFC 3339 UTC, TEXT hex hashes, sequence
-- numbers assigned by the application, so the same schema runs on PostgreSQL.

CREATE TABLE operators (
    name        TEXT PRIMARY KEY,
    roles       TEXT NOT NULL,           -- comma-separated, e.g. 'admin,it'
    department  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    removed_at  TEXT NOT NULL DEFAULT '' -- '' while the operator is active
);

CREATE TABLE policy (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL,
    set_at  TEXT NOT NULL,
    set_by  TEXT NOT NULL
);

CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY,
    at             TEXT    NOT NULL,
    real_operator  TEXT    NOT NULL,
    operator       TEXT    NOT NULL,
    host           TEXT    NOT NULL,
    pid            INTEGER NOT NULL,
    command        TEXT    NOT NULL,
    args           TEXT    NOT NULL,
    outcome        TEXT    NOT NULL,
    exit_code      INTEGER NOT NULL,
    error          TEXT    NOT NULL,
    objects        TEXT    NOT NULL,
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_operator ON audit_log (operator, seq);
CREATE INDEX audit_log_real_operator ON audit_log (real_operator, seq);
CREATE INDEX audit_log_command ON audit_log (command, seq);

-- One row per object an entry touched, so `audit log --object` and an
-- object's history are served by an index. The objects themselves are
-- covered by the entry's hash through audit_log.objects.
CREATE TABLE audit_objects (
    object  TEXT    NOT NULL,
    seq     INTEGER NOT NULL REFERENCES audit_log (seq),
    PRIMARY KEY (object, seq)
);

-- The log is append-only for every client, the sqlite3 shell included.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'custos: the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'custos: the audit log is append-only'); END;
CREATE TRIGGER audit_objects_no_update BEFORE UPDATE ON audit_objects
BEGIN SELECT RAISE(ABORT, 'custos: the audit log is append-only'); END;
CREATE TRIGGER audit_objects_no_delete BEFORE DELETE ON audit_objects
BEGIN SELECT RAISE(ABORT, 'custos: the audit log is append-only'); END;
