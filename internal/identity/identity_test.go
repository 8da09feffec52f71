package identity

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/errs"
)

func writePasswd(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const passwd = `# local users
root:x:0:0:root:/root:/bin/bash

+nisuser::::::
ana:x:1000:1000:Ana,,,:/home/ana:/bin/bash
broken line without fields
ivan:x:1001:1001::/home/ivan:/bin/sh
dup:x:1000:1000::/home/dup:/bin/sh
`

// getentFails is an NSS that knows nobody, as `getent` exits 2.
func getentFails(t *testing.T) func(context.Context, string) ([]byte, error) {
	return func(_ context.Context, uid string) ([]byte, error) {
		t.Helper()
		return nil, &exec.ExitError{}
	}
}

func TestResolveFromPasswd(t *testing.T) {
	r := Resolver{PasswdPath: writePasswd(t, passwd), Getent: getentFails(t)}
	for uid, want := range map[int]string{0: "root", 1000: "ana", 1001: "ivan"} {
		got, err := r.Resolve(context.Background(), uid)
		if err != nil || got != want {
			t.Errorf("uid %d: %q, %v; want %q (the first entry wins)", uid, got, err, want)
		}
	}
}

// A uid only the directory knows (LDAP, SSSD, FreeIPA) is asked of NSS
// through getent, and only a line for that very uid counts.
func TestResolveFallsBackToGetent(t *testing.T) {
	var asked []string
	r := Resolver{PasswdPath: writePasswd(t, passwd), Getent: func(_ context.Context, uid string) ([]byte, error) {
		asked = append(asked, uid)
		if uid == "4242" {
			return []byte("maria:*:4242:4242:Maria:/home/maria:/bin/bash\n"), nil
		}
		return []byte("impostor:*:1:1::/:/bin/sh\n"), nil
	}}
	got, err := r.Resolve(context.Background(), 4242)
	if err != nil || got != "maria" {
		t.Fatalf("uid 4242: %q, %v; want maria", got, err)
	}
	if strings.Join(asked, ",") != "4242" {
		t.Fatalf("asked getent for %v", asked)
	}
	if got, err := r.Resolve(context.Background(), 4343); err == nil {
		t.Fatalf("a getent line for another uid was taken: %q", got)
	}
	// A uid in the passwd file is never asked of NSS.
	asked = nil
	if _, err := r.Resolve(context.Background(), 1000); err != nil || len(asked) != 0 {
		t.Fatalf("uid 1000: %v; getent asked %v", err, asked)
	}
}

// An unresolvable uid is refused (denied, exit 4) with a message that names
// the uid and says how to get it registered, whatever $USER says.
func TestResolveRefusesAnUnknownUID(t *testing.T) {
	t.Setenv("USER", "root")
	t.Setenv("LOGNAME", "root")
	for name, r := range map[string]Resolver{
		"not in passwd, not in NSS": {PasswdPath: writePasswd(t, passwd), Getent: getentFails(t)},
		"no passwd file, no getent": {PasswdPath: filepath.Join(t.TempDir(), "missing"), Getent: func(context.Context, string) ([]byte, error) {
			return nil, exec.ErrNotFound
		}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := r.Resolve(context.Background(), 4242)
			if err == nil {
				t.Fatalf("resolved to %q", got)
			}
			if errs.CodeOf(err) != errs.Denied || errs.ExitCode(err) != 4 {
				t.Fatalf("code %v, exit %d: %v", errs.CodeOf(err), errs.ExitCode(err), err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "uid 4242") || strings.Contains(msg, "\n") {
				t.Fatalf("message %q: want one line naming uid 4242", msg)
			}
			if h := errs.HintOf(err); !strings.Contains(h, "4242") || !strings.Contains(h, "passwd") {
				t.Fatalf("hint %q does not say how to register uid 4242", h)
			}
			var unknown *UnknownUIDError
			if !errors.As(err, &unknown) || unknown.UID != 4242 {
				t.Fatalf("%v is not an UnknownUIDError for 4242", err)
			}
		})
	}
}

// The real getent is used by default; uid 0 is root on every Linux host.
func TestSystemResolverKnowsRoot(t *testing.T) {
	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Skip("no /etc/passwd on this system")
	}
	got, err := System().Resolve(context.Background(), 0)
	if err != nil || got != "root" {
		t.Fatalf("uid 0: %q, %v", got, err)
	}
}

// The system resolver never runs a getent found on $PATH: whoever runs
// custos sets $PATH, and a getent of their own would name anyone.
func TestSystemGetentIgnoresPATH(t *testing.T) {
	dir := t.TempDir()
	fake := "#!/bin/sh\necho 'root:x:4243:4243::/root:/bin/sh'\n"
	if err := os.WriteFile(filepath.Join(dir, "getent"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	out, _ := System().Getent(context.Background(), "4243")
	if strings.Contains(string(out), "root:x:4243") {
		t.Fatalf("the getent on $PATH answered: %q", out)
	}
}
