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

func newCmdResourceUpdate(f *cmdutil.Factory) *cobra.Command {
	var owner, class, roles, privileged, reason string
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "update NAME [--owner O] [--classification C] [--roles R,…] [--privileged R,…] --reason TEXT",
		Short: "Change a resource's owner, classification or roles",
		Long: `Change a resource, each field's before and after recorded with the reason.
--owner hands it to another operator (who then reviews its grants): the
way to adopt the resources of an operator who leaves. Raising
--classification applies at once and lists the grants whose holder's
clearance is now below it (they stay, flagged clearance-mismatch in the
next review, for the owner to revoke). Lowering it lets less-cleared
accounts in, so it files a request (custos request) for the stages owner
and it instead. --roles replaces the roles; a role still held by an active
grant cannot be removed.

Refused: no change or no --reason (exit 2), an unknown resource or owner
(exit 3), removing a role still granted (exit 5).`,
		Example: `  $ custos access resource update payroll --owner olga --reason "ana left Finance"
  $ custos access resource update crm --classification confidential --reason "holds contracts now"
  $ custos access resource update crm --roles read,write,admin,export --reason "export module"`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			var e access.ResourceEdit
			fl := cmd.Flags()
			if fl.Changed("owner") {
				if err := operator.ValidateName(owner); err != nil {
					return errs.Invalidf("--owner: %v", err)
				}
				e.Owner = &owner
			}
			if fl.Changed("classification") {
				e.Classification = &class
			}
			if fl.Changed("roles") {
				r, err := access.ParseNameList("--roles", roles)
				if err != nil {
					return err
				}
				e.Roles = r
			}
			if fl.Changed("privileged") {
				p, err := access.ParseNameList("--privileged", privileged)
				if err != nil {
					return err
				}
				e.Privileged = append([]string{}, p...)
			}
			if e.Owner == nil && e.Classification == nil && e.Roles == nil && e.Privileged == nil {
				return errs.Invalidf("nothing to update: give --owner, --classification, --roles or --privileged")
			}
			reason = strings.TrimSpace(reason)
			if err := account.Text("--reason", reason, true); err != nil {
				return err
			}
			var res *store.ResourceUpdate
			err := cmdutil.Run(f, cmd, store.Spec{Write: true, Targets: []string{"resource:" + name}}, func(tx store.Tx) (err error) {
				res, err = tx.Accounts().UpdateResource(name, e, reason)
				return err
			})
			if err != nil {
				return err
			}
			var reqID any
			if res.Request != nil {
				reqID = res.Request.ID
			}
			flagged := make([]string, len(res.Flagged))
			for i, g := range res.Flagged {
				flagged[i] = fmt.Sprintf("%s:%s:%d", g.Username, g.Role, g.ID)
			}
			if format := out.Format(); format != output.Table {
				list := make([]output.Object, len(res.Changes))
				for i, c := range res.Changes {
					list[i] = output.Pairs("field", c.Field, "before", c.Before, "after", c.After)
				}
				b, err := output.MarshalJSON(output.Pairs("name", name, "changed", len(res.Changes) > 0, "changes", list,
					"above_clearance", flagged, "request", reqID))
				if err != nil {
					return err
				}
				_, err = fmt.Fprintf(f.IO.Out, "%s\n", b)
				return err
			}
			for _, c := range res.Changes {
				fmt.Fprintf(f.IO.Out, "%s: %s → %s\n", c.Field, output.Sanitize(c.Before), output.Sanitize(c.After))
			}
			for _, g := range res.Flagged {
				fmt.Fprintf(f.IO.Out, "Above clearance: grant %d, %s on %s for %s; review or revoke it.\n", g.ID, g.Role, g.Resource, output.Sanitize(g.Username))
			}
			if q := res.Request; q != nil {
				fmt.Fprintf(f.IO.Out, "Requested %s: %s; it needs %s.\n", q.ID, request.Describe(q.Kind, q.Payload), strings.Join(q.Stages, ", "))
			}
			if len(res.Changes) == 0 && res.Request == nil {
				fmt.Fprintf(f.IO.Out, "Resource %s is already so; nothing changed.\n", name)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&owner, "owner", "", "the operator who owns and reviews it")
	cmdutil.EnumFlag(fl, &class, "classification", "", "", append([]string{""}, account.Levels...), "its classification")
	fl.StringVar(&roles, "roles", "", "the roles it grants, comma-separated (replaces them)")
	fl.StringVar(&privileged, "privileged", "", "the roles flagged as privileged (replaces them)")
	fl.StringVar(&reason, "reason", "", "why it changes (required)")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

func newCmdResourceRemove(f *cmdutil.Factory) *cobra.Command {
	var reason string
	var revokeGrants bool
	var out *cmdutil.Output
	cmd := &cobra.Command{
		Use:   "remove NAME --reason TEXT [--revoke-grants]",
		Short: "Retire a resource",
		Long: `Retire a resource: it is no longer listed or granted, and its history (grants,
reviews, changes) stays. Refused while it has active grants (exit 5),
unless --revoke-grants revokes them in the same transaction, each with the
reason. The name may be registered again later with access resource add.`,
		Example: `  $ custos access resource remove fax --reason "fax server switched off"
  $ custos access resource remove oldcrm --revoke-grants --reason "replaced by crm"`,
		Args: cmdutil.ExactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			reason = strings.TrimSpace(reason)
			if err := account.Text("--reason", reason, true); err != nil {
				return err
			}
			var revoked []*access.Grant
			err := cmdutil.Run(f, cmd, store.Spec{Write: true, Targets: []string{"resource:" + name}}, func(tx store.Tx) (err error) {
				revoked, err = tx.Accounts().RemoveResource(name, reason, revokeGrants)
				return err
			})
			if err != nil {
				return err
			}
			if format := out.Format(); format != output.Table {
				return output.WriteObject(f.IO, format, output.Cols("name", "removed", "grants_revoked"), name, true, len(revoked))
			}
			_, err = fmt.Fprintf(f.IO.Out, "Removed resource %s; %d grant(s) revoked with it.\n", name, len(revoked))
			return err
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why it is retired (required)")
	cmd.Flags().BoolVar(&revokeGrants, "revoke-grants", false, "revoke its active grants with it")
	out = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}
