-- As SQLite's 0022.
CREATE TABLE review_import_rows (
    plan        BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    item_id     BIGINT NOT NULL,
    decision    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    decided_by  TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    overrides   TEXT NOT NULL,
    PRIMARY KEY (plan, seq)
);
ALTER TABLE reviews ADD COLUMN import_plan BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN import_done BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN import_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN import_at TEXT NOT NULL DEFAULT '';
