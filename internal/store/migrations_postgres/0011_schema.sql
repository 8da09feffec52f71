-- The custos schema on PostgreSQL, as of schema version 11: a new store
-- starts here (SQLite's migrations 1 to 11 reach the same tables one step
-- at a time). Later migrations are numbered from 0012 in both engines.
--
-- It runs as custos_owner inside the schema custos (see postgres_open.go).
-- Every number is BIGINT; flags are BIGINT 0/1, as on SQLite, so that the
-- statements of the store are the same on both engines; every time is
-- TEXT in custos's fixed-width UTC form, compared in the database's C
-- collation.

CREATE TABLE operators (
    name        TEXT PRIMARY KEY,
    roles       TEXT NOT NULL,
    department  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    removed_at  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE policy (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL,
    set_at  TEXT NOT NULL,
    set_by  TEXT NOT NULL
);

CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,
    at             TEXT   NOT NULL,
    real_operator  TEXT   NOT NULL,
    operator       TEXT   NOT NULL,
    host           TEXT   NOT NULL,
    pid            BIGINT NOT NULL,
    command        TEXT   NOT NULL,
    args           TEXT   NOT NULL,
    outcome        TEXT   NOT NULL,
    exit_code      BIGINT NOT NULL,
    error          TEXT   NOT NULL,
    objects        TEXT   NOT NULL,
    prev_hash      TEXT   NOT NULL,
    hash           TEXT   NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_operator ON audit_log (operator, seq);
CREATE INDEX audit_log_real_operator ON audit_log (real_operator, seq);
CREATE INDEX audit_log_command ON audit_log (command, seq);
CREATE INDEX audit_log_outcome ON audit_log (outcome, seq);
CREATE INDEX audit_log_operator_command ON audit_log (operator, command, seq);
CREATE INDEX audit_log_proxy ON audit_log (real_operator, seq) WHERE real_operator <> operator;
CREATE INDEX audit_log_proxy_command ON audit_log (real_operator, command, seq) WHERE real_operator <> operator;

CREATE TABLE audit_objects (
    object  TEXT   NOT NULL,
    seq     BIGINT NOT NULL REFERENCES audit_log (seq),
    PRIMARY KEY (object, seq)
);

-- Append-only: no UPDATE, DELETE or TRUNCATE of the log, by anyone. The
-- triggers are ENABLE ALWAYS, so session_replication_role = replica does
-- not silence them either; only the owner can drop or disable them, and
-- audit verify reports it.
CREATE FUNCTION custos_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'custos: the audit log is append-only' USING ERRCODE = '42501';
END
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION custos_append_only();
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION custos_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION custos_append_only();
CREATE TRIGGER audit_objects_no_update BEFORE UPDATE ON audit_objects FOR EACH ROW EXECUTE FUNCTION custos_append_only();
CREATE TRIGGER audit_objects_no_delete BEFORE DELETE ON audit_objects FOR EACH ROW EXECUTE FUNCTION custos_append_only();
CREATE TRIGGER audit_objects_no_truncate BEFORE TRUNCATE ON audit_objects FOR EACH STATEMENT EXECUTE FUNCTION custos_append_only();
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_update;
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_delete;
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_no_truncate;
ALTER TABLE audit_objects ENABLE ALWAYS TRIGGER audit_objects_no_update;
ALTER TABLE audit_objects ENABLE ALWAYS TRIGGER audit_objects_no_delete;
ALTER TABLE audit_objects ENABLE ALWAYS TRIGGER audit_objects_no_truncate;

-- An entry names its session's role as the real operator: a role can
-- append only in its own name (the owner's members, who migrate and may
-- append the failures another role spooled, aside).
CREATE FUNCTION custos_audit_identity() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.real_operator <> session_user AND NOT pg_has_role(session_user, 'custos_owner', 'MEMBER') THEN
        RAISE EXCEPTION 'custos: an audit entry of role % may not name % as its operator', session_user, NEW.real_operator USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_log_identity BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION custos_audit_identity();
ALTER TABLE audit_log ENABLE ALWAYS TRIGGER audit_log_identity;

-- Every commit that appends to the log wakes the listeners of
-- custos_audit (audit export --follow), once per statement.
CREATE FUNCTION custos_audit_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('custos_audit', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_log_notify AFTER INSERT ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION custos_audit_notify();

CREATE TABLE accounts (
    username              TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    employee_id           TEXT NOT NULL,
    department            TEXT NOT NULL,
    position              TEXT NOT NULL,
    email                 TEXT NOT NULL DEFAULT '',
    type                  TEXT NOT NULL,
    until                 TEXT NOT NULL DEFAULT '',
    clearance             TEXT NOT NULL,
    state                 TEXT NOT NULL,
    reason                TEXT NOT NULL,
    must_change_password  BIGINT NOT NULL DEFAULT 0,
    agreement_ref         TEXT NOT NULL DEFAULT '',
    requested_by          TEXT NOT NULL,
    requested_at          TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    state_reason          TEXT NOT NULL DEFAULT '',
    incident              TEXT NOT NULL DEFAULT '',
    requested_by_real     TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX accounts_one_live_per_person ON accounts (employee_id)
    WHERE state NOT IN ('revoked', 'rejected');
CREATE INDEX accounts_state ON accounts (state, username);
CREATE INDEX accounts_department ON accounts (department, username);
CREATE INDEX accounts_until ON accounts (until) WHERE until != '';

CREATE TABLE account_approvals (
    username       TEXT NOT NULL REFERENCES accounts (username),
    stage          TEXT NOT NULL,
    operator       TEXT NOT NULL,
    at             TEXT NOT NULL,
    reason         TEXT NOT NULL,
    real_operator  TEXT NOT NULL DEFAULT '',
    proxy          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (username, stage)
);

CREATE TABLE account_revocations (
    username    TEXT PRIMARY KEY REFERENCES accounts (username),
    at          TEXT NOT NULL,
    revoked_by  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    snapshot    TEXT NOT NULL
);

CREATE TABLE incidents (
    id           TEXT PRIMARY KEY,
    year         BIGINT NOT NULL,
    seq          BIGINT NOT NULL,
    type         TEXT NOT NULL,
    severity     TEXT NOT NULL,
    summary      TEXT NOT NULL,
    state        TEXT NOT NULL,
    detected_at  TEXT NOT NULL,
    opened_at    TEXT NOT NULL,
    opened_by    TEXT NOT NULL,
    deadline     TEXT NOT NULL,
    assignee     TEXT NOT NULL DEFAULT '',
    no_freeze    BIGINT NOT NULL DEFAULT 0,
    root_cause   TEXT NOT NULL DEFAULT '',
    resolution   TEXT NOT NULL DEFAULT '',
    lessons      TEXT NOT NULL DEFAULT '',
    closed_at    TEXT NOT NULL DEFAULT '',
    closed_by    TEXT NOT NULL DEFAULT '',
    UNIQUE (year, seq)
);
CREATE INDEX incidents_state ON incidents (state, id);

CREATE TABLE incident_accounts (
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    username     TEXT NOT NULL REFERENCES accounts (username),
    frozen       BIGINT NOT NULL,
    restored_at  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (incident_id, username)
);
CREATE INDEX incident_accounts_username ON incident_accounts (username);

CREATE TABLE incident_notifications (
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    party        TEXT NOT NULL,
    ref          TEXT NOT NULL,
    at           TEXT NOT NULL,
    operator     TEXT NOT NULL,
    PRIMARY KEY (incident_id, party, ref)
);

CREATE TABLE incident_events (
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    at           TEXT NOT NULL,
    operator     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    detail       TEXT NOT NULL,
    seq          BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX incident_events_seq ON incident_events (incident_id, seq);

CREATE TABLE resources (
    name            TEXT PRIMARY KEY,
    classification  TEXT NOT NULL,
    owner           TEXT NOT NULL,
    roles           TEXT NOT NULL,
    privileged      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL
);

CREATE TABLE grants (
    id             BIGINT PRIMARY KEY,
    username       TEXT NOT NULL REFERENCES accounts (username),
    resource       TEXT NOT NULL REFERENCES resources (name),
    role           TEXT NOT NULL,
    reason         TEXT NOT NULL,
    until          TEXT NOT NULL DEFAULT '',
    granted_by     TEXT NOT NULL,
    granted_at     TEXT NOT NULL,
    revoked_at     TEXT NOT NULL DEFAULT '',
    revoked_by     TEXT NOT NULL DEFAULT '',
    revoke_reason  TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX grants_active ON grants (username, resource, role) WHERE revoked_at = '';
CREATE INDEX grants_username ON grants (username, id);
CREATE INDEX grants_resource ON grants (resource, username) WHERE revoked_at = '';

CREATE TABLE reviews (
    id                BIGINT PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    state             TEXT NOT NULL,
    due               TEXT NOT NULL,
    scope_resource    TEXT NOT NULL DEFAULT '',
    scope_department  TEXT NOT NULL DEFAULT '',
    started_at        TEXT NOT NULL,
    started_by        TEXT NOT NULL,
    closed_at         TEXT NOT NULL DEFAULT '',
    closed_by         TEXT NOT NULL DEFAULT '',
    undecided         TEXT NOT NULL DEFAULT '',
    base              BIGINT NOT NULL DEFAULT 0,
    items             BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE review_items (
    id              BIGINT PRIMARY KEY,
    review_id       BIGINT NOT NULL REFERENCES reviews (id),
    grant_id        BIGINT NOT NULL REFERENCES grants (id),
    username        TEXT NOT NULL,
    name            TEXT NOT NULL,
    department      TEXT NOT NULL,
    resource        TEXT NOT NULL,
    role            TEXT NOT NULL,
    classification  TEXT NOT NULL,
    until           TEXT NOT NULL,
    granted_at      TEXT NOT NULL,
    reviewer        TEXT NOT NULL,
    flags           TEXT NOT NULL,
    decision        TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      TEXT NOT NULL DEFAULT '',
    imported_by     TEXT NOT NULL DEFAULT '',
    overrides       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX review_items_reviewer ON review_items (review_id, reviewer, id);

CREATE TABLE retention (
    class        TEXT PRIMARY KEY,
    retain       TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    set_at       TEXT NOT NULL,
    set_by       TEXT NOT NULL
);

CREATE TABLE counters (
    name   TEXT PRIMARY KEY,
    value  BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('records', 0);

CREATE TABLE records (
    id          BIGINT PRIMARY KEY,
    class       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    location    TEXT NOT NULL DEFAULT '',
    size        BIGINT NOT NULL DEFAULT 0,
    sha256      TEXT NOT NULL DEFAULT '',
    added_at    TEXT NOT NULL,
    added_by    TEXT NOT NULL
);
CREATE INDEX records_class_created ON records (class, created_at);
CREATE INDEX records_location ON records (location) WHERE location != '';

CREATE TABLE holds (
    name            TEXT PRIMARY KEY,
    reason          TEXT NOT NULL,
    kind            TEXT NOT NULL,
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
    record_id  BIGINT NOT NULL,
    PRIMARY KEY (hold, record_id)
);
CREATE INDEX hold_records_record ON hold_records (record_id);

CREATE TABLE purges (
    id              BIGINT PRIMARY KEY,
    state           TEXT NOT NULL,
    operator        TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT NOT NULL DEFAULT '',
    scope_class     TEXT NOT NULL DEFAULT '',
    as_of           TEXT NOT NULL,
    archive         TEXT NOT NULL,
    archive_sha256  TEXT NOT NULL,
    count           BIGINT NOT NULL,
    deleted         BIGINT NOT NULL DEFAULT 0,
    delete_files    BIGINT NOT NULL DEFAULT 0,
    files_deleted   BIGINT NOT NULL DEFAULT 0,
    selection       TEXT NOT NULL,
    cursor          BIGINT NOT NULL DEFAULT 0,
    set_sha256      TEXT NOT NULL DEFAULT '',
    skipped         BIGINT NOT NULL DEFAULT 0,
    files_missing   BIGINT NOT NULL DEFAULT 0,
    destroying      BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE purge_edges (
    purge_id   BIGINT NOT NULL REFERENCES purges (id),
    record_id  BIGINT NOT NULL,
    PRIMARY KEY (purge_id, record_id)
);

CREATE TABLE purge_ranges (
    purge_id  BIGINT NOT NULL REFERENCES purges (id),
    lo        BIGINT NOT NULL,
    hi        BIGINT NOT NULL,
    content   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (purge_id, lo)
);

CREATE TABLE purge_skipped (
    purge_id   BIGINT NOT NULL REFERENCES purges (id),
    record_id  BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    PRIMARY KEY (purge_id, record_id)
);

CREATE TABLE purged_files (
    location  TEXT NOT NULL,
    sha256    TEXT NOT NULL,
    purge_id  BIGINT NOT NULL REFERENCES purges (id)
);
CREATE INDEX purged_files_location ON purged_files (location);

-- What the operators' roles (members of custos_app) may do: everything
-- the commands need, and on the audit log only read and append.
GRANT USAGE ON SCHEMA custos TO custos_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA custos TO custos_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, audit_objects FROM custos_app, PUBLIC;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM custos_app, PUBLIC;
