package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// testLocation is where a test's store goes: a file in a temporary
// directory, or a database of its own on the PostgreSQL test server.
func testLocation(t testing.TB) string {
	if pgtest.Enabled() {
		return pgtest.Database(t)
	}
	return filepath.Join(t.TempDir(), "custos.db")
}

// MustOpen creates a store in a temporary directory with ana as its admin.
func MustOpen(t *testing.T) *sqlStore {
	t.Helper()
	s, _, err := createSQL(context.Background(), testLocation(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	err = s.Invoke(context.Background(), inv("init", "ana"), Spec{Write: true, Bootstrap: true}, func(tx Tx) error {
		_, err := tx.Operators().AddOperator(&operator.Operator{Name: "ana", Roles: []operator.Role{operator.Admin}, CreatedBy: "ana"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func inv(command, user string) *Invocation {
	return &Invocation{Command: command, Args: strings.Fields(command), OSUser: user, Host: "h", PID: 1}
}

func entries(t *testing.T, s *sqlStore) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	tx, err := s.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.Query(`SELECT ` + auditColumns + ` FROM audit_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var e audit.Entry
		if err := scanEntry(rows, &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func TestFailedInvocationRollsBackAndIsRecorded(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	err := s.Invoke(ctx, inv("operator add", "ana"), Spec{Write: true}, func(tx Tx) error {
		if _, err := tx.Operators().AddOperator(&operator.Operator{Name: "ivan", Roles: []operator.Role{operator.IT}, CreatedBy: "ana"}); err != nil {
			return err
		}
		return errs.Conflictf("changed my mind")
	})
	if errs.CodeOf(err) != errs.Conflict || !errs.IsRecorded(err) {
		t.Fatalf("err = %v", err)
	}
	_ = s.Invoke(ctx, inv("operator list", "ana"), Spec{}, func(tx Tx) error {
		return tx.Operators().ListOperators(true, 0, func(o *operator.Operator) error {
			if o.Name == "ivan" {
				t.Error("the failed invocation's change was committed")
			}
			return nil
		})
	})
	es := entries(t, s)
	if len(es) != 3 {
		t.Fatalf("%d entries, want 3", len(es))
	}
	if e := es[1]; e.Outcome != "conflict" || e.ExitCode != 5 || e.Error != "changed my mind" || e.Objects != `["operator:ivan"]` {
		t.Fatalf("failure entry: %+v", e)
	}
	if e := es[2]; e.Command != "operator list" || e.Outcome != "ok" {
		t.Fatalf("read entry: %+v", e)
	}
	v := audit.NewVerifier()
	for i := range es {
		if err := v.Check(&es[i]); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPermissionIsCheckedBeforeTheOperation(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	ran := false
	run := func(user, as string, roles ...operator.Role) error {
		i := inv("operator add", user)
		i.As = as
		return s.Invoke(ctx, i, Spec{Write: true, Roles: roles}, func(tx Tx) error { ran = true; return nil })
	}
	if err := run("ana", "", operator.Admin); err != nil || !ran {
		t.Fatalf("admin refused: %v", err)
	}
	s.Invoke(ctx, inv("operator add", "ana"), Spec{Write: true}, func(tx Tx) error {
		_, err := tx.Operators().AddOperator(&operator.Operator{Name: "aud", Roles: []operator.Role{operator.Auditor}, CreatedBy: "ana"})
		return err
	})
	for _, c := range []struct {
		user, as string
		code     errs.Code
	}{
		{"aud", "", errs.Denied},     // lacks the role
		{"mallory", "", errs.Denied}, // not an operator
		{"aud", "ana", errs.Denied},  // --as without being admin
		{"ana", "nobody", errs.NotFound},
		{"ana", "aud", errs.Denied}, // acts as aud, who lacks the role
	} {
		ran = false
		err := run(c.user, c.as, operator.Admin)
		if errs.CodeOf(err) != c.code || ran {
			t.Errorf("%s as %q: err %v, ran %v; want %v", c.user, c.as, err, ran, c.code)
		}
	}
	last := entries(t, s)
	if e := last[len(last)-1]; e.RealOperator != "ana" || e.Operator != "aud" || e.Outcome != "denied" {
		t.Fatalf("--as entry: %+v", e)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	s := MustOpen(t)
	if _, err := s.db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (99, '')`); err != nil {
		t.Fatal(err)
	}
	path := s.Path()
	s.Close()
	_, err := openSQL(context.Background(), path, Options{})
	if err == nil || errs.ExitCode(err) != 1 || !strings.Contains(err.Error(), "schema version 99, newer than this custos understands") {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenMissingStoreSaysRunInit(t *testing.T) {
	_, err := openSQL(context.Background(), filepath.Join(t.TempDir(), "none.db"), Options{})
	if errs.CodeOf(err) != errs.NotFound || !strings.Contains(errs.HintOf(err), "custos init") {
		t.Fatalf("err = %v", err)
	}
}

func TestLocationsRefused(t *testing.T) {
	for _, p := range []string{"postgres://db:bad-port/custos", "/tmp/a?b.db", ""} {
		if _, err := openSQL(context.Background(), p, Options{}); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%q: %v", p, err)
		}
	}
}

func TestNetworkFileSystemsAreRecognised(t *testing.T) {
	for magic, name := range map[int64]string{0x6969: "NFS", 0xff534d42: "CIFS", 0xfe534d42: "SMB2", 0x517b: "SMB", 0x65735546: "FUSE", 0xef53: "", 0x01021994: ""} {
		if got := networkFSName(magic); got != name {
			t.Errorf("magic %#x: %q, want %q", magic, got, name)
		}
	}
	if got := networkFS(t.TempDir()); got != "" {
		t.Errorf("the test's temp dir is on %s", got)
	}
}

func TestTranslateDriverErrors(t *testing.T) {
	s := MustOpen(t)
	_, err := s.db.Exec(`INSERT INTO operators (name, roles, created_at, created_by) VALUES ('ana', 'admin', '', '')`)
	if errs.CodeOf(translate(err)) != errs.Conflict {
		t.Fatalf("unique violation: %v", translate(err))
	}
	plain := errors.New("x")
	if translate(plain) != plain {
		t.Fatal("unknown errors must pass through")
	}
}

func TestAuditFilterQueries(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	for _, name := range []string{"ivan", "olga"} {
		s.Invoke(ctx, inv("operator add", "ana"), Spec{Write: true}, func(tx Tx) error {
			_, err := tx.Operators().AddOperator(&operator.Operator{Name: name, Roles: []operator.Role{operator.IT}, CreatedBy: "ana"})
			return err
		})
	}
	count := func(f AuditFilter) int {
		n := 0
		s.Invoke(ctx, inv("audit log", "ana"), Spec{}, func(tx Tx) error {
			return tx.Audit().AuditLog(f, func(*audit.Entry) error { n++; return nil })
		})
		return n
	}
	if n := count(AuditFilter{Object: "operator:olga"}); n != 1 {
		t.Errorf("object filter: %d", n)
	}
	if n := count(AuditFilter{Command: "operator"}); n != 2 {
		t.Errorf("command group filter: %d", n)
	}
	if n := count(AuditFilter{Command: "oper"}); n != 0 {
		t.Errorf("a command prefix that is not a word matched %d", n)
	}
	if n := count(AuditFilter{Limit: 2}); n != 2 {
		t.Errorf("limit: %d", n)
	}
	if n := count(AuditFilter{After: 2}); n < 2 {
		t.Errorf("after: %d", n)
	}
}

func TestInterruptedInvocationIsRecorded(t *testing.T) {
	s := MustOpen(t)
	ctx, cancel := context.WithCancel(context.Background())
	err := s.Invoke(ctx, inv("operator add", "ana"), Spec{Write: true, Targets: []string{"operator:ivan"}}, func(tx Tx) error {
		cancel()
		return ctx.Err()
	})
	if !errs.IsRecorded(err) {
		t.Fatalf("the interrupted invocation was not recorded: %v", err)
	}
	es := entries(t, s)
	if e := es[len(es)-1]; e.Outcome != "interrupted" || e.ExitCode != 130 || e.Objects != `["operator:ivan"]` {
		t.Fatalf("entry: %+v", e)
	}
}

// A hold placed while a purge is deleting still protects what it covers.
func TestHoldPlacedDuringPurgeProtects(t *testing.T) {
	s := MustOpen(t)
	seedVoice(t, s, 10, 3)
	p, err := commitPurge(t, s, candidates(t, s))
	if err != nil {
		t.Fatal(err)
	}
	// The hold arrives after the purge committed, before its batches ran.
	hold(t, s, "acme", "acme")
	done := runBatches(t, s, p, 4, nil)
	if done.Deleted != 7 || done.Skipped != 3 {
		t.Fatalf("%+v", done)
	}
	var left int
	s.db.QueryRow(`SELECT count(*) FROM records WHERE subject = 'acme'`).Scan(&left)
	if left != 3 {
		t.Fatalf("held records: %d left, want 3", left)
	}
}
