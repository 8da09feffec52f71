// Package access implements `custos access`: resources, grants and the
// periodic access review.
package access

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/store"
)

// NewCmdAccess returns the `access` command group.
func NewCmdAccess(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "access <command>",
		Short: "Grant and revoke access, and run access reviews",
		Long: `Access follows job duties and least privilege. A resource has a
classification (public, internal, confidential, restricted), an owner who
reviews its grants, and the roles it grants. A grant is refused when the
account is not active, the role does not exist, the account's clearance is
below the resource's classification, or it would break a separation-of-
duties pair of the policy key sod. A frozen account's grants are not in
force; revoking an account revokes them all.

Access reviews (certification campaigns) snapshot the grants into items for
their reviewers; see custos access review --help.`,
	}
	cmdutil.Group(cmd)
	res := &cobra.Command{Use: "resource <command>", Short: "Register, list, change and retire resources",
		Long: `A resource is something access is granted to: an application, a share, a
database. It has a classification (public, internal, confidential,
restricted) that an account's clearance must reach, an owner (an operator,
who reviews its grants), and the roles it grants.`}
	cmdutil.Group(res)
	res.AddCommand(newCmdResourceAdd(f, nil), newCmdResourceList(f, nil), newCmdResourceUpdate(f, nil), newCmdResourceRemove(f, nil))
	cmd.AddCommand(res, newCmdGrant(f, nil), newCmdRequest(f, nil), newCmdRevoke(f, nil), newCmdList(f, nil), newCmdReview(f))
	return cmd
}

// ResourceAddOptions are the inputs of `access resource add`.
type ResourceAddOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	// Resource is what the name and flags define, checked in RunE.
	Resource access.Resource
	// The flags as given.
	Classification, Owner, Roles, Privileged string
}

func newCmdResourceAdd(f *cmdutil.Factory, runF func(*ResourceAddOptions) error) *cobra.Command {
	opts := &ResourceAddOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "add NAME --classification C --owner OPERATOR --roles read,write,admin [--privileged admin]",
		Short: "Register a resource",
		Long: `Register a resource with its classification, its owner (an operator, who
reviews its grants) and its roles. --privileged roles are flagged in every
access review. The same definition again changes nothing; a different one
for an existing name is a conflict (exit 5).`,
		Example: `  $ custos access resource add payroll --classification confidential --owner olga \
      --roles view,approve,pay,admin --privileged admin`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			r := &opts.Resource
			*r = access.Resource{Name: args[0], Classification: account.Level(opts.Classification), Owner: opts.Owner}
			var err error
			if r.Roles, err = access.ParseNameList("--roles", opts.Roles); err != nil {
				return err
			}
			if r.Privileged, err = access.ParseNameList("--privileged", opts.Privileged); err != nil {
				return err
			}
			if err := access.ValidateResource(r); err != nil {
				return err
			}
			if err := operator.ValidateName(opts.Owner); err != nil {
				return errs.Invalidf("--owner: %v", err)
			}
			if runF != nil {
				return runF(opts)
			}
			return resourceAddRun(opts)
		},
	}
	cmdutil.EnumFlag(cmd.Flags(), &opts.Classification, "classification", "", "", append([]string{""}, account.Levels...), "classification (required)")
	cmd.Flags().StringVar(&opts.Owner, "owner", "", "the operator who owns and reviews it (required)")
	cmd.Flags().StringVar(&opts.Roles, "roles", "", "the roles it grants, comma-separated (required)")
	cmd.Flags().StringVar(&opts.Privileged, "privileged", "", "roles flagged as privileged in reviews")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ResourceResult is what `access resource add` reports.
type ResourceResult struct {
	Name           string   `json:"name"`
	Classification string   `json:"classification"`
	Owner          string   `json:"owner"`
	Roles          []string `json:"roles"`
	Privileged     []string `json:"privileged"`
	Changed        bool     `json:"changed"`
}

func resourceAddRun(opts *ResourceAddOptions) error {
	f, r := opts.Factory, &opts.Resource
	var res store.AddResult
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Write: true, Targets: []string{"resource:" + r.Name}}, func(tx store.Tx) (err error) {
		res, err = tx.Access().AddResource(r)
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, ResourceResult{r.Name, string(r.Classification), r.Owner, r.Roles, r.Privileged, res != store.Unchanged})
	}
	if res == store.Unchanged {
		_, err = fmt.Fprintf(f.IO.Out, "Resource %s is already registered so; nothing changed.\n", r.Name)
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "Added resource %s (%s, owner %s, roles %s).\n", r.Name, r.Classification, r.Owner, strings.Join(r.Roles, ","))
	return err
}

// ResourceListOptions are the inputs of `access resource list`.
type ResourceListOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	// Limit is the most resources listed; 0 lists all.
	Limit int
}

func newCmdResourceList(f *cmdutil.Factory, runF func(*ResourceListOptions) error) *cobra.Command {
	opts := &ResourceListOptions{Factory: f}
	cmd := &cobra.Command{
		Use: "list [--limit N]", Short: "List resources",
		Long:    "List the registered resources in name order; --limit N lists the first N only.",
		Example: `  $ custos access resource list -o json`,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if err := cmdutil.CheckLimit(cmd, opts.Limit); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return resourceListRun(opts)
		},
	}
	cmdutil.AddLimitFlag(cmd, &opts.Limit, "resources")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ResourceListResult is one resource in `access resource list`.
type ResourceListResult struct {
	Name           string    `json:"name" out:"whole"`
	Classification string    `json:"classification"`
	Owner          string    `json:"owner"`
	Roles          []string  `json:"roles"`
	Privileged     []string  `json:"privileged"`
	CreatedAt      time.Time `json:"created_at"`
}

func resourceListRun(opts *ResourceListOptions) error {
	f := opts.Factory
	w := output.NewResultList[ResourceListResult](f.IO, opts.Output.Format())
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		return tx.Access().ListResources(opts.Limit, func(r *access.Resource) error {
			return w.Write(&ResourceListResult{r.Name, string(r.Classification), r.Owner, r.Roles, r.Privileged, r.CreatedAt})
		})
	})
	if err != nil {
		return err
	}
	return w.Close()
}

// GrantOptions are the inputs of `access grant`, and of `access request`,
// which asks for the same grant.
type GrantOptions struct {
	Factory  *cmdutil.Factory
	Cmd      *cobra.Command
	Output   *cmdutil.Output
	Username string
	Resource string
	Role     string
	// Reason is trimmed of surrounding blanks.
	Reason string
	// Until is the grant's last day, YYYY-MM-DD, or "" for none.
	Until string
}

// check fills the arguments and checks the flags, before the run.
func (opts *GrantOptions) check(cmd *cobra.Command, args []string) error {
	opts.Cmd, opts.Username, opts.Resource = cmd, args[0], args[1]
	if opts.Role == "" {
		return errs.Invalidf("--role is required")
	}
	opts.Reason = strings.TrimSpace(opts.Reason)
	if err := account.Text("--reason", opts.Reason, true); err != nil {
		return err
	}
	if opts.Until != "" {
		d, err := account.ParseDate(opts.Until)
		if err != nil {
			return errs.Invalidf("--until: %v", err)
		}
		opts.Until = d
	}
	return nil
}

func (opts *GrantOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&opts.Role, "role", "", "the role (required)")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why the account needs it (required)")
	cmd.Flags().StringVar(&opts.Until, "until", "", "the grant's last day, YYYY-MM-DD")
	opts.Output = cmdutil.AddOutputFlag(opts.Factory, cmd)
}

func newCmdGrant(f *cmdutil.Factory, runF func(*GrantOptions) error) *cobra.Command {
	opts := &GrantOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "grant USERNAME RESOURCE --role R --reason TEXT [--until DATE]",
		Short: "Grant a role on a resource to an account",
		Long: `Grant a role on a resource to an active account. Refused: an account that
is not active (exit 5), a role the resource does not have (exit 2), a
clearance below the resource's classification (exit 4), a grant that would
break a separation-of-duties pair of the policy key sod (exit 4, naming the
grant it conflicts with). Granting what is already granted changes nothing,
unless --until gives it another last day: the grant is then extended (or
shortened), the clearance checked again, and the before and after recorded
(account show lists them under Changes). An end date in the past is exit 2.

Who may grant directly, without a request, is policy access.direct_grant
(default it,admin; none makes custos access request the only way); anyone
else is refused (exit 4) with the request to make instead.`,
		Example: `  $ custos access grant zoe crm --role read --reason "account manager, Sales"
  $ custos access grant li.wei build --role admin --reason "release duty" --until 2027-03-31
  $ custos access grant li.wei build --role admin --reason "release duty extended" --until 2027-06-30`,
		Args: cmdutil.ExactArgs("USERNAME", "RESOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.check(cmd, args); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return grantRun(opts)
		},
	}
	opts.addFlags(cmd)
	return cmdutil.MarkStore(cmd)
}

// GrantResult is what `access grant` reports.
type GrantResult struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Resource string `json:"resource"`
	Role     string `json:"role"`
	Until    string `json:"until"`
	Changed  bool   `json:"changed"`
	// ExtendedFrom is the last day an extended grant had before; empty
	// (null) for none, or when the grant was not extended.
	ExtendedFrom string `json:"extended_from"`
}

func grantRun(opts *GrantOptions) error {
	f := opts.Factory
	var res *store.GrantResult
	spec := store.Spec{Write: true, Targets: []string{"account:" + opts.Username, "resource:" + opts.Resource}}
	err := cmdutil.Run(f, opts.Cmd, spec, func(tx store.Tx) (err error) {
		if err := tx.Requests().CheckDirectGrant(); err != nil {
			return err
		}
		res, err = tx.Accounts().GrantOrExtend(opts.Username, opts.Resource, opts.Role, opts.Reason, opts.Until)
		return err
	})
	if err != nil {
		return err
	}
	g, changed := res.Grant, res.Changed
	if format := opts.Output.Format(); format != output.Table {
		var from string
		if res.Extended != nil {
			from = res.Extended.Before
		}
		return output.WriteResult(f.IO, format, GrantResult{g.ID, g.Username, g.Resource, g.Role, g.Until, changed, from})
	}
	if res.Extended != nil {
		was := res.Extended.Before
		if was == "" {
			was = "no end date"
		}
		_, err = fmt.Fprintf(f.IO.Out, "Changed the last day of grant %d (%s on %s for %s) from %s to %s.\n", g.ID, g.Role, g.Resource, g.Username, was, g.Until)
		return err
	}
	if !changed {
		_, err = fmt.Fprintf(f.IO.Out, "%s already holds %s on %s (grant %d); nothing changed.\n", g.Username, g.Role, g.Resource, g.ID)
		return err
	}
	_, err = fmt.Fprintf(f.IO.Out, "Granted %s on %s to %s (grant %d).\n", g.Role, g.Resource, g.Username, g.ID)
	return err
}

func newCmdRequest(f *cmdutil.Factory, runF func(*GrantOptions) error) *cobra.Command {
	opts := &GrantOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "request USERNAME RESOURCE --role R --reason TEXT [--until DATE]",
		Short: "Ask for a role on a resource for an account",
		Long: `Ask for a grant: the application-and-change form. Any operator may ask. The
request needs the stages of policy access.approval_stages (default
department,owner: a manager of the account's department, then the
resource's owner; admins may give any stage), given with custos request
approve by people other than the one who asked, one stage each. The last
approval applies the grant in the same transaction, with every check of
access grant made again at that moment.

Refused now: an unknown account or resource (exit 3), a role the resource
does not have (exit 2). The request expires after policy
request.expire_days (default 14).`,
		Example: `  $ custos access request zoe payroll --role pay --reason "takes over the monthly payroll"
  Requested REQ-2026-0007: pay on payroll for zoe; it needs department, owner.`,
		Args: cmdutil.ExactArgs("USERNAME", "RESOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.check(cmd, args); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return requestRun(opts)
		},
	}
	opts.addFlags(cmd)
	return cmdutil.MarkStore(cmd)
}

// RequestResult is what `access request` reports: the request made.
type RequestResult struct {
	ID     string   `json:"id"`
	Kind   string   `json:"kind"`
	State  string   `json:"state"`
	Stages []string `json:"stages"`
	SHA256 string   `json:"sha256"`
}

func requestRun(opts *GrantOptions) error {
	f := opts.Factory
	var q *request.Request
	spec := store.Spec{Write: true, Targets: []string{"account:" + opts.Username, "resource:" + opts.Resource}}
	err := cmdutil.Run(f, opts.Cmd, spec, func(tx store.Tx) (err error) {
		q, err = tx.Requests().RequestAccess(request.AccessChange{Username: opts.Username, Resource: opts.Resource, Role: opts.Role, Until: opts.Until, Reason: opts.Reason})
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, RequestResult{q.ID, q.Kind, string(q.State), q.Stages, q.SHA256})
	}
	_, err = fmt.Fprintf(f.IO.Out, "Requested %s: %s on %s for %s; it needs %s.\n", q.ID, output.Sanitize(opts.Role), output.Sanitize(opts.Resource),
		output.Sanitize(opts.Username), strings.Join(q.Stages, ", "))
	return err
}

// RevokeOptions are the inputs of `access revoke`.
type RevokeOptions struct {
	Factory  *cmdutil.Factory
	Cmd      *cobra.Command
	Output   *cmdutil.Output
	Username string
	Resource string
	// Role is the one role to revoke; "" revokes every role.
	Role string
	// Reason is trimmed of surrounding blanks.
	Reason string
}

func newCmdRevoke(f *cmdutil.Factory, runF func(*RevokeOptions) error) *cobra.Command {
	opts := &RevokeOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "revoke USERNAME RESOURCE [--role R] --reason TEXT",
		Short: "Revoke an account's access to a resource",
		Long: `Revoke an account's grants on a resource: every role, or only --role R.
When there is nothing to revoke, nothing changes (exit 0); an unknown
account or resource is exit 3.`,
		Example: `  $ custos access revoke zoe crm --reason "moved to Marketing"`,
		Args:    cmdutil.ExactArgs("USERNAME", "RESOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd, opts.Username, opts.Resource = cmd, args[0], args[1]
			opts.Reason = strings.TrimSpace(opts.Reason)
			if err := account.Text("--reason", opts.Reason, true); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return revokeRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Role, "role", "", "revoke only this role")
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why (required)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// RevokeResult is one grant `access revoke` revoked.
type RevokeResult struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Resource string `json:"resource"`
	Role     string `json:"role"`
	Revoked  bool   `json:"revoked"`
}

func revokeRun(opts *RevokeOptions) error {
	f := opts.Factory
	var revoked []*access.Grant
	spec := store.Spec{Write: true, Targets: []string{"account:" + opts.Username, "resource:" + opts.Resource}}
	err := cmdutil.Run(f, opts.Cmd, spec, func(tx store.Tx) (err error) {
		if _, err := tx.Accounts().GetAccount(opts.Username); err != nil {
			return err
		}
		if _, err := tx.Access().GetResource(opts.Resource); err != nil {
			return err
		}
		revoked, err = tx.Access().RevokeGrants(opts.Username, opts.Resource, opts.Role, opts.Reason)
		return err
	})
	if err != nil {
		return err
	}
	format := opts.Output.Format()
	if format != output.Table {
		w := output.NewResultList[RevokeResult](f.IO, format)
		for _, g := range revoked {
			if err := w.Write(&RevokeResult{g.ID, g.Username, g.Resource, g.Role, true}); err != nil {
				return err
			}
		}
		return w.Close()
	}
	if len(revoked) == 0 {
		_, err = fmt.Fprintf(f.IO.Out, "%s holds nothing on %s to revoke; nothing changed.\n", opts.Username, opts.Resource)
		return err
	}
	for _, g := range revoked {
		fmt.Fprintf(f.IO.Out, "Revoked %s on %s from %s (grant %d).\n", g.Role, g.Resource, g.Username, g.ID)
	}
	return nil
}

// ListOptions are the inputs of `access list`.
type ListOptions struct {
	Factory  *cmdutil.Factory
	Cmd      *cobra.Command
	Output   *cmdutil.Output
	Account  string
	Resource string
	// Expired lists only active grants past their last day.
	Expired bool
	// All includes revoked grants.
	All bool
	// Limit is the most grants listed; 0 lists all.
	Limit int
}

func newCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "list [--account U] [--resource R] [--expired] [--all] [--limit N]",
		Short: "List grants",
		Long: `List active grants by account. IN FORCE is false for the grants of an
account that is not active (frozen, say) and for expired grants. --expired
lists active grants past their last day; --all includes revoked grants, with
who revoked them and why. --limit N lists the first N only. The list
streams in every format, whatever the size; a table takes its column
widths from its first rows and cuts a longer role or reason in a later row
with "…" (never an ID, a username or a resource).`,
		Example: `  $ custos access list --resource payroll
  $ custos access list --expired -o csv
  $ custos access list --limit 50`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Cmd = cmd
			if err := cmdutil.CheckLimit(cmd, opts.Limit); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Account, "account", "", "only this account's grants")
	cmd.Flags().StringVar(&opts.Resource, "resource", "", "only grants on this resource")
	cmd.Flags().BoolVar(&opts.Expired, "expired", false, "only active grants past their last day")
	cmd.Flags().BoolVar(&opts.All, "all", false, "include revoked grants")
	cmdutil.AddLimitFlag(cmd, &opts.Limit, "grants")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// ListResult is one grant in `access list`.
type ListResult struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Resource string `json:"resource"`
	Role     string `json:"role"`
	Until    string `json:"until"`
	// InForce is false for an expired grant and for one whose account
	// is not active.
	InForce      bool      `json:"in_force"`
	AccountState string    `json:"account_state"`
	Reason       string    `json:"reason"`
	GrantedBy    string    `json:"granted_by"`
	GrantedAt    time.Time `json:"granted_at"`
	RevokedAt    time.Time `json:"revoked_at"`
	RevokedBy    string    `json:"revoked_by"`
	RevokeReason string    `json:"revoke_reason"`
	// Via is "direct", or the request that made the grant.
	Via string `json:"via"`
}

// listRow is a grant in a table that is not wide: who holds what and
// why, the reason last.
type listRow struct {
	ID        int64  `json:"id"`
	Username  string `json:"username" out:"whole"`
	Resource  string `json:"resource" out:"whole"`
	Role      string `json:"role"`
	Until     string `json:"until"`
	InForce   bool   `json:"in_force"`
	GrantedBy string `json:"granted_by" out:"wide"`
	Via       string `json:"via" out:"wide"`
	Reason    string `json:"reason" out:"wide"`
}

func listRun(opts *ListOptions) error {
	f := opts.Factory
	today := f.Now().Format(account.DateFormat)
	format := opts.Output.Format()
	var write func(g *access.Grant, state account.State, inForce bool) error
	var w interface{ Close() error }
	if format == output.Table && !opts.Output.Wide() {
		l := output.NewResultList[listRow](f.IO, format)
		write = func(g *access.Grant, _ account.State, inForce bool) error {
			return l.Write(&listRow{g.ID, g.Username, g.Resource, g.Role, g.Until, inForce, g.GrantedBy, g.Via(), g.Reason})
		}
		w = l
	} else {
		l := output.NewResultList[ListResult](f.IO, format)
		write = func(g *access.Grant, state account.State, inForce bool) error {
			return l.Write(&ListResult{g.ID, g.Username, g.Resource, g.Role, g.Until, inForce, string(state), g.Reason,
				g.GrantedBy, g.GrantedAt, g.RevokedAt, g.RevokedBy, g.RevokeReason, g.Via()})
		}
		w = l
	}
	filter := store.GrantFilter{Account: opts.Account, Resource: opts.Resource, Expired: opts.Expired, Today: today, All: opts.All, Limit: opts.Limit}
	err := cmdutil.Run(f, opts.Cmd, store.Spec{}, func(tx store.Tx) error {
		return tx.Access().ListGrants(filter, func(g *access.Grant, state account.State) error {
			return write(g, state, g.InForce(state, today))
		})
	})
	if err != nil {
		return err
	}
	return w.Close()
}
