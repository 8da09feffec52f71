// The inbox (what awaits the invoking operator) and the due list (what is
// overdue or due soon across the organisation): reads over every domain,
// each item with the command that acts on it.

package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/incident"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/request"
)

// KeyCheckpointDays is how old the last audit checkpoint may be before
// custos due says one is overdue.
const KeyCheckpointDays = "audit.checkpoint_days"

func init() {
	policy.Register(policy.Key{Name: KeyCheckpointDays, Default: "7",
		Doc:       "Days after which custos due reports that no audit checkpoint was taken (1 to 365; default 7).",
		Normalize: policy.Count("days", 1, 365)})
}

// InboxItem is one thing the operator can act on.
type InboxItem struct {
	Kind    string
	ID      string
	What    string
	Command string
}

// Inbox lists what awaits the invoking operator: account stages they may
// give, requests they may approve, their undecided review items (one line
// per campaign), and the open incidents assigned to them.
func (t *txn) Inbox() ([]InboxItem, error) {
	var out []InboxItem
	pol, err := t.AccountPolicy()
	if err != nil {
		return nil, err
	}
	rule, err := t.PolicyValue(account.KeyApprovalProxy)
	if err != nil {
		return nil, err
	}
	var requested []*account.Account
	if err := t.ListAccounts(AccountFilter{State: string(account.Requested)}, func(a *account.Account) error {
		requested = append(requested, a)
		return nil
	}); err != nil {
		return nil, err
	}
	for _, a := range requested {
		given, err := t.Approvals(a.Username)
		if err != nil {
			return nil, err
		}
		for _, stage := range account.PendingStages(pol.Stages, given) {
			if c, err := account.CheckApproval(t.op, t.real.Name, a, stage, pol.Stages, given, account.Proxy(rule)); err == nil && !c.Already {
				out = append(out, InboxItem{"account", a.Username, fmt.Sprintf("%s stage for %s (%s)", stage, a.Name, a.Department),
					"custos account approve " + a.Username + " --stage " + stage})
			}
		}
	}
	var pending []*request.Request
	if err := t.ListRequests(RequestFilter{Pending: true}, func(q *request.Request) error {
		pending = append(pending, q)
		return nil
	}); err != nil {
		return nil, err
	}
	for _, q := range pending {
		if q, err = t.GetRequest(q.ID); err != nil {
			return nil, err
		}
		eligible, err := t.eligibility(q)
		if err != nil {
			continue // the account or resource is gone: nobody can approve it
		}
		for _, stage := range q.PendingStages() {
			if _, err := request.CheckApprove(q, account.Party{Operator: t.op.Name, Real: t.real.Name}, stage, eligible, account.Proxy(rule), t.now); err == nil {
				out = append(out, InboxItem{"request", q.ID, stage + " stage: " + request.Describe(q.Kind, q.Payload),
					"custos request approve " + q.ID + " --stage " + stage})
			}
		}
	}
	var reviews []*access.Campaign
	if err := t.ListReviews(0, func(c *access.Campaign, _ ReviewProgress) error {
		if c.State == "open" {
			reviews = append(reviews, c)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	for _, c := range reviews {
		var n int
		if err := t.ReviewItems(c.Name, ItemFilter{Reviewer: t.op.Name, Pending: true}, func(*access.Item) error { n++; return nil }); err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, InboxItem{"review", c.Name, fmt.Sprintf("%d item(s) to decide, due %s", n, c.Due),
				"custos access review show " + c.Name + " --reviewer " + t.op.Name + " --pending"})
		}
	}
	if err := t.ListIncidents(IncidentFilter{Open: true}, func(inc *incident.Incident, _ []incident.Notification) error {
		if inc.Assignee == t.op.Name {
			out = append(out, InboxItem{"incident", inc.ID, inc.Summary + ", report by " + inc.Deadline.UTC().Format(time.RFC3339),
				"custos incident show " + inc.ID})
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// DueItem is one thing overdue (past When) or due soon.
type DueItem struct {
	Kind    string
	ID      string
	What    string
	When    time.Time
	Overdue bool
	Command string
}

// Due lists what is overdue, or due within the window, across the
// organisation: accounts reaching their end date, open reviews and their
// due date, open incidents and their reporting deadline, pending requests
// and their expiry, records past retention, and the last audit checkpoint.
func (t *txn) Due(within time.Duration) ([]DueItem, error) {
	var out []DueItem
	horizon := t.now.Add(within)
	add := func(kind, id, what string, when time.Time, command string) {
		if when.After(horizon) {
			return
		}
		out = append(out, DueItem{kind, id, what, when, !when.After(t.now), command})
	}
	if err := t.ListAccounts(AccountFilter{ExpiringBy: horizon.Format(account.DateFormat)}, func(a *account.Account) error {
		end, err := time.Parse(account.DateFormat, a.Until)
		if err == nil {
			add("account", a.Username, "active until "+a.Until, end.Add(24*time.Hour), "custos account expire")
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := t.dueSchedules(add); err != nil {
		return nil, err
	}
	if err := t.dueTraining(add); err != nil {
		return nil, err
	}
	if err := t.ListReviews(0, func(c *access.Campaign, p ReviewProgress) error {
		due, err := time.Parse(account.DateFormat, c.Due)
		if c.State == "open" && err == nil && p.Undecided > 0 {
			add("review", c.Name, fmt.Sprintf("%d of %d item(s) undecided", p.Undecided, p.Items), due.Add(24*time.Hour), "custos access review show "+c.Name+" --pending")
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := t.ListIncidents(IncidentFilter{Open: true}, func(inc *incident.Incident, ns []incident.Notification) error {
		if len(ns) == 0 {
			add("incident", inc.ID, "not yet reported: "+inc.Summary, inc.Deadline, "custos incident notify "+inc.ID)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var plans []*request.Request
	if err := t.ListRequests(RequestFilter{}, func(q *request.Request) error {
		switch st := q.StateAt(t.now); {
		case st == request.Approved && strings.HasPrefix(q.Outcome, "not applied"):
			// Approved, but the change broke a rule when it was applied.
			add("request", q.ID, "approved but "+q.Outcome+": "+request.Describe(q.Kind, q.Payload), q.ClosedAt,
				"custos request withdraw "+q.ID)
		case st == request.Pending:
			add("request", q.ID, "waiting for "+strings.Join(q.PendingStages(), ", ")+": "+request.Describe(q.Kind, q.Payload), q.ExpiresAt, "custos request show "+q.ID)
			if q.Kind == request.KindPurge {
				plans = append(plans, q)
			}
		case st == request.Approved && q.Kind == request.KindPurge:
			// An approved plan is carried out by the next nightly run.
			add("plan", q.ID, "approved, not carried out: "+request.Describe(q.Kind, q.Payload), q.ClosedAt.Add(24*time.Hour),
				"custos records purge --apply "+q.ID+" --archive DIR")
			plans = append(plans, q)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	// A purge an interrupted run left unfinished: its records are neither
	// in an open plan nor to be planned again.
	unfinished, err := t.UnfinishedPurges()
	if err != nil {
		return nil, err
	}
	for _, p := range unfinished {
		id := strconv.FormatInt(p.ID, 10)
		add("purge", id, fmt.Sprintf("interrupted after deleting %d of %d record(s)", p.Deleted, p.Count), p.StartedAt,
			"custos records purge --apply-approved --archive DIR --yes")
		plans = append(plans, &request.Request{ID: "purge:" + id})
	}
	// Records past retention that no pending or approved plan holds.
	var sets []records.IDSet
	for _, q := range plans {
		var set records.IDSet
		var err error
		if id, ok := strings.CutPrefix(q.ID, "purge:"); ok {
			set, err = t.purgeSet(id)
		} else {
			set, err = t.planSet(q.ID)
		}
		if err != nil {
			return nil, err
		}
		sets = append(sets, set)
	}
	var n int64
	if err := t.ListRecords(RecordFilter{Due: true, AsOf: t.now}, func(r *records.Record, _ records.Decision) error {
		for _, s := range sets {
			if in, _ := s.Contains(r.ID); in {
				return nil
			}
		}
		n++
		return nil
	}); err != nil {
		return nil, err
	}
	if n > 0 {
		approval, err := t.PolicyValue(request.KeyPurgeApproval)
		if err != nil {
			return nil, err
		}
		cmd := "custos records purge --dry-run"
		if approval == "required" {
			cmd = "custos records purge --plan --reason TEXT"
		}
		add("records", "", fmt.Sprintf("%d record(s) past retention in no purge plan", n), t.now, cmd)
	}
	// Direct grants (made without a request) since the last review began:
	// the next review is where they are looked at.
	var direct int64
	if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM grants WHERE request_id = '' AND revoked_at = ''
		AND granted_at > coalesce((SELECT max(started_at) FROM reviews), '')`).Scan(&direct); err != nil {
		return nil, err
	}
	if direct > 0 {
		out = append(out, DueItem{"grants", "", fmt.Sprintf("%d direct grant(s) since the last access review", direct), horizon, false,
			"custos access list -o csv"})
	}
	days, err := t.PolicyValue(KeyCheckpointDays)
	if err != nil {
		return nil, err
	}
	d, _ := strconv.Atoi(days)
	var last string
	if err := t.tx.QueryRowContext(t.ctx, `SELECT coalesce(max(at), '') FROM audit_log WHERE command = 'audit checkpoint' AND outcome = 'ok'`).Scan(&last); err != nil {
		return nil, err
	}
	what, since := "no audit checkpoint was ever taken", time.Time{}
	if last != "" {
		since = parseTime(last)
		what = "last audit checkpoint " + since.UTC().Format(time.RFC3339)
	}
	due := time.Time{} // never taken: overdue, with no date
	if last != "" {
		due = since.Add(time.Duration(d) * 24 * time.Hour)
	}
	add("checkpoint", "", what, due, "custos audit checkpoint --out FILE")
	return out, nil
}
