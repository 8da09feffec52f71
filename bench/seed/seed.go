// Package seed fills a store that custos initialised with synthetic data
// for benchmarks: bench/gen at enterprise scale (SPEC §11), and the store
// package's own benchmarks and tests that need a long log or many grants.
package seed

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"github.com/custos-dev/custos/internal/audit"
)

// Scale is the size of a generated store.
type Scale struct {
	Accounts         int // accounts, every 7th frozen, in 50 departments
	GrantsPerAccount int // active grants each, over 100 resources
	Records          int // catalogued records, in creation order over ten years
	AuditEntries     int // audit entries with a valid chain
}

// Enterprise is the size SPEC §11 asks custos to stay fast at.
var Enterprise = Scale{Accounts: 100_000, GrantsPerAccount: 10, Records: 10_000_000, AuditEntries: 10_000_000}

// seedBatch is how many rows one generating transaction inserts.
const seedBatch = 100_000

// Seeder writes synthetic rows straight into the tables of a store that
// custos initialised: prepared, batched inserts rather than commands, so
// that a store of enterprise size takes minutes rather than days. This is
// the one place outside the store package that knows its tables, and it
// is a benchmark tool: custos itself never writes a row but through the
// store. Each batch holds the store's write lock, as a command does, and
// the generated entries extend the chain from its head, so the log still
// verifies; the store's Merkle tree catches up with them at the next
// command, as it does after any entry it has not seen.
type Seeder struct {
	db *sql.DB
	pg bool
}

// Open connects to the store at location: a SQLite file, or a
// PostgreSQL database (the role of the location must own the store).
func Open(location string, pg bool) (*Seeder, error) {
	if pg {
		u, err := url.Parse(location)
		if err != nil {
			return nil, err
		}
		q := u.Query()
		q.Set("search_path", "custos")
		u.RawQuery = q.Encode()
		db, err := sql.Open("pgx", u.String())
		return &Seeder{db: db, pg: true}, err
	}
	// BEGIN IMMEDIATE takes SQLite's write lock at the start, as the
	// store's writers do; a large page cache, as the store's bulk
	// commands have, since the inserts land all over the indexes.
	db, err := sql.Open("sqlite", location+"?_txlock=immediate&_pragma=busy_timeout(60000)&_pragma=cache_size(-131072)")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &Seeder{db: db}, nil
}

// New seeds through db, a connection to a store's schema: on SQLite the
// test's only writer, on PostgreSQL with the schema on its search path.
func New(db *sql.DB, pg bool) *Seeder { return &Seeder{db: db, pg: pg} }

// Close closes the connection Open made.
func (s *Seeder) Close() error { return s.db.Close() }

// batch runs fn in one transaction holding the store's write lock.
func (s *Seeder) batch(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.pg {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, PGWriteLock); err != nil {
			return err
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Seed generates sc in batches of 100,000 rows, calling progress (if
// set) after each.
func (s *Seeder) Seed(ctx context.Context, sc Scale, progress func(what string, done, total int)) error {
	step := func(what string, total int, fn func(tx *sql.Tx, from, to int) error) error {
		n := seedBatch
		if what == "accounts" {
			// Each batch of accounts has an entry naming every account it
			// made (accountsEntry): smaller batches keep it short.
			n = seedBatch / 10
		}
		for from := 0; from < total; from += n {
			to := min(from+n, total)
			if err := s.batch(ctx, func(tx *sql.Tx) error { return fn(tx, from, to) }); err != nil {
				return fmt.Errorf("%s %d–%d: %w", what, from, to, err)
			}
			if progress != nil {
				progress(what, to, total)
			}
		}
		return nil
	}
	now := audit.FormatTime(time.Now())
	if sc.Accounts > 0 {
		if err := s.batch(ctx, func(tx *sql.Tx) error { return seedResources(ctx, tx, now) }); err != nil {
			return err
		}
	}
	if err := step("accounts", sc.Accounts, func(tx *sql.Tx, from, to int) error {
		if err := seedAccounts(ctx, tx, from, to, sc.GrantsPerAccount, now); err != nil {
			return err
		}
		return accountsEntry(ctx, tx, from, to)
	}); err != nil {
		return err
	}
	if err := step("records", sc.Records, func(tx *sql.Tx, from, to int) error {
		return seedRecords(ctx, tx, from, to, sc.Records, now)
	}); err != nil {
		return err
	}
	return step("audit entries", sc.AuditEntries, func(tx *sql.Tx, from, to int) error {
		return AuditEntries(ctx, tx, from, to)
	})
}

func seedResources(ctx context.Context, tx *sql.Tx, now string) error {
	for r := range 100 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO resources (name, classification, owner, roles, privileged, created_at, created_by) VALUES ($1, 'internal', 'ana', 'read,write,admin', 'admin', $2, 'ana')`,
			fmt.Sprintf("res%03d", r), now); err != nil {
			return err
		}
	}
	return nil
}

// seedAccounts inserts accounts [from, to), each with perAccount grants
// whose ids follow from the account number.
func seedAccounts(ctx context.Context, tx *sql.Tx, from, to, perAccount int, now string) error {
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
		user := seedUser(a)
		if _, err := acct.ExecContext(ctx, user, fmt.Sprintf("dept%02d", a%50), seedState(a), now); err != nil {
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

// seedUser and seedState are seeded account a's username and state.
func seedUser(a int) string { return fmt.Sprintf("u%07d", a) }

func seedState(a int) string {
	if a%7 == 0 {
		return "frozen"
	}
	return "active"
}

// accountsEntry appends the entry a command making the accounts [from,
// to) would have written: each account's state change as the object
// state:USER::STATE (docs/audit-log.md), so that a seeded store's account
// states over time and last changes are traced as a real store's are.
// It is dated just before the generated entries that follow it.
func accountsEntry(ctx context.Context, tx *sql.Tx, from, to int) error {
	var prevSeq int64
	prevHash := audit.GenesisHash
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&prevSeq, &prevHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	objects := make([]string, 0, to-from)
	for a := from; a < to; a++ {
		objects = append(objects, "state:"+seedUser(a)+"::"+seedState(a))
	}
	e := audit.Entry{At: audit.FormatTime(entryStart.Add(-time.Hour)), RealOperator: "ana", Operator: "ana", Host: "h1", PID: 1,
		Command: "bench seed", Args: audit.EncodeList([]string{"accounts", fmt.Sprint(from), fmt.Sprint(to)}),
		Outcome: "ok", Objects: audit.EncodeList(objects)}
	e.Seal(prevSeq, prevHash)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, real_operator, operator, host, pid, command, args, outcome, exit_code, error, objects, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, e.Seq, e.At, e.RealOperator, e.Operator, e.Host, e.PID,
		e.Command, e.Args, e.Outcome, e.ExitCode, e.Error, e.Objects, e.PrevHash, e.Hash); err != nil {
		return err
	}
	obj, err := tx.PrepareContext(ctx, `INSERT INTO audit_objects (object, seq) VALUES ($1, $2)`)
	if err != nil {
		return err
	}
	defer obj.Close()
	for _, o := range objects {
		if _, err := obj.ExecContext(ctx, o, e.Seq); err != nil {
			return err
		}
	}
	return nil
}

// seedRecords inserts records [from, to) of total, created in order from
// 2016-11-01 to 2026-11-01, in three classes, and moves the record
// counter past them, as the store's id allocation expects.
func seedRecords(ctx context.Context, tx *sql.Tx, from, to, total int, now string) error {
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
		if _, err := st.ExecContext(ctx, i+1, classes[i%3], audit.FormatTime(at), fmt.Sprintf("s%04d", i%5000), now); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE counters SET value = $1 WHERE name = 'records' AND value < $1`, to)
	return err
}

// AuditEntries appends entries [from, to) after the head of the chain in
// tx, which holds the write lock, each naming one object (Entry).
func AuditEntries(ctx context.Context, tx *sql.Tx, from, to int) error {
	var prevSeq int64
	prevHash := audit.GenesisHash
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&prevSeq, &prevHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO audit_log (seq, at, real_operator, operator, host, pid, command, args, outcome, exit_code, error, objects, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`)
	if err != nil {
		return err
	}
	defer st.Close()
	obj, err := tx.PrepareContext(ctx, `INSERT INTO audit_objects (object, seq) VALUES ($1, $2)`)
	if err != nil {
		return err
	}
	defer obj.Close()
	for i := from; i < to; i++ {
		e := Entry(i)
		e.Seal(prevSeq, prevHash)
		prevSeq, prevHash = e.Seq, e.Hash
		if _, err := st.ExecContext(ctx, e.Seq, e.At, e.RealOperator, e.Operator, e.Host, e.PID, e.Command, e.Args,
			e.Outcome, e.ExitCode, e.Error, e.Objects, e.PrevHash, e.Hash); err != nil {
			return err
		}
		if _, err := obj.ExecContext(ctx, Object(i), e.Seq); err != nil {
			return err
		}
	}
	return nil
}

// PGWriteLock is the advisory lock every custos write transaction on
// PostgreSQL takes first (the store's pgWriteLock, the bytes of
// "custos"): holding it, no command appends between the head read and
// the commit.
const PGWriteLock int64 = 0x637573746f73

var entryCommands = []string{"account approve", "access grant", "records add", "operator list", "account show"}

var entryStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Entry is the i-th generated entry, unsealed, whether inserted here or
// copied (bench/gen on PostgreSQL).
func Entry(i int) audit.Entry {
	user := fmt.Sprintf("u%07d", i%100_000)
	return audit.Entry{At: audit.FormatTime(entryStart.Add(time.Duration(i) * 5 * time.Second)), RealOperator: "ana", Operator: "ana",
		Host: "h1", PID: int64(1000 + i%30000), Command: entryCommands[i%len(entryCommands)],
		Args:    audit.EncodeList([]string{"account", "approve", user, "--stage", "it"}),
		Outcome: "ok", Objects: audit.EncodeList([]string{Object(i)})}
}

// Object is the one object the i-th generated entry names.
func Object(i int) string { return fmt.Sprintf("account:u%07d", i%100_000) }
