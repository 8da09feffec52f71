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

// ResourceUpdateOptions are the inputs of `access resource update`.
type ResourceUpdateOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	Name    string
	// Edit is what the flags change, built and checked in RunE.
	Edit access.ResourceEdit
	// Reason is trimmed of surrounding blanks.
	Reason string
	// The flags as given.
	Owner, Classification, Roles, Privileged string
}

func newCmdResourceUpdate(f *cmdutil.Factory, runF func(*ResourceUpdateOptions) error) *cobra.Command {
	opts := &ResourceUpdateOptions{Factory: f}
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
			opts.Cmd, opts.Name = cmd, args[0]
			e := &opts.Edit
			fl := cmd.Flags()
			if fl.Changed("owner") {
				if err := operator.ValidateName(opts.Owner); err != nil {
					return errs.Invalidf("--owner: %v", err)
				}
				e.Owner = &opts.Owner
			}
			if fl.Changed("classification") {
				e.Classification = &opts.Classification
			}
			if fl.Changed("roles") {
				r, err := access.ParseNameList("--roles", opts.Roles)
				if err != nil {
					return err
				}
				e.Roles = r
			}
			if fl.Changed("privileged") {
				p, err := access.ParseNameList("--privileged", opts.Privileged)
				if err != nil {
					return err
				}
				e.Privileged = append([]string{}, p...)
			}
			if e.Owner == nil && e.Classification == nil && e.Roles == nil && e.Privileged == nil {
				return errs.Invalidf("nothing to update: give --owner, --classification, --roles or --privileged")
			}
			opts.Reason = strings.TrimSpace(opts.Reason)
			if err := account.Text("--reason", opts.Reason, true); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return resourceUpdateRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Owner, "owner", "", "the operator who owns and reviews it")
	cmdutil.EnumFlag(fl, &opts.Classification, "classification", "", "", append([]string{""}, account.Levels...), "its classification")
	fl.StringVar(&opts.Roles, "roles", "", "the roles it grants, comma-separated (replaces them)")
	fl.StringVar(&opts.Privileged, "privileged", "", "the roles flagged as privileged (replaces them)")
	fl.StringVar(&opts.Reason, "reason", "", "why it changes (required)")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// UpdateResult is what `access resource update` reports.
type UpdateResult struct {
	Name    string `json:"name"`
	Changed bool   `json:"changed"`
	// Changes are ChangeResult objects, one per field changed.
	Changes []output.Object `json:"changes"`
	// AboveClearance are the grants whose holder's clearance is now below
	// the classification, each as USERNAME:ROLE:ID.
	AboveClearance []string `json:"above_clearance"`
	// Request is the request filed for a lower classification, or "".
	Request string `json:"request"`
}

// ChangeResult is one field a resource update changed.
type ChangeResult struct {
	Field  string `json:"field"`
	Before string `json:"before"`
	After  string `json:"after"`
}

func resourceUpdateRun(opts *ResourceUpdateOptions) error {
	f := opts.Factory
	var res *store.ResourceUpdate
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Write: true, Targets: []string{"resource:" + opts.Name}}, func(tx store.Tx) (err error) {
		res, err = tx.Accounts().UpdateResource(opts.Name, opts.Edit, opts.Reason)
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		r := UpdateResult{Name: opts.Name, Changed: len(res.Changes) > 0, Changes: make([]output.Object, len(res.Changes)),
			AboveClearance: make([]string, len(res.Flagged))}
		for i, c := range res.Changes {
			r.Changes[i] = output.ResultObject(ChangeResult{c.Field, c.Before, c.After})
		}
		for i, g := range res.Flagged {
			r.AboveClearance[i] = fmt.Sprintf("%s:%s:%d", g.Username, g.Role, g.ID)
		}
		if res.Request != nil {
			r.Request = res.Request.ID
		}
		// A CSV row cannot hold the list of changes: every format but a
		// table prints the JSON object, as it always has.
		return output.WriteResult(f.IO, output.JSON, r)
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
		fmt.Fprintf(f.IO.Out, "Resource %s is already so; nothing changed.\n", opts.Name)
	}
	return nil
}

// ResourceRemoveOptions are the inputs of `access resource remove`.
type ResourceRemoveOptions struct {
	Factory *cmdutil.Factory
	Cmd     *cobra.Command
	Output  *cmdutil.Output
	Name    string
	// Reason is trimmed of surrounding blanks.
	Reason string
	// RevokeGrants revokes the resource's active grants with it.
	RevokeGrants bool
}

func newCmdResourceRemove(f *cmdutil.Factory, runF func(*ResourceRemoveOptions) error) *cobra.Command {
	opts := &ResourceRemoveOptions{Factory: f}
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
			opts.Cmd, opts.Name = cmd, args[0]
			opts.Reason = strings.TrimSpace(opts.Reason)
			if err := account.Text("--reason", opts.Reason, true); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return resourceRemoveRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Reason, "reason", "", "why it is retired (required)")
	cmd.Flags().BoolVar(&opts.RevokeGrants, "revoke-grants", false, "revoke its active grants with it")
	opts.Output = cmdutil.AddOutputFlag(f, cmd)
	return cmdutil.MarkStore(cmd)
}

// RemoveResult is what `access resource remove` reports.
type RemoveResult struct {
	Name          string `json:"name"`
	Removed       bool   `json:"removed"`
	GrantsRevoked int    `json:"grants_revoked"`
}

func resourceRemoveRun(opts *ResourceRemoveOptions) error {
	f := opts.Factory
	var revoked []*access.Grant
	err := cmdutil.Run(f, opts.Cmd, store.Spec{Write: true, Targets: []string{"resource:" + opts.Name}}, func(tx store.Tx) (err error) {
		revoked, err = tx.Accounts().RemoveResource(opts.Name, opts.Reason, opts.RevokeGrants)
		return err
	})
	if err != nil {
		return err
	}
	if format := opts.Output.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, RemoveResult{opts.Name, true, len(revoked)})
	}
	_, err = fmt.Fprintf(f.IO.Out, "Removed resource %s; %d grant(s) revoked with it.\n", opts.Name, len(revoked))
	return err
}
