// Package ref is the sqlite3 reference the benchmarks measure custos
// against: a WAL database whose table has what one audit entry has, a key
// and a row of text, with one secondary index.
package ref

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Schema creates the reference table in WAL mode.
const Schema = `PRAGMA journal_mode=WAL; CREATE TABLE t (seq INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL, what TEXT NOT NULL, hash TEXT NOT NULL); CREATE INDEX t_at ON t (at);`

// Insert is one durable insert (synchronous=FULL) describing the command
// what, waiting up to 10 s for another writer.
func Insert(what string) string {
	return fmt.Sprintf(`PRAGMA busy_timeout=10000; PRAGMA synchronous=FULL; INSERT INTO t (at, who, what, hash) VALUES (strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ'), 'root', '%s', hex(randomblob(32)));`, what)
}

// Pair is an initialised custos store and reference database side by side
// in a temporary directory, with the environment to run both in.
type Pair struct {
	Dir, Store, Ref string
	Env             []string
}

// NewPair creates the directory, runs `custos init` and creates the
// reference table. The caller removes Dir.
func NewPair(custos, sqlite3 string) (*Pair, error) {
	dir, err := os.MkdirTemp("", "custos-bench-")
	if err != nil {
		return nil, err
	}
	p := &Pair{Dir: dir, Store: filepath.Join(dir, "custos.db"), Ref: filepath.Join(dir, "ref.db"),
		Env: append(os.Environ(), "XDG_CONFIG_HOME="+dir, "NO_COLOR=1")}
	for _, argv := range [][]string{{custos, "--db", p.Store, "init"}, {sqlite3, p.Ref, Schema}} {
		if out, err := p.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("%s: %v: %s", argv[0], err, out)
		}
	}
	return p, nil
}

// Command is name with args, run in the pair's environment.
func (p *Pair) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = p.Env
	return cmd
}
