package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/records"
	"github.com/custos-dev/custos/internal/when"
)

// seedVoice adds n voice records created in 2019 under a 1-year schedule;
// the first held of them have subject "acme", the rest "x".
func seedVoice(t *testing.T, s *sqlStore, n, held int) {
	t.Helper()
	err := s.Invoke(context.Background(), inv("setup", "ana"), Spec{Write: true}, func(tx Tx) error {
		d, _ := when.ParseDuration("1y")
		if _, err := tx.Records().SetRetention("voice", d, ""); err != nil {
			return err
		}
		ins, err := tx.Records().NewRecordInserter()
		if err != nil {
			return err
		}
		for i := range n {
			subject := "x"
			if i < held {
				subject = "acme"
			}
			if err := ins.Add(&records.Record{Class: "voice", CreatedAt: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), Subject: subject}, false); err != nil {
				return err
			}
		}
		_, err = ins.Close()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func hold(t *testing.T, s *sqlStore, name, subject string) {
	t.Helper()
	if err := s.Invoke(context.Background(), inv("records hold", "ana"), Spec{Write: true}, func(tx Tx) error {
		return tx.Records().AddHold(&records.Hold{Name: name, Reason: "dispute", Kind: records.HoldSubject, Value: subject})
	}); err != nil {
		t.Fatal(err)
	}
}

func release(t *testing.T, s *sqlStore, name string) {
	t.Helper()
	if err := s.Invoke(context.Background(), inv("records release", "ana"), Spec{Write: true}, func(tx Tx) error {
		_, err := tx.Records().ReleaseHold(name, "settled")
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, s *sqlStore, q string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// candidates is what a purge as of now would select.
func candidates(t *testing.T, s *sqlStore) []int64 {
	t.Helper()
	var ids []int64
	if err := s.View(context.Background(), inv("records purge", "ana"), Spec{}, func(tx Tx) error {
		return tx.Records().PurgeCandidates("", time.Now(), func(r *records.Record) error { ids = append(ids, r.ID); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return ids
}

// commitPurge records a purge of exactly the archived ids, as the purge
// command does once its archive is verified.
func commitPurge(t *testing.T, s *sqlStore, archived []int64) (*Purge, error) {
	t.Helper()
	var ms []records.Member
	for _, id := range archived {
		ms = append(ms, records.Member{ID: id})
	}
	set := records.NewIDSet(ms)
	p := &Purge{AsOf: time.Now(), Archive: "/x", ArchiveSHA256: "x", SetSHA256: set.Hash()}
	err := s.Invoke(context.Background(), inv("records purge", "ana"), Spec{Write: true}, func(tx Tx) error { return tx.Records().CommitPurge(p, set, nil) })
	return p, err
}

// runBatches deletes a committed purge's records, span ids a batch,
// calling between after each batch.
func runBatches(t *testing.T, s *sqlStore, p *Purge, span int64, between func(batch int)) *Purge {
	t.Helper()
	ctx := context.Background()
	for i, more := 0, true; more; i++ {
		b, err := s.DeletePurgeBatch(ctx, p.ID, span, nil)
		if err != nil {
			t.Fatal(err)
		}
		more = b.More
		if between != nil {
			between(i)
		}
	}
	done, err := s.FinishPurge(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return done
}

// A record held when the purge selected its candidates is not in the
// archive; releasing the hold while the batches run must not let a later
// batch delete it.
func TestHoldReleasedDuringPurgeDeletesNothingUnarchived(t *testing.T) {
	s := MustOpen(t)
	seedVoice(t, s, 40, 0)
	// Records 21–40 are acme's, held at selection.
	s.db.Exec(`UPDATE records SET subject = 'acme' WHERE id > 20`)
	hold(t, s, "acme", "acme")
	archived := candidates(t, s)
	if len(archived) != 20 {
		t.Fatalf("selected %d, want 20", len(archived))
	}
	p, err := commitPurge(t, s, archived)
	if err != nil {
		t.Fatal(err)
	}
	done := runBatches(t, s, p, 5, func(batch int) {
		if batch == 1 {
			release(t, s, "acme")
		}
	})
	if left := count(t, s, `SELECT count(*) FROM records WHERE subject = 'acme'`); left != 20 {
		t.Fatalf("%d of the 20 records held at selection are left; the others were deleted without an archive (purge: %+v)", left, done)
	}
	if done.Deleted != 20 {
		t.Fatalf("deleted %d, want the 20 archived", done.Deleted)
	}
}

// The same, with the hold released between a killed purge and its re-run:
// the re-run finishes exactly the committed set.
func TestHoldReleasedBeforeRerunDeletesNothingUnarchived(t *testing.T) {
	s := MustOpen(t)
	seedVoice(t, s, 30, 10)
	hold(t, s, "acme", "acme")
	p, err := commitPurge(t, s, candidates(t, s))
	if err != nil {
		t.Fatal(err)
	}
	// One batch, then the process dies; the hold is released; the next
	// run finishes the purge.
	if _, err := s.DeletePurgeBatch(context.Background(), p.ID, 3, nil); err != nil {
		t.Fatal(err)
	}
	release(t, s, "acme")
	runBatches(t, s, p, 3, nil)
	if left := count(t, s, `SELECT count(*) FROM records`); left != 10 {
		t.Fatalf("%d records left, want the 10 held at selection", left)
	}
}

// Two id sets with the same count and the same sum are different sets: a
// purge whose archive holds {1,4} must never delete {2,3}.
func TestPurgeDeletesOnlyTheArchivedSet(t *testing.T) {
	s := MustOpen(t)
	seedVoice(t, s, 4, 0)
	s.db.Exec(`UPDATE records SET subject = 'acme' WHERE id IN (2, 3)`)
	s.db.Exec(`UPDATE records SET subject = 'globex' WHERE id IN (1, 4)`)
	hold(t, s, "acme", "acme")
	archived := candidates(t, s) // {1, 4}
	// Before the purge commits, 1 and 4 become held and 2 and 3 free.
	hold(t, s, "globex", "globex")
	release(t, s, "acme")
	p, err := commitPurge(t, s, archived)
	if err == nil {
		runBatches(t, s, p, 10, nil)
	}
	for _, id := range []int{2, 3} {
		if count(t, s, `SELECT count(*) FROM records WHERE id = `+string(rune('0'+id))) != 1 {
			t.Fatalf("record %d was deleted though no archive holds it", id)
		}
	}
}

// A file found gone, or overwritten, counts as this purge's work only in
// the batch a killed run of it had begun destroying: the destroyer hears
// resumed=false on a first run, and true only for the ids up to where the
// killed run had marked its batch.
func TestDestroyerHearsWhichBatchWasInterrupted(t *testing.T) {
	s := MustOpen(t)
	seedVoice(t, s, 20, 0)
	s.db.Exec(`UPDATE records SET location = '/srv/rec/' || id, sha256 = 'aa'`)
	var ms []records.Member
	for _, id := range candidates(t, s) {
		ms = append(ms, records.Member{ID: id, Content: true})
	}
	set := records.NewIDSet(ms)
	p := &Purge{AsOf: time.Now(), Archive: "/x", ArchiveSHA256: "x", SetSHA256: set.Hash(), DeleteFiles: true}
	if err := s.Invoke(context.Background(), inv("records purge", "ana"), Spec{Write: true}, func(tx Tx) error { return tx.Records().CommitPurge(p, set, nil) }); err != nil {
		t.Fatal(err)
	}
	// A killed run had marked ids up to 8 and destroyed some of them.
	s.db.Exec(`UPDATE purges SET destroying = 8 WHERE id = $1`, p.ID)
	resumed := map[int64]bool{}
	destroy := func(victims []Victim) ([]FileOutcome, error) {
		out := make([]FileOutcome, len(victims))
		for i, v := range victims {
			resumed[v.R.ID] = v.Resumed
			out[i] = FileOutcome{Missing: true}
		}
		return out, nil
	}
	ctx := context.Background()
	for more := true; more; {
		b, err := s.DeletePurgeBatch(ctx, p.ID, 5, destroy)
		if err != nil {
			t.Fatal(err)
		}
		more = b.More
	}
	for id := int64(1); id <= 20; id++ {
		if resumed[id] != (id <= 8) {
			t.Errorf("record %d: resumed=%v", id, resumed[id])
		}
	}
	done, _ := s.FinishPurge(ctx, p.ID)
	if done.FilesDeleted != 8 || done.FilesMissing != 12 || done.Deleted != 20 {
		t.Fatalf("files deleted %d, missing %d, records deleted %d; want 8, 12, 20", done.FilesDeleted, done.FilesMissing, done.Deleted)
	}
}

// Files are destroyed holding no lock: another command writes while they
// are (here it places a hold on some of the batch), and the records it
// holds stay in the catalogue, reported with their files already gone.
func TestFilesAreDestroyedWithoutTheWriteLock(t *testing.T) {
	s := MustOpen(t)
	seedVoice(t, s, 10, 0)
	s.db.Exec(`UPDATE records SET location = '/srv/rec/' || id, sha256 = 'aa'`)
	s.db.Exec(`UPDATE records SET subject = 'acme' WHERE id <= 4`)
	var ms []records.Member
	for _, id := range candidates(t, s) {
		ms = append(ms, records.Member{ID: id, Content: true})
	}
	set := records.NewIDSet(ms)
	p := &Purge{AsOf: time.Now(), Archive: "/x", ArchiveSHA256: "x", SetSHA256: set.Hash(), DeleteFiles: true}
	if err := s.Invoke(context.Background(), inv("records purge", "ana"), Spec{Write: true}, func(tx Tx) error { return tx.Records().CommitPurge(p, set, nil) }); err != nil {
		t.Fatal(err)
	}
	placed := false
	destroy := func(victims []Victim) ([]FileOutcome, error) {
		if !placed {
			hold(t, s, "late", "acme") // a write: it fails if the batch holds the lock
			placed = true
		}
		out := make([]FileOutcome, len(victims))
		for i := range out {
			out[i] = FileOutcome{Destroyed: true}
		}
		return out, nil
	}
	for more := true; more; {
		b, err := s.DeletePurgeBatch(context.Background(), p.ID, 100, destroy)
		if err != nil {
			t.Fatal(err)
		}
		more = b.More
	}
	done, _ := s.FinishPurge(context.Background(), p.ID)
	if done.Deleted != 6 || done.Skipped != 4 || count(t, s, `SELECT count(*) FROM records WHERE subject = 'acme'`) != 4 {
		t.Fatalf("%+v", done)
	}
	if n := count(t, s, `SELECT count(*) FROM purge_skipped WHERE reason LIKE 'held since its batch began%'`); n != 4 {
		t.Fatalf("%d held records reported with their files gone, want 4", n)
	}
}

// A purge killed while it destroyed files is finished with its files by
// the next run, even when that run was not given --delete-files: the
// roots are read for it, so its records are not kept as "outside
// records.roots" while their files are half destroyed.
func TestResumedFilePurgeDestroysWithoutTheFlag(t *testing.T) {
	s := MustOpen(t)
	ctx := context.Background()
	root := t.TempDir()
	seedVoice(t, s, 3, 0)
	for id := 1; id <= 3; id++ {
		path := filepath.Join(root, fmt.Sprint(id))
		os.WriteFile(path, []byte("x"), 0o600)
		s.db.Exec(`UPDATE records SET location = $1, sha256 = $2 WHERE id = $3`, path, "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", id)
	}
	if err := s.Invoke(ctx, inv("policy set", "ana"), Spec{Write: true}, func(tx Tx) error {
		_, _, err := tx.Policy().SetPolicy(records.KeyRoots, root)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	set := records.BuildIDSet([]int64{1, 2, 3}, []int64{1, 2, 3})
	p := &Purge{AsOf: time.Now(), Archive: "/x", ArchiveSHA256: "x", SetSHA256: set.Hash(), DeleteFiles: true}
	if err := s.Invoke(ctx, inv("records purge", "ana"), Spec{Write: true}, func(tx Tx) error { return tx.Records().CommitPurge(p, set, nil) }); err != nil {
		t.Fatal(err)
	}
	res, err := s.RunPurge(ctx, inv("records purge", "ana"), Spec{Write: true}, PurgeRequest{Archive: t.TempDir(), Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Purges) != 1 || res.Purges[0].Deleted != 3 || res.Purges[0].FilesDeleted != 3 {
		t.Fatalf("%+v", res.Purges[0])
	}
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Fatalf("%d files left under the root", len(entries))
	}
}
