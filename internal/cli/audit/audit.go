// Package audit implements `custos audit`: reading, verifying, checkpointing
// and exporting the audit log.
package audit

import (
	"encoding/json"

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

// EntryResult is every field of an entry, as exported. Args and Objects
// are the entry's stored JSON arrays: passed through as JSON in JSON
// output, their stored text in CSV and tables.
type EntryResult struct {
	Seq          int64           `json:"seq"`
	Time         string          `json:"time"`
	RealOperator string          `json:"real_operator"`
	Operator     string          `json:"operator"`
	Host         string          `json:"host"`
	PID          int64           `json:"pid"`
	Command      string          `json:"command"`
	Args         json.RawMessage `json:"args"`
	Outcome      string          `json:"outcome"`
	ExitCode     int64           `json:"exit_code"`
	Error        string          `json:"error"`
	Objects      json.RawMessage `json:"objects"`
	PrevHash     string          `json:"prev_hash" out:"hash"`
	Hash         string          `json:"hash" out:"hash"`
}

func entryResult(e *audit.Entry, format output.Format) EntryResult {
	args, objects := json.RawMessage(e.Args), json.RawMessage(e.Objects)
	if format.IsJSON() {
		args, objects = jsonRaw(e.Args), jsonRaw(e.Objects)
	}
	return EntryResult{e.Seq, e.At, e.RealOperator, e.Operator, e.Host, e.PID, e.Command,
		args, e.Outcome, e.ExitCode, e.Error, objects, e.PrevHash, e.Hash}
}
