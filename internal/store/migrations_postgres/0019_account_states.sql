-- As SQLite's 0018: the first entry that records account state changes
-- (objects state:USERNAME:FROM:TO), kept like the log itself.
CREATE TABLE audit_recorded_since (
    what       TEXT   PRIMARY KEY,
    first_seq  BIGINT NOT NULL
);
INSERT INTO audit_recorded_since (what, first_seq)
    SELECT 'account-states', COALESCE(MAX(seq), 0) + 1 FROM audit_log;
CREATE TRIGGER audit_recorded_since_no_update BEFORE UPDATE ON audit_recorded_since FOR EACH ROW EXECUTE FUNCTION custos_append_only();
CREATE TRIGGER audit_recorded_since_no_delete BEFORE DELETE ON audit_recorded_since FOR EACH ROW EXECUTE FUNCTION custos_append_only();
CREATE TRIGGER audit_recorded_since_no_truncate BEFORE TRUNCATE ON audit_recorded_since FOR EACH STATEMENT EXECUTE FUNCTION custos_append_only();
ALTER TABLE audit_recorded_since ENABLE ALWAYS TRIGGER audit_recorded_since_no_update;
ALTER TABLE audit_recorded_since ENABLE ALWAYS TRIGGER audit_recorded_since_no_delete;
ALTER TABLE audit_recorded_since ENABLE ALWAYS TRIGGER audit_recorded_since_no_truncate;
GRANT SELECT ON audit_recorded_since TO custos_app;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_recorded_since FROM custos_app, PUBLIC;
