package custos_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/archive"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// custos runs the custos binary (this test binary, see TestMain) as OS user
// ana against db and returns stdout, stderr and the exit code.
func custos(t *testing.T, db string, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command("custos", append([]string{"--db", db}, args...)...)
	cmd.Env = append(os.Environ(), "CUSTOS_TEST_OSUSER=ana", "NO_COLOR=1")
	cmd.Env = append(cmd.Env, env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return out.String(), errOut.String(), 0
	case errors.As(err, &exitErr):
		return out.String(), errOut.String(), exitErr.ExitCode()
	}
	t.Fatalf("running custos %v: %v", args, err)
	return "", "", -1
}

func mustCustos(t *testing.T, db string, args ...string) string {
	t.Helper()
	out, errOut, code := custos(t, db, nil, args...)
	if code != 0 {
		t.Fatalf("custos %v: exit %d: %s", args, code, errOut)
	}
	return out
}

// storeFor returns where a process test's store goes: a file in a
// temporary directory, or with CUSTOS_TEST_POSTGRES a database of its own
// that the processes log in to as PGUSER (CUSTOS_TEST_OSUSER, see
// TestMain).
func storeFor(t *testing.T) string {
	t.Helper()
	if !pgtest.Enabled() {
		return filepath.Join(t.TempDir(), "custos.db")
	}
	if err := pgtest.Logins("ana"); err != nil {
		t.Fatal(err)
	}
	loc, drop, err := pgtest.CreateDatabase(true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return loc
}

// rawDB is a plain connection to the store: the file, or the database as
// the server's superuser.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	if store.IsPostgres(path) {
		db, err := pgtest.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestTamperEveryColumn edits each column of one entry in turn, with the
// triggers dropped, and expects audit verify to name that entry (exit 6).
func TestTamperEveryColumn(t *testing.T) {
	fill := func(db string) {
		mustCustos(t, db, "init")
		mustCustos(t, db, "operator", "add", "ivan", "--role", "it")
		mustCustos(t, db, "operator", "list")
		mustCustos(t, db, "audit", "verify")
	}
	// On SQLite each edit is made to a copy of one store; on PostgreSQL
	// to a store of its own, by the superuser with the triggers disabled.
	var pristine string
	if !pgtest.Enabled() {
		pristine = filepath.Join(t.TempDir(), "pristine.db")
		fill(pristine)
		// Checkpoint the WAL into the main file so a byte copy is the whole store.
		if _, err := rawDB(t, pristine).Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
	}

	edits := map[string]string{
		"seq":           "seq = 20",
		"at":            "at = '2001-01-01T00:00:00.000000000Z'",
		"real_operator": "real_operator = 'mallory'",
		"operator":      "operator = 'mallory'",
		"host":          "host = 'elsewhere'",
		"pid":           "pid = pid + 1",
		"command":       "command = 'operator remove'",
		"args":          "args = '[\"operator\", \"add\", \"ivan\"]'",
		"outcome":       "outcome = 'denied'",
		"exit_code":     "exit_code = 4",
		"error":         "error = 'nothing happened'",
		"objects":       "objects = '[]'",
		"prev_hash":     "prev_hash = '" + strings.Repeat("0", 64) + "'",
		"hash":          "hash = '" + strings.Repeat("f", 64) + "'",
	}
	cols := []string{"seq", "at", "real_operator", "operator", "host", "pid", "command", "args",
		"outcome", "exit_code", "error", "objects", "prev_hash", "hash"}
	if len(cols) != len(edits) {
		t.Fatal("every column needs an edit")
	}
	for _, col := range cols {
		t.Run(col, func(t *testing.T) {
			db := storeFor(t)
			drop := `DROP TRIGGER audit_log_no_update; `
			if pgtest.Enabled() {
				fill(db)
				drop = `SET session_replication_role = replica; ALTER TABLE audit_log DISABLE TRIGGER USER; `
			} else {
				copyFile(t, pristine, db)
			}
			raw := rawDB(t, db)
			if _, err := raw.Exec(drop + `UPDATE audit_log SET ` + edits[col] + ` WHERE seq = 2`); err != nil {
				t.Fatal(err)
			}
			raw.Close()
			_, errOut, code := custos(t, db, nil, "audit", "verify")
			if code != 6 {
				t.Fatalf("exit %d, want 6; stderr: %s", code, errOut)
			}
			if !strings.Contains(errOut, "audit log broken at entry 2") {
				t.Fatalf("stderr does not name entry 2: %s", errOut)
			}
		})
	}
}

// TestConcurrentWriters runs 8 processes that each make 50 audited changes
// to one store at once: none may fail, every change and every entry must be
// there, and the chain must be intact.
func TestConcurrentWriters(t *testing.T) {
	const procs, each = 8, 50
	db := storeFor(t)
	mustCustos(t, db, "init")

	var wg sync.WaitGroup
	failures := make(chan string, procs*each)
	for p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				name := fmt.Sprintf("op%d-%d", p, i)
				_, errOut, code := custos(t, db, nil, "operator", "add", name, "--role", "auditor")
				if code != 0 {
					failures <- fmt.Sprintf("%s: exit %d: %s", name, code, errOut)
				}
			}
		}()
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Error(f)
	}

	raw := rawDB(t, db)
	var ops, entries, adds int
	raw.QueryRow(`SELECT count(*) FROM operators`).Scan(&ops)
	raw.QueryRow(`SELECT count(*), count(*) FILTER (WHERE command = 'operator add' AND outcome = 'ok') FROM audit_log`).Scan(&entries, &adds)
	if ops != 1+procs*each || adds != procs*each || entries != 1+procs*each {
		t.Fatalf("operators %d, entries %d, ok adds %d; want %d, %d, %d", ops, entries, adds, 1+procs*each, 1+procs*each, procs*each)
	}
	out := mustCustos(t, db, "audit", "verify")
	if !strings.Contains(out, fmt.Sprintf("intact: %d entries", 1+procs*each)) {
		t.Fatalf("verify: %s", out)
	}
}

// TestBusyStore holds the write lock from another connection: a command
// waits for the busy timeout, then exits 7 saying the store is busy, and
// changes nothing. Its failure cannot be recorded while the lock is held,
// so it is spooled beside the store (0600) and appended, with its own
// time and before its own entry, by the next command that gets the lock.
func TestBusyStore(t *testing.T) {
	db := storeFor(t)
	cache := t.TempDir()
	env := func(more ...string) []string { return append([]string{"XDG_CACHE_HOME=" + cache}, more...) }
	custosEnv := func(e []string, args ...string) (string, string, int) { return custos(t, db, env(e...), args...) }
	if _, errOut, code := custosEnv(nil, "init"); code != 0 {
		t.Fatal(errOut)
	}

	// The write lock: SQLite's (BEGIN IMMEDIATE), or PostgreSQL's advisory
	// lock, held by another connection.
	raw := rawDB(t, db)
	conn, err := raw.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	lock, unlock := `BEGIN IMMEDIATE`, `ROLLBACK`
	spool := db + ".spool"
	if pgtest.Enabled() {
		lock = `BEGIN; SELECT pg_advisory_xact_lock(` + fmt.Sprint(0x637573746f73) + `)`
	}
	if _, err := conn.ExecContext(context.Background(), lock); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, errOut, code := custosEnv([]string{"CUSTOS_BUSY_TIMEOUT=300ms"}, "operator", "add", "ivan", "--role", "it")
	waited := time.Since(start)
	if code != 7 {
		t.Fatalf("exit %d, want 7; stderr: %s", code, errOut)
	}
	if !strings.Contains(errOut, "custos: the store is busy") {
		t.Fatalf("stderr: %s", errOut)
	}
	if pgtest.Enabled() {
		// A server's spool is on the host that ran the command.
		found, _ := filepath.Glob(filepath.Join(cache, "custos", "spool-*"))
		if len(found) != 1 {
			t.Fatalf("spools in the cache directory: %v", found)
		}
		spool = found[0]
	}
	if !strings.Contains(errOut, "custos: notice: the store is locked; this failure is kept in "+spool) {
		t.Fatalf("no notice that the failure was spooled: %s", errOut)
	}
	if waited < 300*time.Millisecond {
		t.Fatalf("gave up after %v, before the busy timeout", waited)
	}
	fi, err := os.Stat(spool)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("spool: %v, %v", fi, err)
	}
	// A second refused command queues behind the first; a line that is
	// not an entry (a torn write, an edit) is kept, not dropped.
	custosEnv([]string{"CUSTOS_BUSY_TIMEOUT=10ms"}, "operator", "remove", "ana", "--yes")
	f, err := os.OpenFile(spool, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("{not an entry\n")
	f.Close()
	if _, err := conn.ExecContext(context.Background(), unlock); err != nil {
		t.Fatal(err)
	}

	// With the lock released, the next command appends the spooled
	// failures first, then does its own work.
	_, errOut, code = custosEnv(nil, "operator", "add", "ivan", "--role", "it")
	if code != 0 || !strings.Contains(errOut, "custos: warning: line 3 of "+spool+" is not an audit entry") {
		t.Fatalf("exit %d; stderr: %s", code, errOut)
	}
	rows, err := raw.Query(`SELECT seq, at, command, outcome FROM audit_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var ats []string
	for rows.Next() {
		var seq int
		var at, command, outcome string
		rows.Scan(&seq, &at, &command, &outcome)
		got = append(got, fmt.Sprintf("%d %s %s", seq, command, outcome))
		ats = append(ats, at)
	}
	rows.Close()
	want := []string{"1 init ok", "2 operator add busy", "3 operator remove busy", "4 operator add ok"}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Fatalf("entries %q, want %q", got, want)
	}
	if at := ats[1]; at > start.Add(time.Second).UTC().Format(time.RFC3339Nano) || at < start.Add(-time.Second).UTC().Format(time.RFC3339) {
		t.Fatalf("the spooled entry has time %s, not the time of its command (%s)", at, start.UTC())
	}
	left, err := os.ReadFile(spool)
	if err != nil || string(left) != "{not an entry\n" {
		t.Fatalf("spool after draining: %q, %v; want only the bad line kept", left, err)
	}
	if out := mustCustos(t, db, "audit", "verify"); !strings.Contains(out, "intact") {
		t.Fatal(out)
	}
}

// TestControlCharactersNeverReachTheTerminal stores a hostile string (in the
// audit log, through a refused command) and reads it back in every format:
// no escape or bell byte may reach stdout or stderr.
func TestControlCharactersNeverReachTheTerminal(t *testing.T) {
	db := storeFor(t)
	mustCustos(t, db, "init")
	evil := "\x1b]0;pwned\a\u009b2J"
	_, errOut, code := custos(t, db, nil, "operator", "add", evil, "--role", "it", "--department", evil)
	if code != 2 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	check := func(what, s string) {
		t.Helper()
		if strings.ContainsAny(s, "\x1b\a") || strings.Contains(s, "\u009b") {
			t.Errorf("%s carries raw control characters: %q", what, s)
		}
	}
	check("the refusal", errOut)
	for _, args := range [][]string{
		{"audit", "log"},
		{"audit", "log", "-o", "json"},
		{"audit", "log", "-o", "csv"},
		{"audit", "export", "-o", "jsonl"},
		{"audit", "export", "-o", "csv"},
	} {
		out, errOut, code := custos(t, db, nil, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		check(strings.Join(args, " "), out+errOut)
		if !strings.Contains(out, `]0;pwned`) {
			t.Errorf("%v does not show the escaped string at all:\n%s", args, out)
		}
	}
}

// A hostile real name is refused with an escaped message; the refusal in
// the audit log and the account commands show it escaped too.
func TestHostileAccountNameNeverReachesTheTerminal(t *testing.T) {
	db := storeFor(t)
	mustCustos(t, db, "init")
	evil := "\x1b]0;pwned\a"
	_, errOut, code := custos(t, db, nil, "account", "request", "eve", "--name", evil, "--employee-id", "E-1",
		"--department", "Sales", "--position", "X", "--reason", "x")
	if code != 2 || !strings.Contains(errOut, `custos: name contains control characters: "\x1b]0;pwned\a"`) {
		t.Fatalf("exit %d: %q", code, errOut)
	}
	if strings.ContainsAny(errOut, "\x1b\a") {
		t.Fatalf("raw control bytes on stderr: %q", errOut)
	}
	for _, args := range [][]string{{"audit", "log"}, {"account", "list"}, {"account", "show", "eve"}, {"audit", "log", "-o", "json"}} {
		out, errOut, _ := custos(t, db, nil, args...)
		if strings.ContainsAny(out+errOut, "\x1b\a") {
			t.Errorf("%v printed raw control bytes: %q", args, out+errOut)
		}
	}
}

// TestConcurrentIncidentOpens: processes opening incidents at once get
// distinct IDs with no gaps, because each is numbered under the write lock.
func TestConcurrentIncidentOpens(t *testing.T) {
	const procs, each = 4, 10
	db := storeFor(t)
	mustCustos(t, db, "init")
	var wg sync.WaitGroup
	ids := make(chan string, procs*each)
	for p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				out, errOut, code := custos(t, db, nil, "incident", "open", "--type", "other", "--severity", "low",
					"--summary", fmt.Sprintf("drill %d-%d", p, i), "-o", "json")
				if code != 0 {
					t.Errorf("exit %d: %s", code, errOut)
					continue
				}
				var res struct{ ID string }
				if err := json.Unmarshal([]byte(out), &res); err != nil {
					t.Errorf("%v: %s", err, out)
				}
				ids <- res.ID
			}
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("duplicate ID %s", id)
		}
		seen[id] = true
	}
	year := time.Now().Year()
	for n := 1; n <= procs*each; n++ {
		if id := fmt.Sprintf("INC-%d-%04d", year, n); !seen[id] {
			t.Errorf("missing %s", id)
		}
	}
}

// TestPurgeSurvivesSIGKILL kills real purge processes at many points
// (while archiving, at the commit, between deletion batches), runs the
// purge again until it finishes, and checks that the catalogue, the purge
// records, the files and the audit chain are consistent: every due record
// is gone and archived exactly once in a verified archive, its file is
// destroyed, and nothing held or not yet due was touched.
func TestPurgeSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes for several seconds")
	}
	dir := t.TempDir()
	db := storeFor(t)
	files := filepath.Join(dir, "files")
	arch := filepath.Join(dir, "archive")
	os.MkdirAll(files, 0o700)
	os.MkdirAll(arch, 0o700)
	mustCustos(t, db, "init")
	mustCustos(t, db, "records", "retain", "voice", "--for", "1y")
	// The hold is released mid-test directly, not through an officer.
	mustCustos(t, db, "policy", "set", "records.change_approval", "none")
	mustCustos(t, db, "policy", "set", "records.purge_approval", "none")
	mustCustos(t, db, "policy", "set", "records.roots", files)

	// 20,000 due records (300 of them with files), 2,000 held until the
	// kills are half done ("released"), 1,000 held throughout ("kept"),
	// 1,000 recent.
	var csvb strings.Builder
	csvb.WriteString("class,created,subject,location,sha256\n")
	content := map[string]string{}
	for i := range 24000 {
		created, subject, loc, sum := "2020-01-01T00:00:00Z", fmt.Sprintf("s%d", i%50), "", ""
		switch {
		case i >= 23000:
			created = "2099-01-01T00:00:00Z"
		case i >= 22000:
			subject = "kept"
		case i >= 20000:
			subject = "released"
		}
		if i%70 == 0 {
			loc = filepath.Join(files, fmt.Sprintf("r%05d.wav", i))
			body := fmt.Sprintf("audio %d", i)
			os.WriteFile(loc, []byte(body), 0o600)
			h := sha256.Sum256([]byte(body))
			sum = hex.EncodeToString(h[:])
			content[loc] = sum
		}
		fmt.Fprintf(&csvb, "voice,%s,%s,%s,%s\n", created, subject, loc, sum)
	}
	src := filepath.Join(dir, "records.csv")
	os.WriteFile(src, []byte(csvb.String()), 0o600)

	// An import killed part-way leaves nothing; run again, it completes.
	// It reads stdin, held open, so the kill cannot come after the commit:
	// the started marker is the pipe taking all but the last row.
	body := csvb.String()
	cut := strings.LastIndex(strings.TrimSuffix(body, "\n"), "\n") + 1
	imp := startCustos(t, db, "records", "import", "-")
	_, err := io.WriteString(imp.stdin, body[:cut])
	if !imp.kill() || err != nil {
		t.Fatalf("the import was not killed part-way: writing its input: %v; it exited: %v; stderr: %s", err, imp.err, imp.stderr)
	}
	raw := rawDB(t, db)
	var n int
	raw.QueryRow(`SELECT count(*) FROM records`).Scan(&n)
	if n != 0 {
		t.Fatalf("an import killed part-way left %d of 24000 records", n)
	}
	mustCustos(t, db, "records", "import", src)
	type rec struct {
		subject, loc, sum string
	}
	before := map[int64]rec{}
	rows, err := raw.Query(`SELECT id, subject, location, sha256 FROM records`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var r rec
		rows.Scan(&id, &r.subject, &r.loc, &r.sum)
		before[id] = r
	}
	rows.Close()
	mustCustos(t, db, "records", "hold", "case", "--reason", "dispute", "--subject", "released")
	mustCustos(t, db, "records", "hold", "other", "--reason", "dispute", "--subject", "kept")

	// Kills at points spread over the whole purge, each at a marker the
	// purge leaves where the test can see it: while the archive is being
	// written (its .partial file), once it is written (its manifest),
	// once the purge is committed (its row), and, in re-runs of a committed
	// purge, after each deletion batch. Each kill is then classified by
	// what it left, and enough must have landed before the commit and
	// between deletion batches. The hold on "released" is lifted between
	// the kill that first leaves a committed purge unfinished and its
	// re-run.
	purge := []string{"records", "purge", "--archive", arch, "--delete-files", "--yes"}
	type state struct{ purges, deleted, unfinished int }
	read := func() state {
		var s state
		raw.QueryRow(`SELECT count(*), coalesce(sum(deleted), 0), count(*) FILTER (WHERE state = 'deleting') FROM purges`).Scan(&s.purges, &s.deleted, &s.unfinished)
		return s
	}
	// Archive names carry the time to the nanosecond, so a file named
	// after the run started is the run's own, not a leftover of a killed
	// run (which the run sweeps away).
	var names map[string]bool
	appears := func(suffix string) bool {
		m, _ := filepath.Glob(filepath.Join(arch, "*"+suffix))
		for _, n := range m {
			if !names[n] {
				return true
			}
		}
		return false
	}
	released := false
	var beforeCommit, committed, betweenBatches, missed int
	// A fresh run is killed twice while archiving before one is let
	// commit; a re-run of a committed purge after its first batch or a
	// few (each re-run starts again with small batches).
	fresh := []struct {
		marker string
		ready  func() bool
	}{
		{"the archive is being written", func() bool { return appears(".partial") }},
		{"the archive is written", func() bool { return appears(".manifest.json") }},
		{"the archive is being written", func() bool { return appears(".partial") }},
		{"the archive is written", func() bool { return appears(".manifest.json") }},
		{"the purge is committed", nil},
	}
	batches := []int{1, 1500, 4000}
	var nFresh, nRerun int
kills:
	for i := range 30 {
		was := read()
		names = map[string]bool{}
		m, _ := filepath.Glob(filepath.Join(arch, "*"))
		for _, n := range m {
			names[n] = true
		}
		var marker string
		var ready func() bool
		if was.unfinished > 0 {
			d := batches[nRerun%len(batches)]
			nRerun++
			marker = fmt.Sprintf("%d more records are deleted", d)
			ready = func() bool { return read().deleted >= was.deleted+d }
		} else {
			k := fresh[nFresh%len(fresh)]
			nFresh++
			marker, ready = k.marker, k.ready
			if ready == nil {
				ready = func() bool { return read().purges > was.purges }
			}
		}
		p := startCustos(t, db, purge...)
		p.stdin.Close()
		landed := p.killWhen(ready)
		now := read()
		switch {
		case !landed && strings.Contains(p.stderr.String(), "Nothing is due"):
			t.Logf("run %d: nothing left to purge", i)
			break kills
		case !landed:
			missed++
			t.Logf("kill %d, when %s: too late, the run ended: %v; %s", i, marker, p.err, strings.TrimSpace(p.stderr.String()))
		case was.unfinished == 0 && now.purges == was.purges:
			beforeCommit++
			t.Logf("kill %d, when %s: landed before the commit", i, marker)
		case was.unfinished == 0 && now.unfinished > 0:
			committed++
			t.Logf("kill %d, when %s: landed after the commit, %d deleted", i, marker, now.deleted-was.deleted)
		case now.unfinished > 0:
			betweenBatches++
			t.Logf("kill %d, when %s: landed part-way through the deletion, %d deleted so far", i, marker, now.deleted)
		default:
			t.Logf("kill %d, when %s: landed after the purge finished", i, marker)
		}
		if now.unfinished > 0 && !released {
			mustCustos(t, db, "records", "release", "case", "--reason", "settled", "--yes")
			released = true
		}
	}
	t.Logf("kills: %d before the commit, %d right after it, %d part-way through the deletion, %d too late", beforeCommit, committed, betweenBatches, missed)
	if !released {
		t.Fatal("no kill left a purge unfinished")
	}
	if beforeCommit < 3 || betweenBatches < 3 {
		t.Fatalf("%d kills landed before a commit and %d part-way through the deletion; want 3 of each", beforeCommit, betweenBatches)
	}
	for i := 0; ; i++ {
		out := mustCustos(t, db, purge...)
		if strings.Contains(out, "Purged") || i > 3 {
			break
		}
	}
	if out, errOut, code := custos(t, db, nil, purge...); code != 0 || !strings.Contains(errOut, "Nothing is due") {
		t.Fatalf("a last run still had work: exit %d: %s %s", code, out, errOut)
	}

	// Every record missing from the catalogue is in exactly one verified
	// archive of a recorded purge, with its file when it had one; every
	// record held throughout is still there.
	left := map[int64]bool{}
	rows, err = raw.Query(`SELECT id FROM records`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		left[id] = true
	}
	rows.Close()
	archived := map[int64]int{}
	withFile := map[int64]bool{}
	rows, err = raw.Query(`SELECT archive, count, deleted, skipped FROM purges`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var path string
		var count, deleted, skipped int64
		rows.Scan(&path, &count, &deleted, &skipped)
		if count != deleted {
			var why string
			raw.QueryRow(`SELECT group_concat(record_id || ': ' || reason, '; ') FROM purge_skipped`).Scan(&why)
			t.Errorf("purge of %s: %d archived, %d deleted, %d skipped (%s)", path, count, deleted, skipped, why)
		}
		_, set, err := archive.Verify(path, nil)
		if err != nil {
			t.Fatalf("archive %s: %v", path, err)
		}
		for _, r := range set.Ranges {
			for id := r.Lo; id <= r.Hi; id++ {
				archived[id]++
				withFile[id] = r.Content
			}
		}
	}
	rows.Close()
	var purged int
	for id, r := range before {
		switch {
		case r.subject == "kept" && !left[id]:
			t.Errorf("record %d, held throughout, is gone", id)
		case left[id]:
			if r.subject != "kept" && !strings.HasPrefix(r.subject, "s") && r.subject != "released" {
				t.Errorf("record %d (%s) is still there", id, r.subject)
			}
		case archived[id] != 1:
			t.Errorf("record %d is gone and in %d archives", id, archived[id])
		case r.loc != "" && !withFile[id]:
			t.Errorf("record %d is gone without its file in the archive", id)
		default:
			purged++
		}
		if r.loc != "" {
			_, err := os.Stat(r.loc)
			if gone := os.IsNotExist(err); gone != !left[id] {
				t.Errorf("file of record %d: gone=%v, record left=%v", id, gone, left[id])
			}
		}
	}
	if purged != 22000 || len(left) != 2000 {
		t.Fatalf("%d purged (want 20,000 due and 2,000 released), %d left (want 1,000 kept and 1,000 recent)", purged, len(left))
	}
	var filesDeleted, filesMissing int
	raw.QueryRow(`SELECT sum(files_deleted), sum(files_missing) FROM purges`).Scan(&filesDeleted, &filesMissing)
	if want := 22000/70 + 1; filesDeleted != want || filesMissing != 0 {
		t.Errorf("purges say %d files destroyed and %d missing; %d were destroyed", filesDeleted, filesMissing, want)
	}
	// Nothing a killed run left behind survives: every file in the archive
	// directory belongs to a recorded purge.
	var archives []string
	raw.QueryRow(`SELECT count(*) FROM purges`).Scan(&n)
	entries, _ := os.ReadDir(arch)
	for _, e := range entries {
		if e.Name() != ".custos-purge.lock" {
			archives = append(archives, e.Name())
		}
	}
	if len(archives) != 3*n {
		t.Errorf("%d purges, and in the archive directory: %v", n, archives)
	}
	if out := mustCustos(t, db, "audit", "verify"); !strings.Contains(out, "intact") {
		t.Fatal(out)
	}
}

// proc is a custos process a test started, to kill or signal it part-way.
type proc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *bytes.Buffer
	done   chan struct{}
	err    error // Wait's result, once done is closed
}

// startCustos starts custos with args as OS user ana, its stdin a pipe
// the test writes to (or closes at once).
func startCustos(t *testing.T, db string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command("custos", append([]string{"--db", db}, args...)...)
	cmd.Env = append(os.Environ(), "CUSTOS_TEST_OSUSER=ana", "NO_COLOR=1")
	p := &proc{cmd: cmd, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	return p
}

// killWhen polls ready every millisecond until it reports the marker the
// test waits for, then kills p (see kill). It returns false, without
// killing, if p exits first.
func (p *proc) killWhen(ready func() bool) bool {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !ready() {
		select {
		case <-p.done:
			return false
		case <-tick.C:
		}
	}
	return p.kill()
}

// kill kills p with SIGKILL, waits for it, and reports whether the kill
// landed: false when p had already exited by itself.
func (p *proc) kill() bool {
	p.cmd.Process.Kill()
	<-p.done
	var exitErr *exec.ExitError
	if !errors.As(p.err, &exitErr) {
		return false
	}
	ws, ok := exitErr.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// archiveIDs reads the record ids of an archive.
func archiveIDs(t *testing.T, path string) []int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	dec := json.NewDecoder(gz)
	for {
		var l struct{ ID int64 }
		if err := dec.Decode(&l); err != nil {
			break
		}
		ids = append(ids, l.ID)
	}
	return ids
}

// TestInterruptStopsALongImport sends SIGINT to an import part-way: it
// rolls back, exits 130 saying so, and the audit log records the
// interruption (outcome interrupted). The import reads stdin, which the
// test holds open, so the interrupt cannot come after the commit; it is
// sent once the import has taken 1.5 MiB, more than its read buffer
// (1 MiB), the pipe and its batches of parsed rows hold, so thousands of
// rows had been inserted.
func TestInterruptStopsALongImport(t *testing.T) {
	if testing.Short() {
		t.Skip("imports for a second")
	}
	db := storeFor(t)
	mustCustos(t, db, "init")

	const started = 3 << 19
	begin := time.Now()
	p := startCustos(t, db, "records", "import", "-")
	taken := make(chan struct{})
	interrupted := make(chan struct{})
	go func() {
		io.WriteString(p.stdin, "class,created,subject\n")
		var n int
		for i := 0; i < 400000; i++ {
			k, err := fmt.Fprintf(p.stdin, "voice,2020-01-01T00:00:00Z,s%d\n", i%50)
			if err != nil {
				return // the import exited
			}
			if n < started && n+k >= started {
				close(taken)
			}
			n += k
		}
		// All written: an import that ignores the interrupt still gets
		// its end of input, after a while, and so fails the test rather
		// than hanging it.
		select {
		case <-p.done:
		case <-interrupted:
			select {
			case <-p.done:
			case <-time.After(time.Minute):
			}
		}
		p.stdin.Close()
	}()
	select {
	case <-taken:
	case <-p.done:
		t.Fatalf("the import exited before it took %d bytes: %v; stderr: %s", started, p.err, p.stderr)
	}
	t.Logf("the import took %d bytes in %v", started, time.Since(begin))
	begin = time.Now()
	p.cmd.Process.Signal(os.Interrupt)
	close(interrupted)
	<-p.done
	t.Logf("it exited %v after the interrupt", time.Since(begin))
	err := p.err
	errOut := p.stderr
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 130 {
		t.Fatalf("an interrupted import exited with %v, want exit 130; stderr: %s", err, errOut.String())
	}
	if got := errOut.String(); got != "custos: interrupted\n" {
		t.Fatalf("stderr %q", got)
	}
	raw := rawDB(t, db)
	var n int
	raw.QueryRow(`SELECT count(*) FROM records`).Scan(&n)
	var command, outcome, msg string
	raw.QueryRow(`SELECT command, outcome, error FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&command, &outcome, &msg)
	if n != 0 || command != "records import" || outcome != "interrupted" || msg != "interrupted" {
		t.Fatalf("after the interrupt: %d records; last entry %q %q %q", n, command, outcome, msg)
	}
}
