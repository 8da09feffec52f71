//go:build !unix

package store

import "os"

// lockFile is a no-op where flock does not exist; a failure spooled while
// another process drains the spool may then be lost.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
