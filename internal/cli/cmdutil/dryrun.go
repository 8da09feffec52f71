package cmdutil

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/output"
)

// DryRunNote is the line a dry run ends with on stderr, in every output
// format: stdout stays what the real command prints, so a script reads a
// dry run as it reads the real thing.
const DryRunNote = "custos: dry run: nothing changed"

// AddDryRunFlag gives cmd --dry-run, unless it has one of its own. The
// root adds it to every command that changes the store; Run then runs the
// command's operation as it would for real and rolls it back.
func AddDryRunFlag(cmd *cobra.Command) {
	if cmd.Flags().Lookup("dry-run") != nil {
		return
	}
	cmd.Flags().Bool("dry-run", false, "check everything and print what would change, changing nothing")
}

const annotationNoDryRun = "custos/no-dry-run"

// MarkNoDryRun marks a command that changes the store without --dry-run
// (init, which creates the store; the review commands that bring their
// own): Run refuses a write from any other command that lacks one.
func MarkNoDryRun(cmd *cobra.Command) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[annotationNoDryRun] = "true"
}

// checkDryRunnable is the guard that keeps --dry-run on every command
// that changes the store: a write from a command without it, and not
// marked as such, is an internal error, so that a new command or a
// command wrongly listed as read-only fails its first test.
func checkDryRunnable(cmd *cobra.Command) error {
	if cmd.Flags().Lookup("dry-run") != nil || cmd.Annotations[annotationNoDryRun] == "true" {
		return nil
	}
	return errs.New(errs.Internal, "%s changes the store but has no --dry-run", CommandName(cmd))
}

// IsDryRun reports whether cmd was asked for a dry run.
func IsDryRun(cmd *cobra.Command) bool {
	v, err := cmd.Flags().GetBool("dry-run")
	return err == nil && v
}

// dryRun is the running command's dry run: its output is marked when it
// succeeds (see FinishOutput).
type dryRun struct {
	// format is the command's output format; JSON and JSON Lines objects
	// get "dry_run": true.
	format output.Format
	// noted: the command said itself, on stderr, that nothing changed.
	noted bool
}

// StartDryRun marks the running command as a dry run. Run calls it for a
// command asked for one; a command that runs its dry run through a store
// service of its own (a batch, records import) calls it itself.
func (f *Factory) StartDryRun(cmd *cobra.Command) {
	if f.dry != nil {
		return
	}
	f.dry = &dryRun{format: f.FormatOf(cmd)}
	if f.dry.format == output.JSON || f.dry.format == output.JSONL {
		f.captureJSON()
	}
}

// DryRunNoted says that the command printed its own dry-run summary on
// stderr ("Dry run: 3 account(s) would be frozen; nothing changed."), so
// the generic note is not added.
func (f *Factory) DryRunNoted() {
	if f.dry != nil {
		f.dry.noted = true
	}
}

// captureJSON sends the command's stdout to a buffer until FinishOutput,
// which rewrites it (--json FIELDS, the dry-run mark) before it goes out.
func (f *Factory) captureJSON() {
	if f.json == nil {
		f.json = &jsonFields{}
	}
	f.json.capture(f)
}

// finishDryRun marks a dry run's output: "dry_run": true in every JSON
// object it wrote, and the note on stderr.
func (f *Factory) finishDryRun(doc []byte) ([]byte, error) {
	d := f.dry
	if d == nil {
		return doc, nil
	}
	if !d.noted {
		fmt.Fprintln(f.IO.ErrOut, DryRunNote)
	}
	if d.format != output.JSON && d.format != output.JSONL {
		return doc, nil
	}
	return markDryRun(doc)
}

// markDryRun adds "dry_run": true to every object of doc (one object, one
// array of objects, or JSON Lines) that does not say already, keeping the
// shape and the order of the fields.
func markDryRun(doc []byte) ([]byte, error) {
	mark := func(raw json.RawMessage) ([]byte, error) {
		var obj map[string]json.RawMessage
		c, err := compact(raw)
		if err != nil || json.Unmarshal(raw, &obj) != nil || obj == nil {
			return raw, nil // not an object: as it is
		}
		if _, ok := obj["dry_run"]; ok {
			return c, nil
		}
		c = c[:len(c)-1] // the closing brace
		if len(obj) > 0 {
			c = append(c, ',')
		}
		return append(c, `"dry_run":true}`...), nil
	}
	return eachObject(doc, "--dry-run", mark)
}

func compact(raw []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
