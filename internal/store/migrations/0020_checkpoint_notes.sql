-- Each signed checkpoint note that audit checkpoint makes is kept here
-- as written (public: the note and its signature, never the signing
-- key), so that audit checkpoint list/show and the compliance report can
-- find the latest one. A stored note is trusted only once its signature
-- verifies against the verifier key an auditor supplies. Append-only.
CREATE TABLE audit_checkpoints (
    size     INTEGER PRIMARY KEY,   -- the tree size (entries) it signs
    origin   TEXT    NOT NULL,
    note     TEXT    NOT NULL,      -- the signed note, as written
    made_at  TEXT    NOT NULL,
    made_by  TEXT    NOT NULL
);
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'custos: the audit log is append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'custos: the audit log is append-only'); END;
