package archive

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Sweep removes what an interrupted purge of this store left (unfinished
// files, complete archives no purge refers to) and nothing else: not the
// archive of a recorded purge, not another store's, not files custos did
// not write.
func TestSweepRemovesOnlyThisStoresOrphans(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, m *Manifest) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path+Suffix, []byte("x"), 0o600)
		if m != nil {
			m.Format = Format
			b, _ := json.Marshal(m)
			os.WriteFile(ManifestPath(path+Suffix), b, 0o600)
		}
		return path + Suffix
	}
	recorded := write(Prefix+"1", &Manifest{Store: "ours", SHA256: "aaa"})
	orphan := write(Prefix+"2", &Manifest{Store: "ours", SHA256: "bbb", Files: "x"})
	os.WriteFile(FilesPath(orphan), []byte("tar"), 0o600)
	theirs := write(Prefix+"3", &Manifest{Store: "theirs"})
	unnamed := write(Prefix+"4", &Manifest{})
	partial := filepath.Join(dir, Prefix+"5"+Suffix+".partial")
	os.WriteFile(partial, []byte("half"), 0o600)
	foreign := filepath.Join(dir, "notes.partial")
	os.WriteFile(foreign, []byte("mine"), 0o600)

	unlock, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	// A recorded purge names its archive by hash: the one it rests on is
	// kept wherever it was moved.
	removed, err := Sweep(dir, "ours", map[string]bool{"aaa": true})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(removed)
	want := []string{orphan, ManifestPath(orphan), FilesPath(orphan), partial}
	slices.Sort(want)
	if !slices.Equal(removed, want) {
		t.Fatalf("removed %v, want %v", removed, want)
	}
	for _, p := range []string{recorded, ManifestPath(recorded), theirs, unnamed, foreign} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed", p)
		}
	}
	// A second purge waits for the directory instead of sweeping under the
	// first one's feet.
	if _, err := LockDir(dir); err == nil {
		t.Fatal("a second purge took the archive directory's lock")
	}
}
