-- An incident's timeline is ordered by an explicit sequence number, not by
-- time and then SQLite's rowid: the events of one command share a time,
-- and rowid is not portable. Events are numbered 1, 2, … per incident.
ALTER TABLE incident_events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;

-- Number the existing events in the order they were shown until now (the
-- times are fixed-width since migration 9, so text order is time order).
UPDATE incident_events SET seq = numbered.n
FROM (SELECT rowid AS r, row_number() OVER (PARTITION BY incident_id ORDER BY at, rowid) AS n FROM incident_events) AS numbered
WHERE numbered.r = incident_events.rowid;

DROP INDEX incident_events_incident;
CREATE UNIQUE INDEX incident_events_seq ON incident_events (incident_id, seq);
