//go:build linux

package store

import (
	"context"
	"fmt"
	"os"
	"testing"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// walSyncsDirectory reports whether the first sync of the store's WAL
// will also sync the directory.
func walSyncsDirectory(t *testing.T, s *Store) bool {
	t.Helper()
	conn, err := s.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var syncs bool
	err = conn.Raw(func(dc any) error {
		_, wal, ok := vfsFile(dc, sqlite3.SQLITE_FCNTL_JOURNAL_POINTER)
		if !ok {
			return fmt.Errorf("the connection has no WAL open")
		}
		syncs = wal.FctrlFlags&sqlite3.UNIXFILE_DIRSYNC != 0
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return syncs
}

// A command that finds the WAL with frames in it does not sync the
// directory; one that finds no WAL, or an empty one, does, and its
// commits survive either way.
func TestWALDirectorySyncOnlyForANewOrEmptyWAL(t *testing.T) {
	pgtest.Skip(t, "the write-ahead log file is SQLite's")
	ctx := context.Background()
	s := MustOpen(t)
	path := s.path
	s.Close()
	n := 1
	reopen := func(prepare func()) *Store {
		t.Helper()
		if prepare != nil {
			prepare()
		}
		st, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	add := func(st *Store) {
		t.Helper()
		err := st.Invoke(ctx, inv("operator add", "ana"), Spec{Write: true}, func(tx *Tx) error {
			_, err := tx.AddOperator(&operator.Operator{Name: fmt.Sprintf("op%d", n), Roles: []operator.Role{operator.Auditor}, CreatedBy: "ana"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		n++
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	truncate := func() {
		st := reopen(nil)
		if _, err := st.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	add(reopen(nil)) // the store's creation left the WAL empty
	for _, c := range []struct {
		what    string
		prepare func()
		syncs   bool
	}{
		{"a WAL with frames", nil, false},
		{"an empty WAL", truncate, true},
		{"no WAL", func() {
			truncate()
			if err := os.Remove(path + "-wal"); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a WAL with frames again", nil, false},
	} {
		st := reopen(c.prepare)
		if got := walSyncsDirectory(t, st); got != c.syncs {
			t.Errorf("%s: syncs the directory %v, want %v", c.what, got, c.syncs)
		}
		add(st)
	}
	st := reopen(nil)
	defer st.Close()
	if got := len(entries(t, st)); got != n {
		t.Fatalf("%d audit entries after %d commands", got, n)
	}
}

// A WAL replaced after it was found keeps the directory sync: the file
// opened is not the one whose frames were found.
func TestWALReplacedAfterItWasFoundSyncsTheDirectory(t *testing.T) {
	pgtest.Skip(t, "the write-ahead log file is SQLite's")
	s := MustOpen(t)
	other := s.path + "-other"
	if err := os.WriteFile(other, []byte("frames"), 0o600); err != nil {
		t.Fatal(err)
	}
	found, err := os.Stat(other)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := s.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		if skipWALDirSync(dc, found) {
			return fmt.Errorf("the directory sync was turned off for a WAL other than the one found")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
