-- As SQLite's 0015: the audit log's Merkle tree, one row per complete
-- subtree, append-only like the log itself.
CREATE TABLE audit_tree (
    level  SMALLINT NOT NULL,
    idx    BIGINT   NOT NULL,
    hash   BYTEA    NOT NULL,
    PRIMARY KEY (level, idx)
);
CREATE TRIGGER audit_tree_no_update BEFORE UPDATE ON audit_tree FOR EACH ROW EXECUTE FUNCTION custos_append_only();
CREATE TRIGGER audit_tree_no_delete BEFORE DELETE ON audit_tree FOR EACH ROW EXECUTE FUNCTION custos_append_only();
CREATE TRIGGER audit_tree_no_truncate BEFORE TRUNCATE ON audit_tree FOR EACH STATEMENT EXECUTE FUNCTION custos_append_only();
ALTER TABLE audit_tree ENABLE ALWAYS TRIGGER audit_tree_no_update;
ALTER TABLE audit_tree ENABLE ALWAYS TRIGGER audit_tree_no_delete;
ALTER TABLE audit_tree ENABLE ALWAYS TRIGGER audit_tree_no_truncate;
GRANT SELECT, INSERT ON audit_tree TO custos_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_tree FROM custos_app, PUBLIC;
