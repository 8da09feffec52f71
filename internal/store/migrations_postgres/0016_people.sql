-- As SQLite's 0016: people change jobs and leave.

-- One row per field changed: an account's name, position, email, end
-- date, department or clearance; a grant's end date; a resource's owner,
-- classification or roles; an operator's roles or department.
CREATE TABLE changes (
    id             BIGINT PRIMARY KEY,    -- assigned by custos
    object         TEXT NOT NULL,         -- account:zoe, grant:7, resource:crm, operator:olga
    field          TEXT NOT NULL,
    old_value      TEXT NOT NULL,
    new_value      TEXT NOT NULL,
    reason         TEXT NOT NULL,
    operator       TEXT NOT NULL,
    real_operator  TEXT NOT NULL,
    at             TEXT NOT NULL,
    request_id     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX changes_object ON changes (object, id);

-- Leavers (HR's advance notice) and approved transfers, carried out by
-- account expire on their date.
CREATE TABLE account_schedule (
    id            BIGINT PRIMARY KEY,     -- assigned by custos
    username      TEXT NOT NULL REFERENCES accounts (username),
    kind          TEXT NOT NULL,          -- leave, transfer
    on_date       TEXT NOT NULL,          -- YYYY-MM-DD
    then_action   TEXT NOT NULL DEFAULT '',
    department    TEXT NOT NULL DEFAULT '',
    position      TEXT NOT NULL DEFAULT '',
    keep          TEXT NOT NULL DEFAULT '',
    request_id    TEXT NOT NULL DEFAULT '',
    reason        TEXT NOT NULL,
    scheduled_by  TEXT NOT NULL,
    scheduled_at  TEXT NOT NULL,
    state         TEXT NOT NULL,          -- scheduled, done, cancelled
    done_at       TEXT NOT NULL DEFAULT '',
    outcome       TEXT NOT NULL DEFAULT ''
);
-- At most one scheduled change of each kind per account.
CREATE UNIQUE INDEX account_schedule_one ON account_schedule (username, kind) WHERE state = 'scheduled';
CREATE INDEX account_schedule_due ON account_schedule (state, on_date, id);

-- A removed resource keeps its row, for the grants and reviews that name it.
ALTER TABLE resources ADD COLUMN removed_at TEXT NOT NULL DEFAULT '';

-- The day a directory reconciliation found the account without a login
-- for account.inactive_days ('' when not), flagged inactive-account in
-- the next access review.
ALTER TABLE accounts ADD COLUMN inactive_since TEXT NOT NULL DEFAULT '';

-- The training register: courses, and each attempt of one by an account.
CREATE TABLE courses (
    name        TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    every       TEXT NOT NULL DEFAULT '',     -- a duration: passed again every so long
    pass_score  BIGINT NOT NULL DEFAULT 0,    -- 0: results are pass or fail
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE TABLE training (
    id           BIGINT PRIMARY KEY,           -- assigned by custos
    username     TEXT NOT NULL REFERENCES accounts (username),
    course       TEXT NOT NULL REFERENCES courses (name),
    taken_on     TEXT NOT NULL,                -- YYYY-MM-DD
    score        BIGINT NOT NULL DEFAULT -1,   -- -1: none given
    passed       BIGINT NOT NULL,
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE INDEX training_account ON training (username, course, taken_on);
