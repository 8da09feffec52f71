// Package audit implements `custos audit`: reading, verifying, checkpointing
// and exporting the audit log.
package audit

import (
	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/audit"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/output"
)

// NewCmdAudit returns the `audit` command group.
func NewCmdAudit(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit <command>",
		Short: "Read, verify, checkpoint and export the audit log",
		Long: `Every custos invocation that touches the store is an entry in the audit log:
who (the OS user and the operator they acted as), when, on which host, the
command and its arguments (secrets never), the outcome, and the objects
touched. Each entry carries the SHA-256 of its contents and of the entry
before it, so any edit, deletion, insertion or reordering shows in
` + "`custos audit verify`" + `. Triggers refuse UPDATE and DELETE on the log.

Admins and auditors may use these commands.`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(newCmdLog(f, nil), newCmdVerify(f, nil), newCmdCheckpoint(f, nil), newCmdExport(f, nil),
		newCmdKeygen(f, nil), newCmdProve(f, nil), newCmdCheckProof(f, nil), newCmdWitness(f, nil))
	return cmd
}

// entryColumns are every field of an entry, as exported.
var entryColumns = output.Hashes(output.Cols("seq", "time", "real_operator", "operator", "host", "pid", "command",
	"args", "outcome", "exit_code", "error", "objects", "prev_hash", "hash"), "prev_hash", "hash")

// entryRow is an entry's values in entryColumns order. args and objects are
// JSON arrays in JSON output and their stored JSON text in CSV.
func entryRow(e *audit.Entry, format output.Format) []any {
	var args, objects any = e.Args, e.Objects
	if format == output.JSON || format == output.JSONL {
		args, objects = jsonRaw(e.Args), jsonRaw(e.Objects)
	}
	return []any{e.Seq, e.At, e.RealOperator, e.Operator, e.Host, e.PID, e.Command,
		args, e.Outcome, e.ExitCode, e.Error, objects, e.PrevHash, e.Hash}
}
