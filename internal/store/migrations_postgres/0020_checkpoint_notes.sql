-- As SQLite's 0019: the signed checkpoint notes, as written, append-only.
CREATE TABLE audit_checkpoints (
    size     BIGINT PRIMARY KEY,
    origin   TEXT   NOT NULL,
    note     TEXT   NOT NULL,
    made_at  TEXT   NOT NULL,
    made_by  TEXT   NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION custos_append_only();
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION custos_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION custos_append_only();
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_update;
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_delete;
ALTER TABLE audit_checkpoints ENABLE ALWAYS TRIGGER audit_checkpoints_no_truncate;
GRANT SELECT, INSERT ON audit_checkpoints TO custos_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoints FROM custos_app, PUBLIC;
