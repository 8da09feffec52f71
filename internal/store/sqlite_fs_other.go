//go:build !linux

package store

// networkFS is not detected on this platform.
func networkFS(string) string { return "" }
