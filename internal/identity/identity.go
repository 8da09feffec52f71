// Package identity finds who is running custos: the login name of the
// process's real uid, from /etc/passwd and then NSS, never from $USER or
// $LOGNAME, which anyone can set.
//
// os/user cannot be used: in a CGO_ENABLED=0 build it reads only
// /etc/passwd, and for a uid it does not find there (every LDAP, SSSD or
// FreeIPA user) it falls back to $USER, so `env USER=root custos ...` would
// be recorded as root. Running getent asks NSS as the C library would,
// without cgo.
package identity

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/errs"
)

// PasswdPath is the local user database.
const PasswdPath = "/etc/passwd"

// getentTimeout bounds the NSS lookup: a directory server that does not
// answer must not hang every command.
const getentTimeout = 10 * time.Second

// Resolver maps a uid to its login name.
type Resolver struct {
	// PasswdPath is the passwd file read first.
	PasswdPath string
	// Getent runs `getent passwd UID` and returns its output; an error
	// means NSS does not know the uid (or could not be asked).
	Getent func(ctx context.Context, uid string) ([]byte, error)
}

// System is the resolver of a real process: /etc/passwd, then getent at
// its system path. Never the getent of $PATH: whoever runs custos sets
// $PATH as easily as $USER, and a getent of their own would name anyone.
func System() Resolver {
	return Resolver{PasswdPath: PasswdPath, Getent: runGetent}
}

// getentPaths are where systems install getent, in the order tried.
var getentPaths = []string{"/usr/bin/getent", "/bin/getent", "/usr/sbin/getent", "/sbin/getent"}

func runGetent(ctx context.Context, uid string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, getentTimeout)
	defer cancel()
	for _, path := range getentPaths {
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
			return exec.CommandContext(ctx, path, "passwd", uid).Output()
		}
	}
	return nil, fmt.Errorf("getent is not installed in %v", getentPaths)
}

// UnknownUIDError is the refusal of a uid that has no login name.
type UnknownUIDError struct {
	UID int
}

func (e *UnknownUIDError) Error() string {
	return fmt.Sprintf("uid %d has no user name", e.UID)
}

// Current resolves the real uid of this process.
func (r Resolver) Current(ctx context.Context) (string, error) {
	return r.Resolve(ctx, os.Getuid())
}

// Resolve returns the login name of uid: the first matching entry of the
// passwd file, else the entry NSS returns for it. An unknown uid is
// Denied (exit 4) and wraps an *UnknownUIDError.
func (r Resolver) Resolve(ctx context.Context, uid int) (string, error) {
	if f, err := os.Open(r.PasswdPath); err == nil {
		name, ok := lookup(f, uid)
		f.Close()
		if ok {
			return name, nil
		}
	}
	if r.Getent != nil {
		if out, err := r.Getent(ctx, strconv.Itoa(uid)); err == nil {
			// getent is given a number and may still answer for a user
			// named so; only a line for this very uid counts.
			if name, ok := lookup(bytes.NewReader(out), uid); ok {
				return name, nil
			}
		}
	}
	return "", errs.Wrap(errs.Denied, &UnknownUIDError{UID: uid},
		"uid %d has no user name in %s or NSS (getent passwd %d), so custos cannot tell who is running it", uid, r.PasswdPath, uid).
		WithHint("ask the system administrator to give uid %d a login name (an /etc/passwd entry or a directory account such as LDAP/SSSD); then an admin runs: custos operator add NAME --role ROLE", uid)
}

// lookup finds uid in passwd(5) lines: name:password:uid:gid:gecos:home:shell.
// Comments, blank lines, malformed lines and NIS compat entries (+ and -)
// are skipped; the first entry for the uid wins, as in the C library.
func lookup(r io.Reader, uid int) (string, bool) {
	want := strconv.Itoa(uid)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		fields := strings.Split(line, ":")
		if len(fields) < 7 || fields[0] == "" {
			continue
		}
		if fields[2] == want {
			return fields[0], true
		}
	}
	return "", false
}
