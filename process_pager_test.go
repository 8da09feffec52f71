package custos_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// onTerminal runs custos args in a pseudo-terminal of rows × 80 (script(1)
// gives it one) with CUSTOS_PAGER set to a pager that leaves a mark, and
// returns what the terminal showed and whether the pager ran.
func onTerminal(t *testing.T, db string, rows, args string, env ...string) (string, bool) {
	t.Helper()
	dir := t.TempDir()
	mark := filepath.Join(dir, "paged")
	pager := filepath.Join(dir, "pager.sh")
	if err := os.WriteFile(pager, []byte("#!/bin/sh\ntouch '"+mark+"'\nexec cat\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("script", "-qefc", "stty rows "+rows+" cols 80; custos --db '"+db+"' "+args, "/dev/null")
	cmd.Env = append(os.Environ(), "CUSTOS_TEST_OSUSER=ana", "NO_COLOR=1", "CUSTOS_PAGER="+pager, "COLUMNS=")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("custos %s on a terminal: %v\n%s", args, err, out)
	}
	_, statErr := os.Stat(mark)
	return strings.ReplaceAll(string(out), "\r\n", "\n"), statErr == nil
}

// TestPagerOnATerminal: a read whose output is longer than the screen
// goes through the pager, all of it; one that fits does not, nor does any
// with --no-pager or CUSTOS_PAGER=cat. (Piped, the pager never runs:
// testdata/script/tables.txtar.)
func TestPagerOnATerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("needs script(1) for a pseudo-terminal")
	}
	db := storeFor(t)
	mustCustos(t, db, "init")
	for _, name := range []string{"ivan", "olga", "maria", "lee", "kai", "zoe", "bob", "eve"} {
		mustCustos(t, db, "operator", "add", name, "--role", "it")
	}
	out, paged := onTerminal(t, db, "40", "audit log --limit 3")
	if paged || strings.Count(out, "operator add") != 3 {
		t.Errorf("one screen: paged %v\n%s", paged, out)
	}
	out, paged = onTerminal(t, db, "10", "audit log --limit 0")
	if !paged || strings.Count(out, "operator add") != 8 {
		t.Errorf("longer than the screen: paged %v\n%s", paged, out)
	}
	for _, off := range [][2]string{{"audit log --limit 0 --no-pager", ""}, {"audit log --limit 0", "CUSTOS_PAGER=cat"}} {
		out, paged = onTerminal(t, db, "10", off[0], off[1])
		if paged || strings.Count(out, "operator add") != 8 {
			t.Errorf("%s %s: paged %v\n%s", off[1], off[0], paged, out)
		}
	}
}

// TestTablesFitAnEightyColumnTerminal: on a real terminal 80 columns wide
// a boxed table keeps to them, and -o wide does not.
func TestTablesFitAnEightyColumnTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("needs script(1) for a pseudo-terminal")
	}
	db := storeFor(t)
	mustCustos(t, db, "init")
	mustCustos(t, db, "operator", "add", "olga", "--role", "manager", "--department", "Finance")
	mustCustos(t, db, "account", "request", "bartholomew", "--name", "Bartholomew Maximilian Longname-Smythe",
		"--employee-id", "E-1", "--department", "Finance and Accounting Services", "--position", "Senior Financial Controller", "--reason", "hire")
	widest := func(out string) int {
		n := 0
		for _, l := range strings.Split(out, "\n") {
			n = max(n, utf8.RuneCountInString(l))
		}
		return n
	}
	out, _ := onTerminal(t, db, "40", "account list")
	if !strings.Contains(out, "┌") || !strings.Contains(out, "…") || widest(out) > 80 {
		t.Errorf("account list at 80 columns (widest line %d):\n%s", widest(out), out)
	}
	out, _ = onTerminal(t, db, "40", "account list -o wide")
	if strings.Contains(out, "…") || widest(out) <= 80 {
		t.Errorf("account list -o wide (widest line %d):\n%s", widest(out), out)
	}
}
