package store

import (
	"fmt"

	"github.com/custos-dev/custos/internal/testutil/pgtest"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/records"
)

// bigTables grow with the organisation: a query that filters one of them
// must be served by an index, not by reading the whole table.
var bigTables = map[string]bool{
	"audit_log": true, "audit_objects": true, "accounts": true, "grants": true, "review_items": true,
	"records": true, "hold_records": true, "incident_accounts": true, "incident_events": true,
	"account_approvals": true,
}

// intendedScans are filtering queries that read a whole big table on
// purpose, with the reason. They are keyed by the statement's text, not
// its position, so that moving code between files does not break them.
var intendedScans = map[string]string{
	`SELECT seq, object FROM audit_objects WHERE seq BETWEEN $1 AND $2`:                                                                          "runs only after a verify found a segment's object index wrong, to name the entry",
	`SELECT username, employee_id, name, department, position, state FROM accounts WHERE state NOT IN ('revoked', 'rejected') ORDER BY username`: "account reconcile compares every live account with the roster",
	`SELECT username, state, must_change_password, updated_at FROM accounts ORDER BY username`:                                                   "account reconcile --directory compares every account with the directory",
}

// sqlStatements returns every SQL statement written as a constant in the
// package's source (string literals and concatenations of literals and
// package constants), keyed by position.
func sqlStatements(t *testing.T) map[string]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var parsed []*ast.File
	consts := map[string]ast.Expr{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, s := range g.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							consts[n.Name] = vs.Values[i]
						}
					}
				}
			}
		}
	}
	var fold func(e ast.Expr) (string, bool)
	fold = func(e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			if e.Kind != token.STRING {
				return "", false
			}
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		case *ast.Ident:
			if c, ok := consts[e.Name]; ok {
				return fold(c)
			}
		case *ast.ParenExpr:
			return fold(e.X)
		case *ast.BinaryExpr:
			if e.Op == token.ADD {
				l, ok1 := fold(e.X)
				r, ok2 := fold(e.Y)
				return l + r, ok1 && ok2
			}
		}
		return "", false
	}
	isSQL := regexp.MustCompile(`(?is)^\s*(SELECT|UPDATE|DELETE|INSERT|WITH)\s`)
	out := map[string]string{}
	for _, f := range parsed {
		ast.Inspect(f, func(n ast.Node) bool {
			e, ok := n.(ast.Expr)
			if !ok {
				return true
			}
			switch e.(type) {
			case *ast.BasicLit, *ast.BinaryExpr:
			default:
				return true
			}
			s, ok := fold(e)
			if !ok {
				return true
			}
			if isSQL.MatchString(s) {
				out[fset.Position(e.Pos()).String()] = s
			}
			return false
		})
	}
	return out
}

// TestQueryPlansUseIndexes asks SQLite for the plan of every constant
// statement in the store: none may scan a big table to filter it.
func TestQueryPlansUseIndexes(t *testing.T) {
	pgtest.Skip(t, "EXPLAIN QUERY PLAN is SQLite's; PostgreSQL's plans depend on its statistics")
	registerSegmentFunc()
	s := MustOpen(t)
	scan := regexp.MustCompile(`^SCAN (\w+)`)
	where := regexp.MustCompile(`(?i)\bWHERE\b`)
	param := regexp.MustCompile(`\$(\d+)`)
	explained := 0
	statements := sqlStatements(t)
	for q, why := range intendedScans {
		if !slices.Contains(slices.Collect(maps.Values(statements)), q) {
			t.Errorf("intendedScans names a statement the store no longer has (%s):\n%s", why, q)
		}
	}
	for pos, q := range statements {
		var args []any
		for _, m := range param.FindAllStringSubmatch(q, -1) {
			n, _ := strconv.Atoi(m[1])
			for len(args) < n {
				args = append(args, nil)
			}
		}
		rows, err := s.db.Query("EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Logf("%s: not a whole statement, skipped: %v", pos, err)
			continue
		}
		explained++
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			m := scan.FindStringSubmatch(detail)
			if m == nil || !bigTables[tableOf(q, m[1])] || !where.MatchString(q) {
				continue
			}
			if _, ok := intendedScans[q]; ok {
				continue
			}
			t.Errorf("%s: %s\n%s", pos, detail, q)
		}
		rows.Close()
	}
	if explained < 50 {
		t.Fatalf("only %d statements explained", explained)
	}
	t.Logf("%d statements explained", explained)
}

var fromClause = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?`)

// tableOf names the table behind name, which a plan line gives as the
// table or as its alias in q.
func tableOf(q, name string) string {
	for _, m := range fromClause.FindAllStringSubmatch(q, -1) {
		if strings.EqualFold(m[2], name) {
			return m[1]
		}
	}
	return name
}

// explain returns the plan of q, one detail per line.
func explain(t *testing.T, s *sqlStore, q string, args []any) string {
	t.Helper()
	rows, err := s.db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	return b.String()
}

type planLine struct {
	id, parent int
	detail     string
}

// explainTree returns the plan of q with each line's parent.
func explainTree(t *testing.T, s *sqlStore, q string, args []any) []planLine {
	t.Helper()
	rows, err := s.db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	var out []planLine
	for rows.Next() {
		var l planLine
		var notused int
		if err := rows.Scan(&l.id, &l.parent, &notused, &l.detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

// Statements assembled at run time are checked here, built by the same
// functions the commands use.
func TestRuntimeQueryPlans(t *testing.T) {
	pgtest.Skip(t, "EXPLAIN QUERY PLAN is SQLite's; PostgreSQL's plans depend on its statistics")
	s := MustOpen(t)
	scan := regexp.MustCompile(`(?m)^SCAN (\w+)`)
	filters := regexp.MustCompile(`(?i)\bWHERE\b`)
	noScan := func(name, q string, args []any) {
		if !filters.MatchString(q) {
			return // reading in order and stopping at a limit is no scan
		}
		plan := explain(t, s, q, args)
		for _, m := range scan.FindAllStringSubmatch(plan, -1) {
			if bigTables[tableOf(q, m[1])] {
				t.Errorf("%s scans %s:\n%s%s", name, m[1], plan, q)
			}
		}
	}
	at := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for name, f := range map[string]AuditFilter{
		"since":                   {Since: at},
		"until":                   {Until: at},
		"window":                  {Since: at, Until: at.Add(time.Hour)},
		"operator":                {Operator: "ana"},
		"command":                 {Command: "operator"},
		"object":                  {Object: "operator:ana"},
		"after":                   {After: 10},
		"last":                    {Limit: 20},
		"object and window, last": {Object: "operator:ana", Since: at, Until: at.Add(time.Hour), Limit: 5},
	} {
		q, args := f.query(auditBounds{commands: []string{"operator add"}, lo: 1, hi: 1})
		noScan("audit log --"+name, q, args)
	}

	// Every combination of audit log filters, with a limit and without,
	// reads its parts in seq order from an index and merges them: no part
	// collects its matches to sort them (a temporary B-tree, or an OR of
	// several indexes), and the only sort is of the last Limit entries.
	for mask := range 1 << 7 {
		var f AuditFilter
		var b auditBounds
		var name []string
		for bit, set := range []func(){
			func() { f.Since, b.lo, name = at, 1, append(name, "--since") },
			func() { f.Until, b.hi, name = at, 1, append(name, "--until") },
			func() { f.Operator, name = "ana", append(name, "--operator") },
			func() {
				f.Command, b.commands, name = "access", []string{"access grant", "access revoke"}, append(name, "--command")
			},
			func() { f.Object, name = "account:ana", append(name, "--object") },
			func() { f.Outcome, name = "denied", append(name, "--outcome") },
			func() { f.After, name = 10, append(name, "--after") },
		} {
			if mask&(1<<bit) != 0 {
				set()
			}
		}
		for _, limit := range []int{0, 50} {
			f.Limit = limit
			q, args := f.query(b)
			plan := explainTree(t, s, q, args)
			for _, l := range plan {
				bad := strings.Contains(l.detail, "MULTI-INDEX OR") ||
					strings.HasPrefix(l.detail, "SCAN ") && bigTables[tableOf(q, strings.Fields(l.detail)[1])] && len(name) > 0
				if strings.Contains(l.detail, "TEMP B-TREE") {
					// Only the outer sort of the limited result, at the top.
					bad = bad || limit == 0 || l.parent != 0
				}
				if bad {
					t.Errorf("audit log %s --limit %d: %s\n%s", strings.Join(name, " "), limit, l.detail, q)
				}
			}
			// The part of the real operator reads only entries made through
			// --as; with a command, each part seeks operator and command
			// together, never walking one looking for the other. (With
			// --outcome as well, SQLite may walk the outcome index instead,
			// as ordered; which is cheaper depends on the values.)
			var want []string
			switch {
			case f.Object != "" || f.Operator == "" || f.Outcome != "":
			case f.Command != "":
				want = []string{"audit_log_operator_command (operator=? AND command=?", "audit_log_proxy_command (real_operator=? AND command=?"}
			default:
				want = []string{"audit_log_operator (operator=?", "audit_log_proxy (real_operator=?"}
			}
			for _, w := range want {
				if !slices.ContainsFunc(plan, func(l planLine) bool { return strings.Contains(l.detail, w) }) {
					t.Errorf("audit log %s --limit %d does not use %s:\n%v\n%s", strings.Join(name, " "), limit, w, plan, q)
				}
			}
		}
	}

	for name, f := range map[string]GrantFilter{
		"--account":            {Account: "ana"},
		"--resource":           {Resource: "payroll"},
		"--account --all":      {Account: "ana", All: true},
		"--resource --expired": {Resource: "payroll", Expired: true, Today: "2026-11-23"},
		"--resource --limit":   {Resource: "payroll", Limit: 20},
	} {
		q, args := f.query(noScope)
		noScan("access list "+name, q, args)
	}
	// Every kind of hold active, so that every clause of notHeld is in
	// the plans.
	holds := []records.Hold{{Kind: records.HoldClass}, {Kind: records.HoldSubject}, {Kind: records.HoldRecords}, {Kind: records.HoldRange}}
	for name, f := range map[string]RecordFilter{
		"--class":         {Class: "voice"},
		"--class --limit": {Class: "voice", Limit: 20},
		// A due listing reads each scheduled class below its window.
		"--due": {Class: "voice", Due: true, createdBefore: formatTime(at)},
	} {
		q, args := f.query(holds, noScope)
		noScan("records list "+name, q, args)
	}
	// ... and stops at the window's end: with nothing due it reads nothing.
	q, args := RecordFilter{Class: "voice", Due: true, createdBefore: formatTime(at)}.query(holds, noScope)
	if plan := explain(t, s, q, args); !strings.Contains(plan, "records_class_created (class=? AND created_at<?)") {
		t.Errorf("records list --due does not stop at the window's end:\n%s%s", plan, q)
	}
	// A limited due listing that reads on after the records Decide left
	// out seeks to the last one read, not to the start of the class.
	after := &records.Record{ID: 7, CreatedAt: at.Add(-time.Hour)}
	q, args = RecordFilter{Class: "voice", Due: true, createdBefore: formatTime(at), after: after, Limit: 50}.query(holds, noScope)
	if plan := explain(t, s, q, args); !strings.Contains(plan, "records_class_created (class=? AND created_at>? AND created_at<?)") {
		t.Errorf("records list --due --limit does not read on from the last record:\n%s%s", plan, q)
	}
	// Listing every active grant or every held record reads the whole
	// table on purpose: each row is a result or must be decided.
	for name, q := range map[string]func() (string, []any){
		"access list":           func() (string, []any) { return GrantFilter{}.query(noScope) },
		"access list --all":     func() (string, []any) { return GrantFilter{All: true}.query(noScope) },
		"records list --held":   func() (string, []any) { return RecordFilter{Held: true}.query(holds, noScope) },
		"access list --expired": func() (string, []any) { return GrantFilter{Expired: true, Today: "2026-11-23"}.query(noScope) },
	} {
		q, args := q()
		if explain(t, s, q, args) == "" {
			t.Errorf("%s: no plan", name)
		}
	}
	// The review snapshot takes each chunk of grants by id, however it is
	// scoped and whatever separation-of-duties pairs the policy has.
	camp := &access.Campaign{ScopeResource: "payroll", ScopeDepartment: "finance"}
	q, args = reviewItemsSQL(1, camp, []access.Pair{{A: "payroll:admin", B: "payroll:approver"}}, "2026-11-23", "2026-11-23T00:00:00.000000000Z", 50000)
	noScan("access review start", q, append(args, 0, 50000, 0))

	// A campaign's items (review show, export, the inbox) are read in
	// item order by the primary key, never collected and sorted.
	for name, f := range map[string]ItemFilter{
		"":                     {},
		"--pending":            {Pending: true},
		"--flag":               {Flag: "sod-conflict"},
		"--reviewer":           {Reviewer: "olga"},
		"--reviewer --pending": {Reviewer: "olga", Pending: true},
	} {
		q, args := (&txn{}).reviewItemsQuery("q", f, false)
		want := "SEARCH i USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"
		if f.Reviewer != "" {
			want = "SEARCH i USING INDEX review_items_reviewer (review_id=? AND reviewer=? AND id>? AND id<?)"
		}
		if plan := explain(t, s, q, args); !strings.Contains(plan, want) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("access review show/export %s does not read its items in order by an index:\n%s%s", name, plan, q)
		}
	}

	// A review import reads the items its sheet names in one walk of the
	// primary key, and writes each change by its primary key.
	if plan := explain(t, s, decisionItemsSQL, []any{"q", 1, 1000}); !strings.Contains(plan, "SEARCH i USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)") ||
		strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("access review import does not read its items by their key:\n%s%s", plan, decisionItemsSQL)
	}
	if plan := explain(t, s, applyDecisionSQL, []any{1, "keep", "", "ana", "", "", "", "", "", ""}); !strings.Contains(plan, "SEARCH review_items USING INTEGER PRIMARY KEY (rowid=?)") {
		t.Errorf("access review import does not write each item by its key:\n%s%s", plan, applyDecisionSQL)
	}

	// A large import's batch walks its staged rows by their key and
	// writes each item by its key; it deletes, and its audited
	// transaction counts, the rows by the same key.
	if plan := explain(t, s, applyStagedSQL, []any{1, "2026-11-23", 0, 4000}); !strings.Contains(plan, "SEARCH s USING INDEX sqlite_autoindex_review_import_rows_1 (plan=? AND seq>? AND seq<?)") ||
		!strings.Contains(plan, "SEARCH review_items USING INTEGER PRIMARY KEY (rowid=?)") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("an import batch does not apply its staged rows by their key:\n%s%s", plan, applyStagedSQL)
	}
	if plan := explain(t, s, deleteStagedSQL, []any{1, 0, 4000}); !strings.Contains(plan, "(plan=? AND seq>? AND seq<?)") {
		t.Errorf("an import batch does not delete its staged rows by their key:\n%s", plan)
	}
	if plan := explain(t, s, deleteStaleStagedSQL, []any{1, 4000}); !strings.Contains(plan, "SEARCH review_import_rows USING COVERING INDEX sqlite_autoindex_review_import_rows_1 (plan<?)") {
		t.Errorf("an import does not find stale staged rows by their key:\n%s", plan)
	}
	if plan := explain(t, s, countStagedSQL, []any{1}); !strings.Contains(plan, "(plan=?)") {
		t.Errorf("an import does not count its staged rows by their key:\n%s", plan)
	}

	// A close batch walks its items' id range and revokes each grant by
	// its primary key.
	for _, undecided := range []bool{false, true} {
		if plan := explain(t, s, closeRevokeSQL(undecided), []any{"2026-11-23", "ana", "q", 0, 0, 4000, 1}); !strings.Contains(plan, "SEARCH i USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)") ||
			!strings.Contains(plan, "SEARCH grants USING INTEGER PRIMARY KEY (rowid=?)") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("a close batch does not walk its items by their key:\n%s%s", plan, closeRevokeSQL(undecided))
		}
	}

	// So does one that names what it revoked; a decision is counted, and
	// a close compares the count, by the campaign's key.
	for _, undecided := range []bool{false, true} {
		if plan := explain(t, s, closeRevokeReturningSQL(undecided), []any{"2026-11-23", "ana", "q", 0, 0, 4000, 1}); !strings.Contains(plan, "SEARCH i USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)") ||
			!strings.Contains(plan, "SEARCH grants USING INTEGER PRIMARY KEY (rowid=?)") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("a recorded close batch does not walk its items by their key:\n%s%s", plan, closeRevokeReturningSQL(undecided))
		}
	}
	if plan := explain(t, s, bumpDecisionsSQL, []any{"q"}); !strings.Contains(plan, "USING INDEX") || strings.Contains(plan, "SCAN") {
		t.Errorf("a decision's count does not find its campaign by name:\n%s", plan)
	}
	if plan := explain(t, s, readDecisionsSQL, []any{1}); !strings.Contains(plan, "USING INTEGER PRIMARY KEY (rowid=?)") {
		t.Errorf("a close does not read the decision count by the campaign's key:\n%s", plan)
	}

	// A close reads the grants it revokes in one walk of the campaign's
	// items by their key, each grant by its key.
	if plan := explain(t, s, closeObjectsSQL(true), []any{"q"}); !strings.Contains(plan, "SEARCH i USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)") ||
		!strings.Contains(plan, "SEARCH g EXISTS USING INTEGER PRIMARY KEY (rowid=?)") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("a close does not read its revocations by their key:\n%s%s", plan, closeObjectsSQL(true))
	}

	// A purge batch walks its id range, and checks each record against
	// the runs of its set by one index seek.
	plan := explain(t, s, `SELECT r.id FROM records r WHERE `+purgeBatchWhere+` AND `+notHeld(holds), []any{0, 4000, 1})
	if !strings.Contains(plan, "SEARCH r USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)") || strings.Contains(plan, "records_class_created") ||
		!strings.Contains(plan, "purge_ranges_1 (purge_id=? AND lo<?)") {
		t.Errorf("a purge batch does not walk its id range:\n%s", plan)
	}

	// The compliance report reads every recorded account state change as
	// one range of the object index, in its order (no sort), finds the
	// last entry before each charted instant by one step of the index on
	// at, and walks an account's entries backwards only for an account
	// with no recorded change.
	if plan := explain(t, s, stateChangesSQL, []any{"state:", "state;", 100}); !strings.Contains(plan, "SEARCH audit_objects USING") ||
		!strings.Contains(plan, "(object>? AND object<?)") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("the report does not read the state changes as a range of the object index:\n%s%s", plan, stateChangesSQL)
	}
	if plan := explain(t, s, pointSeqSQL, []any{"2026-11-01"}); !strings.Contains(plan, "audit_log_at (at<?)") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("the report does not find the entry before an instant by the index on at:\n%s%s", plan, pointSeqSQL)
	}
	traceAll := fmt.Sprintf(traceAllAccountsSQL, "$2, $3")
	if plan := explain(t, s, traceAll, []any{100, "account freeze", "account revoke"}); !strings.Contains(plan, "(object=? AND seq<?)") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("the report does not walk each account's entries backwards:\n%s%s", plan, traceAll)
	}
	lastChange := fmt.Sprintf(lastChangeSQL, "$3, $4")
	if plan := explain(t, s, lastChange, []any{"account:zoe", 100, "account freeze", "account revoke"}); !strings.Contains(plan, "(object=? AND seq<?)") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("the report does not walk an account's entries backwards:\n%s%s", plan, lastChange)
	}
}

// Plans name a table by its alias when the query gives one.
func TestTableOf(t *testing.T) {
	q := `SELECT g.id FROM grants g JOIN accounts AS a ON a.username = g.username WHERE EXISTS (SELECT 1 FROM records r)`
	for alias, table := range map[string]string{"g": "grants", "a": "accounts", "r": "records", "holds": "holds"} {
		if got := tableOf(q, alias); got != table {
			t.Errorf("tableOf(%q) = %q, want %q", alias, got, table)
		}
	}
}

// noScope is the department scope of an operator who sees everything.
func noScope(string, func(any) string) string { return "" }
