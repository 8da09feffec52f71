-- Accounts: the lifecycle, approvals, and the record kept at revocation.

CREATE TABLE accounts (
    username              TEXT PRIMARY KEY,
    name                  TEXT NOT NULL,
    employee_id           TEXT NOT NULL,
    department            TEXT NOT NULL,
    position              TEXT NOT NULL,
    email                 TEXT NOT NULL DEFAULT '',
    type                  TEXT NOT NULL,
    until                 TEXT NOT NULL DEFAULT '',
    clearance             TEXT NOT NULL,
    state                 TEXT NOT NULL,
    reason                TEXT NOT NULL,
    must_change_password  INTEGER NOT NULL DEFAULT 0,
    agreement_ref         TEXT NOT NULL DEFAULT '',
    requested_by          TEXT NOT NULL,
    requested_at          TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    state_reason          TEXT NOT NULL DEFAULT '',
    incident              TEXT NOT NULL DEFAULT ''
);
-- One person, one live account: a second non-final account for the same
-- employee ID violates this index.
CREATE UNIQUE INDEX accounts_one_live_per_person ON accounts (employee_id)
    WHERE state NOT IN ('revoked', 'rejected');
CREATE INDEX accounts_state ON accounts (state, username);
CREATE INDEX accounts_department ON accounts (department, username);
CREATE INDEX accounts_until ON accounts (until) WHERE until != '';

CREATE TABLE account_approvals (
    username  TEXT NOT NULL REFERENCES accounts (username),
    stage     TEXT NOT NULL,
    operator  TEXT NOT NULL,
    at        TEXT NOT NULL,
    reason    TEXT NOT NULL,
    PRIMARY KEY (username, stage)
);

CREATE TABLE account_revocations (
    username  TEXT PRIMARY KEY REFERENCES accounts (username),
    at        TEXT NOT NULL,
    revoked_by TEXT NOT NULL,
    reason    TEXT NOT NULL,
    -- JSON: the account and its access grants as they were when revoked.
    snapshot  TEXT NOT NULL
);
