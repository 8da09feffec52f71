package root

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/custos-dev/custos/internal/operator"
	"github.com/custos-dev/custos/internal/policy"
)

// helpTopics are `custos help TOPIC` pages: commands without a Run.
func helpTopics() []*cobra.Command {
	return []*cobra.Command{
		{
			Use:   "exit-codes",
			Short: "The exit codes of every custos command",
			Long: `Every custos command exits with one of these codes; scripts may rely on them.

  0  ok
  1  internal error (a bug, or a store written by a newer custos)
  2  invalid input: flags, values, files, unknown commands
  3  not found: no store (run custos init), no such operator or object
  4  denied: role, --as without admin, separation of duties, clearance, hold
  5  conflict: the current state does not allow it, or a duplicate
  6  integrity failure: the audit chain or an archive does not verify
  7  store busy or unavailable: the write lock could not be had in time,
     the file cannot be opened, or it sits on a network file system,
     or a command that writes was given a read-only store
130  interrupted: Ctrl-C or SIGTERM, or the reader of the output went away
     (custos audit log | head); nothing is committed

Every refusal is written to the audit log with its outcome (invalid,
not_found, denied, conflict, integrity, busy, interrupted, error). One that
finds the store locked past the busy timeout waits in custos.db.spool beside
it until the next command that gets the lock appends it. Only a store that
cannot be reached at all (missing, read-only) records nothing.`,
		},
		{
			Use:   "roles",
			Short: "Which operator roles may run which command",
			Long:  rolesHelp(),
		},
		{
			Use:   "environment",
			Short: "Environment variables custos reads",
			Long: `CUSTOS_DB            the store path (like --db)
CUSTOS_OUTPUT        the default output format: table, json, jsonl or csv
CUSTOS_COLOR         auto, always or never
CUSTOS_BUSY_TIMEOUT  how long to wait for another process's write lock (10s)
CUSTOS_BOM           true begins CSV output with a UTF-8 byte-order mark for
                     Excel, as --bom does (false)
CUSTOS_AUDIT_KEY     the key that signs and checks audit checkpoints (HMAC-SHA256);
                     never stored, never logged
NO_COLOR             any value turns color off
XDG_DATA_HOME        the default store is $XDG_DATA_HOME/custos/custos.db
XDG_CONFIG_HOME      your config file is $XDG_CONFIG_HOME/custos/config.yaml

Precedence: flag, then environment, then --config FILE, then your config
file, then /etc/custos/config.yaml, then the default, merged key by key.
Config files hold client settings only (db, output, color, busy_timeout,
bom); custos config show --origin prints the effective ones and where each
came from. Organisation policy lives in the store (see custos help
policy-keys).`,
		},
		{
			Use:   "policy-keys",
			Short: "The organisation policy keys and their defaults",
			Long:  policyKeysHelp(),
		},
	}
}

// rolesHelp prints the role matrix, operator.Permissions, which is also
// what every command checks: the help cannot drift from the code.
func rolesHelp() string {
	var b strings.Builder
	b.WriteString(`Every command that touches the store checks the operator's roles against this
table before it runs; a refusal exits 4 and is recorded. Finer rules apply
inside some commands: a manager gives only the department approval stage,
and with a department acts on that department only; a reviewer decides
their own review items; nobody approves a request they made.

`)
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprint(w, "COMMAND")
	for _, r := range operator.Roles {
		fmt.Fprintf(w, "\t%s", strings.ToUpper(string(r)))
	}
	fmt.Fprintln(w)
	row := func(name string, p operator.Permission, listing bool) {
		fmt.Fprint(w, name)
		for _, r := range operator.Roles {
			mark := "-"
			if p.Allows(r, listing) {
				mark = "yes"
			}
			fmt.Fprintf(w, "\t%s", mark)
		}
		fmt.Fprintln(w)
	}
	for _, p := range operator.Permissions {
		row(p.Command, p, false)
		if p.ListRoles != nil {
			row(p.Command+" (listing)", p, true)
		}
	}
	w.Flush()
	b.WriteString(`
init is open to any OS user: on an empty store it registers that user as the
first admin, and otherwise changes nothing. "(listing)" is the form without
arguments (records hold --list, records retain without a CLASS). --as is
for admins only and needs the acted-as operator to hold the role.`)
	return b.String()
}

func policyKeysHelp() string {
	var b strings.Builder
	b.WriteString("Organisation policy lives in the store and changes only with `custos policy set`,\nwhich admins may run and which is audited.\n\n")
	for _, k := range policy.Keys() {
		def := k.Default
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(&b, "%s (default %s)\n    %s\n", k.Name, def, k.Doc)
	}
	return strings.TrimRight(b.String(), "\n")
}
