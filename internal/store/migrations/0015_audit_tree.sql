-- The audit log as a Merkle tree (RFC 6962): one row per complete subtree,
-- level 0 being the entries' leaf hashes (leaf idx is entry seq - 1), so
-- that inclusion and consistency proofs and the root at any size are a
-- few dozen look-ups. Rows are added in the transaction that appends the
-- entry; the tree of a store that had entries before this migration is
-- built by the first command that appends. The log is append-only, and so
-- is its tree.
CREATE TABLE audit_tree (
    level  INTEGER NOT NULL,
    idx    INTEGER NOT NULL,
    hash   BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TRIGGER audit_tree_no_update BEFORE UPDATE ON audit_tree
BEGIN SELECT RAISE(ABORT, 'custos: the audit log is append-only'); END;
CREATE TRIGGER audit_tree_no_delete BEFORE DELETE ON audit_tree
BEGIN SELECT RAISE(ABORT, 'custos: the audit log is append-only'); END;
