-- A campaign is closed in batches so that no other command waits long
-- behind it: the invocation's transaction sets it "closing" and records
-- the summary's already-revoked count; each batch then revokes the
-- grants of the items after close_done (an item number) and moves
-- close_done on; the last sets it "closed". A killed close stays
-- "closing", and the next close finishes it.
ALTER TABLE reviews ADD COLUMN close_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN close_gone INTEGER NOT NULL DEFAULT 0;

-- A large campaign is started the same way: the invocation's transaction
-- records it "starting" with the highest grant id of its snapshot
-- (start_max); each batch snapshots the grants after start_done (a grant
-- id) that were active when it started, and moves start_done and items
-- on; the last sets it "open".
ALTER TABLE reviews ADD COLUMN start_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reviews ADD COLUMN start_max INTEGER NOT NULL DEFAULT 0;
