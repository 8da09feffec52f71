package store

import (
	"context"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/records"
)

// A plan's purge killed after it was committed (its request already
// applied) is finished by the cron command (--apply-approved) and by
// --apply of the same plan, and custos due lists it meanwhile instead of
// asking for a new plan of its records.
func TestInterruptedPlanPurgeIsFinished(t *testing.T) {
	for _, how := range []string{"apply-approved", "apply"} {
		t.Run(how, func(t *testing.T) {
			s := MustOpen(t)
			ctx := context.Background()
			seedVoice(t, s, 5, 0)
			q, err := s.PlanPurge(ctx, inv("records purge", "ana"), Spec{Write: true}, "", time.Now(), false, "Q4")
			if err != nil || q == nil {
				t.Fatal(q, err)
			}
			// Approved by an officer (the approval itself is the engine's
			// business, tested elsewhere).
			if _, err := s.db.Exec(`INSERT INTO request_approvals (request_id, stage, operator, real_operator, at, reason, payload_sha256)
				VALUES ($1, 'officer', 'olivia', 'olivia', $2, '', $3)`, q.ID, formatTime(time.Now()), q.SHA256); err != nil {
				t.Fatal(err)
			}
			if _, err := s.db.Exec(`UPDATE requests SET state = 'approved' WHERE id = $1`, q.ID); err != nil {
				t.Fatal(err)
			}
			// The run is killed right after the purge is committed.
			var set records.IDSet
			p := &Purge{AsOf: time.Now(), Archive: "/x", ArchiveSHA256: "x", RequestID: q.ID}
			if err := s.Invoke(ctx, inv("records purge", "ana"), Spec{Write: true}, func(tx Tx) (err error) {
				if set, err = tx.(*txn).planSet(q.ID); err != nil {
					return err
				}
				p.SetSHA256 = set.Hash()
				return tx.Records().CommitPurge(p, set, nil)
			}); err != nil {
				t.Fatal(err)
			}
			if n := count(t, s, `SELECT count(*) FROM requests WHERE state = 'applied'`); n != 1 {
				t.Fatalf("%d applied requests, want the plan", n)
			}
			var due []DueItem
			if err := s.View(ctx, inv("due", "ana"), Spec{}, func(tx Tx) (err error) {
				due, err = tx.Work().Due(0)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			var sawPurge bool
			for _, d := range due {
				sawPurge = sawPurge || d.Kind == "purge"
				if d.Kind == "records" {
					t.Errorf("due asks to plan records an unfinished purge holds: %+v", d)
				}
			}
			if !sawPurge {
				t.Errorf("due does not list the unfinished purge: %+v", due)
			}
			req := PurgeRequest{Archive: t.TempDir(), Now: time.Now}
			if how == "apply" {
				req.Plan = q.ID
			} else {
				req.FinishOnly = true
			}
			res, err := s.RunPurge(ctx, inv("records purge", "ana"), Spec{Write: true}, req)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Resumed || len(res.Purges) != 1 || res.Purges[0].Deleted != 5 {
				t.Fatalf("%+v", res)
			}
			if n := count(t, s, `SELECT count(*) FROM records`); n != 0 {
				t.Fatalf("%d records left", n)
			}
			// Nothing interrupted now: the cron run records a read, and the
			// plan cannot be carried out twice.
			if res, err := s.RunPurge(ctx, inv("records purge", "ana"), Spec{Write: true}, PurgeRequest{Archive: t.TempDir(), Now: time.Now, FinishOnly: true}); err != nil || len(res.Purges) != 0 {
				t.Fatal(res, err)
			}
			if _, err := s.RunPurge(ctx, inv("records purge", "ana"), Spec{Write: true}, PurgeRequest{Archive: t.TempDir(), Now: time.Now, Plan: q.ID}); err == nil {
				t.Fatal("a carried-out plan was carried out again")
			}
		})
	}
}
