-- One stored time format. Times were stored as RFC 3339 with trailing
-- zeros of the fraction trimmed (2024-03-01T09:00:00.1Z), so within one
-- second text order was not time order: "…:00.123Z" sorted before
-- "…:00.1Z", and both before "…:00Z". From this schema on every stored
-- time is UTC, fixed width, with nanoseconds (2024-03-01T09:00:00.100000000Z,
-- the form of audit entry times and of record times already), and this
-- migration rewrites the values stored before it. '' (not yet) stays ''.
--
-- Not rewritten: the audit log, whose times were always in the fixed form
-- and are covered by the hash chain (and whose triggers refuse UPDATE);
-- the revocation snapshots (account_revocations.snapshot), JSON documents
-- kept as they were at revocation; dates (until, due: YYYY-MM-DD); and
-- the times always written fixed-width (records.created_at, holds.from_at
-- and holds.to_at), which range conditions compare.
--
-- An old value is '____-__-__T__:__:__Z' or '____-__-__T__:__:__.<1-9 digits>Z'
-- (always UTC); a value already 30 characters long is in the fixed form.

UPDATE operators SET
    created_at = CASE WHEN created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) < 30
        THEN substr(created_at, 1, 19) || '.' || substr(CASE WHEN length(created_at) > 20 THEN substr(created_at, 21, length(created_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE created_at END,
    removed_at = CASE WHEN removed_at LIKE '____-__-__T__:__:__%Z' AND length(removed_at) < 30
        THEN substr(removed_at, 1, 19) || '.' || substr(CASE WHEN length(removed_at) > 20 THEN substr(removed_at, 21, length(removed_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE removed_at END;

UPDATE policy SET
    set_at = CASE WHEN set_at LIKE '____-__-__T__:__:__%Z' AND length(set_at) < 30
        THEN substr(set_at, 1, 19) || '.' || substr(CASE WHEN length(set_at) > 20 THEN substr(set_at, 21, length(set_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE set_at END;

UPDATE accounts SET
    requested_at = CASE WHEN requested_at LIKE '____-__-__T__:__:__%Z' AND length(requested_at) < 30
        THEN substr(requested_at, 1, 19) || '.' || substr(CASE WHEN length(requested_at) > 20 THEN substr(requested_at, 21, length(requested_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE requested_at END,
    updated_at = CASE WHEN updated_at LIKE '____-__-__T__:__:__%Z' AND length(updated_at) < 30
        THEN substr(updated_at, 1, 19) || '.' || substr(CASE WHEN length(updated_at) > 20 THEN substr(updated_at, 21, length(updated_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE updated_at END;

UPDATE account_approvals SET
    at = CASE WHEN at LIKE '____-__-__T__:__:__%Z' AND length(at) < 30
        THEN substr(at, 1, 19) || '.' || substr(CASE WHEN length(at) > 20 THEN substr(at, 21, length(at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE at END;

UPDATE account_revocations SET
    at = CASE WHEN at LIKE '____-__-__T__:__:__%Z' AND length(at) < 30
        THEN substr(at, 1, 19) || '.' || substr(CASE WHEN length(at) > 20 THEN substr(at, 21, length(at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE at END;

UPDATE incidents SET
    detected_at = CASE WHEN detected_at LIKE '____-__-__T__:__:__%Z' AND length(detected_at) < 30
        THEN substr(detected_at, 1, 19) || '.' || substr(CASE WHEN length(detected_at) > 20 THEN substr(detected_at, 21, length(detected_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE detected_at END,
    opened_at = CASE WHEN opened_at LIKE '____-__-__T__:__:__%Z' AND length(opened_at) < 30
        THEN substr(opened_at, 1, 19) || '.' || substr(CASE WHEN length(opened_at) > 20 THEN substr(opened_at, 21, length(opened_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE opened_at END,
    deadline = CASE WHEN deadline LIKE '____-__-__T__:__:__%Z' AND length(deadline) < 30
        THEN substr(deadline, 1, 19) || '.' || substr(CASE WHEN length(deadline) > 20 THEN substr(deadline, 21, length(deadline) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE deadline END,
    closed_at = CASE WHEN closed_at LIKE '____-__-__T__:__:__%Z' AND length(closed_at) < 30
        THEN substr(closed_at, 1, 19) || '.' || substr(CASE WHEN length(closed_at) > 20 THEN substr(closed_at, 21, length(closed_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE closed_at END;

UPDATE incident_accounts SET
    restored_at = CASE WHEN restored_at LIKE '____-__-__T__:__:__%Z' AND length(restored_at) < 30
        THEN substr(restored_at, 1, 19) || '.' || substr(CASE WHEN length(restored_at) > 20 THEN substr(restored_at, 21, length(restored_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE restored_at END;

UPDATE incident_notifications SET
    at = CASE WHEN at LIKE '____-__-__T__:__:__%Z' AND length(at) < 30
        THEN substr(at, 1, 19) || '.' || substr(CASE WHEN length(at) > 20 THEN substr(at, 21, length(at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE at END;

UPDATE incident_events SET
    at = CASE WHEN at LIKE '____-__-__T__:__:__%Z' AND length(at) < 30
        THEN substr(at, 1, 19) || '.' || substr(CASE WHEN length(at) > 20 THEN substr(at, 21, length(at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE at END;

UPDATE resources SET
    created_at = CASE WHEN created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) < 30
        THEN substr(created_at, 1, 19) || '.' || substr(CASE WHEN length(created_at) > 20 THEN substr(created_at, 21, length(created_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE created_at END;

UPDATE grants SET
    granted_at = CASE WHEN granted_at LIKE '____-__-__T__:__:__%Z' AND length(granted_at) < 30
        THEN substr(granted_at, 1, 19) || '.' || substr(CASE WHEN length(granted_at) > 20 THEN substr(granted_at, 21, length(granted_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE granted_at END,
    revoked_at = CASE WHEN revoked_at LIKE '____-__-__T__:__:__%Z' AND length(revoked_at) < 30
        THEN substr(revoked_at, 1, 19) || '.' || substr(CASE WHEN length(revoked_at) > 20 THEN substr(revoked_at, 21, length(revoked_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE revoked_at END;

UPDATE reviews SET
    started_at = CASE WHEN started_at LIKE '____-__-__T__:__:__%Z' AND length(started_at) < 30
        THEN substr(started_at, 1, 19) || '.' || substr(CASE WHEN length(started_at) > 20 THEN substr(started_at, 21, length(started_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE started_at END,
    closed_at = CASE WHEN closed_at LIKE '____-__-__T__:__:__%Z' AND length(closed_at) < 30
        THEN substr(closed_at, 1, 19) || '.' || substr(CASE WHEN length(closed_at) > 20 THEN substr(closed_at, 21, length(closed_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE closed_at END;

UPDATE review_items SET
    granted_at = CASE WHEN granted_at LIKE '____-__-__T__:__:__%Z' AND length(granted_at) < 30
        THEN substr(granted_at, 1, 19) || '.' || substr(CASE WHEN length(granted_at) > 20 THEN substr(granted_at, 21, length(granted_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE granted_at END,
    decided_at = CASE WHEN decided_at LIKE '____-__-__T__:__:__%Z' AND length(decided_at) < 30
        THEN substr(decided_at, 1, 19) || '.' || substr(CASE WHEN length(decided_at) > 20 THEN substr(decided_at, 21, length(decided_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE decided_at END;

UPDATE retention SET
    set_at = CASE WHEN set_at LIKE '____-__-__T__:__:__%Z' AND length(set_at) < 30
        THEN substr(set_at, 1, 19) || '.' || substr(CASE WHEN length(set_at) > 20 THEN substr(set_at, 21, length(set_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE set_at END;

UPDATE records SET
    added_at = CASE WHEN added_at LIKE '____-__-__T__:__:__%Z' AND length(added_at) < 30
        THEN substr(added_at, 1, 19) || '.' || substr(CASE WHEN length(added_at) > 20 THEN substr(added_at, 21, length(added_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE added_at END
WHERE length(added_at) < 30;

UPDATE holds SET
    created_at = CASE WHEN created_at LIKE '____-__-__T__:__:__%Z' AND length(created_at) < 30
        THEN substr(created_at, 1, 19) || '.' || substr(CASE WHEN length(created_at) > 20 THEN substr(created_at, 21, length(created_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE created_at END,
    released_at = CASE WHEN released_at LIKE '____-__-__T__:__:__%Z' AND length(released_at) < 30
        THEN substr(released_at, 1, 19) || '.' || substr(CASE WHEN length(released_at) > 20 THEN substr(released_at, 21, length(released_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE released_at END;

UPDATE purges SET
    started_at = CASE WHEN started_at LIKE '____-__-__T__:__:__%Z' AND length(started_at) < 30
        THEN substr(started_at, 1, 19) || '.' || substr(CASE WHEN length(started_at) > 20 THEN substr(started_at, 21, length(started_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE started_at END,
    finished_at = CASE WHEN finished_at LIKE '____-__-__T__:__:__%Z' AND length(finished_at) < 30
        THEN substr(finished_at, 1, 19) || '.' || substr(CASE WHEN length(finished_at) > 20 THEN substr(finished_at, 21, length(finished_at) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE finished_at END,
    as_of = CASE WHEN as_of LIKE '____-__-__T__:__:__%Z' AND length(as_of) < 30
        THEN substr(as_of, 1, 19) || '.' || substr(CASE WHEN length(as_of) > 20 THEN substr(as_of, 21, length(as_of) - 21) ELSE '' END
        || '000000000', 1, 9) || 'Z' ELSE as_of END;
