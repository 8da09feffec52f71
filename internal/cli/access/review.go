package access

import (
	"fmt"
	"io"
	"strconv"
	"strings"

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
	cmd.AddCommand(newCmdReviewStart(f), newCmdReviewList(f), newCmdReviewShow(f), newCmdReviewDecide(f),
		newCmdReviewExport(f), newCmdReviewImport(f), newCmdReviewClose(f))
	return cmd
}

func reviewSpec(name string, write bool) store.Spec {
	return store.Spec{Write: write, Targets: []string{"review:" + name}}
}

func newCmdReviewStart(f *cmdutil.Factory) *cobra.Command {
	var due, resource, department string
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "start NAME [--due DATE] [--resource R] [--department D]",
		Short: "Start an access review campaign",
		Long: `Snapshot every active grant (on --resource, of accounts in --department)
into review items with their reviewer and flags. --due defaults to today
plus review.due_days. A progress bar shows on a terminal.`,
		Example: `  $ custos access review start 2026-Q4
  $ custos access review start payroll-2026-11 --resource payroll --due 2026-12-15`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			if err := account.Text("NAME", name, true); err != nil {
				return err
			}
			if due != "" {
				d, err := account.ParseDate(due)
				if err != nil {
					return errs.Invalidf("--due: %v", err)
				}
				due = d
			}
			c := &access.Campaign{Name: name, Due: due, ScopeResource: resource, ScopeDepartment: department}
			var n int64
			err := cmdutil.Run(f, cmd, reviewSpec(name, true), func(tx store.Tx) error {
				if c.Due == "" {
					days, err := tx.Policy().PolicyValue(access.KeyReviewDueDays)
					if err != nil {
						return err
					}
					d, _ := strconv.Atoi(days)
					c.Due = tx.Now().AddDate(0, 0, d).Format(account.DateFormat)
				}
				bar := f.IO.StartProgressIn("snapshotting grants", "grants")
				defer bar.Done()
				var err error
				n, err = tx.Access().StartReview(c, func(done int64) { bar.Set(done, 0) })
				return err
			})
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("name", "items", "due"), name, n, c.Due)
			}
			_, err = fmt.Fprintf(f.IO.Out, "Started access review %s: %d item(s), due %s.\n", output.Sanitize(name), n, c.Due)
			return err
		},
	}
	cmd.Flags().StringVar(&due, "due", "", "when decisions are due, YYYY-MM-DD")
	cmd.Flags().StringVar(&resource, "resource", "", "only grants on this resource")
	cmd.Flags().StringVar(&department, "department", "", "only grants of accounts in this department")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdReviewList(f *cmdutil.Factory) *cobra.Command {
	var out *cmdutil.Output
	var limit int
	cmd := &cobra.Command{
		Use: "list [--limit N]", Short: "List access review campaigns with their progress",
		Long: `List the campaigns, newest first, with how many items are kept, revoked and
undecided; --limit N lists the newest N only.`,
		Example: `  $ custos access review list
  $ custos access review list --limit 1 -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckLimit(cmd, limit); err != nil {
				return err
			}
			cols := output.Whole(output.Cols("name", "state", "due", "items", "kept", "revoked", "undecided", "started_by", "started_at"), "name")
			w := output.NewList(f.IO, out.Format(), cols)
			err := cmdutil.Run(f, cmd, store.Spec{}, func(tx store.Tx) error {
				return tx.Access().ListReviews(limit, func(c *access.Campaign, p store.ReviewProgress) error {
					return w.Row(c.Name, c.State, c.Due, p.Items, p.Kept, p.Revoked, p.Undecided, c.StartedBy, c.StartedAt)
				})
			})
			if err != nil {
				return err
			}
			return w.Close()
		},
	}
	cmdutil.AddLimitFlag(cmd, &limit, "campaigns")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// itemColumns is the sheet a reviewer fills in: decision and reason last.
// A table fitted to the terminal shows who reviews what and the decision.
var itemColumns = output.WideOnly(output.Whole(output.Cols("campaign", "item", "reviewer", "username", "name", "department", "resource", "role",
	"classification", "until", "flags", "decision", "reason"), "campaign", "reviewer", "username", "resource"),
	"campaign", "name", "department", "classification", "until", "reason")

func itemRow(it *access.Item) []any {
	return []any{it.Campaign, it.Item, it.Reviewer, it.Username, it.Name, it.Department, it.Resource, it.Role,
		it.Classification, it.Until, it.Flags, it.Decision, it.Reason}
}

// listItems is show and export: the items of a campaign, filtered.
func listItems(f *cmdutil.Factory, cmd *cobra.Command, out *cmdutil.Output, name string, filter store.ItemFilter, extra bool) error {
	format := out.Format()
	cols := itemColumns
	if extra {
		cols = append(cols[:len(cols):len(cols)], output.WideOnly(output.Cols("decided_by", "decided_at", "imported_by", "overrides"),
			"decided_by", "decided_at", "imported_by", "overrides")...)
	}
	// The sheet's columns are all export reads.
	filter.Sheet = !extra
	w := output.NewList(f.IO, format, cols)
	err := cmdutil.Run(f, cmd, reviewSpec(name, false), func(tx store.Tx) error {
		if _, err := tx.Access().GetReview(name); err != nil {
			return err
		}
		return tx.Access().ReviewItems(name, filter, func(it *access.Item) error {
			row := itemRow(it)
			if extra {
				row = append(row, it.DecidedBy, it.DecidedAt, it.ImportedBy, it.Overrides)
			}
			return w.Row(row...)
		})
	})
	if err != nil {
		return err
	}
	return w.Close()
}

func newCmdReviewShow(f *cmdutil.Factory) *cobra.Command {
	var filter store.ItemFilter
	var out *cmdutil.Output
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
			return listItems(f, cmd, out, args[0], filter, true)
		},
	}
	cmd.Flags().BoolVar(&filter.Pending, "pending", false, "only undecided items")
	cmd.Flags().StringVar(&filter.Reviewer, "reviewer", "", "only this reviewer's items")
	cmdutil.EnumFlag(cmd.Flags(), &filter.Flag, "flag", "", "", append([]string{""}, access.Flags...), "only items with this flag")
	cmd.Flags().BoolVar(&filter.Unassigned, "unassigned", false, "only items without a reviewer (none, by construction)")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdReviewExport(f *cmdutil.Factory) *cobra.Command {
	var filter store.ItemFilter
	var out *cmdutil.Output
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
			return listItems(f, cmd, out, args[0], filter, false)
		},
	}
	cmd.Flags().StringVar(&filter.Reviewer, "reviewer", "", "only this reviewer's items")
	cmd.Flags().BoolVar(&filter.Pending, "pending", false, "only undecided items")
	out = cmdutil.AddOutputFlag(f, cmd, output.CSV, output.JSON, output.Table)
	return cmdutil.MarkStore(cmd)
}

func newCmdReviewDecide(f *cmdutil.Factory) *cobra.Command {
	var keep, revoke, override bool
	var reason string
	var out *cmdutil.Output
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
			name := args[0]
			item, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil || item < 1 {
				return errs.Invalidf("ITEM %q is not an item number", args[1])
			}
			if keep == revoke {
				return errs.Invalidf("give exactly one of --keep and --revoke")
			}
			if err := account.Text("--reason", strings.TrimSpace(reason), true); err != nil {
				return err
			}
			decision := access.Keep
			if revoke {
				decision = access.Revoke
			}
			var res store.DecideResult
			err = cmdutil.Run(f, cmd, reviewSpec(name, true), func(tx store.Tx) (err error) {
				res, err = tx.Access().DecideReview(name, []store.Decision{{Item: item, Decision: decision, Reason: strings.TrimSpace(reason), Override: override}}, false, false)
				return err
			})
			if err != nil {
				return err
			}
			overrides := res.Overrides[item]
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("campaign", "item", "decision", "changed", "overrides"),
					name, item, decision, res.Changed > 0, overrides)
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
		},
	}
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the grant")
	cmd.Flags().BoolVar(&revoke, "revoke", false, "revoke the grant when the campaign closes")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	cmd.Flags().BoolVar(&override, "override", false, "replace a decision someone else recorded (admins only; recorded as an override)")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdReviewImport(f *cmdutil.Factory) *cobra.Command {
	var dryRun bool
	var out *cmdutil.Output
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
			name := args[0]
			ds, err := readSheet(args[1], f.IO.In)
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
					plan, err = tx.Access().CheckDecisions(name, ds, true)
					return err
				}
				run = func(tx store.Tx) (err error) {
					res, err = tx.Access().ApplyDecisions(plan)
					return err
				}
			}
			err = cmdutil.Run(f, cmd, spec, run)
			changed := res.Changed
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("campaign", "rows", "changed", "dry_run"), name, len(ds), changed, dryRun)
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
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the sheet, print what it would decide and change nothing")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
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

func newCmdReviewClose(f *cmdutil.Factory) *cobra.Command {
	var undecided string
	var dryRun bool
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "close NAME [--undecided keep|revoke] [--dry-run]",
		Short: "Close a campaign and apply its revocations",
		Long: `Revoke, in one transaction, every grant whose item was decided revoke (and
the undecided ones with --undecided revoke), with the review and the
reviewer's reason as the revocation reason, then close the campaign and
print the summary. With undecided items and no --undecided, closing is
refused (exit 5). --dry-run prints the summary and changes nothing; its
audit entry shows as "dry run" in audit log. The real close records each
revocation in the history of its account and grant (account:U, grant:ID),
so audit log --object and account show list it.`,
		Example: `  $ custos access review close 2026-Q4 --dry-run
  $ custos access review close 2026-Q4 --undecided keep`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			var s store.ReviewSummary
			err := cmdutil.Run(f, cmd, reviewSpec(name, !dryRun), func(tx store.Tx) (err error) {
				s, err = tx.Access().CloseReview(name, undecided, dryRun)
				return err
			})
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("campaign", "kept", "revoked", "undecided", "already_revoked", "dry_run"),
					name, s.Kept, s.Revoked, s.Undecided, s.AlreadyGone, dryRun)
			}
			verb := "Closed"
			if dryRun {
				f.DryRunNoted()
				verb = "Dry run, nothing changed:"
			}
			_, err = fmt.Fprintf(f.IO.Out, "%s %s: %d kept, %d revoked (%d already revoked meanwhile), %d undecided.\n",
				verb, output.Sanitize(name), s.Kept, s.Revoked, s.AlreadyGone, s.Undecided)
			return err
		},
	}
	cmdutil.EnumFlag(cmd.Flags(), &undecided, "undecided", "", "", []string{"", access.Keep, access.Revoke}, "what to do with undecided items")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print the summary and change nothing")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}
