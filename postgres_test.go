package custos_test

import (
	"bufio"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// These tests exist only on PostgreSQL (CUSTOS_TEST_POSTGRES): what its
// roles guarantee, and that it gives the same answers as SQLite.

// asRole connects to the store's database as the login role.
func asRole(t *testing.T, location, role string) *sql.DB {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	q := u.Query()
	q.Set("search_path", "custos")
	u.RawQuery = q.Encode()
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func sqlstate(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return fmt.Sprint(err)
}

// An operator's role may read and append to the audit log but not change
// it, nor switch its triggers off; the owner and even a superuser in
// replica mode are refused by the triggers.
func TestPostgresAuditLogIsAppendOnlyForEveryRole(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip("PostgreSQL only (CUSTOS_TEST_POSTGRES)")
	}
	db := storeFor(t)
	mustCustos(t, db, "init")
	if err := pgtest.AppLogin("custos_test_app"); err != nil {
		t.Fatal(err)
	}
	mustCustos(t, db, "operator", "add", "custos_test_app", "--role", "auditor")

	app := asRole(t, db, "custos_test_app")
	var n int
	if err := app.QueryRow(`SELECT count(*) FROM audit_log`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("the app role reads %d entries, %v", n, err)
	}
	for _, q := range []string{
		`UPDATE audit_log SET host = 'x' WHERE seq = 1`,
		`DELETE FROM audit_log WHERE seq = 2`,
		`TRUNCATE audit_log CASCADE`,
		`UPDATE audit_objects SET object = 'x'`,
		`DELETE FROM audit_objects`,
		`ALTER TABLE audit_log DISABLE TRIGGER USER`,
		`DROP TRIGGER audit_log_no_update ON audit_log`,
		`SET session_replication_role = replica`,
		`UPDATE schema_migrations SET version = 99`,
		// Appending in another's name.
		`INSERT INTO audit_log (seq, at, real_operator, operator, host, pid, command, args, outcome, exit_code, error, objects, prev_hash, hash)
			SELECT seq + 1, at, 'ana', 'ana', host, pid, command, args, outcome, exit_code, error, objects, hash, hash FROM audit_log ORDER BY seq DESC LIMIT 1`,
	} {
		if _, err := app.Exec(q); sqlstate(err) != "42501" {
			t.Errorf("app role: %s: %v, want 42501 (insufficient privilege)", q, err)
		}
	}

	// ana ran init: a member of custos_owner, which owns the tables.
	owner := asRole(t, db, "ana")
	for _, q := range []string{
		`UPDATE audit_log SET host = 'x' WHERE seq = 1`,
		`DELETE FROM audit_log WHERE seq = 2`,
		`TRUNCATE audit_log CASCADE`,
	} {
		_, err := owner.Exec(q)
		if sqlstate(err) != "42501" || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("owner: %s: %v, want the append-only trigger's refusal", q, err)
		}
	}
	super := rawDB(t, db)
	if _, err := super.Exec(`SET session_replication_role = replica; UPDATE audit_log SET host = 'x' WHERE seq = 1`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("superuser in replica mode: %v, want the append-only trigger's refusal", err)
	}
	// Through custos, the app role is an operator like any other.
	_, errOut, code := custos(t, db, []string{"CUSTOS_TEST_OSUSER=custos_test_app"}, "audit", "verify")
	if code != 0 {
		t.Fatalf("audit verify as the app role: exit %d: %s", code, errOut)
	}
}

// operator add names the statement an owner must run when the login role
// is missing or not a member of custos_app; custos needs no CREATEROLE.
func TestPostgresOperatorAddNamesTheMissingLogin(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip("PostgreSQL only (CUSTOS_TEST_POSTGRES)")
	}
	db := storeFor(t)
	mustCustos(t, db, "init")
	if err := pgtest.Logins("ivan"); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := custos(t, db, nil, "operator", "add", "nobody_here", "--role", "it")
	if code != 0 || !strings.Contains(errOut, `notice: nobody_here cannot log in to the store yet; a role that may create roles must run: CREATE ROLE "nobody_here" LOGIN IN ROLE custos_app;`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := rawDB(t, db).Exec(`DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'custos_test_outsider') THEN CREATE ROLE custos_test_outsider LOGIN; END IF; END $$`); err != nil {
		t.Fatal(err)
	}
	_, errOut, _ = custos(t, db, nil, "operator", "add", "custos_test_outsider", "--role", "it")
	if !strings.Contains(errOut, `run: GRANT custos_app TO "custos_test_outsider";`) {
		t.Fatalf("stderr: %s", errOut)
	}
	_, errOut, code = custos(t, db, []string{"CUSTOS_TEST_OSUSER=custos_test_outsider"}, "operator", "list")
	if code != 4 || !strings.Contains(errOut, "the database refused") {
		t.Fatalf("a role outside custos_app: exit %d: %s", code, errOut)
	}
	_, errOut, code = custos(t, db, nil, "operator", "add", "ivan", "--role", "it")
	if code != 0 || strings.Contains(errOut, "notice") {
		t.Fatalf("an existing member: exit %d: %s", code, errOut)
	}
}

// A database whose collation would sort text otherwise than custos's
// times is refused at init, and nothing is created.
func TestPostgresInitRefusesAnotherCollation(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip("PostgreSQL only (CUSTOS_TEST_POSTGRES)")
	}
	db := storeFor(t)
	raw := rawDB(t, db)
	u, _ := url.Parse(db)
	name := strings.TrimPrefix(u.Path, "/") + "_en"
	if _, err := raw.Exec(`CREATE DATABASE ` + name + ` TEMPLATE template0 LC_COLLATE 'en_US.UTF-8' LC_CTYPE 'en_US.UTF-8'`); err != nil {
		if _, err = raw.Exec(`CREATE DATABASE ` + name + ` TEMPLATE template0 LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`); err != nil {
			t.Skipf("no other collation on this server: %v", err)
		}
	}
	t.Cleanup(func() { raw.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`) })
	u.Path = "/" + name
	_, errOut, code := custos(t, u.String(), []string{"CUSTOS_TEST_OSUSER=postgres"}, "init")
	if code != 2 || !strings.Contains(errOut, "custos needs C") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var schemas int
	other, _ := pgtest.Open(u.String())
	defer other.Close()
	if err := other.QueryRow(`SELECT count(*) FROM pg_namespace WHERE nspname = 'custos'`).Scan(&schemas); err != nil || schemas != 0 {
		t.Fatalf("schemas %d, %v", schemas, err)
	}
}

// Writers that reach the server over TCP, not its socket, queue on the
// same advisory lock: none fails and the chain is intact.
func TestPostgresConcurrentWritersOverTCP(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip("PostgreSQL only (CUSTOS_TEST_POSTGRES)")
	}
	db := storeFor(t)
	u, _ := url.Parse(db)
	q := u.Query()
	q.Set("host", "127.0.0.1")
	u.RawQuery = q.Encode()
	tcp := u.String()
	mustCustos(t, tcp, "init")
	const procs, each = 8, 15
	var wg sync.WaitGroup
	for p := range procs {
		wg.Go(func() {
			for i := range each {
				name := fmt.Sprintf("tcp%d-%d", p, i)
				if _, errOut, code := custos(t, tcp, nil, "operator", "add", name, "--role", "auditor"); code != 0 {
					t.Errorf("%s: exit %d: %s", name, code, errOut)
				}
			}
		})
	}
	wg.Wait()
	out := mustCustos(t, tcp, "audit", "verify")
	if !strings.Contains(out, fmt.Sprintf("intact: %d entries", 1+procs*each)) {
		t.Fatalf("verify: %s", out)
	}
}

// The same commands give the same -o json on both engines, times, hosts
// and process ids aside (and in the log the arguments, which name the
// store, and so the hashes).
func TestPostgresAndSQLiteAnswerAlike(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip("PostgreSQL only (CUSTOS_TEST_POSTGRES)")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "records.csv"), []byte("class,created_at,subject,location\nvoice,2019-01-02T03:04:05Z,acme,\ntext,2024-05-06T07:08:09Z,globex,\n"), 0o600)
	script := [][]string{
		{"init"},
		{"operator", "add", "ines", "--role", "it"},
		{"operator", "add", "maria", "--role", "manager", "--department", "Sales"},
		{"policy", "set", "sod", "payroll:approve,payroll:pay"},
		{"access", "resource", "add", "payroll", "--classification", "confidential", "--owner", "maria", "--roles", "view,approve,pay,admin", "--privileged", "admin"},
		{"account", "request", "zoe", "--name", "Zoë Ångström", "--employee-id", "E-1", "--department", "Sales", "--position", "Rep", "--reason", "hire", "--clearance", "confidential"},
		{"account", "request", "kai", "--name", "Kai", "--employee-id", "E-2", "--department", "Sales", "--position", "Rep", "--reason", "hire"},
		{"@maria", "account", "approve", "zoe", "--stage", "department"},
		{"@ines", "account", "approve", "zoe", "--stage", "it"},
		{"account", "activate", "zoe", "--agreement-ref", "A1", "--password-file", filepath.Join(dir, "pw")},
		{"access", "grant", "zoe", "payroll", "--role", "pay", "--reason", "runs payroll"},
		{"access", "review", "start", "Q4", "--due", "2030-01-31"},
		{"@maria", "access", "review", "decide", "Q4", "1", "--keep", "--reason", "needed"},
		{"records", "retain", "voice", "--for", "3y"},
		{"records", "retain", "text", "--for", "5y"},
		{"records", "import", filepath.Join(dir, "records.csv")},
		{"records", "hold", "acme", "--reason", "dispute", "--subject", "acme"},
		{"incident", "open", "--type", "credential-leak", "--severity", "high", "--summary", "leak", "--account", "zoe", "--detected", "2026-11-01T10:00:00Z"},
		{"incident", "note", "INC-2026-0001", "--text", "found"},
		{"@ines", "access", "request", "zoe", "payroll", "--role", "view", "--reason", "reads the payslips"},
		{"@maria", "request", "approve", "REQ-2026-0001", "--stage", "department"},
	}
	lists := [][]string{
		{"operator", "list"}, {"policy", "show"}, {"account", "list"}, {"account", "list", "--state", "requested"}, {"account", "show", "zoe"},
		{"access", "list"}, {"access", "resource", "list"}, {"access", "review", "list"}, {"access", "review", "show", "Q4"},
		{"records", "list"}, {"records", "list", "--due"}, {"incident", "list"}, {"incident", "show", "INC-2026-0001"},
		{"audit", "log"}, {"audit", "log", "--object", "account:zoe"},
		{"request", "list"}, {"request", "show", "REQ-2026-0001"},
	}
	mask := regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z|"host":"[^"]*"|"pid":\d+|INC-\d{4}-|"deadline":"[^"]*"|"args":\[[^\]]*\]|"(prev_)?hash":"[0-9a-f]{64}"`)
	run := func(db string) []string {
		var outs []string
		if err := pgtest.Logins("maria", "ines"); err != nil {
			t.Fatal(err)
		}
		for _, args := range script {
			os.Remove(filepath.Join(dir, "pw"))
			env := []string{"CUSTOS_TEST_NOW=2026-11-23T12:00:00Z"}
			if user, ok := strings.CutPrefix(args[0], "@"); ok {
				env, args = append(env, "CUSTOS_TEST_OSUSER="+user), args[1:]
			}
			if _, errOut, code := custos(t, db, env, args...); code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errOut)
			}
		}
		for _, args := range lists {
			out, errOut, code := custos(t, db, []string{"CUSTOS_TEST_NOW=2026-11-23T12:00:00Z"}, append(args, "-o", "json")...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errOut)
			}
			outs = append(outs, strings.Join(args, " ")+": "+mask.ReplaceAllString(out, "…"))
		}
		return outs
	}
	sqlite := run(filepath.Join(dir, "custos.db"))
	pg := run(storeFor(t))
	for i := range sqlite {
		if sqlite[i] != pg[i] {
			t.Errorf("SQLite and PostgreSQL differ:\nsqlite:   %s\npostgres: %s", sqlite[i], pg[i])
		}
	}
}

// audit export --follow on PostgreSQL is woken by the commit that appends
// an entry (LISTEN/NOTIFY), not by its interval: with a 60 s interval, a
// new entry still arrives at once.
func TestPostgresFollowIsWokenByCommits(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip("PostgreSQL only (CUSTOS_TEST_POSTGRES)")
	}
	db := storeFor(t)
	mustCustos(t, db, "init")
	cmd := exec.Command("custos", "--db", db, "audit", "export", "-o", "jsonl", "--follow", "--interval", "60s")
	cmd.Env = append(os.Environ(), "CUSTOS_TEST_OSUSER=ana")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	next := func(what string) string {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the export ended before %s", what)
			}
			return l
		case <-time.After(20 * time.Second):
			t.Fatalf("no line for %s within 20 s of a 60 s interval: the commit did not wake the export", what)
		}
		return ""
	}
	if l := next("init"); !strings.Contains(l, `"command":"init"`) {
		t.Fatalf("first line: %s", l)
	}
	// The export's own entry is appended after its first read, and its
	// commit wakes the export.
	if l := next("the export itself"); !strings.Contains(l, `"command":"audit export"`) {
		t.Fatalf("second line: %s", l)
	}
	mustCustos(t, db, "operator", "add", "ivan", "--role", "it")
	if l := next("operator add"); !strings.Contains(l, `"command":"operator add"`) {
		t.Fatalf("third line: %s", l)
	}
}
