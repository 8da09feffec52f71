package custos_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	_ "modernc.org/sqlite"

	"github.com/custos-dev/custos/internal/archive"
	"github.com/custos-dev/custos/internal/cli"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// TestMain lets the test binary act as the custos binary, so scripts and
// tests below run real processes. CUSTOS_TEST_OSUSER stands in for the OS
// login name, so one test can play several operators, and CUSTOS_TEST_NOW
// (RFC 3339) fixes the clock for scripts whose output depends on the date.
// Both exist only in this test binary, never in custos itself.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"custos": func() {
			f := cmdutil.New()
			if u := os.Getenv("CUSTOS_TEST_OSUSER"); u != "" {
				f.OSUser = func() (string, error) { return u, nil }
				// On PostgreSQL the operator is the role the session
				// logs in as.
				if pgtest.Enabled() {
					os.Setenv("PGUSER", u)
				}
			}
			if s := os.Getenv("CUSTOS_TEST_NOW"); s != "" {
				now, err := time.Parse(time.RFC3339, s)
				if err != nil {
					panic(err)
				}
				f.Now = func() time.Time { return now }
			}
			os.Exit(cli.Run(f))
		},
	})
}

// scriptOperators are the operators the scripts play (ana, and every
// CUSTOS_TEST_OSUSER they set): on PostgreSQL each is a login role.
func scriptOperators(t *testing.T) []string {
	files, err := filepath.Glob("testdata/script/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{"ana": true}
	re := regexp.MustCompile(`CUSTOS_TEST_OSUSER=([a-z0-9_.-]+)`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = true
		}
	}
	var out []string
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// TestScripts runs testdata/script/*.txtar against the real binary. With
// CUSTOS_TEST_POSTGRES set, each script's store is a database of its own
// on that server ($DB and CUSTOS_DB name it), its operators are login
// roles, and the condition [postgres] holds ([sqlite] otherwise), so that
// a script can say where it is SQLite's alone.
func TestScripts(t *testing.T) {
	if pgtest.Enabled() {
		if err := pgtest.Logins(scriptOperators(t)...); err != nil {
			t.Fatal(err)
		}
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			data := filepath.Join(env.WorkDir, "data")
			env.Setenv("HOME", filepath.Join(env.WorkDir, "home"))
			env.Setenv("XDG_DATA_HOME", data)
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, "config"))
			env.Setenv("XDG_CACHE_HOME", filepath.Join(env.WorkDir, "cache"))
			env.Setenv("DB", filepath.Join(data, "custos", "custos.db"))
			env.Setenv("CUSTOS_TEST_OSUSER", "ana")
			env.Setenv("TZ", "UTC")
			if pgtest.Enabled() {
				loc, drop, err := pgtest.CreateDatabase(true)
				if err != nil {
					return err
				}
				env.Defer(drop)
				env.Setenv(pgtest.Env, pgtest.Admin())
				env.Setenv("DB", loc)
				env.Setenv("CUSTOS_DB", loc)
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "postgres":
				return pgtest.Enabled(), nil
			case "sqlite":
				return !pgtest.Enabled(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"copystore": cmdCopyStore,
			"sqlexec":   cmdSQLExec,
			"sqlquery":  cmdSQLQuery,
			"dumpstore": cmdDumpStore,
			"filemode":  cmdFileMode,
			"nosecret":  cmdNoSecret,
			"mkarchive": cmdMkArchive,
			"output":    cmdOutput,
			"exits":     cmdExits,
		},
	})
}

// openDB opens the store at path with a plain connection: the file, or
// on PostgreSQL the database as the server's superuser.
func openDB(ts *testscript.TestScript, path string) *sql.DB {
	if store.IsPostgres(path) {
		db, err := pgtest.Open(path)
		ts.Check(err)
		return db
	}
	db, err := sql.Open("sqlite", ts.MkAbs(path)+"?_pragma=busy_timeout(5000)")
	ts.Check(err)
	return db
}

// copystore SRC DST makes a consistent copy of a store, the commits still
// in its WAL included, as `sqlite3 SRC ".backup DST"` would.
func cmdCopyStore(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: copystore SRC DST")
	}
	if store.IsPostgres(args[0]) {
		ts.Fatalf("copystore copies SQLite files; guard the script with [sqlite]")
	}
	db := openDB(ts, args[0])
	defer db.Close()
	_, err := db.Exec(`VACUUM INTO $1`, ts.MkAbs(args[1]))
	ts.Check(err)
}

// sqlexec DB SQL runs statements on the store through a plain connection,
// as an intruder with the file would.
func cmdSQLExec(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sqlexec DB SQL")
	}
	db := openDB(ts, args[0])
	defer db.Close()
	_, err := db.Exec(args[1])
	if neg {
		if err == nil {
			ts.Fatalf("sqlexec succeeded unexpectedly")
		}
		fmt.Fprintln(ts.Stderr(), err)
		return
	}
	ts.Check(err)
}

// sqlquery DB SQL prints the rows of a query, tab-separated.
func cmdSQLQuery(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sqlquery DB SQL")
	}
	db := openDB(ts, args[0])
	defer db.Close()
	rows, err := db.Query(args[1])
	ts.Check(err)
	defer rows.Close()
	for _, line := range scanAll(ts, rows) {
		fmt.Fprintln(ts.Stdout(), line)
	}
}

func scanAll(ts *testscript.TestScript, rows *sql.Rows) []string {
	cols, err := rows.Columns()
	ts.Check(err)
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		ts.Check(rows.Scan(ptrs...))
		cells := make([]string, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			cells[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(cells, "\t"))
	}
	ts.Check(rows.Err())
	return out
}

// dumpstore DB prints every row of every table except the audit log,
// sorted, so a script can show that a refusal changed nothing else.
func cmdDumpStore(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: dumpstore DB")
	}
	db := openDB(ts, args[0])
	defer db.Close()
	q := `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT IN ('audit_log', 'audit_objects') ORDER BY name`
	if store.IsPostgres(args[0]) {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = 'custos' AND tablename NOT IN ('audit_log', 'audit_objects') ORDER BY tablename`
	}
	rows, err := db.Query(q)
	ts.Check(err)
	var tables []string
	for rows.Next() {
		var n string
		ts.Check(rows.Scan(&n))
		tables = append(tables, n)
	}
	rows.Close()
	for _, tbl := range tables {
		r, err := db.Query(`SELECT * FROM "` + tbl + `"`)
		ts.Check(err)
		lines := scanAll(ts, r)
		r.Close()
		sort.Strings(lines)
		fmt.Fprintf(ts.Stdout(), "== %s\n", tbl)
		for _, l := range lines {
			fmt.Fprintln(ts.Stdout(), l)
		}
	}
}

// filemode FILE prints the file's permission bits in octal.
func cmdFileMode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: filemode FILE")
	}
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	fmt.Fprintf(ts.Stdout(), "%04o\n", fi.Mode().Perm())
}

// nosecret SRC REGEXP FILE... takes the secret captured by REGEXP's first
// group in SRC (a file, or stdout) and fails if any FILE that exists
// contains it.
func cmdNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: nosecret SRC REGEXP FILE...")
	}
	src := ts.ReadFile(args[0])
	m := regexp.MustCompile(args[1]).FindStringSubmatch(src)
	if len(m) < 2 || len(m[1]) < 8 {
		ts.Fatalf("no secret matching %s in %s", args[1], args[0])
	}
	secret := []byte(m[1])
	for _, f := range args[2:] {
		b, err := os.ReadFile(ts.MkAbs(f))
		if os.IsNotExist(err) {
			continue
		}
		ts.Check(err)
		if bytes.Contains(b, secret) {
			ts.Fatalf("%s contains the secret", f)
		}
	}
}

// mkarchive JSONL ARCHIVE writes ARCHIVE (a .jsonl.gz) from the lines of
// JSONL, with a manifest beside it that agrees with it in every check a
// restore makes (SHA-256, count, id sum, id set): an archive crafted by
// someone who knows the format, to show that restore validates content.
func cmdMkArchive(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mkarchive JSONL ARCHIVE")
	}
	body, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(body)
	ts.Check(zw.Close())
	path := ts.MkAbs(args[1])
	ts.Check(os.WriteFile(path, gz.Bytes(), 0o600))
	var count, sum int64
	var ms []records.Member
	for _, l := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		var v struct{ ID int64 }
		json.Unmarshal([]byte(l), &v)
		count++
		sum += v.ID
		ms = append(ms, records.Member{ID: v.ID})
	}
	h := sha256.Sum256(gz.Bytes())
	m := archive.Manifest{Format: archive.Format, Archive: filepath.Base(path), SHA256: hex.EncodeToString(h[:]), Count: count, SumID: sum,
		SetSHA256: records.NewIDSet(ms).Hash(), AsOf: "2026-11-23T00:00:00Z", Operator: "mallory", Host: "h", CreatedAt: "2026-11-23T00:00:00Z"}
	b, _ := json.Marshal(m)
	ts.Check(os.WriteFile(archive.ManifestPath(path), b, 0o600))
}

// output REGEXP matches what the last command printed on either stream,
// as a reader of the guide sees it on a terminal.
func cmdOutput(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: output REGEXP")
	}
	re, err := regexp.Compile("(?m)" + args[0])
	ts.Check(err)
	text := ts.ReadFile("stdout") + ts.ReadFile("stderr")
	if re.MatchString(text) == neg {
		if neg {
			ts.Fatalf("unexpected match for %#q in the output", args[0])
		}
		ts.Fatalf("no match for %#q in the output", args[0])
	}
}

// exits N PROG ARGS… runs a program that must exit with status N, keeping
// its output for the commands that follow, as exec does.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N PROG [ARGS…]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	var exit *exec.ExitError
	switch {
	case err == nil:
		ts.Fatalf("%s succeeded; want exit status %d", args[1], want)
	case errors.As(err, &exit):
		if got := exit.ExitCode(); got != want {
			ts.Fatalf("%s exited with %d; want %d", args[1], got, want)
		}
	default:
		ts.Fatalf("%s: %v", args[1], err)
	}
}
