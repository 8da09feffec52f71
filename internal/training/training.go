// Package training is the information-security training register: the
// courses, who took which and with what result, whether an account has
// passed what policy requires before activation, and the coverage and
// pass rate per department against the organisation's goals. Everything
// here is a pure function of its inputs, with an explicit today.
package training

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/when"
)

// Policy keys of the training register.
const (
	KeyRequired     = "account.required_training"
	KeyCoverageGoal = "training.coverage_goal"
	KeyPassGoal     = "training.pass_goal"
)

func init() {
	policy.Register(policy.Key{Name: KeyRequired, Default: "",
		Doc: "Courses (a comma list of training course names) an account must have passed before account activate; empty for none (the default).",
		Normalize: func(s string) (string, error) {
			c, err := ParseCourses(s)
			return strings.Join(c, ","), err
		}})
	percent := func(s string) (string, error) {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), "%"))
		if err != nil || n < 0 || n > 100 {
			return "", errs.Invalidf("%q is not a percentage from 0 to 100", s)
		}
		return strconv.Itoa(n), nil
	}
	policy.Register(policy.Key{Name: KeyCoverageGoal, Default: "100",
		Doc: "The share of active accounts, per department, that must have taken the required training, in percent (default 100).", Normalize: percent})
	policy.Register(policy.Key{Name: KeyPassGoal, Default: "90",
		Doc: "The share of those who took the required training that must have passed it, in percent (default 90).", Normalize: percent})
}

// validCourse reports whether c is a course name: 1 to 64 of a-z, 0-9,
// '.', '_' and '-', starting with a letter or digit. Written out rather
// than as a regexp, whose {0,63} compiled at every start took 0.16 ms.
func validCourse(c string) bool {
	if len(c) == 0 || len(c) > 64 {
		return false
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		switch {
		case b >= 'a' && b <= 'z', b >= '0' && b <= '9':
		case i > 0 && (b == '.' || b == '_' || b == '-'):
		default:
			return false
		}
	}
	return true
}

// ParseCourses parses a comma list of course names.
func ParseCourses(s string) ([]string, error) {
	var out []string
	for _, c := range strings.Split(s, ",") {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if !validCourse(c) {
			return nil, errs.Invalidf("invalid course name %q: use lower-case letters, digits, '.', '_' or '-'", c)
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// Course is a training course.
type Course struct {
	Name  string
	Title string
	// Every is how often it must be passed again ("" for once), a
	// duration such as 1y or 12m.
	Every string
	// PassScore is the score that passes (0: results are pass or fail).
	PassScore int
}

// Validate checks a course definition.
func (c *Course) Validate() error {
	if !validCourse(c.Name) {
		return errs.Invalidf("invalid course name %q: use lower-case letters, digits, '.', '_' or '-'", c.Name)
	}
	if err := account.Text("title", c.Title, true); err != nil {
		return errs.SetField(err, "title")
	}
	if c.Every != "" {
		d, err := when.ParseDuration(c.Every)
		if err != nil || d.IsZero() {
			return errs.Invalidf("every: %q is not a duration such as 1y or 12m", c.Every).WithField("every")
		}
		c.Every = d.String()
	}
	if c.PassScore < 0 || c.PassScore > 100 {
		return errs.Invalidf("the pass score %d is not from 0 to 100", c.PassScore).WithField("pass-score")
	}
	return nil
}

// Result is one recorded attempt of a course by an account.
type Result struct {
	Username string
	Course   string
	Date     string // YYYY-MM-DD
	// Score is -1 when none was given.
	Score  int
	Passed bool
}

// NewResult checks an attempt of c on date (not in the future: today),
// with score (-1 for none) and the --passed flag, and decides whether it
// passed: with a pass score, a score decides (and --passed must agree);
// without a score, --passed does.
func NewResult(c *Course, username, date string, score int, passed bool, today string) (Result, error) {
	r := Result{Username: username, Course: c.Name, Score: score}
	d, err := account.ParseDate(strings.TrimSpace(date))
	if err != nil {
		return r, errs.Invalidf("invalid training date: %v", err).WithField("date")
	}
	if d > today {
		return r, errs.Invalidf("the training date %s is in the future", d).WithField("date")
	}
	r.Date = d
	switch {
	case score < -1 || score > 100:
		return r, errs.Invalidf("the score %d is not from 0 to 100", score).WithField("score")
	case score >= 0 && c.PassScore > 0:
		r.Passed = score >= c.PassScore
		if passed && !r.Passed {
			return r, errs.Invalidf("a score of %d is below the pass score %d of %s, so it did not pass", score, c.PassScore, c.Name).WithField("passed")
		}
	default:
		r.Passed = passed
	}
	return r, nil
}

// Status is where an account stands with one course at a date.
type Status struct {
	Taken  bool
	Passed bool
	// LastPassed is the date of the latest pass, or "".
	LastPassed string
	// Due is when it must be passed again ("" for never), and Overdue
	// says that date has passed: the pass no longer counts.
	Due     string
	Overdue bool
}

// StatusOf is an account's standing with c given its results for it.
func StatusOf(c *Course, results []Result, today string) Status {
	var s Status
	for _, r := range results {
		if r.Course != c.Name {
			continue
		}
		s.Taken = true
		if r.Passed && r.Date > s.LastPassed {
			s.LastPassed = r.Date
		}
	}
	s.Passed = s.LastPassed != ""
	if s.Passed && c.Every != "" {
		d, err := when.ParseDuration(c.Every)
		if err == nil {
			last, _ := parseDay(s.LastPassed)
			s.Due = d.After(last).Format(account.DateFormat)
			s.Overdue = s.Due < today
		}
	}
	return s
}

// CheckActivation refuses (denied, exit 4) to activate an account that
// has not passed, or whose pass has lapsed, each required course, naming
// the first missing one.
func CheckActivation(username string, required []string, courses map[string]*Course, results []Result, today string) error {
	for _, name := range required {
		c := courses[name]
		if c == nil {
			return errs.Invalidf("policy %s names the course %s, which is not registered", KeyRequired, name).
				WithHint("register it: custos training add %s --title TEXT", name)
		}
		st := StatusOf(c, results, today)
		switch {
		case !st.Passed:
			return errs.Deniedf("%s has not passed the required training %s (%s)", username, c.Name, c.Title).
				WithHint("record it once passed: custos training record %s %s --date DATE --passed", username, c.Name)
		case st.Overdue:
			return errs.Deniedf("%s passed the required training %s on %s, but it was due again on %s", username, c.Name, st.LastPassed, st.Due)
		}
	}
	return nil
}

// Person is an active account, for the report.
type Person struct {
	Username, Department string
}

// DepartmentReport is coverage and pass rate in one department.
type DepartmentReport struct {
	Department string `json:"department"`
	People     int    `json:"people"`
	// Covered took every course in scope; Passed passed each and none
	// has lapsed.
	Covered      int     `json:"covered"`
	Passed       int     `json:"passed"`
	Coverage     float64 `json:"coverage"`
	PassRate     float64 `json:"pass_rate"`
	CoverageGoal int     `json:"coverage_goal"`
	PassGoal     int     `json:"pass_goal"`
	MeetsGoals   bool    `json:"meets_goals"`
}

// Overdue is one person whose pass of a course has lapsed.
type Overdue struct {
	Username   string `json:"username"`
	Department string `json:"department"`
	Course     string `json:"course"`
	LastPassed string `json:"last_passed"`
	Due        string `json:"due"`
}

// Report computes, per department in name order, the coverage (share of
// active accounts that took every course in scope) and pass rate (share
// of those who passed each, not lapsed) against the goals, and lists who
// is overdue. The courses in scope are the required ones, or every course
// when policy requires none. A department with nobody in it is omitted;
// with nobody covered, its pass rate is 0.
func Report(people []Person, courses []*Course, required []string, results map[string][]Result, coverageGoal, passGoal int, today string) ([]DepartmentReport, []Overdue) {
	scope := courses
	if len(required) > 0 {
		scope = nil
		for _, c := range courses {
			if slices.Contains(required, c.Name) {
				scope = append(scope, c)
			}
		}
	}
	byDept := map[string]*DepartmentReport{}
	var overdue []Overdue
	for _, p := range people {
		d := byDept[p.Department]
		if d == nil {
			d = &DepartmentReport{Department: p.Department, CoverageGoal: coverageGoal, PassGoal: passGoal}
			byDept[p.Department] = d
		}
		d.People++
		covered, passed := len(scope) > 0, len(scope) > 0
		for _, c := range scope {
			st := StatusOf(c, results[p.Username], today)
			covered = covered && st.Taken
			passed = passed && st.Passed && !st.Overdue
			if st.Overdue {
				overdue = append(overdue, Overdue{Username: p.Username, Department: p.Department, Course: c.Name, LastPassed: st.LastPassed, Due: st.Due})
			}
		}
		if covered {
			d.Covered++
		}
		if passed {
			d.Passed++
		}
	}
	var out []DepartmentReport
	for _, d := range byDept {
		d.Coverage = percent(d.Covered, d.People)
		d.PassRate = percent(d.Passed, d.Covered)
		d.MeetsGoals = d.Coverage >= float64(coverageGoal) && d.PassRate >= float64(passGoal)
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Department < out[j].Department })
	sort.SliceStable(overdue, func(i, j int) bool {
		if overdue[i].Due != overdue[j].Due {
			return overdue[i].Due < overdue[j].Due
		}
		return overdue[i].Username < overdue[j].Username
	})
	return out, overdue
}

func percent(n, of int) float64 {
	if of == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(fmt.Sprintf("%.1f", float64(n)*100/float64(of)), 64)
	return v
}

func parseDay(s string) (t time.Time, err error) { return time.Parse(account.DateFormat, s) }
