package store

import (
	"fmt"
	"github.com/custos-dev/custos/bench/seed"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/testutil/pgtest"
)

// sqliteOnly is a tampering that only SQLite allows, nil on PostgreSQL.
func sqliteOnly(stmts ...string) []string {
	if pgtest.Enabled() {
		return nil
	}
	return stmts
}

// tamperQuietly edits the store as a careful intruder would: the triggers
// dropped, the edit made, the triggers put back as they were, so that only
// the edit itself is left to find.
func tamperQuietly(t *testing.T, s *sqlStore, stmts ...string) {
	t.Helper()
	if pgtest.Enabled() {
		// A superuser's session: foreign keys off, the triggers disabled
		// and enabled again as they were.
		all := []string{`SET session_replication_role = replica`, `ALTER TABLE audit_log DISABLE TRIGGER USER`, `ALTER TABLE audit_objects DISABLE TRIGGER USER`, `ALTER TABLE audit_tree DISABLE TRIGGER USER`}
		all = append(all, stmts...)
		for name, def := range pgTriggers {
			all = append(all, "ALTER TABLE "+strings.Fields(def)[0]+" ENABLE ALWAYS TRIGGER "+name)
		}
		all = append(all, `SET session_replication_role = DEFAULT`)
		for _, q := range all {
			if _, err := s.db.Exec(q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		return
	}
	defs, err := sqliteTriggerSQL()
	if err != nil {
		t.Fatal(err)
	}
	all := []string{`PRAGMA foreign_keys = OFF`}
	for name := range defs {
		all = append(all, "DROP TRIGGER "+name)
	}
	all = append(all, stmts...)
	for _, def := range defs {
		all = append(all, def)
	}
	for _, q := range all {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// Whatever the segment and chunk sizes, an intact index verifies, and each
// kind of tampering with it is found at the entry where it starts.
func TestVerifyObjectIndex(t *testing.T) {
	setup := func(t *testing.T) *sqlStore {
		s := MustOpen(t)
		seedStore(t, s, seed.Scale{AuditEntries: 20})
		return s
	}
	sizes := func(t *testing.T, s *sqlStore, check func(size, chunk int64, err error)) {
		defer func(old int64) { indexChunk = old }(indexChunk)
		for _, chunk := range []int64{1, 4, 1 << 17} {
			indexChunk = chunk
			for _, size := range []int64{1, 3, 1 << 16} {
				_, err := verifyWith(t, s, size)
				check(size, chunk, err)
			}
		}
	}
	s := setup(t)
	sizes(t, s, func(size, chunk int64, err error) {
		if err != nil {
			t.Fatalf("segments of %d, chunks of %d: %v", size, chunk, err)
		}
	})

	// Entry 7 of the generated log names one account; find it.
	var obj string
	if err := s.db.QueryRow(`SELECT object FROM audit_objects WHERE seq = 7`).Scan(&obj); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stmts []string
		want  string
	}{
		{"deleted", []string{`DELETE FROM audit_objects WHERE seq = 7`}, fmt.Sprintf("entry 7: the object index lacks %q", obj)},
		{"added", []string{`INSERT INTO audit_objects VALUES ('account:ghost', 9)`}, `entry 9: the object index lists "account:ghost", which the entry does not name`},
		{"repointed later", []string{`UPDATE audit_objects SET seq = 12 WHERE seq = 7`}, fmt.Sprintf("entry 7: the object index lacks %q", obj)},
		{"repointed earlier", []string{`UPDATE audit_objects SET seq = 3 WHERE seq = 7`}, fmt.Sprintf("entry 3: the object index lists %q", obj)},
		{"renamed", []string{`UPDATE audit_objects SET object = 'account:other' WHERE seq = 7`}, `entry 7: the object index lacks`},
		{"for entry 0", []string{`INSERT INTO audit_objects VALUES ('account:ghost', 0)`}, `row ("account:ghost") for entry 0, which is not in the log`},
		{"beyond the head", []string{`INSERT INTO audit_objects VALUES ('account:ghost', 1000)`}, `row ("account:ghost") for entry 1000, which is not in the log`},
		{"at a far rowid", sqliteOnly(`INSERT INTO audit_objects (rowid, object, seq) VALUES (1 << 40, 'account:ghost', 5)`), `entry 5: the object index lists "account:ghost"`},
		{"at a negative rowid", sqliteOnly(`INSERT INTO audit_objects (rowid, object, seq) VALUES (-5, 'account:ghost', 5)`), `entry 5: the object index lists "account:ghost"`},
		{"a blob object", sqliteOnly(`UPDATE audit_objects SET object = CAST(object AS BLOB) WHERE seq = 7`), `whose object is not text`},
		{"a text seq", sqliteOnly(`UPDATE audit_objects SET seq = 'seven' WHERE seq = 7`), `whose entry seven is not a sequence number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.stmts == nil {
				t.Skip("SQLite only: rowids and untyped columns")
			}
			s := setup(t)
			tamperQuietly(t, s, tt.stmts...)
			sizes(t, s, func(size, chunk int64, err error) {
				if errs.CodeOf(err) != errs.Integrity || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("segments of %d, chunks of %d: got %v, want %q", size, chunk, err, tt.want)
				}
			})
		})
	}
}

func TestVerifyTriggers(t *testing.T) {
	cases := map[string]string{
		`DROP TRIGGER audit_objects_no_update`: "the append-only trigger audit_objects_no_update is missing",
		`DROP TRIGGER audit_log_no_delete; CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT 1; END`: "the append-only trigger audit_log_no_delete was changed",
	}
	if pgtest.Enabled() {
		cases = map[string]string{
			`DROP TRIGGER audit_objects_no_update ON audit_objects`:      "the append-only trigger audit_objects_no_update is missing",
			`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_delete`:  "the append-only trigger audit_log_no_delete was changed",
			`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_truncate`: "the append-only trigger audit_log_no_truncate was changed",
			// Every append-only trigger calls it; the first by name is named.
			`CREATE OR REPLACE FUNCTION custos_append_only() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN OLD; END'`:    "the append-only trigger audit_checkpoints_no_delete was changed",
			`ALTER TABLE audit_log DISABLE TRIGGER audit_log_identity`:                                                       "the append-only trigger audit_log_identity was changed",
			`CREATE OR REPLACE FUNCTION custos_audit_identity() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'`: "the append-only trigger audit_log_identity was changed",
		}
	}
	for stmt, want := range cases {
		s := MustOpen(t)
		if _, err := verifyWith(t, s, 1<<16); err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
		if _, err := verifyWith(t, s, 1<<16); errs.CodeOf(err) != errs.Integrity || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", stmt, err, want)
		}
	}
}
