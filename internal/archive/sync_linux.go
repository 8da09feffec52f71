package archive

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// syncAll makes the overwrites of a batch's files durable with one
// syncfs(2) per file system they are on, instead of one fsync each; a
// file system that refuses syncfs gets the fsyncs.
func syncAll(files []*os.File) error {
	done := map[uint64]bool{}
	for _, f := range files {
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		dev := uint64(fi.Sys().(*syscall.Stat_t).Dev)
		if done[dev] {
			continue
		}
		if err := unix.Syncfs(int(f.Fd())); err != nil {
			return syncEach(files)
		}
		done[dev] = true
	}
	return nil
}

// mountID is the id of the mount a file was reached through: a bind mount
// of another directory has the device of the file system it shows, but a
// mount of its own.
func mountID(f *os.File) (uint64, bool) {
	var stx unix.Statx_t
	if err := unix.Statx(int(f.Fd()), "", unix.AT_EMPTY_PATH, unix.STATX_MNT_ID, &stx); err != nil || stx.Mask&unix.STATX_MNT_ID == 0 {
		return 0, false
	}
	return stx.Mnt_id, true
}
