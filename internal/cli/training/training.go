// Package training implements `custos training`: the information-security
// training register.
package training

import (
	"fmt"
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
	cmd.AddCommand(newCmdAdd(f), newCmdRecord(f), newCmdImport(f), newCmdReport(f))
	return cmd
}

func newCmdAdd(f *cmdutil.Factory) *cobra.Command {
	var c training.Course
	var out *cmdutil.Output
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
			c.Name, c.Title = args[0], strings.TrimSpace(c.Title)
			if err := c.Validate(); err != nil {
				return err
			}
			var res store.AddResult
			err := cmdutil.Run(f, cmd, store.Spec{Write: true, Targets: []string{"course:" + c.Name}}, func(tx store.Tx) (err error) {
				res, err = tx.Training().AddCourse(&c)
				return err
			})
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("name", "title", "every", "pass_score", "changed"), c.Name, c.Title, c.Every, c.PassScore, res != store.Unchanged)
			}
			if res == store.Unchanged {
				_, err = fmt.Fprintf(f.IO.Out, "Course %s is already registered so; nothing changed.\n", c.Name)
				return err
			}
			_, err = fmt.Fprintf(f.IO.Out, "Added course %s (%s).\n", c.Name, output.Sanitize(c.Title))
			return err
		},
	}
	cmd.Flags().StringVar(&c.Title, "title", "", "the course's title (required)")
	cmd.Flags().StringVar(&c.Every, "every", "", "pass it again every so long, e.g. 1y or 12m")
	cmd.Flags().IntVar(&c.PassScore, "pass-score", 0, "the score that passes, 0 to 100 (0: pass or fail)")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdRecord(f *cmdutil.Factory) *cobra.Command {
	var date string
	var score int
	var passed bool
	var out *cmdutil.Output
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
			if date == "" {
				return errs.Invalidf("--date is required")
			}
			if !cmd.Flags().Changed("score") {
				score = -1
			}
			var res []training.Result
			spec := store.Spec{Write: true, Targets: []string{"account:" + args[0], "course:" + args[1]}}
			err := cmdutil.Run(f, cmd, spec, func(tx store.Tx) (err error) {
				res, err = tx.Training().RecordTraining([]store.TrainingRow{{Username: args[0], Course: args[1], Date: date, Score: score, Passed: passed}},
					func(int) string { return "" })
				return err
			})
			if err != nil {
				return err
			}
			r := res[0]
			if format := out.Format(); format != output.Table {
				var sc any = r.Score
				if r.Score < 0 {
					sc = nil
				}
				return output.WriteObject(f.IO, format, output.Cols("username", "course", "date", "score", "passed"), r.Username, r.Course, r.Date, sc, r.Passed)
			}
			verdict := "did not pass"
			if r.Passed {
				verdict = "passed"
			}
			_, err = fmt.Fprintf(f.IO.Out, "Recorded: %s took %s on %s and %s.\n", output.Sanitize(r.Username), r.Course, r.Date, verdict)
			return err
		},
	}
	cmd.Flags().StringVar(&date, "date", "", "when it was taken, YYYY-MM-DD (required)")
	cmd.Flags().IntVar(&score, "score", 0, "the score, 0 to 100")
	cmd.Flags().BoolVar(&passed, "passed", false, "it passed (for a course without a pass score)")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

var importColumns = []string{"username", "course", "date", "score", "passed"}

func newCmdImport(f *cmdutil.Factory) *cobra.Command {
	var out *cmdutil.Output
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
			sh, done, err := cmdutil.OpenSheet(args[0], f.IO.In, importColumns, "username", "course", "date")
			if err != nil {
				return err
			}
			defer done()
			var rows []store.TrainingRow
			var lines []int
			for {
				ok, err := sh.Next()
				if err != nil {
					return err
				}
				if !ok {
					break
				}
				r := store.TrainingRow{Username: sh.Get("username"), Course: sh.Get("course"), Date: sh.Get("date"), Score: -1}
				if v := sh.Get("score"); v != "" {
					if r.Score, err = strconv.Atoi(v); err != nil {
						return sh.Rowf("score %q is not a number", v)
					}
				}
				switch strings.ToLower(sh.Get("passed")) {
				case "true", "yes", "1", "passed":
					r.Passed = true
				case "", "false", "no", "0", "failed":
				default:
					return sh.Rowf("passed %q: use true or false", sh.Get("passed"))
				}
				rows, lines = append(rows, r), append(lines, sh.Line)
			}
			if len(rows) == 0 {
				return errs.Invalidf("%s has a header but no rows", args[0])
			}
			var res []training.Result
			err = cmdutil.Run(f, cmd, store.Spec{Write: true}, func(tx store.Tx) (err error) {
				res, err = tx.Training().RecordTraining(rows, func(i int) string { return fmt.Sprintf("%s line %d", args[0], lines[i]) })
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
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("recorded", "passed"), len(res), passed)
			}
			_, err = fmt.Fprintf(f.IO.Out, "Recorded %d attempt(s), %d passed.\n", len(res), passed)
			return err
		},
	}
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdReport(f *cmdutil.Factory) *cobra.Command {
	var dept string
	var out *cmdutil.Output
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
			var depts []training.DepartmentReport
			var overdue []training.Overdue
			err := cmdutil.Run(f, cmd, store.Spec{}, func(tx store.Tx) (err error) {
				depts, overdue, err = tx.Training().TrainingReport(dept)
				return err
			})
			if err != nil {
				return err
			}
			format := out.Format()
			if format == output.JSON {
				if depts == nil {
					depts = []training.DepartmentReport{}
				}
				if overdue == nil {
					overdue = []training.Overdue{}
				}
				b, err := output.MarshalJSON(output.Pairs("departments", depts, "overdue", overdue))
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(f.IO.Out, "%s\n", b)
				return err
			}
			w := output.NewList(f.IO, format, output.Cols("department", "people", "covered", "passed", "coverage", "pass_rate", "coverage_goal", "pass_goal", "meets_goals"))
			for _, d := range depts {
				if err := w.Row(d.Department, d.People, d.Covered, d.Passed, percent(d.Coverage), percent(d.PassRate), percent(float64(d.CoverageGoal)), percent(float64(d.PassGoal)), d.MeetsGoals); err != nil {
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
		},
	}
	cmd.Flags().StringVar(&dept, "department", "", "only this department")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func percent(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "%" }
