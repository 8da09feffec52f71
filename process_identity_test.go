package custos_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestUnknownUIDIsRefused runs the real binary under a uid that has no
// passwd entry, with USER and LOGNAME saying root: custos must not take
// the environment's word for who is running it. The command is refused
// (exit 4) naming the uid, and nothing changes; the refusal itself is
// recorded under the uid, so an auditor sees the attempt.
func TestUnknownUIDIsRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a process under another uid (syscall.Credential)")
	}
	const uid = 4242
	if out, err := exec.Command("getent", "passwd", "4242").Output(); err == nil {
		t.Skipf("uid %d has a name on this host (%s); the test needs an unknown uid", uid, bytes.TrimSpace(out))
	}
	// A directory and a binary the other uid may use: the test's own
	// temporary directories are private to root.
	dir, err := os.MkdirTemp("", "custos-uid")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "custos")
	self, err := exec.LookPath("custos")
	if err != nil {
		t.Fatal(err)
	}
	copyExecutable(t, self, bin)
	db := filepath.Join(dir, "custos.db")
	mustCustos(t, db, "init")
	// root is an admin: a uid that passed for root would get in.
	mustCustos(t, db, "operator", "add", "root", "--role", "admin")
	// The store belongs to the uid, so only the identity check can stop it.
	for _, p := range []string{dir, db, db + "-wal", db + "-shm"} {
		if err := os.Chown(p, uid, uid); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	before := storeRows(t, db)

	cmd := exec.Command(bin, "--db", db, "operator", "add", "mallory", "--role", "admin")
	cmd.Env = []string{"USER=root", "LOGNAME=root", "HOME=" + dir, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 4 {
		t.Fatalf("under uid %d with USER=root: %v, want exit 4\nstdout: %s\nstderr: %s", uid, err, stdout.String(), stderr.String())
	}
	if first := strings.SplitN(stderr.String(), "\n", 2)[0]; !strings.HasPrefix(first, "custos: uid 4242 ") {
		t.Fatalf("stderr does not start by naming the uid: %q", stderr.String())
	}
	if !strings.Contains(stderr.String(), "hint: ") {
		t.Fatalf("stderr does not say how to get the uid registered: %q", stderr.String())
	}
	if after := storeRows(t, db); after != before {
		t.Fatalf("the store changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	var real, outcome string
	rawDB(t, db).QueryRow(`SELECT real_operator, outcome FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&real, &outcome)
	if real != "uid:4242" || outcome != "denied" {
		t.Fatalf("last entry: real operator %q, outcome %q; want uid:4242, denied", real, outcome)
	}
	if out := mustCustos(t, db, "audit", "verify"); !strings.Contains(out, "intact") {
		t.Fatal(out)
	}

	// Nor can the uid create a store of its own with itself as admin.
	fresh := filepath.Join(dir, "fresh.db")
	cmd = exec.Command(bin, "--db", fresh, "init")
	cmd.Env = []string{"USER=root", "LOGNAME=root", "HOME=" + dir, "PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
	out, err := cmd.CombinedOutput()
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 4 {
		t.Fatalf("init under uid %d: %v, want exit 4: %s", uid, err, out)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused init left %s behind: %v", fresh, err)
	}
}

func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// storeRows dumps every table but the audit log, sorted, to compare a store
// before and after a refusal.
func storeRows(t *testing.T, db string) string {
	t.Helper()
	raw := rawDB(t, db)
	rows, err := raw.Query(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT IN ('audit_log', 'audit_objects', 'audit_tree') ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var b strings.Builder
	for _, tbl := range tables {
		r, err := raw.Query(`SELECT * FROM "` + tbl + `" ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		b.WriteString("== " + tbl + "\n")
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			r.Scan(ptrs...)
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%v\t", v)
			}
			b.WriteString("\n")
		}
		r.Close()
	}
	return b.String()
}

// An auditor verifies a read-only copy in a directory they cannot write:
// nothing is written beside it, and the whole check (chain and object
// index) runs.
func TestAuditorVerifiesAReadOnlyCopy(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a process under another uid (syscall.Credential)")
	}
	out, err := exec.Command("getent", "passwd", "nobody").Output()
	if err != nil || !strings.HasPrefix(string(out), "nobody:x:65534:") {
		t.Skip("needs a user nobody with uid 65534")
	}
	dir, err := os.MkdirTemp("", "custos-ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "custos")
	self, err := exec.LookPath("custos")
	if err != nil {
		t.Fatal(err)
	}
	copyExecutable(t, self, bin)
	db := filepath.Join(dir, "custos.db")
	mustCustos(t, db, "init")
	mustCustos(t, db, "operator", "add", "nobody", "--role", "auditor")
	if _, err := rawDB(t, db).Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o755)
	copyFile(t, db, filepath.Join(ro, "c.db"))
	for _, p := range []string{ro, filepath.Join(ro, "c.db")} {
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Join(ro, "c.db"), 0o400)
	os.Chmod(ro, 0o555)
	os.Chmod(dir, 0o755)
	cmd := exec.Command(bin, "--db", filepath.Join(ro, "c.db"), "audit", "verify")
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "NO_COLOR=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || !strings.Contains(stdout.String(), "intact") {
		t.Fatalf("audit verify of a read-only copy as nobody: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	if entries, _ := os.ReadDir(ro); len(entries) != 1 {
		t.Fatalf("files beside the copy: %v", entries)
	}
}
