//go:build linux

package store

import "golang.org/x/sys/unix"

// networkFS names the file system under dir when it is one on which SQLite's
// WAL mode is unsafe (its shared-memory index needs one host's memory).
func networkFS(dir string) string {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return ""
	}
	return networkFSName(int64(st.Type))
}
