package records

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"github.com/custos-dev/custos/internal/errs"
	"github.com/custos-dev/custos/internal/policy"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// A purge deletes exactly the records its verified archive holds. The
// rules below fix that set, identify it, cut it into deletion batches and
// decide what happens to each record's file; the store and the file system
// only carry them out.

// IDRange is a run of consecutive record ids of a purge, Lo to Hi
// inclusive. Content says whether the archive holds the files of the
// records in it (a purge with --delete-files).
type IDRange struct {
	Lo, Hi  int64
	Content bool
}

// IDSet is the set of record ids a purge deletes, as maximal runs in
// ascending order. A catalogue imported in creation order purges in a
// handful of runs, so the set costs a few rows however many records it
// holds.
type IDSet struct {
	Ranges []IDRange
}

// Member is one record of a purge's set.
type Member struct {
	ID int64
	// Content: the archive holds the record's file.
	Content bool
}

// NewIDSet builds the set of the given members, in any order. An id given
// twice counts once, with Content if either says so.
func NewIDSet(members []Member) IDSet {
	ids := make([]int64, len(members))
	var content []int64
	for i, m := range members {
		ids[i] = m.ID
		if m.Content {
			content = append(content, m.ID)
		}
	}
	return BuildIDSet(ids, content)
}

// Count is the number of ids in the set.
func (s IDSet) Count() int64 {
	var n int64
	for _, r := range s.Ranges {
		n += r.Hi - r.Lo + 1
	}
	return n
}

// Hash identifies the set independently of the order its records were
// read in: the SHA-256 of its ids in ascending order, each as 8 bytes big
// endian, with the ids whose files the archive holds marked by the top
// bit. Two sets with the same count and sum of ids ({1,4} and {2,3}) hash
// differently; only the same ids, with the same files, hash the same.
func (s IDSet) Hash() string {
	h := sha256.New()
	var b [8]byte
	for _, r := range s.Ranges {
		// Counted so that a run ending at the largest id ends the loop.
		for i, n := int64(0), r.Hi-r.Lo; i <= n && i >= 0; i++ {
			v := uint64(r.Lo + i)
			if r.Content {
				v |= 1 << 63
			}
			binary.BigEndian.PutUint64(b[:], v)
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Max is the largest id of the set, or 0 when it is empty.
func (s IDSet) Max() int64 {
	if len(s.Ranges) == 0 {
		return 0
	}
	return s.Ranges[len(s.Ranges)-1].Hi
}

// NextBatch bounds the deletion batch after cursor (every id up to it is
// done): the ids in (lo, hi] of the set, starting at the first id of the
// set past the cursor and spanning at most span ids, so a batch never
// walks a gap between runs. ok is false when nothing is left.
func (s IDSet) NextBatch(cursor, span int64) (lo, hi int64, ok bool) {
	for _, r := range s.Ranges {
		if r.Hi <= cursor {
			continue
		}
		first := max(r.Lo, cursor+1)
		hi = s.Max()
		if span := max(span, 1); span < hi-(first-1) {
			hi = first - 1 + span
		}
		return first - 1, hi, true
	}
	return cursor, cursor, false
}

// The kinds of file a record's location can name, as lstat and fstat see
// them.
const (
	FileRegular = "regular"
	FileMissing = "missing"
	FileSymlink = "symlink"
	FileDir     = "directory"
	FileFIFO    = "fifo"
	FileDevice  = "device"
	FileSocket  = "socket"
	FileOther   = "other"
	// FileUnreachable: the path cannot be followed inside its root (a link
	// on the way leads out of it) or the file cannot be read.
	FileUnreachable = "unreachable"
)

// Contains reports whether id is in the set, and whether the archive holds
// its file.
func (s IDSet) Contains(id int64) (in, content bool) {
	i, found := slices.BinarySearchFunc(s.Ranges, id, func(r IDRange, id int64) int {
		switch {
		case r.Hi < id:
			return -1
		case r.Lo > id:
			return 1
		}
		return 0
	})
	if !found {
		return false, false
	}
	return true, s.Ranges[i].Content
}

// KindOf names a file's type from its mode as lstat gives it.
func KindOf(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return FileRegular
	case m&fs.ModeSymlink != 0:
		return FileSymlink
	case m.IsDir():
		return FileDir
	case m&fs.ModeNamedPipe != 0:
		return FileFIFO
	case m&fs.ModeDevice != 0:
		return FileDevice
	case m&fs.ModeSocket != 0:
		return FileSocket
	}
	return FileOther
}

// FileFacts is what the file system says of a record's file, opened
// without following links.
type FileFacts struct {
	Kind string
	// Links is the number of names the file has.
	Links uint64
	// SameDevice: the file is on the file system of the root it is under.
	SameDevice bool
	// SHA256 is the hex digest of the content read, "" if not read.
	SHA256 string
	// Zeroed: the content read is all zero bytes, as a purge leaves a file
	// it overwrote before removing it.
	Zeroed bool
}

// FileAction is what a purge does with a record's file.
type FileAction int

// The actions of a purge with --delete-files.
const (
	// Archive and then destroy the file, and purge its record.
	FileDestroy FileAction = iota
	// Nothing to destroy: purge the record (no location, or the file is
	// already gone).
	FileNone
	// Leave the file and keep its record in the catalogue; the purge
	// reports why.
	FileSkip
	// The file does not match the catalogue: keep both, report an
	// integrity failure.
	FileMismatch
)

// FileDecision is a FileAction with its reason.
type FileDecision struct {
	Action FileAction
	Reason string
}

// Root returns the directory of roots that confines loc, and loc relative
// to it, after resolving "." and ".."; ok is false when loc is not a local
// absolute path under one of them. A location that is a URI, a relative
// path, or one that leaves every root once cleaned is never destroyed.
func Root(loc string, roots []string) (root, rel string, ok bool) {
	if strings.Contains(loc, "://") || !filepath.IsAbs(loc) || strings.ContainsRune(loc, 0) {
		return "", "", false
	}
	clean := filepath.Clean(loc)
	for _, r := range roots {
		r = filepath.Clean(r)
		if !filepath.IsAbs(r) {
			continue
		}
		rel, err := filepath.Rel(r, clean)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		return r, rel, true
	}
	return "", "", false
}

// DecideFile decides what a purge with --delete-files does with a record's
// file, given the confining roots and what the file system says of it
// (facts is ignored when the location is outside the roots). Only a
// regular file with one name, on its root's file system, whose content
// still has the catalogued SHA-256, is destroyed. resumed says the purge
// is re-running a batch a killed run of it had begun destroying, with the
// file in its archive: a file found overwritten with zeros there is one
// that run overwrote and did not get to remove.
func DecideFile(r *Record, roots []string, facts FileFacts, resumed bool) FileDecision {
	if r.Location == "" {
		return FileDecision{FileNone, "no location"}
	}
	if strings.Contains(r.Location, "://") {
		// Not a file custos can reach: the entry goes, the object stays
		// for its own system's retention.
		return FileDecision{FileNone, "not a local file; not destroyed"}
	}
	if _, _, ok := Root(r.Location, roots); !ok {
		return FileDecision{FileSkip, "outside records.roots"}
	}
	switch facts.Kind {
	case FileMissing:
		return FileDecision{FileNone, "file already gone"}
	case FileRegular:
	case FileUnreachable:
		return FileDecision{FileSkip, "cannot be reached inside records.roots without leaving them, or cannot be read"}
	default:
		return FileDecision{FileSkip, "not a regular file (" + facts.Kind + ")"}
	}
	switch {
	case facts.Links != 1:
		return FileDecision{FileSkip, "the file has other names (hard links)"}
	case !facts.SameDevice:
		return FileDecision{FileSkip, "the file is on another file system than its root"}
	case r.SHA256 == "":
		return FileDecision{FileSkip, "no catalogued SHA-256 to check the file against"}
	case facts.SHA256 != r.SHA256 && resumed && facts.Zeroed:
		return FileDecision{FileDestroy, "overwritten by an interrupted run of this purge; removed"}
	case facts.SHA256 != r.SHA256:
		return FileDecision{FileMismatch, "the file no longer matches its catalogued SHA-256"}
	}
	return FileDecision{FileDestroy, "archived and destroyed"}
}

// KeyRoots is the policy key of the directories under which a purge with
// --delete-files may destroy files.
const KeyRoots = "records.roots"

// ParseRoots reads the value of records.roots: absolute directories,
// separated by commas, each cleaned of "." and "..". "/" is refused: a root
// that holds the whole system confines nothing.
func ParseRoots(v string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if !filepath.IsAbs(p) || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return nil, errs.Invalidf("%q is not an absolute directory", p)
		}
		p = filepath.Clean(p)
		if p == string(filepath.Separator) {
			return nil, errs.Invalidf("/ would let a purge destroy any file; name the directories that hold records")
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

func init() {
	policy.Register(policy.Key{Name: KeyRoots, Default: "",
		Doc: "Directories (comma-separated, absolute) under which `records purge --delete-files` may destroy files; empty refuses --delete-files.",
		Normalize: func(v string) (string, error) {
			roots, err := ParseRoots(v)
			return strings.Join(roots, ","), err
		}})
}

// ClassPlan is one class of a purge's plan: how many records, the oldest
// and the newest.
type ClassPlan struct {
	Class          string
	Count          int64
	Oldest, Newest time.Time
}

// AddToPlan counts a record into the plan, by class in the order classes
// first appear.
func AddToPlan(plan []*ClassPlan, r *Record) []*ClassPlan {
	var cp *ClassPlan
	for _, c := range plan {
		if c.Class == r.Class {
			cp = c
		}
	}
	if cp == nil {
		cp = &ClassPlan{Class: r.Class, Oldest: r.CreatedAt, Newest: r.CreatedAt}
		plan = append(plan, cp)
	}
	cp.Count++
	if r.CreatedAt.Before(cp.Oldest) {
		cp.Oldest = r.CreatedAt
	}
	if r.CreatedAt.After(cp.Newest) {
		cp.Newest = r.CreatedAt
	}
	return plan
}

// CheckAsOf refuses a future as-of time for a real run: it is for catching
// up on the past; a preview of what will be due is a dry run.
func CheckAsOf(asOf, now time.Time, dryRun bool) error {
	if !dryRun && asOf.After(now) {
		return errs.Invalidf("as-of %s is in the future", asOf.UTC().Format(time.RFC3339)).
			WithHint("--as-of is for catching up on the past; add --dry-run to preview what will be due then")
	}
	return nil
}

// BuildIDSet builds the set of ids, of which those in content have their
// files archived; it sorts both slices in place and takes them over. It is
// NewIDSet for large sets: 8 bytes a member instead of 16, and no copy.
func BuildIDSet(ids, content []int64) IDSet {
	slices.Sort(ids)
	slices.Sort(content)
	var s IDSet
	c := 0
	for i, id := range ids {
		if i > 0 && ids[i-1] == id {
			continue
		}
		for c < len(content) && content[c] < id {
			c++
		}
		has := c < len(content) && content[c] == id
		if n := len(s.Ranges); n > 0 && s.Ranges[n-1].Hi == id-1 && s.Ranges[n-1].Content == has {
			s.Ranges[n-1].Hi = id
			continue
		}
		s.Ranges = append(s.Ranges, IDRange{Lo: id, Hi: id, Content: has})
	}
	return s
}
