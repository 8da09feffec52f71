package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/custos-dev/custos/bench/seed"
	"github.com/custos-dev/custos/internal/audit"
)

// copyBatch is how many entries one COPY transaction appends.
const copyBatch = 1_000_000

// auditColumns are the columns of custos.audit_log, in the order of
// audit.Entry.
var auditColumns = []string{"seq", "at", "real_operator", "operator", "host", "pid", "command", "args",
	"outcome", "exit_code", "error", "objects", "prev_hash", "hash"}

// copyAudit appends n entries to the audit log of the PostgreSQL store at
// location, shaped as seed.AuditEntries shapes them (one object each), with COPY
// instead of an INSERT per row: row by row, 10 M entries take hours on
// PostgreSQL. The chain is computed here exactly as custos
// seals an entry (audit.Entry.Seal after the head read under the write
// lock), and every entry's object is a row of audit_objects, so the
// result verifies like a log custos wrote. The store's triggers refuse
// updates and deletes, not inserts: nothing here needs them off.
//
// Maintaining audit_log's eight secondary indexes and audit_objects' key
// and foreign key row by row made even COPY take about 57 µs an entry
// here, close to ten minutes for 10 M; so the load drops them, copies,
// and builds them again from their own definitions, all in one
// transaction, which leaves the schema as it was (or, on any error,
// untouched).
func copyAudit(ctx context.Context, location string, n int, progress func(done, total int)) error {
	cfg, err := pgx.ParseConfig(location)
	if err != nil {
		return err
	}
	cfg.RuntimeParams["search_path"] = "custos"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, seed.PGWriteLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
			return err
		}
		rebuild, err := dropIndexes(ctx, tx)
		if err != nil {
			return err
		}
		var prevSeq int64
		prevHash := audit.GenesisHash
		err = tx.QueryRow(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&prevSeq, &prevHash)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		for from := 0; from < n; from += copyBatch {
			to := min(from+copyBatch, n)
			if prevSeq, prevHash, err = copyEntries(ctx, tx, from, to, prevSeq, prevHash); err != nil {
				return err
			}
			progress(to, n)
		}
		start := time.Now()
		for _, q := range rebuild {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		fmt.Fprintf(os.Stderr, "gen: indexes and keys built again in %s\n", time.Since(start).Round(time.Second))
		return nil
	})
	if err != nil {
		return err
	}
	// A bulk load leaves the planner without statistics and every row
	// without its hint bits, which the first reader would then set (and
	// write back); a store that has lived has had autovacuum do both.
	start := time.Now()
	if _, err := conn.Exec(ctx, `VACUUM (ANALYZE) audit_log, audit_objects`); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	fmt.Fprintf(os.Stderr, "gen: vacuum and analyze %s\n", time.Since(start).Round(time.Second))
	return nil
}

// dropIndexes drops audit_log's indexes but its primary key (which the
// head is read through) and audit_objects' constraints, returning the
// statements that make them again as they were.
func dropIndexes(ctx context.Context, tx pgx.Tx) ([]string, error) {
	var drop, rebuild []string
	// Each query gives pairs of statements: one that drops, one that makes
	// again. The primary key comes before the foreign key, as the schema
	// makes them.
	for _, q := range []string{
		`SELECT 'DROP INDEX ' || i.oid::regclass::text, pg_get_indexdef(i.oid)
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
		WHERE x.indrelid = 'audit_log'::regclass AND NOT x.indisprimary ORDER BY i.relname`,
		`SELECT 'ALTER TABLE audit_objects DROP CONSTRAINT ' || quote_ident(conname),
		'ALTER TABLE audit_objects ADD CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE conrelid = 'audit_objects'::regclass ORDER BY contype = 'f', conname`,
	} {
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var d, r string
			if err := rows.Scan(&d, &r); err != nil {
				rows.Close()
				return nil, err
			}
			drop, rebuild = append(drop, d), append(rebuild, r)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	// Constraints are dropped in the reverse order of their making.
	for i := len(drop) - 1; i >= 0; i-- {
		if _, err := tx.Exec(ctx, drop[i]); err != nil {
			return nil, fmt.Errorf("%s: %w", drop[i], err)
		}
	}
	return rebuild, nil
}

// copyEntries appends generated entries [from, to) after the entry
// prevSeq whose hash is prevHash, and returns the new head.
func copyEntries(ctx context.Context, tx pgx.Tx, from, to int, prevSeq int64, prevHash string) (int64, string, error) {
	first := prevSeq + 1
	i := from - 1
	var e audit.Entry
	entries := pgx.CopyFromFunc(func() ([]any, error) {
		if i++; i >= to {
			return nil, nil
		}
		e = seed.Entry(i)
		e.Seal(prevSeq, prevHash)
		prevSeq, prevHash = e.Seq, e.Hash
		return []any{e.Seq, e.At, e.RealOperator, e.Operator, e.Host, e.PID, e.Command, e.Args,
			e.Outcome, e.ExitCode, e.Error, e.Objects, e.PrevHash, e.Hash}, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_log"}, auditColumns, entries); err != nil {
		return 0, "", fmt.Errorf("copy into audit_log: %w", err)
	}
	k := from - 1
	objects := pgx.CopyFromFunc(func() ([]any, error) {
		if k++; k >= to {
			return nil, nil
		}
		return []any{seed.Object(k), first + int64(k-from)}, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_objects"}, []string{"object", "seq"}, objects); err != nil {
		return 0, "", fmt.Errorf("copy into audit_objects: %w", err)
	}
	return prevSeq, prevHash, nil
}
