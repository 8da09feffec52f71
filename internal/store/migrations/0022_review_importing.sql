-- A large review import is staged here, one row per item with the values
-- the import leaves it with, before its audited transaction; that
-- transaction sets the campaign "importing" with the staged plan's id,
-- and batches of their own apply the rows by the item's primary key,
-- moving reviews.import_done on and deleting the rows they applied.
CREATE TABLE review_import_rows (
    plan        INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    item_id     INTEGER NOT NULL,
    decision    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    decided_by  TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    overrides   TEXT NOT NULL,
    PRIMARY KEY (plan, seq)
);
ALTER TABLE reviews ADD COLUMN import_plan INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN import_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN import_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN import_at TEXT NOT NULL DEFAULT '';
