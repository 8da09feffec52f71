// Package access implements `custos access`: resources, grants and the
// periodic access review.
package access

import (
	"fmt"
	"strings"

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
	res.AddCommand(newCmdResourceAdd(f), newCmdResourceList(f), newCmdResourceUpdate(f), newCmdResourceRemove(f))
	cmd.AddCommand(res, newCmdGrant(f), newCmdRequest(f), newCmdRevoke(f), newCmdList(f), newCmdReview(f))
	return cmd
}

func newCmdResourceAdd(f *cmdutil.Factory) *cobra.Command {
	var class, owner, roles, privileged string
	var out *cmdutil.Output
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
			r := &access.Resource{Name: args[0], Classification: account.Level(class), Owner: owner}
			var err error
			if r.Roles, err = access.ParseNameList("--roles", roles); err != nil {
				return err
			}
			if r.Privileged, err = access.ParseNameList("--privileged", privileged); err != nil {
				return err
			}
			if err := access.ValidateResource(r); err != nil {
				return err
			}
			if err := operator.ValidateName(owner); err != nil {
				return errs.Invalidf("--owner: %v", err)
			}
			var res store.AddResult
			err = cmdutil.Run(f, cmd, store.Spec{Write: true, Targets: []string{"resource:" + r.Name}}, func(tx store.Tx) (err error) {
				res, err = tx.Access().AddResource(r)
				return err
			})
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("name", "classification", "owner", "roles", "privileged", "changed"),
					r.Name, string(r.Classification), r.Owner, r.Roles, r.Privileged, res != store.Unchanged)
			}
			if res == store.Unchanged {
				_, err = fmt.Fprintf(f.IO.Out, "Resource %s is already registered so; nothing changed.\n", r.Name)
				return err
			}
			_, err = fmt.Fprintf(f.IO.Out, "Added resource %s (%s, owner %s, roles %s).\n", r.Name, r.Classification, r.Owner, strings.Join(r.Roles, ","))
			return err
		},
	}
	cmdutil.EnumFlag(cmd.Flags(), &class, "classification", "", "", append([]string{""}, account.Levels...), "classification (required)")
	cmd.Flags().StringVar(&owner, "owner", "", "the operator who owns and reviews it (required)")
	cmd.Flags().StringVar(&roles, "roles", "", "the roles it grants, comma-separated (required)")
	cmd.Flags().StringVar(&privileged, "privileged", "", "roles flagged as privileged in reviews")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdResourceList(f *cmdutil.Factory) *cobra.Command {
	var out *cmdutil.Output
	var limit int
	cmd := &cobra.Command{
		Use: "list [--limit N]", Short: "List resources",
		Long:    "List the registered resources in name order; --limit N lists the first N only.",
		Example: `  $ custos access resource list -o json`,
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckLimit(cmd, limit); err != nil {
				return err
			}
			cols := output.Whole(output.Cols("name", "classification", "owner", "roles", "privileged", "created_at"), "name")
			w := output.NewList(f.IO, out.Format(), cols)
			err := cmdutil.Run(f, cmd, store.Spec{}, func(tx store.Tx) error {
				return tx.Access().ListResources(limit, func(r *access.Resource) error {
					return w.Row(r.Name, string(r.Classification), r.Owner, r.Roles, r.Privileged, r.CreatedAt)
				})
			})
			if err != nil {
				return err
			}
			return w.Close()
		},
	}
	cmdutil.AddLimitFlag(cmd, &limit, "resources")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdGrant(f *cmdutil.Factory) *cobra.Command {
	var role, reason, until string
	var out *cmdutil.Output
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
			username, resource := args[0], args[1]
			if role == "" {
				return errs.Invalidf("--role is required")
			}
			if err := account.Text("--reason", strings.TrimSpace(reason), true); err != nil {
				return err
			}
			if until != "" {
				d, err := account.ParseDate(until)
				if err != nil {
					return errs.Invalidf("--until: %v", err)
				}
				until = d
			}
			var res *store.GrantResult
			spec := store.Spec{Write: true, Targets: []string{"account:" + username, "resource:" + resource}}
			err := cmdutil.Run(f, cmd, spec, func(tx store.Tx) (err error) {
				if err := tx.Requests().CheckDirectGrant(); err != nil {
					return err
				}
				res, err = tx.Accounts().GrantOrExtend(username, resource, role, strings.TrimSpace(reason), until)
				return err
			})
			if err != nil {
				return err
			}
			g, changed := res.Grant, res.Changed
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("id", "username", "resource", "role", "until", "changed", "extended_from"),
					g.ID, g.Username, g.Resource, g.Role, g.Until, changed, extendedFrom(res))
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
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "the role (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why the account needs it (required)")
	cmd.Flags().StringVar(&until, "until", "", "the grant's last day, YYYY-MM-DD")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdRequest(f *cmdutil.Factory) *cobra.Command {
	var role, reason, until string
	var out *cmdutil.Output
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
			username, resource := args[0], args[1]
			if role == "" {
				return errs.Invalidf("--role is required")
			}
			if err := account.Text("--reason", strings.TrimSpace(reason), true); err != nil {
				return err
			}
			if until != "" {
				d, err := account.ParseDate(until)
				if err != nil {
					return errs.Invalidf("--until: %v", err)
				}
				until = d
			}
			var q *request.Request
			spec := store.Spec{Write: true, Targets: []string{"account:" + username, "resource:" + resource}}
			err := cmdutil.Run(f, cmd, spec, func(tx store.Tx) (err error) {
				q, err = tx.Requests().RequestAccess(request.AccessChange{Username: username, Resource: resource, Role: role, Until: until, Reason: strings.TrimSpace(reason)})
				return err
			})
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("id", "kind", "state", "stages", "sha256"),
					q.ID, q.Kind, string(q.State), q.Stages, q.SHA256)
			}
			_, err = fmt.Fprintf(f.IO.Out, "Requested %s: %s on %s for %s; it needs %s.\n", q.ID, output.Sanitize(role), output.Sanitize(resource),
				output.Sanitize(username), strings.Join(q.Stages, ", "))
			return err
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "the role (required)")
	cmd.Flags().StringVar(&reason, "reason", "", "why the account needs it (required)")
	cmd.Flags().StringVar(&until, "until", "", "the grant's last day, YYYY-MM-DD")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdRevoke(f *cmdutil.Factory) *cobra.Command {
	var role, reason string
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "revoke USERNAME RESOURCE [--role R] --reason TEXT",
		Short: "Revoke an account's access to a resource",
		Long: `Revoke an account's grants on a resource: every role, or only --role R.
When there is nothing to revoke, nothing changes (exit 0); an unknown
account or resource is exit 3.`,
		Example: `  $ custos access revoke zoe crm --reason "moved to Marketing"`,
		Args:    cmdutil.ExactArgs("USERNAME", "RESOURCE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			username, resource := args[0], args[1]
			if err := account.Text("--reason", strings.TrimSpace(reason), true); err != nil {
				return err
			}
			var revoked []*access.Grant
			spec := store.Spec{Write: true, Targets: []string{"account:" + username, "resource:" + resource}}
			err := cmdutil.Run(f, cmd, spec, func(tx store.Tx) (err error) {
				if _, err := tx.Accounts().GetAccount(username); err != nil {
					return err
				}
				if _, err := tx.Access().GetResource(resource); err != nil {
					return err
				}
				revoked, err = tx.Access().RevokeGrants(username, resource, role, strings.TrimSpace(reason))
				return err
			})
			if err != nil {
				return err
			}
			format := out.Format()
			if format != output.Table {
				w := output.NewList(f.IO, format, output.Cols("id", "username", "resource", "role", "revoked"))
				for _, g := range revoked {
					w.Row(g.ID, g.Username, g.Resource, g.Role, true)
				}
				return w.Close()
			}
			if len(revoked) == 0 {
				_, err = fmt.Fprintf(f.IO.Out, "%s holds nothing on %s to revoke; nothing changed.\n", username, resource)
				return err
			}
			for _, g := range revoked {
				fmt.Fprintf(f.IO.Out, "Revoked %s on %s from %s (grant %d).\n", g.Role, g.Resource, g.Username, g.ID)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "revoke only this role")
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdList(f *cmdutil.Factory) *cobra.Command {
	var acct, resource string
	var expired, all bool
	var limit int
	var out *cmdutil.Output
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
			if err := cmdutil.CheckLimit(cmd, limit); err != nil {
				return err
			}
			today := f.Now().Format(account.DateFormat)
			format := out.Format()
			cols := output.Cols("id", "username", "resource", "role", "until", "in_force", "account_state", "reason",
				"granted_by", "granted_at", "revoked_at", "revoked_by", "revoke_reason", "via")
			short := format == output.Table && !out.Wide()
			if short {
				cols = output.WideOnly(output.Whole(output.Cols("id", "username", "resource", "role", "until", "in_force", "granted_by", "via", "reason"), "username", "resource"),
					"granted_by", "via", "reason")
			}
			w := output.NewList(f.IO, format, cols)
			filter := store.GrantFilter{Account: acct, Resource: resource, Expired: expired, Today: today, All: all, Limit: limit}
			err := cmdutil.Run(f, cmd, store.Spec{}, func(tx store.Tx) error {
				return tx.Access().ListGrants(filter, func(g *access.Grant, state account.State) error {
					inForce := g.InForce(state, today)
					if short {
						return w.Row(g.ID, g.Username, g.Resource, g.Role, g.Until, inForce, g.GrantedBy, g.Via(), g.Reason)
					}
					return w.Row(g.ID, g.Username, g.Resource, g.Role, g.Until, inForce, string(state), g.Reason,
						g.GrantedBy, g.GrantedAt, g.RevokedAt, g.RevokedBy, g.RevokeReason, g.Via())
				})
			})
			if err != nil {
				return err
			}
			return w.Close()
		},
	}
	cmd.Flags().StringVar(&acct, "account", "", "only this account's grants")
	cmd.Flags().StringVar(&resource, "resource", "", "only grants on this resource")
	cmd.Flags().BoolVar(&expired, "expired", false, "only active grants past their last day")
	cmd.Flags().BoolVar(&all, "all", false, "include revoked grants")
	cmdutil.AddLimitFlag(cmd, &limit, "grants")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// extendedFrom is the last day an extended grant had before ("" for none),
// or nil when the grant was not extended.
func extendedFrom(res *store.GrantResult) any {
	if res.Extended == nil {
		return nil
	}
	return res.Extended.Before
}
