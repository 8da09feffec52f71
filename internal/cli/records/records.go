// Package records implements `custos records`: retention schedules, legal
// holds, the catalogue, and verified purges.
package records

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/request"
	"github.com/custos-dev/custos/internal/store"
)

// NewCmdRecords returns the `records` command group.
func NewCmdRecords(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "records <command>",
		Short: "Retention schedules, legal holds, the catalogue and purges",
		Long: `Records are catalogue entries for the organisation's records (call logs,
chat and mail archives, recordings, customer files): a class, a creation
time, an optional subject and location, size and SHA-256.

Each class may have a retention schedule (records retain); a class without
one is never purged. Legal holds (records hold) keep what they cover,
whatever its age. records purge backs up before it cleans up: it archives
what is due, verifies the archive, and only then deletes, in short batches.
A purge killed at any point can simply be run again.

IT and admins change records; every operator may list and show them.`,
	}
	cmdutil.Group(cmd)
	cmd.AddCommand(newCmdRetain(f, nil), newCmdHold(f, nil), newCmdRelease(f, nil), newCmdAdd(f, nil), newCmdImport(f, nil),
		newCmdList(f, nil), newCmdShow(f, nil), newCmdPurge(f, nil), newCmdRestore(f, nil), newCmdLookup(f))
	return cmd
}

func write(object string) store.Spec {
	return store.Spec{Write: true, Targets: []string{object}}
}

// RequestResult is a change that became a request for an officer.
type RequestResult struct {
	Request string   `json:"request"`
	Kind    string   `json:"kind"`
	State   string   `json:"state"`
	Stages  []string `json:"stages"`
	Change  string   `json:"change"`
}

// requested says that a change became a request.
func requested(f *cmdutil.Factory, out *cmdutil.Output, q *request.Request) error {
	if format := out.Format(); format != output.Table {
		return output.WriteResult(f.IO, format, RequestResult{q.ID, q.Kind, string(q.State), q.Stages, request.Describe(q.Kind, q.Payload)})
	}
	_, err := fmt.Fprintf(f.IO.Out, "Requested %s: %s; it needs %s (custos request approve %s).\n",
		q.ID, output.Sanitize(request.Describe(q.Kind, q.Payload)), strings.Join(q.Stages, ", "), q.ID)
	return err
}

// parseRecordIDs reads --record values: ids, repeated or comma-separated.
func parseRecordIDs(values []string) ([]int64, error) {
	var out []int64
	for _, s := range values {
		for _, p := range strings.Split(s, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
			if err != nil || id < 1 {
				return nil, errs.Invalidf("--record %q is not a record id", p)
			}
			out = append(out, id)
		}
	}
	return out, nil
}
