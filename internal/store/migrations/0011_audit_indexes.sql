-- audit log with filters and --limit reads each part of its listing in
-- sequence order from one index and stops after --limit entries (issue
-- 17). IF NOT EXISTS: stores built while this was the ninth migration
-- already have them.

-- --outcome: without it a rare outcome read the whole log.
CREATE INDEX IF NOT EXISTS audit_log_outcome ON audit_log (outcome, seq);

-- --operator with --command: one index for both, so the part never walks
-- a busy command's entries looking for an operator, or the reverse.
CREATE INDEX IF NOT EXISTS audit_log_operator_command ON audit_log (operator, command, seq);

-- --operator also matches the real operator of an entry made through
-- --as. Such entries are few, and only they are indexed here, so that
-- part of the listing finds them without walking the operator's own
-- entries.
CREATE INDEX IF NOT EXISTS audit_log_proxy ON audit_log (real_operator, seq) WHERE real_operator <> operator;
CREATE INDEX IF NOT EXISTS audit_log_proxy_command ON audit_log (real_operator, command, seq) WHERE real_operator <> operator;
