package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/custos-dev/custos/internal/audit"
)

// The spool holds the audit entries of failures that could not be written
// because the store stayed locked past the busy timeout. It is a file
// beside the store (custos.db.spool), one JSON object a line, with the
// store file's mode narrowed to owner and group (0600 for a personal
// store, 0660 for a shared one, whose other administrators must be able
// to spool and drain too). The next command that gets the write lock
// appends its entries, in order, each with its own time, before its own
// entry, and in the same transaction: if that transaction rolls back, the
// spool keeps them.
//
// A line that cannot be read as an entry (a torn write, a hand edit) is
// never dropped: it stays in the spool and every drain warns about it
// until an administrator deals with it.

// spoolEntry is one line of the spool: an entry before it is sealed.
type spoolEntry struct {
	At           string   `json:"at"`
	RealOperator string   `json:"real_operator"`
	Operator     string   `json:"operator"`
	Host         string   `json:"host"`
	PID          int64    `json:"pid"`
	Command      string   `json:"command"`
	Args         string   `json:"args"`
	Outcome      string   `json:"outcome"`
	ExitCode     int64    `json:"exit_code"`
	Error        string   `json:"error"`
	ObjectList   []string `json:"objects"`
}

func (s *sqlStore) spoolPath() string { return s.d.spoolPath(s.path) }

// openSpool opens (creating) the spool and locks it. A drain that emptied
// the spool removes it while holding the lock, so after the lock is had
// the path must still name the file that was locked; if not, try again.
func (s *sqlStore) openSpool(flag int) (*os.File, error) {
	mode := os.FileMode(0o600)
	if fi, err := os.Stat(s.path); err == nil {
		mode = fi.Mode().Perm()&0o660 | 0o600
	}
	if flag&os.O_CREATE != 0 {
		// A PostgreSQL store's spool is in the user's cache directory.
		if err := os.MkdirAll(filepath.Dir(s.spoolPath()), 0o700); err != nil {
			return nil, err
		}
	}
	for {
		f, err := os.OpenFile(s.spoolPath(), flag, mode)
		if err != nil {
			return nil, err
		}
		if err := lockFile(f); err != nil {
			f.Close()
			return nil, err
		}
		held, err1 := f.Stat()
		now, err2 := os.Stat(s.spoolPath())
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			if flag&os.O_CREATE != 0 && held.Mode().Perm() != mode {
				// The umask may have narrowed it; a shared store needs exactly it.
				f.Chmod(mode)
			}
			return f, nil
		}
		unlockFile(f)
		f.Close()
		if err2 != nil && flag&os.O_CREATE == 0 {
			return nil, err2
		}
	}
}

// spool appends the entry of a failure that could not be recorded.
func (s *sqlStore) spool(e *audit.Entry, objects []string) error {
	if objects == nil {
		objects = []string{}
	}
	b, err := json.Marshal(spoolEntry{At: e.At, RealOperator: e.RealOperator, Operator: e.Operator, Host: e.Host,
		PID: e.PID, Command: e.Command, Args: e.Args, Outcome: e.Outcome, ExitCode: e.ExitCode, Error: e.Error, ObjectList: objects})
	if err != nil {
		return err
	}
	f, err := s.openSpool(os.O_RDWR | os.O_APPEND | os.O_CREATE)
	if err != nil {
		return err
	}
	defer f.Close()
	defer unlockFile(f)
	line := append(b, '\n')
	// A line torn by a crash must not swallow this one.
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, fi.Size()-1); err == nil && last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	// One write: a line is whole or, after a crash, torn and kept as such.
	if _, err := f.Write(line); err != nil {
		return err
	}
	return f.Sync()
}

// spoolDrain is a drain in progress: the spool stays locked until the
// transaction that appended its entries ends.
type spoolDrain struct {
	s    *sqlStore
	f    *os.File
	keep [][]byte
}

// drainSpool appends the spooled entries inside tx, which holds the write
// lock. It returns nil when there is nothing to drain. A spool it cannot
// read is warned about and left alone: it must not stop the command.
func (s *sqlStore) drainSpool(ctx context.Context, tx *sql.Tx) (*spoolDrain, error) {
	if fi, err := os.Stat(s.spoolPath()); err != nil || fi.Size() == 0 {
		return nil, nil
	}
	f, err := s.openSpool(os.O_RDWR)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		s.notice(fmt.Sprintf("warning: cannot read the spooled failures in %s: %v", s.spoolPath(), err))
		return nil, nil
	}
	d := &spoolDrain{s: s, f: f}
	data, err := io.ReadAll(f)
	if err != nil {
		d.finish(false)
		s.notice(fmt.Sprintf("warning: cannot read the spooled failures in %s: %v", s.spoolPath(), err))
		return nil, nil
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i, line := range lines {
		if len(line) == 0 {
			continue
		}
		var se spoolEntry
		err := json.Unmarshal(line, &se)
		if err == nil && (se.At == "" || se.Command == "" || se.Outcome == "") {
			err = errors.New("fields missing")
		}
		if err == nil && line[len(line)-1] != '\n' {
			err = errors.New("the line is incomplete")
		}
		if err != nil {
			s.notice(fmt.Sprintf("warning: line %d of %s is not an audit entry (%v); it is kept there for an administrator to inspect", i+1, s.spoolPath(), err))
			if line[len(line)-1] != '\n' {
				line = append(line, '\n')
			}
			d.keep = append(d.keep, line)
			continue
		}
		// A drain whose commit landed but whose clean-up did not (a kill
		// in between) must not append the entry twice.
		var dup int
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE at = $1 AND host = $2 AND pid = $3 AND command = $4`,
			se.At, se.Host, se.PID, se.Command).Scan(&dup)
		if err != nil {
			d.finish(false)
			return nil, err
		}
		if dup > 0 {
			continue
		}
		e := &audit.Entry{At: se.At, RealOperator: se.RealOperator, Operator: se.Operator, Host: se.Host, PID: se.PID,
			Command: se.Command, Args: se.Args, Outcome: se.Outcome, ExitCode: se.ExitCode, Error: se.Error,
			Objects: audit.EncodeList(se.ObjectList)}
		if err := insertEntry(ctx, tx, e, se.ObjectList); err != nil {
			d.finish(false)
			return nil, err
		}
	}
	return d, nil
}

// finish ends a drain once its transaction has committed or rolled back:
// after a commit the spool keeps only the lines that could not be read.
func (d *spoolDrain) finish(committed bool) {
	if d == nil {
		return
	}
	defer d.f.Close()
	defer unlockFile(d.f)
	if !committed {
		return
	}
	if len(d.keep) == 0 {
		os.Remove(d.s.spoolPath())
		return
	}
	if err := d.f.Truncate(0); err == nil {
		d.f.WriteAt(bytes.Join(d.keep, nil), 0)
		d.f.Sync()
	}
}

// notice passes a message for the operator to the CLI.
func (s *sqlStore) notice(msg string) {
	if s.opts.Notice != nil {
		s.opts.Notice(msg)
	}
}
