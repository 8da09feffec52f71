// The training register: courses, attempts, the activation gate of
// policy account.required_training, the coverage report and the overdue
// training custos due lists.

package store

import (
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/training"
)

// AddCourse registers a course. The same definition again changes
// nothing; a different one for an existing name is a conflict.
func (t *txn) AddCourse(c *training.Course) (AddResult, error) {
	t.Touch("course:" + c.Name)
	old, err := t.GetCourse(c.Name)
	switch {
	case errs.CodeOf(err) == errs.NotFound:
	case err != nil:
		return 0, err
	case *old == *c:
		return Unchanged, nil
	default:
		return 0, errs.Conflictf("course %s already exists (%s, every %q, pass score %d)", c.Name, old.Title, old.Every, old.PassScore)
	}
	_, err = t.tx.ExecContext(t.ctx, `INSERT INTO courses (name, title, every, pass_score, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.Name, c.Title, c.Every, c.PassScore, formatTime(t.now), t.op.Name)
	return Added, err
}

// GetCourse returns a course, or NotFound.
func (t *txn) GetCourse(name string) (*training.Course, error) {
	var c training.Course
	err := t.tx.QueryRowContext(t.ctx, `SELECT name, title, every, pass_score FROM courses WHERE name = $1`, name).
		Scan(&c.Name, &c.Title, &c.Every, &c.PassScore)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFoundf("no training course named %s", name).WithHint("register it: custos training add %s --title TEXT", name)
	}
	return &c, err
}

// Courses returns every course, by name.
func (t *txn) Courses() ([]*training.Course, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT name, title, every, pass_score FROM courses ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*training.Course
	for rows.Next() {
		var c training.Course
		if err := rows.Scan(&c.Name, &c.Title, &c.Every, &c.PassScore); err != nil {
			return nil, err
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}

// TrainingRow is one attempt to record: the account, the course, the
// date, the score (-1 for none) and the --passed flag.
type TrainingRow struct {
	Username, Course, Date string
	Score                  int
	Passed                 bool
}

// RecordTraining records attempts, all checked (training.NewResult, the
// account and the course exist) before any is written: one bad row
// records none.
func (t *txn) RecordTraining(rows []TrainingRow, where func(i int) string) ([]training.Result, error) {
	today := t.now.Format(account.DateFormat)
	courses := map[string]*training.Course{}
	out := make([]training.Result, len(rows))
	for i, r := range rows {
		c := courses[r.Course]
		if c == nil {
			var err error
			if c, err = t.GetCourse(r.Course); err != nil {
				return nil, prefix(where(i), err)
			}
			courses[r.Course] = c
		}
		if _, err := t.SeeAccount(r.Username); err != nil {
			return nil, prefix(where(i), err)
		}
		res, err := training.NewResult(c, r.Username, r.Date, r.Score, r.Passed, today)
		if err != nil {
			return nil, prefix(where(i), err)
		}
		out[i] = res
	}
	for _, res := range out {
		id, err := t.nextID("training")
		if err != nil {
			return nil, err
		}
		if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO training (id, username, course, taken_on, score, passed, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, res.Username, res.Course, res.Date, res.Score, flag(res.Passed), t.op.Name, formatTime(t.now)); err != nil {
			return nil, err
		}
		t.Touch("account:"+res.Username, "course:"+res.Course)
	}
	return out, nil
}

// prefix names where an error comes from (a file's line), keeping its code.
func prefix(where string, err error) error {
	if where == "" {
		return err
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return &errs.Error{Code: e.Code, Msg: where + ": " + e.Msg, Hint: e.Hint, Err: err}
	}
	return err
}

// trainingResults returns the attempts of username, or of everyone when
// username is "", grouped by account.
func (t *txn) trainingResults(username string) (map[string][]training.Result, error) {
	q, args := `SELECT username, course, taken_on, score, passed FROM training ORDER BY username, course, taken_on`, []any{}
	if username != "" {
		q, args = `SELECT username, course, taken_on, score, passed FROM training WHERE username = $1 ORDER BY username, course, taken_on`, []any{username}
	}
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]training.Result{}
	for rows.Next() {
		var r training.Result
		if err := rows.Scan(&r.Username, &r.Course, &r.Date, &r.Score, &r.Passed); err != nil {
			return nil, err
		}
		out[r.Username] = append(out[r.Username], r)
	}
	return out, rows.Err()
}

// requiredTraining is policy account.required_training.
func (t *txn) requiredTraining() ([]string, error) {
	v, err := t.PolicyValue(training.KeyRequired)
	if err != nil {
		return nil, err
	}
	return training.ParseCourses(v)
}

// checkTraining is the activation gate: the required courses passed.
func (t *txn) checkTraining(username string) error {
	required, err := t.requiredTraining()
	if err != nil || len(required) == 0 {
		return err
	}
	courses := map[string]*training.Course{}
	all, err := t.Courses()
	if err != nil {
		return err
	}
	for _, c := range all {
		courses[c.Name] = c
	}
	results, err := t.trainingResults(username)
	if err != nil {
		return err
	}
	return training.CheckActivation(username, required, courses, results[username], t.now.Format(account.DateFormat))
}

// TrainingReport is coverage and pass rate per department (one when
// department is given), and who is overdue (training.Report).
func (t *txn) TrainingReport(department string) ([]training.DepartmentReport, []training.Overdue, error) {
	var people []training.Person
	err := t.ListAccounts(AccountFilter{State: string(account.Active), Department: department}, func(a *account.Account) error {
		people = append(people, training.Person{Username: a.Username, Department: a.Department})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	courses, err := t.Courses()
	if err != nil {
		return nil, nil, err
	}
	required, err := t.requiredTraining()
	if err != nil {
		return nil, nil, err
	}
	results, err := t.trainingResults("")
	if err != nil {
		return nil, nil, err
	}
	var goals [2]int
	for i, k := range []string{training.KeyCoverageGoal, training.KeyPassGoal} {
		v, err := t.PolicyValue(k)
		if err != nil {
			return nil, nil, err
		}
		goals[i] = atoiOr(v, 0)
	}
	depts, overdue := training.Report(people, courses, required, results, goals[0], goals[1], t.now.Format(account.DateFormat))
	return depts, overdue, nil
}

func atoiOr(s string, def int) int {
	n := 0
	for _, c := range strings.TrimSpace(s) {
		if c < '0' || c > '9' {
			return def
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// dueTraining adds overdue training to custos due.
func (t *txn) dueTraining(add func(kind, id, what string, when time.Time, command string)) error {
	courses, err := t.Courses()
	if err != nil || len(courses) == 0 {
		return err
	}
	_, overdue, err := t.TrainingReport("")
	if err != nil {
		return err
	}
	for _, o := range overdue {
		due, err := time.Parse(account.DateFormat, o.Due)
		if err != nil {
			continue
		}
		add("training", o.Username, o.Course+" was due again "+o.Due+" (last passed "+o.LastPassed+")", due,
			"custos training record "+o.Username+" "+o.Course+" --date DATE --passed")
	}
	return nil
}
