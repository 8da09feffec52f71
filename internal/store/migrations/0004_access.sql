-- Access: resources, grants, and access review campaigns.

CREATE TABLE resources (
    name            TEXT PRIMARY KEY,
    classification  TEXT NOT NULL,
    owner           TEXT NOT NULL,
    roles           TEXT NOT NULL,          -- comma-separated
    privileged      TEXT NOT NULL DEFAULT '',
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL
);

CREATE TABLE grants (
    id             INTEGER PRIMARY KEY,      -- assigned by custos
    username       TEXT NOT NULL REFERENCES accounts (username),
    resource       TEXT NOT NULL REFERENCES resources (name),
    role           TEXT NOT NULL,
    reason         TEXT NOT NULL,
    until          TEXT NOT NULL DEFAULT '',
    granted_by     TEXT NOT NULL,
    granted_at     TEXT NOT NULL,
    revoked_at     TEXT NOT NULL DEFAULT '',  -- '' while active
    revoked_by     TEXT NOT NULL DEFAULT '',
    revoke_reason  TEXT NOT NULL DEFAULT ''
);
-- One active grant per account, resource and role.
CREATE UNIQUE INDEX grants_active ON grants (username, resource, role) WHERE revoked_at = '';
CREATE INDEX grants_username ON grants (username, id);
CREATE INDEX grants_resource ON grants (resource, username) WHERE revoked_at = '';

CREATE TABLE reviews (
    id                INTEGER PRIMARY KEY,      -- assigned by custos
    name              TEXT NOT NULL UNIQUE,
    state             TEXT NOT NULL,          -- open or closed
    due               TEXT NOT NULL,
    scope_resource    TEXT NOT NULL DEFAULT '',
    scope_department  TEXT NOT NULL DEFAULT '',
    started_at        TEXT NOT NULL,
    started_by        TEXT NOT NULL,
    closed_at         TEXT NOT NULL DEFAULT '',
    closed_by         TEXT NOT NULL DEFAULT '',
    undecided         TEXT NOT NULL DEFAULT '',
    -- The campaign's items are review_items rows base+1 … base+items:
    -- item k is row base+k.
    base              INTEGER NOT NULL DEFAULT 0,
    items             INTEGER NOT NULL DEFAULT 0
);

-- One row per item. A campaign's items are inserted by one statement per
-- chunk under the write lock, so their ids are consecutive and an item's
-- number is its id minus the campaign's base: no numbering pass, no sort,
-- no second unique index.
CREATE TABLE review_items (
    id              INTEGER PRIMARY KEY,
    review_id       INTEGER NOT NULL REFERENCES reviews (id),
    grant_id        INTEGER NOT NULL REFERENCES grants (id),
    username        TEXT NOT NULL,
    name            TEXT NOT NULL,
    department      TEXT NOT NULL,
    resource        TEXT NOT NULL,
    role            TEXT NOT NULL,
    classification  TEXT NOT NULL,
    until           TEXT NOT NULL,
    granted_at      TEXT NOT NULL,
    reviewer        TEXT NOT NULL,
    flags           TEXT NOT NULL,            -- comma-separated
    decision        TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      TEXT NOT NULL DEFAULT '',
    imported_by     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX review_items_reviewer ON review_items (review_id, reviewer, id);
