package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/audit"
)

// oldAuditQuery is the listing as it was before the union of ordered
// parts (issue 17): one statement with an OR per operator and command,
// whose results the union must reproduce exactly.
func oldAuditQuery(f AuditFilter) (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	from, seq := "audit_log", "audit_log.seq"
	if f.Object != "" {
		from, seq = "audit_objects o JOIN audit_log ON audit_log.seq = o.seq", "o.seq"
		where = append(where, "o.object = "+arg(f.Object))
	}
	if !f.Since.IsZero() {
		p := arg(audit.FormatTime(f.Since))
		where = append(where, "at >= "+p, seq+" >= (SELECT min(seq) FROM audit_log WHERE at >= "+p+")")
	}
	if !f.Until.IsZero() {
		p := arg(audit.FormatTime(f.Until))
		where = append(where, "at < "+p, seq+" <= (SELECT max(seq) FROM audit_log WHERE at < "+p+")")
	}
	if f.Operator != "" {
		p := arg(f.Operator)
		where = append(where, "(operator = "+p+" OR real_operator = "+p+")")
	}
	if f.Command != "" {
		where = append(where, "(command = "+arg(f.Command)+" OR (command >= "+arg(f.Command+" ")+" AND command < "+arg(f.Command+"!")+"))")
	}
	if f.Outcome != "" {
		where = append(where, "outcome = "+arg(f.Outcome))
	}
	if f.After > 0 {
		where = append(where, seq+" > "+arg(f.After))
	}
	cols := "audit_log." + strings.ReplaceAll(auditColumns, ", ", ", audit_log.")
	q := "SELECT " + cols + " FROM " + from
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if f.Limit > 0 {
		q = "SELECT * FROM (" + q + " ORDER BY " + seq + " DESC LIMIT " + arg(f.Limit) + ") AS last ORDER BY seq"
	} else {
		q += " ORDER BY " + seq
	}
	return q, args
}

// genAuditLog appends n entries with a few operators (sometimes acting as
// another), commands of groups that share prefixes, outcomes, objects, and
// times that now and then go backwards, as a clock set back does. The
// entries need no valid chain: only the listing reads them.
func genAuditLog(t *testing.T, s *sqlStore, n int) time.Time {
	t.Helper()
	r := rand.New(rand.NewPCG(17, 17))
	ops := []string{"ana", "bob", "eve", "ann"}
	commands := []string{"account", "account add", "account approve", "account show", "accounts", "account-x list",
		"access grant", "access grant-temp", "access grants", "access revoke", "access", "audit log", "operator add"}
	outcomes := []string{"ok", "ok", "ok", "denied", "invalid", "conflict"}
	tx, err := s.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var first int64
	if err := tx.QueryRow(`SELECT coalesce(max(seq), 0) FROM audit_log`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := t0
	for i := range n {
		seq := first + int64(i) + 1
		at = at.Add(time.Duration(r.IntN(600)) * time.Second)
		if r.IntN(20) == 0 {
			at = at.Add(-time.Duration(r.IntN(7200)) * time.Second)
		}
		real, op := ops[r.IntN(len(ops))], ops[r.IntN(len(ops))]
		if r.IntN(2) == 0 {
			op = real
		}
		obj := fmt.Sprintf("account:u%d", r.IntN(20))
		if _, err := tx.Exec(`INSERT INTO audit_log (`+auditColumns+`) VALUES ($1, $2, $3, $4, 'h', 1, $5, '[]', $6, 0, '', $7, '', '')`,
			seq, audit.FormatTime(at), real, op, commands[r.IntN(len(commands))], outcomes[r.IntN(len(outcomes))], `["`+obj+`"]`); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO audit_objects (object, seq) VALUES ($1, $2)`, obj, seq); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return t0
}

// The union of ordered parts lists exactly what the OR listed, for every
// combination of filters, with and without a limit.
func TestAuditLogMatchesOldQuery(t *testing.T) {
	s := MustOpen(t)
	t0 := genAuditLog(t, s, 2000)
	ctx := context.Background()
	// One read transaction for all: the log does not change, and a
	// recorded invocation per combination would append to it.
	sqltx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sqltx.Rollback()
	rt := &txn{ctx: ctx, tx: sqltx, store: s}
	seqs := func(q string, args []any) []int64 {
		rows, err := rt.tx.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
		defer rows.Close()
		var out []int64
		var e audit.Entry
		for rows.Next() {
			if err := scanEntry(rows, &e); err != nil {
				t.Fatal(err)
			}
			out = append(out, e.Seq)
		}
		return out
	}
	var times []time.Time
	for _, d := range []time.Duration{0, 24 * time.Hour, 100 * time.Hour, 150 * time.Hour, 1000 * time.Hour} {
		times = append(times, t0.Add(d))
	}
	// Every operator with every command, and a sample of the rest: the
	// whole product is too slow for the old query to answer.
	ops := []string{"", "ana", "ann", "nobody"}
	cmds := []string{"", "account", "access grant", "access", "accounts", "acc", "audit log", "nothing"}
	outcomes := []string{"", "", "denied", "busy"}
	objects := []string{"", "", "", "account:u3", "account:none"}
	windows := [][2]int{{-1, -1}, {-1, -1}, {1, -1}, {-1, 3}, {1, 3}, {2, 2}, {4, -1}, {0, 1}}
	afters := []int64{0, 0, 0, 500, 1900}
	limits := []int{0, 1, 7, 50}
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(n int) int { return r.IntN(n) }
	combos, nonEmpty := 0, 0
	for i := range 1000 {
		op, cmd := ops[i%len(ops)], cmds[i/len(ops)%len(cmds)]
		w := windows[pick(len(windows))]
		f := AuditFilter{Operator: op, Command: cmd, Outcome: outcomes[pick(len(outcomes))], Object: objects[pick(len(objects))],
			After: afters[pick(len(afters))], Limit: limits[pick(len(limits))]}
		if w[0] >= 0 {
			f.Since = times[w[0]]
		}
		if w[1] >= 0 {
			f.Until = times[w[1]]
		}
		want := seqs(oldAuditQuery(f))
		var got []int64
		if err := rt.Audit().AuditLog(f, func(e *audit.Entry) error { got = append(got, e.Seq); return nil }); err != nil {
			t.Fatal(err)
		}
		combos++
		if len(want) > 0 {
			nonEmpty++
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%+v:\n got %v\nwant %v", f, got, want)
		}
	}
	if nonEmpty < combos/5 {
		t.Fatalf("only %d of %d combinations matched anything", nonEmpty, combos)
	}
	t.Logf("%d combinations, %d with matches", combos, nonEmpty)
}
