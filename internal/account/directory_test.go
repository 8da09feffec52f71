package account

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/custos-dev/custos/internal/testutil/golden"
)

// The exports of the end-to-end test, read here too: each format must
// detect as itself, parse to the same seven users, and give every kind
// of drift against the same accounts.
func TestDirectoryFormats(t *testing.T) {
	ar, err := txtar.ParseFile(filepath.Join("..", "..", "testdata", "script", "people_reconcile_directory.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range ar.Files {
		files[f.Name] = f.Data
	}
	activated := time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC)
	accounts := []DirAccount{
		{Username: "zoe", State: Active, MustChangePassword: true, UpdatedAt: activated},
		{Username: "kai", State: Frozen, MustChangePassword: true, UpdatedAt: activated},
		{Username: "sam", State: Revoked, UpdatedAt: activated},
		{Username: "lea", State: Active, MustChangePassword: true, UpdatedAt: activated},
		{Username: "tom", State: Active, MustChangePassword: true, UpdatedAt: activated},
		{Username: "ivy", State: Active, MustChangePassword: true, UpdatedAt: activated},
	}
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	var first []string
	for _, c := range []struct{ file, format string }{{"plain.csv", FormatPlain}, {"gam.csv", FormatGAM}, {"ipa.txt", FormatIPA}, {"export.ldif", FormatLDIF}} {
		format, err := DetectFormat(files[c.file])
		if err != nil || format != c.format {
			t.Errorf("%s detected as %q (%v), want %s", c.file, format, err, c.format)
		}
		users, err := ParseDirectory(bytes.NewReader(files[c.file]), c.format)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		for _, u := range users {
			fmt.Fprintf(w, "%s\t%s\tenabled=%t\tlogin=%s\tpassword=%s\n", c.format, u.Username, u.Enabled,
				u.LastLogin.Format(time.RFC3339), u.PasswordChanged.Format(time.RFC3339))
		}
		drifts := ReconcileDirectory(users, slices.Clone(accounts), 90, at)
		for _, d := range drifts {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", c.format, d.Kind, d.Username, d.Directory, d.Custos)
		}
		kinds := map[string]bool{}
		for _, d := range drifts {
			kinds[d.Kind] = true
		}
		for _, k := range []string{DriftEnabled, DriftDisabled, DriftPassword, DriftInactive, DriftMissing} {
			if !kinds[k] {
				t.Errorf("%s: no %s drift", c.file, k)
			}
		}
		// GAM tells no password change time (it is the last login), so
		// the drifts are compared by kind and user.
		var got []string
		for _, d := range drifts {
			got = append(got, d.Kind+" "+d.Username)
		}
		if first == nil {
			first = got
		} else if !slices.Equal(first, got) {
			t.Errorf("%s gives %v, plain.csv %v", c.file, got, first)
		}
	}
	if _, err := DetectFormat([]byte("hello\n")); err == nil {
		t.Error("a file of no known format was detected")
	}
	w.Flush()
	golden.Check(t, "directory.golden", b.Bytes())
}
