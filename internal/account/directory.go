package account

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/policy"
)

// DirUser is one user of the real directory, as an export shows it.
type DirUser struct {
	Username string
	Enabled  bool
	// LastLogin and PasswordChanged are zero when the export does not say.
	LastLogin       time.Time
	PasswordChanged time.Time
}

// The directory export formats.
const (
	FormatGAM   = "gam"   // GAM's `print users` CSV
	FormatIPA   = "ipa"   // FreeIPA's `ipa user-find --all` text
	FormatLDIF  = "ldif"  // an LDIF export (389/FreeIPA, OpenLDAP, Active Directory)
	FormatPlain = "plain" // CSV username,enabled,last_login,password_changed
)

// DirectoryFormats lists the formats, for --format.
var DirectoryFormats = []string{FormatGAM, FormatIPA, FormatLDIF, FormatPlain}

// DetectFormat names the format of an export from its first lines.
func DetectFormat(head []byte) (string, error) {
	s := strings.TrimPrefix(string(head), "\ufeff")
	first := ""
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			first = l
			break
		}
	}
	low := strings.ToLower(first)
	switch {
	case strings.HasPrefix(low, "dn:") || strings.HasPrefix(low, "version:"):
		return FormatLDIF, nil
	case strings.Contains(low, "primaryemail"):
		return FormatGAM, nil
	case strings.HasPrefix(low, "username,") || low == "username":
		return FormatPlain, nil
	case strings.Contains(low, "users matched") || strings.HasPrefix(low, "---") || strings.Contains(strings.ToLower(s), "user login:"):
		return FormatIPA, nil
	}
	return "", errs.Invalidf("cannot tell the export's format from its first line %q: give --format gam, ipa, ldif or plain", first)
}

// ParseDirectory reads an export in format.
func ParseDirectory(r io.Reader, format string) ([]DirUser, error) {
	switch format {
	case FormatGAM:
		return parseGAM(r)
	case FormatIPA:
		return parseIPA(r)
	case FormatLDIF:
		return parseLDIF(r)
	case FormatPlain:
		return parsePlain(r)
	}
	return nil, errs.Invalidf("unknown format %q: use gam, ipa, ldif or plain", format)
}

// parseTime reads the time forms exports use: RFC 3339 (GAM), a date,
// LDAP generalized time (20261120103000Z), or a Windows file time (AD's
// lastLogonTimestamp, pwdLastSet: 100 ns since 1601). "Never", "", 0 and
// GAM's 1970-01-01 are no time.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "never", "0", "none":
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, DateFormat, "20060102150405Z", "20060102150405.0Z", "20060102150405.000Z", "20060102150405Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() <= 1970 {
				return time.Time{}, nil
			}
			return t.UTC(), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		const epochDiff = 116444736000000000 // 1601 → 1970 in 100 ns
		if n > epochDiff {
			return time.Unix(0, (n-epochDiff)*100).UTC(), nil
		}
		return time.Time{}, nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time", s)
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "1", "enabled", "y":
		return true, nil
	case "false", "no", "0", "disabled", "n", "":
		return false, nil
	}
	return false, fmt.Errorf("%q is not true or false", s)
}

// readCSV reads a CSV export with a header; get returns a row's column
// by its lower-case name.
func readCSV(r io.Reader, name string, required []string, row func(line int, get func(string) string) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return errs.Invalidf("%s: no header row", name)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, c := range required {
		if _, ok := col[c]; !ok {
			return errs.Invalidf("%s: the header has no %s column", name, c)
		}
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errs.Invalidf("%s line %d: %v", name, line, err)
		}
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if err := row(line, get); err != nil {
			return err
		}
	}
}

// parsePlain reads username,enabled,last_login,password_changed.
func parsePlain(r io.Reader) ([]DirUser, error) {
	var out []DirUser
	err := readCSV(r, "the export", []string{"username", "enabled"}, func(line int, get func(string) string) error {
		u := DirUser{Username: get("username")}
		var err error
		if u.Enabled, err = parseBool(get("enabled")); err != nil {
			return errs.Invalidf("the export line %d: enabled: %v", line, err)
		}
		if u.LastLogin, err = parseTime(get("last_login")); err != nil {
			return errs.Invalidf("the export line %d: last_login: %v", line, err)
		}
		if u.PasswordChanged, err = parseTime(get("password_changed")); err != nil {
			return errs.Invalidf("the export line %d: password_changed: %v", line, err)
		}
		out = append(out, u)
		return nil
	})
	return out, err
}

// parseGAM reads GAM's `print users` CSV (e.g. `gam print users fields
// primaryemail,suspended,lastlogintime,changepasswordatnextlogin`): the
// username is the address's local part; a user is enabled unless
// suspended. GAM shows no password change time: a user who has logged in
// and no longer has to change the password at next login changed it, at
// the latest at that login.
func parseGAM(r io.Reader) ([]DirUser, error) {
	var out []DirUser
	err := readCSV(r, "the GAM export", []string{"primaryemail"}, func(line int, get func(string) string) error {
		addr := get("primaryemail")
		u := DirUser{Username: strings.ToLower(strings.SplitN(addr, "@", 2)[0])}
		suspended, err := parseBool(get("suspended"))
		if err != nil {
			return errs.Invalidf("the GAM export line %d: suspended: %v", line, err)
		}
		u.Enabled = !suspended
		if u.LastLogin, err = parseTime(get("lastlogintime")); err != nil {
			return errs.Invalidf("the GAM export line %d: lastLoginTime: %v", line, err)
		}
		if v := get("changepasswordatnextlogin"); v != "" {
			must, err := parseBool(v)
			if err != nil {
				return errs.Invalidf("the GAM export line %d: changePasswordAtNextLogin: %v", line, err)
			}
			if !must {
				u.PasswordChanged = u.LastLogin
			}
		}
		out = append(out, u)
		return nil
	})
	return out, err
}

// dirEntry collects one entry's attributes, lower-case names, for the
// IPA text and LDIF readers.
type dirEntry map[string][]string

func (e dirEntry) first(names ...string) string {
	for _, n := range names {
		if v := e[n]; len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// entryUser turns an IPA or LDIF entry into a user: uid (or AD's
// sAMAccountName); disabled by nsAccountLock/"Account disabled" TRUE, a
// pwdAccountLockedTime, or AD's userAccountControl bit 2; the last login
// from krbLastSuccessfulAuth, authTimestamp or lastLogonTimestamp; the
// password change from krbLastPwdChange, pwdChangedTime or pwdLastSet.
func entryUser(e dirEntry, where string) (DirUser, bool, error) {
	u := DirUser{Username: strings.ToLower(e.first("uid", "user login", "samaccountname")), Enabled: true}
	if u.Username == "" {
		return u, false, nil
	}
	if v := e.first("nsaccountlock", "account disabled"); v != "" {
		locked, err := parseBool(v)
		if err != nil {
			return u, false, errs.Invalidf("%s: %s: nsAccountLock: %v", where, u.Username, err)
		}
		u.Enabled = !locked
	}
	if e.first("pwdaccountlockedtime") != "" {
		u.Enabled = false
	}
	if v := e.first("useraccountcontrol"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return u, false, errs.Invalidf("%s: %s: userAccountControl %q is not a number", where, u.Username, v)
		}
		u.Enabled = n&2 == 0
	}
	var err error
	if u.LastLogin, err = parseTime(e.first("krblastsuccessfulauth", "authtimestamp", "lastlogontimestamp")); err != nil {
		return u, false, errs.Invalidf("%s: %s: last login: %v", where, u.Username, err)
	}
	if u.PasswordChanged, err = parseTime(e.first("krblastpwdchange", "pwdchangedtime", "pwdlastset")); err != nil {
		return u, false, errs.Invalidf("%s: %s: password change: %v", where, u.Username, err)
	}
	return u, true, nil
}

// parseIPA reads `ipa user-find --all` (and --raw) text: one block of
// "  Name: value" lines per user, blocks separated by blank lines.
func parseIPA(r io.Reader) ([]DirUser, error) {
	var out []DirUser
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	e := dirEntry{}
	n := 0
	flush := func() error {
		if len(e) > 0 {
			n++
			u, ok, err := entryUser(e, fmt.Sprintf("the ipa export, user %d", n))
			if err != nil {
				return err
			}
			if ok {
				out = append(out, u)
			}
		}
		e = dirEntry{}
		return nil
	}
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "---") {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue // "3 users matched", "Number of entries returned 3"
		}
		k = strings.ToLower(strings.TrimSpace(k))
		e[k] = append(e[k], strings.TrimSpace(v))
	}
	if err := sc.Err(); err != nil {
		return nil, errs.Invalidf("cannot read the ipa export: %v", err)
	}
	return out, flush()
}

// parseLDIF reads an LDIF export: entries separated by blank lines, long
// lines folded with a leading space, "attr:: base64" values.
func parseLDIF(r io.Reader) ([]DirUser, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, errs.Invalidf("cannot read the LDIF export: %v", err)
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.ReplaceAll(data, []byte("\n "), nil) // unfold
	var out []DirUser
	for i, block := range strings.Split(string(data), "\n\n") {
		e := dirEntry{}
		for _, line := range strings.Split(block, "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				return nil, errs.Invalidf("the LDIF export, entry %d: %q is not an attribute line", i+1, line)
			}
			if strings.HasPrefix(v, ":") {
				b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v[1:]))
				if err != nil {
					return nil, errs.Invalidf("the LDIF export, entry %d: %s: bad base64", i+1, k)
				}
				v = string(b)
			}
			k = strings.ToLower(strings.TrimSpace(k))
			e[k] = append(e[k], strings.TrimSpace(v))
		}
		if len(e) == 0 || e.first("dn") == "" {
			continue // version: line, comments
		}
		if oc := e["objectclass"]; len(oc) > 0 && !slices.ContainsFunc(oc, func(c string) bool {
			c = strings.ToLower(c)
			return c == "person" || c == "posixaccount" || c == "inetorgperson" || c == "user"
		}) {
			continue // groups, organisational units
		}
		u, ok, err := entryUser(e, fmt.Sprintf("the LDIF export, entry %d", i+1))
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, u)
		}
	}
	return out, nil
}

// The kinds of drift between the directory and custos.
const (
	// DriftEnabled: enabled in the directory, but frozen, revoked, not
	// yet active or unknown in custos. The dangerous one: exit 5.
	DriftEnabled = "enabled-not-live"
	// DriftDisabled: disabled in the directory, active in custos.
	DriftDisabled = "disabled-but-active"
	// DriftPassword: the password was changed after activation; custos
	// clears must_change_password.
	DriftPassword = "password-changed"
	// DriftInactive: no login for account.inactive_days; flagged
	// inactive-account in the next review.
	DriftInactive = "inactive"
	// DriftMissing: active in custos, absent from the directory.
	DriftMissing = "not-in-directory"
)

// DirAccount is what the directory is compared with: an account's
// username, state, whether it must still change its password, and when
// it was last activated or changed.
type DirAccount struct {
	Username           string
	State              State
	MustChangePassword bool
	UpdatedAt          time.Time
}

// Drift is one difference between the directory and custos.
type Drift struct {
	Kind      string `json:"kind"`
	Username  string `json:"username"`
	Directory string `json:"directory"`
	Custos    string `json:"custos"`
}

// Dangerous reports whether the drift is one cron must alert on.
func (d Drift) Dangerous() bool { return d.Kind == DriftEnabled }

// ReconcileDirectory compares the directory's users with the accounts
// (all of them, final ones included) at now; inactiveDays is
// account.inactive_days. The rules, per user, matched by username:
//   - enabled there and not active here (or unknown here): enabled-not-live;
//   - disabled there and active here: disabled-but-active;
//   - active here, must change the password, and the directory shows a
//     password change after the account's last activation or change
//     (UpdatedAt): password-changed;
//   - active here and enabled there, with a last login (or, with none,
//     an activation) older than inactiveDays: inactive;
//   - and every active account the directory does not list:
//     not-in-directory.
//
// The result is in username order, then kind.
func ReconcileDirectory(dir []DirUser, accounts []DirAccount, inactiveDays int, now time.Time) []Drift {
	byName := make(map[string]*DirAccount, len(accounts))
	for i := range accounts {
		byName[accounts[i].Username] = &accounts[i]
	}
	cutoff := now.AddDate(0, 0, -inactiveDays)
	seen := map[string]bool{}
	var out []Drift
	for _, u := range dir {
		if seen[u.Username] {
			continue
		}
		seen[u.Username] = true
		a := byName[u.Username]
		enabled := "disabled"
		if u.Enabled {
			enabled = "enabled"
		}
		switch {
		case a == nil:
			if u.Enabled {
				out = append(out, Drift{Kind: DriftEnabled, Username: u.Username, Directory: enabled, Custos: "unknown"})
			}
			continue
		case u.Enabled && a.State != Active:
			out = append(out, Drift{Kind: DriftEnabled, Username: u.Username, Directory: enabled, Custos: string(a.State)})
			continue
		case !u.Enabled && a.State == Active:
			out = append(out, Drift{Kind: DriftDisabled, Username: u.Username, Directory: enabled, Custos: string(a.State)})
			continue
		case a.State != Active:
			continue
		}
		if a.MustChangePassword && !u.PasswordChanged.IsZero() && u.PasswordChanged.After(a.UpdatedAt) {
			out = append(out, Drift{Kind: DriftPassword, Username: u.Username,
				Directory: "password changed " + u.PasswordChanged.Format(time.RFC3339), Custos: "must change password"})
		}
		last, what := u.LastLogin, "last login "+u.LastLogin.Format(DateFormat)
		if last.IsZero() {
			last, what = a.UpdatedAt, "no login since "+a.UpdatedAt.Format(DateFormat)
		}
		if last.Before(cutoff) {
			out = append(out, Drift{Kind: DriftInactive, Username: u.Username, Directory: what,
				Custos: fmt.Sprintf("active; more than %d days", inactiveDays)})
		}
	}
	for i := range accounts {
		if a := &accounts[i]; a.State == Active && !seen[a.Username] {
			out = append(out, Drift{Kind: DriftMissing, Username: a.Username, Directory: "absent", Custos: string(a.State)})
		}
	}
	order := map[string]int{DriftEnabled: 0, DriftDisabled: 1, DriftPassword: 2, DriftInactive: 3, DriftMissing: 4}
	slices.SortStableFunc(out, func(a, b Drift) int {
		if c := strings.Compare(a.Username, b.Username); c != 0 {
			return c
		}
		return order[a.Kind] - order[b.Kind]
	})
	return out
}

// KeyInactiveDays is how long an account may go without a login before a
// directory reconciliation flags it for the next review.
const KeyInactiveDays = "account.inactive_days"

func init() {
	policy.Register(policy.Key{Name: KeyInactiveDays, Default: "90",
		Doc:       "Days without a login after which account reconcile --directory flags an active account inactive-account in the next access review (1 to 3650; default 90).",
		Normalize: policy.Count("days", 1, 3650)})
}
