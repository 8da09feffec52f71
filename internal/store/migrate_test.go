package store

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/custos-dev/custos/bench/seed"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
)

// oldStore makes a store file as a custos of schema version left it: the
// first version migrations, user_version set, and the rows fill adds.
func oldStore(t *testing.T, version int, fill func(tx *sql.Tx, exec func(q string, args ...any))) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "custos.db")
	db, err := sql.Open("sqlite", dsn(path, time.Second, true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := tx.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	steps, err := migrations(builtin)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range steps[:version] {
		exec(s.sql)
	}
	if fill != nil {
		fill(tx, exec)
	}
	exec(fmt.Sprintf(`PRAGMA user_version = %d`, version))
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return path
}

// timeColumns are the columns that hold times (dates aside).
var timeColumns = map[string][]string{
	"operators": {"created_at", "removed_at"}, "policy": {"set_at"},
	"accounts": {"requested_at", "updated_at"}, "account_approvals": {"at"}, "account_revocations": {"at"},
	"incidents":         {"detected_at", "opened_at", "deadline", "closed_at"},
	"incident_accounts": {"restored_at"}, "incident_notifications": {"at"}, "incident_events": {"at"},
	"resources": {"created_at", "removed_at"}, "grants": {"granted_at", "revoked_at"},
	"reviews": {"started_at", "closed_at", "import_at"}, "review_items": {"granted_at", "decided_at"},
	"retention": {"set_at", "locked_at"}, "records": {"created_at", "added_at"},
	"holds":  {"from_at", "to_at", "created_at", "released_at"},
	"purges": {"started_at", "finished_at", "as_of"}, "schema_migrations": {"applied_at"},
	"imports":  {"started_at", "finished_at"},
	"requests": {"created_at", "expires_at", "closed_at"}, "request_approvals": {"at"},
	"changes": {"at"}, "account_schedule": {"scheduled_at", "done_at"},
	"courses": {"created_at"}, "training": {"recorded_at"},
	"audit_checkpoints": {"made_at"},
}

// TestMigrationRewritesTimesFixedWidth opens a schema 8 store holding
// times in the old trimmed RFC 3339 form, within one second, and checks
// that migrating rewrites every one to the fixed-width form, so that the
// timeline, the approvals and the reviews come out in time order, and
// that the audit log, hash chain included, is untouched.
func TestMigrationRewritesTimesFixedWidth(t *testing.T) {
	const whole, tenth, later = "2024-03-01T09:00:00Z", "2024-03-01T09:00:00.1Z", "2024-03-01T09:00:00.123Z"
	path := oldStore(t, 8, func(tx *sql.Tx, exec func(string, ...any)) {
		exec(`INSERT INTO operators VALUES ('ana', 'admin', '', $1, 'ana', ''), ('gone', 'it', '', $1, 'ana', $2)`, whole, later)
		exec(`INSERT INTO policy VALUES ('incident.report_hours', '72', $1, 'ana')`, tenth)
		exec(`INSERT INTO accounts (username, name, employee_id, department, position, type, clearance, state, reason,
			requested_by, requested_at, updated_at) VALUES ('jdoe', 'J', 'E1', 'Sales', 'p', 'employee', 'internal', 'approved', 'r', 'ana', $1, $2)`, whole, later)
		exec(`INSERT INTO account_approvals (username, stage, operator, at, reason) VALUES
			('jdoe', 'it', 'ivan', $1, 'ok'), ('jdoe', 'department', 'mia', $2, 'ok')`, tenth, later)
		exec(`INSERT INTO incidents (id, year, seq, type, severity, summary, state, detected_at, opened_at, opened_by, deadline)
			VALUES ('INC-2024-0001', 2024, 1, 'other', 'low', 's', 'open', $1, $1, 'ana', '2024-03-04T09:00:00.5Z'),
			('INC-2024-0002', 2024, 2, 'other', 'low', 's', 'open', $1, $1, 'ana', '2024-03-04T09:00:00.5Z')`, whole)
		exec(`INSERT INTO incident_events (incident_id, at, operator, kind, detail) VALUES
			('INC-2024-0001', $1, 'ana', 'opened', '1'), ('INC-2024-0001', $2, 'ana', 'note', '2'), ('INC-2024-0001', $3, 'ana', 'note', '3'),
			('INC-2024-0001', $3, 'ana', 'note', '4'), ('INC-2024-0002', $3, 'ana', 'opened', '1')`, whole, tenth, later)
		exec(`INSERT INTO incident_notifications VALUES ('INC-2024-0001', 'dpa', 'r', $1, 'ana')`, later)
		for i, at := range []string{whole, tenth, later} {
			exec(`INSERT INTO reviews (id, name, state, due, started_at, started_by) VALUES ($1, $2, 'open', '2024-04-01', $3, 'ana')`,
				i+1, string(rune('a'+i)), at)
		}
		exec(`INSERT INTO records (id, class, created_at, added_at, added_by) VALUES (1, 'hr', '2024-03-01T09:00:00.000000000Z', $1, 'ana')`, tenth)
		exec(`INSERT INTO holds (name, reason, kind, from_at, to_at, created_at, created_by)
			VALUES ('h', 'r', 'range', '2024-01-01T00:00:00.000000000Z', '2024-02-01T00:00:00.000000000Z', $1, 'ana')`, later)
		if err := seed.AuditEntries(context.Background(), tx, 0, 5); err != nil {
			t.Fatal(err)
		}
	})
	auditTimes := func(db *sql.DB) []string {
		t.Helper()
		var out []string
		rows, err := db.Query(`SELECT at || ' ' || hash FROM audit_log WHERE seq <= 5 ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out = append(out, s)
		}
		return out
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	before := auditTimes(raw)
	raw.Close()

	s, err := openSQL(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// Every time column of the schema is in timeColumns, so a new one
	// cannot escape this check.
	rows, err := s.db.Query(`SELECT m.name, c.name FROM sqlite_schema m, pragma_table_info(m.name) c
		WHERE m.type = 'table' AND m.name != 'audit_log' AND (c.name = 'at' OR c.name LIKE '%\_at' ESCAPE '\' OR c.name = 'deadline' OR c.name = 'as_of')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(timeColumns[table], col) {
			t.Errorf("time column %s.%s is not in timeColumns", table, col)
		}
	}
	rows.Close()
	for table, cols := range timeColumns {
		for _, c := range cols {
			var bad sql.NullString
			if err := s.db.QueryRow(`SELECT min(` + c + `) FROM ` + table + ` WHERE ` + c + ` != '' AND length(` + c + `) != 30`).Scan(&bad); err != nil {
				t.Fatal(err)
			}
			if bad.Valid {
				t.Errorf("%s.%s: %q is not fixed-width", table, c, bad.String)
			}
		}
	}
	for _, c := range []struct{ q, want string }{
		{`SELECT created_at FROM operators WHERE name = 'ana'`, "2024-03-01T09:00:00.000000000Z"},
		{`SELECT removed_at FROM operators WHERE name = 'ana'`, ""},
		{`SELECT removed_at FROM operators WHERE name = 'gone'`, "2024-03-01T09:00:00.123000000Z"},
		{`SELECT set_at FROM policy`, "2024-03-01T09:00:00.100000000Z"},
		{`SELECT deadline FROM incidents`, "2024-03-04T09:00:00.500000000Z"},
		{`SELECT closed_at FROM incidents`, ""},
		{`SELECT added_at FROM records`, "2024-03-01T09:00:00.100000000Z"},
		{`SELECT created_at FROM records`, "2024-03-01T09:00:00.000000000Z"},
		{`SELECT from_at || ' ' || to_at FROM holds`, "2024-01-01T00:00:00.000000000Z 2024-02-01T00:00:00.000000000Z"},
	} {
		var got string
		if err := s.db.QueryRow(c.q).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s = %q, want %q", c.q, got, c.want)
		}
	}
	var seqs string
	if err := s.db.QueryRow(`SELECT group_concat(incident_id || ':' || seq || '=' || detail, ' ') FROM
		(SELECT * FROM incident_events ORDER BY incident_id, seq)`).Scan(&seqs); err != nil {
		t.Fatal(err)
	}
	if want := "INC-2024-0001:1=1 INC-2024-0001:2=2 INC-2024-0001:3=3 INC-2024-0001:4=4 INC-2024-0002:1=1"; seqs != want {
		t.Errorf("event numbers %s, want %s", seqs, want)
	}
	if after := auditTimes(s.db); !slices.Equal(before, after) {
		t.Errorf("the audit log changed:\n%q\n%q", before, after)
	}

	err = s.Invoke(context.Background(), inv("check", "ana"), Spec{}, func(tx Tx) error {
		events, err := tx.Incidents().IncidentEvents("INC-2024-0001")
		if err != nil {
			return err
		}
		var details []string
		for _, e := range events {
			details = append(details, e.Detail)
		}
		// Events of one time keep the order they were written in.
		if want := []string{"1", "2", "3", "4"}; !slices.Equal(details, want) {
			t.Errorf("timeline %q, want %q", details, want)
		}
		aps, err := tx.Accounts().Approvals("jdoe")
		if err != nil {
			return err
		}
		if len(aps) != 2 || aps[0].Stage != account.StageIT {
			t.Errorf("approvals %+v, want it (at .1) first", aps)
		}
		var names []string
		if err := tx.Access().ListReviews(0, func(c *access.Campaign, _ ReviewProgress) error {
			names = append(names, c.Name)
			return nil
		}); err != nil {
			return err
		}
		if !slices.Equal(names, []string{"c", "b", "a"}) {
			t.Errorf("reviews %q, want newest first", names)
		}
		_, err = tx.Audit().VerifyAudit(nil, 0, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStoreBeforeSchemaMigrationsIsAdopted opens a store whose schema
// version is only in PRAGMA user_version, as custos kept it before
// schema_migrations: its versions are recorded as adopted (applied_at ”),
// the later migrations run and are recorded with their time, and
// user_version still follows, so that an older custos refuses the store.
func TestStoreBeforeSchemaMigrationsIsAdopted(t *testing.T) {
	path := oldStore(t, 8, nil)
	s, err := openSQL(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := s.db.QueryRow(`SELECT group_concat(version || ':' || (applied_at != ''), ' ') FROM
		(SELECT * FROM schema_migrations ORDER BY version)`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	want := "1:0 2:0 3:0 4:0 5:0 6:0 7:0 8:0"
	for v := 9; v <= SchemaVersion(); v++ {
		want += fmt.Sprintf(" %d:1", v)
	}
	if got != want {
		t.Errorf("schema_migrations %s, want %s", got, want)
	}
	var uv int
	if err := s.db.QueryRow(`PRAGMA user_version`).Scan(&uv); err != nil || uv != SchemaVersion() {
		t.Errorf("user_version %d (%v), want %d", uv, err, SchemaVersion())
	}
	s.Close()
	// Opening again finds the version in schema_migrations and changes nothing.
	if s, err = openSQL(context.Background(), path, Options{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// TestNewerLegacySchemaIsRefused: a store without schema_migrations whose
// user_version is newer than this custos is refused, not adopted.
func TestNewerLegacySchemaIsRefused(t *testing.T) {
	path := oldStore(t, 8, func(_ *sql.Tx, exec func(string, ...any)) {})
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = openSQL(context.Background(), path, Options{})
	if err == nil || errs.ExitCode(err) != 1 || !strings.Contains(err.Error(), "schema version 99, newer than this custos understands") {
		t.Fatalf("err = %v", err)
	}
}

// A store upgraded to the version that records account state changes
// keeps the first entry that can record them: the next one appended.
// The report states from there, never before.
func TestStateRecordingStartsAfterTheUpgrade(t *testing.T) {
	path := oldStore(t, 8, func(tx *sql.Tx, exec func(string, ...any)) {
		for seq := 1; seq <= 3; seq++ {
			exec(`INSERT INTO audit_log (seq, at, real_operator, operator, host, pid, command, args, outcome, exit_code, error, objects, prev_hash, hash)
				VALUES ($1, '2024-03-01T09:00:00.000000000Z', 'ana', 'ana', 'h', 1, 'init', '[]', 'ok', 0, '', '[]', '', '')`, seq)
		}
	})
	s, err := openSQL(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var first int64
	if err := s.db.QueryRow(`SELECT first_seq FROM audit_recorded_since WHERE what = 'account-states'`).Scan(&first); err != nil || first != 4 {
		t.Errorf("account states recorded from %d (%v), want 4", first, err)
	}
	if _, err := s.db.Exec(`UPDATE audit_recorded_since SET first_seq = 1`); err == nil {
		t.Error("the start of the record could be moved")
	}
}
