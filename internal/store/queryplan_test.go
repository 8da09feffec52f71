package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// bigTables grow with the organisation: a query that filters one of them
// must be served by an index, not by reading the whole table.
var bigTables = map[string]bool{
	"audit_log": true, "audit_objects": true, "accounts": true, "grants": true, "review_items": true,
	"records": true, "hold_records": true, "incident_accounts": true, "incident_events": true,
	"account_approvals": true,
}

// intendedScans are filtering queries that read a whole big table on
// purpose, with the reason.
var intendedScans = map[string]string{}

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
	registerSegmentFunc()
	s := MustOpen(t)
	scan := regexp.MustCompile(`^SCAN (\w+)`)
	where := regexp.MustCompile(`(?i)\bWHERE\b`)
	param := regexp.MustCompile(`\$(\d+)`)
	explained := 0
	for pos, q := range sqlStatements(t) {
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
			if m == nil || !bigTables[m[1]] || !where.MatchString(q) {
				continue
			}
			if _, ok := intendedScans[pos]; ok {
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
