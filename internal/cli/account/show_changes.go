package account

import (
	"strconv"
	"strings"

	"github.com/custos-dev/custos/internal/access"
	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/cli/cmdutil"
	"github.com/custos-dev/custos/internal/output"
	"github.com/custos-dev/custos/internal/store"
)

// accountChanges reads what account show lists under Changes (the
// account's and its grants', by time) and Scheduled.
func accountChanges(tx store.Tx, username string, grants []*access.Grant) ([]store.ChangeRecord, []account.Schedule, error) {
	changes, err := tx.Accounts().Changes("account:" + username)
	if err != nil {
		return nil, nil, err
	}
	for _, g := range grants {
		more, err := tx.Accounts().Changes("grant:" + strconv.FormatInt(g.ID, 10))
		if err != nil {
			return nil, nil, err
		}
		changes = append(changes, more...)
	}
	// Ids are allocated in time order: sorting by id is sorting by time.
	for i := 1; i < len(changes); i++ {
		for j := i; j > 0 && changes[j].ID < changes[j-1].ID; j-- {
			changes[j], changes[j-1] = changes[j-1], changes[j]
		}
	}
	schedules, err := tx.Accounts().AccountSchedules(username)
	return changes, schedules, err
}

func writeAccountChanges(f *cmdutil.Factory, changes []store.ChangeRecord, schedules []account.Schedule) error {
	section(f, "Changes")
	w := output.NewList(f.IO, output.Table, output.Cols("at", "object", "field", "before", "after", "operator", "request", "reason"))
	for _, c := range changes {
		w.Row(c.At, c.Object, c.Field, c.Before, c.After, c.Operator, c.RequestID, c.Reason)
	}
	if err := w.Close(); err != nil {
		return err
	}
	section(f, "Scheduled")
	w = output.NewList(f.IO, output.Table, output.Cols("kind", "on", "state", "what", "request", "reason", "outcome"))
	for _, s := range schedules {
		w.Row(string(s.Kind), s.On, string(s.State), scheduleWhat(s), s.RequestID, s.Reason, s.Outcome)
	}
	return w.Close()
}

// scheduleWhat says in words what a scheduled change does.
func scheduleWhat(s account.Schedule) string {
	if s.Kind == account.ScheduleLeave {
		return s.Then
	}
	what := "to " + s.Department + " as " + s.Position
	if len(s.Keep) > 0 {
		what += ", keeping " + strings.Join(s.Keep, ",")
	}
	return what
}

func changesJSON(changes []store.ChangeRecord) []output.Object {
	out := []output.Object{}
	for _, c := range changes {
		out = append(out, output.Pairs("at", c.At, "object", c.Object, "field", c.Field, "before", c.Before, "after", c.After,
			"operator", c.Operator, "real_operator", c.RealOperator, "request", c.RequestID, "reason", c.Reason))
	}
	return out
}

func schedulesJSON(schedules []account.Schedule) []output.Object {
	out := []output.Object{}
	for _, s := range schedules {
		out = append(out, output.Pairs("kind", string(s.Kind), "on", s.On, "state", string(s.State), "then", s.Then,
			"department", s.Department, "position", s.Position, "keep", s.Keep, "request", s.RequestID, "reason", s.Reason,
			"scheduled_by", s.ScheduledBy, "scheduled_at", s.ScheduledAt, "outcome", s.Outcome))
	}
	return out
}
