//go:build unix

package archive

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/custos-dev/custos/internal/records"
)

// Roots gives a purge access to the records' files, confined to the
// directories of policy records.roots: every file is reached through an
// os.Root, which never leaves its directory whatever links or ".." the
// path holds, is looked at with lstat before it is opened, and is opened
// without following a final link and without blocking, so a FIFO, a
// device or a link never hangs or misleads a purge.
type Roots struct {
	dirs  []string
	open  map[string]*os.Root
	devs  map[string]uint64
	mnts  map[string]uint64
	fails map[string]error
}

// OpenRoots prepares access to the files under dirs.
func OpenRoots(dirs []string) (*Roots, error) {
	return &Roots{dirs: dirs, open: map[string]*os.Root{}, devs: map[string]uint64{}, mnts: map[string]uint64{}, fails: map[string]error{}}, nil
}

// Close releases the roots.
func (rs *Roots) Close() {
	for _, r := range rs.open {
		r.Close()
	}
}

func (rs *Roots) root(dir string) (*os.Root, uint64, error) {
	if r, ok := rs.open[dir]; ok {
		return r, rs.devs[dir], nil
	}
	if err, ok := rs.fails[dir]; ok {
		return nil, 0, err
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		rs.fails[dir] = err
		return nil, 0, err
	}
	fi, err := r.Stat(".")
	if err != nil {
		r.Close()
		rs.fails[dir] = err
		return nil, 0, err
	}
	rs.open[dir], rs.devs[dir] = r, uint64(fi.Sys().(*syscall.Stat_t).Dev)
	if d, err := r.Open("."); err == nil {
		if id, ok := mountID(d); ok {
			rs.mnts[dir] = id
		}
		d.Close()
	}
	return r, rs.devs[dir], nil
}

// inspect looks at a record's file and, when it is a regular file inside
// the roots, opens it (for writing too with write) and hashes its content.
// The file is returned open only when facts.Kind is regular.
func (rs *Roots) inspect(r *records.Record, write bool) (records.FileFacts, *os.File, string, *os.Root) {
	var facts records.FileFacts
	dir, rel, ok := records.Root(r.Location, rs.dirs)
	if !ok {
		return facts, nil, "", nil
	}
	root, dev, err := rs.root(dir)
	if err != nil {
		facts.Kind = records.FileUnreachable
		return facts, nil, "", nil
	}
	li, err := root.Lstat(rel)
	if errors.Is(err, fs.ErrNotExist) {
		facts.Kind = records.FileMissing
		return facts, nil, "", nil
	} else if err != nil {
		// A link on the way that leads out of the root lands here.
		facts.Kind = records.FileUnreachable
		return facts, nil, "", nil
	}
	if facts.Kind = records.KindOf(li.Mode()); facts.Kind != records.FileRegular {
		return facts, nil, "", nil
	}
	flag := os.O_RDONLY
	if write {
		flag = os.O_RDWR
	}
	f, err := root.OpenFile(rel, flag|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		facts.Kind = records.FileUnreachable
		return facts, nil, "", nil
	}
	fi, err := f.Stat()
	ls, st := li.Sys().(*syscall.Stat_t), (*syscall.Stat_t)(nil)
	if err == nil {
		st = fi.Sys().(*syscall.Stat_t)
	}
	// What was opened must be what lstat saw: a name swapped for a link or
	// a device in between is not followed into.
	if err != nil || !fi.Mode().IsRegular() || st.Ino != ls.Ino || st.Dev != ls.Dev {
		f.Close()
		facts.Kind = records.FileOther
		return facts, nil, "", nil
	}
	facts.Links, facts.SameDevice = uint64(st.Nlink), uint64(st.Dev) == dev
	if want, ok := rs.mnts[dir]; ok {
		// A bind mount under the root shows another directory of the same
		// file system: same device, another mount.
		got, ok := mountID(f)
		facts.SameDevice = facts.SameDevice && ok && got == want
	}
	h := sha256.New()
	z := &zeroWatch{zero: true}
	n, err := io.Copy(io.MultiWriter(h, z), f)
	if err != nil {
		f.Close()
		facts.Kind = records.FileUnreachable
		return facts, nil, "", nil
	}
	facts.SHA256, facts.Zeroed = hex.EncodeToString(h.Sum(nil)), z.zero && n > 0
	return facts, f, rel, root
}

// Inspect decides what a purge does with a record's file (records.
// DecideFile) from what the file system says of it. For FileDestroy it
// returns the file open for reading, to be archived and closed by the
// caller.
func (rs *Roots) Inspect(r *records.Record) (records.FileDecision, *os.File) {
	facts, f, _, _ := rs.inspect(r, false)
	d := records.DecideFile(r, rs.dirs, facts, false)
	if d.Action != records.FileDestroy && f != nil {
		f.Close()
		f = nil
	}
	return d, f
}

// DestroyItem is one record whose file a deletion batch destroys.
type DestroyItem struct {
	R *records.Record
	// Archived: the purge's archive holds the file; one that does not is
	// never destroyed.
	Archived bool
	// Resumed: a killed run of this purge had begun destroying this
	// record's batch (records.DecideFile).
	Resumed bool
}

// Destroyed is what happened to one item's file.
type Destroyed struct {
	records.FileDecision
	// Gone: the file was destroyed.
	Gone bool
}

// syncers is how many files are synced at once where the file system
// cannot be synced whole: a disk commits many concurrent syncs together,
// where one after another each waits for its own commit (about 4 ms for a
// 64-byte file here).
const syncers = 32

// syncEach syncs files concurrently.
func syncEach(files []*os.File) error {
	errc := make(chan error, len(files))
	work := make(chan *os.File)
	for range min(syncers, len(files)) {
		go func() {
			for f := range work {
				errc <- f.Sync()
			}
		}()
	}
	for _, f := range files {
		work <- f
	}
	close(work)
	var first error
	for range files {
		if err := <-errc; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// destroyChunk bounds the files held open at once.
const destroyChunk = 256

// DestroyAll destroys the files of a deletion batch after checking each
// again as Inspect did: every file is overwritten with zeros, then all
// are synced (concurrently), then each name is removed if it still names
// the file overwritten. (On copy-on-write file systems and SSDs an
// overwrite may land elsewhere; full disk encryption is what makes
// deleted data unrecoverable there.) It returns one result per item, in
// order.
func (rs *Roots) DestroyAll(items []DestroyItem) ([]Destroyed, error) {
	out := make([]Destroyed, len(items))
	for start := 0; start < len(items); start += destroyChunk {
		if err := rs.destroyChunk(items[start:min(start+destroyChunk, len(items))], out[start:]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (rs *Roots) destroyChunk(items []DestroyItem, out []Destroyed) error {
	type victim struct {
		i    int
		f    *os.File
		rel  string
		root *os.Root
		ino  uint64
	}
	var victims []victim
	defer func() {
		for _, v := range victims {
			v.f.Close()
		}
	}()
	zero := make([]byte, 64<<10)
	for i, it := range items {
		facts, f, rel, root := rs.inspect(it.R, true)
		d := records.DecideFile(it.R, rs.dirs, facts, it.Resumed && it.Archived)
		out[i] = Destroyed{FileDecision: d}
		if d.Action != records.FileDestroy {
			if f != nil {
				f.Close()
			}
			continue
		}
		if !it.Archived {
			f.Close()
			out[i].FileDecision = records.FileDecision{Action: records.FileSkip, Reason: "the file appeared after the archive was written"}
			continue
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return err
		}
		for off := int64(0); off < fi.Size() && err == nil; off += int64(len(zero)) {
			_, err = f.WriteAt(zero[:min(int64(len(zero)), fi.Size()-off)], off)
		}
		if err != nil {
			f.Close()
			return err
		}
		victims = append(victims, victim{i: i, f: f, rel: rel, root: root, ino: uint64(fi.Sys().(*syscall.Stat_t).Ino)})
	}
	// Every overwrite reaches the disk before any name goes.
	files := make([]*os.File, len(victims))
	for i, v := range victims {
		files[i] = v.f
	}
	if err := syncAll(files); err != nil {
		return err
	}
	for _, v := range victims {
		// Remove the name only if it still names the file just overwritten.
		if li, err := v.root.Lstat(v.rel); err != nil || uint64(li.Sys().(*syscall.Stat_t).Ino) != v.ino {
			out[v.i].FileDecision = records.FileDecision{Action: records.FileSkip, Reason: "the file was replaced while it was destroyed"}
			continue
		}
		if err := v.root.Remove(v.rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		out[v.i].Gone = true
	}
	return nil
}

// LockDir takes an exclusive lock on the archive directory for the length
// of a purge, so that a purge never mistakes another's unfinished archive
// for an orphan. The lock dies with the process, kill -9 included.
func LockDir(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(dir+"/.custos-purge.lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, errBusyDir
	}
	return func() { f.Close() }, nil
}

// zeroWatch notes whether everything written to it was zero bytes.
type zeroWatch struct{ zero bool }

func (z *zeroWatch) Write(p []byte) (int, error) {
	if z.zero {
		for _, b := range p {
			if b != 0 {
				z.zero = false
				break
			}
		}
	}
	return len(p), nil
}

// OpenNoFollow opens a file for reading without following a final link
// and without blocking on a FIFO or device.
func OpenNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}
