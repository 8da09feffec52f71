//go:build linux

package store

import (
	"io/fs"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// skipWALDirSync turns off the directory sync SQLite would make with the
// first sync of the WAL the connection dc has open, if that WAL is the
// file found before the connection opened it, with frames in it. It
// reports whether it did.
//
// SQLite opens a WAL with O_CREAT whether or not it exists, so it cannot
// tell a WAL it made from one it found, and syncs the WAL's directory
// with the first sync of every connection: a second sync per command,
// after the commit's own, that only a new WAL needs (its name must be on
// the disk before its frames are worth anything). custos keeps its WAL
// from one command to the next (persistWAL). Frames in a WAL were written
// by a connection that syncs them at commit (custos's always do,
// synchronous=FULL), and SQLite synced the directory with that
// connection's first sync, so the name of a WAL found with frames is
// already on the disk. A WAL found empty may have been made by a
// connection that only read, which never syncs; a WAL removed and made
// again while this connection opened is another file than the one found.
// Both keep the directory sync.
func skipWALDirSync(dc any, found fs.FileInfo) bool {
	at, wal, ok := vfsFile(dc, sqlite3.SQLITE_FCNTL_JOURNAL_POINTER)
	was, isStat := found.Sys().(*syscall.Stat_t)
	if !ok || !isStat || found.Size() == 0 {
		return false
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(wal.Fh), &st); err != nil || st.Dev != was.Dev || st.Ino != was.Ino {
		return false
	}
	_, tls := connHandle(dc)
	var pin runtime.Pinner
	defer pin.Unpin()
	flags := new(uint16)
	pin.Pin(flags)
	*flags = wal.FctrlFlags &^ sqlite3.UNIXFILE_DIRSYNC
	libc.Xmemcpy(tls, at+unsafe.Offsetof(wal.FctrlFlags), uintptr(unsafe.Pointer(flags)), libc.Tsize_t(unsafe.Sizeof(*flags)))
	return true
}

// vfsFile finds the file behind the connection's main database (op
// SQLITE_FCNTL_FILE_POINTER) or its WAL (SQLITE_FCNTL_JOURNAL_POINTER): its
// address in SQLite's memory and a copy of it. ok is false when that file
// is not open, or not the unix VFS's.
func vfsFile(dc any, op int32) (at uintptr, f sqlite3.TunixFile, ok bool) {
	db, tls := connHandle(dc)
	if db == 0 {
		return 0, f, false
	}
	name, err := libc.CString("main")
	if err != nil {
		return 0, f, false
	}
	defer libc.Xfree(tls, name)
	// SQLite writes and reads these through their addresses.
	var pin runtime.Pinner
	defer pin.Unpin()
	ptr, file, vfs := new(uintptr), new(sqlite3.TunixFile), new(sqlite3.Tsqlite3_vfs)
	pin.Pin(ptr)
	pin.Pin(file)
	pin.Pin(vfs)
	if sqlite3.Xsqlite3_file_control(tls, db, name, op, uintptr(unsafe.Pointer(ptr))) != sqlite3.SQLITE_OK || *ptr == 0 {
		return 0, f, false
	}
	libc.Xmemcpy(tls, uintptr(unsafe.Pointer(file)), *ptr, libc.Tsize_t(unsafe.Sizeof(*file)))
	if file.FpMethod == 0 || file.FpVfs == 0 {
		return 0, f, false
	}
	libc.Xmemcpy(tls, uintptr(unsafe.Pointer(vfs)), file.FpVfs, libc.Tsize_t(unsafe.Sizeof(*vfs)))
	if libc.GoString(vfs.FzName) != "unix" {
		return 0, f, false
	}
	return *ptr, *file, true
}
