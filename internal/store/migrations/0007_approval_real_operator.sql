-- Separation of duties counts the real operator (policy approval.proxy), so
-- the store keeps who actually ran a request and each approval, not only
-- the operator named by --as.
ALTER TABLE accounts ADD COLUMN requested_by_real TEXT NOT NULL DEFAULT '';
ALTER TABLE account_approvals ADD COLUMN real_operator TEXT NOT NULL DEFAULT '';
-- proxy is 1 for an approval given through --as by someone else.
ALTER TABLE account_approvals ADD COLUMN proxy INTEGER NOT NULL DEFAULT 0;

-- Rows from before this migration: the audit log knows who ran each
-- request and approval; take the real operator from the first successful
-- entry of the request, and from the last successful approval by the
-- stage's operator. Rows the log cannot place keep '' (unknown), which the
-- rule reads as the effective operator.
UPDATE accounts SET requested_by_real = COALESCE((
    SELECT l.real_operator FROM audit_objects o JOIN audit_log l ON l.seq = o.seq
    WHERE o.object = 'account:' || accounts.username AND l.command = 'account request'
      AND l.outcome = 'ok' AND l.operator = accounts.requested_by
    ORDER BY l.seq LIMIT 1), '');
UPDATE account_approvals SET real_operator = COALESCE((
    SELECT l.real_operator FROM audit_objects o JOIN audit_log l ON l.seq = o.seq
    WHERE o.object = 'account:' || account_approvals.username AND l.command = 'account approve'
      AND l.outcome = 'ok' AND l.operator = account_approvals.operator
    ORDER BY l.seq DESC LIMIT 1), '');
UPDATE account_approvals SET proxy = 1 WHERE real_operator != '' AND real_operator != operator;
