-- Security incidents: the incident, the accounts it names (and whether it
-- froze them), its notifications, and its timeline of events.

CREATE TABLE incidents (
    id           TEXT PRIMARY KEY,
    year         INTEGER NOT NULL,
    seq          INTEGER NOT NULL,
    type         TEXT NOT NULL,
    severity     TEXT NOT NULL,
    summary      TEXT NOT NULL,
    state        TEXT NOT NULL,
    detected_at  TEXT NOT NULL,
    opened_at    TEXT NOT NULL,
    opened_by    TEXT NOT NULL,
    deadline     TEXT NOT NULL,
    assignee     TEXT NOT NULL DEFAULT '',
    no_freeze    INTEGER NOT NULL DEFAULT 0,
    root_cause   TEXT NOT NULL DEFAULT '',
    resolution   TEXT NOT NULL DEFAULT '',
    lessons      TEXT NOT NULL DEFAULT '',
    closed_at    TEXT NOT NULL DEFAULT '',
    closed_by    TEXT NOT NULL DEFAULT '',
    UNIQUE (year, seq)
);
CREATE INDEX incidents_state ON incidents (state, id);

CREATE TABLE incident_accounts (
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    username     TEXT NOT NULL REFERENCES accounts (username),
    frozen       INTEGER NOT NULL,          -- 1 when this incident froze it
    restored_at  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (incident_id, username)
);
CREATE INDEX incident_accounts_username ON incident_accounts (username);

CREATE TABLE incident_notifications (
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    party        TEXT NOT NULL,
    ref          TEXT NOT NULL,
    at           TEXT NOT NULL,
    operator     TEXT NOT NULL,
    PRIMARY KEY (incident_id, party, ref)
);

CREATE TABLE incident_events (
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    at           TEXT NOT NULL,
    operator     TEXT NOT NULL,
    kind         TEXT NOT NULL,
    detail       TEXT NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, at);
