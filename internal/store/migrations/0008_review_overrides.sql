-- An admin replaces a reviewer's recorded decision only through
-- `review decide --override`, and the decision it replaced is kept here
-- ("keep by olga: runs payroll"), so the item itself shows the override.
ALTER TABLE review_items ADD COLUMN overrides TEXT NOT NULL DEFAULT '';

-- Every item has a reviewer: items that were started with none fall to
-- every admin, as new ones do.
UPDATE review_items SET reviewer = 'role:admin' WHERE reviewer = '';
