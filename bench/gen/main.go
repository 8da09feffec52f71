// Command gen fills an initialised custos store with synthetic data at
// enterprise scale (SPEC §11), with batched, prepared inserts straight
// into its tables (see bench/seed) and a valid audit chain; one entry made
// through the store then records the load:
//
//	custos --db big.db init
//	go run ./bench/gen -db big.db                      # 100k accounts, 1M grants, 10M records, 10M entries
//	go run ./bench/gen -db big.db -records 1000000 -audit 0 -accounts 0
//
// On PostgreSQL (-db postgres://…, a store initialised by the role in
// the location) the audit entries are loaded with COPY rather than
// row by row (see copyAudit):
//
//	go run ./bench/gen -db "$dsn" -accounts 0 -grants-per-account 0 -records 0 -audit 10000000
//
// With -hashrate N it instead reads the first N audit entries of the store
// and reports how fast SHA-256 alone hashes their canonical encodings: the
// ceiling for audit verify.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"os/user"
	"time"

	"github.com/custos-dev/custos/bench/seed"
	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/store"
)

func main() {
	sc := seed.Enterprise
	db := flag.String("db", "", "the store, already initialised by the OS user running gen")
	flag.IntVar(&sc.Accounts, "accounts", sc.Accounts, "accounts")
	flag.IntVar(&sc.GrantsPerAccount, "grants-per-account", sc.GrantsPerAccount, "active grants per account")
	flag.IntVar(&sc.Records, "records", sc.Records, "records")
	flag.IntVar(&sc.AuditEntries, "audit", sc.AuditEntries, "audit entries")
	hashrate := flag.Int("hashrate", 0, "report the SHA-256 rate over the first N entries instead of generating")
	flag.Parse()
	if *db == "" {
		fmt.Fprintln(os.Stderr, "usage: gen -db STORE [-accounts N] [-grants-per-account N] [-records N] [-audit N] | -hashrate N")
		os.Exit(2)
	}
	u, err := user.Current()
	check(err)
	host, _ := os.Hostname()
	ctx := context.Background()
	st, err := store.Open(ctx, *db, store.Options{})
	check(err)
	defer st.Close()
	inv := &store.Invocation{Command: "bench generate", Args: os.Args[1:], OSUser: u.Username, Host: host, PID: os.Getpid()}
	if role := st.SessionUser(); role != "" {
		inv.OSUser = role // on PostgreSQL the real operator is the login role
	}

	if *hashrate > 0 {
		inv.Command = "audit log"
		var entries []audit.Entry
		check(st.Invoke(ctx, inv, store.Spec{}, func(tx store.Tx) error {
			return tx.Audit().AuditLog(store.AuditFilter{Limit: *hashrate}, func(e *audit.Entry) error { entries = append(entries, *e); return nil })
		}))
		start := time.Now()
		var buf []byte
		for i := range entries {
			buf = entries[i].AppendCanonical(buf[:0])
			sha256.Sum256(buf)
		}
		fmt.Printf("%.0f\n", float64(len(entries))/time.Since(start).Seconds())
		return
	}

	start, last := time.Now(), time.Now()
	progress := func(what string, done, total int) {
		if time.Since(last) > 5*time.Second || done == total {
			last = time.Now()
			fmt.Fprintf(os.Stderr, "gen: %s %d/%d (%s)\n", what, done, total, time.Since(start).Round(time.Second))
		}
	}
	pg := store.IsPostgres(*db)
	copied := 0
	if pg {
		copied, sc.AuditEntries = sc.AuditEntries, 0
	}
	sd, err := seed.Open(*db, pg)
	check(err)
	defer sd.Close()
	check(sd.Seed(ctx, sc, func(what string, done, total int) {
		progress(what, done, total)
		if what == "audit entries" {
			// An entry through the store after each batch brings its
			// Merkle tree up to the batch, 100,000 leaves at a time: one
			// catch-up over 10 M entries at the end is one transaction
			// whose write-ahead log grows past a gigabyte.
			check(st.Invoke(ctx, inv, store.Spec{Write: true}, func(t store.Tx) error {
				t.Touch(fmt.Sprintf("bench:audit entries:%d", done))
				return nil
			}))
		}
	}))
	if copied > 0 {
		check(copyAudit(ctx, *db, copied, func(done, total int) { progress("audit entries (COPY)", done, total) }))
	}
	// The load itself is an entry of the log, naming what it made.
	check(st.Invoke(ctx, inv, store.Spec{Write: true}, func(t store.Tx) error {
		for _, made := range []struct {
			what string
			n    int
		}{{"accounts", sc.Accounts}, {"records", sc.Records}, {"audit entries", sc.AuditEntries + copied}} {
			if made.n > 0 {
				t.Touch(fmt.Sprintf("bench:%s:%d", made.what, made.n))
			}
		}
		return nil
	}))
	fmt.Fprintf(os.Stderr, "gen: done in %s\n", time.Since(start).Round(time.Second))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
