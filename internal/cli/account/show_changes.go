package account

import (
	"strconv"
	"strings"
	"time"

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
	cw := output.NewResultList[ChangeRow](f.IO, output.Table)
	for _, c := range changes {
		cw.Write(&ChangeRow{c.At, c.Object, c.Field, c.Before, c.After, c.Operator, c.RequestID, c.Reason})
	}
	if err := cw.Close(); err != nil {
		return err
	}
	section(f, "Scheduled")
	sw := output.NewResultList[ScheduleRow](f.IO, output.Table)
	for _, s := range schedules {
		sw.Write(&ScheduleRow{string(s.Kind), s.On, string(s.State), scheduleWhat(s), s.RequestID, s.Reason, s.Outcome})
	}
	return sw.Close()
}

// ChangeRow is one recorded change in account show's table.
type ChangeRow struct {
	At       time.Time `json:"at"`
	Object   string    `json:"object"`
	Field    string    `json:"field"`
	Before   string    `json:"before"`
	After    string    `json:"after"`
	Operator string    `json:"operator"`
	Request  string    `json:"request"`
	Reason   string    `json:"reason"`
}

// ChangeResult is one recorded change in account show's JSON.
type ChangeResult struct {
	At           time.Time `json:"at"`
	Object       string    `json:"object"`
	Field        string    `json:"field"`
	Before       string    `json:"before"`
	After        string    `json:"after"`
	Operator     string    `json:"operator"`
	RealOperator string    `json:"real_operator"`
	Request      string    `json:"request"`
	Reason       string    `json:"reason"`
}

// ScheduleRow is one scheduled change in account show's table, what it
// does said in words.
type ScheduleRow struct {
	Kind    string `json:"kind"`
	On      string `json:"on"`
	State   string `json:"state"`
	What    string `json:"what"`
	Request string `json:"request"`
	Reason  string `json:"reason"`
	Outcome string `json:"outcome"`
}

// ScheduleResult is one scheduled change in account show's JSON.
type ScheduleResult struct {
	Kind        string    `json:"kind"`
	On          string    `json:"on"`
	State       string    `json:"state"`
	Then        string    `json:"then"`
	Department  string    `json:"department"`
	Position    string    `json:"position"`
	Keep        []string  `json:"keep"`
	Request     string    `json:"request"`
	Reason      string    `json:"reason"`
	ScheduledBy string    `json:"scheduled_by"`
	ScheduledAt time.Time `json:"scheduled_at"`
	Outcome     string    `json:"outcome"`
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
		out = append(out, output.ResultObject(ChangeResult{c.At, c.Object, c.Field, c.Before, c.After, c.Operator, c.RealOperator, c.RequestID, c.Reason}))
	}
	return out
}

func schedulesJSON(schedules []account.Schedule) []output.Object {
	out := []output.Object{}
	for _, s := range schedules {
		out = append(out, output.ResultObject(ScheduleResult{string(s.Kind), s.On, string(s.State), s.Then,
			s.Department, s.Position, s.Keep, s.RequestID, s.Reason, s.ScheduledBy, s.ScheduledAt, s.Outcome}))
	}
	return out
}
