// Package training implements `custos training`: the information-security
// training register.
package training

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/training"
)

// NewCmdTraining returns the `training` command group.
func NewCmdTraining(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "training <command>",
		Short: "The information-security training register",
		Long: `Every new employee is trained in information security before starting,
with 100% coverage and a 90% pass rate. Register the courses (training add),
record who took which and the result (training record, training import),
and see coverage and pass rate per department against the goals
training.coverage_goal and training.pass_goal (training report). Policy
account.required_training lists the courses an account must have passed
before account activate; a course with --every must be passed again that
often, and custos due lists who is overdue.`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(newCmdAdd(f, nil), newCmdRecord(f, nil), newCmdImport(f, nil), newCmdReport(f, nil))
	return cmd
}

// AddOptions are the inputs of `training add`.
type AddOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	// Course is the definition, checked (Validate) before the run.
	Course training.Course
}

func newCmdAdd(f *cmdutil.Factory, runF func(*AddOptions) error) *cobra.Command {
	opts := &AddOptions{Factory: f}
	c := &opts.Course
	cmd := &cobra.Command{
		Use:   "add COURSE --title TEXT [--every DURATION] [--pass-score N]",
		Short: "Register a training course",
		Long: `Register a course: its name (lower-case letters, digits, '.', '_', '-'), its
title, how often it must be passed again (--every 1y; none: once), and the
score that passes (--pass-score 80; none: results are pass or fail). The
same definition again changes nothing; a different one is exit 5.`,
		Example: `  $ custos training add infosec-basics --title "Information security basics" --every 1y --pass-score 80
  $ custos policy set account.required_training infosec-basics`,
		Args: cmdutil.ExactArgs("COURSE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			c.Name, c.Title = args[0], strings.TrimSpace(c.Title)
			if err := c.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return addRun(opts)
		},
	}
	cmd.Flags().StringVar(&c.Title, "title", "", "the course's title (required)")
	cmd.Flags().StringVar(&c.Every, "every", "", "pass it again every so long, e.g. 1y or 12m")
	cmd.Flags().IntVar(&c.PassScore, "pass-score", 0, "the score that passes, 0 to 100 (0: pass or fail)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// AddResult is what `training add` reports.
type AddResult struct {
	Name      string `json:"name"`
	Title     string `json:"title"`
	Every     string `json:"every"`
	PassScore int    `json:"pass_score"`
	Changed   bool   `json:"changed"`
}

func addRun(opts *AddOptions) error {
	f, c := opts.Factory, &opts.Course
	var res store.AddResult
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Write: true, Targets: []string{"course:" + c.Name}}, func(tx store.Tx) (err error) {
		res, err = tx.Training().AddCourse(c)
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, AddResult{c.Name, c.Title, c.Every, c.PassScore, res != store.Unchanged})
	}
	if res == store.Unchanged {
		_, err = fmt.Fprintf(f.IO.Out, "Course %s is already registered so; nothing changed.\n", c.Name)
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "Added course %s (%s).\n", c.Name, output.Sanitize(c.Title))
	return err
}

// RecordOptions are the inputs of `training record`.
type RecordOptions struct {
	Factory  *cmdutil.Factory
	Cmd      *cobra.Command
	Output   *cmdutil.Output
	Username string
	Course   string
	// Date is as given: the store checks it against today.
	Date string
	// Score is -1 when --score is not given.
	Score  int
	Passed bool
}

func newCmdRecord(f *cmdutil.Factory, runF func(*RecordOptions) error) *cobra.Command {
	opts := &RecordOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "record USERNAME COURSE --date DATE [--score N] [--passed]",
		Short: "Record that an account took a course, and the result",
		Long: `Record an attempt: the date (not in the future), and the result. With a
course's pass score, --score decides (--passed with a score below it is
refused); otherwise --passed says it passed. The account may not be active
yet: training comes before activation. Refused: an unknown account or
course (exit 3), a bad date or score (exit 2).`,
		Example: `  $ custos training record zoe infosec-basics --date 2026-11-20 --score 92
  $ custos training record kai fire-drill --date 2026-11-20 --passed`,
		Args: cmdutil.ExactArgs("USERNAME", "COURSE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Username, opts.Course = cmd, args[0], args[1]
			if opts.Date == "" {
				return errs.Invalidf("--date is required")
			}
			if !cmd.Flags().Changed("score") {
				opts.Score = -1
			}
			if runF != nil {
				return runF(opts)
			}
			return recordRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Date, "date", "", "when it was taken, YYYY-MM-DD (required)")
	cmd.Flags().IntVar(&opts.Score, "score", 0, "the score, 0 to 100")
	cmd.Flags().BoolVar(&opts.Passed, "passed", false, "it passed (for a course without a pass score)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// RecordResult is what `training record` reports.
type RecordResult struct {
	Username string `json:"username"`
	Course   string `json:"course"`
	Date     string `json:"date"`
	// Score is an int, or nil (null, an empty cell) when none was given.
	Score  any  `json:"score"`
	Passed bool `json:"passed"`
}

func recordRun(opts *RecordOptions) error {
	f := opts.Factory
	var res []training.Result
	spec := store.Spec{Write: true, Targets: []string{"account:" + opts.Username, "course:" + opts.Course}}
	err := cmdutil.Run(f, opts.Cmd, spec, func(tx store.Tx) (err error) {
		row := store.TrainingRow{Username: opts.Username, Course: opts.Course, Date: opts.Date, Score: opts.Score, Passed: opts.Passed}
		res, err = tx.Training().RecordTraining([]store.TrainingRow{row}, func(int) string { return "" })
		return err
	})
	if err != nil {
		return err
	}
	r := res[0]
	if format := opts.Output.Format(); format != output.Table {
		var sc any = r.Score
		if r.Score < 0 {
			sc = nil
		}
		return output.WriteResult(f.IO, format, RecordResult{r.Username, r.Course, r.Date, sc, r.Passed})
	}
	verdict := "did not pass"
	if r.Passed {
		verdict = "passed"
	}
	_, err = fmt.Fprintf(f.IO.Out, "Recorded: %s took %s on %s and %s.\n", output.Sanitize(r.Username), r.Course, r.Date, verdict)
	return err
}

var importColumns = []string{"username", "course", "date", "score", "passed"}

// ImportOptions are the inputs of `training import`.
type ImportOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	// File is the CSV file, or "-" for stdin.
	File string
}

func newCmdImport(f *cmdutil.Factory, runF func(*ImportOptions) error) *cobra.Command {
	opts := &ImportOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Record many attempts from a CSV file",
		Long: `Record one attempt per row of a CSV file (columns username, course, date,
score, passed; "-" reads stdin), as training record would. Every row is
checked before any is recorded: one bad row (an unknown account or course,
a bad date, score or passed value) is exit 2 or 3 naming its line, and
nothing is recorded.`,
		Example: `  $ custos training import lms-export-2026-11.csv`,
		Args:    cmdutil.ExactArgs("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.File = cmd, args[0]
			if runF != nil {
				return runF(opts)
			}
			return importRun(opts)
		},
	}
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ImportResult is what `training import` reports.
type ImportResult struct {
	Recorded int `json:"recorded"`
	Passed   int `json:"passed"`
}

// readRows reads and checks every row of the file before any is recorded.
func readRows(path string, stdin io.Reader) ([]store.TrainingRow, []int, error) {
	sh, done, err := cmdutil.OpenSheet(path, stdin, importColumns, "username", "course", "date")
	if err != nil {
		return nil, nil, err
	}
	defer done()
	var rows []store.TrainingRow
	var lines []int
	for {
		ok, err := sh.Next()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		r := store.TrainingRow{Username: sh.Get("username"), Course: sh.Get("course"), Date: sh.Get("date"), Score: -1}
		if v := sh.Get("score"); v != "" {
			if r.Score, err = strconv.Atoi(v); err != nil {
				return nil, nil, sh.Rowf("score %q is not a number", v)
			}
		}
		switch strings.ToLower(sh.Get("passed")) {
		case "true", "yes", "1", "passed":
			r.Passed = true
		case "", "false", "no", "0", "failed":
		default:
			return nil, nil, sh.Rowf("passed %q: use true or false", sh.Get("passed"))
		}
		rows, lines = append(rows, r), append(lines, sh.Line)
	}
	if len(rows) == 0 {
		return nil, nil, errs.Invalidf("%s has a header but no rows", path)
	}
	return rows, lines, nil
}

func importRun(opts *ImportOptions) error {
	f := opts.Factory
	rows, lines, err := readRows(opts.File, f.IO.In)
	if err != nil {
		return err
	}
	var res []training.Result
	err = cmdutil.Run(f, opts.Cmd, store.Spec{Write: true}, func(tx store.Tx) (err error) {
		res, err = tx.Training().RecordTraining(rows, func(i int) string { return fmt.Sprintf("%s line %d", opts.File, lines[i]) })
		return err
	})
	if err != nil {
		return err
	}
	passed := 0
	for _, r := range res {
		if r.Passed {
			passed++
		}
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, ImportResult{len(res), passed})
	}
	_, err = fmt.Fprintf(f.IO.Out, "Recorded %d attempt(s), %d passed.\n", len(res), passed)
	return err
}

// ReportOptions are the inputs of `training report`.
type ReportOptions struct {
	Factory    *cmdutil.Factory
	Cmd        *cobra.Command
	Output     *cmdutil.Output
	Department string
}

func newCmdReport(f *cmdutil.Factory, runF func(*ReportOptions) error) *cobra.Command {
	opts := &ReportOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "report [--department D]",
		Short: "Coverage and pass rate per department, and who is overdue",
		Long: `For each department (or --department D), over its active accounts and the
courses of policy account.required_training (every course when it names
none): coverage, the share who took every course; pass rate, the share of
those who passed each and whose pass has not lapsed (--every); the goals
training.coverage_goal (default 100) and training.pass_goal (default 90)
and whether they are met. Then who is overdue: on stderr after a table,
as "overdue" in JSON.`,
		Example: `  $ custos training report
  $ custos training report --department Sales -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if runF != nil {
				return runF(opts)
			}
			return reportRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Department, "department", "", "only this department")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ReportResult is the JSON of `training report`: the departments and who
// is overdue.
type ReportResult struct {
	Departments []training.DepartmentReport `json:"departments"`
	Overdue     []training.Overdue          `json:"overdue"`
}

// DepartmentRow is a department's line of `training report` in a table,
// CSV or JSON Lines: the rates and goals as percentages.
type DepartmentRow struct {
	Department   string `json:"department"`
	People       int    `json:"people"`
	Covered      int    `json:"covered"`
	Passed       int    `json:"passed"`
	Coverage     string `json:"coverage"`
	PassRate     string `json:"pass_rate"`
	CoverageGoal string `json:"coverage_goal"`
	PassGoal     string `json:"pass_goal"`
	MeetsGoals   bool   `json:"meets_goals"`
}

func reportRun(opts *ReportOptions) error {
	f := opts.Factory
	var depts []training.DepartmentReport
	var overdue []training.Overdue
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) (err error) {
		depts, overdue, err = tx.Training().TrainingReport(opts.Department)
		return err
	})
	if err != nil {
		return err
	}
	format := opts.Output.Format()
	if format == output.JSON {
		if depts == nil {
			depts = []training.DepartmentReport{}
		}
		if overdue == nil {
			overdue = []training.Overdue{}
		}
		return output.WriteResult(f.IO, format, ReportResult{depts, overdue})
	}
	w := output.NewResultList[DepartmentRow](f.IO, format)
	for _, d := range depts {
		row := DepartmentRow{d.Department, d.People, d.Covered, d.Passed, percent(d.Coverage), percent(d.PassRate),
			percent(float64(d.CoverageGoal)), percent(float64(d.PassGoal)), d.MeetsGoals}
		if err := w.Write(&row); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if format == output.Table {
		for _, o := range overdue {
			fmt.Fprintf(f.IO.ErrOut, "Overdue: %s (%s) %s, last passed %s, due %s.\n", output.Sanitize(o.Username), output.Sanitize(o.Department), o.Course, o.LastPassed, o.Due)
		}
	}
	return nil
}

func percent(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "%" }
