package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/audit"
)

// Scale is the size of a generated store (see Generate).
type Scale struct {
	Accounts         int // accounts, every 7th frozen, in 50 departments
	GrantsPerAccount int // active grants each, over 100 resources
	Records          int // catalogued records, in creation order over ten years
	AuditEntries     int // audit entries with a valid chain
}

// EnterpriseScale is the size SPEC §11 asks custos to stay fast at.
var EnterpriseScale = Scale{Accounts: 100_000, GrantsPerAccount: 10, Records: 10_000_000, AuditEntries: 10_000_000}

// genBatch is how many rows one generating transaction inserts.
const genBatch = 100_000

// Generate fills the store with synthetic data for benchmarks: direct,
// prepared, batched inserts rather than commands, so that a store of
// enterprise size takes minutes rather than days. Each batch is one
// transaction through the pipeline, so the batches are recorded too and
// the chain, which the generated entries extend, stays valid. progress,
// if set, is called after each batch.
func (s *sqlStore) Generate(ctx context.Context, inv *Invocation, sc Scale, progress func(what string, done, total int)) error {
	spec := Spec{Write: true}
	step := func(what string, total int, fn func(tx *sql.Tx, from, to int) error) error {
		batch := genBatch
		if what == "accounts" {
			// Each account made is a state change its batch's entry
			// records (state:USER::active), as account request would:
			// smaller batches keep each entry's object list short.
			batch = genBatch / 10
		}
		for from := 0; from < total; from += batch {
			to := min(from+batch, total)
			err := s.invoke(ctx, inv, spec, func(t *txn) error {
				t.Touch("bench:" + what)
				if what == "accounts" {
					for a := from; a < to; a++ {
						t.recordState(genUser(a), "", genState(a))
					}
				}
				return fn(t.tx, from, to)
			})
			if err != nil {
				return err
			}
			if progress != nil {
				progress(what, to, total)
			}
		}
		return nil
	}
	now := formatTime(time.Now())
	if sc.Accounts > 0 {
		if err := s.invoke(ctx, inv, spec, func(t *txn) error { return genResources(ctx, t.tx, now) }); err != nil {
			return err
		}
	}
	if err := step("accounts", sc.Accounts, func(tx *sql.Tx, from, to int) error {
		return genAccounts(ctx, tx, from, to, sc.GrantsPerAccount, now)
	}); err != nil {
		return err
	}
	if err := step("records", sc.Records, func(tx *sql.Tx, from, to int) error {
		return genRecords(ctx, s.d, tx, from, to, sc.Records, now)
	}); err != nil {
		return err
	}
	return step("audit entries", sc.AuditEntries, func(tx *sql.Tx, from, to int) error {
		return genAudit(ctx, tx, from, to)
	})
}

func genResources(ctx context.Context, tx *sql.Tx, now string) error {
	for r := range 100 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO resources (name, classification, owner, roles, privileged, created_at, created_by) VALUES ($1, 'internal', 'ana', 'read,write,admin', 'admin', $2, 'ana')`,
			fmt.Sprintf("res%03d", r), now); err != nil {
			return err
		}
	}
	return nil
}

// genAccounts inserts accounts [from, to), each with perAccount grants
// whose ids follow from the account number.
func genAccounts(ctx context.Context, tx *sql.Tx, from, to, perAccount int, now string) error {
	acct, err := tx.PrepareContext(ctx, `INSERT INTO accounts (username, name, employee_id, department, position, type, clearance,
		state, reason, requested_by, requested_at, updated_at) VALUES ($1, $1, $1, $2, 'staff', 'employee', 'internal', $3, 'x', 'ana', $4, $4)`)
	if err != nil {
		return err
	}
	defer acct.Close()
	grant, err := tx.PrepareContext(ctx, `INSERT INTO grants (id, username, resource, role, reason, granted_by, granted_at)
		VALUES ($1, $2, $3, $4, 'x', 'ana', $5)`)
	if err != nil {
		return err
	}
	defer grant.Close()
	roles := []string{"read", "write", "admin"}
	for a := from; a < to; a++ {
		user := genUser(a)
		if _, err := acct.ExecContext(ctx, user, fmt.Sprintf("dept%02d", a%50), string(genState(a)), now); err != nil {
			return err
		}
		for g := range perAccount {
			if _, err := grant.ExecContext(ctx, a*perAccount+g+1, user, fmt.Sprintf("res%03d", (a+g*13)%100), roles[g%3], now); err != nil {
				return err
			}
		}
	}
	return nil
}

// genUser and genState are generated account a's username and state.
func genUser(a int) string { return fmt.Sprintf("u%07d", a) }

func genState(a int) account.State {
	if a%7 == 0 {
		return account.Frozen
	}
	return account.Active
}

// genRecords inserts records [from, to) of total, created in order from
// 2016-11-01 to 2026-11-01, in three classes.
func genRecords(ctx context.Context, d dialect, tx *sql.Tx, from, to, total int, now string) error {
	if err := d.bulk(ctx, tx); err != nil {
		return err
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO records (id, class, created_at, subject, location, size, sha256, added_at, added_by)
		VALUES ($1, $2, $3, $4, '', 0, '', $5, 'ana')`)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Date(2016, 11, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Sub(start)
	classes := []string{"voice", "text", "multimedia"}
	for i := from; i < to; i++ {
		at := start.Add(time.Duration(float64(span) * float64(i) / float64(total)))
		if _, err := st.ExecContext(ctx, i+1, classes[i%3], formatTime(at), fmt.Sprintf("s%04d", i%5000), now); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE counters SET value = $1 WHERE name = 'records' AND value < $1`, to)
	return err
}

// genAudit appends to-from entries that extend the chain from its head,
// each naming one object.
func genAudit(ctx context.Context, tx *sql.Tx, from, to int) error {
	var prevSeq int64
	prevHash := audit.GenesisHash
	if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&prevSeq, &prevHash); err != nil && err != sql.ErrNoRows {
		return err
	}
	st, err := tx.PrepareContext(ctx, insertAuditSQL)
	if err != nil {
		return err
	}
	defer st.Close()
	obj, err := tx.PrepareContext(ctx, `INSERT INTO audit_objects (object, seq) VALUES ($1, $2)`)
	if err != nil {
		return err
	}
	defer obj.Close()
	commands := []string{"account approve", "access grant", "records add", "operator list", "account show"}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := from; i < to; i++ {
		user := fmt.Sprintf("u%07d", i%100_000)
		e := &audit.Entry{At: audit.FormatTime(t0.Add(time.Duration(i) * 5 * time.Second)), RealOperator: "ana", Operator: "ana",
			Host: "h1", PID: int64(1000 + i%30000), Command: commands[i%len(commands)],
			Args:    audit.EncodeList([]string{"account", "approve", user, "--stage", "it"}),
			Outcome: "ok", Objects: audit.EncodeList([]string{"account:" + user})}
		e.Seal(prevSeq, prevHash)
		prevSeq, prevHash = e.Seq, e.Hash
		if _, err := st.ExecContext(ctx, e.Seq, e.At, e.RealOperator, e.Operator, e.Host, e.PID, e.Command, e.Args,
			e.Outcome, e.ExitCode, e.Error, e.Objects, e.PrevHash, e.Hash); err != nil {
			return err
		}
		if _, err := obj.ExecContext(ctx, "account:"+user, e.Seq); err != nil {
			return err
		}
	}
	return nil
}
