//go:build !linux

package store

import "io/fs"

// skipWALDirSync leaves SQLite's directory sync on here.
func skipWALDirSync(any, fs.FileInfo) bool { return false }
