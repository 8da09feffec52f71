package access

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

func newCmdReview(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "review <command>",
		Short: "Run access review (certification) campaigns",
		Long: `An access review snapshots the grants in scope into items, each assigned to
a reviewer (the resource's owner, else a manager of the account's
department, else every admin: the reviewer role:admin) and flagged where it deserves attention:
inactive-account, expired, clearance-mismatch, sod-conflict, privileged.

The quarterly round trip, scriptable end to end:

  custos access review start 2026-Q4
  custos access review export 2026-Q4 --reviewer olga -o csv > olga.csv   # one sheet per reviewer
  # the reviewer fills the decision (keep, revoke or empty) and reason columns
  custos access review import 2026-Q4 olga.csv                            # as olga, or an admin
  custos access review close 2026-Q4 --undecided keep

IT and admins start, export and close campaigns; reviewers decide their own
items (an admin may decide any, and imports on the reviewers' behalf).`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(newCmdReviewStart(f, nil), newCmdReviewList(f, nil), newCmdReviewShow(f, nil), newCmdReviewDecide(f, nil),
		newCmdReviewExport(f, nil), newCmdReviewImport(f, nil), newCmdReviewClose(f, nil))
	return cmd
}

func reviewSpec(name string, write bool) store.Spec {
	return store.Spec{Write: write, Targets: []string{"review:" + name}}
}

// ReviewStartOptions are the inputs of `access review start`.
type ReviewStartOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	Name    string
	// Due is when decisions are due, YYYY-MM-DD; "" is today plus policy
	// review.due_days.
	Due        string
	Resource   string
	Department string
}

func newCmdReviewStart(f *cmdutil.Factory, runF func(*ReviewStartOptions) error) *cobra.Command {
	opts := &ReviewStartOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "start NAME [--due DATE] [--resource R] [--department D]",
		Short: "Start an access review campaign",
		Long: `Snapshot every active grant (on --resource, of accounts in --department)
into review items with their reviewer and flags. --due defaults to today
plus review.due_days. A progress bar shows on a terminal. A large store's
grants are snapshotted in short batches after the start is recorded; the
campaign is "starting" until the last, and a start of the same name
finishes one that was interrupted. Refused (exit 5) while another campaign
is starting.`,
		Example: `  $ custos access review start 2026-Q4
  $ custos access review start payroll-2026-11 --resource payroll --due 2026-12-15`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Name = cmd, args[0]
			if err := account.Text("NAME", opts.Name, true); err != nil {
				return err
			}
			if opts.Due != "" {
				d, err := account.ParseDate(opts.Due)
				if err != nil {
					return errs.Invalidf("--due: %v", err)
				}
				opts.Due = d
			}
			if runF != nil {
				return runF(opts)
			}
			return reviewStartRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Due, "due", "", "when decisions are due, YYYY-MM-DD")
	cmd.Flags().StringVar(&opts.Resource, "resource", "", "only grants on this resource")
	cmd.Flags().StringVar(&opts.Department, "department", "", "only grants of accounts in this department")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ReviewStartResult is what `access review start` reports.
type ReviewStartResult struct {
	Name  string `json:"name"`
	Items int64  `json:"items"`
	Due   string `json:"due"`
}

func reviewStartRun(opts *ReviewStartOptions) error {
	f, cmd, name := opts.Factory, opts.Cmd, opts.Name
	c := &access.Campaign{Name: name, Due: opts.Due, ScopeResource: opts.Resource, ScopeDepartment: opts.Department}
	var n int64
	// A large campaign is snapshotted in batches after the invocation
	// commits: the progress's last count is its size.
	bar := f.IO.StartProgressIn("snapshotting grants", "grants")
	err := cmdutil.Run(f, cmd, reviewSpec(name, true), func(tx store.Tx) error {
		if c.Due == "" {
			days, err := tx.Policy().PolicyValue(access.KeyReviewDueDays)
			if err != nil {
				return err
			}
			if c.Due, err = access.DefaultDue(tx.Now(), days); err != nil {
				return err
			}
		}
		_, err := tx.Access().StartReview(c, func(done int64) { n = done; bar.Set(done, 0) })
		return err
	})
	bar.Done()
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, ReviewStartResult{name, n, c.Due})
	}
	_, err = fmt.Fprintf(f.IO.Out, "Started access review %s: %d item(s), due %s.\n", output.Sanitize(name), n, c.Due)
	return err
}

// ReviewListOptions are the inputs of `access review list`.
type ReviewListOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	// Limit is the most campaigns listed; 0 lists all.
	Limit int
}

func newCmdReviewList(f *cmdutil.Factory, runF func(*ReviewListOptions) error) *cobra.Command {
	opts := &ReviewListOptions{Factory: f}
	cmd := &cobra.Command{
		Use: "list [--limit N]", Short: "List access review campaigns with their progress",
		Long: `List the campaigns, newest first, with how many items are kept, revoked and
undecided; --limit N lists the newest N only.`,
		Example: `  $ custos access review list
  $ custos access review list --limit 1 -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if err := cmdutil.CheckLimit(cmd, opts.Limit); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return reviewListRun(opts)
		},
	}
	cmdutil.AddLimitFlag(cmd, &opts.Limit, "campaigns")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ReviewListResult is one campaign in `access review list`, with its
// progress.
type ReviewListResult struct {
	Name      string    `json:"name" out:"whole"`
	State     string    `json:"state"`
	Due       string    `json:"due"`
	Items     int64     `json:"items"`
	Kept      int64     `json:"kept"`
	Revoked   int64     `json:"revoked"`
	Undecided int64     `json:"undecided"`
	StartedBy string    `json:"started_by"`
	StartedAt time.Time `json:"started_at"`
}

func reviewListRun(opts *ReviewListOptions) error {
	f := opts.Factory
	w := output.NewResultList[ReviewListResult](f.IO, opts.Output.Format())
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		return tx.Access().ListReviews(opts.Limit, func(c *access.Campaign, p store.ReviewProgress) error {
			return w.Write(&ReviewListResult{c.Name, c.State, c.Due, p.Items, p.Kept, p.Revoked, p.Undecided, c.StartedBy, c.StartedAt})
		})
	})
	if err != nil {
		return err
	}
	return w.Close()
}

// ReviewItemsOptions are the inputs of `access review show` and
// `access review export`: a campaign's items, filtered.
type ReviewItemsOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	Name    string
	// Pending lists only undecided items.
	Pending  bool
	Reviewer string
	// Flag and Unassigned are show's alone.
	Flag       string
	Unassigned bool
	// Details adds who decided when, who imported and what an override
	// replaced (show); an export is the sheet alone.
	Details bool
}

// ReviewItemResult is the sheet a reviewer fills in, one item a row:
// decision and reason last. A table fitted to the terminal shows who
// reviews what and the decision.
type ReviewItemResult struct {
	Campaign       string   `json:"campaign" out:"whole,wide"`
	Item           int64    `json:"item"`
	Reviewer       string   `json:"reviewer" out:"whole"`
	Username       string   `json:"username" out:"whole"`
	Name           string   `json:"name" out:"wide"`
	Department     string   `json:"department" out:"wide"`
	Resource       string   `json:"resource" out:"whole"`
	Role           string   `json:"role"`
	Classification string   `json:"classification" out:"wide"`
	Until          string   `json:"until" out:"wide"`
	Flags          []string `json:"flags"`
	Decision       string   `json:"decision"`
	Reason         string   `json:"reason" out:"wide"`
}

// ReviewItemDetailResult is a ReviewItemResult with who decided it and
// how, as review show lists it.
type ReviewItemDetailResult struct {
	ReviewItemResult
	DecidedBy string    `json:"decided_by" out:"wide"`
	DecidedAt time.Time `json:"decided_at" out:"wide"`
	// ImportedBy is the admin who imported the decision on the
	// reviewer's behalf.
	ImportedBy string `json:"imported_by" out:"wide"`
	// Overrides is the decision an admin's override replaced.
	Overrides string `json:"overrides" out:"wide"`
}

func sheetRow(it *access.Item) ReviewItemResult {
	return ReviewItemResult{it.Campaign, it.Item, it.Reviewer, it.Username, it.Name, it.Department, it.Resource, it.Role,
		it.Classification, it.Until, it.Flags, it.Decision, it.Reason}
}

// reviewItemsRun is show and export: the items of a campaign, filtered.
func reviewItemsRun(opts *ReviewItemsOptions) error {
	f := opts.Factory
	format := opts.Output.Format()
	var write func(it *access.Item) error
	var w interface{ Close() error }
	if opts.Details {
		l := output.NewResultList[ReviewItemDetailResult](f.IO, format)
		write = func(it *access.Item) error {
			return l.Write(&ReviewItemDetailResult{sheetRow(it), it.DecidedBy, it.DecidedAt, it.ImportedBy, it.Overrides})
		}
		w = l
	} else {
		l := output.NewResultList[ReviewItemResult](f.IO, format)
		write = func(it *access.Item) error {
			r := sheetRow(it)
			return l.Write(&r)
		}
		w = l
	}
	// An export reads only the sheet's columns.
	filter := store.ItemFilter{Pending: opts.Pending, Reviewer: opts.Reviewer, Flag: opts.Flag, Unassigned: opts.Unassigned, Sheet: !opts.Details}
	err := cmdutil.Run(f, opts.Cmd, reviewSpec(opts.Name, false), func(tx store.Tx) error {
		if _, err := tx.Access().GetReview(opts.Name); err != nil {
			return err
		}
		return tx.Access().ReviewItems(opts.Name, filter, write)
	})
	if err != nil {
		return err
	}
	return w.Close()
}

func newCmdReviewShow(f *cmdutil.Factory, runF func(*ReviewItemsOptions) error) *cobra.Command {
	opts := &ReviewItemsOptions{Factory: f, Details: true}
	cmd := &cobra.Command{
		Use:   "show NAME [--pending] [--reviewer R] [--flag F] [--unassigned]",
		Short: "Show a campaign's items",
		Long: `Show the items of a campaign: who reviews them, their flags and decisions,
and for an override the decision it replaced. Every item has a reviewer:
the resource's owner, else a manager of the account's department, else
every admin, shown as the reviewer role:admin. --unassigned lists items
without one, which is empty unless the store was damaged.`,
		Example: `  $ custos access review show 2026-Q4 --pending --reviewer olga
  $ custos access review show 2026-Q4 --flag sod-conflict`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Name = cmd, args[0]
			if runF != nil {
				return runF(opts)
			}
			return reviewItemsRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Pending, "pending", false, "only undecided items")
	cmd.Flags().StringVar(&opts.Reviewer, "reviewer", "", "only this reviewer's items")
	cmdutil.EnumFlag(cmd.Flags(), &opts.Flag, "flag", "", "", append([]string{""}, access.Flags...), "only items with this flag")
	cmd.Flags().BoolVar(&opts.Unassigned, "unassigned", false, "only items without a reviewer (none, by construction)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdReviewExport(f *cmdutil.Factory, runF func(*ReviewItemsOptions) error) *cobra.Command {
	opts := &ReviewItemsOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "export NAME -o csv [--reviewer R] [--pending]",
		Short: "Export a campaign's items as a sheet to fill in",
		Long: `Write one row per item with empty or current decision and reason columns:
the sheet a reviewer fills in (decision: keep, revoke or empty) and that
access review import reads back. --reviewer writes one reviewer's sheet.`,
		Example: `  $ for r in $(custos access review show 2026-Q4 -o json | jq -r '.[].reviewer' | sort -u); do
      custos access review export 2026-Q4 --reviewer "$r" -o csv > "review-$r.csv"
    done`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Name = cmd, args[0]
			if runF != nil {
				return runF(opts)
			}
			return reviewItemsRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reviewer, "reviewer", "", "only this reviewer's items")
	cmd.Flags().BoolVar(&opts.Pending, "pending", false, "only undecided items")
	opts.Output = cmdutil.AddOutputFlag(f, cmd, output.CSV, output.JSON, output.Table)
	return cmdutil.MarkStore(cmd)
}

// ReviewDecideOptions are the inputs of `access review decide`.
type ReviewDecideOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	Name    string
	Item    int64
	// Keep and Revoke are the flags, exactly one given; Decision is the
	// one they name (access.Keep or access.Revoke).
	Keep, Revoke bool
	Decision     string
	// Reason is trimmed of surrounding blanks.
	Reason   string
	Override bool
}

func newCmdReviewDecide(f *cmdutil.Factory, runF func(*ReviewDecideOptions) error) *cobra.Command {
	opts := &ReviewDecideOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "decide NAME ITEM --keep|--revoke --reason TEXT [--override]",
		Short: "Decide one item of a campaign",
		Long: `Keep or revoke one item. Only its reviewer or an admin may decide it (exit
4). The same decision again changes nothing; contradicting a decision
someone else made is a conflict (exit 5), for admins too; a closed
campaign is exit 5.

--override (admins only, exit 4 for anyone else) is the recorded way for an
admin to replace a decision someone else made: the item keeps the decision
it replaced, shown by review show as overrides.`,
		Example: `  $ custos access review decide 2026-Q4 17 --revoke --reason "left the project in June"
  $ custos access review decide 2026-Q4 2 --revoke --override --reason "audit finding 7"`,
		Args: cmdutil.ExactArgs("NAME", "ITEM"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Name = cmd, args[0]
			item, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil || item < 1 {
				return errs.Invalidf("ITEM %q is not an item number", args[1])
			}
			opts.Item = item
			if opts.Keep == opts.Revoke {
				return errs.Invalidf("give exactly one of --keep and --revoke")
			}
			opts.Reason = strings.TrimSpace(opts.Reason)
			if err := account.Text("--reason", opts.Reason, true); err != nil {
				return err
			}
			opts.Decision = access.Keep
			if opts.Revoke {
				opts.Decision = access.Revoke
			}
			if runF != nil {
				return runF(opts)
			}
			return reviewDecideRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Keep, "keep", false, "keep the grant")
	cmd.Flags().BoolVar(&opts.Revoke, "revoke", false, "revoke the grant when the campaign closes")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why (required)")
	cmd.Flags().BoolVar(&opts.Override, "override", false, "replace a decision someone else recorded (admins only; recorded as an override)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ReviewDecideResult is what `access review decide` reports.
type ReviewDecideResult struct {
	Campaign string `json:"campaign"`
	Item     int64  `json:"item"`
	Decision string `json:"decision"`
	Changed  bool   `json:"changed"`
	// Overrides is the decision an override replaced, or "".
	Overrides string `json:"overrides"`
}

func reviewDecideRun(opts *ReviewDecideOptions) error {
	f, name, item, decision := opts.Factory, opts.Name, opts.Item, opts.Decision
	var res store.DecideResult
	err := cmdutil.Run(f, opts.Cmd, reviewSpec(name, true), func(tx store.Tx) (err error) {
		res, err = tx.Access().DecideReview(name, []store.Decision{{Item: item, Decision: decision, Reason: opts.Reason, Override: opts.Override}}, false, false)
		return err
	})
	if err != nil {
		return err
	}
	overrides := res.Overrides[item]
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, ReviewDecideResult{name, item, decision, res.Changed > 0, overrides})
	}
	if res.Changed == 0 {
		_, err = fmt.Fprintf(f.IO.Out, "Item %d of %s is already %s; nothing changed.\n", item, output.Sanitize(name), decision)
		return err
	}
	if overrides != "" {
		_, err = fmt.Fprintf(f.IO.Out, "Item %d of %s: %s (overrides %s).\n", item, output.Sanitize(name), decision, output.Sanitize(overrides))
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "Item %d of %s: %s.\n", item, output.Sanitize(name), decision)
	return err
}

// ReviewImportOptions are the inputs of `access review import`.
type ReviewImportOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	Name    string
	// File is the sheet, or "-" for stdin.
	File   string
	DryRun bool
}

func newCmdReviewImport(f *cmdutil.Factory, runF func(*ReviewImportOptions) error) *cobra.Command {
	opts := &ReviewImportOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "import NAME FILE.csv [--dry-run]",
		Short: "Import a filled-in review sheet",
		Long: `Read a sheet written by access review export ("-" reads stdin): its
campaign, item, username, resource and role columns say which grant a row
decides, and its decision and reason columns what was decided (other
columns are ignored). Every row is checked before any is applied: a
malformed row, or one that does not match its item exactly (a sheet of
another campaign, an item number that is another grant here), is exit 2
naming the row; a row for an item the importer may not decide is exit 4; a
row contradicting a decision someone else recorded is exit 5, for admins
too (an admin overrides with review decide --override); and then nothing
is applied. Rows with an empty decision are skipped; a row repeating a
recorded decision changes nothing. A revoke needs a reason. Reviewers
import their own items; an admin may import any, recorded as decided by the
item's reviewer and imported by the admin. The sheet is checked without
holding the store's write lock, so other commands run meanwhile; if an
item it changes is decided by someone else before its changes are
written, nothing is applied (exit 5) and running it again checks the
sheet afresh. --dry-run checks the sheet the
same way (same refusals, same exit codes), prints each decision it would
change and the summary, and changes nothing; its audit entry shows as
"dry run" in audit log.`,
		Example: `  $ custos access review import 2026-Q4 review-olga.csv --dry-run
  $ custos access review import 2026-Q4 review-olga.csv`,
		Args: cmdutil.ExactArgs("NAME", "FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Name, opts.File = cmd, args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return reviewImportRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "check the sheet, print what it would decide and change nothing")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ReviewImportResult is what `access review import` reports.
type ReviewImportResult struct {
	Campaign string `json:"campaign"`
	// Rows counts the sheet's decisions (rows with an empty decision
	// left out); Changed those that changed an item, or would.
	Rows    int  `json:"rows"`
	Changed int  `json:"changed"`
	DryRun  bool `json:"dry_run"`
}

func reviewImportRun(opts *ReviewImportOptions) error {
	f, name, dryRun := opts.Factory, opts.Name, opts.DryRun
	ds, err := readSheet(opts.File, f.IO.In)
	if err != nil {
		return err
	}
	var res store.DecideResult
	spec := reviewSpec(name, !dryRun)
	run := func(tx store.Tx) (err error) {
		res, err = tx.Access().DecideReview(name, ds, true, dryRun)
		return err
	}
	if !dryRun {
		// The sheet is checked with no write lock held; the write
		// only applies the changes, each if its item is still as
		// checked (otherwise exit 5, nothing applied).
		var plan *store.DecisionPlan
		spec.Prepare = func(tx store.Tx) (err error) {
			// An import left unfinished is finished first, instead.
			if plan, err = tx.Access().ResumeImport(name); plan != nil || err != nil {
				return err
			}
			plan, err = tx.Access().CheckDecisions(name, ds, true)
			return err
		}
		// A large sheet's changes are staged in batches of their own,
		// applied in more after the audited transaction.
		spec.Stage = func(ctx context.Context) error { return plan.Stage(ctx) }
		run = func(tx store.Tx) (err error) {
			res, err = tx.Access().ApplyDecisions(plan)
			return err
		}
	}
	err = cmdutil.Run(f, opts.Cmd, spec, run)
	changed := res.Changed
	if err != nil {
		return err
	}
	if res.Resumed {
		// The run finished an interrupted import, which its entry
		// records, and imported nothing of its own sheet: a conflict
		// (exit 5), so that no script takes its sheet for imported.
		return errs.MarkRecorded(&errs.Error{Code: errs.Conflict,
			Msg: fmt.Sprintf("finished an interrupted import into %s (%d item(s) changed); %s was not imported: run the command again to import it",
				output.Sanitize(name), changed, output.Sanitize(sheetName(opts.File)))})
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, ReviewImportResult{name, len(ds), changed, dryRun})
	}
	if dryRun {
		f.DryRunNoted()
		for _, d := range res.Changes {
			if _, err := fmt.Fprintf(f.IO.Out, "Would decide item %d: %s (%s).\n", d.Item, d.Decision, output.Sanitize(d.Reason)); err != nil {
				return err
			}
		}
		_, err = fmt.Fprintf(f.IO.Out, "Dry run, nothing changed: %d decision(s) for %s; %d would change.\n", len(ds), output.Sanitize(name), changed)
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "Imported %d decision(s) into %s; %d changed.\n", len(ds), output.Sanitize(name), changed)
	return err
}

// sheetName is how messages name a sheet, as cmdutil.Sheet.Rowf does.
func sheetName(path string) string {
	if path == "-" {
		return "stdin"
	}
	return path
}

// readSheet reads and checks every row of a sheet before anything is
// applied.
func readSheet(path string, stdin io.Reader) ([]store.Decision, error) {
	sh, done, err := cmdutil.OpenSheet(path, stdin, nil, "campaign", "item", "username", "resource", "role", "decision", "reason")
	if err != nil {
		return nil, err
	}
	defer done()
	var ds []store.Decision
	seen := map[int64]int{}
	for {
		ok, err := sh.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return ds, nil
		}
		decision, reason := strings.ToLower(sh.Get("decision")), sh.Get("reason")
		item, err := strconv.ParseInt(sh.Get("item"), 10, 64)
		switch {
		case err != nil || item < 1:
			return nil, sh.Rowf("%q is not an item number", sh.Get("item"))
		case decision == "":
			continue
		case decision != access.Keep && decision != access.Revoke:
			return nil, sh.Rowf("decision %q: use keep, revoke or leave it empty", sh.Get("decision"))
		case decision == access.Revoke && reason == "":
			return nil, sh.Rowf("a revoke needs a reason")
		}
		if err := account.Text(fmt.Sprintf("%s line %d: reason", path, sh.Line), reason, false); err != nil {
			return nil, err
		}
		if prev, dup := seen[item]; dup {
			return nil, sh.Rowf("item %d is already on line %d", item, prev)
		}
		seen[item] = sh.Line
		row := &access.SheetRow{Where: fmt.Sprintf("%s line %d", sheetName(path), sh.Line), Campaign: sh.Get("campaign"), Item: item,
			Username: sh.Get("username"), Resource: sh.Get("resource"), Role: sh.Get("role"), Decision: decision, Reason: reason}
		ds = append(ds, store.Decision{Item: item, Decision: decision, Reason: reason, Row: row})
	}
}

// ReviewCloseOptions are the inputs of `access review close`.
type ReviewCloseOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	Name    string
	// Undecided is what to do with undecided items: access.Keep,
	// access.Revoke, or "" to refuse while there are any.
	Undecided string
	DryRun    bool
}

func newCmdReviewClose(f *cmdutil.Factory, runF func(*ReviewCloseOptions) error) *cobra.Command {
	opts := &ReviewCloseOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "close NAME [--undecided keep|revoke] [--dry-run]",
		Short: "Close a campaign and apply its revocations",
		Long: `Revoke every grant whose item was decided revoke (and the undecided ones
with --undecided revoke), with the review and the reviewer's reason as the
revocation reason, then close the campaign and print the summary. A large
campaign's grants are revoked in short batches after the close is
recorded; the campaign is "closing" (no decisions) until the last, and a
close run again finishes one that was interrupted, as it was begun. With undecided items and no --undecided, closing is
refused (exit 5), as is a close during which a decision was recorded
(run it again). --dry-run prints the summary and changes nothing; its
audit entry shows as "dry run" in audit log. The real close records each
revocation in the history of its account and grant (account:U, grant:ID),
so audit log --object and account show list it: a large campaign's close
entry names the revoked set by count and SHA-256, and each batch's entry
the accounts and grants it revoked.`,
		Example: `  $ custos access review close 2026-Q4 --dry-run
  $ custos access review close 2026-Q4 --undecided keep`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Name = cmd, args[0]
			if runF != nil {
				return runF(opts)
			}
			return reviewCloseRun(opts)
		},
	}
	cmdutil.EnumFlag(cmd.Flags(), &opts.Undecided, "undecided", "", "", []string{"", access.Keep, access.Revoke}, "what to do with undecided items")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the summary and change nothing")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ReviewCloseResult is what `access review close` reports.
type ReviewCloseResult struct {
	Campaign  string `json:"campaign"`
	Kept      int64  `json:"kept"`
	Revoked   int64  `json:"revoked"`
	Undecided int64  `json:"undecided"`
	// AlreadyRevoked counts revoke decisions whose grant was revoked
	// meanwhile.
	AlreadyRevoked int64 `json:"already_revoked"`
	DryRun         bool  `json:"dry_run"`
}

func reviewCloseRun(opts *ReviewCloseOptions) error {
	f, name, dryRun := opts.Factory, opts.Name, opts.DryRun
	var s store.ReviewSummary
	spec := reviewSpec(name, !dryRun)
	run := func(tx store.Tx) (err error) {
		s, err = tx.Access().CloseReview(name, opts.Undecided, dryRun)
		return err
	}
	if !dryRun {
		// The summary and the grants to revoke are read with no write
		// lock held; the write records them if no decision was recorded
		// since (otherwise exit 5, nothing changed).
		var plan *store.ClosePlan
		spec.Prepare = func(tx store.Tx) (err error) {
			plan, err = tx.Access().PrepareClose(name, opts.Undecided)
			return err
		}
		run = func(tx store.Tx) (err error) {
			s, err = tx.Access().ApplyClose(plan)
			return err
		}
	}
	err := cmdutil.Run(f, opts.Cmd, spec, run)
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, ReviewCloseResult{name, s.Kept, s.Revoked, s.Undecided, s.AlreadyGone, dryRun})
	}
	verb := "Closed"
	if dryRun {
		f.DryRunNoted()
		verb = "Dry run, nothing changed:"
	}
	_, err = fmt.Fprintf(f.IO.Out, "%s %s: %d kept, %d revoked (%d already revoked meanwhile), %d undecided.\n",
		verb, output.Sanitize(name), s.Kept, s.Revoked, s.AlreadyGone, s.Undecided)
	return err
}
