-- From this version on, every change of an account's state is recorded in
-- the audit entry that made it, as the object state:USERNAME:FROM:TO
-- (docs/audit-log.md). Entries written before have no such objects: the
-- first entry that can have them is the next one appended, which this row
-- keeps, so that the compliance report states exactly which period its
-- account states cover instead of guessing. The object index (object,
-- seq) finds an account's last change and every change of a period.
CREATE TABLE audit_recorded_since (
    what       TEXT    PRIMARY KEY,   -- account-states
    first_seq  INTEGER NOT NULL       -- the first entry that records it
);
INSERT INTO audit_recorded_since (what, first_seq)
    SELECT 'account-states', COALESCE(MAX(seq), 0) + 1 FROM audit_log;
CREATE TRIGGER audit_recorded_since_no_update BEFORE UPDATE ON audit_recorded_since
BEGIN SELECT RAISE(ABORT, 'custos: the audit log is append-only'); END;
CREATE TRIGGER audit_recorded_since_no_delete BEFORE DELETE ON audit_recorded_since
BEGIN SELECT RAISE(ABORT, 'custos: the audit log is append-only'); END;
