package training

import (
	"bytes"
	"fmt"
	"testing"
	"text/tabwriter"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/testutil/golden"
)

func outcome(err error, what string) string {
	if err != nil {
		return fmt.Sprintf("%s: %s", errs.CodeOf(err).Outcome(), err)
	}
	return what
}

// Results, standing, the activation gate and the report, with the
// invariants beside the golden file: passed ≤ covered ≤ people.
func TestRules(t *testing.T) {
	basics := &Course{Name: "basics", Title: "Basics", Every: "1y", PassScore: 80}
	drill := &Course{Name: "drill", Title: "Drill"}
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, in := range []struct {
		c      *Course
		date   string
		score  int
		passed bool
	}{
		{basics, "2026-11-20", 92, false}, {basics, "2026-11-20", 79, false}, {basics, "2026-11-20", 79, true},
		{basics, "2026-11-20", -1, true}, {basics, "2026-12-01", 90, false}, {basics, "someday", 90, false},
		{basics, "2026-11-20", 101, false}, {drill, "2026-11-20", -1, true}, {drill, "2026-11-20", 10, false},
	} {
		r, err := NewResult(in.c, "zoe", in.date, in.score, in.passed, "2026-11-23")
		fmt.Fprintf(w, "result\t%s %s score=%d passed=%t\t%s\n", in.c.Name, in.date, in.score, in.passed, outcome(err, fmt.Sprintf("passed=%t", r.Passed)))
	}
	for _, c := range []Course{{Name: "Bad Name", Title: "x"}, {Name: "ok", Title: ""}, {Name: "ok", Title: "x", Every: "often"}, {Name: "ok", Title: "x", Every: "12m", PassScore: 80}, {Name: "ok", Title: "x", PassScore: 101}} {
		err := c.Validate()
		fmt.Fprintf(w, "course\t%+v\t%s\n", c, outcome(err, "ok every="+c.Every))
	}
	courses := map[string]*Course{"basics": basics, "drill": drill}
	results := []Result{
		{Username: "zoe", Course: "basics", Date: "2025-10-01", Passed: true},
		{Username: "zoe", Course: "drill", Date: "2026-11-01", Passed: false},
	}
	for _, today := range []string{"2026-09-30", "2026-10-02"} {
		st := StatusOf(basics, results, today)
		fmt.Fprintf(w, "status\tbasics %s\t%+v\n", today, st)
		for _, req := range [][]string{nil, {"basics"}, {"drill"}, {"basics", "missing"}} {
			fmt.Fprintf(w, "activate\t%s %v\t%s\n", today, req, outcome(CheckActivation("zoe", req, courses, results, today), "allowed"))
		}
	}
	people := []Person{{"zoe", "Sales"}, {"kai", "Sales"}, {"sam", "Sales"}, {"ana", "Ops"}, {"lea", "Ops"}}
	all := map[string][]Result{
		"zoe": {{Course: "basics", Date: "2026-11-01", Passed: true}, {Course: "drill", Date: "2026-11-01", Passed: true}},
		"kai": {{Course: "basics", Date: "2025-01-01", Passed: true}, {Course: "drill", Date: "2026-11-01", Passed: true}},
		"sam": {{Course: "basics", Date: "2026-11-01", Passed: false}},
		"ana": {{Course: "basics", Date: "2026-11-01", Passed: true}},
		"lea": {{Course: "basics", Date: "2026-11-01", Passed: true}},
	}
	for _, req := range [][]string{nil, {"basics"}} {
		depts, overdue := Report(people, []*Course{basics, drill}, req, all, 100, 90, "2026-11-23")
		for _, d := range depts {
			if d.Passed > d.Covered || d.Covered > d.People {
				t.Errorf("%s: passed %d, covered %d, people %d", d.Department, d.Passed, d.Covered, d.People)
			}
			fmt.Fprintf(w, "report %v\t%s\t%+v\n", req, d.Department, d)
		}
		for _, o := range overdue {
			fmt.Fprintf(w, "overdue %v\t%s\t%+v\n", req, o.Username, o)
		}
	}
	w.Flush()
	golden.Check(t, "rules.golden", b.Bytes())
}
