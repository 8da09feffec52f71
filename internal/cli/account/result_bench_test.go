package account

import (
	"io"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/account"
	"github.com/custos-dev/custos/internal/iostreams"
	"github.com/custos-dev/custos/internal/output"
)

// The cost of a typed result against the positional row it replaced, per
// account of account list -o json: the same writer, the same bytes.
func BenchmarkAccountRows(b *testing.B) {
	a := &account.Account{Username: "zoe", Name: "Zoë Ångström", EmployeeID: "E-1042", Department: "Sales",
		Position: "Account manager", Email: "zoe@example.org", Type: "employee", Clearance: "internal",
		State: account.Active, Reason: "new hire", RequestedBy: "ana", RequestedByReal: "ana",
		RequestedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 30, 9, 5, 0, 0, time.UTC)}
	for _, format := range []output.Format{output.JSON, output.CSV} {
		b.Run("positional/"+string(format), func(b *testing.B) {
			ios, _, _, _ := iostreams.Test()
			ios.Out = io.Discard
			w := output.NewList(ios, format, output.ResultColumns[AccountResult]())
			b.ReportAllocs()
			for b.Loop() {
				w.Row(a.Username, a.Name, a.EmployeeID, a.Department, a.Position, a.Email, string(a.Type),
					a.Until, string(a.Clearance), string(a.State), a.MustChangePassword, a.AgreementRef, a.Reason,
					a.RequestedBy, a.RequestedAt, a.UpdatedAt, a.StateReason, a.Incident, a.RequestedByReal)
			}
			w.Close()
		})
		b.Run("typed/"+string(format), func(b *testing.B) {
			ios, _, _, _ := iostreams.Test()
			ios.Out = io.Discard
			w := output.NewResultList[AccountResult](ios, format)
			b.ReportAllocs()
			for b.Loop() {
				r := accountResult(a)
				w.Write(&r)
			}
			w.Close()
		})
	}
}
