package store

import (
	"context"
	"fmt"
	"github.com/custos-dev/custos/internal/testutil/pgtest"
	"os"
	"testing"

	"github.com/custos-dev/custos/internal/operator"
)

func walSize(t *testing.T, s *sqlStore) int64 {
	t.Helper()
	fi, err := os.Stat(s.path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// Each command's commit stays in the WAL when the store closes, until the
// WAL passes walTruncateAt; then the closing command checkpoints it and
// truncates it. Every commit survives either way.
func TestCheckpointIsDeferredUntilTheWALIsLarge(t *testing.T) {
	pgtest.Skip(t, "the write-ahead log file is SQLite's")
	ctx := context.Background()
	s := MustOpen(t)
	path := s.path
	s.Close()
	kept, truncated := false, false
	var prev int64
	for i := 0; i < 40; i++ {
		st, err := openSQL(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = st.Invoke(ctx, inv("operator add", "ana"), Spec{Write: true}, func(tx Tx) error {
			_, err := tx.Operators().AddOperator(&operator.Operator{Name: fmt.Sprintf("op%d", i), Roles: []operator.Role{operator.Auditor}, CreatedBy: "ana"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		n := walSize(t, st)
		if n > walTruncateAt+64<<10 {
			t.Fatalf("command %d left a WAL of %d bytes, past the %d-byte limit", i, n, walTruncateAt)
		}
		if n > 0 {
			kept = true
		}
		if n < prev {
			if n != 0 {
				t.Fatalf("command %d shrank the WAL to %d bytes instead of truncating it", i, n)
			}
			truncated = true
		}
		prev = n
	}
	if !kept {
		t.Fatal("every command emptied the WAL: the close-time checkpoint was not turned off")
	}
	if !truncated {
		t.Fatal("40 commands never truncated the WAL")
	}
	st, err := openSQL(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got := len(entries(t, st)); got != 41 {
		t.Fatalf("%d audit entries after 41 commands", got)
	}
}
